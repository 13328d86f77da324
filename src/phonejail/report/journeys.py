"""The report's journeys: callers who call again after a jailed call (`redials`).

One table (per persona: redials, calls per caller, callers resolved, journey jail
rate, seconds and identity prompts over all calls, resolved after 1, 2, 3... calls) in HTML
and Markdown, and one figure: the share of callers resolved after each call,
exact lines with the Monte-Carlo estimates as crosses. Shown only for trees
where some persona redials; without redials a journey is the call.
"""

from __future__ import annotations

from html import escape

import numpy as np
from matplotlib.figure import Figure

from phonejail.report.build import TreeReport
from phonejail.report.figures import drawn_personas, persona_colours, share_text
from phonejail.report.text import value_text
from phonejail.simulate import PersonaResult, Simulation
from phonejail.textsafe import markdown


def _cell(tag: str, column: int, text: str) -> str:
    """A table cell; every column after the first holds a number (right-aligned)."""
    css = ' class="num"' if column else ""
    return f"<{tag}{css}>{escape(text)}</{tag}>"

HEADER = ("persona", "redials", "calls per caller", "callers resolved", "journey jail rate",
          "time on the phone per caller", "identity prompts per caller",
          "resolved after 1, 2, 3... calls")
NOTE = ("Exact figures. A journey is one caller's calls: after a call that ends in jail (cut "
        "off, hung up, unhelped) a persona with redials calls again from the start, up to "
        "that many more times. Journey jail rate: every call of the journey ended in jail.")


def _everyone(sim: Simulation) -> list[PersonaResult]:
    return [*sim.personas, sim.overall]


def _cells(p: PersonaResult) -> list[str]:
    j = p.figures.journey
    assert j is not None
    return [p.name, "-" if p.name == "overall" else str(j.redials), f"{j.calls:.2f}",
            share_text(j.resolved), share_text(j.jail_rate), value_text(j.seconds, "seconds"),
            f"{j.identity_prompts:.2f}",
            ", ".join(share_text(x) for x in j.resolved_by_call)]


def journeys_html(r: TreeReport) -> str:
    assert r.exact is not None
    head = "".join(_cell("th", k, h)
                   for k, h in enumerate(HEADER))
    rows = []
    for p in _everyone(r.exact):
        cells = _cells(p)
        rows.append("<tr>" + "".join(
            _cell("td", k, c) for k, c in enumerate(cells))
            + "</tr>")
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}'
            f'</tbody></table></div><p class="small">{escape(NOTE)}</p>')


def journeys_markdown(r: TreeReport) -> list[str]:
    assert r.exact is not None
    lines = ["### Callers who call again", "", "| " + " | ".join(HEADER) + " |",
             "| --- | " + " | ".join("---:" for _ in HEADER[1:]) + " |"]
    for p in _everyone(r.exact):
        cells = _cells(p)
        lines.append("| " + " | ".join([markdown(cells[0]), *cells[1:]]) + " |")
    return [*lines, "", NOTE, ""]


def journeys_figure(exact: Simulation, sampled: Simulation) -> Figure:
    """Share of callers resolved after 1, 2, 3... calls, per persona and overall."""
    fig = Figure(figsize=(9, 4.6), layout="constrained")
    ax = fig.add_subplot()
    shown = set(drawn_personas(exact))  # a few drawn one by one; the tables have them all
    rows = [(k, e, s) for k, (e, s) in enumerate(zip(_everyone(exact), _everyone(sampled),
                                                     strict=True))
            if k in shown or k == len(exact.personas)]
    colours = persona_colours(exact)
    longest = 1
    for k, e, s in rows:
        je, js = e.figures.journey, s.figures.journey
        assert je is not None and js is not None
        overall = e.name == "overall"
        colour = "black" if overall else colours[k]
        calls = np.arange(1, len(je.resolved_by_call) + 1)
        longest = max(longest, calls.size)
        ax.plot(calls, 100 * np.array(je.resolved_by_call), marker="o", color=colour,
                linewidth=2.5 if overall else 1.8, linestyle="--" if overall else "-",
                label=f"{e.name} ({je.redials} redials)" if not overall else "overall")
        if sampled is not exact:
            ax.plot(np.arange(1, len(js.resolved_by_call) + 1),
                    100 * np.array(js.resolved_by_call), "x", color=colour, markersize=8)
    ax.set_xticks(np.arange(1, longest + 1))
    ax.set_xlim(0.7, longest + 0.3)
    ax.set_ylim(0, 102)
    ax.set_xlabel("calls made (the first, then each redial)")
    ax.set_ylabel("callers resolved by then (%)")
    ax.set_title("Callers resolved after 1, 2, 3... calls: exact (lines), Monte-Carlo (x)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9, loc="lower right")
    return fig
