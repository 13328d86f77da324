"""`phonejail report`: for each tree a folder with an HTML page, summaries and figures; an index.

The library writes files and returns what it wrote; it never prints.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from phonejail.config import Config
from phonejail.fileio import atomic_write, same_file
from phonejail.lint import collect
from phonejail.report import figures as charts
from phonejail.report import flowchart, html, markdown, summary_json
from phonejail.report.build import DRAW_LIMIT, TreeReport, build_report
from phonejail.report.compare import Comparison, compare

OUTPUT_NAMES = ("index.html", "summary.md", "summary.json", "outcomes.png", "steps.png",
                "seconds.png", "identity.png", "flow.png")


class WouldOverwriteInput(Exception):
    """An output file would replace one of the trees being read."""


@dataclass(frozen=True)
class ReportRun:
    reports: tuple[TreeReport, ...]
    written: tuple[Path, ...]


def slugs(files: Sequence[str]) -> list[str]:
    """A folder name per file: its stem, made unique by a numeric suffix."""
    seen: dict[str, int] = {}
    result = []
    for f in files:
        stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(f).stem) or "tree"
        seen[stem] = seen.get(stem, 0) + 1
        result.append(stem if seen[stem] == 1 else f"{stem}-{seen[stem]}")
    return result


def figures_of(r: TreeReport) -> list[tuple[str, bytes, str, str]]:
    """(file stem, PNG bytes, alt text, caption) for every figure of a tree's page."""
    out: list[tuple[str, bytes, str, str]] = []
    if r.exact is not None:
        sampled = r.sampled or r.exact
        out += [
            ("outcomes", charts.png(charts.outcomes_figure(r.exact)),
             "Stacked bars of how calls end, per persona",
             "How calls end, per persona and overall (exact)."),
            ("steps", charts.png(charts.steps_figure(r.exact, sampled)),
             "Distribution of steps to a human, per persona",
             "Steps to a human: exact distribution with the Monte-Carlo estimate overlaid."),
            ("seconds", charts.png(charts.seconds_figure(r.exact, sampled)),
             "Cumulative distribution of the time to a human, per persona",
             "Time to a human (prompts heard plus hold): exact CDF and Monte-Carlo."),
            ("identity", charts.png(charts.identity_figure(r.exact)),
             "Bars of identity prompts, repeats and transfers per call, per persona",
             "Identity questions, repeated questions and transfers per call (exact)."),
        ]
    if r.tree is not None and len(r.tree.nodes) <= DRAW_LIMIT:
        diagram = flowchart.describe(r.tree, r.marks, r.flow)
        out.append(("flow", charts.png(flowchart.draw(diagram, r.name)),
                    "Diagram of the call flow with traps marked in red",
                    "The call flow from start. Red: dead ends, jail loops and identity gates; "
                    "edge width: expected times per call the move is taken."))
    return out


def _worst_first(r: TreeReport) -> tuple:
    loads = r.tree is not None
    jail = r.exact.overall.figures.jail_rate if r.exact else 2.0
    return (loads, -jail, -r.count("error"), -r.count("warning"), r.path)


def write_reports(paths: Sequence[str | Path], out_dir: Path, config: Config,
                  callers: int, seed: int, baseline: str | None = None,
                  progress: Callable[[int], None] | None = None) -> ReportRun:
    """Write every tree's report folder and the index. Raises MissingPath, WouldOverwriteInput."""
    files = collect(paths)
    names = slugs(files)
    inputs = [*files, *([baseline] if baseline else [])]
    planned = [out_dir / "index.html"] + [out_dir / s / n for s in names for n in OUTPUT_NAMES]
    for target in planned:
        for source in inputs:
            if target.exists() and same_file(target, source):
                raise WouldOverwriteInput(f"{target} is an input; choose another -o folder")
    old = build_report(baseline, "baseline", config, 0, seed) if baseline else None
    reports: list[TreeReport] = []
    written: list[Path] = []
    for path, slug in zip(files, names, strict=True):
        r = build_report(path, slug, config, callers, seed)
        comparison: Comparison | None = compare(old, r) if old is not None else None
        folder = out_dir / slug
        figures = figures_of(r)
        for stem, data, _, _ in figures:
            written.append(_write(folder / f"{stem}.png", data))
        written.append(_write(folder / "index.html", html.tree_page(r, figures, comparison)))
        written.append(_write(folder / "summary.md", markdown.summary(r, comparison)))
        written.append(_write(folder / "summary.json", summary_json.summary(r, comparison)))
        reports.append(r)
        if progress:
            progress(1)
    reports.sort(key=_worst_first)
    written.append(_write(out_dir / "index.html", html.index_page(reports)))
    return ReportRun(tuple(reports), tuple(written))


def _write(path: Path, data: str | bytes) -> Path:
    atomic_write(path, data)
    return path
