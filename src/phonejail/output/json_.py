"""The findings as a JSON list, with the field names DESIGN.md section 4 fixes."""

from __future__ import annotations

import json

from phonejail.lint import CheckResult


def render(result: CheckResult, **_: object) -> str:
    return json.dumps([f.to_dict() for f in result.findings], indent=2, ensure_ascii=False) + "\n"
