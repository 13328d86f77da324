"""Pass-through chances and edge flows, against the menu tree worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from phonejail.analysis.arrays import to_arrays
from phonejail.analysis.chain import compile_chain
from phonejail.analysis.flow import edge_flow, pass_probabilities
from tests.conftest import load
from tests.simulate.test_engines import MENU
from tests.test_properties import valid_trees


def _menu(patience: int):
    tree = load(MENU.replace("PATIENCE", str(patience))).tree
    persona = tree.personas[0]
    chain = compile_chain(tree, persona)
    return tree, persona, chain, to_arrays(chain)


@pytest.mark.parametrize(("patience", "expected"), [
    # hello -> menu: 0.9 to the agent at once, 0.1 back to the menu, then 0.9 / 0.1 again
    (25, {"hello": 1.0, "menu": 1.0, "agent": 0.99, "bye": 0.01}),
    # patience 2: the second menu visit would be step 3, so those callers hang up first
    (2, {"hello": 1.0, "menu": 1.0, "agent": 0.9, "bye": 0.0}),
])
def test_pass_probabilities_by_hand(patience: int, expected: dict[str, float]) -> None:
    tree, persona, chain, a = _menu(patience)
    nodes = list(tree.nodes)
    at = np.array([s.node for s in chain.states], dtype=object)
    masks = at[:, None] == np.array(nodes, dtype=object)[None, :]
    got = pass_probabilities(a, persona.patience, masks)
    assert dict(zip(nodes, got.tolist(), strict=True)) == pytest.approx(expected)


def test_edge_flows_by_hand() -> None:
    tree, persona, chain, a = _menu(25)
    flow = edge_flow(a, persona.patience)
    src = np.repeat(np.arange(a.n_states), np.diff(a.indptr))
    by_move: dict[tuple[str, str], float] = {}
    for e, amount in enumerate(flow):
        t = a.target[e]
        key = (chain.states[src[e]].node, chain.states[t].node if t < a.n_states else "end")
        by_move[key] = by_move.get(key, 0.0) + amount
    assert by_move == pytest.approx({("hello", "menu"): 1.0, ("menu", "agent"): 0.99,
                                     ("menu", "menu"): 0.1, ("menu", "bye"): 0.01,
                                     ("agent", "end"): 0.99, ("bye", "end"): 0.01})


def _node_masks(tree, chain) -> np.ndarray:
    at = np.array([s.node for s in chain.states], dtype=object)
    return at[:, None] == np.array(list(tree.nodes), dtype=object)[None, :]


def _entries_equal_absorbing(tree) -> None:
    from phonejail.analysis.arrays import ZeroStepCycle
    from phonejail.analysis.flow import propagate

    for persona in tree.personas:
        chain = compile_chain(tree, persona)
        try:
            a = to_arrays(chain)
        except ZeroStepCycle:
            return
        masks = _node_masks(tree, chain)
        # Every set absorbing the mass that reaches it: the definition, one column each.
        absorbed = propagate(a, persona.patience, stop=masks)
        assert pass_probabilities(a, persona.patience, masks) == pytest.approx(absorbed,
                                                                              abs=1e-12)


@pytest.mark.parametrize("name", ["isp_billing", "bank_800", "pharmacy", "shop",
                                  "isp_billing_journey", "small_business"])
def test_pass_probabilities_by_entries_equal_absorbing_on_example_trees(name: str) -> None:
    from phonejail.model import load_file
    from tests.conftest import TREES

    _entries_equal_absorbing(load_file(TREES / f"{name}.yaml").tree)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(valid_trees())
def test_pass_probabilities_by_entries_equal_absorbing_on_random_trees(text: str) -> None:
    # Random wiring makes loops through several nodes (absorbed) and nodes a call cannot
    # come back to (counted by entries), patience cuts and zero-step runs alike.
    _entries_equal_absorbing(load(text).tree)
