"""PJ204 human-too-far (warning): the shortest way from `start` to a human is over 5 steps.

What it finds
    A tree in which even the quickest way to an agent takes more than
    `max-steps-to-human` steps (default 5). A step is one prompt heard: a
    `say`, `menu`, `ask` or `self_service` visit, and each replay of a menu or
    retry of an ask is one more. The quickest way is the fewest steps of any
    route a caller can choose (any option of a menu, key 0 included, the
    `ok` of an ask, any case of a branch) and of every persona's own calls
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
from phonejail.model.graph import Moves, Sink
from phonejail.model.tree import Agent, Tree
from phonejail.rules.base import Context, Option

CODE = "PJ204"
NAME = "human-too-far"
SEVERITY = Severity.WARNING
OPTIONS = (Option("max-steps-to-human", 5, "most steps the quickest way to a human may take"),)


_FAILURES = frozenset({"invalid", "no_input", "fail", "retry"})
"""Moves a caller cannot choose: they cost attempts, which the callers' own chains count."""


def chosen_steps_to_human(tree: Tree, moves: Moves) -> tuple[int, list[str]] | None:
    """The fewest steps of a route a caller can choose to an agent, and the nodes on it.

    Leaving a node that takes a step costs one; failures (a wrong key, silence, a failed
    ask) are not choices and are left to the callers' chains. Dijkstra with 0/1 costs.
    """
    best: dict[str, int] = {tree.start: 0}
    parent: dict[str, str | None] = {tree.start: None}
    frontier: deque[tuple[int, str]] = deque([(0, tree.start)])
    while frontier:
        steps, here = frontier.popleft()
        if steps > best[here]:
            continue
        node = tree.nodes[here]
        if isinstance(node, Agent):
            path = [here]
            while (before := parent[path[-1]]) is not None:
                path.append(before)
            return steps, path[::-1]
        cost = 1 if node.takes_step else 0
        for target, labels in moves.labels[here].items():
            if not isinstance(target, str) or isinstance(target, Sink) \
                    or all(label in _FAILURES for label in labels):
                continue
            if steps + cost < best.get(target, steps + cost + 1):
                best[target], parent[target] = steps + cost, here
                # 0/1 costs: a free move goes to the front, so nodes leave in step order
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
    chosen = chosen_steps_to_human(ctx.tree, ctx.graph)
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
