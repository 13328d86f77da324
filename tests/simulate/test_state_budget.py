"""The state budget (PJ008): past it no chain is built, the exact analysis refuses clearly,
and Monte-Carlo samples the calls with a `LazyChain` that agrees with the exact figures."""

from __future__ import annotations

import numpy as np
import pytest

from phonejail.analysis import chain as chain_module
from phonejail.analysis.arrays import to_arrays
from phonejail.analysis.chain import ChainTooLarge, compile_chain
from phonejail.analysis.exact import analyse
from phonejail.analysis.tally import figures
from phonejail.simulate import montecarlo, run
from phonejail.simulate.montecarlo import LazyChain, simulate
from tests.conftest import load
from tests.simulate.agreement import disagreements


def facts_tree(k: int) -> str:
    """K facts, each asked on a chance and then tested by a `given:` branch: 2^K states per
    node after them (the shape that exhausted memory before the budget)."""
    facts = [f"f{i}" for i in range(k)]
    lines = ["phonejail: 1", "name: facts", "start: hello", "intents: [x]",
             "identity: {" + ", ".join(f"{f}: null" for f in facts) + "}", "nodes:",
             "  hello: {kind: say, say: hi, seconds: 2, next: gate0}"]
    for i, fact in enumerate(facts):
        after = f"gate{i + 1}" if i + 1 < k else "desk"
        lines += [f"  gate{i}: {{kind: branch, cases: [{{when: {{chance: 0.5}}, to: ask{i}}}],"
                  f" else: check{i}}}",
                  f"  ask{i}: {{kind: ask, fact: {fact}, seconds: {i + 1}, ok: check{i}, "
                  f"fail: check{i}}}",
                  f"  check{i}: {{kind: branch, cases: [{{when: {{given: {fact}}}, to: "
                  f"{after}}}], else: {after}}}"]
    lines += ["  desk: {kind: agent, success: 0.9, wait_seconds: 30}",
              "callers: [{name: careful, intent: x, mistakes: 0.1, patience: 40}]"]
    return "\n".join(lines) + "\n"


@pytest.fixture
def budget(monkeypatch: pytest.MonkeyPatch):
    """Set the state budget for compile_chain and LazyChain alike."""

    def _set(states: int) -> None:
        monkeypatch.setattr(chain_module, "MAX_CHAIN_STATES", states)
        monkeypatch.setattr(montecarlo, "MAX_CHAIN_STATES", states)

    return _set


def test_compile_chain_stops_at_the_budget_and_names_it() -> None:
    tree = load(facts_tree(6)).tree
    persona = tree.personas[0]
    states = len(compile_chain(tree, persona).states)
    assert len(compile_chain(tree, persona, budget=states).states) == states
    with pytest.raises(ChainTooLarge) as raised:
        compile_chain(tree, persona, budget=states - 1)
    assert raised.value.budget == states - 1 and f"{states - 1:,} states" in str(raised.value)


def test_the_facts_tree_doubles_its_states_with_each_fact() -> None:
    sizes = [len(compile_chain(t, t.personas[0]).states)
             for t in (load(facts_tree(k)).tree for k in (4, 5, 6))]
    assert sizes[1] > 1.8 * sizes[0] and sizes[2] > 1.8 * sizes[1]


@pytest.mark.parametrize("k, budget_states", [(6, 200), (7, 300)])
def test_a_lazy_chain_that_forgets_states_samples_the_exact_figures(k: int,
                                                                   budget_states: int) -> None:
    tree = load(facts_tree(k)).tree
    persona = tree.personas[0]
    a = to_arrays(compile_chain(tree, persona))
    assert a.n_states > 2 * budget_states  # the budget really binds
    exact = figures(analyse(a, persona.patience), sampled=False)
    lazy = LazyChain(tree, persona, budget=budget_states)
    calls = 8_000
    sampled = figures(simulate(lazy, persona.patience, calls, np.random.default_rng(3)),
                      sampled=True)
    assert lazy.forgotten > 0 and len(lazy.states) <= budget_states
    assert disagreements(sampled, exact, calls) == []


def test_monte_carlo_runs_past_the_budget_and_exact_refuses(budget) -> None:
    tree = load(facts_tree(6)).tree
    exact = run(tree, method="exact")
    budget(200)
    with pytest.raises(ChainTooLarge):
        run(tree, method="exact")
    sampled = run(tree, method="montecarlo", callers=8_000, seed=5)
    (persona,) = sampled.personas
    assert disagreements(persona.figures, exact.personas[0].figures, 8_000) == []


def test_simulate_cli_past_the_budget(run, tmp_path, budget) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text(facts_tree(6))
    budget(100)
    code, out, err = run("simulate", "-q", "--method", "exact", path)
    assert code == 1 and out == ""
    assert "more than 100 states" in err and "PJ008" in err and "--method montecarlo" in err
    code, out, err = run("simulate", "-q", "--callers", "2000", path)
    assert code == 0 and "Monte-Carlo, 2,000 callers" in out and err == ""


def test_check_past_the_budget_says_pj008_once_and_nothing_it_cannot_judge(budget) -> None:
    from tests.conftest import check

    text = facts_tree(6).replace("success: 0.9", "success: 0.1")  # jailed: PJ105 under budget
    assert "PJ105" in [f.code for f in check(text)]
    budget(100)
    found = check(text)
    assert [f.code for f in found] == ["PJ008"]
    assert "more than 100 states" in found[0].message and found[0].node == "hello"


def test_report_past_the_budget_says_the_exact_analysis_was_skipped(run, tmp_path,
                                                                   budget) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text(facts_tree(6))
    budget(100)
    code, _, _ = run("report", path, "-o", tmp_path / "out")
    summary = (tmp_path / "out" / "facts" / "summary.md").read_text()
    assert code == 1 and "PJ008" in summary
    assert "the exact analysis is skipped" in summary and "more than 100 states" in summary
