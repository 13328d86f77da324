"""Any string in a tree survives every output format: shown, never obeyed.

Each example is one tree drawn twice: once with hostile strings (quotes, markup of
every format, control characters, bidi overrides, GitHub workflow commands, mermaid
directives, DOT edges, spreadsheet formulas) and once with plain ones in the same
places. Each output must parse in its own format, hold no raw control character, and
have the same structure (lines, rows, tags, keys, Markdown and DOT punctuation) as
the plain version: a string that adds structure has been obeyed.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phonejail.config import Config
from phonejail.lint import CheckResult
from phonejail.output import CHECK_FORMATS
from phonejail.report import flowchart
from phonejail.report.build import build_report
from phonejail.report.compare import compare, to_markdown, to_text
from phonejail.report.html import tree_page
from phonejail.report.markdown import summary
from phonejail.report.summary_json import summary as summary_json
from phonejail.simulate import run
from phonejail.simulate.render import render_csv, render_text
from phonejail.textsafe import is_unsafe
from tests.hostile import PIECES, hostile_text

TEMPLATE = """\
phonejail: 1
name: {name}
description: {description}
start: {menu}
intents: [{intent}]
identity:
  {fact}: {{label: {label}}}
nodes:
  {menu}:
    kind: menu
    say: {say}
    seconds: 45
    options:
      - {{key: 1, to: {ask}, serves: [{intent}]}}
      - {{key: "#", to: {dead}}}
  {ask}: {{kind: ask, say: {say2}, fact: {fact}, ok: {agent}}}
  {agent}: {{kind: agent, queue: {queue}, asks: [{fact}]}}
  {dead}: {{kind: say, say: {say3}}}
callers:
  - {{name: {persona}, intent: {intent}, share: 2}}
  - {{name: {persona2}, intent: {intent}, knows: []}}
"""
TEXT_SLOTS = ("name", "description", "label", "say", "say2", "say3", "queue")
ID_SLOTS = ("menu", "ask", "agent", "dead", "intent", "fact", "persona", "persona2")
PRINTABLE = [p for p in PIECES if not any(is_unsafe(c) for c in p)]

texts = hostile_text.map(lambda s: "t" + s)  # never empty: `name` needs a character
ids = st.lists(st.sampled_from(PRINTABLE), max_size=6).map(lambda s: "i" + "".join(s))


@st.composite
def hostile_strings(draw: st.DrawFn) -> dict[str, str]:
    strings = {slot: draw(texts) for slot in TEXT_SLOTS}
    unique = draw(st.lists(ids, min_size=len(ID_SLOTS), max_size=len(ID_SLOTS), unique=True))
    strings.update(zip(ID_SLOTS, unique, strict=True))
    return strings


def plain(strings: dict[str, str]) -> dict[str, str]:
    return {slot: f"s{k}" for k, slot in enumerate(strings)}


def tree_text(strings: dict[str, str]) -> str:
    # JSON strings are YAML double-quoted strings: any character, escaped.
    return TEMPLATE.format_map({k: json.dumps(v) for k, v in strings.items()})


def outputs(strings: dict[str, str], folder: Path, svg: bool = False) -> dict[str, Any]:
    path = folder / "tree.yaml"
    path.write_text(tree_text(strings), encoding="utf-8")
    r = build_report(str(path), "tree", Config(), 50, 1)
    assert r.tree is not None, r.findings
    result = CheckResult((str(path),), tuple(sorted(r.findings)))
    out = {fmt: render(result, config=Config()) for fmt, render in CHECK_FORMATS.items()}
    exact = run(r.tree, "exact")
    diagram = flowchart.describe(r.tree, r.marks, r.flow)
    comparison = compare(r, r)
    out.update({
        "summary.md": summary(r, comparison), "summary.json": summary_json(r),
        "page.html": tree_page(r, []), "simulate.csv": render_csv(exact),
        "simulate.text": render_text(exact), "compare.text": to_text(comparison),
        "compare.md": to_markdown(comparison), "dot": flowchart.to_dot(diagram, r.name),
        "mermaid": flowchart.to_mermaid(diagram, r.name),
    })
    if svg:
        buffer = io.BytesIO()
        from phonejail.report.figures import plain_text

        with plain_text():
            flowchart.draw(diagram, r.name).savefig(buffer, format="svg")
        out["svg"] = buffer.getvalue().decode()
    return out


# -- structure of each format ------------------------------------------------------------------
def lines(text: str) -> int:
    return len(text.split("\n"))


def xml_shape(text: str) -> list[tuple[str, tuple[str, ...]]]:
    root = ET.fromstring(text.split("\n", 1)[1] if text.startswith("<?xml") else text)
    return [(e.tag, tuple(sorted(e.attrib))) for e in root.iter()]


def json_shape(value: Any) -> Any:
    if isinstance(value, dict):  # keys may be a tree's names: their count is the shape
        return [json_shape(v) for v in value.values()]
    if isinstance(value, list):
        return [json_shape(v) for v in value]
    return type(value).__name__


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(f"<{tag} {' '.join(sorted(a for a, _ in attrs))}>")

    def handle_endtag(self, tag: str) -> None:
        self.tags.append(f"</{tag}>")


def html_shape(text: str) -> list[str]:
    parser = _Tags()
    parser.feed(text)
    return parser.tags


_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)")
_ESCAPED = re.compile(r"\\.|&#?\w+;")


def markdown_shape(text: str) -> list[str]:
    """Per line, the Markdown punctuation left once escapes and code spans are taken out."""
    shape = []
    for line in text.split("\n"):
        bare = _CODE_SPAN.sub("C", _ESCAPED.sub("", line))
        # a tag needs `<` then a letter, `/`, `!` or `?`: a lone `<` (`<0.01%`) opens nothing
        tags = re.findall(r"<[A-Za-z/!?]", _CODE_SPAN.sub("C", line))
        shape.append("".join(c for c in bare if c in "*|`[]~$") + bare[:2] + "".join(tags))
    return shape


_DOT_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_MERMAID_STRING = re.compile(r'"[^"]*"')


def quoted_shape(text: str, strings: re.Pattern[str]) -> list[str]:
    """Per line, what is left outside quoted strings, with numbers taken out (flows).
    A mermaid title is YAML front matter: a double-quoted string with escapes, like DOT's."""
    return [re.sub(r"[0-9.]+", "0", (_DOT_STRING if line.startswith("title: ") else strings)
                   .sub('""', line)) for line in text.split("\n")]


def raw_controls(text: str) -> list[str]:
    return [c for c in text if is_unsafe(c) and c != "\n"]


SHAPES = {
    "text": lines, "github": lambda t: [line[:2] for line in t.split("\n")],
    "junit": xml_shape, "json": lambda t: json_shape(json.loads(t)),
    "sarif": lambda t: json_shape(json.loads(t)),
    "summary.json": lambda t: json_shape(json.loads(t)),
    "summary.md": markdown_shape, "compare.md": markdown_shape,
    "page.html": html_shape, "simulate.text": lines, "compare.text": lines,
    "simulate.csv": lambda t: [len(row) for row in csv.reader(io.StringIO(t))],
    "dot": lambda t: quoted_shape(t, _DOT_STRING),
    "mermaid": lambda t: quoted_shape(t, _MERMAID_STRING),
}
PROPERTY = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


@PROPERTY
@given(strings=hostile_strings())
def test_every_output_format_shows_hostile_strings_without_obeying_them(
        strings: dict[str, str], tmp_path_factory: Any) -> None:
    folder = tmp_path_factory.mktemp("hostile")
    hostile, benign = outputs(strings, folder), outputs(plain(strings), folder)
    assert set(SHAPES) <= set(hostile)
    for fmt, shape in SHAPES.items():
        text = hostile[fmt]
        text.encode("utf-8")
        assert raw_controls(text) == [], fmt
        assert shape(text) == shape(benign[fmt]), fmt
    for row in list(csv.reader(io.StringIO(hostile["simulate.csv"])))[1:]:
        assert not row[0].startswith(("=", "+", "-", "@")), row
    body = hostile["mermaid"].split("\n---\n", 1)[1]  # the front matter's title is plain text
    assert "%%" not in hostile["mermaid"] and "$" not in body  # no directive, no KaTeX
    assert not re.search(r"(?m)^::(?!error |warning )", hostile["github"])


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(strings=hostile_strings())
def test_the_svg_diagram_parses_whatever_the_strings(strings: dict[str, str],
                                                     tmp_path_factory: Any) -> None:
    svg = outputs(strings, tmp_path_factory.mktemp("svg"), svg=True)["svg"]
    assert ET.fromstring(svg).tag.endswith("svg") and not raw_controls(svg)


def test_a_known_payload_in_every_slot(tmp_path: Path) -> None:
    payload = {slot: "t\n::error file=x::owned\x1b]0;t\x07 %%{init: {}}%% <img onerror=x> "
                     "=HYPERLINK(1) $\\frac$ `a` \u202e" for slot in TEXT_SLOTS}
    payload.update({slot: f'i{k}"]; a -> b [ %%{{x}}%% =1 <b>' for k, slot
                    in enumerate(ID_SLOTS)})
    out = outputs(payload, tmp_path)
    assert "<img" not in out["summary.md"] and "<img" not in out["page.html"]
    assert "%%{" not in out["mermaid"]
    # shown as escapes, whose backslashes Markdown needs doubled
    assert "t\\\\n::error file=x::owned\\\\x1b\\]0;t\\\\x07" in out["summary.md"]
    assert not any(line.startswith("::error file=x") for line in out["github"].split("\n"))
