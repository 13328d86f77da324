"""`# phonejail: ignore[...]` comments: what they cover, what they refuse, and PJ006/PJ007."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phonejail.suppress import parse


@pytest.mark.parametrize(("line", "codes", "reason"), [
    ("  a: {kind: hangup}  # phonejail: ignore[PJ104] kept", {"PJ104": "PJ104"}, "kept"),
    ("  a: x  #phonejail:ignore[pj104,PJ206]  - why not", {"PJ104": "pj104", "PJ206": "PJ206"},
     "why not"),
    ("  a: x  # phonejail: ignore[ dead-end ] named", {"PJ101": "dead-end"}, "named"),
    ('  say: "press # then 1"  # phonejail: ignore[PJ206] long', {"PJ206": "PJ206"}, "long"),
    ("  say: 'it''s # fine'  # phonejail: ignore[PJ206] long", {"PJ206": "PJ206"}, "long"),
    ("  say: Don't worry  # phonejail: ignore[PJ206] long", {"PJ206": "PJ206"}, "long"),
])
def test_a_valid_suppression_and_where_its_codes_are(line, codes, reason) -> None:
    suppressions, problems = parse(line + "\n")
    assert problems == []
    located = [(code, line.index(written) + 1) for code, written in codes.items()]
    assert [(s.line, s.covers, list(s.codes), s.reason) for s in suppressions] == [
        (1, 1, located, reason)]


@pytest.mark.parametrize("line", [
    '  say: "press # phonejail: ignore[PJ206] inside the prompt"',
    "  say: 'press # phonejail: ignore[PJ206] inside the prompt'",
    "  say: press#phonejail: ignore[PJ206] no space, so not a comment",
    "# phonejail: the bank's main line",
    "phonejail: 1",
])
def test_text_that_is_no_suppression_is_left_alone(line) -> None:
    assert parse(line + "\n") == ([], [])


def test_a_comment_alone_covers_the_next_line_that_is_not_blank_or_a_comment() -> None:
    text = "nodes:\n  # phonejail: ignore[PJ104] old\n\n  # another note\n  old: {kind: hangup}\n"
    suppressions, _ = parse(text)
    assert [(s.line, s.covers) for s in suppressions] == [(2, 5)]


@pytest.mark.parametrize(("line", "message"), [
    ("a: 1  # phonejail: disable=PJ104", "is not a suppression phonejail understands"),
    ("a: 1  # phonejail: noqa", "is not a suppression phonejail understands"),
    ("a: 1  # phonejail: ignore PJ104 reason", "is not a suppression phonejail understands"),
    ("a: 1  # phonejail: Ignore[PJ104] reason", "is not a suppression phonejail understands"),
    ("a: 1  # phonejail: ignore[PJ104]", "needs a reason"),
    ("a: 1  # phonejail: ignore[PJ104]  -  ", "needs a reason"),
    ("a: 1  # phonejail: ignore[] why", "no rule in the brackets"),
    ("a: 1  # phonejail: ignore[PJ1O4] why", "'PJ1O4' is no rule (did you mean 'PJ104'?)"),
    ("a: 1  # phonejail: ignore[PJ1] why", "'PJ1' is no rule"),
    ("a: 1  # phonejail: ignore[PJ003] why", "PJ003 cannot be suppressed (a format rule"),
    ("a: 1  # phonejail: ignore[PJ007] why", "PJ007 cannot be suppressed (about suppressions"),
])
def test_a_bad_suppression_is_pj007_and_hides_nothing(line, message) -> None:
    suppressions, problems = parse(line + "\n")
    assert suppressions == []
    assert [p.code for p in problems] == ["PJ007"] and message in problems[0].message


@given(st.text(alphabet=st.sampled_from(list("# phonejail:ignore[PJ104,]'\"\n\tabc-")),
               max_size=120))
def test_parse_never_raises_and_locates_within_the_text(text) -> None:
    suppressions, problems = parse(text)
    lines = text.splitlines()
    for s in suppressions:
        assert 1 <= s.line <= s.covers <= len(lines)
    for p in problems:
        assert 1 <= p.line <= len(lines) and 1 <= p.column <= len(lines[p.line - 1])


SUPPRESSED = """\
phonejail: 1
name: t
start: menu
intents: [x]
nodes:
  menu:  # phonejail: ignore[PJ201] the operator is on 9
    kind: menu
    options:
      - {key: "1", serves: [x], to: agent}
      - {key: "9", to: agent}
    invalid: menu
    no_input: menu
    fail: agent
  agent: {kind: agent}
"""


def test_check_hides_suppressed_findings_and_reports_unused_ones(run, tmp_path) -> None:
    tree = tmp_path / "t.yaml"
    tree.write_text(SUPPRESSED)
    assert run("check", tree) == (0, "No findings in 1 file.\n", "")
    # PJ201 did not run: its suppression is not "unused".
    assert run("check", "--select", "PJ1", tree) == (0, "No findings in 1 file.\n", "")
    tree.write_text(SUPPRESSED.replace('"9"', '"0"'))
    code, out, err = run("check", "--fail-on", "warning", tree)
    assert (code, err) == (1, "")
    assert out.splitlines()[0] == (
        f"{tree}:6:30: warning PJ006 unused-suppression: `ignore[PJ201]` hides nothing here: "
        "PJ201 (no-zero-out) found nothing on this node; remove it")
    assert run("check", "-q", "--ignore", "PJ006", "--fail-on", "warning", tree) == (0, "", "")
