"""PJ105 persona-jailed (error): a caller whose exact jail rate is above `max-jail-rate`.

What it finds
    For each persona under `callers:` (and, for each intent no persona calls
    for, a default caller who knows every fact), the exact share of calls that
    end in phone jail: disconnected (dead end), hung up with patience spent
    (abandoned), or ended by a human or a recording who could not help
    (unresolved). These are the figures of `phonejail simulate --method exact`.
    Above `max-jail-rate` (default 0.05, that is 5% of the persona's calls; a
    persona can have its own limit under `persona-max-jail-rate`) it is an
    error. The finding names the persona, its jail rate and how its calls end,
    and sits at the node where most of its jailed calls are lost: the node
    whose move disconnects them (for a hangup, the node that sent them there,
    such as the ask they could not answer), the agent or recording that left
    them unresolved, or the loop in which their patience ran out (at the loop's
    entry), with the share of its calls lost there. With
    `max-overall-jail-rate` set (default: off), the jail rate of all calls
    together is judged too: the overall figure of `simulate --method exact`,
    in which a persona that redials counts every call its callers make.

Why it matters
    A menu can pass every path check and still jail a group of callers: the
    only path to a human may need a key nobody presses, a fact a caregiver
    does not have, or more patience than callers bring. This rule is the gate
    on what callers live through, not on what the graph allows.

How to fix
    Read the outcome split and go to the node named. A dead end: send the
    failure to a human or a callback. Abandoned in a loop: give the loop a way
    out (key 0 to a human, a `fail` handler). Unresolved: transfer to an agent
    who can resolve the intent. `phonejail simulate --method exact --persona
    NAME` shows the persona's figures; `phonejail call TREE --persona NAME`
    walks its call.

Example (fails)
    callers:
      - {name: caregiver, share: 0.2, intent: refill, knows: []}
    nodes:
      ask_phone:
        kind: ask
        fact: phone_number       # the caregiver does not know the patient's
        ok: refill_menu
        fail: goodbye            # 100% of caregivers are disconnected
      goodbye: {kind: hangup}

Use instead
      ask_phone:
        kind: ask
        fact: phone_number
        ok: refill_menu
        fail: agent_pharmacist   # a human finds the prescription another way
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from phonejail.findings import Problem, Severity
from phonejail.rules._jail import (
    ROUNDING,
    CallerJail,
    Refusal,
    caller_shares,
    limit_text,
    percent,
)
from phonejail.rules.base import Context, Option

CODE = "PJ105"
NAME = "persona-jailed"
SEVERITY = Severity.ERROR
OPTIONS = (
    Option("max-jail-rate", 0.05, "largest share of a persona's calls that may end in jail",
           kind="rate"),
    Option("max-overall-jail-rate", None, "largest share of all calls that may end in jail "
           "(default: not judged)", kind="rate"),
    Option("persona-max-jail-rate", (), "a persona's own max-jail-rate, by persona name",
           kind="persona rates"),
)


@dataclass(frozen=True)
class JailLimits:
    """The jail rates PJ105 allows: what the gate judges by, and what the report's verdict
    names (one reading of the configuration, so the page and `check` never disagree)."""

    default: float = 0.05
    """`max-jail-rate`: most of a persona's calls that may end in jail."""
    own: Mapping[str, float] = field(default_factory=dict)
    """`persona-max-jail-rate`: a persona's own limit, by persona name."""
    overall: float | None = None
    """`max-overall-jail-rate`: most of all calls that may end in jail (None: not judged)."""

    def for_persona(self, name: str) -> tuple[float, str]:
        """The jail rate a caller may reach, and the setting it comes from."""
        if name in self.own:
            return self.own[name], f"its persona-max-jail-rate {limit_text(self.own[name])}"
        return self.default, f"max-jail-rate {limit_text(self.default)}"

    def persona_jailed(self, name: str, jail_rate: float) -> bool:
        return jail_rate > self.for_persona(name)[0]

    def overall_jailed(self, jail_rate: float) -> bool:
        return self.overall is not None and jail_rate > self.overall


def jail_limits(options: Mapping[str, object]) -> JailLimits:
    """PJ105's limits from the rule options (config defaults already applied or not)."""
    rate = options.get("max-jail-rate", 0.05)
    overall = options.get("max-overall-jail-rate")
    own = dict(options.get("persona-max-jail-rate") or ())  # type: ignore[call-overload]
    assert isinstance(rate, float | int) and (overall is None or isinstance(overall, float | int))
    return JailLimits(float(rate), {str(k): float(v) for k, v in own.items()},
                      None if overall is None else float(overall))


def limit_for(ctx: Context, jail: CallerJail) -> tuple[float, str]:
    """The jail rate a caller may reach, and the setting it comes from."""
    return jail_limits(ctx.options).for_persona(jail.persona.name)


def who(ctx: Context, jail: CallerJail) -> str:
    """'persona 'caregiver' (20.0% of calls)', or a default caller described as such."""
    p = jail.persona
    if p.declared:
        return f"persona '{p.name}' ({percent(jail.share)} of calls)"
    if ctx.tree.callers:
        return (f"the default caller for intent '{p.intent}' (no persona under callers: "
                "has it; judged as a caller who knows every fact)")
    return f"the caller for intent '{p.intent}' ({percent(jail.share)} of calls)"


def call_weights(judged: tuple[CallerJail, ...]) -> list[float]:
    """Each caller's weight among all calls: its share times the calls each of its callers
    makes (redials after jailed calls), normalised, as `simulate` weighs the overall per-call
    figures (docs/format.md, "Redials and journeys"); its share when nobody redials."""
    shares = [j.share for j in judged]
    if not any(j.persona.redials for j in judged):
        return shares
    calls = []
    for j in judged:
        journey = 1.0  # 1 + j + j^2 + ... + j^r, summed as analysis.journey does
        for _ in range(j.persona.redials):
            journey = 1.0 + j.jail_rate * journey
        calls.append(j.share * journey)
    total = sum(calls)
    return [c / total if total > 0 else 0.0 for c in calls]


def check(ctx: Context) -> Iterator[Problem]:
    callers = ctx.callers
    tree = ctx.tree
    limits = jail_limits(ctx.options)
    refused = False
    for persona, share in zip(callers, caller_shares(tree, callers), strict=True):
        flow = ctx.flow_of(persona)
        if isinstance(flow, Refusal):
            # No exact figures for this caller (PJ009, PJ008 or PJ102 says why); the
            # others are still judged, so one caller's loop hides no one else's jail.
            refused = True
            continue
        # A flow-summed jail rate `ROUNDING` below the limit puts the exact one below it
        # too (`_jail.ROUNDING`): such callers, most of them, need no outcome shares.
        if flow.jail_rate <= limits.for_persona(persona.name)[0] - ROUNDING:
            continue
        jail = ctx.jail_of(persona, share)
        assert isinstance(jail, CallerJail)  # its flow is had
        limit, setting = limit_for(ctx, jail)
        worst = jail.worst
        if jail.jail_rate <= limit or worst is None:
            continue
        node_id, lost = worst
        node = tree.nodes[node_id]
        yield Problem(
            CODE, node.loc.line, node.loc.column,
            f"{who(ctx, jail)} ends in phone jail on {percent(jail.jail_rate, limit)} of its "
            f"calls, "
            f"above {setting} ({jail.split()}); {percent(lost)} of its calls are lost at "
            f"'{node_id}'",
            node=node_id, persona=jail.persona.name,
        )
    overall_limit = limits.overall
    if overall_limit is None or refused:
        return  # the overall rate needs every caller's figures
    judged = ctx.jail
    assert not isinstance(judged, Refusal)  # every caller's flow is had
    weights = call_weights(judged)
    overall = sum(w * j.jail_rate for w, j in zip(weights, judged, strict=True))
    if abs(overall - overall_limit) <= ROUNDING:
        # At the limit the order of the sums decides: take `simulate`'s own figure.
        from phonejail import simulate

        overall = simulate.run(tree, method="exact").overall.figures.jail_rate
    lost_at: dict[str, float] = defaultdict(float)
    for w, j in zip(weights, judged, strict=True):
        for node_id, share in j.lost_at.items():
            lost_at[node_id] += w * share
    if not jail_limits(ctx.options).overall_jailed(overall) or not lost_at:
        return
    node_id = max(lost_at, key=lambda n: (lost_at[n], -list(tree.nodes).index(n)))
    node = tree.nodes[node_id]
    yield Problem(
        CODE, node.loc.line, node.loc.column,
        f"{percent(overall, overall_limit)} of all calls end in phone jail, above "
        f"max-overall-jail-rate "
        f"{limit_text(overall_limit)}; {percent(lost_at[node_id])} of calls are lost at "
        f"'{node_id}'",
        node=node_id,
    )
