"""`phonejail staff`: wait, queue abandonment and the tree's jail rate for each staffing.

For each number of agents the queue's figures come from the Erlang model
(`analysis.staffing`) and the tree's jail rate and reached-human share from
the exact analysis of the tree with that queue's `agents` replaced, so the
curve shows what a contact-centre manager asks: how many agents until callers
stop waiting, stop hanging up, and stop ending in phone jail.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from phonejail.analysis.staffing import (
    QueueFigures,
    agents_needed,
    queue_figures,
    unstable_message,
)
from phonejail.limits import MAX_AGENTS
from phonejail.model.build import did_you_mean
from phonejail.model.tree import Agent, Queue, Tree
from phonejail.simulate.render import pct
from phonejail.simulate.render import table as text_table
from phonejail.textsafe import json_text, visible

MAX_ROWS = 1000
_RANGE = re.compile(r"\s*(\d+)\s*(?:\.\.\s*(\d+)\s*)?")


class StaffingError(ValueError):
    """The request cannot be answered (no such queue, a bad --agents); the message says why."""


@dataclass(frozen=True)
class StaffRow:
    agents: int
    queue: QueueFigures | None
    """None: Erlang C with offered load at or above the agents, no steady state."""
    jail_rate: float | None
    reached_human: float | None


@dataclass(frozen=True)
class StaffTable:
    tree: str
    name: str
    queue: Queue
    rows: tuple[StaffRow, ...]

    @property
    def current(self) -> int:
        """The number of agents the tree staffs the queue with."""
        return self.queue.agents


def parse_agents(text: str) -> tuple[int, ...]:
    """'4..20', '10' or '8,10,12..14' as sorted agent counts (each at least 1)."""
    counts: set[int] = set()
    for part in text.split(","):
        match = _RANGE.fullmatch(part)
        if not match:
            raise StaffingError(f"'{part.strip()}' is not a number of agents or a range "
                                "such as 4..20")
        if any(len(g.lstrip("0")) > len(str(MAX_AGENTS)) for g in match.groups() if g):
            raise StaffingError(f"'{part.strip()[:40]}': at most {MAX_AGENTS:,} agents")
        low = int(match[1])
        high = int(match[2]) if match[2] is not None else low
        if high > MAX_AGENTS:
            raise StaffingError(f"'{part.strip()}': at most {MAX_AGENTS:,} agents")
        if low < 1 or high < low:
            raise StaffingError(f"'{part.strip()}': give at least 1 agent, low..high with "
                                "low <= high")
        if high - low + 1 + len(counts) > MAX_ROWS:
            raise StaffingError(f"'{text}' asks for more than {MAX_ROWS} rows")
        counts.update(range(low, high + 1))
    return tuple(sorted(counts))


_HOW_TO_STAFF = ("with agents, calls_per_hour and handle_seconds (docs/format.md, "
                 "\"Queues\")")


def choose_queue(tree: Tree, name: str | None) -> Queue:
    """The queue named, or the tree's only queue when no name is given."""
    if name is not None and name not in tree.queues:
        # A queue an agent names but `queues` does not staff is a label, with a fixed wait.
        waiting = [i for i, n in tree.nodes.items() if isinstance(n, Agent) and n.queue == name]
        if waiting:
            raise StaffingError(f"'{name}' (the queue of '{waiting[0]}') is not staffed: "
                                f"add it under `queues:` {_HOW_TO_STAFF}")
    if not tree.queues:
        raise StaffingError(f"{tree.path} staffs no queue: add `queues:` {_HOW_TO_STAFF}")
    if name is None:
        if len(tree.queues) == 1:
            return next(iter(tree.queues.values()))
        raise StaffingError(f"{tree.path} staffs {len(tree.queues)} queues; name one with "
                            f"--queue: {', '.join(tree.queues)}")
    if name not in tree.queues:
        raise StaffingError(f"no queue '{name}'{did_you_mean(name, tree.queues)} under "
                            f"`queues`; queues: {', '.join(tree.queues)}")
    return tree.queues[name]


def default_agents(queue: Queue, max_wait_seconds: float, max_abandon: float) -> tuple[int, ...]:
    """From a little below the load (or the current staffing) to a little above what the
    limits need (or the current staffing)."""
    low = max(1, min(queue.agents, int(queue.offered_erlangs)) - 2)
    high = max(queue.agents, agents_needed(queue, max_wait_seconds, max_abandon)) + 3
    return tuple(range(low, min(high, low + MAX_ROWS - 1) + 1))


def sweep(tree: Tree, queue: Queue, agents: Sequence[int]) -> StaffTable:
    """Each staffing's queue figures and the tree's exact jail rate.

    Raises ZeroStepCycle or TooDeepForExact as `simulate.run` does.
    """
    from phonejail.simulate import run

    rows = []
    for count in agents:
        staffed = replace(queue, agents=count)
        if unstable_message(staffed) is not None:
            rows.append(StaffRow(count, None, None, None))
            continue
        variant = replace(tree, queues=MappingProxyType({**tree.queues, queue.name: staffed}))
        overall = run(variant, method="exact").overall.figures
        rows.append(StaffRow(count, queue_figures(staffed), overall.jail_rate,
                             overall.reached_human))
    return StaffTable(tree.path, tree.name, queue, tuple(rows))


# -- rendering ------------------------------------------------------------------------------
COLUMNS = ("agents", "offered_erlangs", "utilisation", "wait_seconds", "abandon", "jail_rate",
           "reached_human")


def _row_dict(row: StaffRow) -> dict[str, Any]:
    figures = row.queue.to_dict() if row.queue else {
        "offered_erlangs": None, "utilisation": None, "wait_seconds": None, "abandon": None}
    return {"agents": row.agents, **figures, "stable": row.queue is not None,
            "jail_rate": row.jail_rate, "reached_human": row.reached_human}


def render_json(table: StaffTable) -> str:
    queue = table.queue
    data = {
        "tree": table.tree, "name": table.name,
        "queue": {"name": queue.name, "agents": queue.agents,
                  "calls_per_hour": queue.calls_per_hour,
                  "handle_seconds": queue.handle_seconds,
                  "patience_seconds": queue.patience_seconds,
                  "offered_erlangs": queue.offered_erlangs},
        "rows": [_row_dict(r) for r in table.rows],
    }
    return json_text(data, allow_nan=False) + "\n"


def render_csv(table: StaffTable) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in table.rows:
        data = _row_dict(row)
        writer.writerow(["" if data[c] is None else data[c] for c in COLUMNS])
    return out.getvalue()


def _pct(x: float | None) -> str:
    return "-" if x is None else pct(x)


def render_text(table: StaffTable) -> str:
    queue = table.queue
    patience = ("callers never leave the queue (Erlang C)" if queue.patience_seconds is None
                else f"mean patience {queue.patience_seconds:g} s (Erlang A)")
    header = ["agents", "utilisation", "mean wait", "abandon in queue", "jail rate",
              "reached human"]
    rows = []
    for row in table.rows:
        mark = " *" if row.agents == table.current else "  "
        if row.queue is None:
            rows.append([f"{row.agents}{mark}", "unstable", "-", "-", "-", "-"])
            continue
        rows.append([f"{row.agents}{mark}", _pct(row.queue.utilisation),
                     f"{row.queue.wait_seconds:,.0f} s", _pct(row.queue.abandon),
                     _pct(row.jail_rate), _pct(row.reached_human)])
    lines = [f"{visible(table.name)} ({visible(table.tree)}): queue '{queue.name}'",
             f"{queue.calls_per_hour:g} calls per hour x {queue.handle_seconds:g} s = "
             f"{queue.offered_erlangs:.2f} erlangs offered; {patience}", "",
             *text_table(header, rows, label_first=False)]
    lines += ["", "* the tree's staffing. Mean wait: callers who are served. Jail rate and "
                  "reached human: the whole tree, exact, with this staffing."]
    if any(r.queue is None for r in table.rows):
        lines.append("unstable: as many calls arrive as the agents can handle, and no one "
                     "leaves the queue: it grows without end.")
    return "\n".join(lines) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "csv": render_csv}
