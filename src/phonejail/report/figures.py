"""The report's charts, each a `matplotlib.figure.Figure` (no pyplot, no global state).

Exact values are drawn as the main marks; Monte-Carlo estimates are overlaid
so a reader sees at a glance that the two agree.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from phonejail.analysis.chain import OUTCOMES
from phonejail.simulate import PersonaResult, Simulation

OUTCOME_COLOURS = {"resolved": "#2e7d32", "unresolved": "#ef6c00", "callback": "#1565c0",
                   "handed_off": "#78909c",
                   "dead_end": "#c62828", "abandoned": "#6a1b9a"}
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#17becf", "#8c564b", "#e377c2",
           "#bcbd22", "#7f7f7f", "#393b79"]
"""Persona colours, in tree order, the same in every chart and the flow overlay. No red:
red means a trap or a dead end everywhere in the report."""
DPI = 100


@contextmanager
def plain_text() -> Iterator[None]:
    """Draw every string as written: a name holding `$...$` is text, not TeX for mathtext
    (which would typeset it, or fail on an unknown command). Covers building the figure
    and saving it, since matplotlib makes some labels (ticks) only while drawing."""
    with matplotlib.rc_context({"text.parse_math": False}):
        yield


def persona_colour(k: int) -> str:
    """The colour of the k-th persona (tree order) in every chart, table and flow overlay."""
    return PALETTE[k % len(PALETTE)]


def png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # Text from a tree may hold characters the font lacks (control characters in an
        # export): they render as a box, and the report user has nothing to act on.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight",
                    metadata={"Software": None})  # no version stamp: same input, same bytes
    return buffer.getvalue()


def share_text(x: float) -> str:
    """A share for people: 25.0%, 0.04%, or '<0.01%' rather than a misleading 0.0%."""
    if x == 0:
        return "0%"
    if x < 0.0001:
        return "<0.01%"
    return f"{100 * x:.2f}%" if x < 0.01 else f"{100 * x:.1f}%"


def _everyone(sim: Simulation) -> list[PersonaResult]:
    return [*sim.personas, sim.overall]


def _persona_ticks(ax, personas: int) -> None:
    """Persona names in their colour (the same in every chart); `overall` stays black."""
    for k, label in enumerate(ax.get_yticklabels()[:personas]):
        label.set_color(persona_colour(k))
        label.set_fontweight("bold")


def outcomes_figure(sim: Simulation) -> Figure:
    rows = _everyone(sim)
    fig = Figure(figsize=(9, 0.55 * len(rows) + 1.6))
    ax = fig.add_subplot()
    y = np.arange(len(rows))[::-1]
    left = np.zeros(len(rows))
    for outcome in OUTCOMES:
        widths = np.array([100 * r.figures.outcomes[outcome] for r in rows])
        ax.barh(y, widths, left=left, color=OUTCOME_COLOURS[outcome],
                label=outcome.replace("_", " "), edgecolor="white", linewidth=0.5)
        for yi, li, wi in zip(y, left, widths, strict=True):
            if wi >= 7:
                ax.text(li + wi / 2, yi, f"{wi:.0f}%", ha="center", va="center",
                        color="white", fontsize=9)
        left += widths
    ax.set_yticks(y, [r.name for r in rows])
    _persona_ticks(ax, len(rows) - 1)
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of calls (%)")
    ax.set_title("How calls end, per persona (exact): red and purple are phone jail "
                 "(cut off, hung up)")
    ax.legend(ncols=len(OUTCOMES), loc="upper center", frameon=False, fontsize=9,
              bbox_to_anchor=(0.5, -0.18 - 0.02 * len(rows)))
    return fig


def _conditional(hist: tuple[float, ...]) -> np.ndarray:
    values = np.array(hist, dtype=float)
    total = values.sum()
    return values / total if total > 0 else values


RARELY_HELPED = 0.01
"""Personas reaching a human in fewer calls than this get no distribution of their own: a
curve over a handful of freak calls would look like a typical one ('<1% reach a human')."""


def _helped(exact: Simulation, sampled: Simulation
            ) -> tuple[list[tuple[int, PersonaResult, PersonaResult]], list[PersonaResult]]:
    """(persona index, exact, sampled) for personas drawn, and the rarely helped ones."""
    drawn, rare = [], []
    for k, (e, s) in enumerate(zip(exact.personas, sampled.personas, strict=True)):
        if e.figures.reached_human >= RARELY_HELPED:
            drawn.append((k, e, s))
        else:
            rare.append(e)
    return drawn, rare


def _rare_note(rare: list[PersonaResult]) -> str:
    if not rare:
        return ""
    names = ", ".join(
        f"{p.name} ({share_text(p.figures.reached_human) if p.figures.reached_human else 'never'})"
        for p in rare)
    return f"Not drawn, fewer than 1% reach a human: {names}"


def steps_figure(exact: Simulation, sampled: Simulation) -> Figure:
    pairs, rare = _helped(exact, sampled)
    cols = min(3, max(len(pairs), 1))
    rows = max(1, -(-len(pairs) // cols))
    fig = Figure(figsize=(4.2 * cols, 3.2 * rows + 0.9), layout="constrained")
    fig.suptitle("Steps to a human, over the calls that reach one: where most callers get "
                 "through\nexact PMF (bars), Monte-Carlo (x), exact CDF (line); shared axes")
    if rare:
        fig.supxlabel(_rare_note(rare), fontsize=9, color="#5b6473")
    if not pairs:
        ax = fig.add_subplot()
        ax.text(0.5, 0.5, "No persona reaches a human in 1% of its calls.", ha="center",
                va="center")
        ax.set_axis_off()
        return fig
    longest = max(max(len(e.figures.steps_hist), len(s.figures.steps_hist)) for _, e, s in pairs)
    tallest = max(float(_conditional(e.figures.steps_hist).max(initial=0)) for _, e, _ in pairs)
    first = None
    for panel, (k, e, s) in enumerate(pairs):
        ax = fig.add_subplot(rows, cols, panel + 1, sharex=first, sharey=first)
        first = first or ax
        pmf = _conditional(e.figures.steps_hist)
        x = np.arange(pmf.size)
        ax.bar(x, pmf, color=persona_colour(k), alpha=0.8, label="exact")
        mc = _conditional(s.figures.steps_hist)
        if mc.size:
            shown = mc > 0
            ax.plot(np.arange(mc.size)[shown], mc[shown], "kx", label="Monte-Carlo")
        twin = ax.twinx()
        twin.step(x, np.cumsum(pmf), where="mid", color="black", linewidth=1)
        twin.set_ylim(0, 1.05)
        twin.set_ylabel("CDF", fontsize=8)
        ax.set_title(f"{e.name}: {share_text(e.figures.reached_human)} reach a human",
                     fontsize=10, color=persona_colour(k))
        ax.set_xlabel("steps")
        ax.set_ylabel("share of calls reaching a human")
        ax.set_xlim(-0.5, longest - 0.5)
        ax.set_ylim(0, min(1.0, tallest * 1.1) or 1.0)
    return fig


def seconds_figure(exact: Simulation, sampled: Simulation) -> Figure:
    fig = Figure(figsize=(9, 4.8), layout="constrained")
    ax = fig.add_subplot()
    pairs, rare = _helped(exact, sampled)
    earliest = math.inf
    for k, e, s in pairs:
        pmf = _conditional(e.figures.seconds_hist)
        if not pmf.size or pmf.sum() == 0:
            continue
        earliest = min(earliest, float(np.flatnonzero(pmf)[0]) / 60)
        colour = persona_colour(k)
        ax.step(np.arange(pmf.size) / 60, np.cumsum(pmf), where="post", color=colour,
                linewidth=2, label=f"{e.name} (exact)")
        mc = _conditional(s.figures.seconds_hist)
        if mc.size and mc.sum() > 0:
            ax.step(np.arange(mc.size) / 60, np.cumsum(mc), where="post", color=colour,
                    linewidth=1, linestyle="--")
    if not pairs:
        ax.text(0.5, 0.5, "No persona reaches a human in 1% of its calls.", ha="center",
                va="center", transform=ax.transAxes)
    elif earliest < math.inf:  # start just before the first answer: the flat stretch is empty
        ax.set_xlim(left=max(0.0, earliest - 0.5))
    ax.set_xlabel("minutes until a human answers (prompts + hold)")
    ax.set_ylabel("share of calls reaching a human")
    ax.set_ylim(0, 1.02)
    ax.set_title("Time to a human: the further right a curve, the longer those callers wait\n"
                 "exact CDF (solid), Monte-Carlo (dashed)")
    if rare:
        fig.supxlabel(_rare_note(rare), fontsize=9, color="#5b6473")
    if pairs:
        ax.legend(fontsize=9, loc="lower right")
    ax.grid(alpha=0.3)
    return fig


def identity_figure(exact: Simulation) -> Figure:
    rows = _everyone(exact)
    fig = Figure(figsize=(9, 0.5 * len(rows) + 1.8), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(rows))[::-1]
    height = 0.27
    series = [("identity prompts", "identity_prompts", "#1565c0"),
              ("repeated identity prompts", "repeated_identity_prompts", "#c62828"),
              ("transfers", "transfers", "#6d4c41")]
    for k, (label, attr, colour) in enumerate(series):
        values = [getattr(r.figures, attr) for r in rows]
        bars = ax.barh(y + (1 - k) * height, values, height, color=colour, label=label)
        ax.bar_label(bars, fmt="%.2f", fontsize=8, padding=2)
    ax.set_yticks(y, [r.name for r in rows])
    _persona_ticks(ax, len(rows) - 1)
    ax.set_xlabel("per call (exact)")
    ax.set_title("Identity questions, repeats and transfers per call: red bars are callers "
                 "asked again")
    ax.legend(fontsize=9, loc="lower right")
    ax.margins(x=0.15)
    return fig
