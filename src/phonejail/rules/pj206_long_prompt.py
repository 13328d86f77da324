"""PJ206 long-prompt (warning): a prompt longer than 30 seconds.

What it finds
    A node whose `seconds` exceed `max-prompt-seconds` (default 30).

Why it matters
    The GetHuman standard asks for short prompts; every caller pays for every
    second of every prompt on the way. A long recorded message in front of the
    menu is heard by every caller, including the ones who called about
    something else. (At AT&T, one second of introduction was estimated to
    cost a million dollars a year.)

How to fix
    Cut the prompt, split it, or put the information behind an option so that
    only the callers who want it hear it.

Options
    max-prompt-seconds = 30  (in [tool.phonejail] of pyproject.toml)

Example (fails)
    legal_notice: {kind: say, say: "...", seconds: 45, next: main_menu}

Use instead
    legal_notice: {kind: say, say: "Calls are recorded.", seconds: 3, next: main_menu}
"""

from __future__ import annotations

from collections.abc import Iterator

from phonejail.findings import Problem, Severity
from phonejail.rules.base import Context, Option

CODE = "PJ206"
NAME = "long-prompt"
SEVERITY = Severity.WARNING
OPTIONS = (Option("max-prompt-seconds", 30, "longest prompt, in seconds"),)


def check(ctx: Context) -> Iterator[Problem]:
    limit = ctx.options["max-prompt-seconds"]
    for node in ctx.tree.nodes.values():
        if node.seconds > limit:
            loc = node.where("seconds")
            yield Problem(
                CODE, loc.line, loc.column,
                f"the prompt of '{node.id}' lasts {node.seconds} seconds, more than {limit}",
                node=node.id,
            )
