"""Checking a Monte-Carlo estimate against the exact figure, within sampling error.

Tolerance: 4 standard errors, computed from the exact distribution (shares,
means; the exact analysis also gives each per-call count's variance), so a
rare event the sample happened to miss is judged by how rare it really is.
Percentiles are checked through the exact CDF: the sampled pX must lie between
the exact quantiles at X/100 -/+ 4 standard errors of a proportion. The
sampled max must not exceed the exact max and must reach the exact quantile
at 1 - 10/n (missed with probability about e^-10).
"""

from __future__ import annotations

import math

import numpy as np

from phonejail.analysis.tally import PERCENTILE_SLACK, Figures

Z = 4.0


def _close(name: str, sampled: float, exact: float, se: float, errors: list[str]) -> None:
    if abs(sampled - exact) > Z * se + 1e-9:
        errors.append(f"{name}: sampled {sampled:.6g} vs exact {exact:.6g} (se {se:.3g})")


def _quantile(cdf: np.ndarray, q: float) -> int:
    q = min(max(q, 0.0), 1.0)
    return int(np.argmax(cdf >= q - PERCENTILE_SLACK)) if q > 0 else 0


def _distribution(name: str, mc: Figures, ex: Figures, hist: str, n: float,
                  errors: list[str]) -> None:
    exact_hist = np.array(getattr(ex, f"{hist}_hist"))
    summary_mc = getattr(mc, f"{hist}_to_human")
    summary_ex = getattr(ex, f"{hist}_to_human")
    if exact_hist.sum() <= 0 or n < 2:
        return
    pmf = exact_hist / exact_hist.sum()
    values = np.arange(pmf.size)
    sd = math.sqrt(float(((values - summary_ex.mean) ** 2 * pmf).sum()))
    _close(f"{name} mean", summary_mc.mean, summary_ex.mean, sd / math.sqrt(n), errors)
    cdf = np.cumsum(pmf)
    for q, got in ((0.5, summary_mc.p50), (0.9, summary_mc.p90)):
        delta = Z * math.sqrt(q * (1 - q) / n)
        low, high = _quantile(cdf, q - delta), _quantile(cdf, q + delta)
        if not low <= got <= high:
            errors.append(f"{name} p{int(q * 100)}: sampled {got} outside exact [{low}, {high}]")
    if not _quantile(cdf, 1 - 10 / n) <= summary_mc.max <= summary_ex.max:
        errors.append(f"{name} max: sampled {summary_mc.max} vs exact {summary_ex.max}")


def disagreements(mc: Figures, ex: Figures, calls: int) -> list[str]:
    """Every figure on which the Monte-Carlo estimate strays from the exact value."""
    errors: list[str] = []
    share = lambda p: math.sqrt(max(p * (1 - p), 0.0) / calls)  # noqa: E731
    for outcome, p in ex.outcomes.items():
        _close(f"outcome {outcome}", mc.outcomes[outcome], p, share(p), errors)
    for name in ("reached_human", "jail_rate", "calls_with_repeats", "unverified_resolutions"):
        p = getattr(ex, name)
        _close(name, getattr(mc, name), p, share(p), errors)
    for name in ("identity_prompts", "repeated_identity_prompts", "transfers", "call_seconds"):
        _close(name, getattr(mc, name), getattr(ex, name), ex.sd[name] / math.sqrt(calls),
               errors)
    reached_calls = mc.reached_human * calls
    if (mc.steps_to_human.mean is None) != (ex.steps_to_human.mean is None):
        if ex.reached_human * calls > 10:  # so rare that a sample may well have none
            errors.append(f"reached a human: sampled {mc.steps_to_human}, exact "
                          f"{ex.steps_to_human}")
        return errors
    for hist in ("steps", "seconds"):
        _distribution(f"{hist} to human", mc, ex, hist, reached_calls, errors)
    return errors
