"""summary.md: headline figures, findings and what to fix first, fit for a pull-request comment."""

from __future__ import annotations

from phonejail.report.build import TreeReport
from phonejail.report.compare import Comparison, to_markdown
from phonejail.report.figures import share_text
from phonejail.report.journeys import journeys_markdown
from phonejail.report.staffing_figure import staffing_markdown
from phonejail.report.text import (
    estimate_text,
    fix_first_text,
    gate_text,
    headlines,
    journey_end_text,
    journey_steps,
    pooled_answer,
    pooled_note,
    redials,
    shown_personas,
    time_to_human_text,
    value_text,
    verdict,
    where_lost_text,
)
from phonejail.simulate.render import sample_size_text, uncovered_text
from phonejail.textsafe import markdown, markdown_code


def answer_markdown(r: TreeReport) -> list[str]:
    """The verdict in bold, then one table row per persona (a PR comment's first screen)."""
    lines = [f"**{markdown(verdict(r))}**", "", markdown(gate_text(r)), "",
             "| persona | share | jail rate | where calls are lost | likeliest call | "
             "time to a human |", "| --- | ---: | ---: | --- | --- | --- |"]
    shown = shown_personas(r)
    for a in (r.answers[k] for k in shown):
        j = a.journey
        call = " → ".join(markdown(step) for step in journey_steps(j))
        jail = share_text(a.jail_rate)
        lines.append(
            f"| {markdown(a.name)} | {share_text(a.share)} | "
            f"{f'**{jail}**' if r.jailed(a) else jail} | "
            f"{markdown(where_lost_text(a))} | {call}; *{markdown(journey_end_text(j))} "
            f"({share_text(j.chance)} of its calls)* | {markdown(time_to_human_text(a))} |")
    pooled = pooled_answer(r, shown)
    if pooled is not None:
        lines.append(
            f"| {markdown(pooled.name)} | {share_text(pooled.share)} | "
            f"{share_text(pooled.jail_rate)} | {markdown(where_lost_text(pooled))} | "
            f"each its own (summary.json) | {markdown(time_to_human_text(pooled))} |")
        lines += ["", markdown(pooled_note(r, shown))]
    if r.exact is not None and r.exact.uncovered:  # as `phonejail simulate` says it
        lines += ["", markdown(uncovered_text(r.exact))]
    return [*lines, ""]


def sampled_markdown(r: TreeReport) -> list[str]:
    """The Monte-Carlo estimates of a tree past the state budget, said to be sampled."""
    assert r.sampled is not None
    sim = r.sampled
    lines = [f"**Sampled, not exact** (PJ008): Monte-Carlo, {sample_size_text(sim, 'calls')}, "
             f"seed {sim.seed}, ± 1 standard error; no exact figure exists past the state "
             "budget.", "", "| overall | Monte-Carlo |", "| --- | ---: |"]
    lines += [f"| {h.label} | {estimate_text(h)} |" for h in headlines(r)]
    lines += ["", "| persona | share | calls | jail rate (Monte-Carlo) | reached a human |",
              "| --- | ---: | ---: | ---: | ---: |"]
    lines += [f"| {markdown(p.name)} | {share_text(p.share)} | {p.callers or 0:,} | "
              + (f"{share_text(p.figures.jail_rate)} | {share_text(p.figures.reached_human)} |"
                 if p.callers else "- | - |") for p in (*sim.personas, sim.overall)]
    return [*lines, ""]


def summary(r: TreeReport, comparison: Comparison | None = None) -> str:
    lines = [f"## phonejail: {markdown(r.name)}", "", markdown_code(r.path), ""]
    if r.refused:
        said = "Not analysed exactly" if r.sampled is not None else "Not simulated"
        lines += [f"**{said}:** {markdown(r.refused)}.", ""]
    if r.exact is not None:
        lines += answer_markdown(r)
        calls = sample_size_text(r.sampled, "calls") if r.sampled else "0 calls"
        lines += ["| overall | exact | Monte-Carlo |", "| --- | ---: | ---: |"]
        lines += [f"| {h.label} | {value_text(h.exact, h.unit)} | {estimate_text(h)} |"
                  for h in headlines(r)]
        lines += ["", f"Monte-Carlo: {calls}, seed {r.sampled.seed if r.sampled else '-'}"
                      ", ± 1 standard error.", ""]
        if redials(r):
            lines += journeys_markdown(r)
        lines += ["### What to fix first", ""]
        lines += [f"{k}. {markdown(fix_first_text(x, r))} (line {x.finding.line})"
                  for k, x in enumerate(r.fix_first, 1)] or ["Nothing to fix."]
        lines.append("")
    elif r.sampled is not None:  # past the state budget (PJ008): sampled figures only
        lines += sampled_markdown(r)
    if r.tree is not None and r.tree.queues:
        lines += staffing_markdown(r.tree, *r.queue_limits)
    errors, warnings = r.count("error"), r.count("warning")
    lines += [f"### Findings: {errors} error{'s' * (errors != 1)}, "
              f"{warnings} warning{'s' * (warnings != 1)}", ""]
    lines += [f"- {markdown_code(f'{f.path}:{f.line}:{f.column}')} **{f.severity.value}** "
              f"`{f.code}` {f.name}: {markdown(f.message)}" for f in r.findings] or ["No findings."]
    if comparison is not None:
        lines += ["", to_markdown(comparison).rstrip()]
    return "\n".join(lines) + "\n"
