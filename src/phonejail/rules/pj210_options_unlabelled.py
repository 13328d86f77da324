"""PJ210 options-unlabelled (warning): a menu none of whose options says which intents it serves.

What it finds
    A reachable menu whose options besides key 0 lead to two or more places,
    none of them with `serves:`. Synthetic callers choose the option that serves their intent
    (docs/format.md, "How a caller moves"); where no option says, every caller
    guesses among them all, or presses 0, as a caller who cannot tell the
    options apart would. The findings that follow (PJ105: callers lost at the
    wrong agent, PJ103) are then about the guessing, not about the menu a
    caller would hear. The finding is at the menu's `options`.

Why it matters
    The tree is the menu as callers hear it only if it says what each key is
    for: "To order press 1" is `serves: [order]` on key 1. Left out, the
    figures say half the callers end at the wrong desk, and a designer looking
    for that in the real menu finds nothing wrong.

How to fix
    Give each option the intents it is meant for. An option for everyone (a
    language choice, "press 1 to continue") serves every intent; list them.

Example (fails)
    main_menu:
      kind: menu
      say: "To order press 1, for complaints press 2."
      options:
        - {key: "1", to: orders}
        - {key: "2", to: complaints}

Use instead
      options:
        - {key: "1", serves: [order], to: orders}
        - {key: "2", serves: [complaint], to: complaints}
"""

from __future__ import annotations

from collections.abc import Iterator

from phonejail.findings import Problem, Severity
from phonejail.model.tree import Menu
from phonejail.rules.base import Context

CODE = "PJ210"
NAME = "options-unlabelled"
SEVERITY = Severity.WARNING
OPTIONS = ()


def check(ctx: Context) -> Iterator[Problem]:
    reachable = ctx.reachable
    for node in ctx.tree.nodes.values():
        if not isinstance(node, Menu) or node.id not in reachable:
            continue
        choices = [o for o in node.options if o.key != "0"]
        if len({o.to for o in choices}) < 2 or any(o.serves for o in choices):
            continue  # one way on whatever the key (a language choice): guessing costs nothing
        loc = node.where("options")
        keys = ", ".join(o.key for o in choices)
        yield Problem(
            CODE, loc.line, loc.column,
            f"menu '{node.id}': none of keys {keys} says which intents it serves "
            "(`serves:`), so callers cannot tell them apart and guess among them (or press 0); "
            "give each option the intents it is meant for",
            node=node.id,
        )
