"""One accumulator for both engines, and the figures of docs/format.md derived from it.

A `Tally` holds what happened to a population of calls: the mass (exact
probability, or a count of simulated calls) of each outcome, histograms of
steps- and seconds-to-human over the calls that reached a human, and per-call
sums. The exact engine fills it with probabilities, Monte-Carlo with counts;
`figures()` turns either into the same record, so the two can only differ by
what they measured, never by how it is summarised.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

import numpy as np

from phonejail.analysis.chain import JAIL_OUTCOMES, OUTCOMES

if TYPE_CHECKING:
    from phonejail.analysis.journey import Journey

PERCENTILE_SLACK = 1e-12
"""pX is the smallest v with P(value <= v) >= X/100; exact sums may land 1e-16 short."""


@dataclass
class Tally:
    weight: float = 0.0
    """Total mass: 1.0 for an exact persona, the number of calls for a simulated one."""
    outcomes: np.ndarray = field(default_factory=lambda: np.zeros(len(OUTCOMES)))
    steps_hist: np.ndarray = field(default_factory=lambda: np.zeros(1))
    seconds_hist: np.ndarray = field(default_factory=lambda: np.zeros(1))
    prompts: float = 0.0
    repeats: float = 0.0
    transfers: float = 0.0
    with_repeat: float = 0.0
    # Sums of squares per call: exact second moments, or sample sums of squares.
    prompts_sq: float = 0.0
    repeats_sq: float = 0.0
    transfers_sq: float = 0.0
    call_seconds: float = 0.0
    """Seconds of whole calls: every step's prompt and every agent's hold."""
    call_seconds_sq: float = 0.0
    unverified: float = 0.0
    """Mass of calls resolved on a sensitive intent with no identity fact given."""
    jailed_prompts: float = 0.0
    """Identity prompts summed over the calls that end in jail (they are redialled): with
    `prompts` and `prompts_sq`, the moments of a journey's prompts (analysis.journey)."""
    jailed_call_seconds: float = 0.0
    """Call seconds summed over the calls that end in jail: the same, for a journey's seconds."""

    def add_hist(self, name: str, values: np.ndarray, weights: np.ndarray) -> None:
        """Add `weights` at integer `values` to histogram `name` ('steps' or 'seconds')."""
        if values.size == 0:
            return
        attr = f"{name}_hist"
        hist = getattr(self, attr)
        grown = np.bincount(values, weights=weights, minlength=hist.size)
        grown[: hist.size] += hist
        setattr(self, attr, grown)

    def scaled(self, factor: float) -> Tally:
        return Tally(**{f.name: getattr(self, f.name) * factor for f in fields(self)})

    def __add__(self, other: Tally) -> Tally:
        def hist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            out = np.zeros(max(a.size, b.size))
            out[: a.size] += a
            out[: b.size] += b
            return out

        return Tally(**{
            f.name: (hist if f.name.endswith("_hist") else lambda a, b: a + b)(
                getattr(self, f.name), getattr(other, f.name))
            for f in fields(self)})


@dataclass(frozen=True)
class Summary:
    """mean, p50, p90 and max of a distribution over calls that reached a human."""

    mean: float | None
    p50: int | None
    p90: int | None
    max: int | None


@dataclass(frozen=True)
class Figures:
    """Every figure the contract (docs/report.md) asks of a persona or of the whole population."""

    outcomes: dict[str, float]
    reached_human: float
    jail_rate: float
    steps_to_human: Summary
    seconds_to_human: Summary
    identity_prompts: float
    repeated_identity_prompts: float
    calls_with_repeats: float
    transfers: float
    unverified_resolutions: float = 0.0
    """Share of calls resolved on a sensitive intent with no identity fact given."""
    call_seconds: float = 0.0
    """Mean seconds of a whole call (prompts and holds), over every call."""
    stderr: dict[str, object] | None = None
    """Standard errors of the Monte-Carlo estimates (None for exact figures)."""
    sd: dict[str, float] | None = None
    """Standard deviation of one call's identity prompts, repeats and transfers."""
    steps_hist: tuple[float, ...] = ()
    """P(steps-to-human = k) for k = 0, 1, ... (unconditional: sums to reached_human)."""
    seconds_hist: tuple[float, ...] = ()
    journey: Journey | None = None
    """A caller's calls together (set by `simulate.run`; analysis.journey)."""


def _summary(hist: np.ndarray) -> tuple[Summary, float | None]:
    """The summary of a histogram, and the standard deviation of one draw from it."""
    total = hist.sum()
    if total <= 0:
        return Summary(None, None, None, None), None
    values = np.arange(hist.size)
    pmf = hist / total
    mean = float((values * pmf).sum())
    sd = float(math.sqrt(max(((values - mean) ** 2 * pmf).sum(), 0.0)))
    cdf = np.cumsum(pmf)

    def quantile(q: float) -> int:
        return int(np.argmax(cdf >= q - PERCENTILE_SLACK))

    return Summary(mean, quantile(0.5), quantile(0.9), int(np.flatnonzero(hist > 0)[-1])), sd


def _share_se(p: float, n: float) -> float:
    return math.sqrt(max(p * (1.0 - p), 0.0) / n) if n > 0 else math.nan


def _mean_se(total: float, total_sq: float, n: float) -> float:
    if n <= 1:
        return math.nan
    mean = total / n
    variance = max(total_sq / n - mean * mean, 0.0) * n / (n - 1)
    return math.sqrt(variance / n)


def figures(tally: Tally, sampled: bool) -> Figures:
    """The figures of a tally; with standard errors if it counts sampled calls."""
    w = tally.weight
    shares = tally.outcomes / w if w > 0 else np.zeros(len(OUTCOMES))
    outcomes = {name: float(v) for name, v in zip(OUTCOMES, shares, strict=True)}
    reached = float(tally.steps_hist.sum() / w) if w > 0 else 0.0
    steps, steps_sd = _summary(tally.steps_hist)
    seconds, seconds_sd = _summary(tally.seconds_hist)
    jail = sum(outcomes[name] for name in JAIL_OUTCOMES)
    stderr = None
    if sampled:
        n_human = float(tally.steps_hist.sum())
        stderr = {
            "outcomes": {k: _share_se(v, w) for k, v in outcomes.items()},
            "reached_human": _share_se(reached, w),
            "jail_rate": _share_se(jail, w),
            "steps_to_human_mean": steps_sd / math.sqrt(n_human) if steps_sd is not None
            and n_human > 1 else None,
            "seconds_to_human_mean": seconds_sd / math.sqrt(n_human) if seconds_sd is not None
            and n_human > 1 else None,
            "identity_prompts": _mean_se(tally.prompts, tally.prompts_sq, w),
            "repeated_identity_prompts": _mean_se(tally.repeats, tally.repeats_sq, w),
            "calls_with_repeats": _share_se(tally.with_repeat / w if w else 0.0, w),
            "transfers": _mean_se(tally.transfers, tally.transfers_sq, w),
            "unverified_resolutions": _share_se(tally.unverified / w if w else 0.0, w),
            "call_seconds": _mean_se(tally.call_seconds, tally.call_seconds_sq, w),
        }
    per_call = (lambda x: x / w) if w > 0 else (lambda x: 0.0)
    sd = {name: math.sqrt(max(per_call(sq) - per_call(total) ** 2, 0.0))
          for name, total, sq in (("identity_prompts", tally.prompts, tally.prompts_sq),
                                  ("repeated_identity_prompts", tally.repeats,
                                   tally.repeats_sq),
                                  ("transfers", tally.transfers, tally.transfers_sq),
                                  ("call_seconds", tally.call_seconds,
                                   tally.call_seconds_sq))}
    return Figures(
        outcomes=outcomes, reached_human=reached, jail_rate=jail,
        steps_to_human=steps, seconds_to_human=seconds,
        identity_prompts=per_call(tally.prompts),
        repeated_identity_prompts=per_call(tally.repeats),
        calls_with_repeats=per_call(tally.with_repeat),
        transfers=per_call(tally.transfers),
        unverified_resolutions=per_call(tally.unverified),
        call_seconds=per_call(tally.call_seconds), stderr=stderr, sd=sd,
        steps_hist=tuple(float(x) for x in (tally.steps_hist / w if w else tally.steps_hist)),
        seconds_hist=tuple(float(x) for x in (tally.seconds_hist / w if w
                                               else tally.seconds_hist)),
    )
