"""`path:line:col: severity CODE name: message` lines and a one-line summary."""

from __future__ import annotations

import click

from phonejail.findings import Severity
from phonejail.lint import CheckResult
from phonejail.textsafe import visible

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow"}


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


def render(result: CheckResult, color: bool = False, quiet: bool = False, **_: object) -> str:
    lines = []
    for f in result.findings:
        severity = f.severity.value
        code = f.code
        if color:
            severity = click.style(severity, fg=_COLOURS[f.severity], bold=True)
            code = click.style(code, bold=True)
        # Paths and messages may quote a tree's bytes: shown escaped, never sent to the terminal.
        lines.append(f"{visible(f.path)}:{f.line}:{f.column}: {severity} {code} {f.name}: "
                     f"{visible(f.message)}")
    if not quiet:
        lines.append(summary(result))
    return "".join(line + "\n" for line in lines)
