"""Monte-Carlo callers: many calls at once, as numpy arrays, over the same compiled chain.

Calls that are alike are drawn together. A *group* is every call in the same state
with the same history so far (steps, seconds, identity prompts, repeats, transfers,
seconds on hold, human reached): such calls are interchangeable, so sending each of
its c calls to a move at random is one multinomial draw of c over the state's move
probabilities. That is the same sampling as drawing each call's move alone, call by
call, at a cost that does not grow with the number of calls: a million calls of a
real tree are a few dozen groups per step, and 10^8 calls take no more memory than
10^4. Groups that end up identical are merged after every step.

When histories spread so far that groups hold fewer than `SPREAD` calls on average,
the calls are let go one by one: each call's state and counters in arrays, one loop
iteration visiting every call still going, the next move of all calls drawn with one
`searchsorted` on a table where row i's cumulative probabilities are offset by i, so
a draw `i + u` (u uniform in [0, 1)) lands inside row i. Those calls run in chunks of
`CHUNK`, so memory stays flat at any number of calls.

A chain past the state budget (PJ008) is never compiled whole: `LazyChain` compiles
the states calls reach as they reach them, from the same `analysis.chain.expand`, and
when its budget of states is full keeps only those calls are in (and their moves).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import numpy as np

from phonejail.analysis.arrays import ENDINGS, MAX_VISITS, ChainArrays
from phonejail.analysis.chain import OUTCOMES, State, expand, start_state
from phonejail.analysis.exact import JAILED
from phonejail.analysis.tally import Tally
from phonejail.limits import MAX_CHAIN_STATES
from phonejail.model.tree import Branch, Menu, Persona, Tree

CHUNK = 1 << 17
"""Calls simulated one by one together: big enough to amortise numpy's per-call cost, small
in memory."""
SPREAD = 8
"""Below this many calls per group on average, groups are let go as single calls."""
MOST_GROUPS = 1 << 20
"""More groups than this are let go as single calls too (memory)."""
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

    `a` is the compiled chain, or a `LazyChain` for a chain past the state budget (whose
    calls always go one by one: its states are numbered as calls reach them).
    """
    tally = Tally(weight=float(calls))
    if isinstance(a, LazyChain):
        _one_by_one(a.arrays, a.ready, a.draw, patience, 0, _start(calls, a.chunk),
                    rng, tally, a.chunk, progress)
    elif calls:
        _grouped(a, patience, calls, rng, tally, progress)
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


class _Calls:
    """Columns of calls (or of groups of alike calls): state and history so far."""

    __slots__ = ("state", "steps", "seconds", "prompts", "repeats", "transfers", "held",
                 "human", "count")

    def __init__(self, state: np.ndarray, steps: np.ndarray, seconds: np.ndarray,
                 prompts: np.ndarray, repeats: np.ndarray, transfers: np.ndarray,
                 held: np.ndarray, human: np.ndarray, count: np.ndarray) -> None:
        self.state, self.steps, self.seconds, self.prompts = state, steps, seconds, prompts
        self.repeats, self.transfers, self.held = repeats, transfers, held
        self.human, self.count = human, count
        """`held`: seconds on hold, every agent's (part of the call). `count`: calls in
        each row (1 when calls go one by one)."""

    def take(self, rows: np.ndarray) -> _Calls:
        return _Calls(*(getattr(self, f)[rows] for f in self.__slots__))

    def __len__(self) -> int:
        return self.state.size


def _start(calls: int, chunk: int) -> Callable[[], Iterator[_Calls]]:
    """`calls` fresh calls at the start (state 0), in chunks of at most `chunk`, each made
    when it is needed."""
    def batches() -> Iterator[_Calls]:
        for lo in range(0, calls, chunk):
            yield _fresh(min(chunk, calls - lo))
    return batches


def _fresh(n: int) -> _Calls:
    z = np.zeros(n, dtype=np.int64)
    return _Calls(z, z.copy(), z.copy(), z.copy(), z.copy(), z.copy(), z.copy(),
                  z.astype(bool), np.ones(n, dtype=np.int64))


def _visit(a: ChainArrays, c: _Calls, patience: int, visits: int, tally: Tally) -> _Calls:
    """Calls out of patience (or at the visit cap) hang up; the others visit their state:
    its effects are added, and a first human's steps and seconds are recorded."""
    takes_step = a.step[c.state]
    quits = takes_step & (c.steps >= patience)
    if visits >= MAX_VISITS:
        quits[:] = True
    if quits.any():
        _finish(c.take(quits), np.full(int(quits.sum()), _ABANDONED), tally)
        keep = ~quits
        c, takes_step = c.take(keep), takes_step[keep]
    s = c.state
    c.steps += takes_step
    c.seconds += a.seconds[s]
    c.prompts += a.prompts[s]
    c.repeats += a.repeats[s]
    c.transfers += a.transfers[s]
    c.held += a.wait[s]
    answers = a.human[s]
    first = answers & ~c.human
    if first.any():
        weights = c.count[first].astype(np.float64)
        tally.add_hist("steps", c.steps[first], weights)
        tally.add_hist("seconds", c.seconds[first] + a.wait[s[first]], weights)
        c.human |= answers
    return c


def _moved(a: ChainArrays, c: _Calls, target: np.ndarray, tally: Tally) -> _Calls:
    """Row i of `c` moves to `target[i]`: rows that reach an outcome end; the rest go on."""
    ends = target >= a.n_states
    if ends.any():
        ended = c.take(ends)
        _finish(ended, _ENDING_SLOT[target[ends] - a.n_states], tally)
        tally.unverified += float(c.count[a.resolved_unverified(c.state, target)].sum())
        keep = ~ends
        c, target = c.take(keep), target[keep]
    c.state = target
    return c


def _finish(c: _Calls, outcome: np.ndarray, tally: Tally) -> None:
    """Calls in `c` end with `outcome` (one slot per row): add their counts and moments."""
    n = c.count.astype(np.float64)
    tally.outcomes += np.bincount(outcome, weights=n, minlength=len(OUTCOMES))
    jailed = JAILED[outcome]
    whole = (c.seconds + c.held).astype(np.float64)  # squares of long calls stay exact
    p, r, t = (x.astype(np.float64) for x in (c.prompts, c.repeats, c.transfers))
    tally.jailed_prompts += float((n * p)[jailed].sum())
    tally.call_seconds += float((n * whole).sum())
    tally.call_seconds_sq += float((n * whole * whole).sum())
    tally.jailed_call_seconds += float((n * whole)[jailed].sum())
    tally.prompts += float((n * p).sum())
    tally.repeats += float((n * r).sum())
    tally.transfers += float((n * t).sum())
    tally.prompts_sq += float((n * p * p).sum())
    tally.repeats_sq += float((n * r * r).sum())
    tally.transfers_sq += float((n * t * t).sum())
    tally.with_repeat += float(n[r > 0].sum())


def move_table(a: ChainArrays) -> tuple[np.ndarray, np.ndarray]:
    """Each state's move probabilities and targets as rows of a fixed width, for one
    multinomial draw per group. The row's last move is in the last column (zeros
    between): numpy gives the last column whatever the others leave, so no call can
    fall on a padding column through rounding."""
    counts = np.diff(a.indptr)
    width = int(counts.max(initial=1))
    prob = np.zeros((a.n_states, width))
    target = np.zeros((a.n_states, width), dtype=np.int64)
    row = np.repeat(np.arange(a.n_states), counts)
    col = np.arange(a.prob.size) - np.repeat(a.indptr[:-1], counts)
    last = col == np.repeat(counts - 1, counts)
    col[last] = width - 1
    # Moves to one target are summed when the chain is compiled: five options and key 0
    # all leading to the agent sum to 1.0000000000000002, which numpy's multinomial
    # refuses as a chance above 1.
    prob[row, col] = np.minimum(a.prob, 1.0)
    target[row, col] = a.target
    return prob, target


def _grouped(a: ChainArrays, patience: int, calls: int, rng: np.random.Generator,
             tally: Tally, progress: Callable[[int], None] | None) -> None:
    prob, target = move_table(a)
    c = _Calls(*(np.zeros(1, dtype=np.int64) for _ in range(7)), np.zeros(1, bool),
               np.array([calls], dtype=np.int64))
    visits = 0
    while len(c):
        c = _visit(a, c, patience, visits, tally)
        visits += 1
        if not len(c):
            break
        split = rng.multinomial(c.count, prob[c.state])
        row, col = np.nonzero(split)
        c = c.take(row)
        c.count = split[row, col]
        c = _moved(a, c, target[c.state, col], tally)
        c = _merged(c)
        going = int(c.count.sum())
        if len(c) > MOST_GROUPS or len(c) * SPREAD > going:
            _one_by_one(a, lambda state: state, table_draw(a), patience, visits,
                        _singles(c, CHUNK), rng, tally, CHUNK, None)
            break
    if progress:
        progress(calls)


def table_draw(a: ChainArrays) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Each call's next state (or outcome) from its state and a uniform draw `u`."""
    table = draw_table(a)

    def draw(state: np.ndarray, u: np.ndarray) -> np.ndarray:
        return a.target[np.searchsorted(table, state + u, side="right")]

    return draw


def _merged(c: _Calls) -> _Calls:
    """One row per distinct (state, history), counts summed."""
    if len(c) <= 1:
        return c
    columns = np.stack([c.state, c.steps, c.seconds, c.prompts, c.repeats, c.transfers,
                        c.held, c.human.astype(np.int64)], axis=1)
    unique, inverse = np.unique(columns, axis=0, return_inverse=True)
    count = np.bincount(inverse.ravel(), weights=c.count, minlength=len(unique))
    return _Calls(*(unique[:, j].copy() for j in range(7)), unique[:, 7].astype(bool),
                  count.astype(np.int64))


def _singles(c: _Calls, chunk: int) -> Callable[[], Iterator[_Calls]]:
    """The calls of groups `c` one by one, in chunks of at most `chunk` (made as needed)."""
    ends = np.cumsum(c.count)

    def batches() -> Iterator[_Calls]:  # one chunk of single calls in memory at a time
        for lo in range(0, int(ends[-1]) if ends.size else 0, chunk):
            rows = np.searchsorted(ends, np.arange(lo, min(lo + chunk, int(ends[-1]))),
                                   side="right")
            single = c.take(rows)
            single.count = np.ones(rows.size, dtype=np.int64)
            yield single
    return batches


def _one_by_one(a: ChainArrays, ready: Callable[[np.ndarray], np.ndarray],
                draw: Callable[[np.ndarray, np.ndarray], np.ndarray], patience: int,
                visits: int, batches: Callable[[], Iterable[_Calls]],
                rng: np.random.Generator, tally: Tally, chunk: int,
                progress: Callable[[int], None] | None) -> None:
    """Every call of every batch walked alone (all of a batch's calls have made `visits`
    visits so far): only calls still going are held, in compact arrays."""
    for c in batches():
        n, done = len(c), visits
        while len(c):
            c.state = ready(c.state)
            c = _visit(a, c, patience, done, tally)
            done += 1
            if len(c):
                c = _moved(a, c, draw(c.state, rng.random(len(c))), tally)
        if progress:
            progress(n)
