"""The exact passes' shortcuts give the plain walk's figures to the last bit.

`analysis.exact` groups entries with an integer sort instead of `np.unique`, merges the
outcome pass's entries with a count per key, and walks the seconds pass along
precomputed paths through a level (`_stages`) instead of visiting zero-step states
one round at a time. Each shortcut claims the same sums in the same order, so the
figures must be equal exactly, not just close: a wrong order, factor or second would
show here.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phonejail.analysis import exact
from phonejail.analysis.arrays import ChainArrays, ZeroStepCycle, to_arrays
from phonejail.analysis.chain import compile_chain
from phonejail.model import load_file
from phonejail.model.tree import Tree
from tests.conftest import ROOT, TREES, load
from tests.test_properties import valid_trees

# Trees whose chains pass through two or more zero-step states in a row (branches,
# agents, silent says), so paths through a level are longer than one move.
DEEP = ["tests/golden/import_connect_wild.yaml", "tests/golden/import_connect_inbound.yaml",
        "tests/golden/import_twilio_ivr.yaml", "tests/rules/good/staffed_queue.yaml",
        "tests/rules/bad/pj101_straight_to_hangup.yaml", "tests/rules/good/branches.yaml"]


def _plain_seconds_to_human(a: ChainArrays, patience: int) -> np.ndarray:
    """The seconds pass as the module's docstring tells it: each level's mass visited and
    moved on at zero-step states round by round until it rests, merged with np.unique."""
    hist = np.zeros(1)
    state, sec, p = np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), np.ones(1)
    for k in range(patience + 1):
        resting = []
        for _ in range(a.zero_step_depth + 1):
            at_step = a.step[state]
            resting.append((state[at_step], sec[at_step], p[at_step]))
            state, sec, p = state[~at_step], sec[~at_step], p[~at_step]
            hist, state, sec, p = _plain_visit(a, hist, state, sec, p)
        state, sec, p = (np.concatenate([r[i] for r in resting]) for i in range(3))
        if p.size > 1:
            span = int(sec.max()) + 1
            unique, inverse = np.unique(state * span + sec, return_inverse=True)
            state, sec, p = unique // span, unique % span, np.bincount(inverse, weights=p)
        if k == patience:
            break
        hist, state, sec, p = _plain_visit(a, hist, state, sec, p)
    return hist


def _plain_visit(a: ChainArrays, hist: np.ndarray, state: np.ndarray, sec: np.ndarray,
                 p: np.ndarray) -> tuple[np.ndarray, ...]:
    sec = sec + a.seconds[state]
    answered = a.human[state]
    if answered.any():
        grown = np.bincount(sec[answered] + a.wait[state[answered]], weights=p[answered],
                            minlength=hist.size)
        grown[: hist.size] += hist
        hist = grown
        state, sec, p = state[~answered], sec[~answered], p[~answered]
    owner = np.repeat(np.arange(state.size), np.diff(a.indptr)[state])
    edge = np.concatenate([np.arange(a.indptr[s], a.indptr[s + 1]) for s in state]
                          ) if state.size else np.zeros(0, dtype=np.int64)
    target = a.target[edge]
    going = target < a.n_states
    return hist, target[going], sec[owner][going], (p[owner] * a.prob[edge])[going]


def _assert_seconds_pass_is_the_plain_walk(tree: Tree) -> int:
    """Compare every persona's seconds pass with the plain walk; return how many."""
    compared = 0
    for persona in tree.judged:
        try:
            a = to_arrays(compile_chain(tree, persona))
        except ZeroStepCycle:
            continue
        got = exact._seconds_to_human(a, persona.patience)
        want = _plain_seconds_to_human(a, persona.patience)
        assert got.shape == want.shape and np.array_equal(got, want), persona.name
        compared += 1
    return compared


@pytest.mark.parametrize("path", DEEP + sorted(str(p.relative_to(ROOT))
                                                for p in TREES.glob("*.yaml")))
def test_seconds_pass_is_the_plain_walk_bit_for_bit(path: str) -> None:
    tree = load_file(ROOT / path).tree
    assert max(to_arrays(compile_chain(tree, p)).zero_step_depth for p in tree.judged) >= 1
    assert _assert_seconds_pass_is_the_plain_walk(tree) >= 1


def test_deep_fixtures_are_deep() -> None:
    """The fixtures above do pass through several zero-step states in one level."""
    depths = [to_arrays(compile_chain(tree, p)).zero_step_depth
              for tree in (load_file(ROOT / path).tree for path in DEEP) for p in tree.judged]
    assert max(depths) >= 4 and sum(d >= 2 for d in depths) >= 6


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(valid_trees())
def test_seconds_pass_is_the_plain_walk_on_random_trees(text: str) -> None:
    _assert_seconds_pass_is_the_plain_walk(load(text).tree)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.integers(0, 50), min_size=1, max_size=200),
       st.lists(st.floats(1e-9, 1.0), min_size=200, max_size=200))
def test_groups_sum_each_key_in_the_order_given(keys: list[int], weights: list[float]) -> None:
    key = np.array(keys, dtype=np.int64)
    w = np.array(weights[: key.size])
    unique, order, group = exact._groups(key)
    want_unique, inverse = np.unique(key, return_inverse=True)
    assert np.array_equal(unique, want_unique)
    assert np.array_equal(np.bincount(group, weights=w[order]),
                          np.bincount(inverse, weights=w))
    # Within a key, entries keep the order given (what makes the sums the same bits).
    assert all(np.all(np.diff(order[group == g]) > 0) for g in range(unique.size))


@pytest.mark.parametrize("cells", [0, 10**9])
@pytest.mark.parametrize("path", ["tests/golden/import_connect_wild.yaml", "trees/bank_800.yaml",
                                  "trees/isp_billing.yaml"])
def test_dense_and_sparse_levels_give_the_same_bits(monkeypatch: pytest.MonkeyPatch,
                                                    path: str, cells: int) -> None:
    """Every level held sparse (merged by sort) or dense (a cell per second of each
    window): the plain walk's histogram either way."""
    monkeypatch.setattr(exact, "DENSE_CELLS", cells)
    if cells == 0:  # not even the few thousand cells of slack
        monkeypatch.setattr(exact, "_DENSE_SLACK", -10**9)
    assert _assert_seconds_pass_is_the_plain_walk(load_file(ROOT / path).tree) >= 1


@pytest.mark.parametrize("path", [*DEEP, "trees/bank_800.yaml", "trees/isp_billing_journey.yaml",
                                  "tests/rules/good/suppressed.yaml"])
def test_a_rows_paths_add_the_most_seconds_first(path: str) -> None:
    """A dense level is walked path by path; each cell then sums what it receives from
    one state's cells in the walk's order (fewest seconds so far first) only if a row's
    paths add the most seconds first. Ties keep the order the walk meets them."""
    tree = load_file(ROOT / path).tree
    rows_seen = 0
    for persona in tree.judged:
        for stage in exact._stages(to_arrays(compile_chain(tree, persona))):
            for rows, seconds, factors in ((stage.answer_rows, stage.answer_seconds,
                                            stage.answer_factors),
                                           (stage.rest_rows, stage.rest_seconds,
                                            stage.rest_factors)):
                assert all(f.size == seconds.size for f in factors)
                for i in range(rows.size - 1):
                    row = seconds[rows[i]:rows[i + 1]]
                    assert np.all(np.diff(row) <= 0), (persona.name, i, row)
                    rows_seen += row.size > 1 and len(set(row.tolist())) > 1
    if path.endswith(("isp_billing_journey.yaml", "suppressed.yaml")):
        assert rows_seen > 0  # rows whose paths add different seconds (holds) do occur


@pytest.mark.parametrize("path", [*DEEP, "trees/bank_800.yaml", "trees/isp_billing.yaml",
                                  "trees/small_business.yaml"])
def test_callers_walked_together_get_their_own_histograms_bit_for_bit(path: str) -> None:
    """`seconds_to_human` walks several callers' chains as one; each histogram must be
    the one its caller gets alone, whatever the mix of patiences (a caller who hangs
    up at once, one who hangs up early, one who stays long)."""
    tree = load_file(ROOT / path).tree
    chains = [to_arrays(compile_chain(tree, p)) for p in tree.judged]
    chains += chains[:2]  # the same chain twice in one walk is two callers too
    for patiences in ([p.patience for p in tree.judged] + [3, 40][: len(chains) - len(tree.judged)],
                      [0, *range(2, 2 * len(chains), 2)][: len(chains)]):
        together = exact.seconds_to_human(chains, patiences)
        alone = [_plain_seconds_to_human(a, patience) for a, patience in zip(chains, patiences,
                                                                              strict=True)]
        for got, want in zip(together, alone, strict=True):
            assert got.shape == want.shape and np.array_equal(got, want), patiences
    assert exact.seconds_to_human([], []) == []
