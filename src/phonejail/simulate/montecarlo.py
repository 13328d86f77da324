"""Monte-Carlo callers: many calls at once, as numpy arrays, over the same compiled chain.

Every simulated call holds its state, step count, seconds, counters and flags
in arrays; one loop iteration visits the current state of every call still
going. The next move of all calls is drawn with a single `searchsorted` on a
table where row i's cumulative probabilities are offset by i, so a draw
`i + u` (u uniform in [0, 1)) lands inside row i. Calls run in chunks, so a
million callers stay within a few tens of megabytes.

A chain past the state budget (PJ008) is never compiled whole: `LazyChain` compiles
the states calls reach as they reach them, from the same `analysis.chain.expand`, and
when its budget of states is full keeps only those calls are in (and their moves).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from phonejail.analysis.arrays import ENDINGS, MAX_VISITS, ChainArrays
from phonejail.analysis.chain import OUTCOMES, State, expand, start_state
from phonejail.analysis.exact import JAILED
from phonejail.analysis.tally import Tally
from phonejail.limits import MAX_CHAIN_STATES
from phonejail.model.tree import Branch, Menu, Persona, Tree

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


def simulate(a: ChainArrays | LazyChain, patience: int, calls: int, rng: np.random.Generator,
             progress: Callable[[int], None] | None = None) -> Tally:
    """Simulate `calls` calls of one persona; return their tally (weight = calls).

    `a` is the compiled chain, or a `LazyChain` for a chain past the state budget.
    """
    if isinstance(a, LazyChain):
        arrays, chunk, ready, draw = a.arrays, a.chunk, a.ready, a.draw
    else:
        table = draw_table(a)
        arrays, chunk = a, CHUNK

        def ready(state: np.ndarray) -> np.ndarray:
            return state

        def draw(state: np.ndarray, u: np.ndarray) -> np.ndarray:
            return a.target[np.searchsorted(table, state + u, side="right")]
    tally = Tally()
    done = 0
    while done < calls:
        n = min(chunk, calls - done)
        _chunk(arrays, ready, draw, patience, n, rng, tally)
        done += n
        if progress:
            progress(n)
    return tally


class LazyChain:
    """A persona's chain compiled as calls reach its states, at most `budget` states at once.

    For a chain past the state budget (PJ008): Monte-Carlo needs only the states its
    calls are in. Each state's visit and moves come from `analysis.chain.expand`, so
    the sampled calls are those of the compiled chain, state for state. When the
    budget is full, only the states calls are in now (and the targets of those already
    expanded) are kept, renumbered; the rest are compiled again if calls come back.
    Calls run in chunks small enough that their states and targets always fit.
    """

    def __init__(self, tree: Tree, persona: Persona, budget: int | None = None) -> None:
        budget = MAX_CHAIN_STATES if budget is None else budget
        self.tree, self.persona, self.budget = tree, persona, budget
        self.most_moves = _most_moves(tree)
        self.chunk = max(1, budget // (2 * (self.most_moves + 1)))
        z = np.zeros(budget, dtype=np.int64)
        self.arrays = ChainArrays(
            n_states=budget, step=z.astype(bool), seconds=z.copy(), prompts=z.copy(),
            repeats=z.copy(), human=z.astype(bool), transfers=z.copy(), wait=z.copy(),
            unverified=z.astype(bool), indptr=np.zeros(budget + 1, dtype=np.int64),
            target=z[:0], prob=np.zeros(0), zero_step_depth=0)
        self.expanded = z.astype(bool)
        self.cum = np.full((budget, self.most_moves), 2.0)
        """Row i: state i's cumulative move probabilities, the last real one exactly 1."""
        self.targets = np.zeros((budget, self.most_moves), dtype=np.int64)
        self.sensitive = persona.intent in tree.sensitive
        self.states: list[State] = []
        self.index: dict[State, int] = {}
        self.forgotten = 0
        """How many times the budget was full and states were forgotten."""
        self._add(start_state(tree))

    def _add(self, state: State) -> int:
        i = len(self.states)
        self.states.append(state)
        self.index[state] = i
        return i

    def ready(self, state: np.ndarray) -> np.ndarray:
        """Compile every state in `state` not compiled yet; `state` renumbered if the budget
        was full (the only array that holds state numbers between steps)."""
        todo = np.unique(state[~self.expanded[state]])
        if not todo.size:
            return state
        if len(self.states) + todo.size * self.most_moves > self.budget:
            state = self._keep_only(state)
            todo = np.unique(state[~self.expanded[state]])
        for i in todo.tolist():
            self._expand(i)
        return state

    def draw(self, state: np.ndarray, u: np.ndarray) -> np.ndarray:
        column = (self.cum[state] <= u[:, None]).sum(axis=1)
        return self.targets[state, column]

    def _expand(self, i: int) -> None:
        a, state = self.arrays, self.states[i]
        visit, moves = expand(self.tree, self.persona, state)
        a.step[i], a.seconds[i], a.prompts[i] = visit.step, visit.seconds, visit.prompts
        a.repeats[i], a.human[i], a.transfers[i] = visit.repeats, visit.human, visit.transfers
        a.wait[i] = visit.wait_seconds
        a.unverified[i] = self.sensitive and not (state.given or visit.gives)
        running = 0.0
        for k, (p, target) in enumerate(moves):
            if isinstance(target, State):
                j = self.index.get(target)
                self.targets[i, k] = self._add(target) if j is None else j
            else:
                self.targets[i, k] = self.budget + ENDINGS.index(target)
            running += p
            self.cum[i, k] = running
        self.cum[i, len(moves) - 1] = 1.0  # each row ends exactly at 1: no draw falls off
        self.cum[i, len(moves):] = 2.0
        self.expanded[i] = True

    def _keep_only(self, state: np.ndarray) -> np.ndarray:
        """Forget every state but the start, those in `state` and the targets of the compiled
        ones among them; returns `state` renumbered."""
        self.forgotten += 1
        here = np.unique(state)
        done = here[self.expanded[here]]
        reached = self.targets[done][self.cum[done] <= 1.0]
        # State 0, the start, stays 0: every chunk of calls begins there.
        keep = np.union1d(np.union1d(here, reached[reached < self.budget]), [0])
        new = np.full(self.budget + len(ENDINGS), -1, dtype=np.int64)
        new[keep] = np.arange(keep.size)
        new[self.budget:] = np.arange(self.budget, self.budget + len(ENDINGS))
        a = self.arrays
        for column in (a.step, a.seconds, a.prompts, a.repeats, a.human, a.transfers, a.wait,
                       a.unverified):
            column[: keep.size] = column[keep]
        expanded = np.isin(keep, done)  # the others' targets may be forgotten: compile again
        cum = self.cum[keep]
        real = (cum <= 1.0) & expanded[:, None]
        self.targets[: keep.size] = np.where(real, new[self.targets[keep]], 0)
        self.cum[: keep.size] = cum
        self.expanded[:] = False
        self.expanded[: keep.size] = expanded
        self.states = [self.states[i] for i in keep.tolist()]
        self.index = {s: i for i, s in enumerate(self.states)}
        return new[state]


def _most_moves(tree: Tree) -> int:
    """At most how many distinct targets one state's visit can have, over the tree."""
    most = 2  # any other kind: an outcome or a state, and a failure or a transfer
    for node in tree.nodes.values():
        if isinstance(node, Menu):
            most = max(most, len(node.options) + 2)  # each option, a failure, key 0
        elif isinstance(node, Branch):
            most = max(most, len(node.cases) + 1)
    return most


def _chunk(a: ChainArrays, ready: Callable[[np.ndarray], np.ndarray],
           draw: Callable[[np.ndarray, np.ndarray], np.ndarray], patience: int, n: int,
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
        state = ready(state)
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
        target = draw(state, rng.random(state.size))
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
