"""PJ205 no-retry-handler (warning): a menu or ask whose failure disconnects the caller.

What it finds
    A menu whose `invalid` (wrong key), `no_input` (silence) or `fail` (after
    the last retry), or an ask whose `fail`, is left out or leads straight to
    a hangup (directly or through `say` nodes): a caller who presses a wrong
    key, stays silent or cannot give a fact is hung up on.

Why it matters
    "Never disconnect for a caller error or silence" is a rule of the GetHuman
    standard. Callers mistype, hesitate, or do not have the number being
    asked for; cutting them off turns one error into a second call and an
    angry one.

How to fix
    Send failures to a human, a callback, or back to the menu with help:
    `invalid: main_menu`, `no_input: main_menu`, `fail: agent_general`.

Example (fails)
    main_menu:
      kind: menu
      options: [{key: "1", to: billing}, {key: "0", to: agent}]
      # invalid, no_input and fail left out: the call is dropped

Use instead
    main_menu:
      kind: menu
      options: [{key: "1", to: billing}, {key: "0", to: agent}]
      invalid: main_menu
      no_input: main_menu
      fail: agent
"""

from __future__ import annotations

from collections.abc import Iterator

from phonejail.findings import Problem, Severity
from phonejail.model.tree import Ask, Hangup, Menu, Say, Tree
from phonejail.rules.base import Context

CODE = "PJ205"
NAME = "no-retry-handler"
SEVERITY = Severity.WARNING
OPTIONS = ()


def disconnects(tree: Tree, target: str | None) -> bool:
    """True if going to `target` hangs up: left out, a hangup, or `say` nodes into one."""
    seen: set[str] = set()
    while target is not None and target not in seen:
        seen.add(target)
        node = tree.nodes[target]
        if isinstance(node, Hangup):
            return True
        if not isinstance(node, Say):
            return False
        target = node.next
    return target is None


def check(ctx: Context) -> Iterator[Problem]:
    tree = ctx.tree
    for node in tree.nodes.values():
        if isinstance(node, Menu):
            handlers = {"invalid": node.invalid, "no_input": node.no_input, "fail": node.fail}
        elif isinstance(node, Ask):
            handlers = {"fail": node.fail}
        else:
            continue
        bad = [name for name, target in handlers.items() if disconnects(tree, target)]
        if not bad:
            continue
        described = ", ".join(
            f"{name} -> '{handlers[name]}'" if handlers[name] else f"{name} (left out)"
            for name in bad
        )
        written = [name for name in bad if name in node.locs]
        loc = node.locs[written[0]] if written else node.loc
        yield Problem(
            CODE, loc.line, loc.column,
            f"{node.kind} '{node.id}' disconnects callers on a failure: {described}",
            node=node.id,
        )
