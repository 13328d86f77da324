"""Erlang C and Erlang A figures against hand values, published tables and the queue itself.

The independent check solves the M/M/N+M birth-death chain (death rate
min(n, N) mu + max(n - N, 0) theta) as a linear system, truncated far out, and
follows one arriving caller through the queue as an absorbing chain solved by
linear algebra: no formula of `staffing.py` is used.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phonejail.analysis.staffing import (
    UnstableQueue,
    erlang_b,
    erlang_c,
    queue_figures,
)
from phonejail.model.tree import Loc, Queue


def queue(agents: int, calls_per_hour: float, handle_seconds: float,
          patience_seconds: float | None = None) -> Queue:
    return Queue(name="q", agents=agents, calls_per_hour=calls_per_hour,
                 handle_seconds=handle_seconds, patience_seconds=patience_seconds,
                 loc=Loc(1, 1))


def test_erlang_c_by_hand() -> None:
    # 2 agents, 60 calls an hour of 60 s: A = 1 erlang.
    # B(2, 1) = (1/2) / (1 + 1 + 1/2) = 1/5; C = 2 B / (2 - 1 (1 - B)) = 1/3;
    # mean wait = C / (N mu - lambda) = (1/3) / (2/60 - 1/60) s = 20 s.
    figures = queue_figures(queue(2, 60, 60))
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert figures.wait_seconds == pytest.approx(20.0)
    assert (figures.offered_erlangs, figures.utilisation, figures.abandon) == (
        pytest.approx(1.0), pytest.approx(0.5), 0.0)


@pytest.mark.parametrize(("agents", "load", "blocking"), [
    (5, 2.0, 0.0367), (10, 10.0, 0.2146), (20, 15.0, 0.0456), (1, 1.0, 0.5),
])
def test_erlang_b_matches_the_published_tables(agents: int, load: float,
                                               blocking: float) -> None:
    assert round(erlang_b(agents, load), 4) == blocking


def test_erlang_c_matches_the_published_value() -> None:
    # The classic table entry: 10 erlangs on 11 agents, P(wait) = 0.6821.
    assert round(erlang_c(11, 10.0), 4) == 0.6821


def test_erlang_c_at_500_agents_neither_overflows_nor_loses_the_limit() -> None:
    # A = 480 on 500 agents: the factorials of the textbook formula overflow at 171.
    figures = queue_figures(queue(500, 480 * 3600 / 300, 300))
    assert math.isfinite(figures.wait_seconds) and 0 < figures.wait_seconds < 300
    assert erlang_c(500, 480.0) == pytest.approx(erlang_c_by_chain(500, 480.0), rel=1e-9)


def test_an_overloaded_erlang_c_queue_is_refused_not_infinite() -> None:
    with pytest.raises(UnstableQueue, match="staff at least 11 agents"):
        queue_figures(queue(10, 120, 300))


def erlang_c_by_chain(agents: int, load: float) -> float:
    """P(wait) from the M/M/N chain's stationary distribution, summed in log-space."""
    states = np.arange(0, agents + 4000)
    log_pi = np.concatenate([[0.0], np.cumsum(np.log(load / np.minimum(states[1:], agents)))])
    pi = np.exp(log_pi - log_pi.max())
    return float(pi[agents:].sum() / pi.sum())


def independent_erlang_a(agents: int, calls_per_hour: float, handle_seconds: float,
                         patience_seconds: float) -> tuple[float, float]:
    """(abandon, mean wait of served callers) by solving the chains numerically."""
    lam, mu, theta = calls_per_hour / 3600, 1 / handle_seconds, 1 / patience_seconds
    excess = max(0.0, (lam - agents * mu) / theta)
    size = agents + int(excess + 10 * math.sqrt(lam / theta + 1)) + 60
    # Stationary distribution: pi Q = 0, sum pi = 1, as one linear system.
    n = np.arange(size + 1)
    deaths = np.minimum(n, agents) * mu + np.maximum(n - agents, 0) * theta
    generator = np.zeros((size + 1, size + 1))
    generator[n[:-1], n[:-1] + 1] = lam
    generator[n[1:], n[1:] - 1] = deaths[1:]
    generator[n, n] = -generator.sum(axis=1)
    system = generator.T.copy()
    system[-1, :] = 1.0
    rhs = np.zeros(size + 1)
    rhs[-1] = 1.0
    pi = np.linalg.solve(system, rhs)
    # A tagged arrival finding n callers: served at once if n < N; otherwise it waits
    # with i = n - N callers ahead, moving up at N mu + i theta, leaving at theta.
    ahead = np.arange(size - agents + 1)
    moving = agents * mu + ahead * theta
    tagged = np.diag(moving + theta) - np.diag(moving[1:], -1)  # minus the generator
    served = np.linalg.solve(tagged, np.eye(len(ahead))[0] * agents * mu)
    time_served = np.linalg.solve(tagged, served)  # E[wait, served] from each state
    queued = pi[agents:]
    p_served = pi[:agents].sum() + queued @ served
    return 1.0 - p_served, float(queued @ time_served / p_served)


GRID = [*((agents, rho, patience_ratio)
          for agents in (1, 3, 10, 50)
          for rho in (0.6, 1.0, 1.3)
          for patience_ratio in (0.2, 2.0)),
        (200, 0.97, 1.0), (500, 0.6, 0.2), (500, 1.0, 0.5), (500, 1.3, 1.0)]


@pytest.mark.parametrize(("agents", "rho", "patience_ratio"), GRID)
def test_erlang_a_agrees_with_the_chain_solved_numerically(agents: int, rho: float,
                                                           patience_ratio: float) -> None:
    handle = 240.0
    calls_per_hour = rho * agents * 3600 / handle
    patience = patience_ratio * handle
    figures = queue_figures(queue(agents, calls_per_hour, handle, patience))
    abandon, wait = independent_erlang_a(agents, calls_per_hour, handle, patience)
    assert figures.abandon == pytest.approx(abandon, rel=1e-7, abs=1e-12)
    assert figures.wait_seconds == pytest.approx(wait, rel=1e-7, abs=1e-9)
    assert figures.utilisation == pytest.approx(rho * (1 - abandon), rel=1e-7)


def test_erlang_a_by_hand_for_one_agent() -> None:
    # N = 1, lambda = mu = theta = 1 per minute: the death rate in state n is
    # 1 + (n - 1) = n, so pi(n) = pi(0) / n! and pi(0) = 1 / e. An arrival finding
    # n = j + 1 >= 1 waits with j ahead and is served with chance 1 / (j + 2), so
    # P(served) = (1 + sum_{m>=1} 1 / (m+1)!) / e = (e - 1) / e: abandon = 1 / e.
    figures = queue_figures(queue(1, 60, 60, 60))
    assert figures.abandon == pytest.approx(1 / math.e, rel=1e-12)


@pytest.mark.parametrize(("agents", "rho"), [(1, 0.5), (10, 0.9), (100, 0.97), (500, 0.99)])
def test_endless_patience_approaches_erlang_c(agents: int, rho: float) -> None:
    handle = 300.0
    calls = rho * agents * 3600 / handle
    erlang_c_figures = queue_figures(queue(agents, calls, handle))
    patient = queue_figures(queue(agents, calls, handle, 1e9))
    assert patient.abandon < 1e-5
    assert patient.wait_seconds == pytest.approx(erlang_c_figures.wait_seconds, rel=1e-4)


@pytest.mark.parametrize("agents", [1, 7, 120])
def test_no_patience_at_all_is_erlang_b(agents: int) -> None:
    # Callers who find every agent busy leave at once: the loss system M/M/N/N.
    load = 0.8 * agents
    figures = queue_figures(queue(agents, load * 3600 / 200, 200, 1e-6))
    assert figures.abandon == pytest.approx(erlang_b(agents, load), rel=1e-6)
    assert figures.wait_seconds < 1e-5


@settings(max_examples=60, deadline=None)
@given(agents=st.integers(1, 600), rho=st.floats(0.01, 3.0),
       patience=st.floats(1.0, 3600.0), handle=st.floats(10.0, 3600.0))
def test_erlang_a_is_finite_bounded_and_better_with_one_more_agent(
        agents: int, rho: float, patience: float, handle: float) -> None:
    calls = rho * agents * 3600 / handle
    figures = queue_figures(queue(agents, calls, handle, patience))
    more = queue_figures(queue(agents + 1, calls, handle, patience))
    for f in (figures, more):
        assert 0.0 <= f.abandon <= 1.0 and 0.0 <= f.utilisation <= 1.0 + 1e-12
        assert 0.0 <= f.wait_seconds < math.inf
    assert more.abandon <= figures.abandon * (1 + 1e-9) + 1e-300
    assert more.wait_seconds <= figures.wait_seconds * (1 + 1e-9) + 1e-300
