"""The compiled chain follows docs/format.md ("How a caller moves") to the letter; figures
worked out by hand."""

from __future__ import annotations

import pytest

from phonejail.analysis.chain import State, compile_chain, fewest_steps_to_human, moves
from phonejail.model import Persona
from tests.conftest import load

TREE = load("""
phonejail: 1
name: chain
start: menu
intents: [a, b]
identity: {acct: {}, pin: {}}
nodes:
  menu:
    kind: menu
    seconds: 5
    options:
      - {key: "1", serves: [a], to: ask}
      - {key: "2", serves: [a], to: hours}
      - {key: "0", to: agent}
    invalid: menu
    retries: 1
    fail: agent
  ask: {kind: ask, fact: acct, seconds: 3, retries: 1, ok: hours, fail: agent}
  hours:
    kind: branch
    cases:
      - {when: {chance: 0.8}, to: known}
      - {when: {knows: pin}, to: agent}
    else: voicemail
  known:
    kind: branch
    cases: [{when: {given: acct}, to: agent}]
    else: agent2
  agent: {kind: agent, asks: [acct, pin], resolves: [b], transfer: agent2}
  agent2: {kind: agent, asks: [acct]}
  voicemail: {kind: callback}
""").tree


def persona(intent: str = "a", knows: tuple[str, ...] = ("acct", "pin"), e: float = 0.1,
            z: float = 0.6) -> Persona:
    return Persona(name="p", intent=intent, knows=frozenset(knows), mistakes=e, zero_out=z,
                   loc=TREE.loc)


def outcomes(p: Persona, state: State) -> dict[object, float]:
    result: dict[object, float] = {}
    for prob, target in moves(TREE, p, state):
        result[target] = result.get(target, 0.0) + prob
    return {t: pytest.approx(v) for t, v in result.items() if v > 0}


def test_menu_with_matching_options_splits_1_minus_e_and_fails_with_e() -> None:
    start = State("menu", frozenset(), 0)
    assert outcomes(persona(), start) == {
        State("ask", frozenset(), 0): 0.45, State("hours", frozenset(), 0): 0.45,
        State("menu", frozenset(), 1): 0.1,  # fails 1 <= retries 1: invalid (menu)
    }
    # a second consecutive failure exceeds retries: `fail`, with the count reset
    assert outcomes(persona(), State("menu", frozenset(), 1))[State("agent", frozenset(), 0)] \
        == 0.1


def test_menu_without_a_matching_option_presses_zero_or_guesses() -> None:
    # intent b: z = 0.6 presses 0 (agent); 0.4 guesses among the 3 options
    assert outcomes(persona("b"), State("menu", frozenset(), 0)) == {
        State("agent", frozenset(), 0): 0.6 + 0.4 / 3,
        State("ask", frozenset(), 0): 0.4 / 3,
        State("hours", frozenset(), 0): 0.4 / 3,
    }


def test_ask_gives_a_known_fact_or_fails_always_when_unknown() -> None:
    at_ask = State("ask", frozenset(), 0)
    assert outcomes(persona(), at_ask) == {
        State("hours", frozenset({"acct"}), 0): 0.9, State("ask", frozenset(), 1): 0.1}
    assert outcomes(persona(knows=()), at_ask) == {State("ask", frozenset(), 1): 1.0}
    assert outcomes(persona(knows=()), State("ask", frozenset(), 1)) == {
        State("agent", frozenset(), 0): 1.0}


def test_branch_takes_the_first_case_that_holds() -> None:
    at = State("hours", frozenset(), 0)
    assert outcomes(persona(), at) == {State("known", frozenset(), 0): 0.8,
                                       State("agent", frozenset(), 0): 0.2}
    assert outcomes(persona(knows=()), at) == {State("known", frozenset(), 0): 0.8,
                                               State("voicemail", frozenset(), 0): 0.2}
    assert outcomes(persona(), State("known", frozenset({"acct"}), 0)) == {
        State("agent", frozenset({"acct"}), 0): 1.0}


def test_agent_resolves_or_transfers_with_what_it_asked_now_given() -> None:
    at = State("agent", frozenset({"acct"}), 0)
    assert outcomes(persona("b"), at) == {"resolved": 1.0}
    leaving = State("agent", frozenset({"acct"}), 0, transferring=True)
    assert outcomes(persona("a"), at) == {leaving: 1.0}
    # the transfer is its own step; the next agent hears what this one asked
    assert outcomes(persona("a"), leaving) == {
        State("agent2", frozenset({"acct", "pin"}), 0): 1.0}


def test_visit_effects_count_prompts_repeats_and_transfers() -> None:
    chain = compile_chain(TREE, persona("a"))
    visits = dict(zip(chain.states, chain.visits, strict=True))
    agent = visits[State("agent", frozenset({"acct"}), 0)]
    assert (agent.step, agent.human, agent.prompts, agent.repeats, agent.transfers) == (
        False, True, 2, 1, 0)
    transfer = visits[State("agent", frozenset({"acct"}), 0, transferring=True)]
    assert (transfer.step, transfer.seconds, transfer.human, transfer.prompts,
            transfer.transfers) == (True, 0, False, 0, 1)
    ask = visits[State("ask", frozenset(), 0)]
    assert (ask.step, ask.seconds, ask.prompts, ask.repeats) == (True, 3, 1, 0)
    # every state's moves are a probability distribution
    for options in chain.moves:
        assert sum(p for p, _ in options) == pytest.approx(1.0)


def test_fewest_steps_counts_every_retry() -> None:
    steps, path = fewest_steps_to_human(compile_chain(TREE, persona("b", z=0.0)))
    # guessing: menu (1) -> hours -> chance -> known -> else agent2 with no more steps
    assert steps == 1 and [s.node for s in path][-1] in ("agent", "agent2")
