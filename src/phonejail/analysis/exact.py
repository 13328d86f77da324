"""Exact figures for a persona: probability mass pushed forward through the chain, step by step.

Two exact passes over the same levels. Level k holds the calls that have taken k steps.
Within a level, mass at zero-step states (branch, agent, callback, hangup) is visited
and moved on until it rests on step states or ends; that takes at most
`zero_step_depth` rounds because zero-step states form no cycle (`to_arrays` refuses
one). Then each step state is visited: at level T (patience) the caller hangs up
instead, otherwise the mass moves to level k + 1.

1. Outcomes and per-call counts: mass held as entries (state, repeat seen, human
   reached, probability) with the partial moments of each per-call count, so at most
   four entries per state.
2. Seconds to a human: only the mass that has not reached a human yet, as entries
   (state, seconds so far, probability); mass leaves this pass when a human answers,
   with its seconds.

Duplicate entries are merged once a level's mass has settled on step states (`_settle`),
so the work grows with the number of distinct (state, seconds) pairs, not with paths
(merging after every move as well cost more than the duplicates it removed), and the
second pass (the larger) carries one probability per entry and nothing else. Every
figure is an exact sum of products of the tree's probabilities: no iteration to a
tolerance, no sampling.
"""

from __future__ import annotations

import numpy as np

from phonejail.analysis.arrays import ENDINGS, MAX_VISITS, ChainArrays
from phonejail.analysis.chain import JAIL_OUTCOMES, OUTCOMES
from phonejail.analysis.tally import Tally

_ABANDONED = OUTCOMES.index("abandoned")
_ENDING_SLOT = np.array([OUTCOMES.index(name) for name in ENDINGS])
MOMENTS = 8
"""Columns of `_Mass.mom`: first and second moments of four per-call counts."""
JAILED = np.array([name in JAIL_OUTCOMES for name in OUTCOMES])
"""By outcome slot: does a call ending so count towards the jail rate (and get redialled)?"""


class TooDeepForExact(Exception):
    """The 10,000-visit cap could bind, which this engine does not model."""


class _Mass:
    """Columns of entries: state, repeat flag, human flag, seconds, probability, moments.

    `mom` holds, per entry, the partial moments sum(p * x) and sum(p * x^2) of the
    per-call counts x = identity prompts, repeats, transfers and call seconds so far
    (8 columns, `MOMENTS`), so their exact means and variances come out at the end.
    """

    __slots__ = ("state", "rep", "hum", "sec", "p", "mom")

    def __init__(self, state: np.ndarray, rep: np.ndarray, hum: np.ndarray, sec: np.ndarray,
                 p: np.ndarray, mom: np.ndarray) -> None:
        self.state, self.rep, self.hum, self.sec, self.p, self.mom = state, rep, hum, sec, p, mom

    @classmethod
    def empty(cls) -> _Mass:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z.astype(bool), z.astype(bool), z, np.zeros(0), np.zeros((0, MOMENTS)))

    def __len__(self) -> int:
        return self.p.size

    def take(self, mask: np.ndarray) -> _Mass:
        return _Mass(self.state[mask], self.rep[mask], self.hum[mask], self.sec[mask],
                     self.p[mask], self.mom[mask])

    @classmethod
    def concat(cls, parts: list[_Mass]) -> _Mass:
        parts = [m for m in parts if len(m)]
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(m, f) for m in parts]) for f in cls.__slots__))

    def merged(self) -> _Mass:
        """One entry per distinct (state, rep, hum, sec), probabilities summed."""
        if len(self) <= 1:
            return self
        span = int(self.sec.max()) + 1
        key = ((self.state * 2 + self.rep) * 2 + self.hum) * span + self.sec
        unique, inverse = np.unique(key, return_inverse=True)
        p = np.bincount(inverse, weights=self.p)
        mom = np.stack([np.bincount(inverse, weights=self.mom[:, j], minlength=unique.size)
                        for j in range(MOMENTS)], axis=1)
        sec = unique % span
        rest = unique // span
        return _Mass((rest // 4), ((rest // 2) % 2).astype(bool), (rest % 2).astype(bool),
                     sec, p, mom)


def analyse(a: ChainArrays, patience: int, seconds: bool = True) -> Tally:
    """The exact tally of one persona's calls (total mass 1).

    `seconds=False` leaves out the seconds-to-human distribution (its histogram is all
    at 0 s; everything else is the same): distinct (state, seconds) pairs are most of
    the work, and rules that judge outcomes need none of them.
    """
    check_depth(a, patience)
    tally = Tally(weight=1.0)
    level = _Mass(np.zeros(1, dtype=np.int64), np.zeros(1, bool), np.zeros(1, bool),
                  np.zeros(1, dtype=np.int64), np.ones(1), np.zeros((1, MOMENTS)))
    for k in range(patience + 1):
        steps = _settle(a, level, lambda m, k=k: _visit(a, m, k, tally))
        if k == patience:
            tally.outcomes[_ABANDONED] += steps.p.sum()
            _end(tally, steps.p, steps.rep, steps.mom, np.ones(len(steps), bool))
            break
        level = _visit(a, steps, k + 1, tally)
    tally.seconds_hist = (_seconds_to_human(a, patience) if seconds
                          else np.array([tally.steps_hist.sum()]))
    return tally


def check_depth(a: ChainArrays, patience: int) -> None:
    """Raise TooDeepForExact if the 10,000-visit cap could bind for a caller of this
    patience (every exact figure, `analyse`'s or a flow's, refuses the same chains)."""
    if (patience + 1) * (a.zero_step_depth + 1) > MAX_VISITS:
        raise TooDeepForExact(
            f"a call could make more than {MAX_VISITS:,} visits; the exact analysis does not "
            "model that cap: use --method montecarlo")


def _settle(a: ChainArrays, level: _Mass | _Waiting, visit):
    """Visit and move on the mass of a level at zero-step states until it all rests on
    step states (or has ended); return the resting mass, merged."""
    resting = []
    moving = level
    for _ in range(a.zero_step_depth + 1):
        if not len(moving):
            break
        at_step = a.step[moving.state]
        resting.append(moving.take(at_step))
        moving = visit(moving.take(~at_step))
    if len(moving):  # pragma: no cover - to_arrays guarantees an acyclic zero-step graph
        raise AssertionError("zero-step mass did not settle")
    return type(level).concat(resting).merged()


def _expand(a: ChainArrays, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each entry at state `s[i]` over its state's moves (CSR rows): the entry of every
    move, and the move."""
    starts, counts = a.indptr[s], a.indptr[s + 1] - a.indptr[s]
    owner = np.repeat(np.arange(s.size), counts)
    offsets = np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, starts[owner] + offsets


def _visit(a: ChainArrays, m: _Mass, steps_after: int, tally: Tally) -> _Mass:
    """Visit every entry's state: apply its effects, then move the mass on (not merged:
    `_settle` merges)."""
    if not len(m):
        return m
    s = m.state
    # x -> x + c for each count: sum(p x) += c p; sum(p x^2) += 2 c sum(p x) + c^2 p
    mom = m.mom.copy()
    # A whole call's seconds: every step's prompt and every agent's hold.
    for j, counts in enumerate((a.prompts, a.repeats, a.transfers, a.seconds + a.wait)):
        c = counts[s]
        mom[:, 2 * j + 1] += 2 * c * m.mom[:, 2 * j] + c * c * m.p
        mom[:, 2 * j] += c * m.p
    rep = m.rep | (a.repeats[s] > 0)
    first = a.human[s] & ~m.hum
    if first.any():
        tally.add_hist("steps", np.full(int(first.sum()), steps_after), m.p[first])
    hum = m.hum | a.human[s]
    owner, edge = _expand(a, s)
    target, p = a.target[edge], m.p[owner] * a.prob[edge]
    moved = mom[owner] * a.prob[edge, None]
    ends = target >= a.n_states
    if ends.any():
        slot = _ENDING_SLOT[target[ends] - a.n_states]
        np.add.at(tally.outcomes, slot, p[ends])
        tally.unverified += float(p[a.resolved_unverified(s[owner], target)].sum())
        _end(tally, p[ends], rep[owner][ends], moved[ends], JAILED[slot])
    keep = ~ends
    return _Mass(target[keep], rep[owner][keep], hum[owner][keep],
                 np.zeros(int(keep.sum()), dtype=np.int64), p[keep], moved[keep])


class _Waiting:
    """Mass not yet answered by a human: entries (state, seconds so far, probability)."""

    __slots__ = ("state", "sec", "p")

    def __init__(self, state: np.ndarray, sec: np.ndarray, p: np.ndarray) -> None:
        self.state, self.sec, self.p = state, sec, p

    def __len__(self) -> int:
        return self.p.size

    def take(self, mask: np.ndarray) -> _Waiting:
        return _Waiting(self.state[mask], self.sec[mask], self.p[mask])

    @classmethod
    def concat(cls, parts: list[_Waiting]) -> _Waiting:
        parts = [m for m in parts if len(m)]
        if not parts:
            return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
        return cls(*(np.concatenate([getattr(m, f) for m in parts]) for f in cls.__slots__))

    def merged(self) -> _Waiting:
        """One entry per distinct (state, seconds), probabilities summed."""
        if len(self) <= 1:
            return self
        span = int(self.sec.max()) + 1
        key = self.state * span + self.sec
        unique, inverse = np.unique(key, return_inverse=True)
        return _Waiting(unique // span, unique % span, np.bincount(inverse, weights=self.p))


def _seconds_to_human(a: ChainArrays, patience: int) -> np.ndarray:
    """P(seconds to a human = t) for t = 0, 1, ... (unconditional: sums to the share of
    calls a human answers): the prompts heard before, plus the answering agent's hold."""
    hist = np.zeros(1)

    def visit(m: _Waiting) -> _Waiting:
        nonlocal hist
        if not len(m):
            return m
        s = m.state
        sec = m.sec + a.seconds[s]
        answered = a.human[s]
        if answered.any():
            at = sec[answered] + a.wait[s[answered]]
            grown = np.bincount(at, weights=m.p[answered], minlength=hist.size)
            grown[: hist.size] += hist
            hist = grown
            waiting = ~answered
            s, sec, m = s[waiting], sec[waiting], m.take(waiting)
        owner, edge = _expand(a, s)
        target = a.target[edge]
        going = target < a.n_states
        return _Waiting(target[going], sec[owner][going], (m.p[owner] * a.prob[edge])[going])

    level = _Waiting(np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), np.ones(1))
    for k in range(patience + 1):
        steps = _settle(a, level, visit)
        if k == patience:
            break  # the rest hang up: never answered
        level = visit(steps)
    return hist


def _end(tally: Tally, p: np.ndarray, rep: np.ndarray, mom: np.ndarray,
         jailed: np.ndarray) -> None:
    """Calls ending here: add their repeat flag and the moments of their counts."""
    tally.with_repeat += float(p[rep].sum())
    tally.jailed_prompts += float(mom[jailed, 0].sum())
    tally.jailed_call_seconds += float(mom[jailed, 6].sum())
    totals = [float(x) for x in mom.sum(axis=0)]
    tally.prompts += totals[0]
    tally.prompts_sq += totals[1]
    tally.repeats += totals[2]
    tally.repeats_sq += totals[3]
    tally.transfers += totals[4]
    tally.transfers_sq += totals[5]
    tally.call_seconds += totals[6]
    tally.call_seconds_sq += totals[7]
