"""The plain-Python walk of a caller's flow (`analysis.plain`), against numpy's
(`analysis.flow`): the same compiled chain, the same flow to rounding."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from phonejail.analysis import flow, plain
from phonejail.analysis.arrays import ZeroStepCycle, to_arrays
from phonejail.analysis.chain import ChainTooLarge, compile_chain
from phonejail.model import load_file
from phonejail.model.tree import Tree
from tests.conftest import ROOT, TREES, load
from tests.simulate.test_engines import MENU
from tests.test_properties import valid_trees

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate_bank import generate_bank  # noqa: E402

TOLERANCE = 1e-12
"""Both walks add the same products of the tree's probabilities, in another order."""


def _walks_agree(tree: Tree) -> None:
    for persona in tree.judged:
        try:
            chain = compile_chain(tree, persona)
        except ChainTooLarge:
            continue
        try:
            p = plain.to_plain(chain)
        except ZeroStepCycle as cycle:
            with pytest.raises(ZeroStepCycle) as also:
                to_arrays(chain)
            assert also.value.nodes == cycle.nodes
            continue
        a = to_arrays(chain, p)
        assert (p.n_states, p.zero_step_depth) == (a.n_states, a.zero_step_depth)
        assert (p.indptr, p.target, p.prob, p.step) == (
            a.indptr.tolist(), a.target.tolist(), a.prob.tolist(), a.step.tolist())
        try:
            plain.check_depth(p, persona.patience)
        except plain.TooDeepForExact:
            continue
        moves, hung_up = plain.propagate(p, persona.patience)
        want_moves, want_hung_up = np.zeros(a.prob.size), np.zeros(a.n_states)
        flow.propagate(a, persona.patience, edge_flow=want_moves, abandoned=want_hung_up)
        assert moves == pytest.approx(want_moves.tolist(), rel=0, abs=TOLERANCE)
        assert hung_up == pytest.approx(want_hung_up.tolist(), rel=0, abs=TOLERANCE)


@pytest.mark.parametrize("path", sorted(TREES.glob("*.yaml")), ids=lambda p: p.name)
def test_the_walks_agree_on_the_example_trees(path) -> None:
    tree = load_file(path).tree
    assert tree is not None
    _walks_agree(tree)


def test_the_walks_agree_on_a_bank_tree() -> None:
    # Hundreds of states, retry loops, transfers, callers lacking a fact.
    _walks_agree(load(generate_bank(300), "bank.yaml").tree)


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(valid_trees())
def test_the_walks_agree_on_random_trees(text: str) -> None:
    # Random wiring: loops through several nodes, dead ends, zero-step runs and cycles.
    tree = load(text).tree
    assert tree is not None
    _walks_agree(tree)


@pytest.mark.parametrize(("patience", "expected", "hung_up"), [
    # hello -> menu: 0.9 to the agent at once, 0.1 back to the menu, then 0.9 / 0.1 again
    (25, {("hello", "menu"): 1.0, ("menu", "agent"): 0.99, ("menu", "menu"): 0.1,
          ("menu", "bye"): 0.01, ("agent", "end"): 0.99, ("bye", "end"): 0.01}, 0.0),
    # patience 2: the second menu visit would be step 3, so those callers hang up there
    (2, {("hello", "menu"): 1.0, ("menu", "agent"): 0.9, ("menu", "menu"): 0.1,
         ("agent", "end"): 0.9}, 0.1),
])
def test_the_plain_walk_by_hand(patience: int, expected: dict[tuple[str, str], float],
                                hung_up: float) -> None:
    tree = load(MENU.replace("PATIENCE", str(patience))).tree
    persona = tree.personas[0]
    chain = compile_chain(tree, persona)
    p = plain.to_plain(chain)
    moves, hung = plain.propagate(p, persona.patience)
    by_move: dict[tuple[str, str], float] = {}
    for i, state in enumerate(chain.states):
        for e in range(p.indptr[i], p.indptr[i + 1]):
            t = p.target[e]
            key = (state.node, chain.states[t].node if t < p.n_states else "end")
            if moves[e]:
                by_move[key] = by_move.get(key, 0.0) + moves[e]
    assert by_move == pytest.approx(expected)
    assert sum(hung) == pytest.approx(hung_up)


def test_the_walk_is_chosen_by_the_tree_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    chain = compile_chain(*_one_caller())
    p = plain.to_plain(chain)
    assert plain.walks_plain(20, p, 10)
    assert not plain.walks_plain(plain.PLAIN_NODES + 1, p, 10)
    monkeypatch.setattr(plain, "PLAIN_MOVES", len(p.target) * 11 - 1)
    assert not plain.walks_plain(20, p, 10) and plain.walks_plain(20, p, 9)


def _one_caller():
    tree = load(MENU.replace("PATIENCE", "25")).tree
    return tree, tree.personas[0]
