"""PJ008 state-budget (error): a caller's call can be in too many states to follow exactly.

What it finds
    A tree in which some caller's call can be in more than 100,000 states, the
    state budget (docs/format.md, "Limits"). A state is where a call is and what
    it carries: the node, the identity facts given so far, the retries used,
    a transfer under way, a queue. Facts multiply states: K facts each asked on a
    chance and tested later by a `given:` branch make 2^K states of every node
    after them (16 such facts: several million). Past the budget phonejail does
    not build the chain (it would exhaust memory): the rules that follow calls
    through it (PJ102, PJ103, PJ105, PJ107, PJ202, PJ204, PJ207, PJ301) and the
    exact analysis are skipped for this tree (once one caller is past the budget, no
    other chain is built: each could cost as much), and say nothing about it.
    `phonejail simulate` still samples its calls by Monte-Carlo (holding only
    the states calls reach, a budget's worth at a time). The finding is at the
    start node and names the first caller past the budget.

    One check also has a budget for all its chains together, 1,000,000 states
    (each persona, each default caller, and each caller lacking one fact that
    PJ103 tries has a chain of its own): past it, the same finding names that
    budget, and the rules not yet judged are skipped.

Why it matters
    A tree that cannot be followed cannot be judged: the gate would pass it
    without having looked for jail loops, identity gates or jailed personas.

How to fix
    Test fewer facts separately: ask for identity once, in one place, and
    branch on `given:` where it changes the route, not after every ask. A
    tree whose facts really do multiply can be checked with this code turned
    off (`ignore = ["PJ008"]`), relying on Monte-Carlo figures.

Example (fails)
    gate1: {kind: branch, cases: [{when: {chance: 0.5}, to: ask1}], else: check1}
    ask1: {kind: ask, fact: f1, ok: check1, fail: check1}
    check1: {kind: branch, cases: [{when: {given: f1}, to: gate2}], else: gate2}
    ... and the same for f2 ... f16

Use instead
    ask_account: {kind: ask, fact: account_number, ok: main_menu, fail: agent}
"""

from __future__ import annotations

from collections.abc import Iterator

from phonejail.analysis.chain import ChainTooLarge, CheckTooLarge
from phonejail.findings import Problem, Severity
from phonejail.rules.base import Context

CODE = "PJ008"
NAME = "state-budget"
SEVERITY = Severity.ERROR
OPTIONS = ()
STANDS_IN_FOR = ("PJ102", "PJ103", "PJ105", "PJ301")
"""The errors this finding speaks for when callers cannot be followed: it runs whenever one
of them does, unless ignored by its own code (docs/configuration.md)."""


def problem(ctx: Context, too_large: ChainTooLarge) -> Problem:
    """The finding for a tree past a state budget, at its start node."""
    start = ctx.tree.nodes[ctx.tree.start]
    budget = str(too_large) if isinstance(too_large, CheckTooLarge) else (
        f"the calls of persona '{too_large.persona}' can be in more than "
        f"{too_large.budget:,} states (node, facts given, retries), the state budget")
    return Problem(
        CODE, start.loc.line, start.loc.column,
        f"{budget}: the rules that follow calls and the exact analysis are skipped "
        "for this tree; `phonejail simulate` samples it by Monte-Carlo",
        node=ctx.tree.start,
    )


def check(ctx: Context) -> Iterator[Problem]:
    for persona in ctx.callers:
        try:
            ctx.chain(persona)
        except ChainTooLarge as too_large:
            yield problem(ctx, too_large)
            return
