"""The rule Context shares chains across callers without changing any answer."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings

from phonejail.analysis import plain
from phonejail.analysis.chain import compile_chain
from phonejail.config import Config
from phonejail.lint import lint_tree
from phonejail.model import load_file
from phonejail.model.tree import Persona, Tree
from phonejail.rules import base
from phonejail.rules._jail import CallerFlow, CallerJail
from phonejail.rules.base import Context
from tests.conftest import ROOT, TREES, load
from tests.test_properties import valid_trees

TREE_FILES = sorted([*TREES.glob("*.yaml"), *(ROOT / "tests" / "rules").glob("*/*.yaml")])


def _tree(path: Path) -> Tree | None:
    return load_file(path).tree


@pytest.mark.parametrize("path", TREE_FILES, ids=lambda p: p.name)
def test_every_rule_finds_the_same_with_a_one_chain_cache(
        path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = _tree(path)
    if tree is None:
        pytest.skip("does not load")
    config = Config()
    kept = lint_tree(tree, config)
    monkeypatch.setattr(base, "CACHED_CHAIN_STATES", 1)
    assert lint_tree(tree, config) == kept


@pytest.mark.parametrize("path", TREE_FILES, ids=lambda p: p.name)
def test_every_rule_finds_the_same_whichever_walk_the_flows_take(
        path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A small tree's flows are walked in plain Python (`analysis.plain`); the findings,
    # figures in their messages included, are those of numpy's walk.
    tree = _tree(path)
    if tree is None:
        pytest.skip("does not load")
    config = Config()
    flows = [Context(tree).flow_of(p) for p in tree.judged]
    assert not any(isinstance(f, CallerFlow) and f.walked_with_numpy for f in flows)
    kept = lint_tree(tree, config)
    monkeypatch.setattr(plain, "PLAIN_NODES", -1)  # every tree past it: numpy walks all
    flows = [Context(tree).flow_of(p) for p in tree.judged]
    assert all(f.walked_with_numpy for f in flows if isinstance(f, CallerFlow))
    assert lint_tree(tree, config) == kept


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(valid_trees())
def test_every_rule_finds_the_same_whichever_walk_on_random_trees(text: str) -> None:
    tree = load(text).tree
    assume(tree is not None)
    config = Config()
    kept = lint_tree(tree, config)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plain, "PLAIN_NODES", -1)
        assert lint_tree(tree, config) == kept


def test_exact_chain_is_the_persona_s_own_and_the_jail_compiles_no_second(
        monkeypatch: pytest.MonkeyPatch) -> None:
    tree = _tree(TREES / "isp_billing.yaml")
    assert tree is not None
    compiled: list[str] = []

    def counting(tree: Tree, persona: Persona, budget: int | None = None):
        compiled.append(persona.name)
        return compile_chain(tree, persona, budget)

    monkeypatch.setattr(base, "compile_chain", counting)
    ctx = Context(tree)
    for persona in ctx.callers:
        mine = ctx.exact_chain(persona)
        assert mine == compile_chain(tree, persona)
        # A caller with the same odds but another name and patience gets the same moves.
        twin = replace(persona, name="twin", patience=persona.patience + 1)
        assert ctx.exact_chain(twin) == replace(mine, persona=twin)
    before = len(compiled)
    assert before == len({base.moves_key(p) for p in ctx.callers})
    jails = ctx.jail
    assert not isinstance(jails, type(None))
    assert len(compiled) == before


def test_the_cache_drops_the_least_recently_used_chain_past_its_budget(
        monkeypatch: pytest.MonkeyPatch) -> None:
    tree = _tree(TREES / "isp_billing.yaml")
    assert tree is not None
    ctx = Context(tree)
    first, second = ctx.callers[:2]
    budget = len(ctx.exact_chain(first).states)
    monkeypatch.setattr(base, "CACHED_CHAIN_STATES", budget)
    ctx.exact_chain(second)
    assert list(ctx._chains) == [base.moves_key(second)]
    assert ctx._cached_states == len(ctx.exact_chain(second).states)
    assert ctx.chain(first) == compile_chain(tree, first)  # compiled again when asked


def test_the_worst_node_of_a_tie_is_the_one_the_calls_meet_first() -> None:
    tree = load("""
        phonejail: 1
        name: tie
        start: menu
        intents: [billing]
        nodes:
          menu:
            kind: menu
            options:
              - {key: "1", to: first}
              - {key: "2", to: second}
          first: {kind: hangup}
          second: {kind: hangup}
    """).tree
    assert tree is not None
    persona = Context(tree).callers[0]
    chain = compile_chain(tree, persona)
    met = [s.node for s in chain.states]
    assert met.index("first") < met.index("second")
    for lost in ({"second": 0.25, "first": 0.25}, {"first": 0.25, "second": 0.25},
                 {"menu": 0.1, "second": 0.25, "first": 0.25}):
        jail = CallerJail(persona, 1.0, {}, 0.5, lost, chain=chain)
        assert jail.worst == ("first", 0.25)
    jail = CallerJail(persona, 1.0, {}, 0.6, {"first": 0.25, "second": 0.35}, chain=chain)
    assert jail.worst == ("second", 0.35)


@pytest.mark.parametrize("path", TREE_FILES, ids=lambda p: p.name)
def test_the_flow_summed_jail_rate_is_the_exact_one_within_rounding(path: Path) -> None:
    """PJ103 decides on the flow's jail rate when it is `ROUNDING` clear of a limit: it
    must be the exact engine's figure up to summation order."""
    from phonejail.rules._jail import ROUNDING, CallerFlow

    tree = _tree(path)
    if tree is None:
        pytest.skip("does not load")
    ctx = Context(tree)
    for persona in ctx.callers:
        flow, jail = ctx.flow_of(persona), ctx.jail_of(persona)
        assert isinstance(flow, CallerFlow) == isinstance(jail, CallerJail)
        if isinstance(jail, CallerJail):
            assert abs(flow.jail_rate - jail.jail_rate) < ROUNDING / 1000
            # A flow walked in plain Python adds the same products in another order.
            assert flow.visits == pytest.approx(jail.visits, rel=0, abs=ROUNDING / 1000)
