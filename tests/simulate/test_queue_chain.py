"""A staffed queue in the caller chain: callers hang up there (`abandoned`) or wait the
model's mean wait; exact figures by hand, Monte-Carlo agrees, `phonejail call` shows it."""

from __future__ import annotations

import pytest

from phonejail.analysis.chain import State, compile_chain
from phonejail.analysis.staffing import queue_figures
from phonejail.call import Drawn, ScriptedCaller, dial
from phonejail.simulate import run
from phonejail.simulate.staff import sweep
from tests.conftest import load
from tests.simulate.agreement import disagreements

# hello (say, 3 s) -> first (staffed, cannot help) -> transfer (a step) -> second (staffed,
# the same queue: the caller queues again) -> resolved.
TWO_QUEUES = """
phonejail: 1
name: queued twice
start: hello
intents: [x]
nodes:
  hello: {kind: say, seconds: 3, next: first}
  first: {kind: agent, queue: desk, wait_seconds: 999, resolves: [], transfer: second}
  second: {kind: agent, queue: desk}
queues:
  desk: {agents: 1, calls_per_hour: 30, handle_seconds: 60, patience_seconds: 90}
callers: [{name: p, intent: x, mistakes: 0}]
"""


def test_each_agent_behind_a_staffed_queue_is_reached_only_past_the_queue() -> None:
    tree = load(TWO_QUEUES).tree
    desk = queue_figures(tree.queues["desk"])
    a = desk.abandon
    assert 0.05 < a < 0.5  # a queue that matters (1 agent, half busy, 90 s patience)
    f = run(tree, method="exact").personas[0].figures
    # Hang up in the first queue (a), or in the second after one transfer ((1 - a) a).
    assert f.outcomes["abandoned"] == pytest.approx(a + (1 - a) * a, abs=1e-12)
    assert f.outcomes["resolved"] == pytest.approx((1 - a) ** 2, abs=1e-12)
    assert f.reached_human == pytest.approx(1 - a, abs=1e-12)
    assert f.transfers == pytest.approx(1 - a, abs=1e-12)
    # The queue's mean wait of served callers replaces the agent's own wait_seconds (999).
    assert (f.seconds_to_human.p50, f.seconds_to_human.max) == (3 + round(desk.wait_seconds),) * 2
    assert f.steps_to_human.max == 1  # waiting in a queue takes no step


def test_erlang_c_queue_by_hand() -> None:
    # Without patience nobody leaves (Erlang C). M/M/1 at 30 calls an hour of 60 s:
    # rho = 0.5, P(wait) = 0.5, mean wait = P(wait) * 60 / (1 - 0.5) = 60 s.
    tree = load(TWO_QUEUES.replace(", patience_seconds: 90", "")).tree
    f = run(tree, method="exact").personas[0].figures
    assert f.outcomes["resolved"] == 1.0 and f.outcomes["abandoned"] == 0.0
    assert f.seconds_to_human.mean == 3 + 60


def test_the_queue_is_a_state_of_its_own_before_the_agent() -> None:
    tree = load(TWO_QUEUES).tree
    chain = compile_chain(tree, tree.personas[0])
    queued = State("first", frozenset(), 0, queued=True)
    at = chain.index()
    assert chain.states[at[queued] + 1] == State("first", frozenset(), 0)
    visit = chain.visits[at[queued]]
    assert (visit.step, visit.human, visit.wait_seconds) == (False, False, 0)
    # Paths in rule messages name the agent once, not its queue.
    assert [s.node for s in chain.path(at[State("second", frozenset(), 0)])] == [
        "hello", "first", "second"]


def test_monte_carlo_agrees_with_the_exact_queue() -> None:
    tree = load(TWO_QUEUES).tree
    exact = run(tree, method="exact").personas[0].figures
    sampled = run(tree, callers=20_000, seed=3).personas[0].figures
    assert disagreements(sampled, exact, 20_000) == []


def test_staff_sweep_runs_the_tree_itself() -> None:
    tree = load(TWO_QUEUES).tree
    (row,) = sweep(tree, tree.queues["desk"], (2,)).rows
    a = row.queue.abandon
    assert row.jail_rate == pytest.approx(a + (1 - a) * a, abs=1e-12)


def test_call_walks_through_the_queue_and_can_hang_up_there() -> None:
    class HangsUpInTheQueue(ScriptedCaller):
        def pick(self, node, odds):
            return [to for _, to in odds].index("abandoned")

    tree = load(TWO_QUEUES).tree
    persona = tree.personas[0]
    events = list(dial(tree, persona, HangsUpInTheQueue([], persona.knows)))
    drawn = next(e for e in events if isinstance(e, Drawn))
    assert drawn.node == "first" and [to for _, to in drawn.odds] == ["abandoned", "first"]
    end = events[-1]
    assert (end.outcome, end.why, end.human_at) == (
        "abandoned", "you hung up in the queue for first", None)
