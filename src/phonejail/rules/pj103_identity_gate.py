"""PJ103 identity-gate (error): callers jailed because they lack a fact an ask demands.

What it finds
    For each persona under `callers:`, and for a caller of each intent who
    lacks one identity fact (and knows all the others), phonejail takes the
    exact jail rate of `phonejail simulate --method exact` twice: as the
    caller is, and as the same caller would be knowing the fact. When the
    caller's jail rate is above its limit (`max-jail-rate`, or the persona's
    own under `persona-max-jail-rate`, as for PJ105) and the part of it that
    knowing the fact would remove is above that limit too, the ask of the
    fact shuts the caller out. What paths exist does not matter, only what
    callers do: a "press 0" at an earlier menu is no escape for a caller who
    never presses 0 when an option fits. The finding is at the first ask of
    the fact the caller meets and names the personas, facts and intents
    affected, with both jail rates. When no single fact does it but only
    knowing every fact the caller is asked for would, all of them are named.

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
from dataclasses import dataclass, replace

from phonejail.findings import Problem, Severity
from phonejail.model.tree import Ask, Branch, Node, Persona
from phonejail.rules._jail import ROUNDING, CallerFlow, CallerJail, caller_shares, percent
from phonejail.rules._regions import listing
from phonejail.rules.base import Context
from phonejail.rules.pj105_persona_jailed import jail_limits

CODE = "PJ103"
NAME = "identity-gate"
SEVERITY = Severity.ERROR
OPTIONS = ()


@dataclass(frozen=True)
class Gate:
    """A caller the ask of facts they lack jails above their limit."""

    caller: Persona
    ask: str
    """The first ask of one of `facts` the caller meets: where the finding sits."""
    facts: tuple[str, ...]
    """The facts whose asks do it (one, or several that only together let the caller in)."""
    jail_rate: float
    knowing: float
    """The caller's jail rate had they known `facts`."""
    setting: str
    """The limit broken, as the message names it."""


def _first_ask(ctx: Context, seen: CallerFlow | CallerJail,
               facts: tuple[str, ...]) -> str | None:
    """The first ask of one of `facts` that the caller's calls reach, in the chain's order."""
    assert seen.chain is not None
    for state, visits in zip(seen.chain.states, seen.visits, strict=True):
        node = ctx.tree.nodes[state.node]
        if visits > 0 and isinstance(node, Ask) and node.fact in facts:
            return node.id
    return None


def _facts_tested(node: Node) -> tuple[str, ...]:
    """Facts whose lack changes where a call goes at `node`: an ask of it, or a branch
    on `knows: FACT`. Everywhere else a caller lacking a fact moves as one who knows it
    (an agent's `asks` are given either way; `given:` follows the asks)."""
    if isinstance(node, Ask):
        return (node.fact,)
    if isinstance(node, Branch):
        return tuple(str(c.value) for c in node.cases if c.test == "knows")
    return ()


def _asked(ctx: Context, seen: CallerFlow, knows: frozenset[str]) -> dict[str, float]:
    """Facts outside `knows` that the caller's calls meet (an ask of it, a branch on
    knowing it), in meeting order, with the expected visits per call to those nodes."""
    facts: dict[str, float] = {}
    for state, visits in zip(seen.chain.states, seen.visits, strict=True):
        if visits > 0:
            for fact in _facts_tested(ctx.tree.nodes[state.node]):
                if fact not in knows:
                    facts[fact] = facts.get(fact, 0.0) + visits
    return facts


def gate_of(ctx: Context, persona: Persona, share: float = 0.0,
            like: Persona | None = None) -> Gate | None:
    """Whether the asks of facts `persona` lacks jail it above its limit, and where.

    Judged by the exact figures (`Context.jail_of`): the caller's jail rate is above
    its limit, and so is the part of it the asks cause, the jail rate minus the rate
    of the same caller knowing the fact. One fact whose lack does it is named alone;
    otherwise, if only knowing every fact asked would let the caller through, all of
    them.

    The exact flow (`Context.flow_of`) decides first where it can: a caller whose
    flow-summed jail rate is below its limit by more than rounding could reach
    (`ROUNDING`) is below it by the exact figures too, and needs no outcome shares.
    `like`: a caller of the same intent whose chain this one's is derived from, if it
    is at hand (`Context.exact_chain`); the caller knowing the facts is derived from
    `persona`'s.
    """
    flow = ctx.flow_of(persona, like)
    if not isinstance(flow, CallerFlow):
        return None  # no exact figures: PJ102 or the loader says why
    limit, setting = jail_limits(ctx.options).for_persona(persona.name)
    if flow.jail_rate <= limit - ROUNDING:
        return None
    jail = ctx.jail_of(persona, share)
    if not isinstance(jail, CallerJail) or jail.jail_rate <= limit:
        return None
    lacking = _asked(ctx, flow, persona.knows)
    candidates = [(fact,) for fact in lacking]
    if len(lacking) > 1:
        candidates.append(tuple(lacking))
    for facts in candidates:
        # The caller moves as one knowing the facts until it meets a node that tests them
        # (an ask, a branch on knowing), so what their lack adds is at most the share of
        # calls that meet one, at most the expected visits to them: below the limit, no
        # exact pass is needed to know the answer.
        if sum(lacking[f] for f in facts) <= limit - ROUNDING:
            continue
        informed = replace(persona, knows=persona.knows | frozenset(facts))
        knowing_flow = ctx.flow_of(informed, like=persona)
        if (not isinstance(knowing_flow, CallerFlow)
                or jail.jail_rate - knowing_flow.jail_rate <= limit - ROUNDING):
            continue
        knowing = ctx.jail_of(informed)
        if not isinstance(knowing, CallerJail) or jail.jail_rate - knowing.jail_rate <= limit:
            continue
        ask = _first_ask(ctx, jail, facts)
        if ask is not None:
            return Gate(persona, ask, facts, jail.jail_rate, knowing.jail_rate, setting)
    return None


def _default_gates(ctx: Context) -> list[Gate]:
    """Callers of each intent who lack one asked fact and know every other."""
    tree = ctx.tree
    every = frozenset(tree.identity)
    limits = jail_limits(ctx.options)
    found = []
    # The first caller of each intent, whose chain (followed by the rules before) the
    # informed caller's is derived from: they differ at few nodes, if at all.
    first_of = {p.intent: p for p in reversed(ctx.callers)}
    for intent in tree.intents:
        informed = Persona(name=intent, intent=intent, knows=every, declared=False,
                           loc=tree.loc)
        flow = ctx.flow_of(informed, like=first_of.get(intent))
        if not isinstance(flow, CallerFlow):
            continue
        # A caller lacking a fact moves as the informed one until a node that tests it
        # (an ask, a branch on knowing it), so the jail it adds is at most the share of
        # calls that reach such a node, itself at most the expected visits to them: facts
        # met less cannot shut anyone out (on a big tree most are, and need no exact
        # pass of their own).
        for fact, visits in _asked(ctx, flow, frozenset()).items():
            caller = Persona(name=f"{intent} without {fact}", intent=intent, declared=False,
                             knows=every - {fact}, loc=tree.loc)
            if visits <= limits.for_persona(caller.name)[0] - ROUNDING:
                continue
            gate = gate_of(ctx, caller, like=informed)
            if gate is not None:
                found.append(gate)
    return found


def gates(ctx: Context) -> list[Gate]:
    """Every identity gate: declared personas, then callers lacking one fact."""
    declared = ctx.tree.callers
    shares = caller_shares(ctx.tree, declared)
    found = [g for p, s in zip(declared, shares, strict=True)
             if (g := gate_of(ctx, p, s)) is not None]
    return found + _default_gates(ctx)


def gated_personas(ctx: Context, ask: str) -> list[Persona]:
    """The tree's declared personas that the ask node `ask` shuts out."""
    return [g.caller for g in gates(ctx) if g.caller.declared and g.ask == ask]


def _facts_text(ctx: Context, facts: tuple[str, ...]) -> str:
    return " and ".join(f"the {ctx.tree.identity[f].label}" for f in facts)


def _up_to(shown: str) -> str:
    """"up to 40.0%", but ">99.99%" alone ("up to >99.99%" says nothing more)."""
    return shown if shown.startswith(">") else f"up to {shown}"


def check(ctx: Context) -> Iterator[Problem]:
    tree = ctx.tree
    by_ask: dict[str, list[Gate]] = {}
    for gate in gates(ctx):
        by_ask.setdefault(gate.ask, []).append(gate)
    for ask in sorted(by_ask, key=list(tree.nodes).index):
        node = tree.nodes[ask]
        who = []
        lacking: dict[str, list[Gate]] = {}
        for gate in by_ask[ask]:
            if gate.caller.declared:
                who.append(
                    f"persona '{gate.caller.name}' (phone jail on "
                    f"{percent(gate.jail_rate)} of its calls, {percent(gate.knowing)} if it "
                    f"knew {_facts_text(ctx, gate.facts)}; above {gate.setting})")
            else:
                lacking.setdefault(gate.facts[0], []).append(gate)
        for fact, gated in lacking.items():
            worst = max(gated, key=lambda g: g.jail_rate - g.knowing)
            intents = listing([g.caller.intent for g in gated], 4)
            who.append(
                f"callers who cannot give their {tree.identity[fact].label} ({fact}) calling "
                f"for {intents} (phone jail on {_up_to(percent(worst.jail_rate))} of their "
                f"calls, {percent(worst.knowing)} knowing it; above {worst.setting})")
        yield Problem(
            CODE, node.loc.line, node.loc.column,
            f"'{ask}' shuts out {'; '.join(who)}",
            node=ask, fact=node.fact,
        )
