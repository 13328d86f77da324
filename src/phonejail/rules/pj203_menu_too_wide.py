"""PJ203 menu-too-wide (warning): a menu with more than 5 options.

What it finds
    A menu offering more options than `max-menu-options` (default 5).

Why it matters
    Callers hear a menu once and must remember every option until they hear
    theirs; usability studies (and Avaya's design guidance) put the limit at
    four or five. Wider menus make callers replay the menu, guess, or press 0.

How to fix
    Group options into a second level, move rare ones behind "for anything
    else press 9", or put the most common first and shorten the rest.

Options
    max-menu-options = 5     (in [tool.phonejail] of pyproject.toml)

Example (fails)
    main_menu:
      kind: menu
      options:     # seven options
        - {key: "1", to: a}
        - {key: "2", to: b}
        - {key: "3", to: c}
        - {key: "4", to: d}
        - {key: "5", to: e}
        - {key: "6", to: f}
        - {key: "0", to: agent}

Use instead
    main_menu:
      kind: menu
      options:
        - {key: "1", to: a}
        - {key: "2", to: b}
        - {key: "3", to: more_menu}   # c, d, e and f
        - {key: "0", to: agent}
"""

from __future__ import annotations

from collections.abc import Iterator

from phonejail.findings import Problem, Severity
from phonejail.model.tree import Menu
from phonejail.rules.base import Context, Option

CODE = "PJ203"
NAME = "menu-too-wide"
SEVERITY = Severity.WARNING
OPTIONS = (Option("max-menu-options", 5, "most options a menu may offer"),)


def check(ctx: Context) -> Iterator[Problem]:
    limit = ctx.options["max-menu-options"]
    for node in ctx.tree.nodes.values():
        if isinstance(node, Menu) and len(node.options) > limit:
            loc = node.where("options")
            yield Problem(
                CODE, loc.line, loc.column,
                f"menu '{node.id}' offers {len(node.options)} options, more than {limit}",
                node=node.id,
            )
