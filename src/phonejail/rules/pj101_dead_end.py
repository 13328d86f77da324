"""PJ101 dead-end (error): reachable nodes from which no human and no callback can be reached.

What it finds
    A region of the menu that callers can get into but from which no path
    leads to an agent (a human) or a callback: every way out is a hangup, a
    left-out target (the call is disconnected), a self-service recording that
    ends the call, or patience running out. Each region is reported once, at
    the node callers enter it by, with the nodes it holds. A `hangup` node on
    its own is not a region: the handlers that lead to one are reported by
    PJ205 (and PJ103 when an identity check is the cause). But a hangup that
    a `branch` sends calls straight to (a full queue, a failed transfer or a
    closed centre answered by a disconnect, with not a word before it) is
    reported here, once, at the hangup, naming every branch case that goes
    there. A node only moves no call takes lead to (a case of chance 0, the
    transfer of an agent who settles every intent) is unreachable (PJ104),
    not a dead end.

Why it matters
    This is phone jail in its plainest form. The GetHuman standard asks that
    a caller can always reach a human (press 0) and is never disconnected for
    a caller error; when no human is free, offer a callback. A caller whose
    problem the recordings do not solve has nowhere to go from a dead end but
    to hang up and call again.

How to fix
    Give every node in the region a way to a human: an option for key 0 that
    leads to an agent, a `fail` or `invalid` handler that goes to an agent or
    a callback instead of a hangup, a `next` after self-service that returns
    to a menu with a way out.

Example (fails)
    outage_info:
      kind: self_service
      resolves: [outage]
      next: goodbye          # a recording, then a hangup
    goodbye: {kind: hangup}

Example (fails, a full queue)
    queue_full:
      kind: branch
      cases:
        - {when: {chance: 0.05}, to: drop}   # queue at capacity: cut off
      else: agent_support
    drop: {kind: hangup}

Use instead
    outage_info:
      kind: self_service
      resolves: [outage]
      next: agent_support    # not settled by the recording: a human
    agent_support: {kind: agent, queue: support}
"""

from __future__ import annotations

from collections.abc import Iterator

from phonejail.findings import Problem, Severity
from phonejail.model.tree import Branch, Hangup
from phonejail.rules._regions import listing, regions
from phonejail.rules.base import Context

CODE = "PJ101"
NAME = "dead-end"
SEVERITY = Severity.ERROR
OPTIONS = ()


def check(ctx: Context) -> Iterator[Problem]:
    # A hangup on its own is the end of a call, not a region to escape from; the
    # handlers that send callers there are PJ205's and PJ103's to report.
    trapped = {n for n in ctx.reachable - ctx.reaches_help
               if not isinstance(ctx.tree.nodes[n], Hangup)}
    for entry, members in regions(ctx, trapped):
        node = ctx.tree.nodes[entry]
        where = (f"'{entry}' is a dead end" if len(members) == 1
                 else f"{len(members)} nodes from '{entry}' on are a dead end: {listing(members)}")
        yield Problem(
            CODE, node.loc.line, node.loc.column,
            f"{where}; no path leads to a human or a callback, callers can only be "
            "disconnected or hang up",
            node=entry,
        )
    yield from _hangups_behind_branches(ctx)


def _hangups_behind_branches(ctx: Context) -> Iterator[Problem]:
    """Each hangup a branch sends calls straight to, once, naming every case that does.

    Through a `say` the say is a dead-end region of its own (reported above); a case
    with chance 0, or one after a case that always holds, is never taken.
    """
    tree = ctx.tree
    into: dict[str, list[str]] = {}
    for node_id in [n for n in tree.nodes if n in ctx.reachable]:
        branch = tree.nodes[node_id]
        if not isinstance(branch, Branch):
            continue
        for k, case, target in branch.cases_taken():
            label = ("else" if case is None else f"case {k + 1} (chance {case.value:g})"
                     if case.test == "chance" else f"case {k + 1} ({case.test} {case.value})")
            if target is not None and isinstance(tree.nodes.get(target), Hangup):
                into.setdefault(target, []).append(f"'{node_id}' {label}")
    for hangup_id, ways in into.items():
        node = tree.nodes[hangup_id]
        shown = ", ".join(ways[:4]) + (f" and {len(ways) - 4} more" if len(ways) > 4 else "")
        yield Problem(
            CODE, node.loc.line, node.loc.column,
            f"'{hangup_id}' is a dead end that branches send calls straight to ({shown}); "
            "no path leads to a human or a callback, callers are disconnected",
            node=hangup_id,
        )
