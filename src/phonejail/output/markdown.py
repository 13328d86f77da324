"""A pull-request comment body: a headline, then one table of findings per file, errors first.

GitHub renders it as written (`gh pr comment --body-file`, or a CI step that posts the
output of `phonejail check --format markdown`). Every string from a tree or a path goes
through `textsafe.markdown`, so a hostile tree cannot add links, HTML or table columns.
"""

from __future__ import annotations

from itertools import groupby

from phonejail.findings import Severity
from phonejail.lint import CheckResult
from phonejail.output.text import summary
from phonejail.textsafe import markdown

MOST_ROWS = 200
"""Findings listed per comment; GitHub refuses comments over 65,536 characters."""


def render(result: CheckResult, **_: object) -> str:
    errors = result.count(Severity.ERROR)
    mark = "❌" if errors else ("⚠️" if result.findings else "✅")
    lines = [f"### {mark} phonejail check", "", summary(result), ""]
    ordered = sorted(result.findings, key=lambda f: (f.path, -f.severity.rank, f.line,
                                                     f.column))[:MOST_ROWS]
    for path, found in groupby(ordered, key=lambda f: f.path):
        lines += [f"**{markdown(path)}**", "", "| line | severity | rule | finding |",
                  "| ---: | --- | --- | --- |"]
        lines += [f"| {f.line}:{f.column} | {f.severity.value} | `{f.code}` {f.name} | "
                  f"{markdown(f.message)} |" for f in found]
        lines.append("")
    if len(result.findings) > MOST_ROWS:
        lines += [f"… and {len(result.findings) - MOST_ROWS} more: run `phonejail check` "
                  "for the full list.", ""]
    if result.findings:
        lines.append("`phonejail explain CODE` says why a rule matters and how to fix it.")
    return "\n".join(lines).rstrip("\n") + "\n"
