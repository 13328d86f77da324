"""`phonejail report`, `graph` and `compare`: what users open, and what CI relies on."""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import matplotlib.image
import pytest

from phonejail.config import Config
from phonejail.report.build import build_report
from tests.conftest import ROOT, TREES
from tests.report.browser import Browser, chromium
from tests.test_cli import golden

MARKUP = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    """One report run over trees/, shared by the tests that only read it."""
    from phonejail.cli import main

    out = tmp_path_factory.mktemp("reports")
    (out / "notes.txt").write_text("mine")  # a file phonejail did not write
    code = main(["report", "-q", str(TREES), "-o", str(out), "--callers", "4000"])
    assert code == 1  # trees/ holds the bad examples on purpose
    return out


def test_every_tree_gets_a_folder_with_every_output(reports: Path) -> None:
    for tree in TREES.glob("*.yaml"):
        folder = reports / tree.stem
        names = {p.name for p in folder.iterdir()}
        assert {"index.html", "summary.md", "summary.json", "outcomes.png", "steps.png",
                "seconds.png", "identity.png", "flow.png"} <= names
    assert (reports / "notes.txt").read_text() == "mine"


def test_summaries_of_the_isp_story_match_the_golden_files(run, in_repo, tmp_path) -> None:
    code, _, _ = run("report", "-q", "trees/isp_billing.yaml", "-o", tmp_path)
    assert code == 1
    for name in ("summary.md", "summary.json"):
        text = (tmp_path / "isp_billing" / name).read_text()
        assert text == golden(f"report_isp_billing.{name}", text)


def test_fix_first_ranks_the_identity_gate_first_with_who_it_shuts_out(reports: Path) -> None:
    data = json.loads((reports / "isp_billing" / "summary.json").read_text())
    first = data["fix_first"][0]
    assert (first["code"], first["node"], first["share_of_calls"]) == ("PJ103", "ask_phone", 1.0)
    markdown = (reports / "isp_billing" / "summary.md").read_text()
    assert ("1. PJ103 identity-gate at 'ask_phone' (fact 'phone_number'): 25.0% of calls end "
            "in jail here; every "
            "call passes here; it shuts out 25.0% of callers (internet-only customer), who "
            "never reach a human") in markdown


def test_index_lists_every_tree_worst_first(reports: Path) -> None:
    page = (reports / "index.html").read_text()
    links = re.findall(r'href="([^"]+)/index.html"', page)
    # The bakery's callers hang up in its two-person queue (1.3% of calls): worse than the
    # bank's 0.7% jail rate, better than the ISP's identity gate and the pharmacy's and
    # the ISP's whole journey (2.1%).
    assert links == ["isp_billing", "pharmacy", "isp_billing_journey", "small_business", "bank_800",
                     "isp_billing_fixed", "pharmacy_fixed", "shop"]


def _png_ok(data: bytes, path: Path) -> None:
    path.write_bytes(data)
    image = matplotlib.image.imread(path)
    assert image.shape[0] > 50 and image.shape[1] > 50


def test_every_png_decodes_and_pages_refer_to_nothing_outside(reports: Path, tmp_path) -> None:
    for png in reports.rglob("*.png"):
        _png_ok(png.read_bytes(), tmp_path / "x.png")
    for page in reports.rglob("*.html"):
        text = page.read_text()
        for ref in re.findall(r'(?:src|href)="([^"]*)"', text):
            assert not re.match(r"^[a-z]+://|^//", ref), (page, ref)
            if ref.startswith("data:image/png;base64,"):
                _png_ok(base64.b64decode(ref.split(",", 1)[1]), tmp_path / "y.png")
            else:
                assert (page.parent / ref).exists(), (page, ref)
        assert "@import" not in text
        assert set(re.findall(r"url\(([^)]*)\)", text)) <= {"#pj-arrow"}  # in-page only
        assert not re.search(r"<script[^>]*\ssrc=", text)  # scripts are inline


def test_every_string_from_yaml_is_escaped(run, tmp_path) -> None:
    m = MARKUP
    tree = tmp_path / "hostile.yaml"
    tree.write_text(f"""
phonejail: 1
name: "{m} line"
description: "{m} description"
start: "{m}start"
intents: ["{m}intent"]
identity: {{"{m}fact": {{label: "{m} label"}}}}
nodes:
  "{m}start": {{kind: ask, say: "{m} say", fact: "{m}fact", ok: "{m}agent", fail: "{m}agent"}}
  "{m}agent": {{kind: agent, queue: "{m} queue", asks: ["{m}fact"]}}
callers:
  - {{name: "{m} persona", intent: "{m}intent"}}
""")
    code, _, err = run("report", "-q", tree, "-o", tmp_path / "out", "--callers", "500")
    assert code == 0, err
    for page in (tmp_path / "out").rglob("*.html"):
        text = page.read_text()
        assert m not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        # In the flow's JSON, a tree's `<` is a \u escape: no `</script>` can end the block.
        for block in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', text,
                                re.S):
            assert "<" not in block and json.loads(block)["nodes"][f"{m}start"]
    markdown = (tmp_path / "out" / "hostile" / "summary.md").read_text()
    assert "<script" not in markdown
    data = json.loads((tmp_path / "out" / "hostile" / "summary.json").read_text())
    assert data["name"] == f"{m} line"  # JSON keeps the text; it is not markup there


def test_a_tree_that_does_not_load_still_gets_a_page_and_exit_1(run, tmp_path) -> None:
    shutil.copy(TREES / "small_business.yaml", tmp_path / "good.yaml")
    (tmp_path / "broken.yaml").write_text("phonejail: 1\nname: [unclosed\n")
    code, out, _ = run("report", tmp_path, "-o", tmp_path / "out", "--callers", "500")
    assert code == 1
    page = (tmp_path / "out" / "broken" / "index.html").read_text()
    assert "PJ001" in page and "Not simulated" in page
    assert (tmp_path / "out" / "good" / "flow.png").exists()
    assert "Wrote" in out and "open " in out


def test_report_never_overwrites_an_input(run, tmp_path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    tree = out / "index.html"  # a tree file where the index would go
    tree.write_text((TREES / "small_business.yaml").read_text())
    code, _, err = run("report", tree, "-o", out)
    assert code == 2 and "is an input" in err
    assert tree.read_text() == (TREES / "small_business.yaml").read_text()


def test_report_with_a_baseline_adds_the_comparison(run, in_repo, tmp_path) -> None:
    code, _, _ = run("report", "-q", "trees/isp_billing_fixed.yaml", "--baseline",
                     "trees/isp_billing.yaml", "-o", tmp_path)
    assert code == 0
    page = (tmp_path / "isp_billing_fixed" / "index.html").read_text()
    assert "Compared with the baseline" in page and "Findings removed" in page
    data = json.loads((tmp_path / "isp_billing_fixed" / "summary.json").read_text())
    assert data["comparison"]["figures"]["jail_rate"]["delta"] < -0.24


def test_compare_reports_deltas_and_fails_when_errors_are_added(run, in_repo) -> None:
    code, out, _ = run("compare", "trees/isp_billing.yaml", "trees/isp_billing_fixed.yaml")
    assert code == 0
    jail = next(line for line in out.splitlines() if line.startswith("jail rate"))
    assert jail.split() == ["jail", "rate", "25.1%", "0.08%", "-25.0", "pts", "better"]
    assert "Findings added: 0" in out and "Findings removed: 14" in out
    code, out, _ = run("compare", "--format", "json", "trees/isp_billing_fixed.yaml",
                       "trees/isp_billing.yaml")
    data = json.loads(out)
    assert code == 1  # going back adds the identity gate, an error
    assert [f["code"] for f in data["findings_added"]].count("PJ103") == 1
    assert data["figures"]["jail_rate"]["worse"] is True
    code, out, _ = run("compare", "--format", "markdown", "trees/isp_billing.yaml",
                       "trees/isp_billing_fixed.yaml")
    assert "| jail rate | 25.1% | 0.08% | -25.0 pts (better) |" in out


def test_graph_formats(run, in_repo, tmp_path) -> None:
    code, out, _ = run("graph", "trees/isp_billing.yaml")
    assert code == 0 and out.startswith('---\ntitle: "ISP billing line"\n---\nflowchart TD\n')
    assert '  n1[/"ask_phone<br/>[ask]<br/>PJ103 PJ105"/]' in out and "class n1 trap" in out
    code, out, _ = run("graph", "--format", "dot", "trees/isp_billing.yaml")
    assert code == 0 and out.startswith('digraph "ISP billing line" {')
    assert '"ask_phone" [label="ask_phone\\n[ask]\\nPJ103 PJ105", shape=parallelogram' in out
    for fmt in ("png", "svg"):
        target = tmp_path / f"flow.{fmt}"
        assert run("graph", "--format", fmt, "-o", target, "trees/bank_800.yaml")[0] == 0
        assert target.stat().st_size > 1000
    _png_ok((tmp_path / "flow.png").read_bytes(), tmp_path / "check.png")
    assert (tmp_path / "flow.svg").read_text().lstrip().startswith("<?xml")
    code, _, err = run("graph", "--format", "png", "trees/bank_800.yaml")
    assert code == 2 and "give -o FILE" in err


def test_mermaid_escapes_quotes_and_markup() -> None:
    from phonejail.report.flowchart import _mermaid_text

    assert _mermaid_text('say "hi" <b>') == '"say #quot;hi#quot; #lt;b#gt;"'


BROWSER = chromium()


@pytest.mark.skipif(BROWSER is None, reason="needs Chromium (.ci/run installs it)")
def test_pages_render_in_a_real_browser_with_every_image_and_no_errors(reports: Path) -> None:
    browser = Browser(BROWSER)
    try:
        for page in (reports / "index.html", reports / "isp_billing" / "index.html",
                     reports / "bank_800" / "index.html"):
            session, errors = browser.open(page.resolve().as_uri())
            assert errors == [], page
            images = browser.evaluate(session, "Array.from(document.images).map("
                                      "i => i.complete && i.naturalWidth > 0)")
            assert all(images), page
            if page.parent != reports:
                assert len(images) == 4  # the flow is the interactive SVG, not an image
    finally:
        browser.close()


OVERFLOW = """(() => {
  const page = document.documentElement;
  const wide = [];
  for (const e of document.querySelectorAll('body *')) {
    if (e.offsetParent !== null && e.getBoundingClientRect().right > page.clientWidth + 0.5)
      wide.push(e.tagName + '.' + e.className);
  }
  for (const box of document.querySelectorAll('.scroll'))
    if (box.scrollWidth > box.clientWidth + 0.5)
      wide.push('scrolls: ' + box.innerText.slice(0, 40));
  return wide.slice(0, 5);
})()"""


@pytest.mark.skipif(BROWSER is None, reason="needs Chromium (.ci/run installs it)")
@pytest.mark.parametrize(("media", "width"), [("screen", 1400), ("print", 718)])
def test_every_page_fits_a_laptop_screen_and_an_a4_page_without_sideways_scrolling(
        reports: Path, media: str, width: int) -> None:
    """Nothing is wider than the page, and no table scrolls sideways, at 1400 px and at the
    width Chromium prints A4 at (210 mm less its default margins: 718 px)."""
    browser = Browser(BROWSER)
    try:
        for page in sorted(reports.glob("*/index.html")):
            session, _ = browser.open(page.resolve().as_uri())
            browser.call("Emulation.setDeviceMetricsOverride",
                         {"width": width, "height": 900, "deviceScaleFactor": 1,
                          "mobile": False}, session=session)
            browser.call("Emulation.setEmulatedMedia", {"media": media}, session=session)
            assert browser.evaluate(session, OVERFLOW) == [], (page, media)
    finally:
        browser.close()


MERMAID_JS = ROOT / ".cache" / "mermaid" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"


@pytest.mark.skipif(BROWSER is None or not MERMAID_JS.exists(),
                    reason="needs Chromium and mermaid (.ci/run installs both)")
def test_mermaid_output_renders_with_mermaid_itself(run, in_repo, tmp_path) -> None:
    hostile = tmp_path / "odd.yaml"
    hostile.write_text('phonejail: 1\nname: "a \\"quoted\\" <b>line</b> & co"\nstart: m\n'
                       "intents: [x]\nnodes:\n  m: {kind: menu, options: [{key: \"1\"}, "
                       '{key: "#", to: end}], invalid: m}\n  end: {kind: agent, queue: '
                       '"q <i>1</i> | [x]"}\n')
    page = tmp_path / "render.html"
    page.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"><script src="'
                    f'{MERMAID_JS.as_uri()}"></script></head><body></body></html>')
    browser = Browser(BROWSER)
    try:
        session, errors = browser.open(page.as_uri())
        assert errors == []
        for k, tree in enumerate([*sorted(TREES.glob("*.yaml")), hostile]):
            code, text, _ = run("graph", tree)
            assert code == 0
            result = browser.call("Runtime.evaluate", {"awaitPromise": True,
                                                       "returnByValue": True,
                                                       "expression": f"""(async () => {{
                mermaid.initialize({{startOnLoad: false, securityLevel: 'strict'}});
                try {{
                    const out = await mermaid.render('g{k}', {json.dumps(text)});
                    return (out.svg.match(/class="node /g) || []).length;
                }} catch (e) {{ return 'error: ' + e.message; }}
            }})()"""}, session=session)["result"]["value"]
            nodes = len(re.findall(r"^  n\d+[\[({>]", text, re.M))  # definitions, not edges
            assert result == nodes, (tree.name, result)
    finally:
        browser.close()


def test_an_export_with_control_characters_reports_quietly(run, tmp_path) -> None:
    flow = {"description": "odd\u0001line", "initial_state": "Trigger", "flags": {},
            "states": [
                {"name": "Trigger", "type": "trigger", "properties": {},
                 "transitions": [{"event": "incomingCall", "next": "hello"}]},
                {"name": "hello", "type": "say-play", "properties": {"say": "hi \u0007 there"},
                 "transitions": [{"event": "audioComplete"}]}]}
    (tmp_path / "odd.json").write_text(json.dumps(flow))
    code, out, err = run("report", "-q", tmp_path / "odd.json", "-o", tmp_path / "out")
    assert (code, out, err) == (1, "", "")  # a dead end; and no warning on the terminal
    assert (tmp_path / "out" / "odd" / "flow.png").exists()


def test_graph_without_widths_still_marks_traps_and_broken_trees_are_refused(run, in_repo,
                                                                           tmp_path) -> None:
    code, out, _ = run("graph", "--no-widths", "trees/isp_billing.yaml")
    assert code == 0 and "class n1 trap" in out
    assert "stroke-width:0.7px" in out and "stroke-width:6" not in out  # every edge thin
    assert run("graph", "--no-flow", "trees/isp_billing.yaml")[1] == out  # its old name
    broken = tmp_path / "broken.yaml"
    broken.write_text("phonejail: 1\nname: x\n")
    code, out, err = run("graph", broken)
    assert code == 1 and out == "" and "error PJ002" in err and "before drawing it" in err


def test_a_tree_of_many_personas_draws_a_few_and_pools_the_rest_exactly(tmp_path) -> None:
    """Past PERSONAS_DRAWN personas the charts draw a few one by one (the most jailed calls,
    then the most callers), pool the others into one exact row, and the page says so."""
    from phonejail.config import Config
    from phonejail.report import figures_of, html
    from phonejail.report.build import build_report
    from phonejail.report.figures import (
        OTHERS_GREY,
        PERSONAS_DRAWN,
        _rows,
        drawn_personas,
        persona_colours,
    )

    text = (TREES / "pharmacy.yaml").read_text(encoding="utf-8").split("callers:")[0]
    intents = ["refill", "refill_status", "hours", "question"]
    people = [f"  - {{name: p{k}, share: {1 + k % 7}, intent: {intents[k % 4]}, "
              f"knows: [{'phone_number, rx_number' if k % 3 else ''}]}}" for k in range(40)]
    tree = tmp_path / "many.yaml"
    tree.write_text(text + "callers:\n" + "\n".join(people) + "\n", encoding="utf-8")
    r = build_report(str(tree), "many", Config(), 0, 1)
    assert r.exact is not None and len(r.exact.personas) == 40
    drawn = drawn_personas(r.exact)
    assert len(drawn) == PERSONAS_DRAWN
    harm = sorted(((p.share * p.figures.jail_rate, k) for k, p in enumerate(r.exact.personas)),
                  reverse=True)
    assert harm[PERSONAS_DRAWN // 2][0] > 0  # enough jailed personas to fill their half
    assert {k for _, k in harm[:PERSONAS_DRAWN // 2]} <= set(drawn)
    colours = persona_colours(r.exact)
    assert len({colours[k] for k in drawn}) == PERSONAS_DRAWN  # no two drawn alike
    assert {c for k, c in enumerate(colours) if k not in drawn} == {OTHERS_GREY}
    rows = _rows(r.exact)
    assert [row.name for row in rows[-2:]] == ["30 other personas", "overall"]
    # Drawn rows and the pooled row, weighted by their callers, give the overall row.
    shares = [r.exact.personas[k].share for k in drawn]
    rest = 1 - sum(shares)
    for outcome, whole in rows[-1].outcomes.items():
        parts = sum(w * row.outcomes[outcome] for w, row in zip(shares, rows, strict=False))
        assert parts + rest * rows[-2].outcomes[outcome] == pytest.approx(whole, abs=1e-9)
    page = html.tree_page(r, figures_of(r))
    assert "40 personas: the charts draw 10 of them one by one" in page
    assert "and 30 more personas (summary.json lists them all)" in page  # fix-first lines
    # The answer table, the per-persona tables, summary.md (a pull-request comment) and the
    # flow's persona choice give rows to PERSONA_ROWS personas, the jailed ones first, and
    # pool the others into one exact row: shown and pooled add up to the overall figures.
    from phonejail.report.interactive import overlaid
    from phonejail.report.markdown import summary
    from phonejail.report.text import PERSONA_ROWS, pooled_answer, shown_personas

    shown = shown_personas(r)
    assert len(shown) == PERSONA_ROWS == 25
    jailed = {k for k, a in enumerate(r.answers) if r.jailed(a)}
    assert 0 < len(jailed) < PERSONA_ROWS and set(shown[:len(jailed)]) == jailed
    pooled = pooled_answer(r, shown)
    assert pooled is not None and pooled.name == "15 other personas"
    people = r.exact.personas
    assert pooled.share + sum(people[k].share for k in shown) == pytest.approx(1, abs=1e-12)
    for get in (lambda x: x.jail_rate, lambda x: x.reached_human):
        whole = sum(people[k].share * get(r.answers[k]) for k in shown) + \
            pooled.share * get(pooled)
        assert whole == pytest.approx(get(r.exact.overall.figures), abs=1e-9)
    lost = sum(people[k].share * sum(x.share for x in r.answers[k].losses) for k in shown)
    assert lost + pooled.share * sum(x.share for x in pooled.losses) == \
        pytest.approx(r.exact.overall.figures.jail_rate, abs=1e-9)
    assert page.count("<tr><td><span class=\"swatch\"") == 25
    assert page.count('<tr class="pooled"><td>') == 3  # answer, outcomes and costs tables
    assert "15 other personas" in page and "25 of 40 personas shown one by one" in page
    assert [a.name for a, _ in overlaid(r, persona_colours(r.exact))][-1] == "15 other personas"
    assert page.count("<option value=") == 27  # all callers, 25 personas, the pooled 15
    text = summary(r)
    rows = [line for line in text.splitlines() if re.match(r"\| p\d+ \|", line)]
    assert len(rows) == PERSONA_ROWS
    assert {r.answers[k].name for k in jailed} <= {row.split(" | ")[0][2:] for row in rows}
    assert "| 15 other personas |" in text
    assert "25 of 40 personas shown one by one: those above their jail limit first" in text


def test_fix_first_ranks_by_harm_errors_first(reports: Path) -> None:
    """Errors first (they fail the gate); then the share of calls lost or asked again at
    the node, not the share passing through it (docs/report.md, "What to fix first")."""
    for tree in ("isp_billing", "pharmacy", "bank_800"):
        ranked = json.loads((reports / tree / "summary.json").read_text())["fix_first"]
        keys = [({"error": 0, "warning": 1, "info": 2}[x["severity"]],
                 -(x["lost_here"] + x["asked_again_here"])) for x in ranked]
        assert keys == sorted(keys), tree
    pharmacy = json.loads((reports / "pharmacy" / "summary.json").read_text())["fix_first"]
    # The caregiver (20% of calls) is lost at the ask of a phone number it does not know;
    # 60% of calls pass that ask, but the harm is the 20%.
    assert [(x["code"], x["node"]) for x in pharmacy[:2]] == [("PJ103", "ask_phone"),
                                                              ("PJ105", "ask_phone")]
    assert [(x["lost_here"], x["share_of_calls"]) for x in pharmacy[:2]] == \
        [pytest.approx((0.2, 0.6), abs=1e-4)] * 2
    isp = json.loads((reports / "isp_billing" / "summary.json").read_text())["fix_first"]
    again = [x for x in isp if x["code"] == "PJ202" and x["node"] == "agent_cards_manila"]
    assert [(x["lost_here"], x["asked_again_here"]) for x in again] == \
        [pytest.approx((0, 0.35), abs=1e-4)]


def test_a_tree_past_the_state_budget_reports_its_monte_carlo_figures_as_sampled(
        run, tmp_path, monkeypatch) -> None:
    """Past the state budget (PJ008) no exact figure exists, but Monte-Carlo samples the
    calls (a LazyChain): the page, summary.md and summary.json show those estimates,
    labelled as sampled, and they agree with the exact figures of the same tree computed
    under a budget that fits it."""
    from phonejail.analysis import chain as chain_module
    from phonejail.simulate import montecarlo
    from tests.simulate.agreement import disagreements
    from tests.simulate.test_state_budget import facts_tree

    path = tmp_path / "facts.yaml"
    path.write_text(facts_tree(6).replace("success: 0.9", "success: 0.7"))
    exact = build_report(str(path), "facts", Config(), 0, 1).exact
    assert exact is not None
    for module in (chain_module, montecarlo):
        monkeypatch.setattr(module, "MAX_CHAIN_STATES", 100)
    code, _, _ = run("report", "-q", path, "-o", tmp_path / "out", "--callers", "6000")
    assert code == 1
    folder = tmp_path / "out" / "facts"
    data = json.loads((folder / "summary.json").read_text())
    assert "personas" not in data and data["montecarlo"]["callers"] == 6000
    assert "the exact analysis is skipped" in data["refused"]
    r = build_report(str(path), "facts", Config(), 6000, 1)
    assert r.exact is None and r.sampled is not None
    assert disagreements(r.sampled.personas[0].figures, exact.personas[0].figures, 6000) == []
    jail = r.sampled.overall.figures.jail_rate
    assert data["montecarlo"]["overall"]["jail_rate"] == pytest.approx(jail, abs=1e-9)
    assert 0.25 < jail < 0.35  # the desk fails 30% of calls
    page = (folder / "index.html").read_text()
    assert "Monte-Carlo figures (sampled; no exact figures past the state budget)" in page
    assert "exact (skipped: PJ008)" in page and "Not analysed exactly" in page
    from phonejail.report.figures import share_text

    assert f"{share_text(jail)} ±" in page
    summary = (folder / "summary.md").read_text()
    assert "**Sampled, not exact** (PJ008): Monte-Carlo, 6,000 calls, seed 1" in summary
    assert f"| jail rate | {share_text(jail)} ±" in summary
    index = (tmp_path / "out" / "index.html").read_text()
    assert f"≈{share_text(jail)} (sampled)" in index
    # Sampling nothing (the library's callers=0): the page says where the figures are.
    from phonejail.report import html

    unsampled = build_report(str(path), "facts", Config(), 0, 1)
    assert unsampled.sampled is None and unsampled.exact is None
    page = html.tree_page(unsampled, [])
    assert "Monte-Carlo figures" not in page and "sampled none here" in page


PJ009_CYCLE = """\
phonejail: 1
name: Zero-step chance cycle
start: hello
intents: [help]
nodes:
  hello: {kind: say, say: "Hello.", seconds: 2, next: route_a}
  route_a:
    kind: branch
    cases: [{when: {chance: 0.5}, to: route_b}]
    else: person
  route_b:
    kind: branch
    cases: [{when: {chance: 0.9}, to: route_a}]
    else: bye
  person: {kind: agent}
  bye: {kind: hangup}
callers:
  - {name: caller, intent: help}
"""


def test_a_tree_pj009_refuses_says_why_and_what_to_do_and_draws_the_trap(tmp_path) -> None:
    """No figure can be had for a cycle of branches (docs/report.md, PJ009): the page says
    so with the way out, and shows the flow with the cycle marked and the findings, never
    an invented figure."""
    from phonejail.report import figures_of, html

    tree = tmp_path / "cycle.yaml"
    tree.write_text(PJ009_CYCLE, encoding="utf-8")
    r = build_report(str(tree), "cycle", Config(), 100, 1)
    assert r.exact is None and r.sampled is None
    assert r.refused is not None
    assert "put a prompt in the cycle" in r.refused
    # The banner names the cycle from the node PJ009 marks red, as the finding does.
    (at,) = [f.node for f in r.findings if f.code == "PJ009"]
    other = ({"route_a", "route_b"} - {at}).pop()
    assert f"{at} -> {other} -> {at} (PJ009)" in r.refused
    assert r.marks[at] == ("PJ009",)
    assert [stem for stem, *_ in figures_of(r)] == ["flow"]
    page = html.tree_page(r, figures_of(r))
    assert '<p class="refused">Not simulated: a cycle of nodes' in page
    assert "put a prompt in the cycle" in page and 'src="data:image/png' not in page
    from phonejail.report import summary_json

    keys = list(json.loads(summary_json.summary(r, None)))
    assert keys == ["tree", "name", "refused", "findings", "fix_first"]  # docs/report.md
