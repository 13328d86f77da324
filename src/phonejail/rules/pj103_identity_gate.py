"""PJ103 identity-gate (error): callers who cannot reach a human because they lack one fact.

What it finds
    For each declared persona, and for a caller of each intent who lacks one
    identity fact (and knows all the others), phonejail asks whether any path
    reaches a human when every `ask` for a fact the caller does not know
    fails. A caller who is shut out, but who would get through knowing every
    fact, is stopped by an identity gate. The finding is at the `ask` that
    shuts them out (the first one they meet) and names the personas, facts
    and intents affected. Patience is left out of this question: the gate is
    about what callers know, not how long they wait.

Why it matters
    This is the internet provider's customer with no home phone: the line
    identifies every caller by a phone number that they do not have, so the
    system cannot place them and never lets them talk to someone who could.
    The GetHuman standard asks for a way to a human at every point (press 0)
    and never to disconnect a caller for an error.

How to fix
    Offer another way to identify (an account number, a postcode), let the
    failed ask go to an agent (`fail: agent_general`) instead of a hangup, or
    give the menus before and after it an option for key 0 to a human.

Example (fails)
    ask_phone:
      kind: ask
      fact: phone_number
      ok: main_menu
      fail: goodbye              # no number, no service

Use instead
    ask_phone:
      kind: ask
      fact: phone_number
      ok: main_menu
      fail: ask_account          # identify another way
    ask_account:
      kind: ask
      fact: account_number
      ok: main_menu
      fail: agent_general        # and a human as the last resort
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from phonejail.findings import Problem, Severity
from phonejail.model.tree import Ask, Persona
from phonejail.rules._regions import listing
from phonejail.rules.base import Context

CODE = "PJ103"
NAME = "identity-gate"
SEVERITY = Severity.ERROR
OPTIONS = ()


def _gate(ctx: Context, persona: Persona) -> str | None:
    """The first ask that shuts `persona` out from every human, or None if it is not gated."""
    if ctx.may_reach_help(persona):
        return None
    if not ctx.may_reach_help(replace(persona, knows=frozenset(ctx.tree.identity))):
        return None  # no fact would help: not an identity gate (PJ101/PJ102/PJ201 say why)
    for state in ctx.chain(persona).states:
        node = ctx.tree.nodes[state.node]
        if isinstance(node, Ask) and node.fact not in persona.knows:
            return node.id
    return None  # pragma: no cover - knowing every fact changes only what asks do


def gated_personas(ctx: Context, ask: str) -> list[Persona]:
    """The tree's personas that the ask node `ask` shuts out from every human."""
    return [p for p in ctx.tree.personas if _gate(ctx, p) == ask]


def check(ctx: Context) -> Iterator[Problem]:
    tree = ctx.tree
    personas: dict[str, list[str]] = {}
    lacking: dict[str, dict[str, list[str]]] = {}
    for persona in tree.callers:
        gate = _gate(ctx, persona)
        if gate:
            personas.setdefault(gate, []).append(persona.name)
    asked = dict.fromkeys(n.fact for n in tree.nodes.values() if isinstance(n, Ask))
    for fact in asked:
        for intent in tree.intents:
            caller = Persona(name=f"{intent} without {fact}", intent=intent, declared=False,
                             knows=frozenset(tree.identity) - {fact}, loc=tree.loc)
            gate = _gate(ctx, caller)
            if gate:
                lacking.setdefault(gate, {}).setdefault(fact, []).append(intent)
    for gate in sorted(personas.keys() | lacking.keys(), key=list(tree.nodes).index):
        node = tree.nodes[gate]
        assert isinstance(node, Ask)
        who = [f"persona '{name}'" for name in personas.get(gate, [])]
        who += [f"callers who cannot give their {tree.identity[fact].label} ({fact}) "
                f"calling for {listing(intents, 4)}"
                for fact, intents in lacking.get(gate, {}).items()]
        yield Problem(
            CODE, node.loc.line, node.loc.column,
            f"'{gate}' shuts out {'; '.join(who)}: without the "
            f"{tree.identity[node.fact].label} no path from here reaches a human",
            node=gate,
        )
