"""Grouping a set of bad nodes into regions reported once each, at the node callers enter by."""

from __future__ import annotations

from collections.abc import Iterable

from phonejail.model.graph import steps_from
from phonejail.rules.base import Context


def regions(ctx: Context, bad: Iterable[str]) -> list[tuple[str, list[str]]]:
    """Weakly connected groups of `bad` nodes, each with its entry node, nearest start first.

    The entry is the group's node closest to `start` (in steps, then file order)
    that a call reaches from outside the group, or the start itself.
    """
    bad = set(bad)
    if not bad:
        return []
    order = {node_id: i for i, node_id in enumerate(ctx.tree.nodes)}
    dist = steps_from(ctx.graph, ctx.tree, ctx.tree.start)
    found = []
    for group in ctx.graph.components(bad):
        entries = [n for n in group if n == ctx.tree.start
                   or any(p not in group and p in ctx.reachable
                          for p in ctx.graph.predecessors(n))]
        members = sorted(group, key=order.__getitem__)
        entry = min(entries or members, key=lambda n: (dist.get(n, 1 << 30), order[n]))
        members.remove(entry)
        found.append((entry, [entry, *members]))
    return sorted(found, key=lambda r: order[r[0]])


def listing(nodes: list[str], limit: int = 8) -> str:
    shown = ", ".join(f"'{n}'" for n in nodes[:limit])
    return shown + (f" and {len(nodes) - limit} more" if len(nodes) > limit else "")
