"""Simulation results as text tables, JSON (the fields docs/report.md lists) and CSV."""

from __future__ import annotations

import csv
import io
import math
from typing import Any

from phonejail.analysis.chain import OUTCOMES
from phonejail.analysis.tally import Figures, Summary
from phonejail.simulate import PersonaResult, Simulation
from phonejail.textsafe import csv_cell, display_width, json_text, pad, visible


def _summary(s: Summary) -> dict[str, Any]:
    return {"mean": s.mean, "p50": s.p50, "p90": s.p90, "max": s.max}


def _seconds(s: Summary) -> dict[str, Any]:
    # The JSON contract shows seconds as floats (0.0); percentiles of whole seconds are whole.
    return {k: (None if v is None else float(v)) for k, v in _summary(s).items()}


def persona_dict(p: PersonaResult) -> dict[str, Any]:
    f: Figures = p.figures
    data: dict[str, Any] = {
        "name": p.name,
        "share": p.share,
        "outcomes": dict(f.outcomes),
        "reached_human": f.reached_human,
        "jail_rate": f.jail_rate,
        "steps_to_human": _summary(f.steps_to_human),
        "seconds_to_human": _seconds(f.seconds_to_human),
        "identity_prompts": f.identity_prompts,
        "repeated_identity_prompts": f.repeated_identity_prompts,
        "calls_with_repeats": f.calls_with_repeats,
        "transfers": f.transfers,
        "unverified_resolutions": f.unverified_resolutions,
        "call_seconds": f.call_seconds,
    }
    if f.journey is not None:
        data["journey"] = f.journey.to_dict()
    if p.callers is not None:
        data["callers"] = p.callers
    data["stderr"] = f.stderr
    if f.stderr is not None and f.journey is not None and f.journey.stderr is not None:
        data["stderr"] = {**f.stderr, "journey": f.journey.stderr}
    if p.callers == 0:  # Monte-Carlo gave this persona no calls: its figures are unknown
        return {**{k: _unknown(v) for k, v in data.items()}, "name": p.name, "share": p.share,
                "callers": 0}
    return _unknown_if_nan(data)


def _unknown(value: Any) -> Any:
    """Every figure in `value` as null, keeping its shape (a persona no call was sampled of)."""
    if isinstance(value, dict):
        return {k: _unknown(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_unknown(v) for v in value]
    return None


def _unknown_if_nan(value: Any) -> Any:
    """NaN as null: figures over too few calls (the standard error of one call) are unknown."""
    if isinstance(value, dict):
        return {k: _unknown_if_nan(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_unknown_if_nan(v) for v in value]
    return None if isinstance(value, float) and not math.isfinite(value) else value


def to_dict(sim: Simulation) -> dict[str, Any]:
    data = {
        "tree": sim.tree,
        "name": sim.name,
        "method": sim.method,
        "callers": sim.callers,
        "seed": sim.seed,
        "personas": [persona_dict(p) for p in sim.personas],
        "overall": persona_dict(sim.overall),
    }
    if sim.uncovered:  # only a tree whose callers leave intents out
        data["uncovered_intents"] = list(sim.uncovered)
    if sim.queues:  # only a tree that staffs queues has their figures
        data["queues"] = {name: q.to_dict() for name, q in sim.queues.items()}
    return data


def render_json(sim: Simulation) -> str:
    return json_text(to_dict(sim), allow_nan=False, default=_nan_to_null) + "\n"


def _nan_to_null(value: object) -> object:  # pragma: no cover - figures hold no NaN
    raise TypeError(f"cannot serialise {value!r}")


CSV_COLUMNS = (
    "persona", "share", *OUTCOMES, "reached_human", "jail_rate",
    "steps_to_human_mean", "steps_to_human_p50", "steps_to_human_p90", "steps_to_human_max",
    "seconds_to_human_mean", "seconds_to_human_p50", "seconds_to_human_p90",
    "seconds_to_human_max", "identity_prompts", "repeated_identity_prompts",
    "calls_with_repeats", "transfers", "unverified_resolutions", "call_seconds",
    "journey_calls", "journey_resolved", "journey_jail_rate", "journey_seconds",
    "journey_identity_prompts",
)


def render_csv(sim: Simulation) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for p in (*sim.personas, sim.overall):
        f = p.figures
        row = [*(f.outcomes[o] for o in OUTCOMES), f.reached_human, f.jail_rate]
        for s in (f.steps_to_human, f.seconds_to_human):
            row += ["" if v is None else v for v in (s.mean, s.p50, s.p90, s.max)]
        row += [f.identity_prompts, f.repeated_identity_prompts, f.calls_with_repeats,
                f.transfers, f.unverified_resolutions, f.call_seconds]
        j = f.journey
        row += ["", "", "", "", ""] if j is None else [j.calls, j.resolved, j.jail_rate,
                                                       j.seconds, j.identity_prompts]
        if p.callers == 0:  # no sampled call: no figures, empty cells as for "none reached"
            row = [""] * len(row)
        writer.writerow([csv_cell(p.name), p.share, *row])
    return out.getvalue()


def pct(x: float) -> str:
    """A share to one decimal, never rounded to a false 0% or 100% (0.007% is "<0.1%",
    99.998% is ">99.9%"), as `check` never writes one."""
    if 0 < x < 0.0005:
        return "<0.1%"
    if 0.9995 <= x < 1:
        return ">99.9%"
    return f"{100 * x:.1f}%"


def _num(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def table(header: list[str], rows: list[list[str]], label_first: bool = True) -> list[str]:
    """Aligned columns in terminal cells, numbers to the right, under a dashed rule; the
    first column to the left when it holds labels (`label_first`)."""
    widths = [max(display_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for k, row in enumerate([header, *rows]):
        cells = [pad(c, w, right=not (label_first and i == 0))
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def journey_table_rows(everyone: list[PersonaResult]) -> list[list[str]]:
    """One row per persona (and overall) of the journey table, as text cells."""
    rows = []
    for p in everyone:
        j = p.figures.journey
        if j is None:
            continue
        after = " ".join(pct(x) for x in j.resolved_by_call)
        rows.append([p.name, "-" if p.name == "overall" else str(j.redials), _num(j.calls, 2),
                     pct(j.resolved), pct(j.jail_rate), _num(j.seconds, 0),
                     _num(j.identity_prompts, 2), after])
    return rows


def sample_size_text(sim: Simulation, noun: str) -> str:
    """How much Monte-Carlo simulated: "10,000 calls" (`noun`), or, when personas redial,
    the callers and the calls they made: "10,000 callers, 10,917 calls"."""
    made = sim.calls_made
    if made is None or made == sim.callers:
        return f"{sim.callers or 0:,} {noun}"
    return f"{sim.callers:,} callers, {made:,} calls"


def uncovered_text(sim: Simulation) -> str:
    """The line that says which intents no persona covers and how they were judged."""
    names = ", ".join(f"'{visible(i)}'" for i in sim.uncovered)
    one = len(sim.uncovered) == 1
    text = (f"No persona under callers: calls for {names}: "
            f"{'it is' if one else 'each is'} judged as a default caller (knowing every fact) "
            f"at 0% of calls, as the rules (PJ105) judge {'it' if one else 'them'}")
    if sim.method == "montecarlo":
        text += "; Monte-Carlo samples none of their calls (--method exact has their figures)"
    return text + "."


def render_text(sim: Simulation) -> str:
    how = ("exact analysis (Markov chain)" if sim.method == "exact"
           else f"Monte-Carlo, {sample_size_text(sim, 'callers')}, seed {sim.seed}")
    everyone = [*sim.personas, sim.overall]
    sampled = sim.method == "montecarlo"
    # Monte-Carlo: how many calls each persona got; one that got none has no figures ("-").
    calls = (lambda p: [f"{p.callers:,}"]) if sampled else (lambda p: [])
    outcome_rows = [[visible(p.name), pct(p.share), *calls(p),
                     *(pct(p.figures.outcomes[o]) for o in OUTCOMES),
                     pct(p.figures.jail_rate)] if p.callers != 0 else
                    [visible(p.name), pct(p.share), *calls(p), *["-"] * (len(OUTCOMES) + 1)]
                    for p in everyone]
    journey_rows = []
    for p in everyone:
        f = p.figures
        journey_rows.append([
            visible(p.name), pct(f.reached_human),
            _num(f.steps_to_human.mean), _num(f.steps_to_human.p90, 0),
            _num(f.seconds_to_human.mean, 0), _num(f.seconds_to_human.p90, 0),
            _num(f.identity_prompts, 2), _num(f.repeated_identity_prompts, 2),
            pct(f.calls_with_repeats), _num(f.transfers, 2), _num(f.call_seconds, 0),
        ] if p.callers != 0 else [visible(p.name), *["-"] * 10])
    lines = [f"{visible(sim.name)} ({visible(sim.tree)}): {how}", "", "Outcomes"]
    lines += table(["persona", "share", *(["callers"] if sampled else []),
                     *(o.replace("_", " ") for o in OUTCOMES), "jail rate"], outcome_rows)
    lines += ["", "Reaching a human"]
    lines += table(["persona", "reached", "steps mean", "steps p90", "seconds mean",
                     "seconds p90", "id prompts", "repeated", "calls w/ repeat", "transfers",
                     "call seconds"], journey_rows)
    lines += ["", "Jail rate = dead end + abandoned + unresolved. Steps and seconds count calls "
                  "that reached a human ('-': none did); prompts, transfers and call seconds "
                  "(prompts and holds of the whole call) are per call."]
    if sim.uncovered:
        lines += ["", uncovered_text(sim)]
    if sim.sensitive:
        lines += ["", f"Unverified resolutions (sensitive: {', '.join(sim.sensitive)})"]
        lines += table(["persona", "resolved with no identity given"],
                        [[p.name, pct(p.figures.unverified_resolutions) if p.callers != 0
                          else "-"] for p in everyone])
    if any(p.figures.journey and p.figures.journey.redials for p in sim.personas):
        lines += ["", "Journeys (a caller's calls together: redials after a jailed call)"]
        lines += table(["persona", "redials", "calls", "resolved", "jail rate", "seconds",
                         "id prompts", "resolved after 1, 2, 3... calls"],
                        journey_table_rows(everyone))
        lines += ["Calls, seconds and id prompts over a caller's calls; a persona without "
                  "redials makes one call."]
    if sim.queues:
        lines += ["", "Queues (Erlang A; Erlang C without patience_seconds)"]
        lines += table(["queue", "offered", "utilisation", "mean wait", "abandon"],
                        [[name, f"{q.offered_erlangs:.2f} erl", pct(q.utilisation),
                          f"{q.wait_seconds:,.1f} s", pct(q.abandon)]
                         for name, q in sim.queues.items()])
        lines += ["Mean wait: callers who are served. A caller who hangs up in a queue ends "
                  "the call abandoned."]
    return "\n".join(lines) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "csv": render_csv}
