"""The report's charts, each a `matplotlib.figure.Figure` (no pyplot, no global state).

Exact values are drawn as the main marks; Monte-Carlo estimates are overlaid
so a reader sees at a glance that the two agree.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from phonejail.analysis.chain import OUTCOMES
from phonejail.rules._jail import percent
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


OTHERS_GREY = "#9e9e9e"
"""The colour of personas not drawn one by one (a tree with more than PERSONAS_DRAWN)."""


def persona_colours(sim: Simulation) -> list[str]:
    """Each persona's colour (tree order) in every chart, table and flow overlay: one of
    PALETTE each for the personas drawn one by one (every persona, up to PERSONAS_DRAWN), so
    no two drawn personas share a colour; the others grey."""
    colours = [OTHERS_GREY] * len(sim.personas)
    for rank, k in enumerate(drawn_personas(sim)):
        colours[k] = PALETTE[rank % len(PALETTE)]
    return colours


def png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # Text from a tree may hold characters the font lacks (control characters in an
        # export): they render as a box, and the report user has nothing to act on.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        # A figure laid out by its layout engine already fits its canvas: "tight" would
        # draw it a second time only to trim a few pixels of margin.
        tight = None if fig.get_layout_engine() is not None else "tight"
        fig.savefig(buffer, format="png", dpi=DPI, bbox_inches=tight,
                    metadata={"Software": None})  # no version stamp: same input, same bytes
    return buffer.getvalue()


def share_text(x: float) -> str:
    """A share for people as the findings write it: 25.0%, 0.04%, '<0.01%' or '>99.99%'
    rather than a misleading 0.0% or 100.0%."""
    return percent(x)


PERSONAS_DRAWN = 10
"""Most personas a chart draws one by one (one colour each); the others are pooled into one
row ('N other personas') or, in the per-persona distributions, left to the tables. A tree
with 1,000 personas would otherwise take minutes and gigabytes to draw, unreadably."""


def drawn_personas(sim: Simulation) -> tuple[int, ...]:
    """Indices (tree order) of the personas drawn one by one: all of them up to
    PERSONAS_DRAWN; past that, half the places go to those with the most jailed calls
    (share x jail rate), the rest to those with the most callers."""
    people = sim.personas
    if len(people) <= PERSONAS_DRAWN:
        return tuple(range(len(people)))
    by_jail = sorted((k for k, p in enumerate(people) if p.figures.jail_rate > 0),
                     key=lambda k: (-people[k].share * people[k].figures.jail_rate, k))
    chosen = set(by_jail[:PERSONAS_DRAWN // 2])
    for k in sorted(range(len(people)), key=lambda k: (-people[k].share, k)):
        if len(chosen) == PERSONAS_DRAWN:
            break
        chosen.add(k)
    return tuple(sorted(chosen))


def drawn_note(sim: Simulation) -> str:
    """What a page says when not every persona is drawn ('' when every one is)."""
    drawn = drawn_personas(sim)
    left = len(sim.personas) - len(drawn)
    if not left:
        return ""
    share = sum(p.share for k, p in enumerate(sim.personas) if k not in set(drawn))
    return (f"{len(sim.personas):,} personas: the charts draw {len(drawn)} of them one by one "
            f"(those with the most jailed calls, then the most callers); the other {left:,} "
            f"({share_text(share)} of callers) are pooled into one row of the outcome and "
            "identity charts and left out of the steps and time charts. The tables give a row to "
            "at most 25 personas, the rest pooled the same way; summary.json has every one.")


@dataclass(frozen=True)
class _Row:
    """One bar of a per-persona chart: a persona, the pooled others, or overall."""

    name: str
    colour: str | None
    """The persona's colour for its label; None (black) for pooled rows and overall."""
    outcomes: dict[str, float]
    identity_prompts: float
    repeated_identity_prompts: float
    transfers: float


def _row(p: PersonaResult, colour: str | None) -> _Row:
    f = p.figures
    return _Row(p.name, colour, dict(f.outcomes), f.identity_prompts,
                f.repeated_identity_prompts, f.transfers)


def _rows(sim: Simulation) -> list[_Row]:
    """Drawn personas, the others pooled (exactly: per-call figures weighted by each
    persona's calls, as the overall row is), then overall."""
    drawn = drawn_personas(sim)
    colours = persona_colours(sim)
    rows = [_row(sim.personas[k], colours[k]) for k in drawn]
    others = [p for k, p in enumerate(sim.personas) if k not in set(drawn)]
    if others:
        weights = np.array([p.share * (p.figures.journey.calls if p.figures.journey else 1.0)
                            for p in others])
        weights = weights / weights.sum() if weights.sum() > 0 else weights

        def pooled(values: Sequence[float]) -> float:
            return float(np.dot(weights, values))

        rows.append(_Row(
            f"{len(others):,} other personas", None,
            {o: pooled([p.figures.outcomes[o] for p in others]) for o in OUTCOMES},
            pooled([p.figures.identity_prompts for p in others]),
            pooled([p.figures.repeated_identity_prompts for p in others]),
            pooled([p.figures.transfers for p in others])))
    return [*rows, _row(sim.overall, None)]


def _persona_ticks(ax, rows: list[_Row]) -> None:
    """Persona names in their colour (the same in every chart); pooled and overall black."""
    for row, label in zip(rows, ax.get_yticklabels(), strict=True):
        if row.colour is not None:
            label.set_color(row.colour)
            label.set_fontweight("bold")


def outcomes_figure(sim: Simulation) -> Figure:
    rows = _rows(sim)
    fig = Figure(figsize=(9, 0.55 * len(rows) + 1.6), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(rows))[::-1]
    left = np.zeros(len(rows))
    for outcome in OUTCOMES:
        widths = np.array([100 * r.outcomes[outcome] for r in rows])
        ax.barh(y, widths, left=left, color=OUTCOME_COLOURS[outcome],
                label=outcome.replace("_", " "), edgecolor="white", linewidth=0.5)
        for yi, li, wi in zip(y, left, widths, strict=True):
            if wi >= 7:
                ax.text(li + wi / 2, yi, f"{wi:.0f}%", ha="center", va="center",
                        color="white", fontsize=9)
        left += widths
    ax.set_yticks(y, [r.name for r in rows])
    _persona_ticks(ax, rows)
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of calls (%)")
    # Over the figure, not the axes: long persona names push the axes right, and a title
    # centred on them ran off the canvas (docs/report.md, "Figures").
    fig.suptitle("How calls end, per persona (exact)\nphone jail: red (cut off), purple "
                 "(hung up) and orange (left unhelped)")
    # Below the axes whatever the number of rows (an offset in axes units drifts with it).
    fig.legend(ncols=len(OUTCOMES), loc="outside lower center", frameon=False, fontsize=9)
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
    shown = set(drawn_personas(exact))
    for k, (e, s) in enumerate(zip(exact.personas, sampled.personas, strict=True)):
        if k not in shown:
            continue  # pooled: the page says so (drawn_note)
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
    # At least two panels wide, so the two-line title fits above a single panel.
    fig = Figure(figsize=(max(4.2 * cols, 8.4), 3.2 * rows + 0.9), layout="constrained")
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
    colours = persona_colours(exact)
    longest = max(max(len(e.figures.steps_hist), len(s.figures.steps_hist)) for _, e, s in pairs)
    tallest = max(float(_conditional(e.figures.steps_hist).max(initial=0)) for _, e, _ in pairs)
    first = None
    for panel, (k, e, s) in enumerate(pairs):
        ax = fig.add_subplot(rows, cols, panel + 1, sharex=first, sharey=first)
        first = first or ax
        pmf = _conditional(e.figures.steps_hist)
        x = np.arange(pmf.size)
        ax.bar(x, pmf, color=colours[k], alpha=0.8, label="exact")
        mc = _conditional(s.figures.steps_hist)
        if mc.size:
            shown = mc > 0
            ax.plot(np.arange(mc.size)[shown], mc[shown], "kx", label="Monte-Carlo")
        twin = ax.twinx()
        twin.step(x, np.cumsum(pmf), where="mid", color="black", linewidth=1)
        twin.set_ylim(0, 1.05)
        ax.set_title(f"{e.name}: {share_text(e.figures.reached_human)} reach a human",
                     fontsize=10, color=colours[k])
        ax.set_xlim(-0.5, longest - 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps are whole numbers
        ax.set_ylim(0, min(1.05, tallest * 1.1) or 1.0)  # a bar of 1.0 and its x show whole
        # The axes are shared: each scale is labelled once, at the figure's edge (the
        # bottom row's steps, the left column's shares, the right column's CDF), which
        # is also most of the time drawing them takes on a tree with many personas.
        last_in_row = (panel + 1) % cols == 0 or panel + 1 == len(pairs)
        if panel // cols == rows - 1 or panel + cols >= len(pairs):
            ax.set_xlabel("steps")
        else:
            ax.tick_params(labelbottom=False)
        if panel % cols == 0:
            ax.set_ylabel("share of calls reaching a human")
        else:
            ax.tick_params(labelleft=False)
        if last_in_row:
            twin.set_ylabel("CDF", fontsize=8)
        else:
            twin.tick_params(labelright=False)
    return fig


def seconds_figure(exact: Simulation, sampled: Simulation) -> Figure:
    fig = Figure(figsize=(9, 4.8), layout="constrained")
    ax = fig.add_subplot()
    pairs, rare = _helped(exact, sampled)
    colours = persona_colours(exact)
    curves = []  # (minutes, CDF, colour, width, style, label)
    for k, e, s in pairs:
        pmf = _conditional(e.figures.seconds_hist)
        if not pmf.size or pmf.sum() == 0:
            continue
        colour = colours[k]
        curves.append((np.arange(pmf.size) / 60, np.cumsum(pmf), colour, 2, "-",
                       f"{e.name} (exact)"))
        mc = _conditional(s.figures.seconds_hist)
        if mc.size and mc.sum() > 0:
            curves.append((np.arange(mc.size) / 60, np.cumsum(mc), colour, 1, "--", None))
    # A persona whose curve is another's (one way to a human for both) is hidden under the
    # one drawn after it: its legend entry says under which, so the legend matches the lines.
    exact_at = [k for k, c in enumerate(curves) if c[5] is not None]
    for n, k in enumerate(exact_at):
        m, cdf, colour, width, style, label = curves[k]
        top = next((curves[j][5] for j in reversed(exact_at[n + 1:])
                    if curves[j][0].size == m.size
                    and np.allclose(curves[j][1], cdf, rtol=0, atol=1e-9)), None)
        if top is not None:
            curves[k] = (m, cdf, colour, width, style,
                         f"{label[:-len(' (exact)')]} (exact; under {top[:-len(' (exact)')]})")
    if curves:
        # Start just before the first answer (the flat stretch is empty), and span at least
        # a minute: a line where everyone is answered in 2 s is a step and a plateau, not a
        # lone vertical line at the edge of an axis 0.035 minutes wide.
        firsts = [float(m[np.flatnonzero(c)[0]]) for m, c, *_ in curves if c.any()]
        left = max(0.0, min(firsts) - 0.5)
        right = max(max(float(m[-1]) for m, *_ in curves), left + 1.0)
        right += 0.04 * (right - left)
        for minutes_, cdf, colour, width, style, label in curves:
            # Each curve goes on at its last value to the right edge.
            ax.step(np.append(minutes_, right), np.append(cdf, cdf[-1]), where="post",
                    color=colour, linewidth=width, linestyle=style, label=label)
        ax.set_xlim(left, right)
    else:
        ax.text(0.5, 0.5, "No persona reaches a human in 1% of its calls.", ha="center",
                va="center", transform=ax.transAxes)
    ax.set_xlabel("minutes until a human answers (prompts + hold)")
    ax.set_ylabel("share of calls reaching a human")
    ax.set_ylim(0, 1.02)
    ax.set_title("Time to a human: the further right a curve, the longer those callers wait\n"
                 "exact CDF (solid), Monte-Carlo (dashed)")
    if rare:
        fig.supxlabel(_rare_note(rare), fontsize=9, color="#5b6473")
    if curves:
        ax.legend(fontsize=9, loc="lower right")
    ax.grid(alpha=0.3)
    return fig


def identity_figure(exact: Simulation) -> Figure:
    rows = _rows(exact)
    fig = Figure(figsize=(9, 0.5 * len(rows) + 1.8), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(rows))[::-1]
    height = 0.27
    series = [("identity prompts", "identity_prompts", "#1565c0"),
              ("repeated identity prompts", "repeated_identity_prompts", "#c62828"),
              ("transfers", "transfers", "#6d4c41")]
    for k, (label, attr, colour) in enumerate(series):
        values = [getattr(r, attr) for r in rows]
        bars = ax.barh(y + (1 - k) * height, values, height, color=colour, label=label)
        ax.bar_label(bars, fmt="%.2f", fontsize=8, padding=2)
    ax.set_yticks(y, [r.name for r in rows])
    _persona_ticks(ax, rows)
    ax.set_xlabel("per call (exact)")
    # Counts per call: from 0, and at least to 1, so a tree that asks nothing shows bars of
    # 0 on a scale of 0 to 1, not a scale of -0.06 to 0.06.
    ax.set_xlim(0, max(ax.get_xlim()[1], 1.0))
    fig.suptitle("Identity questions, repeats and transfers per call (exact)\n"
                 "red bars: callers asked again for a fact they gave")
    ax.legend(fontsize=9, loc="lower right")
    ax.margins(x=0.15)
    return fig
