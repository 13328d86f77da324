"""PJ208 speech-only (warning): a voice menu with no keypad to fall back on.

What it finds
    A menu with `input: speech` whose failures (`invalid`, and `fail` after
    the last retry) do not lead to a menu that takes keys. A caller the
    recogniser does not understand can only say the same words again.

Why it matters
    The customer who went on a phone journey "to Texas, India, the
    Philippines and back" met "voice activated phone systems" on the way.
    Speech recognition fails most for the callers who most need help: an
    accent, a noisy line, a bad connection, a name the grammar does not know.
    GetHuman's standard for phone menus asks for keys as a fallback for
    speech. In phonejail each no-match is a failure, like a wrong key: after
    `retries` of them the caller goes to `fail`, often a goodbye. `simulate`
    shows the cost (the `understood` of a persona multiplies `recognition`).

How to fix
    Take keys as well: `input: both` keeps speech for the first attempt and
    lets the caller press a key after a failed one. Or send `invalid` or
    `fail` to a keyed menu with the same choices.

Example (fails)
    main_menu:
      kind: menu
      input: speech
      say: "Tell me in a few words why you are calling."
      options: [{key: "1", serves: [pay_bill], to: billing}, {key: "0", to: agent}]
      invalid: main_menu
      fail: goodbye

Use instead
    main_menu:
      kind: menu
      input: both
      say: "Tell me in a few words why you are calling, or press 1 for billing."
      options: [{key: "1", serves: [pay_bill], to: billing}, {key: "0", to: agent}]
      invalid: main_menu
      fail: agent
"""

from __future__ import annotations

from collections.abc import Iterator

from phonejail.findings import Problem, Severity
from phonejail.model.tree import Menu, Say, Tree
from phonejail.rules.base import Context

CODE = "PJ208"
NAME = "speech-only"
SEVERITY = Severity.WARNING
OPTIONS = ()


def _keyed_menu_at(tree: Tree, target: str | None) -> bool:
    """Whether `target` is, or plays announcements before, a menu that takes keys."""
    seen: set[str] = set()
    while target is not None and target not in seen:
        seen.add(target)
        node = tree.nodes[target]
        if isinstance(node, Menu):
            return node.input != "speech"
        if not isinstance(node, Say):
            return False
        target = node.next
    return False


def check(ctx: Context) -> Iterator[Problem]:
    tree = ctx.tree
    for node in tree.nodes.values():
        if not isinstance(node, Menu) or node.input != "speech" or node.id not in ctx.reachable:
            continue
        if _keyed_menu_at(tree, node.invalid) or _keyed_menu_at(tree, node.fail):
            continue
        loc = node.where("input")
        yield Problem(
            CODE, loc.line, loc.column,
            f"'{node.id}' takes speech only: a caller it does not understand (recognition "
            f"{node.recognition:g} per attempt) cannot press a key instead; use `input: both`, "
            "or send `invalid` or `fail` to a menu that takes keys",
            node=node.id,
        )
