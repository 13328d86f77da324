"""`phonejail simulate` as users run it: exit codes and output together."""

from __future__ import annotations

import csv
import io
import json

import pytest

from phonejail.simulate import render
from phonejail.simulate.render import CSV_COLUMNS


def test_text_report_of_the_isp_story(run, in_repo) -> None:
    code, out, err = run("simulate", "--method", "exact", "trees/isp_billing.yaml")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "ISP billing line (trees/isp_billing.yaml): exact analysis (Markov chain)"
    internet_only = next(line for line in lines if line.startswith("internet-only customer"))
    # share, resolved, unresolved, callback, handed off, dead end, abandoned, jail rate
    assert internet_only.split() == ["internet-only", "customer", "25.0%", "0.0%", "0.0%",
                                     "0.0%", "0.0%", "100.0%", "0.0%", "100.0%"]
    assert "phone customer changing a card   >99.9%" in out  # reached, not quite all


def test_json_follows_the_contract(run, in_repo) -> None:
    code, out, _ = run("simulate", "--format", "json", "--callers", "2000", "--seed", "5",
                       "trees/small_business.yaml")
    data = json.loads(out)
    assert code == 0
    assert list(data) == ["tree", "name", "method", "callers", "seed", "personas", "overall",
                          "queues"]
    assert (data["tree"], data["method"], data["callers"], data["seed"]) == (
        "trees/small_business.yaml", "montecarlo", 2000, 5)
    # The bakery's counter: 2 agents, 8 calls an hour of 120 s, 60 s patience (Erlang A).
    counter = data["queues"]["counter"]
    assert list(counter) == ["offered_erlangs", "utilisation", "wait_seconds", "abandon"]
    assert counter["offered_erlangs"] == pytest.approx(8 * 120 / 3600)
    assert counter["abandon"] == pytest.approx(0.0149, abs=5e-5)
    persona = data["personas"][0]
    for key in ("name", "share", "outcomes", "reached_human", "jail_rate", "steps_to_human",
                "seconds_to_human", "identity_prompts", "repeated_identity_prompts",
                "calls_with_repeats", "transfers", "stderr"):
        assert key in persona
    assert list(persona["steps_to_human"]) == ["mean", "p50", "p90", "max"]
    assert persona["stderr"]["reached_human"] > 0
    assert data["overall"]["share"] == 1.0


def test_exact_json_has_null_callers_seed_and_figures_over_no_calls(run, in_repo) -> None:
    code, out, _ = run("simulate", "--method", "exact", "--format", "json",
                       "--persona", "internet-only customer", "trees/isp_billing.yaml")
    data = json.loads(out)
    assert code == 0 and data["callers"] is None and data["seed"] is None
    (persona,) = data["personas"]
    assert persona["steps_to_human"] == {"mean": None, "p50": None, "p90": None, "max": None}
    assert persona["stderr"] is None
    assert "queues" not in data  # only a tree that staffs a queue has its figures


def test_csv_has_a_row_per_persona_and_overall(run, in_repo) -> None:
    code, out, _ = run("simulate", "--format", "csv", "--method", "exact",
                       "trees/bank_800.yaml")
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 0 and tuple(rows[0]) == CSV_COLUMNS
    assert [r[0] for r in rows[1:]] == ["balance check", "lost card", "charge dispute",
                                         "mortgage question", "branch hours", "overall"]


def test_same_seed_gives_byte_identical_output(run, in_repo) -> None:
    args = ("simulate", "--format", "json", "--callers", "3000", "--seed", "11",
            "trees/bank_800.yaml")
    assert run(*args)[1] == run(*args)[1]


@pytest.mark.parametrize(("args", "code", "message"), [
    (["simulate", "nope.yaml"], 2, "'nope.yaml' does not exist"),
    (["simulate", "--persona", "bill payr", "trees/isp_billing.yaml"], 2,
     "no persona 'bill payr' (did you mean 'bill payer'?)"),
    (["simulate", "--callers", "0", "trees/isp_billing.yaml"], 2, "--callers"),
    (["simulate", "--method", "guess", "trees/isp_billing.yaml"], 2, "'guess' is not one of"),
])
def test_usage_errors(run, in_repo, args, code, message) -> None:
    status, out, err = run(*args)
    assert (status, out) == (code, "") and message in err


def test_a_tree_with_errors_is_refused_with_its_findings(run, tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("phonejail: 1\nname: x\nstart: a\nintents: [i]\nnodes:\n  a: {kind: say, "
                   "nxet: a}\n")
    code, out, err = run("simulate", bad)
    assert code == 1 and out == ""
    assert f"{bad}:6:18: error PJ002 schema: nodes.a: unknown key 'nxet'" in err
    assert "has errors; fix them before simulating" in err


def test_a_zero_step_cycle_is_refused_naming_it(run, tmp_path) -> None:
    tree = tmp_path / "loop.yaml"
    tree.write_text("phonejail: 1\nname: x\nstart: a\nintents: [i, j]\nnodes:\n"
                    "  a: {kind: branch, cases: [{when: {chance: 0.5}, to: b}], else: h}\n"
                    "  b: {kind: branch, cases: [{when: {intent: i}, to: a}], else: h}\n"
                    "  h: {kind: agent}\n")
    code, out, err = run("simulate", "--method", "exact", tree)
    assert code == 1 and out == ""
    assert "a cycle of nodes that take no step: " in err and "a -> b -> a" in err.replace(
        "b -> a -> b", "a -> b -> a")


def test_progress_bar_appears_only_on_a_terminal_after_a_second(monkeypatch, capsys) -> None:
    from phonejail import cli

    clock = iter([0.0, 0.0, 0.5, 2.0])  # two starts, then two updates
    monkeypatch.setattr(cli.time, "monotonic", lambda: next(clock))
    quiet = cli._Progress(100, "simulating", enabled=False)
    shown = cli._Progress(100, "simulating", enabled=True)
    quiet(10)
    shown(10)  # 0.5 s in: nothing yet
    assert shown.bar is None
    shown(40)  # 2 s in: the bar appears, already at 50
    assert shown.bar is not None and quiet.bar is None
    shown.close()
    assert "simulating" in capsys.readouterr().err


def test_json_shares_are_the_shares_written_in_the_tree(run, in_repo) -> None:
    """The ISP's 0.25, 0.35, 0.3 and 0.1 add up to 0.9999999999999999 in floating point;
    normalised by that sum they read 0.25000000000000006 in JSON. The exact sum keeps them
    as written, and the report's summary.json (rounded to 9 decimals) agrees digit for digit."""
    code, out, _ = run("simulate", "--method", "exact", "--format", "json",
                       "trees/isp_billing.yaml")
    assert code == 0
    shares = [p["share"] for p in json.loads(out)["personas"]]
    assert shares == [0.25, 0.35, 0.3, 0.1]


@pytest.mark.parametrize(("share", "shown"), [
    (0.0, "0.0%"), (0.00007, "<0.1%"), (0.0005, "0.1%"), (0.5, "50.0%"),
    (0.99949, "99.9%"), (0.99998, ">99.9%"), (1.0, "100.0%"),
])
def test_a_share_is_never_rounded_to_a_false_0_or_100_percent(share: float, shown: str) -> None:
    assert render.pct(share) == shown
