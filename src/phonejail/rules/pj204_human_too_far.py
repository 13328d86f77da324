"""PJ204 human-too-far (warning): the shortest way from `start` to a human is over 5 steps.

What it finds
    A tree in which even the quickest caller needs more than
    `max-steps-to-human` steps (default 5) to reach an agent. A step is one
    prompt heard: a `say`, `menu`, `ask` or `self_service` visit. The finding
    is at the start node and shows the shortest path.

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

from phonejail.findings import Problem, Severity
from phonejail.model.graph import path_to, steps_from
from phonejail.model.tree import Agent
from phonejail.rules.base import Context, Option

CODE = "PJ204"
NAME = "human-too-far"
SEVERITY = Severity.WARNING
OPTIONS = (Option("max-steps-to-human", 5, "most steps the quickest way to a human may take"),)


def check(ctx: Context) -> Iterator[Problem]:
    limit = ctx.options["max-steps-to-human"]
    tree = ctx.tree
    dist, parent = steps_from(ctx.graph, tree, tree.start)
    agents = [n for n in dist if isinstance(tree.nodes[n], Agent)]
    if not agents:
        return  # no human at all: PJ101 reports that
    nearest = min(agents, key=lambda n: (dist[n], list(tree.nodes).index(n)))
    if dist[nearest] > limit:
        start = tree.nodes[tree.start]
        path = " -> ".join(path_to(parent, nearest))
        yield Problem(
            CODE, start.loc.line, start.loc.column,
            f"the quickest way to a human takes {dist[nearest]} steps, more than {limit}: {path}",
            node=tree.start,
        )
