"""Words and numbers shared by the HTML, Markdown and JSON reports: one phrasing everywhere."""

from __future__ import annotations

from dataclasses import dataclass

from phonejail.analysis.tally import Figures
from phonejail.report.build import FixFirst, TreeReport
from phonejail.report.figures import share_text


@dataclass(frozen=True)
class Headline:
    label: str
    key: str
    exact: float | None
    sampled: float | None
    stderr: float | None
    unit: str
    """'share', 'steps', 'seconds' or 'count'."""


def _mean_se(f: Figures | None, key: str) -> float | None:
    if f is None or not f.stderr:
        return None
    value = f.stderr.get(key)
    return value if isinstance(value, float) else None


def headlines(r: TreeReport) -> list[Headline]:
    """The figures a designer looks at first, exact and estimated, overall."""
    if r.exact is None:
        return []
    e = r.exact.overall.figures
    s = r.sampled.overall.figures if r.sampled else None

    def pick(f: Figures | None, getter) -> float | None:
        return None if f is None else getter(f)

    rows = [
        ("jail rate", "jail_rate", lambda f: f.jail_rate, "share", "jail_rate"),
        ("reached a human", "reached_human", lambda f: f.reached_human, "share",
         "reached_human"),
        ("steps to a human, mean", "steps_to_human_mean", lambda f: f.steps_to_human.mean,
         "steps", "steps_to_human_mean"),
        ("steps to a human, p90", "steps_to_human_p90", lambda f: f.steps_to_human.p90,
         "steps", None),
        ("seconds to a human, mean", "seconds_to_human_mean",
         lambda f: f.seconds_to_human.mean, "seconds", "seconds_to_human_mean"),
        ("seconds to a human, p90", "seconds_to_human_p90", lambda f: f.seconds_to_human.p90,
         "seconds", None),
        ("repeated identity prompts per call", "repeated_identity_prompts",
         lambda f: f.repeated_identity_prompts, "count", "repeated_identity_prompts"),
        ("identity prompts per call", "identity_prompts", lambda f: f.identity_prompts,
         "count", "identity_prompts"),
        ("transfers per call", "transfers", lambda f: f.transfers, "count", "transfers"),
    ]
    return [Headline(label, key, pick(e, get), pick(s, get), _mean_se(s, se) if se else None,
                     unit) for label, key, get, unit, se in rows]


def value_text(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "share":
        return share_text(value)
    if unit == "seconds":
        minutes, seconds = divmod(round(value), 60)
        return f"{value:,.0f} s ({minutes}:{seconds:02d})"
    if unit == "steps":
        return f"{value:.1f}" if isinstance(value, float) and not value.is_integer() else \
            f"{value:.0f}"
    return f"{value:.2f}"


def estimate_text(h: Headline) -> str:
    if h.sampled is None:
        return "-"
    text = value_text(h.sampled, h.unit)
    if h.stderr is not None:
        spread = share_text(h.stderr) if h.unit == "share" else f"{h.stderr:.2f}"
        text += f" ± {spread}"
    return text


def fix_first_text(x: FixFirst, r: TreeReport) -> str:
    """'PJ103 identity-gate at ask_phone: every call passes here; shuts out ...'."""
    f = x.finding
    head = f"{f.code} {f.name} at '{f.node}'"
    reach = ("every call passes here" if x.overall >= 0.999995
             else f"{share_text(x.overall)} of calls pass here")
    if x.shut_out and r.exact is not None:
        shut = [(p.name, p.share) for p in r.exact.personas if p.name in x.shut_out]
        if shut:
            names = ", ".join(name for name, _ in shut)
            reach += (f"; it shuts out {share_text(sum(s for _, s in shut))} of callers "
                      f"({names}), who never reach a human")
    return f"{head}: {reach}"


def persona_breakdown(x: FixFirst) -> str:
    return ", ".join(f"{name} {share_text(p)}" for name, p in x.personas)
