"""PJ009 exact-refused (error): callers the exact analysis cannot follow, so no gate judges them.

What it finds
    A tree in which some caller's call cannot be followed exactly, for one of
    two reasons (docs/format.md, "Decisions in the simulation"):

    - a cycle of nodes that take no step (branches, agents, callbacks) that
      a call can go round: each time round costs the caller no patience, so
      nothing bounds how often it happens;
    - the 10,000-visit cap could bind: a loop holds a long run of nodes that
      take no step, and the caller's patience lets a call go round it so often
      that it could make more than 10,000 visits.

    The rules that judge callers by their exact figures (PJ103, PJ105, PJ107,
    and PJ202's "within their patience") and `phonejail simulate --method
    exact` refuse such a tree; this finding says so, so the gate does not pass
    a tree it could not judge. It sits at the first node of the cycle (or at
    the start node) and names the callers. A cycle that traps a caller for
    good is a jail loop, which PJ102 reports instead (when PJ102 does not run,
    this rule reports it).

Why it matters
    A gate that says "no findings" about callers it never followed misses
    jail: behind the cycle, a whole intent can go unresolved. And a loop of
    routing nodes that plays nothing is a loop a real platform can spin in
    with the caller hearing silence.

How to fix
    Break the cycle (let the branch that goes back lead on to a prompt or a
    human instead), or put a prompt in it (a `say`), so that each time round
    is a step of the caller's patience (`phonejail simulate` refuses such a
    cycle too). For the visit cap: shorten runs of branches, or give the
    persona less patience; meanwhile `phonejail simulate --method montecarlo`
    samples the calls (the cap ends every call).

Example (fails)
    route:  {kind: branch, cases: [{when: {chance: 0.5}, to: route2}], else: menu}
    route2: {kind: branch, cases: [{when: {chance: 0.1}, to: route}], else: menu}

Use instead
    route:  {kind: branch, cases: [{when: {chance: 0.5}, to: route2}], else: menu}
    route2: {kind: branch, cases: [{when: {chance: 0.1}, to: busy}], else: menu}
    busy:   {kind: say, say: "All our lines are busy, please hold.", next: route}
"""

from __future__ import annotations

from collections.abc import Iterator

from phonejail.analysis.chain import states_that_end
from phonejail.analysis.plain import MAX_VISITS
from phonejail.findings import Problem, Severity
from phonejail.model.tree import Persona
from phonejail.rules._jail import Refusal
from phonejail.rules._regions import listing
from phonejail.rules.base import Context

CODE = "PJ009"
NAME = "exact-refused"
SEVERITY = Severity.ERROR
OPTIONS = ()
STANDS_IN_FOR = ("PJ103", "PJ105")
"""The errors this finding speaks for when callers cannot be followed: it runs whenever one
of them does, unless ignored by its own code (docs/configuration.md)."""


def _caller(ctx: Context, persona: Persona) -> str:
    if persona.declared or not ctx.tree.callers:
        return persona.name
    return f"intent {persona.intent} (default caller)"


def _jail_loop(ctx: Context, persona: Persona, cycle: tuple[str, ...]) -> bool:
    """Whether the caller can be caught for good on the cycle (PJ102 reports that)."""
    chain = ctx.chain(persona)
    ends = states_that_end(chain)
    return any(state.node in cycle and i not in ends for i, state in enumerate(chain.states))


def _from_first(cycle: tuple[str, ...], order: dict[str, int]) -> tuple[str, ...]:
    """The cycle told from its node first in the file, so that every caller who finds it
    (each from its own state) names it alike and the finding sits at one node."""
    if not cycle:
        return cycle
    first = min(range(len(cycle)), key=lambda i: order[cycle[i]])
    return cycle[first:] + cycle[:first]


def check(ctx: Context) -> Iterator[Problem]:
    tree = ctx.tree
    order = {node_id: i for i, node_id in enumerate(tree.nodes)}
    refused: dict[tuple[str, ...], list[str]] = {}
    loops_reported = ctx.running is None or "PJ102" in ctx.running
    for persona in ctx.callers:
        found = ctx.flow_of(persona)
        if not isinstance(found, Refusal) or found.past_budget:
            continue  # followed, or past the state budget (PJ008 says so)
        if found.cycle and loops_reported and _jail_loop(ctx, persona, found.cycle):
            continue  # PJ102 reports the loop
        refused.setdefault(_from_first(found.cycle, order), []).append(_caller(ctx, persona))
    for cycle, callers in refused.items():
        at = cycle[0] if cycle else tree.start
        node = tree.nodes[at]
        if cycle:
            route = " -> ".join(f"'{n}'" for n in [*cycle, cycle[0]])
            why = f"calls can go round {route} without taking a step (no prompt, no patience)"
            fix = ("break the cycle or put a prompt in it (`phonejail simulate` refuses the "
                   "tree too)")
        else:
            why = (f"a call could make more than {MAX_VISITS:,} visits (its patience lets it "
                   "go round a loop with a long run of nodes that take no step many times)")
            fix = ("shorten the runs of branches in loops or give the callers less patience "
                   "(`phonejail simulate --method montecarlo` samples the calls meanwhile)")
        yield Problem(
            CODE, node.loc.line, node.loc.column,
            f"{why}: the exact analysis cannot follow callers {listing(callers, 4)}, so "
            f"their jail (PJ103, PJ105, PJ107) is not judged; {fix}",
            node=at,
        )
