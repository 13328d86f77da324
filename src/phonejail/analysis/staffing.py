"""Staffed agent queues: Erlang C (M/M/N) and Erlang A (M/M/N+M), numerically stable.

A queue named under `queues` has N agents, Poisson arrivals at rate lambda
(`calls_per_hour`), exponential handle times of mean 1/mu (`handle_seconds`)
and, with `patience_seconds`, exponential patience in the queue of mean 1/theta
(Erlang A); without it callers never leave the queue (Erlang C). The figures
are the model's steady state (docs/format.md, "Queues"):

- `offered_erlangs`  A = lambda / mu
- `utilisation`      share of agent time busy: A (1 - abandon) / N
- `wait_seconds`     mean wait of the callers who are served (those who abandon
                     are not counted; with Erlang C every caller is served, so
                     it is the mean wait of all callers, zero waits included)
- `abandon`          share of arriving callers who hang up in the queue

How it is computed, so that 500 agents neither overflow nor lose digits:
Erlang B comes from its recursion B(n) = A B(n-1) / (n + A B(n-1)), which only
ever multiplies numbers below 1. Above N busy agents the birth-death chain of
Erlang A has pi(N+j) = pi(N) t_j with t_j = prod_{k=1..j} b / (a + k),
a = N mu / theta and b = lambda / theta; the sum S of the t_j is the series of
the lower incomplete gamma function, S = a e^b b^-a gamma(a, b). It is summed
term by term in log-space (each term kept relative to the largest so far), and
every figure is written as a ratio of such sums, never as a difference:
P(wait) = B S / (1 - B + B S), abandon = P(wait) (sum j t_j / S) / b (Little's
law: theta E[queue] = lambda abandon), and, since a caller with j callers
ahead is served with chance a / (a + j + 1) after a wait whose mean is the sum
of 1 / (theta (a + i + 1)), i = 0..j, regardless of how it ends, the mean wait
of served callers follows from one more series of positive terms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from phonejail.model.tree import Queue

_TAIL = 1e-17
"""Stop a series once the bound on its remaining terms is this small relative to its sum."""
MAX_TERMS = 5_000_000
"""Far beyond any contact centre (b - a is the excess load times mean patience)."""


class UnstableQueue(ValueError):
    """Erlang C with offered load at or above the agents: the queue grows without end."""


@dataclass(frozen=True)
class QueueFigures:
    offered_erlangs: float
    utilisation: float
    wait_seconds: float
    """Mean wait in the queue of the callers who are served, in seconds (not rounded)."""
    abandon: float
    """Share of arriving callers who hang up while waiting (0 without patience_seconds)."""

    def to_dict(self) -> dict[str, float]:
        return {"offered_erlangs": self.offered_erlangs, "utilisation": self.utilisation,
                "wait_seconds": self.wait_seconds, "abandon": self.abandon}


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of M/M/N/N with `load` erlangs offered."""
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = load * blocking / (n + load * blocking)
    return blocking


def erlang_c(agents: int, load: float) -> float:
    """Probability that a caller waits in M/M/N; needs load < agents."""
    if load >= agents:
        raise UnstableQueue(f"{load:g} erlangs offered to {agents} agents")
    blocking = erlang_b(agents, load)
    return agents * blocking / (agents - load * (1.0 - blocking))


def unstable_message(queue: Queue) -> str | None:
    """Why the queue has no steady state, or None. Only Erlang C can be unstable."""
    load = queue.offered_erlangs
    if queue.patience_seconds is not None or load < queue.agents:
        return None
    needed = math.floor(load) + 1
    agents = "1 agent" if queue.agents == 1 else f"{queue.agents} agents"
    return (f"{load:.3g} erlangs are offered to {agents} ({queue.calls_per_hour:g} "
            f"calls per hour x {queue.handle_seconds:g} seconds each): with no "
            f"patience_seconds callers never leave, so the queue grows without end; staff at "
            f"least {needed} agents, or give patience_seconds (Erlang A)")


def queue_figures(queue: Queue) -> QueueFigures:
    """The queue's steady-state figures. Raises UnstableQueue for an overloaded Erlang C queue."""
    message = unstable_message(queue)
    if message is not None:
        raise UnstableQueue(message)
    load = queue.offered_erlangs
    agents = queue.agents
    if queue.patience_seconds is None:
        waiting = erlang_c(agents, load)
        wait = waiting * queue.handle_seconds / (agents - load)
        return QueueFigures(load, load / agents, wait, 0.0)
    return _erlang_a(agents, load, queue.calls_per_hour / 3600.0, queue.patience_seconds)


def _erlang_a(agents: int, load: float, arrivals: float, patience: float) -> QueueFigures:
    a = agents * patience / (load / arrivals)  # N mu / theta, handle = load / arrivals
    b = arrivals * patience  # lambda / theta
    blocking = erlang_b(agents, load)
    if blocking == 0.0:
        # So few callers per agent that B underflows: nobody ever waits (to 300+ digits).
        return QueueFigures(load, load / agents, 0.0, 0.0)
    log_s, ratio_queue, ratio_served_wait = _series(a, b)
    # P(wait) = B S / (1 - B + B S), written so that neither a huge S nor a tiny B overflows.
    log_bs = math.log(blocking) + log_s
    if log_bs < 0.0:
        waiting = math.exp(log_bs) / (math.exp(log_bs) + 1.0 - blocking)
    else:
        waiting = 1.0 / (1.0 + (1.0 - blocking) * math.exp(-log_bs))
    abandon = min(1.0, waiting * ratio_queue / b)
    served_wait = waiting * ratio_served_wait * patience
    wait = served_wait / (1.0 - abandon) if abandon < 1.0 else 0.0
    return QueueFigures(load, load * (1.0 - abandon) / agents, wait, abandon)


def _series(a: float, b: float) -> tuple[float, float, float]:
    """log S, (sum j t_j) / S and (sum t_j a/(a+j+1) H_j) / S, H_j = sum_{i<=j} 1/(a+i+1).

    t_0 = 1, t_j = t_{j-1} b / (a + j). Sums are kept scaled by exp(-peak), the
    largest log-term so far, so neither a huge nor a tiny term leaves the floats.
    """
    peak = 0.0  # log of the largest term so far; every sum is divided by exp(peak)
    log_t = 0.0
    harmonic = 1.0 / (a + 1.0)
    total, first, served = 1.0, 0.0, a / (a + 1.0) * harmonic
    j = 0
    while True:
        j += 1
        if j > MAX_TERMS:
            raise ValueError(f"the Erlang A series needs more than {MAX_TERMS} terms "
                             f"(a = {a:g}, b = {b:g})")
        log_t += math.log(b) - math.log(a + j)
        if log_t > peak:
            shrink = math.exp(peak - log_t)
            total, first, served = total * shrink, first * shrink, served * shrink
            peak = log_t
        term = math.exp(log_t - peak)
        harmonic += 1.0 / (a + j + 1.0)
        total += term
        first += j * term
        served += term * a / (a + j + 1.0) * harmonic
        ratio = b / (a + j + 1.0)
        if ratio < 1.0:
            # The terms now fall at least geometrically; bound what is left of the
            # largest-weighted sum (j t_j grows by (j+1)/j at most) and stop.
            left = term * ratio / (1.0 - ratio) * (j + 1.0 / (1.0 - ratio))
            if left < _TAIL * min(total, first + term):
                break
    return peak + math.log(total), first / total, served / total


def meets(figures: QueueFigures, max_wait_seconds: float, max_abandon: float) -> bool:
    """True if the mean wait and the abandonment are both within their limits."""
    return figures.wait_seconds <= max_wait_seconds and figures.abandon <= max_abandon


def agents_needed(queue: Queue, max_wait_seconds: float, max_abandon: float) -> int:
    """The fewest agents that keep `queue` within both limits (wait and abandonment fall
    as agents are added, so a doubling search and a bisection find it)."""

    def ok(agents: int) -> bool:
        staffed = replace(queue, agents=agents)
        if unstable_message(staffed) is not None:
            return False
        return meets(queue_figures(staffed), max_wait_seconds, max_abandon)

    low, high = 0, 1  # ok(low) is False (or low = 0), ok(high) unknown
    while not ok(high):
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if ok(middle) else (middle, high)
    return high
