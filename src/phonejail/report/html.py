"""Self-contained HTML pages: inline CSS, figures as base64 PNG, every YAML string escaped.

Nothing on a page refers to anything outside it except the PNG files and pages
phonejail writes beside it, so it works from a file:// link and offline.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import numpy as np

from phonejail import __version__
from phonejail.analysis.chain import OUTCOMES
from phonejail.report import flowchart, interactive
from phonejail.report.build import DRAW_LIMIT, TreeReport
from phonejail.report.compare import Comparison
from phonejail.report.figures import OTHERS_GREY, drawn_note, persona_colours, share_text
from phonejail.report.journeys import journeys_html
from phonejail.report.staffing_figure import staffing_html
from phonejail.report.text import (
    estimate_text,
    fix_first_text,
    gate_text,
    headlines,
    journey_end_text,
    journey_steps,
    persona_breakdown,
    pooled_answer,
    pooled_note,
    redials,
    shown_personas,
    time_to_human_text,
    value_text,
    verdict,
    where_lost_text,
)
from phonejail.simulate import PersonaResult, Simulation
from phonejail.simulate.render import sample_size_text, uncovered_text
from phonejail.textsafe import html_text, one_line

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:1100px;padding:1.5rem;color:#1c2330;line-height:1.45}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #e0e4ea;padding-bottom:.2rem;margin-top:2rem}
.path{color:#5b6473;font-family:ui-monospace,monospace;margin-top:0}
table{border-collapse:collapse;width:100%;margin:.6rem 0;font-size:.93rem}
th,td{border-bottom:1px solid #e0e4ea;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f6f9}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.error{color:#b71c1c;font-weight:600}.warning{color:#8a5a00;font-weight:600}
.bad{background:#ffebee}.ok{background:#e8f5e9}tr.pooled td{font-style:italic}
ol.fix li{margin:.35rem 0}.small{color:#5b6473;font-size:.85rem}
figure{margin:1.2rem 0}figure img{max-width:100%;height:auto;border:1px solid #e0e4ea;
box-sizing:border-box}
figcaption{color:#5b6473;font-size:.9rem}code{font-family:ui-monospace,monospace}
.refused{background:#fff8e1;border-left:4px solid #f9a825;padding:.6rem 1rem}
.delta-worse{color:#b71c1c}.delta-better{color:#2e7d32}
.scroll{overflow-x:auto;max-width:100%}.scroll table{min-width:40rem}
td,th{overflow-wrap:break-word}td.num,th.num{white-space:nowrap;overflow-wrap:normal}
th.num{white-space:normal;hyphens:manual}
.verdict{font-size:1.2rem;font-weight:600;margin:.8rem 0}
.verdict.jailed{border-left:5px solid #c62828;padding-left:.7rem}
.verdict.fine{border-left:5px solid #2e7d32;padding-left:.7rem}
.gate{margin:.2rem 0 .8rem}.gate.passes{color:#2e7d32;font-weight:600}
.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.35em;
vertical-align:baseline}
ol.journey{margin:0;padding-left:1.2rem;font-size:.85rem}ol.journey li{margin:0}
table.answer td{font-size:.9rem}table.answer td.journey{min-width:18rem}
@media print{body{max-width:none;padding:0;font-size:10pt}.scroll{overflow:visible}
.scroll table{min-width:0}table.answer td.journey{min-width:0}
table{font-size:8pt;page-break-inside:auto}tr,figure{page-break-inside:avoid}
a{color:inherit;text-decoration:none}h2{page-break-after:avoid}}
"""


escape = html_text


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{CSS}{interactive.FLOW_CSS}</style>\n</head>\n<body>\n{body}\n"
            f'<p class="small">Written by phonejail {escape(__version__)}.</p>\n'
            f"</body>\n</html>\n")


def _table(head: str, rows: list[str] | str, css: str = "") -> str:
    """A table from its header cells and its rows (both HTML, already escaped); it scrolls
    sideways inside its own box on a narrow screen instead of cutting columns off."""
    body = rows if isinstance(rows, str) else "".join(rows)
    cls = f' class="{css}"' if css else ""
    return (f'<div class="scroll"><table{cls}><thead><tr>{head}</tr></thead><tbody>{body}'
            "</tbody></table></div>")


def _swatch(colour: str) -> str:
    return f'<span class="swatch" style="background:{colour}"></span>'


def answer_html(r: TreeReport) -> str:
    """The verdict, then one row per persona: jail rate, where lost, likeliest call, time."""
    sentence = verdict(r)
    jailed = any(r.jailed(a) for a in r.answers) or r.overall_jailed
    parts = [f'<p class="verdict {"jailed" if jailed else "fine"}">{escape(sentence)}</p>',
             f'<p class="gate {"error" if r.gate_fails else "passes"}">{escape(gate_text(r))}'
             "</p>"]
    rows = []
    colours = persona_colours(r.exact) if r.exact is not None else []
    shown = shown_personas(r)
    for k in shown:
        a = r.answers[k]
        j = a.journey
        steps = "".join(f"<li>{escape(step)}</li>" for step in journey_steps(j))
        bad = "bad" if r.jailed(a) else ""
        rows.append(
            f"<tr><td>{_swatch(colours[k])}{escape(a.name)}</td>"
            f'<td class="num">{share_text(a.share)}</td>'
            f'<td class="num {bad}">{share_text(a.jail_rate)}</td>'
            f"<td>{escape(where_lost_text(a))}</td>"
            f'<td class="journey"><ol class="journey">{steps}</ol>'
            f'<span class="small">{escape(journey_end_text(j))}; '
            f"{share_text(j.chance)} of its calls go exactly this way</span></td>"
            f"<td>{escape(time_to_human_text(a))}</td></tr>")
    pooled = pooled_answer(r, shown)
    if pooled is not None:
        rows.append(
            f'<tr class="pooled"><td>{_swatch(OTHERS_GREY)}{escape(pooled.name)}</td>'
            f'<td class="num">{share_text(pooled.share)}</td>'
            f'<td class="num">{share_text(pooled.jail_rate)}</td>'
            f"<td>{escape(where_lost_text(pooled))}</td>"
            '<td class="journey"><span class="small">each its own (summary.json)</span></td>'
            f"<td>{escape(time_to_human_text(pooled))}</td></tr>")
    parts.append(_table('<th>persona</th><th class="num">share of callers</th>'
                        '<th class="num">jail rate</th><th>where calls are lost</th>'
                        "<th>likeliest call</th><th>time to a human</th>", rows, "answer"))
    parts.append('<p class="small">Exact figures. Jail: cut off, hung up (patience) or left '
                 "unhelped. The likeliest call is the single most probable way a call of the "
                 "persona goes, with the seconds of each prompt.</p>")
    if pooled is not None:
        parts.append(f'<p class="small many">{escape(pooled_note(r, shown))}</p>')
    if r.exact is not None and r.exact.uncovered:  # as `phonejail simulate` says it
        parts.append(f'<p class="small uncovered">{escape(uncovered_text(r.exact))}</p>')
    return "\n".join(parts)


def _findings_table(r: TreeReport) -> str:
    if not r.findings:
        return "<p>No findings: every rule passes.</p>"
    rows = "".join(
        f'<tr><td><code>{escape(f.path)}:{f.line}:{f.column}</code></td>'
        f'<td class="{f.severity.value}">{f.severity.value}</td>'
        f"<td>{escape(f.code)} {escape(f.name)}</td><td>{escape(f.message)}</td></tr>"
        for f in r.findings)
    return (_table("<th>where</th><th>severity</th><th>rule</th><th>finding</th>", rows)
            + '<p class="small"><code>phonejail explain CODE</code> says why each rule matters '
            "and how to fix it.</p>")


def _headline_table(r: TreeReport) -> str:
    calls = sample_size_text(r.sampled, "calls") if r.sampled else "0 calls"
    rows = "".join(
        f"<tr><td>{escape(h.label)}</td><td class=\"num\">{escape(value_text(h.exact, h.unit))}"
        f'</td><td class="num">{escape(estimate_text(h))}</td></tr>'
        for h in headlines(r))
    exact = "exact" if r.exact is not None else "exact (skipped: PJ008)"
    return _table(f'<th>overall, all personas by share</th><th class="num">{exact}</th>'
                  f'<th class="num">Monte-Carlo ({calls}, ± 1 s.e.)</th>', rows)


def _sampled_html(r: TreeReport) -> str:
    """Past the state budget (PJ008): the Monte-Carlo estimates, said to be sampled, with
    the per-persona tables of the sampled calls; no exact figure exists to set beside them."""
    assert r.sampled is not None
    return ('<p class="refused">Sampled, not exact: this tree is past the state budget '
            "(PJ008), so no exact figure exists. The figures below are Monte-Carlo estimates "
            f"({escape(sample_size_text(r.sampled, 'calls'))}, seed {r.sampled.seed}) with "
            "their standard errors; sampling error aside, they are the calls the tree "
            "makes.</p>" + _headline_table(r) + _persona_table(r, r.sampled))


def _fix_first(r: TreeReport) -> str:
    if not r.fix_first:
        return "<p>Nothing to fix.</p>"
    items = "".join(
        f"<li><span class=\"{x.finding.severity.value}\">{escape(x.finding.severity.value)}"
        f"</span> {escape(fix_first_text(x, r))} "
        f'<span class="small">(line {x.finding.line}; per persona: '
        f"{escape(persona_breakdown(x))})</span></li>"
        for x in r.fix_first)
    return ('<p class="small">Errors first (they fail <code>phonejail check</code>), then by the '
            "exact share of calls that end in jail or are asked again at the finding's node, "
            f'then by the share that pass through it.</p><ol class="fix">{items}</ol>')


def _persona_table(r: TreeReport, sim: Simulation | None = None) -> str:
    """Two tables, one per question, each narrow enough for a laptop screen and an A4 page:
    how each persona's calls end, then what reaching a human costs them. Exact figures, or
    `sim`'s Monte-Carlo estimates for a tree past the state budget."""
    sim = sim or r.exact
    assert sim is not None
    sampled = sim.method == "montecarlo"
    overall = sim.overall
    shown = shown_personas(r) if len(r.answers) == len(sim.personas) else \
        tuple(range(len(sim.personas)))
    everyone = tuple(p for p in (*(sim.personas[k] for k in shown), overall)
                     if p.callers != 0)  # a persona Monte-Carlo sampled no call of: no row
    pooled = _pooled_result(r, shown) if not sampled else None

    def jailed(p: PersonaResult) -> bool:
        if p is overall:
            return r.overall_jailed
        return r.limits.persona_jailed(p.name, p.figures.jail_rate)

    head = "".join(f'<th class="num">{escape(o.replace("_", " "))}</th>' for o in OUTCOMES)
    ends = []
    for p in everyone:
        if p is overall and pooled is not None:
            ends.append(_pooled_ends_row(pooled))
        f = p.figures
        cells = "".join(f'<td class="num">{share_text(f.outcomes[o])}</td>' for o in OUTCOMES)
        ends.append(
            f"<tr><td>{escape(p.name)}</td><td class=\"num\">{share_text(p.share)}</td>{cells}"
            f'<td class="num {"bad" if jailed(p) else ""}">{share_text(f.jail_rate)}</td></tr>')
    sensitive = bool(sim.sensitive)
    costs = []
    for p in everyone:
        if p is overall and pooled is not None:
            costs.append(_pooled_costs_row(pooled, sensitive))
        f = p.figures
        costs.append(
            f"<tr><td>{escape(p.name)}</td>"
            f'<td class="num">{share_text(f.reached_human)}</td>'
            f'<td class="num">{escape(value_text(f.steps_to_human.mean, "steps"))}</td>'
            f'<td class="num">{escape(value_text(f.seconds_to_human.mean, "seconds"))}</td>'
            f'<td class="num">{f.identity_prompts:.2f}</td>'
            f'<td class="num">{f.repeated_identity_prompts:.2f}</td>'
            f'<td class="num">{f.transfers:.2f}</td>'
            f'<td class="num">{escape(value_text(f.call_seconds, "seconds"))}</td>'
            + (f'<td class="num">{share_text(f.unverified_resolutions)}</td>' if sensitive
               else "") + "</tr>")
    return (_table('<th>persona</th><th class="num">share of callers</th>'
                   f'{head}<th class="num">jail rate</th>', ends, "persona")
            + '<p class="small">How calls end ('
            + ("Monte-Carlo estimates" if sampled else "exact shares")
            + " of each persona's calls). Jail rate: dead end + abandoned + unresolved; shaded "
            "above the PJ105 limit.</p>"
            + _table('<th>persona</th><th class="num">reached a human</th>'
                     '<th class="num">steps to a human</th><th class="num">time to a human</th>'
                     '<th class="num">identity prompts</th><th class="num">repeated</th>'
                     '<th class="num">transfers</th><th class="num">call length</th>'
                     + ('<th class="num">unverified</th>' if sensitive else ""), costs,
                     "persona")
            + f'<p class="small">{"Monte-Carlo estimates" if sampled else "Exact figures"}. '
            "Steps and time to a human are means over the calls "
            "that reach one; prompts, transfers and call length (prompts and holds) are per "
            "call." + (" Unverified: calls in which a sensitive intent is resolved with no "
                       "identity fact given." if sensitive else "")
            + (f" {escape(pooled_note(r, shown))}" if pooled is not None else "") + "</p>")


@dataclass(frozen=True)
class _Pooled:
    """The personas without a row of their own, as one exact row of the per-persona tables:
    per call of theirs, weighted by callers' share x calls each makes (as overall is)."""

    name: str
    share: float
    outcomes: dict[str, float]
    jail_rate: float
    reached_human: float
    steps_mean: float | None
    seconds_mean: float | None
    """Means over their calls that reach a human (weighted by the calls that do)."""
    identity_prompts: float
    repeated: float
    transfers: float
    call_seconds: float
    unverified: float


def _pooled_result(r: TreeReport, shown: tuple[int, ...]) -> _Pooled | None:
    assert r.exact is not None
    others = [p for k, p in enumerate(r.exact.personas) if k not in set(shown)]
    if not others:
        return None
    w = np.array([p.share * (p.figures.journey.calls if p.figures.journey else 1.0)
                  for p in others])
    w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1 / len(w))

    def mean(get) -> float:
        return float(np.dot(w, [get(p.figures) for p in others]))

    reached = np.array([p.figures.reached_human for p in others])
    helped = float(np.dot(w, reached))

    def to_human(get) -> float | None:
        if helped <= 0:
            return None
        return float(np.dot(w * reached, [get(p.figures) or 0.0 for p in others]) / helped)

    return _Pooled(f"{len(others):,} other personas", sum(p.share for p in others),
                   {o: mean(lambda f, o=o: f.outcomes[o]) for o in OUTCOMES},
                   mean(lambda f: f.jail_rate), helped,
                   to_human(lambda f: f.steps_to_human.mean),
                   to_human(lambda f: f.seconds_to_human.mean),
                   mean(lambda f: f.identity_prompts), mean(lambda f: f.repeated_identity_prompts),
                   mean(lambda f: f.transfers), mean(lambda f: f.call_seconds),
                   mean(lambda f: f.unverified_resolutions))


def _pooled_ends_row(p: _Pooled) -> str:
    cells = "".join(f'<td class="num">{share_text(p.outcomes[o])}</td>' for o in OUTCOMES)
    return (f'<tr class="pooled"><td>{escape(p.name)}</td><td class="num">{share_text(p.share)}'
            f'</td>{cells}<td class="num">{share_text(p.jail_rate)}</td></tr>')


def _pooled_costs_row(p: _Pooled, sensitive: bool) -> str:
    return (f'<tr class="pooled"><td>{escape(p.name)}</td>'
            f'<td class="num">{share_text(p.reached_human)}</td>'
            f'<td class="num">{escape(value_text(p.steps_mean, "steps"))}</td>'
            f'<td class="num">{escape(value_text(p.seconds_mean, "seconds"))}</td>'
            f'<td class="num">{p.identity_prompts:.2f}</td><td class="num">{p.repeated:.2f}</td>'
            f'<td class="num">{p.transfers:.2f}</td>'
            f'<td class="num">{escape(value_text(p.call_seconds, "seconds"))}</td>'
            + (f'<td class="num">{share_text(p.unverified)}</td>' if sensitive else "")
            + "</tr>")


def figure_html(name: str, png: bytes, alt: str, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure id="{escape(name)}"><img src="data:image/png;base64,{data}" '
            f'alt="{escape(alt)}"><figcaption>{escape(caption)} '
            f'(<a href="{escape(name)}.png">PNG</a>)</figcaption></figure>')


def comparison_html(c: Comparison) -> str:
    rows = []
    for row in c.rows:
        css = {1: "delta-worse", -1: "delta-better"}.get(row.direction, "")
        rows.append(f"<tr><td>{escape(row.label)}</td><td class=\"num\">{escape(row.old_text)}"
                    f'</td><td class="num">{escape(row.new_text)}</td>'
                    f'<td class="num {css}">{escape(row.delta_text)}</td></tr>')
    gate = "".join(f'<p class="refused">{escape(text)}</p>' for text in (
        f"This tree fails: {c.broken}" if c.broken else None,
        f"Note: {c.note}" if c.note else None) if text)
    if c.regressions:
        gate += (f"<h3>Regressions: {len(c.regressions)}</h3><ul>"
                 + "".join(f'<li class="delta-worse">{escape(r.text())}</li>'
                           for r in c.regressions) + "</ul>")
    elif c.broken is None and c.note is None:
        gate += "<p>No figure worse than the baseline beyond its threshold.</p>"
    lists = "".join(
        f"<h3>{escape(title)}</h3><ul>"
        + ("".join(f"<li>{escape(f.code)} {escape(f.name)} at '{escape(f.node or '')}': "
                   f"{escape(f.message)}</li>" for f in found) or "<li>none</li>") + "</ul>"
        for title, found in c.sections)
    return (f"<p>Baseline <code>{escape(c.old_path)}</code> ({escape(c.old_name)}) against "
            f"<code>{escape(c.new_path)}</code> ({escape(c.new_name)}), exact figures.</p>"
            + _table('<th>overall</th><th class="num">baseline</th>'
                     '<th class="num">this tree</th><th class="num">change</th>', rows)
            + gate + lists)


def flow_html(r: TreeReport) -> str | None:
    """The interactive call flow, or None for a tree too big to draw (or that does not load)."""
    if r.tree is None or len(r.tree.nodes) > DRAW_LIMIT:
        return None
    diagram = flowchart.describe(r.tree, r.marks, r.flow)
    return (interactive.flow_section(r, diagram)
            + '<p class="small">The same flow as a picture: <a href="flow.png">flow.png</a>; '
            "as text: <code>phonejail graph --format dot|mermaid</code>.</p>")


def _many_note(r: TreeReport) -> str:
    note = drawn_note(r.exact) if r.exact is not None else ""
    return f'<p class="small many">{escape(note)}</p>' if note else ""


def tree_page(r: TreeReport, figures: list[tuple[str, bytes, str, str]],
              comparison: Comparison | None = None) -> str:
    """The page of one tree; `figures` are (file stem, PNG, alt text, caption).

    The answer comes first (verdict, who gets stuck and where), then the flow to explore,
    then the figures behind them. Each section is one (title, HTML) pair below: a new
    section is one more line.
    """
    head = [f"<p><a href=\"../index.html\">All trees</a></p><h1>{escape(r.name)}</h1>",
            f'<p class="path">{escape(r.path)}</p>']
    if r.tree is not None and r.tree.description:
        # A description is prose, often a YAML block ending in a newline: lines become
        # spaces (a control character inside is still shown escaped).
        head.append(f"<p>{escape(one_line(r.tree.description.strip()))}</p>")
    if r.refused:
        said = "Not analysed exactly" if r.sampled is not None else "Not simulated"
        head.append(f'<p class="refused">{said}: {escape(r.refused)}.</p>')
    simulated = r.exact is not None
    flow = flow_html(r)
    shown = [f for f in figures if f[0] != "flow" or flow is None]
    sections: list[tuple[str, str | None]] = [
        ("Who gets stuck, and where", answer_html(r) if simulated else None),
        ("The call flow", flow),
        ("Headline", _headline_table(r) if simulated else None),
        ("Monte-Carlo figures (sampled; no exact figures past the state budget)",
         _sampled_html(r) if not simulated and r.sampled is not None else None),
        ("What to fix first", _fix_first(r) if simulated else None),
        ("Findings", _findings_table(r)),
        ("Per persona", _persona_table(r) if simulated else None),
        ("Callers who call again", journeys_html(r) if simulated and redials(r) else None),
        ("Staffing", staffing_html(r.tree, *r.queue_limits)
         if r.tree is not None and r.tree.queues else None),
        ("Compared with the baseline",
         comparison_html(comparison) if comparison is not None else None),
        ("Figures", _many_note(r) + "\n".join(figure_html(*f) for f in shown)
         if shown else None),
    ]
    body = head + [f"<h2>{escape(title)}</h2>\n{html}" for title, html in sections
                   if html is not None]
    return _page(f"phonejail: {r.name}", "\n".join(body))


def index_page(reports: list[TreeReport]) -> str:
    rows = []
    for r in reports:
        # Past the state budget (PJ008) only Monte-Carlo figures exist: shown as estimates.
        run = r.exact or r.sampled
        f = run.overall.figures if run else None
        jail = share_text(f.jail_rate) if f else "-"
        if f and r.exact is None:
            jail = f"≈{jail} (sampled)"
        mean = value_text(f.steps_to_human.mean if f else None, "steps")
        p90 = value_text(f.steps_to_human.p90 if f else None, "steps")
        css = "bad" if (f is None or f.jail_rate >= 0.1 or r.count("error")) else "ok"
        rows.append(
            f'<tr><td><a href="{escape(r.slug)}/index.html">{escape(r.name)}</a><br>'
            f'<span class="small"><code>{escape(r.path)}</code></span></td>'
            f'<td class="num {css}">{jail}</td>'
            f'<td class="num">{share_text(f.reached_human) if f else "-"}</td>'
            f'<td class="num">{escape(mean)}</td><td class="num">{escape(p90)}</td>'
            f'<td class="num error">{r.count("error") or ""}</td>'
            f'<td class="num warning">{r.count("warning") or ""}</td></tr>')
    body = ("<h1>phonejail report</h1>"
            f"<p>{len(reports)} tree{'s' if len(reports) != 1 else ''}, worst first: trees that "
            "do not load, then by jail rate (dead end + abandoned + unresolved, exact).</p>"
            + _table('<th>tree</th><th class="num">jail rate</th>'
                     '<th class="num">reached human</th><th class="num">steps to human, mean</th>'
                     '<th class="num">steps, p90</th><th class="num">errors</th>'
                     '<th class="num">warnings</th>', rows))
    return _page("phonejail report", body)
