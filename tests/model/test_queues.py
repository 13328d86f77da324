"""`queues`: staffing read into `Queue` records; wrong values are located errors."""

from __future__ import annotations

import pytest

from tests.conftest import load

TREE = """
phonejail: 1
name: t
start: desk
intents: [x]
nodes:
  desk: {kind: agent, queue: billing, wait_seconds: 30}
  other: {kind: agent, queue: nobody staffs this, wait_seconds: 45}
queues:
"""


def problems(queues: str) -> list[tuple[str, int, int, str]]:
    return [(p.code, p.line, p.column, p.message) for p in load(TREE + queues).problems]


def test_a_queue_is_read_with_its_locations() -> None:
    loaded = load(TREE + "  billing: {agents: 10, calls_per_hour: 100, handle_seconds: 300,"
                         " patience_seconds: 180}\n")
    assert loaded.problems == ()
    queue = loaded.tree.queues["billing"]
    assert (queue.name, queue.agents, queue.calls_per_hour, queue.handle_seconds,
            queue.patience_seconds) == ("billing", 10, 100.0, 300.0, 180.0)
    assert queue.offered_erlangs == pytest.approx(100 * 300 / 3600)
    assert (queue.loc.line, queue.where("agents").line) == (10, 10)
    # An agent whose queue is not staffed keeps its wait_seconds.
    assert loaded.tree.nodes["other"].wait_seconds == 45


def test_patience_is_optional_and_a_tree_without_queues_has_none() -> None:
    loaded = load(TREE + "  billing: {agents: 3, calls_per_hour: 20, handle_seconds: 300}\n")
    assert loaded.tree.queues["billing"].patience_seconds is None
    assert dict(load(TREE.replace("queues:\n", "")).tree.queues) == {}


@pytest.mark.parametrize(("entry", "at", "message"), [
    ("{agents: 0, calls_per_hour: 1, handle_seconds: 1}", "0,",
     "queues.billing.agents: must be at least 1"),
    ("{agents: 2.5, calls_per_hour: 1, handle_seconds: 1}", "2.5",
     "queues.billing.agents: expected a whole number (1 or more)"),
    ("{agents: 2, calls_per_hour: 0, handle_seconds: 1}", "0,",
     "queues.billing.calls_per_hour: must be greater than 0"),
    ("{agents: 2, calls_per_hour: 1, handle_seconds: -5}", "-5",
     "queues.billing.handle_seconds: must be greater than 0"),
    ("{agents: 2, calls_per_hour: 1, handle_seconds: 60, patience_seconds: 0}", "0}",
     "queues.billing.patience_seconds: must be greater than 0"),
    ("{agents: 2, calls_per_hour: many, handle_seconds: 60}", "many",
     "queues.billing.calls_per_hour: expected a number"),
    ("{agents: 2, calls_per_hour: 1, handle_seconds: 60, patience: 9}", "patience",
     "unknown key 'patience' in a queue (did you mean 'patience_seconds'?)"),
    ("{agents: 2, calls_per_hour: 1}", "{", "a queue needs 'handle_seconds'"),
    ("12", "12", "queues.billing: a queue is a mapping, found '12'"),
])
def test_bad_queue_values_are_located_errors(entry: str, at: str, message: str) -> None:
    line = f"  billing: {entry}"
    # The error points at the value (or key) in question: its last occurrence in the line.
    column = line.rindex(at) + 1 if at != "{" else line.index(at) + 1
    ((code, got_line, got_column, got_message),) = problems(line + "\n")
    assert (code, got_line, got_column) == ("PJ002", 10, column)
    assert message in got_message


def test_queues_must_be_a_mapping() -> None:
    ((code, line, _, message),) = problems("  - billing\n")
    assert (code, line) == ("PJ002", 10)
    assert "queues: expected a mapping of queue names, found a list" in message


def test_an_overloaded_queue_without_patience_is_refused_with_the_fix() -> None:
    # 120 calls an hour of 300 s each offer 10 erlangs: 10 agents can never catch up.
    ((code, line, column, message),) = problems(
        "  billing: {agents: 10, calls_per_hour: 120, handle_seconds: 300}\n")
    assert (code, line, column) == ("PJ002", 10, 13)
    assert "10 erlangs are offered to 10 agents" in message
    assert "staff at least 11 agents, or give patience_seconds" in message
    # With patience the same load has a steady state (callers leave).
    assert problems("  billing: {agents: 10, calls_per_hour: 120, handle_seconds: 300,"
                    " patience_seconds: 60}\n") == []
    ((_, _, _, message),) = problems(
        "  billing: {agents: 1, calls_per_hour: 40, handle_seconds: 300}\n")
    assert "offered to 1 agent (40 calls per hour" in message
