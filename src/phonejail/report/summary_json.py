"""summary.json: the exact simulate JSON, the Monte-Carlo run beside it, findings, fix-first."""

from __future__ import annotations

from typing import Any

from phonejail.report.build import TreeReport
from phonejail.report.compare import Comparison
from phonejail.report.compare import to_dict as comparison_dict
from phonejail.simulate.render import to_dict as simulation_dict
from phonejail.textsafe import json_text

DIGITS = 9
"""Floats are rounded to 9 decimals: stable across platforms, far below any real difference."""


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, DIGITS)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def summary(r: TreeReport, comparison: Comparison | None = None) -> str:
    data: dict[str, Any] = {"tree": r.path, "name": r.name, "refused": r.refused}
    if r.exact is not None:
        data.update(simulation_dict(r.exact))
    if r.exact is not None or r.sampled is not None:  # past the state budget: sampled only
        data["montecarlo"] = simulation_dict(r.sampled) if r.sampled else None
    data["findings"] = [f.to_dict() for f in r.findings]
    data["fix_first"] = [{"code": x.finding.code, "node": x.finding.node,
                          "line": x.finding.line, "severity": x.finding.severity.value,
                          "message": x.finding.message, "fact": x.finding.fact,
                          "persona": x.finding.persona, "part": x.finding.part,
                          "lost_here": x.lost,
                          "asked_again_here": x.asked_again, "share_of_calls": x.overall,
                          "per_persona": dict(x.personas)} for x in r.fix_first]
    if comparison is not None:
        data["comparison"] = comparison_dict(comparison)
    return json_text(_rounded(data)) + "\n"
