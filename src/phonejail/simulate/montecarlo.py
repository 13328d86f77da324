"""Monte-Carlo callers: many calls at once, as numpy arrays, over the same compiled chain.

Every simulated call holds its state, step count, seconds, counters and flags
in arrays; one loop iteration visits the current state of every call still
going. The next move of all calls is drawn with a single `searchsorted` on a
table where row i's cumulative probabilities are offset by i, so a draw
`i + u` (u uniform in [0, 1)) lands inside row i. Calls run in chunks, so a
million callers stay within a few tens of megabytes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from phonejail.analysis.arrays import ENDINGS, MAX_VISITS, ChainArrays
from phonejail.analysis.chain import OUTCOMES
from phonejail.analysis.exact import JAILED
from phonejail.analysis.tally import Tally

CHUNK = 1 << 17
"""Calls simulated together: big enough to amortise numpy's per-call cost, small in memory."""
_ABANDONED = OUTCOMES.index("abandoned")
_ENDING_SLOT = np.array([OUTCOMES.index(name) for name in ENDINGS])


def draw_table(a: ChainArrays) -> np.ndarray:
    """Row-offset cumulative move probabilities: row i spans (i, i + 1]."""
    counts = np.diff(a.indptr)
    row = np.repeat(np.arange(a.n_states), counts)
    running = np.cumsum(a.prob)
    first = a.indptr[:-1]
    within = running - np.repeat(running[first] - a.prob[first], counts)
    within[a.indptr[1:] - 1] = 1.0  # each row ends exactly at 1: no draw falls off its row
    return row + within


def simulate(a: ChainArrays, patience: int, calls: int, rng: np.random.Generator,
             progress: Callable[[int], None] | None = None) -> Tally:
    """Simulate `calls` calls of one persona; return their tally (weight = calls)."""
    table = draw_table(a)
    tally = Tally()
    done = 0
    while done < calls:
        n = min(CHUNK, calls - done)
        _chunk(a, table, patience, n, rng, tally)
        done += n
        if progress:
            progress(n)
    return tally


def _chunk(a: ChainArrays, table: np.ndarray, patience: int, n: int,
           rng: np.random.Generator, tally: Tally) -> None:
    # Only calls still going are held, in compact arrays (one row per call), so every
    # operation is a plain vectorised gather or filter, never a scatter through an index.
    state = np.zeros(n, dtype=np.int64)
    steps = np.zeros(n, dtype=np.int32)
    seconds = np.zeros(n, dtype=np.int64)
    visits = np.zeros(n, dtype=np.int32)
    prompts = np.zeros(n, dtype=np.int64)
    repeats = np.zeros(n, dtype=np.int64)
    transfers = np.zeros(n, dtype=np.int64)
    held = np.zeros(n, dtype=np.int64)  # seconds on hold, every agent's: part of the call
    human = np.zeros(n, dtype=bool)
    ended: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    reached_steps: list[np.ndarray] = []
    reached_seconds: list[np.ndarray] = []

    def finish(mask: np.ndarray, outcome: np.ndarray) -> None:
        """Calls in `mask` end with `outcome` (one slot per call): keep their counts."""
        ended.append((prompts[mask], repeats[mask], transfers[mask],
                      seconds[mask] + held[mask], JAILED[outcome]))
        tally.outcomes += np.bincount(outcome, minlength=len(OUTCOMES))

    while state.size:
        takes_step = a.step[state]
        quits = (takes_step & (steps >= patience)) | (visits >= MAX_VISITS)
        if quits.any():
            finish(quits, np.full(int(quits.sum()), _ABANDONED))
            keep = ~quits
            (state, steps, seconds, visits, prompts, repeats, transfers, held, human,
             takes_step) = (x[keep] for x in (state, steps, seconds, visits, prompts, repeats,
                                              transfers, held, human, takes_step))
            if not state.size:
                break
        visits += 1
        steps += takes_step
        seconds += a.seconds[state]
        prompts += a.prompts[state]
        repeats += a.repeats[state]
        transfers += a.transfers[state]
        held += a.wait[state]
        answers = a.human[state]
        first = answers & ~human
        if first.any():
            reached_steps.append(steps[first])
            reached_seconds.append(seconds[first] + a.wait[state[first]])
            human |= answers
        target = a.target[np.searchsorted(table, state + rng.random(state.size), side="right")]
        ends = target >= a.n_states
        if ends.any():
            finish(ends, _ENDING_SLOT[target[ends] - a.n_states])
            tally.unverified += float(a.resolved_unverified(state, target).sum())
            keep = ~ends
            target, steps, seconds, visits, prompts, repeats, transfers, held, human = (
                x[keep] for x in (target, steps, seconds, visits, prompts, repeats, transfers,
                                  held, human))
        state = target
    tally.weight += n
    for name, parts in (("steps", reached_steps), ("seconds", reached_seconds)):
        if parts:
            values = np.concatenate(parts).astype(np.int64)
            tally.add_hist(name, values, np.ones(values.size))
    for p, r, t, c, jailed in ended:
        tally.jailed_prompts += float(p[jailed].sum())
        c = c.astype(np.float64)  # squares of long calls' seconds stay exact in float
        tally.call_seconds += float(c.sum())
        tally.call_seconds_sq += float((c * c).sum())
        tally.jailed_call_seconds += float(c[jailed].sum())
        tally.prompts += float(p.sum())
        tally.repeats += float(r.sum())
        tally.transfers += float(t.sum())
        tally.prompts_sq += float((p * p).sum())
        tally.repeats_sq += float((r * r).sum())
        tally.transfers_sq += float((t * t).sum())
        tally.with_repeat += float((r > 0).sum())
