"""Strings from a tree are shown, never obeyed: escapes for terminals, Markdown, spreadsheets."""

from __future__ import annotations

import json
import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from phonejail.textsafe import (
    csv_cell,
    display_width,
    is_unsafe,
    json_text,
    markdown,
    markdown_code,
    pad,
    unsafe_characters,
    visible,
)
from tests.conftest import check
from tests.hostile import hostile_text

HOSTILE = st.one_of(hostile_text, hostile_text.map(lambda s: s + "\ud800"))


def test_visible_escapes_what_a_terminal_would_obey() -> None:
    assert visible("plain é 👨\u200d👩") == "plain é 👨\u200d👩"
    assert visible("a\nb\r\t") == "a\\nb\\r\\t"
    assert visible("\x1b]0;owned\x07") == "\\x1b]0;owned\\x07"
    assert visible("\x00\x9b\u202e\u2028\ud800\U000e0001") == \
        "\\x00\\x9b\\u202e\\u2028\\ud800\\U000e0001"
    assert unsafe_characters("a\nb\n\x1b") == ["\\n", "\\x1b"]


@given(HOSTILE)
def test_visible_leaves_no_unsafe_character_and_loses_nothing_safe(text: str) -> None:
    shown = visible(text)
    assert not any(is_unsafe(c) for c in shown)
    shown.encode("utf-8")  # no lone surrogate survives
    assert all(unicodedata.category(c) != "Cc" for c in shown)
    assert visible(shown) == shown  # escaping twice changes nothing more


@given(HOSTILE)
def test_markdown_text_opens_no_structure(text: str) -> None:
    shown = markdown(text)
    assert "\n" not in shown and not shown.startswith(">")
    assert not re.search(r"<([A-Za-z/!?]|$)", shown)  # no tag, comment or autolink opens
    unescaped = shown.replace("\\\\", "")
    for char in "`*[]|~$":
        assert unescaped.count(char) == unescaped.count("\\" + char)


@given(HOSTILE)
def test_a_code_span_cannot_close_early(text: str) -> None:
    span = markdown_code(text)
    fence = len(span) - len(span.lstrip("`"))
    inner = span[fence:-fence]
    assert "`" * fence not in inner and "\n" not in span


@given(HOSTILE)
def test_csv_cells_never_start_a_formula_and_json_always_encodes(text: str) -> None:
    assert not csv_cell(text).startswith(("=", "+", "-", "@"))
    assert json.loads(json_text({"s": text}))["s"] == text
    json_text({"s": text}).encode("utf-8")


def test_ids_with_control_characters_are_refused_and_other_text_is_kept() -> None:
    findings = check("""\
        phonejail: 1
        name: "line\\nname"
        start: "m\\n::error file=x::boom"
        intents: [x]
        nodes:
          "m\\n::error file=x::boom":
            kind: say
            say: "hi \\e[31m there"
            next: a
          a: {kind: agent}
        """)
    assert [(f.code, f.line, f.message) for f in findings] == [
        ("PJ002", 6, "nodes key: 'm\\n::error file=x::boom' holds control or invisible "
                     "characters (\\n); names and ids may not")]


def test_a_lone_surrogate_is_refused_anywhere() -> None:
    findings = check("""\
        phonejail: 1
        name: t
        start: a
        intents: [x]
        nodes:
          a: {kind: agent, queue: "q\\ud800"}
        """)
    # libyaml refuses the escape itself (PJ001); the loader would too (PJ002) without it
    assert [(f.code in ("PJ001", "PJ002"), f.line) for f in findings] == [(True, 6)]


def test_check_shows_a_hostile_value_escaped_in_every_text_format(run, tmp_path) -> None:
    tree = tmp_path / "t.yaml"
    tree.write_text('phonejail: 1\nname: t\nstart: a\nintents: [x]\n'
                    'nodes:\n  a: {kind: "agent\\n::error file=x::owned\\e]0;t\\a"}\n')
    for fmt in ("text", "github", "junit"):
        code, out, _ = run("check", "--format", fmt, tree)
        assert code == 1 and "\x1b" not in out and "\x07" not in out
        assert not any(line.startswith("::error file=x") for line in out.splitlines())
        assert "\\n::error file=x::owned\\x1b]0;t\\x07" in out


def test_display_width_counts_terminal_columns() -> None:
    assert display_width("plain caller") == 12
    assert display_width("請求の田中さん") == 14  # wide characters take two columns
    assert display_width("e\u0301") == 1  # a combining accent takes none
    assert pad("請求", 6) == "請求  " and pad("請求", 6, right=True) == "  請求"


CJK_TREE = """\
phonejail: 1
name: 日本の窓口
start: welcome
intents: [請求, support]
callers:
  - {name: 請求の田中さん, intent: 請求, share: 0.5}
  - {name: plain caller, intent: support, share: 0.5}
nodes:
  welcome:
    kind: menu
    say: "Press 1 for billing, 2 for support, 0 for an agent."
    options:
      - {key: "1", to: desk, serves: [請求]}
      - {key: "2", to: desk, serves: [support]}
      - {key: "0", to: desk}
  desk: {kind: agent, resolves: [請求, support]}
"""


def test_simulate_tables_line_up_with_wide_persona_names(run, tmp_path) -> None:
    tree = tmp_path / "cjk.yaml"
    tree.write_text(CJK_TREE, encoding="utf-8")
    code, out, err = run("simulate", "--method", "exact", tree)
    assert (code, err) == (0, "")
    table = out.split("Outcomes\n")[1].split("\n\n")[0].splitlines()
    assert len(table) == 5 and table[2].startswith("請求の田中さん")
    # Every row ends at the same terminal column, and the share column too.
    assert len({display_width(line) for line in table}) == 1
    assert len({display_width(line[:line.index("%") + 1]) for line in table[2:]}) == 1
