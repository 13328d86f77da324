"""Two versions of a tree side by side, and the gate on them: headline figures with deltas,
the figures that got worse beyond their thresholds, findings added and removed.

NEW fails the gate (docs/configuration.md, "compare") when it does not load, when its
exact figures cannot be had though OLD's could, when an exact figure of all calls or of
a persona in both versions got worse by more than its threshold, or when it adds
findings at `--fail-on`. Findings are matched by what they are about (`Finding.identity`:
rule, node, fact, persona, part), never by their message or line. An OLD that does not
load is compared against nothing: every finding of NEW is new, no figure can regress.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from phonejail.analysis.tally import Figures
from phonejail.defaults import COMPARE_LIMITS
from phonejail.findings import Finding
from phonejail.lint import CheckResult
from phonejail.report.build import TreeReport
from phonejail.report.text import headlines, redials, value_text
from phonejail.textsafe import display_width, markdown, markdown_code, pad, visible

# Whether a rise in a figure is bad (1) or good (-1) for callers.
WORSE_WHEN_HIGHER = {"jail_rate": 1, "reached_human": -1, "steps_to_human_mean": 1,
                     "steps_to_human_p90": 1, "seconds_to_human_mean": 1,
                     "seconds_to_human_p90": 1, "repeated_identity_prompts": 1,
                     "identity_prompts": 1, "transfers": 1, "call_seconds": 1,
                     "unverified_resolutions": 1, "journey_calls": 1,
                     "journey_resolved": -1, "journey_jail_rate": 1,
                     "journey_seconds": 1, "journey_identity_prompts": 1}


@dataclass(frozen=True)
class Gated:
    """A figure the gate judges: its key, label, unit, threshold setting and value."""

    key: str
    label: str
    unit: str
    setting: str
    value: Callable[[Figures], float | None]


GATED = (
    Gated("jail_rate", "jail rate", "share", "max-regression", lambda f: f.jail_rate),
    Gated("reached_human", "reached a human", "share", "max-reached-human-regression",
          lambda f: f.reached_human),
    Gated("steps_to_human_mean", "mean steps to a human", "steps",
          "max-steps-to-human-regression", lambda f: f.steps_to_human.mean),
    Gated("seconds_to_human_mean", "mean seconds to a human", "seconds",
          "max-seconds-to-human-regression", lambda f: f.seconds_to_human.mean),
)
"""Judged overall and for every persona both versions have (by name). The thresholds are
in points for shares (1.0: one percentage point), steps, or seconds."""


def _change_text(change: float, unit: str) -> str:
    """A change as the thresholds are written: '+19.8 pts', '+1.20 steps', '+45 s'."""
    if unit == "share":
        return f"{change:+.1f} pts" if abs(change) >= 0.1 or change == 0 else f"{change:+.2f} pts"
    if unit == "seconds":
        return f"{change:+,.0f} s"
    return f"{change:+.2f} steps"


def _limit_text(limit: float, unit: str) -> str:
    """A threshold as configured: '1 pts', '30 s', '1 step'."""
    if unit == "steps":
        return f"{limit:g} step{'s' * (limit != 1)}"
    return f"{limit:g} {'pts' if unit == 'share' else 's'}"


@dataclass(frozen=True)
class Regression:
    """An exact figure of NEW worse than OLD's by more than its threshold."""

    key: str
    label: str
    persona: str | None
    """The persona's name; None: all calls."""
    old: float
    new: float
    unit: str
    setting: str
    limit: float

    @property
    def moved(self) -> float:
        """NEW minus OLD in the threshold's unit (points for a share)."""
        return (self.new - self.old) * (100 if self.unit == "share" else 1)

    @property
    def change(self) -> float:
        """How much worse, in the threshold's unit."""
        return self.moved * WORSE_WHEN_HIGHER[self.key]

    @property
    def whose(self) -> str:
        return "all calls" if self.persona is None else f"persona '{self.persona}'"

    def text(self) -> str:
        """"persona 'caregiver': jail rate 0.20% -> 20.0% (+19.8 pts, more than
        max-regression 1 pts)"."""
        return (f"{self.whose}: {self.label} {value_text(self.old, self.unit)} -> "
                f"{value_text(self.new, self.unit)} ({_change_text(self.moved, self.unit)}, "
                f"more than {self.setting} {_limit_text(self.limit, self.unit)})")

    def to_dict(self) -> dict[str, object]:
        return {"figure": self.key, "persona": self.persona, "old": self.old, "new": self.new,
                "worse_by": round(self.change, 9), "setting": self.setting,
                "limit": self.limit}


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
        if self.delta is None or abs(self.delta) < 1e-9:  # float noise is no change
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
    regressions: tuple[Regression, ...] = ()
    limits: Mapping[str, float] = field(default_factory=lambda: dict(COMPARE_LIMITS))
    broken: str | None = None
    """Why NEW fails the gate whatever its findings: it does not load, or its exact figures
    cannot be had though OLD's could. None: NEW was judged."""
    note: str | None = None
    """What the comparison could not judge and why (OLD does not load, no figures)."""
    new_loads: bool = True

    @property
    def sections(self) -> tuple[tuple[str, tuple[Finding, ...]], ...]:
        """The findings shown, titled: a NEW that does not load has only its format errors,
        which are all new, and OLD's findings are not "removed" by it."""
        if not self.new_loads:
            return (("Findings of NEW (it does not load)", self.added),)
        return ("Findings added", self.added), ("Findings removed", self.removed)

    def fails(self, fail_on: str) -> bool:
        """NEW is worse: broken, a figure regressed, or a finding at `fail_on` was added."""
        return (self.broken is not None or bool(self.regressions)
                or CheckResult((self.new_path,), self.added).fails(fail_on))


def compare(old: TreeReport, new: TreeReport,
            limits: Mapping[str, float] | None = None) -> Comparison:
    """OLD against NEW; `limits` are the thresholds of `GATED` (defaults.COMPARE_LIMITS)."""
    limits = {**COMPARE_LIMITS, **(limits or {})}
    # Journey rows on both sides as soon as either tree redials (without, a journey is a call).
    journeys = redials(old) or redials(new)
    olds = {h.key: h for h in headlines(old, journeys)}
    news = {h.key: h for h in headlines(new, journeys)}
    keys = list(dict.fromkeys([*olds, *news]))
    rows = tuple(Row((olds.get(k) or news[k]).label, k,
                     olds[k].exact if k in olds else None,
                     news[k].exact if k in news else None,
                     (olds.get(k) or news[k]).unit) for k in keys)
    broken, note = _standing(old, new)
    added = _unmatched(new.findings, old.findings)
    removed = _unmatched(old.findings, new.findings) if new.tree is not None else ()
    return Comparison(old.path, new.path, old.name, new.name, rows, added, removed,
                      _regressions(old, new, limits), limits, broken, note,
                      new_loads=new.tree is not None)


def _standing(old: TreeReport, new: TreeReport) -> tuple[str | None, str | None]:
    """(why NEW fails whatever else, what cannot be judged) from which sides have figures."""
    if new.tree is None:
        return f"NEW ({new.path}) does not load: {new.refused}", None
    if old.tree is None:
        return None, (f"OLD ({old.path}) does not load ({old.refused}): NEW is compared "
                      "against nothing, so every finding of NEW is new and no figure can "
                      "regress")
    if new.exact is None and old.exact is not None:
        return f"NEW's exact figures cannot be had ({new.refused}); OLD's could", None
    if new.exact is None or old.exact is None:
        side = "either version" if new.exact is None else "OLD"
        why = old.refused if old.exact is None else new.refused
        return None, f"no exact figures for {side} ({why}): figures not compared"
    return None, None


def _unmatched(these: tuple[Finding, ...], others: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """The findings of `these` with no partner of the same identity among `others` (two
    alike on one side are matched one for one)."""
    partners = Counter(f.identity for f in others)
    unmatched = []
    for f in these:
        if partners[f.identity] > 0:
            partners[f.identity] -= 1
        else:
            unmatched.append(f)
    return tuple(unmatched)


def _regressions(old: TreeReport, new: TreeReport,
                 limits: Mapping[str, float]) -> tuple[Regression, ...]:
    if old.exact is None or new.exact is None:
        return ()
    pairs: list[tuple[str | None, Figures, Figures]] = [
        (None, old.exact.overall.figures, new.exact.overall.figures)]
    olds = {p.name: p.figures for p in old.exact.personas}
    pairs += [(p.name, olds[p.name], p.figures) for p in new.exact.personas if p.name in olds]
    found = []
    for gated in GATED:
        limit = limits[gated.setting]
        for persona, before, after in pairs:
            a, b = gated.value(before), gated.value(after)
            if a is None or b is None:
                continue  # no caller reached a human on one side: its share says so
            r = Regression(gated.key, gated.label, persona, a, b, gated.unit, gated.setting,
                           limit)
            # Rounded: exact figures carry float noise, and 0.2% -> 1.2% is 1 point, not more.
            if round(r.change, 9) > limit:
                found.append(r)
    return tuple(found)


def to_dict(c: Comparison) -> dict[str, object]:
    return {
        "old": {"tree": c.old_path, "name": c.old_name},
        "new": {"tree": c.new_path, "name": c.new_name},
        "new_loads": c.new_loads,
        "broken": c.broken,
        "note": c.note,
        "figures": {r.key: {"old": r.old, "new": r.new, "delta": r.delta,
                            "worse": r.direction == 1} for r in c.rows},
        "limits": dict(c.limits),
        "regressions": [r.to_dict() for r in c.regressions],
        "findings_added": [f.to_dict() for f in c.added],
        "findings_removed": [f.to_dict() for f in c.removed],
    }


def _verdict_lines(c: Comparison) -> list[str]:
    """The gate's half of the text: why NEW is broken, what regressed, or that nothing did."""
    lines = []
    if c.broken:
        lines += ["", f"NEW fails: {c.broken}"]
    if c.note:
        lines += ["", f"Note: {c.note}"]
    if c.regressions:
        lines += ["", f"Regressions: {len(c.regressions)}"]
        lines += [f"  {visible(r.text())}" for r in c.regressions]
    elif c.broken is None and c.note is None:
        within = ", ".join(f"{g.label} {_limit_text(c.limits[g.setting], g.unit)}"
                           for g in GATED)
        lines += ["", f"Regressions: none beyond the thresholds ({within})"]
    return lines


def to_text(c: Comparison) -> str:
    width = max(display_width(r.label) for r in c.rows) if c.rows else 10
    lines = [f"{visible(c.old_name)} ({visible(c.old_path)}) -> {visible(c.new_name)} "
             f"({visible(c.new_path)}), exact figures"]
    if c.rows:
        lines += ["", f"{'overall':<{width}}  {'before':>16}  {'after':>16}  {'change':>11}"]
    for r in c.rows:
        mark = {1: "  worse", -1: "  better"}.get(r.direction, "")
        lines.append(f"{pad(r.label, width)}  {r.old_text:>16}  {r.new_text:>16}  "
                     f"{r.delta_text:>11}{mark}")
    lines += _verdict_lines(c)
    for title, found in c.sections:
        lines += ["", f"{title}: {len(found)}"]
        lines += [f"  {visible(f.path)}:{f.line}:{f.column}: {f.severity.value} {f.code} "
                  f"{f.name}: {visible(f.message)}" for f in found]
    return "\n".join(lines) + "\n"


def to_markdown(c: Comparison) -> str:
    lines = [f"### phonejail: {markdown(c.old_name)} -> {markdown(c.new_name)}", "",
             f"{markdown_code(c.old_path)} -> {markdown_code(c.new_path)} (exact figures)"]
    if c.rows:
        lines += ["", "| overall | before | after | change |", "| --- | ---: | ---: | ---: |"]
    for r in c.rows:
        mark = {1: " (worse)", -1: " (better)"}.get(r.direction, "")
        lines.append(f"| {r.label} | {r.old_text} | {r.new_text} | {r.delta_text}{mark} |")
    if c.broken:
        lines += ["", f"**NEW fails:** {markdown(c.broken)}"]
    if c.note:
        lines += ["", f"Note: {markdown(c.note)}"]
    if c.regressions:
        lines += ["", f"**Regressions: {len(c.regressions)}**", ""]
        lines += [f"- {markdown(r.text())}" for r in c.regressions]
    elif c.broken is None and c.note is None:
        lines += ["", "**Regressions: none** beyond the thresholds"]
    for title, found in c.sections:
        lines += ["", f"**{title}: {len(found)}**", ""]
        lines += [f"- `{f.code}` {f.name} at {markdown_code(f.node or '')} (line {f.line}): "
                  f"{markdown(f.message)}" for f in found]
    return "\n".join(lines) + "\n"
