"""The report's staffing: each staffed queue's figures, and how they move with the agents.

A table (per queue: agents, offered load, utilisation, mean wait of served
callers, abandonment, and the fewest agents within PJ209's limits) in HTML and
Markdown, and a figure per queue: abandonment and mean wait against the number
of agents (Erlang A; Erlang C without patience), the tree's staffing and the
limits marked. Shown only for trees with `queues`; `phonejail staff` adds the
whole tree's jail rate per staffing.
"""

from __future__ import annotations

from dataclasses import replace
from html import escape

from matplotlib.figure import Figure

from phonejail.analysis.staffing import agents_needed, queue_figures, unstable_message
from phonejail.model.tree import Queue, Tree
from phonejail.report.figures import share_text
from phonejail.simulate.staff import default_agents
from phonejail.textsafe import markdown


def _cell(tag: str, column: int, text: str) -> str:
    """A table cell; every column after the first holds a number (right-aligned)."""
    css = ' class="num"' if column else ""
    return f"<{tag}{css}>{escape(text)}</{tag}>"

HEADER = ("queue", "agents", "offered", "utilisation", "mean wait", "abandon in queue",
          "agents within limits")


def _rows(tree: Tree, max_wait: float, max_abandon: float) -> list[list[str]]:
    rows = []
    for queue in tree.queues.values():
        f = queue_figures(queue)
        needed = agents_needed(queue, max_wait, max_abandon)
        rows.append([queue.name, str(queue.agents), f"{f.offered_erlangs:.2f} erlangs",
                     share_text(f.utilisation), f"{f.wait_seconds:,.1f} s",
                     share_text(f.abandon), str(needed)])
    return rows


def _note(max_wait: float, max_abandon: float) -> str:
    return (f"Erlang A (Erlang C without patience_seconds), steady state. Mean wait: callers "
            f"who are served; a caller who hangs up in the queue ends the call abandoned. "
            f"Limits (PJ209): mean wait {max_wait:g} s, abandonment {100 * max_abandon:g}%.")


def staffing_html(tree: Tree, max_wait: float, max_abandon: float) -> str:
    head = "".join(_cell("th", k, h)
                   for k, h in enumerate(HEADER))
    body = "".join("<tr>" + "".join(_cell("td", k, c)
                                    for k, c in enumerate(row)) + "</tr>"
                   for row in _rows(tree, max_wait, max_abandon))
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}'
            f'</tbody></table></div><p class="small">{escape(_note(max_wait, max_abandon))}</p>')


def staffing_markdown(tree: Tree, max_wait: float, max_abandon: float) -> list[str]:
    lines = ["### Staffing", "", "| " + " | ".join(HEADER) + " |",
             "| --- | " + " | ".join("---:" for _ in HEADER[1:]) + " |"]
    for row in _rows(tree, max_wait, max_abandon):
        lines.append("| " + " | ".join([markdown(row[0]), *row[1:]]) + " |")
    return [*lines, "", _note(max_wait, max_abandon), ""]


def _curve(queue: Queue, agents: tuple[int, ...]) -> tuple[list[int], list[float], list[float]]:
    xs, abandon, wait = [], [], []
    for n in agents:
        staffed = replace(queue, agents=n)
        if unstable_message(staffed) is not None:
            continue  # Erlang C at or above its load: no steady state to draw
        f = queue_figures(staffed)
        xs.append(n)
        abandon.append(100 * f.abandon)
        wait.append(f.wait_seconds)
    return xs, abandon, wait


def staffing_figure(tree: Tree, max_wait: float, max_abandon: float) -> Figure:
    queues = list(tree.queues.values())
    fig = Figure(figsize=(9, 3.6 * len(queues) + 0.4), layout="constrained")
    fig.suptitle("Staffing: abandonment and mean wait against the number of agents")
    for k, queue in enumerate(queues):
        ax = fig.add_subplot(len(queues), 1, k + 1)
        xs, abandon, wait = _curve(queue, default_agents(queue, max_wait, max_abandon))
        ax.plot(xs, abandon, "o-", color="#6a1b9a", label="abandon in queue (%)")
        ax.axhline(100 * max_abandon, color="#6a1b9a", linestyle=":", linewidth=1,
                   label=f"abandonment limit ({100 * max_abandon:g}%)")
        ax.set_ylabel("callers hanging up (%)", color="#6a1b9a")
        ax.set_xlabel("agents")
        ax.set_ylim(bottom=0)
        twin = ax.twinx()
        twin.plot(xs, wait, "s-", color="#ef6c00", label="mean wait (s)")
        twin.axhline(max_wait, color="#ef6c00", linestyle=":", linewidth=1,
                     label=f"wait limit ({max_wait:g} s)")
        twin.set_ylabel("mean wait of served callers (s)", color="#ef6c00")
        twin.set_ylim(bottom=0, top=max(max(wait, default=0.0), max_wait) * 1.1)
        ax.axvline(queue.agents, color="black", linewidth=1)
        ax.text(queue.agents, ax.get_ylim()[1] * 0.97, f" staffed: {queue.agents}",
                va="top", fontsize=9)
        ax.set_xticks(xs)
        ax.set_title(f"queue '{queue.name}': {queue.calls_per_hour:g} calls per hour x "
                     f"{queue.handle_seconds:g} s"
                     + ("" if queue.patience_seconds is None
                        else f", mean patience {queue.patience_seconds:g} s"), fontsize=10)
        handles = ax.get_legend_handles_labels()
        more = twin.get_legend_handles_labels()
        ax.legend(handles[0] + more[0], handles[1] + more[1], fontsize=8, loc="upper right")
        ax.grid(alpha=0.3)
    return fig
