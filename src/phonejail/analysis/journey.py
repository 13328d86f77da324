"""Journeys: one caller's calls together, when a persona redials after a call ends in jail.

A persona with `redials: r` whose call ends dead_end, abandoned or unresolved
calls again from the start, at most r more times (docs/format.md, "Redials").
Each call starts afresh (facts given, failures and steps reset), so the calls
of a journey are independent draws of the same call, and a journey stops at
its first call that ends out of jail. With per-call jail rate j and resolved
share rho:

- journey jail rate           j^(r+1)                  (every call jailed)
- calls per journey           sum_{k=0..r} j^k         (call k+1 happens iff k calls jailed)
- resolved within k calls     rho sum_{i<k} j^i
- a per-call count X summed   E[X] sum_{k=0..r} j^k    (Wald: call k+1's X does not
  over the journey (identity                            depend on whether it is made)
  prompts, call seconds)

The variance of a journey sum S_r = X + J S'_{r-1} (J: the call is jailed, S'
an independent journey with one redial fewer) follows from E[X], E[X^2] and
E[X J] by the same recursion: E[S_r^2] = E[X^2] + 2 E[XJ] E[S_{r-1}] + j E[S_{r-1}^2].
The exact analysis feeds it exact moments; Monte-Carlo, which simulates the
redials as further rounds of calls, uses it only for standard errors.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from phonejail.analysis.chain import JAIL_OUTCOMES, OUTCOMES
from phonejail.analysis.tally import Tally

_RESOLVED = OUTCOMES.index("resolved")
_JAILED = [OUTCOMES.index(name) for name in JAIL_OUTCOMES]


@dataclass(frozen=True)
class Journey:
    """A caller's calls together (docs/format.md, "Redials and journeys": means per
    journey, shares of journeys)."""

    redials: int
    calls: float
    """Mean calls per journey (1 without redials)."""
    resolved: float
    """Share of journeys in which some call is resolved."""
    jail_rate: float
    """Share of journeys whose every call (the last allowed included) ends in jail."""
    identity_prompts: float
    """Mean identity prompts over all calls of a journey."""
    seconds: float
    """Mean seconds over all calls of a journey (whole calls: prompts and holds)."""
    resolved_by_call: tuple[float, ...]
    """Share of journeys resolved within 1, 2, ..., redials + 1 calls."""
    sd: dict[str, float]
    """Standard deviation of one journey's calls, identity prompts and seconds."""
    stderr: dict[str, float] | None = None
    """Standard errors of the Monte-Carlo estimates (None for exact figures)."""

    def to_dict(self) -> dict[str, object]:
        return {"calls": self.calls, "resolved": self.resolved, "jail_rate": self.jail_rate,
                "seconds": self.seconds, "identity_prompts": self.identity_prompts,
                "resolved_by_call": list(self.resolved_by_call)}


@dataclass(frozen=True)
class _Moments:
    """E[X], E[X^2] and E[X J] of one call's count X (J: the call ends in jail)."""

    mean: float
    square: float
    jailed: float


def _journey_moments(call: _Moments, jail: float, redials: int) -> tuple[float, float]:
    """E[S], E[S^2] of X summed over a journey with `redials` redials."""
    mean, square = call.mean, call.square
    for _ in range(redials):
        mean, square = (call.mean + jail * mean,
                        call.square + 2.0 * call.jailed * mean + jail * square)
    return mean, square


def _sd(mean: float, square: float) -> float:
    return math.sqrt(max(square - mean * mean, 0.0))


def _call_moments(tally: Tally) -> tuple[float, float, _Moments, _Moments]:
    """Per call: jail rate, resolved share and the moments of identity prompts and seconds."""
    w = tally.weight
    jail = float(tally.outcomes[_JAILED].sum() / w)
    resolved = float(tally.outcomes[_RESOLVED] / w)
    prompts = _Moments(tally.prompts / w, tally.prompts_sq / w, tally.jailed_prompts / w)
    seconds = _Moments(tally.call_seconds / w, tally.call_seconds_sq / w,
                       tally.jailed_call_seconds / w)
    return jail, resolved, prompts, seconds


def exact_journey(tally: Tally, redials: int) -> Journey:
    """The journey of a persona from the exact tally of one call (total mass 1)."""
    jail, resolved, prompts, seconds = _call_moments(tally)
    calls, calls_sq = _journey_moments(_Moments(1.0, 1.0, jail), jail, redials)
    prompt_mean, prompt_sq = _journey_moments(prompts, jail, redials)
    second_mean, second_sq = _journey_moments(seconds, jail, redials)
    within = np.cumsum(jail ** np.arange(redials + 1)) * resolved
    return Journey(redials, calls, float(within[-1]), jail ** (redials + 1), prompt_mean,
                   second_mean, tuple(float(x) for x in within),
                   {"calls": _sd(calls, calls_sq), "identity_prompts": _sd(prompt_mean, prompt_sq),
                    "seconds": _sd(second_mean, second_sq)})


def sampled_journey(rounds: Sequence[Tally], callers: int, redials: int) -> Journey:
    """The journey of a persona from Monte-Carlo rounds: round k holds the (k+1)-th calls of
    the journeys whose first k calls were jailed; `callers` journeys in all."""
    n = float(callers)
    if n <= 0:
        empty = tuple(0.0 for _ in range(redials + 1))
        return Journey(redials, 0.0, 0.0, 0.0, 0.0, 0.0, empty,
                       {"calls": 0.0, "identity_prompts": 0.0, "seconds": 0.0},
                       {"calls": math.nan, "resolved": math.nan, "jail_rate": math.nan,
                        "identity_prompts": math.nan, "seconds": math.nan})
    made = [t.weight for t in rounds] + [0.0] * (redials + 1 - len(rounds))
    resolved_each = [float(t.outcomes[_RESOLVED]) for t in rounds]
    resolved_each += [0.0] * (redials + 1 - len(resolved_each))
    last = rounds[redials] if len(rounds) > redials else None
    jailed_at_last = float(last.outcomes[_JAILED].sum()) if last is not None else 0.0
    total = sum(rounds[1:], rounds[0]) if rounds else Tally()
    calls = sum(made) / n
    # A journey takes part in round k iff it made k calls before: sum N^2 = sum (2k+1) made_k.
    calls_sq = sum((2 * k + 1) * m for k, m in enumerate(made)) / n
    within = tuple(float(x) / n for x in np.cumsum(resolved_each))
    resolved = within[-1]
    jail = jailed_at_last / n
    prompts = total.prompts / n
    seconds = total.call_seconds / n
    # Standard errors of the journey means: the journey variance from the sampled per-call
    # moments (the recursion above), over sqrt(journeys).
    prompt_sd = second_sd = 0.0
    if total.weight > 0:
        call_jail, _, call_prompts, call_seconds = _call_moments(total)
        prompt_sd = _sd(*_journey_moments(call_prompts, call_jail, redials))
        second_sd = _sd(*_journey_moments(call_seconds, call_jail, redials))
    share_se = lambda p: math.sqrt(max(p * (1.0 - p), 0.0) / n)  # noqa: E731
    calls_sd = _sd(calls, calls_sq)
    return Journey(redials, calls, resolved, jail, prompts, seconds, within,
                   {"calls": calls_sd, "identity_prompts": prompt_sd, "seconds": second_sd},
                   {"calls": calls_sd / math.sqrt(n), "resolved": share_se(resolved),
                    "jail_rate": share_se(jail),
                    "identity_prompts": prompt_sd / math.sqrt(n),
                    "seconds": second_sd / math.sqrt(n)})


def mixed(journeys: Sequence[Journey], shares: Sequence[float], sampled: bool,
          callers: int | None = None) -> Journey:
    """The population's journey: personas' journeys weighted by their (normalised) shares.

    Resolved-within-k is held at a persona's last value past its own last call. Standard
    errors (Monte-Carlo) come from the pooled journeys: the mixture's variance over sqrt(n).
    """
    longest = max((j.redials for j in journeys), default=0)

    def padded(j: Journey) -> list[float]:
        tail = j.resolved_by_call[-1] if j.resolved_by_call else 0.0
        return list(j.resolved_by_call) + [tail] * (longest + 1 - len(j.resolved_by_call))

    def mean(name: str) -> float:
        return sum(w * getattr(j, name) for j, w in zip(journeys, shares, strict=True))

    def sd(name: str) -> float:
        square = sum(w * (j.sd[name] ** 2 + getattr(j, name) ** 2)
                     for j, w in zip(journeys, shares, strict=True))
        return _sd(mean(name), square)

    within = tuple(sum(w * padded(j)[k] for j, w in zip(journeys, shares, strict=True))
                   for k in range(longest + 1))
    sds = {"calls": sd("calls"), "identity_prompts": sd("identity_prompts"),
           "seconds": sd("seconds")}
    stderr = None
    if sampled and callers:
        n = float(callers)
        share_se = lambda p: math.sqrt(max(p * (1.0 - p), 0.0) / n)  # noqa: E731
        stderr = {"calls": sds["calls"] / math.sqrt(n), "resolved": share_se(mean("resolved")),
                  "jail_rate": share_se(mean("jail_rate")),
                  "identity_prompts": sds["identity_prompts"] / math.sqrt(n),
                  "seconds": sds["seconds"] / math.sqrt(n)}
    return Journey(longest, mean("calls"), mean("resolved"), mean("jail_rate"),
                   mean("identity_prompts"), mean("seconds"), within, sds, stderr)
