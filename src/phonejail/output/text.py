"""Findings for people: `path:line:col: severity CODE name: message`, the line it points at
with a caret under the spot (as ruff shows them), and a one-line summary.

`quiet` gives one line per finding and no summary (for grep and editors); `snippet=False`
leaves the source lines out. Every string from a tree or a file name is shown escaped
(phonejail.textsafe), the source line included, so the caret stays under what it marks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import click

from phonejail.fileio import InputError, read_capped
from phonejail.findings import Finding, Severity
from phonejail.lint import CheckResult
from phonejail.textsafe import display_width, visible

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow"}
_WORD = re.compile(r"[\w.-]+")
_MAX_SHOWN = 160
"""Characters of a source line shown; a longer line is cut around the column."""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(result: CheckResult) -> str:
    files = len(result.files)
    errors, warnings = result.count(Severity.ERROR), result.count(Severity.WARNING)
    if not result.findings:
        return f"No findings in {_plural(files, 'file')}."
    affected = len({f.path for f in result.findings})
    return (f"Found {_plural(errors, 'error')} and {_plural(warnings, 'warning')} "
            f"in {affected} of {_plural(files, 'file')}.")


def _marked(line: str, column: int) -> tuple[str, int, int]:
    """The line as shown, and the screen offset and width of the caret under `column`:
    the whole word, number or quoted string that starts there, else one character."""
    index = min(max(column - 1, 0), len(line))
    rest = line[index:]
    if rest[:1] in ("'", '"') and rest.find(rest[0], 1) > 0:
        length = rest.find(rest[0], 1) + 1
    else:
        word = _WORD.match(rest)
        length = word.end() if word else 1
    start = 0
    if len(line) > _MAX_SHOWN:  # keep the marked spot in view
        start = max(0, min(index - _MAX_SHOWN // 2, len(line) - _MAX_SHOWN))
    shown_before = visible(line[start:index])
    marked = visible(line[index:index + length])  # empty past the end: one caret there
    after = visible(line[index + length:start + _MAX_SHOWN])
    prefix = "…" if start else ""
    suffix = "…" if start + _MAX_SHOWN < len(line) else ""
    text = prefix + shown_before + marked + after + suffix
    return text, display_width(prefix + shown_before), max(1, min(display_width(marked), 80))


def _snippet(finding: Finding, lines: list[str], color: bool) -> list[str]:
    if not 1 <= finding.line <= len(lines):
        return []
    text, offset, width = _marked(lines[finding.line - 1].rstrip("\r\n"), finding.column)
    number = str(finding.line)
    gutter = " " * len(number) + " |"
    caret = " " * offset + "^" * width
    if color:
        gutter = click.style(gutter, fg="blue", bold=True)
        number = click.style(number, fg="blue", bold=True)
        caret = click.style(caret, fg=_COLOURS[finding.severity], bold=True)
        return [gutter, f"{number}{click.style(' |', fg='blue', bold=True)} {text}",
                f"{gutter} {caret}", ""]
    return [gutter, f"{number} | {text}", f"{gutter} {caret}", ""]


class _Sources:
    """Source lines per path, read once: the texts the check kept (standard input), else
    the file on disk; none for a file that cannot be read now."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        self.texts = texts
        self.cache: dict[str, list[str]] = {}

    def lines(self, path: str) -> list[str]:
        if path not in self.cache:
            text = self.texts.get(path)
            if text is None:
                try:
                    text = read_capped(path).decode("utf-8-sig", errors="replace")
                except (InputError, OSError):
                    text = ""
            self.cache[path] = text.splitlines()
        return self.cache[path]


def render(result: CheckResult, color: bool = False, quiet: bool = False,
           snippet: bool = True, **_: object) -> str:
    lines = []
    sources = _Sources(result.texts)
    for f in result.findings:
        severity = f.severity.value
        code = f.code
        if color:
            severity = click.style(severity, fg=_COLOURS[f.severity], bold=True)
            code = click.style(code, bold=True)
        # Paths and messages may quote a tree's bytes: shown escaped, never sent to the terminal.
        lines.append(f"{visible(f.path)}:{f.line}:{f.column}: {severity} {code} {f.name}: "
                     f"{visible(f.message)}")
        if snippet and not quiet:
            lines.extend(_snippet(f, sources.lines(f.path), color))
    if not quiet:
        lines.append(summary(result))
    return "".join(line + "\n" for line in lines)
