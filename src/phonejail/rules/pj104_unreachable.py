"""PJ104 unreachable (warning): a node no call can reach from `start`.

What it finds
    A node that no target of any reachable node names, directly or through
    other nodes: a menu left behind after a redesign, an agent queue nobody
    routes to, a typo in the one target that should lead there.

Why it matters
    Unreachable nodes are dead weight that reviewers still read and maintain,
    and often the sign of a broken route: the new billing menu exists, but the
    main menu still sends callers to the old one.

How to fix
    Route a target to the node, or delete it.

Example (fails)
    start: welcome
    nodes:
      welcome: {kind: say, next: agent}
      agent: {kind: agent}
      old_menu: {kind: menu, options: [{key: "1", to: agent}]}

Use instead
    start: welcome
    nodes:
      welcome: {kind: say, next: agent}
      agent: {kind: agent}
"""

from __future__ import annotations

from collections.abc import Iterator

from phonejail.findings import Problem, Severity
from phonejail.rules.base import Context

CODE = "PJ104"
NAME = "unreachable"
SEVERITY = Severity.WARNING
OPTIONS = ()


def check(ctx: Context) -> Iterator[Problem]:
    for node in ctx.tree.nodes.values():
        if node.id not in ctx.reachable:
            yield Problem(
                CODE, node.loc.line, node.loc.column,
                f"'{node.id}' ({node.kind}) cannot be reached from start '{ctx.tree.start}'",
                node=node.id,
            )
