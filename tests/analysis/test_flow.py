"""Pass-through chances and edge flows, against the menu tree worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from phonejail.analysis.arrays import to_arrays
from phonejail.analysis.chain import compile_chain
from phonejail.analysis.flow import edge_flow, pass_probabilities
from tests.conftest import load
from tests.simulate.test_engines import MENU


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
