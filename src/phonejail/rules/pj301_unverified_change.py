"""PJ301 unverified-change (error): a sensitive intent resolved with no identity given.

What it finds
    A node — an agent or a `self_service` — where a call resolves one of the
    tree's `sensitive` intents (a card change, an address, a password) while
    the caller has given no identity fact in that call. The finding is at the
    resolving node, with the shortest path there and the callers who can take
    it: the declared personas of that intent, and two stand-ins — a caller who
    gives no identity fact at all (anyone who dials the number) and one who
    knows every fact. An agent's own `asks` count as given: a human who asks
    before acting verifies. A path longer than a persona's patience is not
    counted for it, so the rule fires for a persona exactly when the exact
    analysis gives it `unverified_resolutions` above 0.

Why it matters
    The bank's 800-number customer, when no one verifies them, wonders: "who
    else can get into my account?" The same systems that shut the rightful
    caller out (PJ103, an identity gate) can let anyone in: a self-service
    that changes the card on file for whoever rings, an agent told to "just
    help" a caller the menu did not place. PJ103 and PJ301 are the two
    failures of identity; a good line has neither. `simulate` and `report`
    show the share of calls that end so (`unverified_resolutions`).

How to fix
    Verify before the change: ask for a fact first (an `ask` before the
    self-service, or `asks` on the agent), and let a caller who cannot give
    it reach a human who can verify another way — not the change itself.

Example (fails)
    intents: [update_card]
    sensitive: [update_card]
    nodes:
      menu: {kind: menu, options: [{key: "1", serves: [update_card], to: card_desk}]}
      card_desk: {kind: agent, resolves: [update_card]}    # changes the card, asks nothing

Use instead
      card_desk: {kind: agent, asks: [account_number], resolves: [update_card]}
"""

from __future__ import annotations

from collections.abc import Iterator

from phonejail.analysis.chain import fewest_steps_to
from phonejail.findings import Problem, Severity
from phonejail.model.tree import Persona
from phonejail.rules._regions import listing
from phonejail.rules.base import Context

CODE = "PJ301"
NAME = "unverified-change"
SEVERITY = Severity.ERROR
OPTIONS = ()

ANYONE = "anyone who calls (gives no identity fact)"
INSIDER = "a caller who knows every fact"


def _callers(ctx: Context, intent: str) -> list[Persona]:
    """The declared personas of `intent`, then a caller knowing nothing and one knowing all."""
    tree = ctx.tree
    declared = [p for p in tree.callers if p.intent == intent]
    loc = tree.where("sensitive")
    stand_ins = [Persona(name=ANYONE, intent=intent, knows=frozenset(), declared=False,
                         loc=loc),
                 Persona(name=INSIDER, intent=intent, knows=frozenset(tree.identity),
                         declared=False, loc=loc)]
    return declared + stand_ins


def check(ctx: Context) -> Iterator[Problem]:
    tree = ctx.tree
    # (resolving node, intent) -> (shortest path, callers who can take an unverified path)
    found: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for intent in tree.sensitive:
        for persona in _callers(ctx, intent):
            chain = ctx.chain(persona)
            by_node: dict[str, list[int]] = {}
            for i in chain.unverified_resolvers():
                by_node.setdefault(chain.states[i].node, []).append(i)
            for node_id, states in by_node.items():
                wanted = set(states)
                reached = fewest_steps_to(chain, wanted.__contains__)
                if reached is None or reached[0] > persona.patience:
                    continue
                path: list[str] = []
                for state in reached[1]:
                    if not path or path[-1] != state.node:
                        path.append(state.node)
                shortest, who = found.setdefault((node_id, intent), (path, []))
                if len(path) < len(shortest):
                    found[(node_id, intent)] = (path, who)
                if persona.name not in who:
                    who.append(persona.name)
    for (node_id, intent), (path, who) in sorted(
            found.items(), key=lambda kv: (tree.nodes[kv[0][0]].loc.line, kv[0][1])):
        node = tree.nodes[node_id]
        loc = node.where("resolves")
        how = "a human settles" if node.kind == "agent" else "self-service settles"
        yield Problem(
            CODE, loc.line, loc.column,
            f"at '{node_id}' {how} '{intent}' (sensitive) for a caller who has given no "
            f"identity fact in this call; path: {' -> '.join(path)} "
            f"(callers: {listing(who, 4)})",
            node=node_id, part=intent,
        )
