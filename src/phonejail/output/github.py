"""GitHub Actions workflow commands: one annotation per finding, errors first.

GitHub shows only the first 10 errors and 10 warnings of a step, so the most
severe come first. Escaping follows the Actions toolkit: `%`, CR and LF in
the message; also `:` and `,` in property values (file, title). Control characters are
shown as escapes first (`textsafe.visible`), so no finding can start a workflow command.
"""

from __future__ import annotations

from phonejail.lint import CheckResult
from phonejail.textsafe import visible


def escape_data(value: str) -> str:
    return visible(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def render(result: CheckResult, **_: object) -> str:
    ordered = sorted(result.findings, key=lambda f: -f.severity.rank)  # stable: path order kept
    return "".join(
        f"::{f.severity.value} file={escape_property(f.path)},line={f.line},col={f.column},"
        f"title={escape_property(f'{f.code} {f.name}')}::{escape_data(f.message)}\n"
        for f in ordered
    )
