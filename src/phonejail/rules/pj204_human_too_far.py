"""PJ204 human-too-far (warning): the shortest way from `start` to a human is over 5 steps.

What it finds
    A tree in which even the quickest way to an agent takes more than
    `max-steps-to-human` steps (default 5). A step is one prompt heard: a
    `say`, `menu`, `ask` or `self_service` visit, and each replay of a menu or
    retry of an ask is one more. The quickest way is the fewest steps of any
    route a caller can choose (any option of a menu, key 0 included, the
    `ok` of an ask, any branch case some call can take: not a case of chance 0,
    nor one behind a case of chance 1, and a `given:` case only once the route
    has given the fact) and of every persona's own calls
    (and a default caller's for each intent), mistakes and all: if failing
    out of a menu is the fastest way to a person, it counts with every
    attempt it takes. The finding is at the start node and shows the path.

Why it matters
    A study of the phone menus of 50 Fortune 500 companies found callers
    reached an agent by the third menu at best; every extra prompt costs
    seconds of every call and drives callers to hang up. The GetHuman standard
    asks for short prompts and a human always within reach.

How to fix
    Offer 0 for an agent at the first menu, move recorded information behind
    an option instead of in front of the menu, and ask for identity once.

Options
    max-steps-to-human = 5   (in [tool.phonejail] of pyproject.toml)

Example (fails)
    welcome -> legal notice -> language menu -> ask account -> ask PIN
            -> main menu -> billing menu -> agent     (7 steps)

Use instead
    welcome -> main menu (0: agent) -> agent           (2 steps)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from phonejail.analysis.chain import fewest_steps_to_human
from phonejail.findings import Problem, Severity
from phonejail.model.graph import taken
from phonejail.model.tree import Agent, Ask, Branch, Node, Tree
from phonejail.rules.base import Context, Option

CODE = "PJ204"
NAME = "human-too-far"
SEVERITY = Severity.WARNING
OPTIONS = (Option("max-steps-to-human", 5, "most steps the quickest way to a human may take"),)


_MAX_TRACKED_FACTS = 12
"""Past this many facts tested by `given:` cases, the search stops telling them apart
(it then lets such a case go either way, which can only shorten the route it finds)."""


_FAILURES = frozenset({"invalid", "no_input", "fail"})
"""Moves a caller cannot choose: they cost attempts, which the callers' own chains count."""


def _choices(tree: Tree, node: Node, given: frozenset[str], tracked: frozenset[str]
             ) -> Iterator[tuple[str, frozenset[str]]]:
    """Where a caller can go from `node`, having given `given`, by choice or by a branch
    case some call can take (`taken`, `Branch.cases_taken`); a `given:` case only once the
    fact is given, and then surely (the cases after it are not reached)."""
    if isinstance(node, Branch):
        for _, case, to in node.cases_taken():
            if case is not None and case.test == "given" and case.value in tracked:
                if case.value not in given:
                    continue
                if to is not None:
                    yield to, given
                return
            if to is not None:  # knows, intent: some caller takes it, another goes on
                yield to, given
        return
    for label, to in taken(node, tree.intents):
        if to is None or label in _FAILURES:
            continue
        if isinstance(node, Ask) and label == "ok" and node.fact in tracked:
            yield to, given | {node.fact}
        else:
            yield to, given


def chosen_steps_to_human(tree: Tree) -> tuple[int, list[str]] | None:
    """The fewest steps of a route a caller can choose to an agent, and the nodes on it.

    The search is over (node, facts given) so that a branch on `given:` sends the route
    where it would send a call; leaving a node that takes a step costs one. 0/1 BFS.
    """
    tested = {str(c.value) for n in tree.nodes.values() if isinstance(n, Branch)
              for c in n.cases if c.test == "given"}
    tracked = frozenset(tested) if len(tested) <= _MAX_TRACKED_FACTS else frozenset()
    first = (tree.start, frozenset[str]())
    best: dict[tuple[str, frozenset[str]], int] = {first: 0}
    parent: dict[tuple[str, frozenset[str]], tuple[str, frozenset[str]] | None] = {first: None}
    frontier: deque[tuple[int, tuple[str, frozenset[str]]]] = deque([(0, first)])
    while frontier:
        steps, here = frontier.popleft()
        if steps > best[here]:
            continue
        node = tree.nodes[here[0]]
        if isinstance(node, Agent):
            path = [here]
            while (before := parent[path[-1]]) is not None:
                path.append(before)
            return steps, [state[0] for state in reversed(path)]
        cost = 1 if node.takes_step else 0
        for target in _choices(tree, node, here[1], tracked):
            if steps + cost < best.get(target, steps + cost + 1):
                best[target], parent[target] = steps + cost, here
                # 0/1 costs: a free move goes to the front, so states leave in step order
                (frontier.appendleft if cost == 0 else frontier.append)((steps + cost, target))
    return None


def check(ctx: Context) -> Iterator[Problem]:
    limit = ctx.options["max-steps-to-human"]
    quickest: tuple[int, list[str]] | None = None
    for persona in ctx.callers:
        found = fewest_steps_to_human(ctx.chain(persona))
        if found and (quickest is None or found[0] < quickest[0]):
            quickest = found[0], [s.node for s in found[1]]
    if quickest is None:
        return  # no caller reaches a human at all: PJ101/PJ103 say why
    chosen = chosen_steps_to_human(ctx.tree)
    if chosen is not None and chosen[0] < quickest[0]:
        quickest = chosen
    steps, path = quickest
    if steps > limit:
        start = ctx.tree.nodes[ctx.tree.start]
        route = " -> ".join(path)
        yield Problem(
            CODE, start.loc.line, start.loc.column,
            f"the quickest way to a human takes {steps} steps, more than {limit}: {route}",
            node=ctx.tree.start,
        )
