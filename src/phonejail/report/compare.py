"""Two versions of a tree side by side: headline figures with deltas, findings added and removed."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from phonejail.findings import Finding
from phonejail.report.build import TreeReport
from phonejail.report.text import headlines, redials, value_text
from phonejail.textsafe import markdown, markdown_code, visible

# Whether a rise in a figure is bad (1) or good (-1) for callers.
WORSE_WHEN_HIGHER = {"jail_rate": 1, "reached_human": -1, "steps_to_human_mean": 1,
                     "steps_to_human_p90": 1, "seconds_to_human_mean": 1,
                     "seconds_to_human_p90": 1, "repeated_identity_prompts": 1,
                     "identity_prompts": 1, "transfers": 1, "call_seconds": 1,
                     "unverified_resolutions": 1, "journey_calls": 1,
                     "journey_resolved": -1, "journey_jail_rate": 1,
                     "journey_seconds": 1, "journey_identity_prompts": 1}


@dataclass(frozen=True)
class Row:
    label: str
    key: str
    old: float | None
    new: float | None
    unit: str

    @property
    def delta(self) -> float | None:
        return None if self.old is None or self.new is None else self.new - self.old

    @property
    def direction(self) -> int:
        """1 worse for callers, -1 better, 0 unchanged or unknown."""
        if not self.delta:
            return 0
        return WORSE_WHEN_HIGHER[self.key] * (1 if self.delta > 0 else -1)

    @property
    def old_text(self) -> str:
        return value_text(self.old, self.unit)

    @property
    def new_text(self) -> str:
        return value_text(self.new, self.unit)

    @property
    def delta_text(self) -> str:
        if self.delta is None:
            return "-"
        if self.unit == "share":
            return f"{100 * self.delta:+.1f} pts"
        if self.unit == "seconds":
            return f"{self.delta:+,.0f} s"
        return f"{self.delta:+.2f}"


@dataclass(frozen=True)
class Comparison:
    old_path: str
    new_path: str
    old_name: str
    new_name: str
    rows: tuple[Row, ...]
    added: tuple[Finding, ...]
    removed: tuple[Finding, ...]


def _key(f: Finding) -> tuple[str, str | None, str]:
    # Line numbers move when a tree is edited; the rule, node and message say what it is.
    return f.code, f.node, re.sub(r"\(line \d+\)", "", f.message)


def compare(old: TreeReport, new: TreeReport) -> Comparison:
    # Journey rows on both sides as soon as either tree redials (without, a journey is a call).
    journeys = redials(old) or redials(new)
    olds = {h.key: h for h in headlines(old, journeys)}
    news = {h.key: h for h in headlines(new, journeys)}
    keys = list(dict.fromkeys([*olds, *news]))
    rows = tuple(Row((olds.get(k) or news[k]).label, k,
                     olds[k].exact if k in olds else None,
                     news[k].exact if k in news else None,
                     (olds.get(k) or news[k]).unit) for k in keys)
    old_keys, new_keys = Counter(map(_key, old.findings)), Counter(map(_key, new.findings))
    added = tuple(f for f in new.findings if _take(old_keys, _key(f)) is False)
    removed = tuple(f for f in old.findings if _take(new_keys, _key(f)) is False)
    return Comparison(old.path, new.path, old.name, new.name, rows, added, removed)


def _take(counts: Counter, key: tuple) -> bool:
    """Match one finding against the other side; False if it has no partner there."""
    if counts[key] > 0:
        counts[key] -= 1
        return True
    return False


def to_dict(c: Comparison) -> dict[str, object]:
    return {
        "old": {"tree": c.old_path, "name": c.old_name},
        "new": {"tree": c.new_path, "name": c.new_name},
        "figures": {r.key: {"old": r.old, "new": r.new, "delta": r.delta,
                            "worse": r.direction == 1} for r in c.rows},
        "findings_added": [f.to_dict() for f in c.added],
        "findings_removed": [f.to_dict() for f in c.removed],
    }


def to_text(c: Comparison) -> str:
    width = max(len(r.label) for r in c.rows) if c.rows else 10
    lines = [f"{visible(c.old_name)} ({visible(c.old_path)}) -> {visible(c.new_name)} "
             f"({visible(c.new_path)}), exact figures", ""]
    lines.append(f"{'overall':<{width}}  {'before':>16}  {'after':>16}  {'change':>11}")
    for r in c.rows:
        mark = {1: "  worse", -1: "  better"}.get(r.direction, "")
        lines.append(f"{r.label:<{width}}  {r.old_text:>16}  {r.new_text:>16}  "
                     f"{r.delta_text:>11}{mark}")
    for title, found in (("Findings added", c.added), ("Findings removed", c.removed)):
        lines += ["", f"{title}: {len(found)}"]
        lines += [f"  {visible(f.path)}:{f.line}:{f.column}: {f.severity.value} {f.code} "
                  f"{f.name}: {visible(f.message)}" for f in found]
    return "\n".join(lines) + "\n"


def to_markdown(c: Comparison) -> str:
    lines = [f"### phonejail: {markdown(c.old_name)} -> {markdown(c.new_name)}", "",
             f"{markdown_code(c.old_path)} -> {markdown_code(c.new_path)} (exact figures)", "",
             "| overall | before | after | change |", "| --- | ---: | ---: | ---: |"]
    for r in c.rows:
        mark = {1: " (worse)", -1: " (better)"}.get(r.direction, "")
        lines.append(f"| {r.label} | {r.old_text} | {r.new_text} | {r.delta_text}{mark} |")
    for title, found in (("Findings added", c.added), ("Findings removed", c.removed)):
        lines += ["", f"**{title}: {len(found)}**", ""]
        lines += [f"- `{f.code}` {f.name} at {markdown_code(f.node or '')} (line {f.line}): "
                  f"{markdown(f.message)}" for f in found]
    return "\n".join(lines) + "\n"
