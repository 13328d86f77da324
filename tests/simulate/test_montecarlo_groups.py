"""Monte-Carlo draws alike calls together (one multinomial per group) and lets them go one by
one when their histories spread: both ways sample the chain, and agree with the exact figures."""

from __future__ import annotations

import numpy as np
import pytest

from phonejail.model import load_file
from phonejail.simulate import montecarlo, run
from tests.conftest import TREES
from tests.simulate.agreement import disagreements


def _agree(tree, calls: int, seed: int = 7) -> None:
    exact = run(tree, method="exact")
    sampled = run(tree, method="montecarlo", callers=calls, seed=seed)
    problems = []
    for e, m in zip((*exact.personas, exact.overall), (*sampled.personas, sampled.overall),
                    strict=True):
        if m.callers:
            problems += [f"{e.name}: {d}" for d in disagreements(m.figures, e.figures,
                                                                  m.callers)]
    assert problems == []


@pytest.mark.parametrize("name", ["isp_billing", "bank_800", "pharmacy"])
def test_calls_let_go_one_by_one_from_the_start_agree_with_exact(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(montecarlo, "SPREAD", 10**12)  # groups give way after one step
    _agree(load_file(TREES / f"{name}.yaml").tree, calls=40_000)


@pytest.mark.parametrize("spread", [2, 8, 64])
def test_groups_giving_way_at_any_point_agree_with_exact(
        spread: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(montecarlo, "SPREAD", spread)
    _agree(load_file(TREES / "bank_800.yaml").tree, calls=40_000)


def test_a_hundred_million_callers_in_groups() -> None:
    tree = load_file(TREES / "isp_billing.yaml").tree
    sampled = run(tree, method="montecarlo", callers=10**8, seed=3)
    assert sum(p.callers or 0 for p in sampled.personas) == 10**8
    _agree(tree, calls=10**8, seed=3)


def test_groups_are_drawn_as_calls_one_by_one() -> None:
    # One state, moves 0.2 / 0.3 / 0.5 to three outcomes: a group of n calls splits as
    # n calls drawn alone would (a multinomial), the last move taking what is left.
    from phonejail.analysis.arrays import ChainArrays

    def one_state(prob: list[float], target: list[int]) -> ChainArrays:
        z = np.zeros(1, dtype=np.int64)
        return ChainArrays(1, np.zeros(1, bool), z, z, z, np.zeros(1, bool), z, z,
                           np.zeros(1, bool), np.array([0, len(prob)]), np.array(target),
                           np.array(prob), 0)

    a = one_state([0.2, 0.3, 0.5], [1, 2, 5])  # resolved, unresolved, dead end
    prob, target = montecarlo.move_table(a)
    assert prob.shape == (1, 3) and prob[0, -1] == 0.5 and target[0, -1] == 5
    tally = montecarlo.simulate(a, 10, 1_000_000, np.random.default_rng(1))
    shares = tally.outcomes / tally.weight
    assert shares[[0, 1, 4]] == pytest.approx([0.2, 0.3, 0.5], abs=4 * 0.0005)
    assert tally.outcomes.sum() == 1_000_000


def test_moves_summed_past_1_by_rounding_are_drawn() -> None:
    # Five options and key 0 all lead to the agent: the merged move's chance sums to
    # 1.0000000000000002, which numpy's multinomial refused (a crash the fuzzer found).
    from tests.conftest import load

    options = "".join(f'\n      - {{key: "{k}", to: agent}}' for k in "123450")
    tree = load(f"""
phonejail: 1
name: every key to the agent
start: menu
intents: [x]
nodes:
  menu:
    kind: menu
    options:{options}
    invalid: menu
    no_input: menu
    fail: agent
  agent: {{kind: agent}}
""").tree
    result = run(tree, method="montecarlo", callers=10_000, seed=1)
    assert result.personas[0].figures.outcomes["resolved"] == 1.0
