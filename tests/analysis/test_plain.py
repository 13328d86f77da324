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


def _most_visits_walked(p: plain.PlainChain, patience: int) -> int:
    """The most visits any one call makes, by trying every way, level by level of steps
    taken: a visit to a state that takes a step with no patience left is the call's last."""
    n, step = p.n_states, p.step
    after = [[t for t in p.target[p.indptr[i]:p.indptr[i + 1]] if t < n] for i in range(n)]
    order: list[int] = []  # states that take no step, each after those it leads to
    done = [False] * n

    def place(i: int) -> None:
        stack = [(i, iter(after[i]))]
        done[i] = True
        while stack:
            here, rest = stack[-1]
            t = next((t for t in rest if not step[t] and not done[t]), None)
            if t is None:
                stack.pop()
                order.append(here)
            else:
                done[t] = True
                stack.append((t, iter(after[t])))

    for i in range(n):
        if not step[i] and not done[i]:
            place(i)
    later = [0] * n  # visits from each state with one step more taken
    for steps in range(patience, -1, -1):
        now = [0] * n
        for i in range(n):
            if step[i]:
                now[i] = 1 if steps >= patience else 1 + max((later[t] for t in after[i]),
                                                              default=0)
        for i in order:
            now[i] = 1 + max((now[t] for t in after[i]), default=0)
        later = now
    return later[0]


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(valid_trees())
def test_most_visits_bounds_every_call(text: str) -> None:
    tree = load(text).tree
    assert tree is not None
    for persona in tree.judged:
        try:
            p = plain.to_plain(compile_chain(tree, persona))
        except (ChainTooLarge, ZeroStepCycle):
            continue
        patience = min(persona.patience, 6)  # keeps the walk of every way small
        assert plain.most_visits(p, patience) >= _most_visits_walked(p, patience)


@pytest.mark.parametrize(("fixture", "patience", "bound", "walked"), [
    # ten branches walked once, then a menu that replays twice at most (its retries)
    # and the agent: no cycle, so the bound is the longest way, 14 visits
    ("good/long_run_walked_once.yaml", 1000, 14, 14),
    # a say and ten branches in a loop, 1,000 rounds and the last say (11,001 visits);
    # the bound: the agent once, 1,001 says, 1,002 runs of ten branches
    ("bad/pj009_visit_cap.yaml", 1000, 11022, 11001),
])
def test_most_visits_by_hand(fixture: str, patience: int, bound: int, walked: int) -> None:
    tree = load_file(ROOT / "tests" / "rules" / fixture).tree
    assert tree is not None
    p = plain.to_plain(compile_chain(tree, tree.personas[0]))
    assert tree.personas[0].patience == patience
    assert plain.most_visits(p, patience) == bound
    assert _most_visits_walked(p, patience) == walked
