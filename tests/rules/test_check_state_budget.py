"""The state budget of a whole check (docs/format.md, "Limits"): many chains, each within
its own budget, cannot together take a check past `limits.MAX_CHECK_STATES`; past it,
one PJ008 finding that names the check's budget, never a MemoryError or a traceback."""

from __future__ import annotations

import pytest

from phonejail import limits
from phonejail.config import Config
from phonejail.lint import check_loaded
from phonejail.model import load_file
from phonejail.rules import RULES
from phonejail.rules.base import Context
from tests.conftest import TREES


def _compiled(path) -> int:
    """States a full check of `path` compiles, all chains together."""
    tree = load_file(path).tree
    assert tree is not None
    ctx = Context(tree, Config().options)
    for rule in RULES.values():
        if rule.check is not None:
            list(rule.check(ctx))
    assert ctx.too_large is None
    return ctx._compiled_states


def test_within_the_budget_a_check_is_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    path = TREES / "isp_billing.yaml"
    total = _compiled(path)
    kept = check_loaded(load_file(path), Config())
    monkeypatch.setattr(limits, "MAX_CHECK_STATES", total)
    assert check_loaded(load_file(path), Config()) == kept


@pytest.mark.parametrize("share", [0.5, 0.999])
def test_past_the_budget_one_pj008_names_the_check_s_budget(
        monkeypatch: pytest.MonkeyPatch, share: float) -> None:
    """Early (while PJ008 compiles the personas' chains) or late (in a later rule's
    chains, such as PJ103's callers who lack a fact): one PJ008 at the start node."""
    path = TREES / "isp_billing.yaml"
    total = _compiled(path)
    kept = {(f.code, f.line, f.message) for f in check_loaded(load_file(path), Config())}
    budget = int(total * share)
    monkeypatch.setattr(limits, "MAX_CHECK_STATES", budget)
    found = check_loaded(load_file(path), Config())
    budget_findings = [f for f in found if f.code == "PJ008"]
    assert len(budget_findings) == 1
    (pj008,) = budget_findings
    tree = load_file(path).tree
    assert tree is not None and pj008.node == tree.start
    assert f"more than {budget:,} states in all" in pj008.message
    assert "state budget of one check" in pj008.message
    # What was judged before the budget ran out stands; nothing new is made up.
    assert {(f.code, f.line, f.message) for f in found if f.code != "PJ008"} <= kept


def test_past_the_budget_check_answers_with_pj008_on_the_command_line(
        run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_CHECK_STATES", 5)
    code, out, err = run("check", TREES / "isp_billing.yaml", "--select", "PJ008,PJ105")
    assert code == 1 and err == ""
    assert "PJ008" in out and "more than 5 states in all" in out
    assert "PJ105" not in out
