"""`phonejail staff`: the staffing curve, its figures, formats and refusals."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from phonejail.analysis.staffing import queue_figures
from phonejail.simulate.staff import StaffingError, parse_agents, sweep
from tests.conftest import load

TREE = """\
phonejail: 1
name: billing line
start: welcome
intents: [billing]
nodes:
  welcome: {kind: say, say: "Thanks for calling.", seconds: 2, next: billing_desk}
  billing_desk: {kind: agent, queue: billing}
queues:
  billing: {agents: 9, calls_per_hour: 100, handle_seconds: 300, patience_seconds: 120}
"""


@pytest.fixture
def tree_file(tmp_path: Path) -> Path:
    path = tmp_path / "billing.yaml"
    path.write_text(TREE)
    return path


def test_every_caller_queues_once_so_jail_rate_is_the_queue_abandonment() -> None:
    # One agent who resolves every intent behind one queue: a call is jailed exactly
    # when the caller hangs up in the queue, once (9 agents: 13.0 %, by Erlang A).
    tree = load(TREE).tree
    table = sweep(tree, tree.queues["billing"], (6, 9, 12))
    for row in table.rows:
        assert row.queue is not None
        assert row.jail_rate == pytest.approx(row.queue.abandon, abs=1e-12)
        assert row.reached_human == pytest.approx(1 - row.queue.abandon, abs=1e-12)
    assert [round(r.queue.abandon, 4) for r in table.rows] == [0.3420, 0.1295, 0.0311]


def test_a_transfer_back_to_the_queue_queues_again() -> None:
    # Agent `first` cannot resolve, transfers to `second` behind the same queue: a
    # call reaches the human who helps only if it is answered twice.
    text = TREE.replace("  billing_desk: {kind: agent, queue: billing}\n",
                        "  billing_desk: {kind: agent, queue: billing, resolves: [],"
                        " transfer: second}\n  second: {kind: agent, queue: billing}\n")
    tree = load(text).tree
    (row,) = sweep(tree, tree.queues["billing"], (10,)).rows
    answered = 1 - queue_figures(replace(tree.queues["billing"], agents=10)).abandon
    assert row.jail_rate == pytest.approx(1 - answered**2, abs=1e-12)


@pytest.mark.parametrize(("text", "counts"), [
    ("4..8", (4, 5, 6, 7, 8)), ("10", (10,)), ("8, 10,12..13", (8, 10, 12, 13)),
    ("3..3", (3,)),
])
def test_agents_are_ranges_and_lists(text: str, counts: tuple[int, ...]) -> None:
    assert parse_agents(text) == counts


@pytest.mark.parametrize(("text", "message"), [
    ("0..4", "at least 1 agent"), ("9..4", "low <= high"), ("four", "'four' is not"),
    ("1..5000", "more than 1000 rows"), ("4-8", "'4-8' is not"),
])
def test_bad_agents_are_refused(text: str, message: str) -> None:
    with pytest.raises(StaffingError, match=message):
        parse_agents(text)


def test_staff_prints_the_curve_and_marks_the_current_staffing(run, tree_file: Path) -> None:
    code, out, err = run("staff", tree_file, "--queue", "billing", "--agents", "8..10")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[1] == ("100 calls per hour x 300 s = 8.33 erlangs offered; "
                        "mean patience 120 s (Erlang A)")
    assert lines[3].split() == ["agents", "utilisation", "mean", "wait", "abandon", "in",
                                "queue", "jail", "rate", "reached", "human"]
    assert [line.split() for line in lines[5:8]] == [
        ["8", "84.7%", "18", "s", "18.7%", "18.7%", "81.3%"],
        ["9", "*", "80.6%", "12", "s", "13.0%", "13.0%", "87.0%"],
        ["10", "76.2%", "8", "s", "8.5%", "8.5%", "91.5%"],
    ]


def test_staff_json_and_csv_carry_the_unrounded_figures(run, tree_file: Path) -> None:
    code, out, _ = run("staff", tree_file, "--agents", "9", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["queue"] == {"name": "billing", "agents": 9, "calls_per_hour": 100.0,
                             "handle_seconds": 300.0, "patience_seconds": 120.0,
                             "offered_erlangs": pytest.approx(100 * 300 / 3600)}
    (row,) = data["rows"]
    assert row["abandon"] == pytest.approx(0.1295203, abs=1e-7)
    assert row["stable"] is True and row["jail_rate"] == pytest.approx(row["abandon"])
    code, out, _ = run("staff", tree_file, "--agents", "9", "--format", "csv")
    (csv_row,) = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and float(csv_row["abandon"]) == pytest.approx(row["abandon"])


def test_unstable_staffing_is_a_row_not_an_error(run, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(TREE.replace(", patience_seconds: 120", ""))
    code, out, _ = run("staff", path, "--agents", "8..9")
    assert code == 0
    assert out.splitlines()[5].split() == ["8", "unstable", "-", "-", "-", "-"]
    assert "it grows without end" in out
    code, out, _ = run("staff", path, "--agents", "8", "--format", "json")
    assert json.loads(out)["rows"][0] == {
        "agents": 8, "offered_erlangs": None, "utilisation": None, "wait_seconds": None,
        "abandon": None, "stable": False, "jail_rate": None, "reached_human": None}


def test_default_agents_span_the_load_and_the_limits(run, tree_file: Path) -> None:
    code, out, _ = run("staff", tree_file, "--format", "json")
    # 8.3 erlangs, 9 agents now, 10 needed by the PJ209 limits: 6..13.
    assert code == 0
    assert [r["agents"] for r in json.loads(out)["rows"]] == list(range(6, 14))


@pytest.mark.parametrize(("args", "message"), [
    (("--queue", "biling"), "no queue 'biling' (did you mean 'billing'?)"),
    (("--agents", "0"), "give at least 1 agent"),
])
def test_bad_requests_are_usage_errors(run, tree_file: Path, args, message: str) -> None:
    code, out, err = run("staff", tree_file, *args)
    assert (code, out) == (2, "")
    assert message in err


def test_a_tree_without_queues_or_with_several_says_what_to_do(run, tmp_path: Path) -> None:
    bare = tmp_path / "bare.yaml"
    bare.write_text(TREE.split("queues:")[0])
    code, _, err = run("staff", bare)
    assert code == 2 and "staffs no queue: add `queues:`" in err
    # a queue an agent names that `queues` does not staff: said so, with what to add
    code, _, err = run("staff", bare, "--queue", "billing")
    assert code == 2 and "is not staffed: add it under `queues:` with agents, " in err, err
    two = tmp_path / "two.yaml"
    two.write_text(TREE + "  sales: {agents: 2, calls_per_hour: 10, handle_seconds: 60}\n")
    code, _, err = run("staff", two)
    assert code == 2 and "staffs 2 queues; name one with --queue: billing, sales" in err


def test_a_broken_tree_is_refused_with_its_findings(run, tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(TREE.replace("agents: 9", "agents: nine"))
    code, out, err = run("staff", path)
    assert (code, out) == (1, "")
    assert "queues.billing.agents: expected a whole number" in err
