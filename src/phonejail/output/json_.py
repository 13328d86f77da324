"""The findings as a JSON list, with the field names the README documents (`phonejail check`)."""

from __future__ import annotations

from phonejail.lint import CheckResult
from phonejail.textsafe import json_text


def render(result: CheckResult, **_: object) -> str:
    return json_text([f.to_dict() for f in result.findings]) + "\n"
