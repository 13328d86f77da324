"""Callers the rules judge are the callers `simulate` walks (intents no persona covers
included), and the small things a user hits at once: one sampled call, --callers with
--method exact, `explain` by name."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

TREE = str(Path(__file__).parent / "fixtures" / "uncovered_intent.yaml")


@pytest.mark.parametrize("method", ["exact", "montecarlo"])
def test_an_intent_no_persona_covers_is_simulated_as_the_rules_judge_it(run, method) -> None:
    code, out, err = run("simulate", "--method", method, TREE)
    assert code == 0 and err == ""
    line = next(x for x in out.splitlines() if x.startswith("No persona under callers"))
    assert line.startswith("No persona under callers: calls for 'lost_card': it is judged as "
                           "a default caller (knowing every fact) at 0% of calls, as the rules "
                           "(PJ105) judge it")
    assert ("Monte-Carlo samples none of their calls" in line) is (method == "montecarlo")
    data = json.loads(run("simulate", "--method", method, "--format", "json", TREE)[1])
    assert data["uncovered_intents"] == ["lost_card"]
    lost = next(p for p in data["personas"] if p["name"] == "lost_card")
    assert lost["share"] == 0.0
    payer = next(p for p in data["personas"] if p["name"] == "payer")
    # 0% of calls: the overall figures are the payer's alone.
    assert data["overall"]["jail_rate"] == pytest.approx(payer["jail_rate"])
    if method == "exact":
        # The figure PJ105 names: the agent does not resolve lost_card, every call jailed.
        assert lost["jail_rate"] == pytest.approx(1.0)
        check = run("check", "-q", TREE)[1]
        assert ("the default caller for intent 'lost_card'" in check
                and "ends in phone jail on 100.0% of its calls" in check)
    else:
        assert lost["callers"] == 0 and lost["jail_rate"] is None


def test_one_sampled_call_gives_null_figures_not_nan(run, in_repo, tmp_path) -> None:
    code, out, err = run("simulate", "--callers", "1", "--format", "json",
                         "trees/isp_billing.yaml")
    assert code == 0 and err == ""
    assert "NaN" not in out
    data = json.loads(out)
    unsampled = [p for p in data["personas"] if p["callers"] == 0]
    assert len(unsampled) == 3 and all(p["jail_rate"] is None for p in unsampled)
    assert data["overall"]["stderr"]["identity_prompts"] is None  # no spread over one call
    sampled = next(p for p in data["personas"] if p["callers"] == 1)
    assert sampled["jail_rate"] == 0.0
    code, out, _ = run("simulate", "--callers", "1", "trees/isp_billing.yaml")
    assert code == 0
    outcomes = next(line for line in out.splitlines() if line.startswith("outage reporter"))
    assert outcomes.split()[2:] == ["10.0%", "0", *["-"] * 7]  # share, callers, no figures
    code, out, _ = run("simulate", "--callers", "1", "--format", "csv", "trees/isp_billing.yaml")
    assert code == 0 and "nan" not in out.lower()
    code, _, _ = run("report", "-q", "--callers", "1", "trees/isp_billing.yaml", "-o", tmp_path)
    summary = (tmp_path / "isp_billing" / "summary.json").read_text()
    assert "NaN" not in summary and "Infinity" not in summary
    json.loads(summary, parse_constant=lambda name: math.nan)


def test_exact_with_callers_warns_that_the_count_is_unused(run, in_repo) -> None:
    code, out, err = run("simulate", "--method", "exact", "--callers", "5", "trees/shop.yaml")
    assert code == 0 and out.startswith("Tidy Box shop line (trees/shop.yaml): exact")
    assert err == "phonejail: warning: --callers unused with --method exact (it samples no calls)\n"
    assert run("simulate", "--method", "exact", "trees/shop.yaml")[2] == ""


def test_explain_takes_a_rule_name_as_well_as_a_code(run) -> None:
    by_name = run("explain", "dead-end")
    assert by_name[0] == 0 and by_name[1].startswith("PJ101 dead-end (error):")
    assert by_name == run("explain", "PJ101")
