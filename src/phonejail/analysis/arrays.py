"""A compiled chain as numpy arrays, the form both engines compute on.

State i's visit effects are `step[i]`, `seconds[i]`, ... ; its moves are
`target[indptr[i]:indptr[i+1]]` with probabilities `prob[...]`, where a target
of `n_states + k` is outcome `ENDINGS[k]` rather than a state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from phonejail.analysis.chain import Chain
from phonejail.analysis.plain import (  # noqa: F401 - the engines' names for them
    ENDINGS,
    MAX_VISITS,
    PlainChain,
    ZeroStepCycle,
    to_plain,
)

RESOLVED = ENDINGS.index("resolved")


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


def to_arrays(chain: Chain, plain: PlainChain | None = None) -> ChainArrays:
    """Compile `chain` (`plain`: its `to_plain`, if had) to arrays; raises ZeroStepCycle if
    zero-step states form a cycle."""
    p = plain if plain is not None else to_plain(chain)
    visits = chain.visits
    n = p.n_states
    return ChainArrays(
        n_states=n,
        step=np.array(p.step, dtype=bool),
        seconds=np.array([v.seconds for v in visits], dtype=np.int64),
        prompts=np.array([v.prompts for v in visits], dtype=np.int64),
        repeats=np.array([v.repeats for v in visits], dtype=np.int64),
        human=np.array([v.human for v in visits], dtype=bool),
        transfers=np.array([v.transfers for v in visits], dtype=np.int64),
        wait=np.array([v.wait_seconds for v in visits], dtype=np.int64),
        unverified=np.array([chain.unverified(i) for i in range(n)], dtype=bool),
        indptr=np.array(p.indptr, dtype=np.int64),
        target=np.array(p.target, dtype=np.int64),
        prob=np.array(p.prob, dtype=np.float64),
        zero_step_depth=p.zero_step_depth,
    )
