"""PJ201 no-zero-out (warning): a menu whose key 0 does not lead to a human.

What it finds
    A menu with no option for key 0, or whose key 0 leads somewhere that does
    not reach an agent without the caller making another choice (through
    `say` and `branch` nodes only: "0, please hold for an operator" passes; a
    second menu does not).

Why it matters
    The first rule of the GetHuman standard: a caller can always press 0 to
    queue for a human. Callers whose need matches no option press 0; without
    it they guess, and the menu sends them the wrong way or disconnects them.

How to fix
    Add `{key: "0", to: <an agent>}` to every menu, or route it to a `say`
    or `branch` (opening hours) that leads to an agent or a callback.

Example (fails)
    main_menu:
      kind: menu
      options:
        - {key: "1", serves: [pay_bill], to: billing}

Use instead
    main_menu:
      kind: menu
      options:
        - {key: "1", serves: [pay_bill], to: billing}
        - {key: "0", to: agent_general}
"""

from __future__ import annotations

from collections.abc import Iterator

from phonejail.findings import Problem, Severity
from phonejail.model.tree import Agent, Branch, Menu, Say, Tree
from phonejail.rules.base import Context

CODE = "PJ201"
NAME = "no-zero-out"
SEVERITY = Severity.WARNING
OPTIONS = ()


def leads_to_human(tree: Tree, target: str | None) -> bool:
    """True if `target` reaches an agent through say and branch nodes only."""
    seen: set[str] = set()
    todo = [target]
    while todo:
        here = todo.pop()
        if here is None or here in seen:
            continue
        seen.add(here)
        node = tree.nodes[here]
        if isinstance(node, Agent):
            return True
        if isinstance(node, Say):
            todo.append(node.next)
        elif isinstance(node, Branch):
            todo.extend(target for _, target in node.targets())
    return False


def check(ctx: Context) -> Iterator[Problem]:
    for node in ctx.tree.nodes.values():
        if not isinstance(node, Menu):
            continue
        zero = node.option("0")
        if zero is None:
            yield Problem(
                CODE, node.loc.line, node.loc.column,
                f"menu '{node.id}' has no option for key 0: callers cannot ask for a human here",
                node=node.id,
            )
        elif not leads_to_human(ctx.tree, zero.to):
            where = f"'{zero.to}'" if zero.to else "nowhere (the call is disconnected)"
            yield Problem(
                CODE, zero.loc.line, zero.loc.column,
                f"key 0 in menu '{node.id}' leads to {where}, which does not reach a human "
                "without another choice",
                node=node.id,
            )
