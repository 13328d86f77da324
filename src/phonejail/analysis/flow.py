"""Where calls go: the chance a call passes through a node, and the expected flow on each edge.

Both are exact, by the same level-by-level propagation as `exact.py`, keeping
only a probability per chain state (no seconds, no flags). For "passes
through", the states of the node are made absorbing: mass that visits them is
counted once and taken out, so what is counted is the chance of a first visit.
"""

from __future__ import annotations

import numpy as np

from phonejail.analysis.arrays import ChainArrays


def _spread(a: ChainArrays, mass: np.ndarray, edge_flow: np.ndarray | None) -> np.ndarray:
    """Move `mass` (per state) along every move; return the mass arriving at states."""
    src = np.repeat(np.arange(a.n_states), np.diff(a.indptr))
    moved = mass[src] * a.prob
    if edge_flow is not None:
        edge_flow += moved
    inside = a.target < a.n_states
    return np.bincount(a.target[inside], weights=moved[inside], minlength=a.n_states)


def propagate(a: ChainArrays, patience: int, stop: np.ndarray | None = None,
              edge_flow: np.ndarray | None = None) -> float:
    """Push one call's mass through the chain; return the mass that visited a `stop` state.

    If `edge_flow` (one float per CSR move) is given, the expected number of
    times a call takes each move is added to it.
    """
    hit = 0.0
    level = np.zeros(a.n_states)
    level[0] = 1.0
    zero = ~a.step
    for k in range(patience + 1):
        resting = np.zeros(a.n_states)
        moving = level
        for _ in range(a.zero_step_depth + 1):
            if stop is not None:
                hit += float(moving[stop & zero].sum())
                moving = np.where(stop & zero, 0.0, moving)
            resting += np.where(zero, 0.0, moving)
            moving = np.where(zero, moving, 0.0)
            if not moving.any():
                break
            moving = _spread(a, moving, edge_flow)
        if k == patience:  # a step here would be step patience + 1: the caller hangs up
            break
        if stop is not None:
            hit += float(resting[stop].sum())
            resting = np.where(stop, 0.0, resting)
        level = _spread(a, resting, edge_flow)
    return hit


def pass_probability(a: ChainArrays, patience: int, states: np.ndarray) -> float:
    """The exact chance that a call visits any of `states` (a boolean mask) at least once."""
    return propagate(a, patience, stop=states)


def edge_flow(a: ChainArrays, patience: int) -> np.ndarray:
    """Expected number of times per call each move (CSR order) is taken."""
    flow = np.zeros(a.prob.size)
    propagate(a, patience, edge_flow=flow)
    return flow
