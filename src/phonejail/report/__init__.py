"""`phonejail report`: for each tree a folder with an HTML page, summaries and figures; an index.

The library writes files and returns what it wrote; it never prints.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from phonejail.config import Config
from phonejail.fileio import InputError, OutputError, atomic_write, read_capped, writable_target
from phonejail.lint import collect
from phonejail.report import figures as charts
from phonejail.report import flowchart, html, markdown, summary_json
from phonejail.report.build import DRAW_LIMIT, TreeReport, build_report
from phonejail.report.compare import Comparison, compare
from phonejail.report.journeys import journeys_figure
from phonejail.report.staffing_figure import staffing_figure
from phonejail.report.text import redials
from phonejail.sources import split_unit
from phonejail.sweep import results

OUTPUT_NAMES = ("index.html", "summary.md", "summary.json", "outcomes.png", "steps.png",
                "seconds.png", "identity.png", "journeys.png", "staffing.png", "flow.png")


MANIFEST = ".phonejail-written.json"
"""In the output folder: every file phonejail wrote there (relative paths). A file that
exists but is not listed was not written by phonejail and is never replaced (--force
overrides)."""
_RESERVED = frozenset({"index.html", MANIFEST})


class WouldOverwriteInput(OutputError):
    """An output file would replace an input, a file phonejail did not write, or escape -o."""


@dataclass(frozen=True)
class ReportRun:
    reports: tuple[TreeReport, ...]
    written: tuple[Path, ...]
    comparisons: tuple[Comparison, ...] = ()
    """With a baseline: each tree against it, in the order the trees were named."""


def slugs(files: Sequence[str]) -> list[str]:
    """A folder name per file: its stem made safe, and unique whatever the case.

    Only letters, digits, `-`, `_` and inner dots survive; a name that starts with a dot
    (`...yaml` has the stem `..`) gets a leading `_` so no slug is `.`, `..` or hidden,
    and `index.html` is kept for the index page. Clashes (`a.yaml` in two folders, or
    `a.yaml` beside `a-2.yaml`) get the next free numeric suffix.
    """
    taken: set[str] = {name.casefold() for name in _RESERVED}
    result = []
    for f in files:
        file, address = split_unit(f)  # one flow of a template: the file and the flow
        name = f"{Path(file).name}-{address}" if address else Path(f).stem
        stem = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_"
                       for c in name)[:100] or "tree"
        if stem.startswith("."):
            stem = "_" + stem
        slug, n = stem, 1
        while slug.casefold() in taken:
            n += 1
            slug = f"{stem}-{n}"
        taken.add(slug.casefold())
        result.append(slug)
    return result


def figures_of(r: TreeReport) -> list[tuple[str, bytes, str, str]]:
    """(file stem, PNG bytes, alt text, caption) for every figure of a tree's page."""
    with charts.plain_text():
        return _figures_of(r)


def _figures_of(r: TreeReport) -> list[tuple[str, bytes, str, str]]:
    out: list[tuple[str, bytes, str, str]] = []
    if r.exact is not None:
        sampled = r.sampled or r.exact
        out += [
            ("outcomes", charts.png(charts.outcomes_figure(r.exact)),
             f"Stacked bars, one per persona and overall, of how calls end: {_ends(r)}",
             "How calls end, per persona and overall (exact). Red (cut off), purple "
             "(hung up) and orange (left unhelped) are phone jail."),
            ("steps", charts.png(charts.steps_figure(r.exact, sampled)),
             "Bar charts on shared axes, one per persona that reaches a human in at least "
             "1% of calls, of the steps taken before a human answers",
             "Steps to a human: exact distribution with the Monte-Carlo estimate overlaid. "
             "Personas that almost never reach a human are named, not drawn."),
            ("seconds", charts.png(charts.seconds_figure(r.exact, sampled)),
             "Cumulative curves, one per persona, of the minutes until a human answers",
             "Time to a human (prompts heard plus hold): exact CDF and Monte-Carlo. "
             "The further right a curve, the longer the wait."),
            ("identity", charts.png(charts.identity_figure(r.exact)),
             "Bars per persona of identity questions, repeated questions and transfers per call",
             "Identity questions, repeated questions and transfers per call (exact)."),
        ]
        if redials(r):
            out.append(("journeys", charts.png(journeys_figure(r.exact, sampled)),
                        "Lines of the share of callers resolved after 1, 2, 3 calls, per persona",
                        "Callers who call again after a jailed call: share resolved after 1, 2, "
                        "3... calls, exact (lines) and Monte-Carlo (x)."))
    if r.tree is not None and r.tree.queues:
        out.append(("staffing", charts.png(staffing_figure(r.tree, *r.queue_limits)),
                    "Abandonment and mean wait against the number of agents, per queue",
                    "Staffing: callers hanging up in the queue and mean wait of served callers "
                    "for each number of agents (Erlang A), the tree's staffing and PJ209's "
                    "limits marked."))
    if r.tree is not None and len(r.tree.nodes) <= DRAW_LIMIT:
        diagram = flowchart.describe(r.tree, r.marks, r.flow)
        out.append(("flow", charts.png(flowchart.draw(diagram, r.name)),
                    "Diagram of the call flow with traps marked in red",
                    "The call flow from start. Red: dead ends, jail loops and identity gates; "
                    "edge width: expected times per call the move is taken."))
    return out


def _ends(r: TreeReport) -> str:
    """Alt text's numbers: each persona's jail rate, so the picture's point is in the words."""
    assert r.exact is not None
    return "; ".join(f"{p.name} {charts.share_text(p.figures.jail_rate)} jailed"
                     for p in (*r.exact.personas, r.exact.overall))


def _worst_first(r: TreeReport) -> tuple:
    loads = r.tree is not None
    run = r.exact or r.sampled  # past the state budget, the sampled estimate
    jail = run.overall.figures.jail_rate if run else 2.0
    return (loads, -jail, -r.count("error"), -r.count("warning"), r.path)


@dataclass(frozen=True)
class RenderedTree:
    """One tree's report and the files of its folder (name, content), ready to write."""

    report: TreeReport
    files: tuple[tuple[str, str | bytes], ...]
    comparison: Comparison | None = None


def render_tree(job: tuple[str, str], config: Config, callers: int, seed: int,
                old: TreeReport | None = None) -> RenderedTree:
    """Build one tree's report and render its pages and figures (no file is written).

    The part of `report` that runs in parallel (`--jobs`, Dask): a module-level function
    of picklable arguments that returns a picklable record.
    """
    path, slug = job
    r = build_report(path, slug, config, callers, seed)
    comparison: Comparison | None = (compare(old, r, config.compare_limits)
                                     if old is not None else None)
    figures = figures_of(r)
    files: list[tuple[str, str | bytes]] = [(f"{stem}.png", data)
                                            for stem, data, _, _ in figures]
    files += [("index.html", html.tree_page(r, figures, comparison)),
              ("summary.md", markdown.summary(r, comparison)),
              ("summary.json", summary_json.summary(r, comparison))]
    return RenderedTree(r, tuple(files), comparison)


def write_reports(paths: Sequence[str | Path], out_dir: Path, config: Config,
                  callers: int, seed: int, baseline: str | None = None,
                  progress: Callable[[int], None] | None = None,
                  force: bool = False, jobs: int = 1, executor: str = "local",
                  scheduler: str | None = None) -> ReportRun:
    """Write every tree's report folder and the index. Raises MissingPath, OutputError,
    SweepError.

    Nothing is written until every target has been checked: inside `out_dir`, not a
    symlink, not an input (trees, baseline, configuration), and either new or written by
    phonejail before (listed in the folder's manifest) unless `force`. Trees are
    rendered `jobs` at a time (see `phonejail.sweep`) and written here, in order, so the
    files are the same whatever `jobs` and `executor`.
    """
    files = collect(paths, config)
    names = slugs(files)
    inputs = [*(split_unit(f)[0] for f in files), *([baseline] if baseline else []),
              *([config.source] if config.source else [])]
    owned = _manifest(out_dir)
    planned = [Path("index.html")] + [Path(s) / n for s in names for n in OUTPUT_NAMES]
    for relative in planned:
        _check_target(out_dir, relative, inputs, owned, force)
    old = build_report(baseline, "baseline", config, 0, seed) if baseline else None
    reports: list[TreeReport] = []
    comparisons: list[Comparison] = []
    written: list[Path] = []

    def write(relative: Path, data: str | bytes) -> None:
        atomic_write(out_dir / relative, data)
        written.append(out_dir / relative)
        owned.add(relative.as_posix())

    work = partial(render_tree, config=config, callers=callers, seed=seed, old=old)
    try:
        for slug, rendered in zip(names, results(work, list(zip(files, names, strict=True)),
                                                 jobs, executor, scheduler, progress),
                                  strict=True):
            for name, data in rendered.files:
                write(Path(slug) / name, data)
            reports.append(rendered.report)
            if rendered.comparison is not None:
                comparisons.append(rendered.comparison)
        reports.sort(key=_worst_first)
        write(Path("index.html"), html.index_page(reports))
    finally:
        if written:
            _save_manifest(out_dir, owned)
    return ReportRun(tuple(reports), tuple(written), tuple(comparisons))


def _check_target(out_dir: Path, relative: Path, inputs: Iterable[str | Path],
                  owned: set[str], force: bool) -> None:
    target = out_dir / relative
    for step in (out_dir / relative.parent, target) if relative.parent != Path() else (target,):
        if step.is_symlink():
            raise WouldOverwriteInput(f"{step} is a symlink; phonejail writes only inside the "
                                      "output folder: remove it or choose another -o folder")
    writable_target(target, inputs)
    if target.exists() and relative.as_posix() not in owned and not force:
        raise WouldOverwriteInput(f"{target} exists and phonejail did not write it (it is not "
                                  f"in {out_dir / MANIFEST}); move it, choose another -o "
                                  "folder, or add --force to replace it")


def _manifest(out_dir: Path) -> set[str]:
    """The files phonejail wrote in `out_dir` before; empty if there is no readable manifest."""
    try:
        listed = json.loads(read_capped(out_dir / MANIFEST))
    except (InputError, ValueError):
        return set()
    return {p for p in listed if isinstance(p, str)} if isinstance(listed, list) else set()


def _save_manifest(out_dir: Path, owned: set[str]) -> None:
    atomic_write(out_dir / MANIFEST, json.dumps(sorted(owned), indent=0) + "\n")
