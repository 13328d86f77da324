"""The interactive call flow: no overlaps, clusters when big, explored in a real browser."""

from __future__ import annotations

import re
import sys
from itertools import combinations
from pathlib import Path

import pytest

from phonejail.config import Config
from phonejail.report import flowchart, interactive
from phonejail.report.build import build_report
from tests.conftest import ROOT, TREES
from tests.report.browser import Browser, chromium

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate_tree  # noqa: E402


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "t120.yaml"
    path.write_text(generate_tree(120))
    return path


def _drawing(path: Path, use_dot: bool):
    r = build_report(str(path), "t", Config(), 0, 1)
    assert r.tree is not None
    d = flowchart.describe(r.tree, r.marks, r.flow)
    return r, d, interactive.layout(d, use_dot)


def _overlaps(drawing) -> list[tuple[str, str]]:
    return [(a.id, b.id) for a, b in combinations(drawing.boxes, 2)
            if abs(a.x - b.x) < (a.w + b.w) / 2 - 0.5 and abs(a.y - b.y) < (a.h + b.h) / 2 - 0.5]


DOT = pytest.mark.skipif(not interactive.shutil.which("dot"),
                         reason="needs Graphviz dot (.ci/run installs it)")


@pytest.mark.parametrize("use_dot", [pytest.param(True, marks=DOT), False],
                         ids=["graphviz", "built-in"])
@pytest.mark.parametrize("name", ["isp_billing", "bank_800", "small_business"])
def test_every_node_is_drawn_once_and_no_boxes_overlap(name: str, use_dot: bool) -> None:
    _, d, drawing = _drawing(TREES / f"{name}.yaml", use_dot)
    assert drawing.engine == ("graphviz dot" if use_dot else "built-in")
    assert sorted(b.node for b in drawing.boxes) == sorted(d.nodes)  # small: no copies
    assert _overlaps(drawing) == []
    keys = {line.key for line in drawing.lines}
    assert keys == {f"{e.src}>{e.dst}" for e in d.edges}


@DOT
def test_a_120_node_tree_draws_shared_ends_per_cluster_and_stays_compact(big: Path) -> None:
    r, d, drawing = _drawing(big, True)
    copies = [b for b in drawing.boxes if b.copy]
    shared = {b.node for b in copies}
    assert "agent_general" in shared  # the shared human, once per cluster
    assert not [b for b in drawing.boxes if b.node == "agent_general" and not b.copy]
    assert {b.node for b in drawing.boxes} == set(d.nodes)
    assert _overlaps(drawing) == []
    # Laid out left to right: as wide as a page, however many leaves the menus have.
    assert drawing.width < 1600 and len(drawing.lines) >= len(d.edges)
    svg = interactive.svg(d, drawing, r.name)
    assert svg.count('class="node ') == len(drawing.boxes)
    assert "↪ m0" in svg  # jumps back to the main menu are go-to markers, not long lines


def test_undefined_layout_engine_falls_back_to_the_built_in_layout(monkeypatch) -> None:
    monkeypatch.setattr(interactive.shutil, "which", lambda name: None)
    _, _, drawing = _drawing(TREES / "isp_billing.yaml", True)
    assert drawing.engine == "built-in"


BROWSER = chromium()


@pytest.mark.skipif(BROWSER is None, reason="needs Chromium (.ci/run installs it)")
def test_the_flow_is_explored_in_a_real_browser(run, in_repo, tmp_path, big: Path) -> None:
    code, _, _ = run("report", "-q", "trees/isp_billing.yaml", "trees/bank_800.yaml", big,
                     "-o", tmp_path, "--callers", "200")
    assert code == 1
    browser = Browser(BROWSER)
    try:
        session, errors = browser.open((tmp_path / "isp_billing" / "index.html").as_uri())
        assert errors == []

        def js(expression: str):
            return browser.evaluate(session, expression)

        assert js("document.querySelector('.flowbox').dataset.ready") == "1"
        # Text is text: searchable and selectable, not paths.
        assert js("window.find('agent_billing_dublin')") is True
        assert js("document.querySelectorAll('svg.flow .node text').length") == 12
        js("document.querySelector('.node[data-node=ask_phone]')"
           ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")
        panel = js("document.querySelector('.panel').innerText")
        assert panel.startswith("ask_phone") and "PJ103" in panel
        assert "Please enter the ten-digit home phone number" in panel
        assert "100.0% of calls pass through it" in panel

        def width(key: str) -> float:
            return js(f"parseFloat(document.querySelector('.edge[data-key=\"{key}\"] path')"
                      ".style.strokeWidth)")

        everyone = width("main_menu>billing_menu")
        js("const s = document.querySelector('select.persona'); s.value = '0';"
           "s.dispatchEvent(new Event('change'))")
        # The internet-only customer never passes the phone question: lost there, in red.
        assert width("main_menu>billing_menu") == 1 < everyone
        assert width("ask_phone>goodbye") > 7
        assert js("document.querySelector('.node[data-node=ask_phone]')"
                  ".classList.contains('lost')") is True
        assert js("getComputedStyle(document.querySelector('.edge[data-key=\"ask_phone>goodbye\"]"
                  " path')).stroke") == "rgb(198, 40, 40)"
        assert "lost 100.0%" in js("document.querySelector('svg.flow').textContent")
        panel = js("document.querySelector('.panel').innerText")
        assert "cut off after 'ask_phone'" in panel  # the open panel follows the persona
        # Zoom and pan change the view box; fit brings the whole flow back.
        before = js("document.querySelector('svg.flow').getAttribute('viewBox')")
        js("document.querySelector('.zoom-in').click()")
        assert js("document.querySelector('svg.flow').getAttribute('viewBox')") != before
        js("document.querySelector('.zoom-fit').click()")
        for page in ("bank_800", "t120"):
            session, errors = browser.open((tmp_path / page / "index.html").as_uri())
            assert errors == [], page
            assert js("document.querySelector('.flowbox').dataset.ready") == "1"
            nodes = js("document.querySelectorAll('svg.flow .node').length")
            assert nodes > (50 if page == "t120" else 10)
            box = js("JSON.stringify(document.querySelector('svg.flow').getBoundingClientRect())")
            assert re.search(r'"width":\d{3}', box)
    finally:
        browser.close()


def test_graph_draws_a_tree_with_undefined_targets_and_marks_them(run, tmp_path) -> None:
    tree = tmp_path / "broken.yaml"
    tree.write_text("phonejail: 1\nname: broken\nstart: welcome\nintents: [x]\nnodes:\n"
                    "  welcome: {kind: say, next: main}\n"
                    "  main:\n    kind: menu\n    options:\n      - {key: \"1\", to: agnet}\n"
                    "      - {key: \"2\", to: billing}\n    fail: goodby\n"
                    "  billing: {kind: agent}\n")
    code, out, err = run("graph", tree)
    assert code == 1  # the tree has errors: they are printed, and it is drawn all the same
    assert "broken.yaml:10:24: error PJ004 undefined-target" in err and "'goodby'" in err
    assert '["agnet<br/>[no such node]<br/>PJ004"]' in out and "billing<br/>[agent]" in out
    undefined = re.search(r"  (n\d+)\[\"agnet", out)
    assert undefined and f"class {undefined.group(1)} trap" in out
    code, out, _ = run("graph", "--format", "dot", tree)
    assert code == 1 and '"main" -> "goodby" [penwidth=0.70, label="fail", color="#c62828"]' \
        in out
    code, _, _ = run("graph", "--format", "png", "-o", tmp_path / "b.png", tree)
    assert code == 1 and (tmp_path / "b.png").stat().st_size > 1000
    (tmp_path / "worse.yaml").write_text(tree.read_text().replace("kind: agent", "kind: agnt"))
    code, out, err = run("graph", tmp_path / "worse.yaml")  # other errors: still refused
    assert code == 1 and out == "" and "before drawing it" in err


def test_pictures_of_huge_trees_are_refused_with_a_way_out(run, tmp_path) -> None:
    tree = tmp_path / "huge.yaml"
    tree.write_text(generate_tree(200))
    code, _, err = run("graph", "--format", "png", "-o", tmp_path / "h.png", tree)
    assert code == 2 and "png and svg are drawn up to 150" in err and "--format dot" in err
    assert not (tmp_path / "h.png").exists()
    code, out, _ = run("graph", "--format", "dot", tree)
    assert code == 0 and out.startswith("digraph")


BROKEN = ("phonejail: 1\nname: broken\nstart: welcome\nintents: [x]\nnodes:\n"
          "  welcome: {kind: say, next: main}\n"
          "  main:\n    kind: menu\n    options:\n      - {key: \"1\", to: agnet}\n"
          "      - {key: \"2\", to: billing}\n    fail: goodby\n"
          "  billing: {kind: agent}\n")


def _crossings(d: flowchart.Diagram, use_dot: bool) -> list[tuple[str, str]]:
    """(edge, box) pairs where an edge's drawn line runs through a box not its own end."""
    drawing = interactive.layout(d, use_dot)
    found = []
    for line in drawing.lines:
        if line.src == line.dst:
            continue
        path = flowchart._svg_path(line.path)
        assert path is not None
        points = [p for polygon in path.to_polygons(closed_only=False) for p in polygon]
        for b in drawing.boxes:
            if b.id in (line.src, line.dst):
                continue
            if any(abs(x - b.x) < b.w / 2 - 2 and abs(y - b.y) < b.h / 2 - 2 for x, y in points):
                found.append((line.key, b.id))
    return found


@pytest.mark.skipif(not interactive.shutil.which("dot"), reason="needs Graphviz dot")
def test_the_broken_tree_and_every_example_draw_no_edge_through_a_box(tmp_path) -> None:
    """The picture `graph --format png` draws is laid out like the page's (Graphviz dot):
    no edge runs through a box it does not start or end at (one did through 'agnet')."""
    from phonejail.model.load import load_for_drawing

    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN)
    loaded = load_for_drawing(str(broken))
    assert loaded is not None
    assert _crossings(flowchart.describe(loaded), True) == []
    for path in sorted(TREES.glob("*.yaml")):
        r = build_report(str(path), "t", Config(), 0, 1)
        assert r.tree is not None
        assert _crossings(flowchart.describe(r.tree, r.marks, r.flow), True) == [], path


def test_the_node_where_a_persona_is_jailed_is_marked_on_every_drawing(run, tmp_path) -> None:
    """PJ105's node (where the caregiver's calls are lost) is a red, labelled box in the
    static PNG/SVG, the DOT and Mermaid text, and the page's interactive SVG, with a legend."""
    r = build_report(str(TREES / "pharmacy.yaml"), "p", Config(), 0, 1)
    assert "PJ105" in r.marks["ask_phone"]
    codes = " ".join(r.marks["ask_phone"])  # PJ103 too: the ask shuts the caregiver out
    d = flowchart.describe(r.tree, r.marks, r.flow)
    section = interactive.flow_section(r, d)
    node = re.search(r'<g class="node kind-ask trap" data-node="ask_phone".*?</g>', section)
    assert node and f">{codes}<" in node.group(0)
    assert "where a persona's jailed calls are lost (PJ105" in section  # the legend
    assert f'"ask_phone" [label="ask_phone\\n[ask]\\n{codes}", shape=parallelogram, ' \
           'fillcolor="#ede7f6", color="#c62828"' in flowchart.to_dot(d, r.name)
    code, _, _ = run("graph", "--format", "svg", "-o", tmp_path / "p.svg",
                     str(TREES / "pharmacy.yaml"))
    svg = (tmp_path / "p.svg").read_text()
    # matplotlib draws text as paths, each after a comment holding its string: the box's
    # mark line, in red, besides the legend line of the title.
    assert code == 0 and f"<!-- {codes} -->" in svg
    mark = svg[svg.index(f"<!-- {codes} -->"):]
    assert "fill: #c62828" in mark[:mark.index("<!--", 5)]


def test_the_legend_of_a_voice_menu_is_not_keys_only(tmp_path) -> None:
    """A menu that takes a spoken choice (input: speech or both) is no 'menu (keys)'."""
    from phonejail.config import Config
    from phonejail.report.build import build_report
    from phonejail.report.flowchart import describe
    from phonejail.report.interactive import flow_section

    text = """\
phonejail: 1
name: menu line
start: main
intents: [a]
nodes:
  main:
    kind: menu
    input: INPUT
    options: [{key: "1", serves: [a], to: person}]
  person: {kind: agent}
"""
    pages = {}
    for kind in ("speech", "dtmf"):
        tree = tmp_path / f"{kind}.yaml"
        tree.write_text(text.replace("INPUT", kind), encoding="utf-8")
        r = build_report(str(tree), kind, Config(), 0, 1)
        pages[kind] = flow_section(r, describe(r.tree, r.marks, r.flow), use_dot=False)
    assert "menu (keys or voice)" in pages["speech"] and "menu (keys)<" not in pages["speech"]
    assert "menu (keys)<" in pages["dtmf"] and "keys or voice" not in pages["dtmf"]
