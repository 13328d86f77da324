"""Rule behaviour beyond the fixtures: options, selection, messages users read."""

from __future__ import annotations

from dataclasses import replace

import pytest

from phonejail.config import Config, ConfigError, validate_codes
from tests.conftest import check, codes

WIDE = """
phonejail: 1
name: wide
start: menu
intents: [x]
nodes:
  menu:
    kind: menu
    seconds: 40
    options:
      - {key: "1", to: agent}
      - {key: "2", to: agent}
      - {key: "3", to: agent}
      - {key: "0", to: agent}
    invalid: menu
    no_input: menu
    fail: agent
  agent: {kind: agent}
"""


def test_thresholds_come_from_the_configuration() -> None:
    assert codes(check(WIDE)) == ["PJ206"]
    strict = Config()
    strict = replace(strict, options={**strict.options, "max-menu-options": 3,
                                      "max-prompt-seconds": 60})
    assert codes(check(WIDE, strict)) == ["PJ203"]


@pytest.mark.parametrize(("select", "ignore", "expected"), [
    (("PJ",), (), ["PJ206"]),
    (("PJ1",), (), []),
    (("PJ2",), ("PJ206",), []),
    (("PJ206",), (), ["PJ206"]),
])
def test_select_and_ignore_by_code_or_prefix(select, ignore, expected) -> None:
    config = Config().with_overrides(select, ignore)
    assert codes(check(WIDE, config)) == expected


def test_format_rules_cannot_be_switched_off() -> None:
    config = Config().with_overrides(select=("PJ2",), ignore=("PJ0",))
    assert codes(check("phonejail: 1\nname: x\n", config)) == ["PJ002"] * 3


def test_unknown_code_in_select_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="'PJ9' matches no rule"):
        validate_codes(["PJ9"], "--select")
    assert validate_codes(["pj1, PJ202"], "--select") == ("PJ1", "PJ202")


def test_identity_gate_names_persona_fact_and_the_ask() -> None:
    findings = check("""
        phonejail: 1
        name: gate
        start: welcome
        intents: [update_card]
        identity: {phone: {label: home phone number}, account: {}}
        nodes:
          welcome: {kind: say, next: ask_phone}
          ask_phone: {kind: ask, fact: phone, ok: agent, fail: bye}
          agent: {kind: agent}
          bye: {kind: hangup}
        callers:
          - {name: internet only, intent: update_card, knows: [account]}
    """)
    gate = next(f for f in findings if f.code == "PJ103")
    assert (gate.line, gate.node) == (9, "ask_phone")
    assert "persona 'internet only'" in gate.message
    assert "home phone number (phone)" in gate.message


def test_a_persona_no_fact_would_help_is_not_an_identity_gate() -> None:
    # The caller is lost because the menu has no option for them, not for a fact.
    findings = check("""
        phonejail: 1
        name: not a gate
        start: ask
        intents: [a, b]
        identity: {pin: {}}
        nodes:
          ask: {kind: ask, fact: pin, ok: menu, fail: bye}
          menu:
            kind: menu
            options: [{key: "1", serves: [a], to: agent}]
            invalid: menu
            no_input: menu
            fail: bye
          agent: {kind: agent}
          bye: {kind: hangup}
        callers:
          - {name: b caller, intent: b, knows: [], zero_out: 1.0}
    """)
    gate = [f for f in findings if f.code == "PJ103"]
    assert len(gate) == 1 and "b caller" not in gate[0].message


def test_agent_to_agent_repeat_names_where_the_fact_was_given() -> None:
    findings = check("""
        phonejail: 1
        name: transfer repeat
        start: first
        intents: [x]
        identity: {account: {}}
        nodes:
          first: {kind: agent, asks: [account], resolves: [], transfer: second}
          second: {kind: agent, asks: [account]}
    """)
    (repeat,) = findings
    assert repeat.code == "PJ202" and repeat.node == "second"
    assert "already given at 'first'" in repeat.message


def test_zero_out_through_say_and_branch_counts_as_reaching_a_human() -> None:
    findings = check("""
        phonejail: 1
        name: zero via branch
        start: menu
        intents: [x]
        nodes:
          menu:
            kind: menu
            options: [{key: "0", to: hold}]
            invalid: menu
            no_input: menu
            fail: hold
          hold: {kind: say, say: "Please hold.", next: hours}
          hours:
            kind: branch
            cases: [{when: {chance: 0.8}, to: agent}]
            else: voicemail
          agent: {kind: agent}
          voicemail: {kind: callback}
    """)
    assert findings == []


def test_a_handoff_is_neither_a_dead_end_nor_an_identity_gate() -> None:
    # The call leaves this tree for another flow: phonejail cannot see whether it helps.
    findings = check("""
        phonejail: 1
        name: handoff
        start: ask
        intents: [x]
        identity: {acct: {}}
        nodes:
          ask: {kind: ask, fact: acct, ok: agent, fail: other_flow}
          agent: {kind: agent}
          other_flow: {kind: handoff, destination: "flow: identity recovery"}
        callers: [{name: no account number, intent: x, knows: []}]
    """)
    assert codes(findings) == []


STAFFED = """
phonejail: 1
name: staffed
start: desk
intents: [x]
nodes:
  desk: {kind: agent, queue: billing}
queues:
  billing: {agents: 10, calls_per_hour: 100, handle_seconds: 300}
"""


def test_queue_limits_come_from_the_configuration() -> None:
    # Erlang C, 8.3 erlangs on 10 agents: served callers wait 87.8 seconds on average.
    assert codes(check(STAFFED)) == []
    strict = Config()
    strict = replace(strict, options={**strict.options, "max-queue-wait-seconds": 60})
    (finding,) = check(STAFFED, strict)
    assert (finding.code, finding.line) == ("PJ209", 9)
    assert "wait 88 seconds on average, more than 60" in finding.message
    assert "11 agents would keep it within both limits" in finding.message


def test_queue_abandonment_limit_is_a_percentage() -> None:
    impatient = STAFFED.replace("300}", "300, patience_seconds: 120}")
    # Erlang A: 8.5 % of callers hang up in the queue. That is jail too, above PJ105's
    # default 5%; this test is about PJ209's own limit.
    assert codes(check(impatient)) == ["PJ105"]
    strict = Config().with_overrides(ignore=("PJ105",))
    assert codes(check(impatient, strict)) == []
    strict = replace(strict, options={**strict.options, "max-queue-abandon-percent": 5})
    (finding,) = check(impatient, strict)
    assert "8.5% of callers hang up in the queue, more than 5%" in finding.message
    assert "12 agents would keep it" in finding.message


# A card changer who must first sit through PATIENCE_NEEDED announcements before a desk
# that changes the card asking nothing; a bill payer whose intent is not sensitive.
SLOW_DESK = """
phonejail: 1
name: slow desk
start: hello
intents: [update_card, pay_bill]
sensitive: [update_card]
identity: {pin: {}}
nodes:
  hello: {kind: say, next: more}
  more: {kind: say, next: menu}
  menu:
    kind: menu
    options:
      - {key: "1", serves: [update_card, pay_bill], to: desk}
      - {key: "2", serves: [update_card], to: pin}
  desk: {kind: agent}
  pin: {kind: ask, fact: pin, ok: desk, fail: desk}
callers:
  - {name: patient, intent: update_card, patience: 3}
  - {name: hasty, intent: update_card, patience: 2}
  - {name: payer, intent: pay_bill}
"""


def _unverified_callers(text: str) -> dict[str, list[str]]:
    return {f.node: f.message.split("(callers: ")[1] for f in check(text)
            if f.code == "PJ301"}


def test_unverified_change_agrees_with_the_exact_analysis() -> None:
    from phonejail.simulate import run
    from tests.conftest import load

    found = _unverified_callers(SLOW_DESK)
    assert list(found) == ["desk"]
    exact = {p.name: p.figures.unverified_resolutions
             for p in run(load(SLOW_DESK).tree, method="exact").personas}
    # the menu is step 3: within the patient caller's patience, past the hasty one's
    assert exact["patient"] == pytest.approx(0.98 / 2) and exact["hasty"] == 0.0
    assert exact["payer"] == 0.0
    assert "'patient'" in found["desk"] and "'hasty'" not in found["desk"]
    assert "'payer'" not in found["desk"]


def test_unverified_change_message_names_the_node_intent_and_path() -> None:
    (finding,) = [f for f in check(SLOW_DESK) if f.code == "PJ301"]
    assert finding.severity.value == "error"
    assert finding.message.startswith(
        "at 'desk' a human settles 'update_card' (sensitive) for a caller who has given no "
        "identity fact in this call; path: hello -> more -> menu -> desk")


def test_an_agent_who_asks_first_verifies() -> None:
    asked = SLOW_DESK.replace("desk: {kind: agent}", "desk: {kind: agent, asks: [pin]}")
    assert "PJ301" not in codes(check(asked))


def test_without_sensitive_intents_nothing_is_unverified() -> None:
    assert "PJ301" not in codes(check(SLOW_DESK.replace("sensitive: [update_card]\n", "")))


@pytest.mark.parametrize(("mode", "fallback", "fires"), [
    ("speech", "invalid: main", True), ("both", "invalid: main", False),
    ("dtmf", "invalid: main", False), ("speech", "invalid: keys", False),
    ("speech", "invalid: main\n    fail: sorry", False),
])
def test_speech_only_menus_need_a_keyed_fallback(mode: str, fallback: str,
                                                 fires: bool) -> None:
    text = f"""
phonejail: 1
name: voice
start: main
intents: [x]
nodes:
  main:
    kind: menu
    input: {mode}
    options: [{{key: "1", to: desk}}, {{key: "0", to: desk}}]
    {fallback}
  sorry: {{kind: say, next: keys}}
  keys: {{kind: menu, options: [{{key: "0", to: desk}}], invalid: keys, fail: desk}}
  desk: {{kind: agent}}
"""
    assert ("PJ208" in codes(check(text))) is fires


def test_a_repeat_names_only_callers_who_can_have_given_the_fact() -> None:
    findings = check("""
        phonejail: 1
        name: transfer repeat
        start: first
        intents: [x]
        identity: {account: {}}
        nodes:
          first: {kind: agent, asks: [account], resolves: [], transfer: hold}
          hold: {kind: say, say: "Please hold for a specialist.", next: second}
          second: {kind: agent, asks: [account]}
        callers:
          - {name: customer, intent: x, knows: [account]}
          - {name: new caller, intent: x, knows: []}
          - {name: hasty, intent: x, knows: [account], patience: 1}
    """)
    (repeat,) = [f for f in findings if f.code == "PJ202"]  # PJ105: hasty hangs up
    # The new caller had no account number to give; the hasty caller's one step of
    # patience is spent on the transfer, and they hang up before the second human asks.
    assert repeat.message.endswith("(callers: 'customer')")


def test_a_question_asked_again_after_a_wrong_key_is_a_retry_not_a_repeat() -> None:
    tree = """
        phonejail: 1
        name: start over
        start: ask_account
        intents: [balance]
        identity: {account: {}}
        nodes:
          ask_account: {kind: ask, fact: account, ok: menu, fail: agent}
          menu:
            kind: menu
            options:
              - {key: "1", serves: [balance], to: agent}
              - {key: "0", to: agent}
            invalid: ask_account
            no_input: ask_account
            fail: agent
          agent: {kind: agent}
    """
    assert check(tree) == []
    # An option that leads back there is the design's route, though: a repeat.
    (repeat,) = [f for f in check(tree.replace('{key: "1", serves',
                                               '{key: "9", serves: [balance], to: '
                                               'ask_account}\n              - {key: "1", serves'))
                 if f.code == "PJ202"]
    assert repeat.code == "PJ202" and repeat.node == "ask_account"


def test_a_tree_the_exact_analysis_refuses_fails_the_gate_and_is_judged_once_fixed() -> None:
    # The chance loop of branches hid a desk that resolves no complaint: `check` said
    # "no findings". PJ009 fails the gate; with a prompt in the loop every caller is
    # followed again and PJ105 finds the jailed complaint callers.
    from tests.conftest import ROOT

    refused = (ROOT / "tests/rules/bad/pj009_exact_refused.yaml").read_text()
    assert codes(check(refused)) == ["PJ009"]
    fixed = refused.replace(
        "cases: [{when: {chance: 0.1}, to: route}]",
        "cases: [{when: {chance: 0.1}, to: busy}]",
    ).replace("  menu:\n", '  busy: {kind: say, say: "Please hold.", next: route}\n  menu:\n', 1)
    found = check(fixed)
    assert codes(found) == ["PJ105"]
    assert "intent 'complaint'" in found[0].message and "100.0%" in found[0].message


def test_a_loop_of_branches_that_traps_callers_is_a_jail_loop_not_a_refusal() -> None:
    # Nothing ever leaves b1 <-> b2 for intent a: PJ102 says so; PJ009 would repeat it.
    trapped = """
    phonejail: 1
    name: branches that send intent a round for ever
    start: hello
    intents: [a, b]
    nodes:
      hello: {kind: say, say: "Hello.", next: b1}
      b1: {kind: branch, cases: [{when: {intent: a}, to: b2}], else: desk}
      b2: {kind: branch, cases: [{when: {intent: a}, to: b1}], else: desk}
      desk: {kind: agent, resolves: [a, b]}
    """
    assert codes(check(trapped)) == ["PJ102"]


def test_key_0_to_a_human_is_the_quickest_way_even_for_callers_whose_option_fits() -> None:
    # Option 1 plays six recordings before the agent; 0 at the same menu reaches the
    # agent after one step. Callers whose option fits never press 0, but any caller can
    # choose it: the quickest way to a human is 1 step, not 7.
    tree = """
    phonejail: 1
    name: six recordings behind option 1, an operator on 0
    start: m1
    intents: [x]
    nodes:
      m1:
        kind: menu
        options: [{key: "1", serves: [x], to: s1}, {key: "0", to: op}]
        invalid: m1
        no_input: m1
        fail: s1
      s1: {kind: say, say: one, next: s2}
      s2: {kind: say, say: two, next: s3}
      s3: {kind: say, say: three, next: s4}
      s4: {kind: say, say: four, next: s5}
      s5: {kind: say, say: five, next: s6}
      s6: {kind: say, say: six, next: op}
      op: {kind: agent, resolves: [x]}
    """
    assert "PJ204" not in codes(check(tree))
    without_zero = tree.replace(', {key: "0", to: op}', "")
    found = [f for f in check(without_zero) if f.code == "PJ204"]
    assert [f.message for f in found] == [
        "the quickest way to a human takes 7 steps, more than 5: "
        "m1 -> s1 -> s2 -> s3 -> s4 -> s5 -> s6 -> op"]


SIX_RECORDINGS = """
phonejail: 1
name: a branch in front of six recordings
start: route
intents: [x]
identity:
  acct: {label: account number}
nodes:
  route:
    kind: branch
    cases: [CASES]
    else: s1
  s1: {kind: say, say: one, next: s2}
  s2: {kind: say, say: two, next: s3}
  s3: {kind: say, say: three, next: s4}
  s4: {kind: say, say: four, next: s5}
  s5: {kind: say, say: five, next: s6}
  s6: {kind: say, say: six, next: desk}
  desk: {kind: agent, resolves: [x]}
"""


@pytest.mark.parametrize("cases", [
    '{when: {chance: 0.0}, to: desk}',  # never taken
    '{when: {given: acct}, to: desk}',  # nothing has given the account number yet
    '{when: {chance: 1.0}, to: s1}, {when: {chance: 0.5}, to: desk}',  # behind a sure case
])
def test_a_branch_case_no_call_can_take_is_no_quicker_way(cases: str) -> None:
    found = [f.message for f in check(SIX_RECORDINGS.replace("CASES", cases))
             if f.code == "PJ204"]
    assert found == ["the quickest way to a human takes 6 steps, more than 5: "
                     "route -> s1 -> s2 -> s3 -> s4 -> s5 -> s6 -> desk"]


def test_a_given_case_is_a_way_once_the_route_has_given_the_fact() -> None:
    tree = SIX_RECORDINGS.replace("start: route", "start: ask").replace(
        "CASES", "{when: {given: acct}, to: desk}").replace(
        "nodes:\n", "nodes:\n  ask: {kind: ask, fact: acct, ok: route, fail: s1}\n")
    assert "PJ204" not in codes(check(tree))


@pytest.mark.parametrize(("share", "beside", "shown"), [
    (0.0, None, "0%"), (0.00004, None, "<0.01%"), (0.004, None, "0.40%"),
    (0.25, None, "25.0%"), (0.9996, None, "99.96%"), (0.99999, None, ">99.99%"),
    (0.99999, 0.05, ">99.99%"), (0.99999, 0.99995, "99.999%"), (1.0, None, "100.0%"),
    (0.0501, 0.05, "5.01%"),
])
def test_a_finding_never_names_a_false_0_or_100_percent(share: float, beside: float | None,
                                                        shown: str) -> None:
    from phonejail.rules._jail import percent

    assert percent(share, beside) == shown
