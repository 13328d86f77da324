"""Text output for people: the source line and a caret under each finding, escaped like
the message, and the ways to turn it off; `check -` on standard input."""

from __future__ import annotations

import io
import sys

import pytest

from phonejail.findings import Finding, Severity
from phonejail.lint import CheckResult
from phonejail.output.text import render

TREE = ("phonejail: 1\nname: t\nstart: a\nintents: [x]\nnodes:\n"
        "  a: {kind: say, seconds: 40, next: b}\n  b: {kind: agent}\n")


def _finding(line: int, column: int, path: str = "t.yaml") -> Finding:
    return Finding(path, line, column, "PJ206", "long-prompt", Severity.WARNING, "long", "a")


def _snippet(text: str, line: int, column: int) -> list[str]:
    result = CheckResult(("t.yaml",), (_finding(line, column),), texts={"t.yaml": text})
    return render(result).splitlines()[1:4]


@pytest.mark.parametrize(("text", "column", "shown", "caret"), [
    ("  a: {kind: say}", 3, "  a: {kind: say}", "  ^"),
    ("  welcome_menu: x", 3, "  welcome_menu: x", "  ^^^^^^^^^^^^"),
    ('  say: "Hours: nine"', 8, '  say: "Hours: nine"', '       ^^^^^^^^^^^^^'),
    ("  seconds: 40  # long", 12, "  seconds: 40  # long", "           ^^"),
    ("  a: {say: x}", 14, "  a: {say: x}", "             ^"),  # past the end: one caret
    # A control character is shown escaped, and the caret still lands under its target.
    ("  say: \x1b[31mred\x07 x", 18, "  say: \\x1b[31mred\\x07 x", "                       ^"),
    ("\tsay: x", 2, "\\tsay: x", "  ^^^"),
    # Wide characters take two columns each.
    ("  say: 営業時間 x", 13, "  say: 営業時間 x", "                ^"),
])
def test_the_caret_sits_under_the_spot(text, column, shown, caret) -> None:
    gutter, source, marker = _snippet(text + "\n", 1, column)
    assert (gutter, source, marker) == ("  |", f"1 | {shown}", f"  | {caret}")


def test_a_long_line_is_cut_around_the_spot() -> None:
    text = "x" * 300 + " target " + "y" * 300
    _, source, marker = _snippet(text + "\n", 1, 302)
    shown = source[len("1 | "):]
    assert shown.startswith("…") and shown.endswith("…") and len(shown) == 162
    assert shown[len(marker) - len("  | ") - 6:].startswith("target")


def test_no_snippet_for_a_line_the_file_does_not_have() -> None:
    result = CheckResult(("t.yaml",), (_finding(9, 1),), texts={"t.yaml": "a: 1\n"})
    assert render(result) == ("t.yaml:9:1: warning PJ206 long-prompt: long\n"
                              "Found 0 errors and 1 warning in 1 of 1 file.\n")


def test_check_shows_snippets_unless_told_not_to(run, tmp_path) -> None:
    tree = tmp_path / "t.yaml"
    tree.write_text(TREE)
    heading = (f"{tree}:6:18: warning PJ206 long-prompt: the prompt of 'a' lasts 40 seconds, "
               "more than 30")
    summary = "Found 0 errors and 1 warning in 1 of 1 file."
    assert run("check", tree) == (0, "\n".join([
        heading,
        "  |",
        "6 |   a: {kind: say, seconds: 40, next: b}",
        "  |                  ^^^^^^^",
        "",
        summary, ""]), "")
    assert run("check", "--no-snippet", tree) == (0, f"{heading}\n{summary}\n", "")
    assert run("check", "-q", tree) == (0, f"{heading}\n", "")
    code, out, _ = run("check", "--format", "json", tree)
    assert code == 0 and "|" not in out


def _stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_check_reads_standard_input(run, monkeypatch) -> None:
    _stdin(monkeypatch, TREE.encode())
    assert run("check", "-", "--no-snippet") == (0, (
        "<stdin>:6:18: warning PJ206 long-prompt: the prompt of 'a' lasts 40 seconds, more "
        "than 30\nFound 0 errors and 1 warning in 1 of 1 file.\n"), "")
    _stdin(monkeypatch, TREE.encode())
    code, out, err = run("check", "-", "--stdin-filename", "menus/main.yaml")
    assert (code, err) == (0, "")
    assert out.splitlines()[:3] == [
        "menus/main.yaml:6:18: warning PJ206 long-prompt: the prompt of 'a' lasts 40 seconds, "
        "more than 30", "  |", "6 |   a: {kind: say, seconds: 40, next: b}"]


def test_standard_input_takes_per_file_ignores_by_its_stdin_filename(run, tmp_path,
                                                                     monkeypatch) -> None:
    (tmp_path / "phonejail.toml").write_text("[per-file-ignores]\n'legacy/*' = ['PJ206']\n")
    monkeypatch.chdir(tmp_path)
    _stdin(monkeypatch, TREE.encode())
    assert run("check", "-", "--stdin-filename", "legacy/old.yaml") == (
        0, "No findings in 1 file.\n", "")


def test_standard_input_too_large_or_broken_is_a_finding(run, monkeypatch) -> None:
    _stdin(monkeypatch, b"a: [1\n")
    code, out, err = run("check", "-q", "-")
    assert (code, err) == (1, "")
    assert out.startswith("<stdin>:1:4: error PJ001 syntax: YAML syntax: this `[` is not closed")


@pytest.mark.parametrize(("args", "message"), [
    (["-", "trees"], "`-` (standard input) cannot be mixed with other paths"),
    (["--stdin-filename", "x.yaml", "trees"], "--stdin-filename goes with `check -`"),
])
def test_stdin_usage_errors(run, in_repo, args, message) -> None:
    code, out, err = run("check", *args)
    assert (code, out) == (2, "") and message in err
