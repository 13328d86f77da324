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
    tally = Tally(weight=0.0, prompts_sq=0.0, repeats_sq=0.0, transfers_sq=0.0)
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
    state = np.zeros(n, dtype=np.int64)
    steps = np.zeros(n, dtype=np.int64)
    seconds = np.zeros(n, dtype=np.int64)
    visits = np.zeros(n, dtype=np.int64)
    prompts = np.zeros(n, dtype=np.int64)
    repeats = np.zeros(n, dtype=np.int64)
    transfers = np.zeros(n, dtype=np.int64)
    human = np.zeros(n, dtype=bool)
    outcome = np.full(n, -1, dtype=np.int64)
    steps_to_human = np.full(n, -1, dtype=np.int64)
    seconds_to_human = np.full(n, -1, dtype=np.int64)
    live = np.arange(n)
    while live.size:
        s = state[live]
        visits[live] += 1
        takes_step = a.step[s]
        quits = (takes_step & (steps[live] >= patience)) | (visits[live] > MAX_VISITS)
        if quits.any():
            outcome[live[quits]] = _ABANDONED
            live, s, takes_step = live[~quits], s[~quits], takes_step[~quits]
            if not live.size:
                break
        steps[live] += takes_step
        seconds[live] += a.seconds[s]
        prompts[live] += a.prompts[s]
        repeats[live] += a.repeats[s]
        transfers[live] += a.transfers[s]
        first = a.human[s] & ~human[live]
        if first.any():
            who = live[first]
            human[who] = True
            steps_to_human[who] = steps[who]
            seconds_to_human[who] = seconds[who] + a.wait[s[first]]
        edge = np.searchsorted(table, s + rng.random(live.size), side="right")
        target = a.target[np.minimum(edge, table.size - 1)]
        ends = target >= a.n_states
        outcome[live[ends]] = _ENDING_SLOT[target[ends] - a.n_states]
        state[live[~ends]] = target[~ends]
        live = live[~ends]
    reached = steps_to_human >= 0
    tally.weight += n
    tally.outcomes += np.bincount(outcome, minlength=len(OUTCOMES))
    tally.add_hist("steps", steps_to_human[reached], np.ones(int(reached.sum())))
    tally.add_hist("seconds", seconds_to_human[reached], np.ones(int(reached.sum())))
    tally.prompts += float(prompts.sum())
    tally.repeats += float(repeats.sum())
    tally.transfers += float(transfers.sum())
    tally.prompts_sq += float((prompts * prompts).sum())
    tally.repeats_sq += float((repeats * repeats).sum())
    tally.transfers_sq += float((transfers * transfers).sum())
    tally.with_repeat += float((repeats > 0).sum())
