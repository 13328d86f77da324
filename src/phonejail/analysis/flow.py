"""Where calls go: the chance a call passes through a node, and the expected flow on each edge.

Both are exact, by the same level-by-level propagation as `exact.py`, keeping
only a probability per chain state (no seconds, no flags). For "passes
through", the states of the node are made absorbing: mass that visits them is
counted once and taken out, so what is counted is the chance of a first visit.
Many nodes are done in one propagation: one column of mass per node, each
column absorbed at its own node's states.
"""

from __future__ import annotations

import numpy as np

from phonejail.analysis.arrays import ChainArrays
from phonejail.analysis.plain import components, rows


class _Mover:
    """Moves mass (one column per quantity) along every move of a chain, in bulk."""

    def __init__(self, a: ChainArrays) -> None:
        self.n = a.n_states
        self.src = np.repeat(np.arange(a.n_states), np.diff(a.indptr))
        inside = a.target < a.n_states
        order = np.argsort(a.target[inside], kind="stable")
        self.edges = np.flatnonzero(inside)[order]  # moves into states, grouped by target
        targets = a.target[self.edges]
        self.starts = np.flatnonzero(np.r_[True, targets[1:] != targets[:-1]]) \
            if targets.size else np.zeros(0, dtype=np.int64)
        self.heads = targets[self.starts]
        self.prob = a.prob

    def spread(self, mass: np.ndarray, edge_flow: np.ndarray | None = None) -> np.ndarray:
        """The mass arriving at each state when every state's mass takes its moves."""
        moved = mass[self.src] * (self.prob if mass.ndim == 1 else self.prob[:, None])
        if edge_flow is not None:
            edge_flow += moved
        arrived = np.zeros_like(mass)
        if self.starts.size:
            arrived[self.heads] = np.add.reduceat(moved[self.edges], self.starts, axis=0)
        return arrived


def propagate(a: ChainArrays, patience: int, stop: np.ndarray | None = None,
              edge_flow: np.ndarray | None = None,
              abandoned: np.ndarray | None = None,
              last_flow: np.ndarray | None = None) -> np.ndarray:
    """Push one call's mass through the chain; return the mass that visited `stop` states.

    `stop` is a boolean (states x columns) array: column k's mass is absorbed, and
    counted, at the states where `stop[:, k]` holds. Without it there is one column
    and nothing is absorbed. If `edge_flow` (one float per CSR move) is given, the
    expected number of times a call takes each move is added to it (one column only);
    if `abandoned` (one float per state) is, the chance that the caller hangs up at
    each state, patience spent, is added to it (one column only); if `last_flow` (one
    float per move) is, the part of the moves' flow whose mass lands at level `patience`
    (where a step state is not visited: the caller hangs up there) is added to it.
    """
    mover = _Mover(a)
    columns = 1 if stop is None else stop.shape[1]
    stop = np.zeros((a.n_states, columns), dtype=bool) if stop is None else stop
    zero = ~a.step[:, None]
    hit = np.zeros(columns)
    level = np.zeros((a.n_states, columns))
    level[0] = 1.0
    flow = None if edge_flow is None else np.zeros((a.prob.size, columns))
    last = None if last_flow is None else np.zeros((a.prob.size, columns))
    for k in range(patience + 1):
        resting = np.zeros_like(level)
        moving = level
        into = last if k == patience and last is not None else flow
        for _ in range(a.zero_step_depth + 1):
            absorbed = stop & zero
            hit += (moving * absorbed).sum(axis=0)
            moving = np.where(absorbed, 0.0, moving)
            resting += np.where(zero, 0.0, moving)
            moving = np.where(zero, moving, 0.0)
            if not moving.any():
                break
            moving = mover.spread(moving, into)
        if k == patience:  # a step here would be step patience + 1: the caller hangs up
            if abandoned is not None:
                abandoned += resting[:, 0]
            break
        hit += (resting * stop).sum(axis=0)
        resting = np.where(stop, 0.0, resting)
        level = mover.spread(resting, last if k + 1 == patience and last is not None
                             else flow)
    if last_flow is not None and last is not None:
        last_flow += last[:, 0]
        if flow is not None:
            flow += last
    if edge_flow is not None and flow is not None:
        edge_flow += flow[:, 0]
    return hit


def pass_probabilities(a: ChainArrays, patience: int, masks: np.ndarray) -> np.ndarray:
    """Per column of `masks` (states x K): the exact chance a call visits those states.

    A set of states a call cannot come back to once it has left (no cycle runs through
    it and a state outside it) is visited at most once per entry from outside: its
    chance is the expected number of such entries, which one propagation gives for
    every such set at once (the moves' expected flow). Only the sets a call can leave
    and re-enter need a propagation of their own, in which they absorb the mass that
    reaches them (one column each, all in one pass).
    """
    chances = np.zeros(masks.shape[1])
    if masks.shape[1] == 0:
        return chances
    component = np.array(components(a.n_states, *rows(a))[0], dtype=np.int64)
    size = np.bincount(component)
    closed = np.array([bool((np.bincount(component[col], minlength=size.size)[
        component[col]] == size[component[col]]).all()) for col in masks.T])
    if closed.any():
        flow, late = np.zeros(a.prob.size), np.zeros(a.prob.size)
        propagate(a, patience, edge_flow=flow, last_flow=late)
        src = np.repeat(np.arange(a.n_states), np.diff(a.indptr))
        inside = a.target < a.n_states
        # A step state reached at level `patience` is not visited: the caller hangs up.
        taken = np.where(a.step[np.minimum(a.target, a.n_states - 1)], flow - late, flow)
        sets = masks[:, closed]
        entering = sets[a.target[inside]] & ~sets[src[inside]]
        chances[closed] = taken[inside] @ entering + sets[0]
    if not closed.all():
        chances[~closed] = propagate(a, patience, stop=masks[:, ~closed])
    return chances


def edge_flow(a: ChainArrays, patience: int) -> np.ndarray:
    """Expected number of times per call each move (CSR order) is taken."""
    flow = np.zeros(a.prob.size)
    propagate(a, patience, edge_flow=flow)
    return flow
