"""PJ204 human-too-far (warning): the shortest way from `start` to a human is over 5 steps.

What it finds
    A tree in which even the quickest caller needs more than
    `max-steps-to-human` steps (default 5) to reach an agent. A step is one
    prompt heard: a `say`, `menu`, `ask` or `self_service` visit, and each
    replay of a menu or retry of an ask is one more. The quickest way is taken
    over every persona (and a default caller for each intent), mistakes and
    all: if failing out of a menu is the fastest way to a person, it counts
    with every attempt it takes. The finding is at the start node and shows
    the path.

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

from collections.abc import Iterator

from phonejail.analysis.chain import State, fewest_steps_to_human
from phonejail.findings import Problem, Severity
from phonejail.rules.base import Context, Option

CODE = "PJ204"
NAME = "human-too-far"
SEVERITY = Severity.WARNING
OPTIONS = (Option("max-steps-to-human", 5, "most steps the quickest way to a human may take"),)


def check(ctx: Context) -> Iterator[Problem]:
    limit = ctx.options["max-steps-to-human"]
    quickest: tuple[int, list[State]] | None = None
    for persona in ctx.callers:
        found = fewest_steps_to_human(ctx.chain(persona))
        if found and (quickest is None or found[0] < quickest[0]):
            quickest = found
    if quickest is None:
        return  # no caller reaches a human at all: PJ101/PJ103 say why
    steps, path = quickest
    if steps > limit:
        start = ctx.tree.nodes[ctx.tree.start]
        route = " -> ".join(s.node for s in path)
        yield Problem(
            CODE, start.loc.line, start.loc.column,
            f"the quickest way to a human takes {steps} steps, more than {limit}: {route}",
            node=ctx.tree.start,
        )
