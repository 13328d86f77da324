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
   with its seconds. Its levels are walked along the paths through a level, from a
   step state through zero-step states, found once per chain (`_stages`): the same
   products and sums as visiting the zero-step states round by round, fewer array
   operations per level. A level whose entries fill each state's window of seconds
   is held densely, a cell per second, and merged by one bincount. Several callers'
   passes can be walked as one (`seconds_to_human`, `analyse_many`), each histogram
   the same as alone.

The shortcuts keep every sum in the order the plain walk makes it, so the figures are
the same to the last bit (tests/analysis/test_exact_passes.py holds them to it).

Duplicate entries are merged once a level's mass has settled on step states (`_settle`),
so the work grows with the number of distinct (state, seconds) pairs, not with paths
(merging after every move as well cost more than the duplicates it removed), and the
second pass (the larger) carries one probability per entry and nothing else. Every
figure is an exact sum of products of the tree's probabilities: no iteration to a
tolerance, no sampling.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from phonejail.analysis.arrays import ENDINGS, RESOLVED, ChainArrays
from phonejail.analysis.chain import JAIL_OUTCOMES, OUTCOMES
from phonejail.analysis.plain import TooDeepForExact, check_depth  # noqa: F401 - its engines' name
from phonejail.analysis.tally import Tally

_ABANDONED = OUTCOMES.index("abandoned")
_ENDING_SLOT = np.array([OUTCOMES.index(name) for name in ENDINGS])
MOMENTS = 8
"""Columns of `_Mass.mom`: first and second moments of four per-call counts."""
JAILED = np.array([name in JAIL_OUTCOMES for name in OUTCOMES])
DENSE_CELLS = 2
"""The seconds pass holds a level densely (every second of each state's window of
seconds a cell) while its windows have at most this many cells per entry moved into
them (plus `_DENSE_SLACK`); past it, mostly empty, it merges the entries by sort."""
_DENSE_SLACK = 4096
"""By outcome slot: does a call ending so count towards the jail rate (and get redialled)?"""


class _Mass:
    """Columns of entries: place, probability, moments.

    An entry's place is state * 4 + flags: the repeat flag (2: an identity question was
    asked again in this call) and the human flag (1: a human has answered). `mom` holds,
    per entry, the partial moments sum(p * x) and sum(p * x^2) of the per-call counts
    x = identity prompts, repeats, transfers and call seconds so far (8 columns,
    `MOMENTS`), so their exact means and variances come out at the end.
    """

    __slots__ = ("place", "p", "mom")

    def __init__(self, place: np.ndarray, p: np.ndarray, mom: np.ndarray) -> None:
        self.place, self.p, self.mom = place, p, mom

    @classmethod
    def empty(cls) -> _Mass:
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros((0, MOMENTS)))

    def __len__(self) -> int:
        return self.p.size

    def take(self, mask: np.ndarray) -> _Mass:
        return _Mass(self.place[mask], self.p[mask], self.mom[mask])

    @classmethod
    def concat(cls, parts: list[_Mass]) -> _Mass:
        parts = [m for m in parts if len(m)]
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(m, f) for m in parts]) for f in cls.__slots__))

    def merged(self) -> _Mass:
        """One entry per distinct place, probabilities and moments summed."""
        if len(self) <= 1:
            return self
        key = self.place
        # Four places per state: a count per place is cheaper than sorting. bincount sums
        # each place's entries in the order given, as a bincount over np.unique's inverse
        # would.
        size = int(key.max()) + 1
        unique = np.flatnonzero(np.bincount(key, minlength=size))
        p = np.bincount(key, weights=self.p, minlength=size)[unique]
        # Every column at once: bin (key, j) sums its entries in the order bincount meets
        # them, row by row, as one bincount per column would.
        flat = (key[:, None] * MOMENTS + np.arange(MOMENTS)).ravel()
        mom = np.bincount(flat, weights=self.mom.ravel(),
                          minlength=size * MOMENTS).reshape(-1, MOMENTS)[unique]
        return _Mass(unique, p, mom)


class _Places:
    """A chain's figures by place (state * 4 + flags, see `_Mass`), looked up once per
    entry instead of by state and then by flag."""

    __slots__ = ("counts", "first_human", "flags_after", "moves", "repeated_after", "starts",
                 "step", "unverified")

    def __init__(self, a: ChainArrays) -> None:
        def by_place(by_state: np.ndarray) -> np.ndarray:
            return np.repeat(by_state, 4, axis=0)

        flags = np.tile(np.arange(4), a.n_states)
        self.step = by_place(a.step)
        # Per-call counts by column: identity prompts, repeats, transfers and seconds (a
        # whole call's: every step's prompt and every agent's hold).
        self.counts = by_place(np.stack([a.prompts, a.repeats, a.transfers, a.seconds + a.wait],
                                        axis=1))
        self.first_human = by_place(a.human) & (flags & 1 == 0)
        self.flags_after = flags | by_place((a.repeats > 0) * 2 + a.human)
        self.repeated_after = self.flags_after & 2 > 0
        self.unverified = by_place(a.unverified)
        self.starts = by_place(a.indptr[:-1])
        self.moves = by_place(np.diff(a.indptr))


def _groups(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group entries by `key` (non-negative ints): the distinct keys in increasing order,
    an order of the entries by key (entries of one key in the order given), and the group
    of each entry in that order.

    `np.bincount(group, weights=w[order])` then sums each key's weights in the order the
    entries were given, as `np.unique(key, return_inverse=True)` and a bincount over its
    inverse would: the same sums to the last bit. Sorting keys with each entry's position
    in the low bits is a plain integer sort, much cheaper than `np.unique`'s argsort.
    """
    n = key.size
    shift = max(n - 1, 1).bit_length()
    if int(key.max()) >= 1 << (62 - shift):  # pragma: no cover - beyond any chain's size
        unique, inverse = np.unique(key, return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        return unique, order, inverse[order]
    packed = (key << shift) | np.arange(n)
    packed.sort()
    order = packed & ((1 << shift) - 1)
    ordered = packed >> shift
    starts = np.empty(n, dtype=bool)
    starts[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    group = np.cumsum(starts.astype(np.intp))  # a bool cumsum is several times slower
    group -= 1
    return ordered[starts], order, group


def analyse(a: ChainArrays, patience: int, seconds: bool = True) -> Tally:
    """The exact tally of one persona's calls (total mass 1).

    `seconds=False` leaves out the seconds-to-human distribution (its histogram is all
    at 0 s; everything else is the same): distinct (state, seconds) pairs are most of
    the work, and rules that judge outcomes need none of them.
    """
    check_depth(a, patience)
    tally = Tally(weight=1.0)
    level = _Mass(np.zeros(1, dtype=np.int64), np.ones(1), np.zeros((1, MOMENTS)))
    places = _Places(a)
    for k in range(patience + 1):
        if not len(level):
            break  # every call has ended: the levels left would add nothing (+0.0)
        steps = _settle(a, places.step, level, lambda m, k=k: _visit(a, places, m, k, tally))
        if k == patience:
            tally.outcomes[_ABANDONED] += steps.p.sum()
            _end(tally, steps.p, steps.place & 2 > 0, steps.mom, np.ones(len(steps), bool))
            break
        level = _visit(a, places, steps, k + 1, tally)
    tally.seconds_hist = (_seconds_to_human(a, patience) if seconds
                          else np.array([tally.steps_hist.sum()]))
    return tally


def analyse_many(chains: Sequence[ChainArrays], patiences: Sequence[int]) -> list[Tally]:
    """`analyse` of each chain with its patience (the same tallies), the seconds passes
    walked together (`seconds_to_human`)."""
    tallies = [analyse(a, patience, seconds=False)
               for a, patience in zip(chains, patiences, strict=True)]
    for tally, hist in zip(tallies, seconds_to_human(chains, patiences), strict=True):
        tally.seconds_hist = hist
    return tallies


def _settle(a: ChainArrays, step: np.ndarray, level: _Mass | _Waiting, visit):
    """Visit and move on the mass of a level at zero-step states until it all rests on
    step states (or has ended); return the resting mass, merged. `step[i]`: whether an
    entry at `level.place` i rests."""
    resting = []
    moving = level
    for _ in range(a.zero_step_depth + 1):
        if not len(moving):
            break
        at_step = step[moving.place]
        resting.append(moving.take(at_step))
        moving = visit(moving.take(~at_step))
    if len(moving):  # pragma: no cover - to_arrays guarantees an acyclic zero-step graph
        raise AssertionError("zero-step mass did not settle")
    return type(level).concat(resting).merged()


def _expand(a: ChainArrays, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each entry at state `s[i]` over its state's moves (CSR rows): the entry of every
    move, and the move."""
    return _expand_rows(a.indptr, s)


def _visit(a: ChainArrays, places: _Places, m: _Mass, steps_after: int,
           tally: Tally) -> _Mass:
    """Visit every entry's state: apply its effects, then move the mass on (not merged:
    `_settle` merges)."""
    if not len(m):
        return m
    at = m.place
    # x -> x + c for each count: sum(p x) += c p; sum(p x^2) += 2 c sum(p x) + c^2 p
    # (every count at once, the same operations column by column).
    c, p_ = places.counts[at], m.p[:, None]
    mom = np.empty_like(m.mom)
    mom[:, 1::2] = m.mom[:, 1::2] + (2 * c * m.mom[:, 0::2] + c * c * p_)
    mom[:, 0::2] = m.mom[:, 0::2] + c * p_
    first = places.first_human[at]
    if first.any():
        tally.add_hist("steps", np.full(int(first.sum()), steps_after), m.p[first])
    owner, edge = _expand_rows_of(places.starts[at], places.moves[at])
    target, p = a.target[edge], m.p[owner] * a.prob[edge]
    moved = mom[owner] * a.prob[edge, None]
    ends = target >= a.n_states
    if ends.any():
        slot = _ENDING_SLOT[target[ends] - a.n_states]
        np.add.at(tally.outcomes, slot, p[ends])
        unverified = (target == a.n_states + RESOLVED) & places.unverified[at][owner]
        tally.unverified += float(p[unverified].sum())
        _end(tally, p[ends], places.repeated_after[at][owner][ends], moved[ends],
             JAILED[slot])
    keep = ~ends
    return _Mass(target[keep] * 4 + places.flags_after[at][owner[keep]], p[keep],
                 moved[keep])


class _Waiting:
    """Mass not yet answered by a human: entries (state, seconds so far, probability)."""

    __slots__ = ("state", "sec", "p")

    def __init__(self, state: np.ndarray, sec: np.ndarray, p: np.ndarray) -> None:
        self.state, self.sec, self.p = state, sec, p

    @property
    def place(self) -> np.ndarray:
        """Where each entry is, for `_settle`: its state."""
        return self.state

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
        unique, order, group = _groups(self.state * span + self.sec)
        return _Waiting(unique // span, unique % span, np.bincount(group, weights=self.p[order]))


def _seconds_to_human(a: ChainArrays, patience: int) -> np.ndarray:
    """P(seconds to a human = t) for t = 0, 1, ... (unconditional: sums to the share of
    calls a human answers): the prompts heard before, plus the answering agent's hold."""
    return seconds_to_human([a], [patience])[0]


def seconds_to_human(chains: Sequence[ChainArrays], patiences: Sequence[int]
                     ) -> list[np.ndarray]:
    """`_seconds_to_human` of several callers' chains at once, each with its patience: the
    same histograms to the last bit, for a level's fixed cost paid once, not per caller.

    The chains are walked as one (`_stacked`): no move leads from one to another, every
    merge and every cell is one caller's, and each caller's mass comes in the order it
    would alone, so every sum is the same. A caller hangs up at its own patience.
    """
    if not chains:
        return []
    a, first = _stacked(chains)
    caller = np.repeat(np.arange(len(chains)), [c.n_states for c in chains])
    patience_of = np.asarray(patiences, dtype=np.int64)
    hist = np.zeros((len(chains), 1))

    def answer(at: np.ndarray, p: np.ndarray, who: np.ndarray) -> None:
        nonlocal hist
        if at.size:
            size = max(hist.shape[1], int(at.max()) + 1)
            grown = np.bincount(who * size + at, weights=p,
                                minlength=len(chains) * size).reshape(len(chains), size)
            grown[:, : hist.shape[1]] += hist
            hist = grown

    def visit(m: _Waiting) -> _Waiting:
        if not len(m):
            return m
        s = m.state
        sec = m.sec + a.seconds[s]
        answered = a.human[s]
        if answered.any():
            answer(sec[answered] + a.wait[s[answered]], m.p[answered], caller[s[answered]])
            waiting = ~answered
            s, sec, m = s[waiting], sec[waiting], m.take(waiting)
        owner, edge = _expand(a, s)
        target = a.target[edge]
        going = target < a.n_states
        return _Waiting(target[going], sec[owner][going], (m.p[owner] * a.prob[edge])[going])

    start = _Waiting(first, np.zeros(len(chains), dtype=np.int64), np.ones(len(chains)))
    steps = _settle(a, a.step, start, visit)
    stages = _stages(a)
    # The level as entries sorted by (state, seconds), and each state's window of seconds
    # (lowest, highest): the entries lie in it, and in a dense level they fill it.
    state, sec, p = steps.state, steps.sec, steps.p
    held, low, high = _windows(state, sec)
    filled = False  # whether the entries are every cell of the windows, in order
    n = a.n_states
    last_levels = set(patience_of.tolist())
    for level in range(int(patience_of.max(initial=0))):
        if level in last_levels:  # callers of this patience hang up now: never answered
            staying = patience_of[caller[held]] > level
            cell_staying = (np.repeat(staying, high - low + 1) if filled
                            else patience_of[caller[state]] > level)
            held, low, high = held[staying], low[staying], high[staying]
            state, sec, p = state[cell_staying], sec[cell_staying], p[cell_staying]
        if not p.size:
            break
        # Where this level's mass can land: each state's window is the hull of the windows
        # moved into it (known before any mass moves).
        into, lows, highs = [], [], []
        for stage in stages:
            window, path = _expand_rows(stage.rest_rows, held)
            shift = stage.rest_seconds[path]
            into.append(stage.rest_state[path])
            lows.append(low[window] + shift)
            highs.append(high[window] + shift)
        lowest, highest = np.full(n, np.iinfo(np.int64).max), np.full(n, -1)
        np.minimum.at(lowest, np.concatenate(into), np.concatenate(lows))
        np.maximum.at(highest, np.concatenate(into), np.concatenate(highs))
        landed = np.flatnonzero(highest >= 0)
        landed_low, landed_high = lowest[landed], highest[landed]
        landed_width = landed_high - landed_low + 1
        cells = int(landed_width.sum())
        # Dense when the windows are mostly full: every second of every window is a cell,
        # and a bincount sums each cell's mass in the order it came, as merging by sort
        # would (cells nothing reached hold 0.0, which adds nothing to any sum it enters).
        dense = cells <= DENSE_CELLS * p.size + _DENSE_SLACK
        span = int(landed_high.max(initial=0)) + 1  # sparse: a key is state * span + seconds
        landed_before = np.cumsum(landed_width) - landed_width
        # Where mass resting on state t at second x goes: cell origin[t] + x, or key.
        origin = np.zeros(n, dtype=np.int64)
        origin[landed] = landed_before - landed_low
        if not dense:
            origin = np.arange(n) * span
        if filled:
            width = high - low + 1
            before = np.cumsum(width) - width
        moved: list[tuple[np.ndarray, np.ndarray]] = []
        for stage in stages:
            # A visit of each entry's step state, then of the zero-step states after it, as
            # `visit` and `_settle` would go: the same products in the same order, the same
            # answered batches, the resting parts in the same order, so the same sums.
            if filled:
                # A window's cells all take its state's paths: one run of cells per path
                # (a row's paths are by seconds added, most first, so each cell still
                # sums what it receives in the order of the entries it comes from).
                window, path, length, cell = _runs(stage.answer_rows, held, before, width)
                if cell.size:
                    q = p[cell]
                    for factor in stage.answer_factors:
                        q = q * np.repeat(factor[path], length)
                    shift = low[window] - before[window] + stage.answer_seconds[path]
                    answer(cell + np.repeat(shift, length), q,
                           np.repeat(caller[held[window]], length))
                window, path, length, cell = _runs(stage.rest_rows, held, before, width)
                if cell.size:
                    q = p[cell]
                    for factor in stage.rest_factors:
                        q = q * np.repeat(factor[path], length)
                    shift = (origin[stage.rest_state[path]] + stage.rest_seconds[path]
                             + low[window] - before[window])
                    moved.append((cell + np.repeat(shift, length), q))
                continue
            owner, path = _expand_rows(stage.answer_rows, state)
            if path.size:
                q = p[owner]
                for factor in stage.answer_factors:
                    q = q * factor[path]
                answer(sec[owner] + stage.answer_seconds[path], q, caller[state[owner]])
            owner, path = _expand_rows(stage.rest_rows, state)
            if path.size:
                q = p[owner]
                for factor in stage.rest_factors:
                    q = q * factor[path]
                landing = origin[stage.rest_state] + stage.rest_seconds
                moved.append((landing[path] + sec[owner], q))
        if not moved:
            break
        at, q = (np.concatenate(part) for part in zip(*moved, strict=True))
        if dense:
            held, low, high = landed, landed_low, landed_high
            p = np.bincount(at, weights=q, minlength=cells)
            state = np.repeat(held, landed_width)
            sec = np.arange(cells) + np.repeat(low - landed_before, landed_width)
            filled = True
        else:  # windows mostly empty: merge the entries themselves
            unique, order, group = _groups(at)
            state, sec, p = unique // span, unique % span, np.bincount(group, weights=q[order])
            held, low, high = _windows(state, sec)
            filled = False
    # Empty cells (and other callers) may have stretched a histogram with zeros past the
    # last second reached.
    hists = []
    for row in hist:
        reached = np.flatnonzero(row)
        hists.append(row[: reached[-1] + 1].copy() if reached.size else row[:1].copy())
    return hists


def _stacked(chains: Sequence[ChainArrays]) -> tuple[ChainArrays, np.ndarray]:
    """Several chains as one, state numbers shifted past the chains before (outcomes stay
    after every state), and each one's start state in it."""
    if len(chains) == 1:
        return chains[0], np.zeros(1, dtype=np.int64)
    sizes = np.array([c.n_states for c in chains])
    first = np.cumsum(sizes) - sizes
    n = int(sizes.sum())
    targets = []
    for c, shift in zip(chains, first.tolist(), strict=True):
        targets.append(np.where(c.target < c.n_states, c.target + shift,
                                c.target - c.n_states + n))
    moves = np.array([c.target.size for c in chains])
    indptr = np.concatenate([[0], *(c.indptr[1:] + before for c, before in
                                    zip(chains, (np.cumsum(moves) - moves).tolist(),
                                        strict=True))])
    columns = {name: np.concatenate([getattr(c, name) for c in chains])
               for name in ("step", "seconds", "prompts", "repeats", "human", "transfers",
                            "wait", "unverified", "prob")}
    return ChainArrays(n_states=n, indptr=indptr, target=np.concatenate(targets),
                       zero_step_depth=max(c.zero_step_depth for c in chains),
                       **columns), first


def _runs(rows: np.ndarray, held: np.ndarray, before: np.ndarray, width: np.ndarray
          ) -> tuple[np.ndarray, ...]:
    """Each window's cells over each path of its state's row (CSR `rows`), a run of cells
    per (window, path): the window and path of each run, its length, and every cell."""
    window, path = _expand_rows(rows, held)
    length = width[window]
    cell = np.arange(int(length.sum())) + np.repeat(before[window] - (np.cumsum(length) - length),
                                                   length)
    return window, path, length, cell


def _windows(state: np.ndarray, sec: np.ndarray) -> tuple[np.ndarray, ...]:
    """The states of entries sorted by (state, seconds), and each one's lowest and highest
    seconds."""
    if not state.size:
        return state, sec, sec
    first = np.empty(state.size, dtype=bool)
    first[0] = True
    np.not_equal(state[1:], state[:-1], out=first[1:])
    last = np.empty_like(first)
    last[:-1], last[-1] = first[1:], True
    return state[first], sec[first], sec[last]


class _Stage:
    """The paths of one length through a level, from a step state through zero-step
    states: those that end resting on a step state, and those a human answers.

    Rows are by first state (CSR); within a row, by seconds added, most first, then in
    the order `_settle` meets them (by the moves taken, first move first). So mass that
    reaches one (state, second) from one state's entries comes in the walk's order: from
    the entry with the fewest seconds first, then path by path, whether the level is
    walked entry by entry or path by path. Each path keeps its moves' probabilities as
    factors, multiplied one after the other as the walk would, and the seconds it adds
    (a human's hold too).
    """

    __slots__ = ("answer_factors", "answer_rows", "answer_seconds", "rest_factors",
                 "rest_rows", "rest_seconds", "rest_state")

    def __init__(self, n: int, first: np.ndarray, last: np.ndarray, seconds: np.ndarray,
                 factors: list[np.ndarray], rest: np.ndarray, answered: np.ndarray) -> None:
        def rows(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            """The CSR rows of the paths in `mask`, and their order: by first state, then
            by seconds added, most first (ties in the order found)."""
            chosen = np.flatnonzero(mask)
            order = chosen[np.lexsort((chosen, -seconds[chosen], first[chosen]))]
            indptr = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(np.bincount(first[order], minlength=n), out=indptr[1:])
            return indptr, order

        self.rest_rows, rest = rows(rest)
        self.rest_state, self.rest_seconds = last[rest], seconds[rest]
        self.rest_factors = [f[rest] for f in factors]
        self.answer_rows, answered = rows(answered)
        self.answer_seconds = seconds[answered]
        self.answer_factors = [f[answered] for f in factors]


def _stages(a: ChainArrays) -> list[_Stage]:
    """Every path through one level of `a` (see `_Stage`), by length."""
    n = a.n_states
    first = np.flatnonzero(a.step)
    owner, edge = _expand(a, first)
    first, last, seconds, factors = first[owner], a.target[edge], a.seconds[first[owner]], \
        [a.prob[edge]]
    stages = []
    while True:
        going = last < n
        first, last, seconds = first[going], last[going], seconds[going]
        factors = [f[going] for f in factors]
        at_step = a.step[last]
        answered = ~at_step & a.human[last]
        # A resting state's own seconds count when it is visited, at the next level.
        seconds = seconds + np.where(at_step, 0, a.seconds[last])
        stages.append(_Stage(n, first, last, seconds + np.where(answered, a.wait[last], 0),
                             factors, at_step, answered))
        on = ~at_step & ~answered
        if not on.any():
            return stages
        owner, edge = _expand(a, last[on])
        first, seconds = first[on][owner], seconds[on][owner]
        factors = [f[on][owner] for f in factors] + [a.prob[edge]]
        last = a.target[edge]


def _expand_rows(indptr: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each entry at state `s[i]` over row `s[i]` of a CSR `indptr`: the entry of every
    item, and the item."""
    starts = indptr[s]
    return _expand_rows_of(starts, indptr[s + 1] - starts)


def _expand_rows_of(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each entry i over its row's `counts[i]` items from `starts[i]`: the entry of every
    item, and the item."""
    owner = np.repeat(np.arange(starts.size), counts)
    # Item j of entry i is at starts[i] + j, and the j-th of its run in the output is at
    # (items before entry i) + j: one repeat of their difference.
    return owner, np.arange(owner.size) + np.repeat(starts - (np.cumsum(counts) - counts),
                                                    counts)


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
