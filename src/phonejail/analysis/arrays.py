"""A compiled chain as numpy arrays, the form both engines compute on.

State i's visit effects are `step[i]`, `seconds[i]`, ... ; its moves are
`target[indptr[i]:indptr[i+1]]` with probabilities `prob[...]`, where a target
of `n_states + k` is outcome `ENDINGS[k]` rather than a state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from phonejail.analysis.chain import Chain, State

ENDINGS = ("resolved", "unresolved", "callback", "handed_off", "dead_end", "abandoned")
"""Outcomes a move can lead to. `abandoned` comes from patience and the visit cap (the
engines apply them), and from hanging up in a staffed queue (a move)."""
RESOLVED = ENDINGS.index("resolved")
MAX_VISITS = 10_000
"""DESIGN.md: a hard cap of node visits ends a call `abandoned`."""


class ZeroStepCycle(Exception):
    """A cycle of nodes that take no step: a call could go round it forever at no cost."""

    def __init__(self, nodes: list[str]) -> None:
        self.nodes = nodes
        super().__init__(" -> ".join([*nodes, nodes[0]]))


@dataclass(frozen=True, eq=False)
class ChainArrays:
    n_states: int
    step: np.ndarray        # bool
    seconds: np.ndarray     # int64, 0 where no step
    prompts: np.ndarray     # int64
    repeats: np.ndarray     # int64
    human: np.ndarray       # bool
    transfers: np.ndarray   # int64
    wait: np.ndarray        # int64
    unverified: np.ndarray  # bool: a move to `resolved` from here is an unverified resolution
    indptr: np.ndarray      # int64, n_states + 1
    target: np.ndarray      # int64
    prob: np.ndarray        # float64
    zero_step_depth: int
    """Most zero-step states one walk can visit in a row (the zero-step graph is acyclic)."""

    def resolved_unverified(self, state: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Which moves `state` -> `target` resolve a sensitive intent with no identity given."""
        return (target == self.n_states + RESOLVED) & self.unverified[state]

    def without_seconds(self) -> ChainArrays:
        """The same chain with every prompt and hold taking 0 s (for figures that ignore time)."""
        none = np.zeros_like(self.seconds)
        return replace(self, seconds=none, wait=none)


def to_arrays(chain: Chain) -> ChainArrays:
    """Compile `chain` to arrays; raises ZeroStepCycle if zero-step states form a cycle."""
    index = chain.index()
    n = len(chain.states)
    outcome = {name: n + k for k, name in enumerate(ENDINGS)}
    indptr = np.zeros(n + 1, dtype=np.int64)
    targets: list[int] = []
    probs: list[float] = []
    for i, moves in enumerate(chain.moves):
        for p, t in moves:
            targets.append(index[t] if isinstance(t, State) else outcome[t])
            probs.append(p)
        indptr[i + 1] = len(targets)
    visits = chain.visits
    arrays = ChainArrays(
        n_states=n,
        step=np.array([v.step for v in visits], dtype=bool),
        seconds=np.array([v.seconds for v in visits], dtype=np.int64),
        prompts=np.array([v.prompts for v in visits], dtype=np.int64),
        repeats=np.array([v.repeats for v in visits], dtype=np.int64),
        human=np.array([v.human for v in visits], dtype=bool),
        transfers=np.array([v.transfers for v in visits], dtype=np.int64),
        wait=np.array([v.wait_seconds for v in visits], dtype=np.int64),
        unverified=np.array([chain.unverified(i) for i in range(n)], dtype=bool),
        indptr=indptr,
        target=np.array(targets, dtype=np.int64),
        prob=np.array(probs, dtype=np.float64),
        zero_step_depth=0,
    )
    depth = _zero_step_depth(chain, arrays)
    object.__setattr__(arrays, "zero_step_depth", depth)
    return arrays


def _zero_step_depth(chain: Chain, a: ChainArrays) -> int:
    """Longest run of zero-step states (Kahn's algorithm); raise on a cycle."""
    n = a.n_states
    zero = ~a.step
    succ: list[list[int]] = [[] for _ in range(n)]
    indegree = np.zeros(n, dtype=np.int64)
    for i in np.flatnonzero(zero):
        for t in a.target[a.indptr[i]:a.indptr[i + 1]]:
            if t < n and zero[t]:
                succ[i].append(int(t))
                indegree[t] += 1
    depth = np.where(zero, 1, 0)
    ready = [int(i) for i in np.flatnonzero(zero & (indegree == 0))]
    seen = 0
    while ready:
        i = ready.pop()
        seen += 1
        for t in succ[i]:
            depth[t] = max(depth[t], depth[i] + 1)
            indegree[t] -= 1
            if indegree[t] == 0:
                ready.append(t)
    if seen < int(zero.sum()):
        raise ZeroStepCycle(_a_cycle(chain, succ, indegree))
    return int(depth.max(initial=0))


def _a_cycle(chain: Chain, succ: list[list[int]], indegree: np.ndarray) -> list[str]:
    """Node ids along one cycle among the states Kahn's algorithm could not order.

    Every state left over still has a predecessor that is left over (Kahn's algorithm
    removed the others), but not necessarily a successor: states downstream of a cycle
    are left over too. So the walk goes backwards, which always ends on a cycle.
    """
    left = {i for i in range(len(succ)) if indegree[i] > 0}
    pred: dict[int, list[int]] = {i: [] for i in left}
    for i in left:
        for t in succ[i]:
            if t in left:
                pred[t].append(i)
    here = min(left)
    order: list[int] = []
    seen: dict[int, int] = {}
    while here not in seen:
        seen[here] = len(order)
        order.append(here)
        here = min(pred[here])
    cycle = order[seen[here]:][::-1]
    nodes: list[str] = []
    for i in cycle:
        node = chain.states[i].node
        if not nodes or nodes[-1] != node:
            nodes.append(node)
    if len(nodes) > 1 and nodes[0] == nodes[-1]:
        nodes.pop()
    return nodes
