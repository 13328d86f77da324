"""The exact analysis equals figures worked out by hand; Monte-Carlo agrees with it."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings

from phonejail.model import load_file
from phonejail.simulate import ZeroStepCycle, run
from phonejail.simulate.render import render_json
from tests.conftest import TREES, load
from tests.simulate.agreement import disagreements
from tests.test_properties import valid_trees

# hello (say, 3 s) -> menu (5 s): 0.9 picks 1 -> agent (60 s wait); 0.1 a wrong key:
# within retries (1) back to the menu (second visit, 5 s more), then -> bye (hangup).
MENU = """
phonejail: 1
name: menu by hand
start: hello
intents: [x]
identity: {acct: {}}
nodes:
  hello: {kind: say, seconds: 3, next: menu}
  menu:
    kind: menu
    seconds: 5
    options: [{key: "1", serves: [x], to: agent}]
    invalid: menu
    retries: 1
    fail: bye
  agent: {kind: agent, wait_seconds: 60, asks: [acct]}
  bye: {kind: hangup}
callers: [{name: p, intent: x, mistakes: 0.1, patience: PATIENCE}]
"""


def exact(text: str):
    return run(load(text).tree, method="exact").personas[0].figures


def test_menu_retry_by_hand() -> None:
    f = exact(MENU.replace("PATIENCE", "25"))
    # resolved: 0.9 at the first visit + 0.1 * 0.9 at the second; dead end 0.1 * 0.1
    assert f.outcomes == pytest.approx({"resolved": 0.99, "unresolved": 0, "callback": 0,
                                        "handed_off": 0, "dead_end": 0.01, "abandoned": 0})
    assert f.reached_human == pytest.approx(0.99)
    assert f.jail_rate == pytest.approx(0.01)
    # steps: 2 with 0.9, 3 with 0.09 -> mean 2.07 / 0.99; p50 = p90 = 2 (0.9/0.99 >= 0.9)
    assert f.steps_to_human.mean == pytest.approx(2.07 / 0.99)
    assert (f.steps_to_human.p50, f.steps_to_human.p90, f.steps_to_human.max) == (2, 2, 3)
    # seconds: 3 + 5 + 60 = 68 or 3 + 5 + 5 + 60 = 73
    assert f.seconds_to_human.mean == pytest.approx((68 * 0.9 + 73 * 0.09) / 0.99)
    assert (f.seconds_to_human.p50, f.seconds_to_human.max) == (68, 73)
    # the agent asks for the account once, never given before
    assert f.identity_prompts == pytest.approx(0.99)
    assert (f.repeated_identity_prompts, f.calls_with_repeats, f.transfers) == (0, 0, 0)


def test_call_seconds_count_every_prompt_and_hold_of_the_whole_call() -> None:
    f = exact(MENU.replace("PATIENCE", "25"))
    # 68 s (0.9), 73 s (0.09), or three prompts and a hang-up: 3 + 5 + 5 = 13 s (0.01)
    assert f.call_seconds == pytest.approx(0.9 * 68 + 0.09 * 73 + 0.01 * 13)
    # patience 2: a caller who would replay the menu hangs up after 3 + 5 s
    f = exact(MENU.replace("PATIENCE", "2"))
    assert f.call_seconds == pytest.approx(0.9 * 68 + 0.1 * 8)


def test_patience_ends_the_call_at_the_step_it_would_exceed() -> None:
    # patience 2: hello (1), menu (2); a second menu visit would be step 3 -> abandoned
    f = exact(MENU.replace("PATIENCE", "2"))
    assert f.outcomes["resolved"] == pytest.approx(0.9)
    assert f.outcomes["abandoned"] == pytest.approx(0.1)
    assert f.steps_to_human.max == 2


REPEATS = """
phonejail: 1
name: repeats by hand
start: ask
intents: [x]
identity: {acct: {}}
nodes:
  ask: {kind: ask, fact: acct, seconds: 4, retries: 0, ok: first, fail: first}
  first: {kind: agent, wait_seconds: 30, asks: [acct], resolves: [], transfer: second}
  second: {kind: agent, wait_seconds: 90, asks: [acct]}
callers: [{name: p, intent: x, mistakes: 0.5}]
"""


def test_repeats_and_transfers_by_hand() -> None:
    f = exact(REPEATS)
    # ask ok (0.5): ask, first, second all ask -> 3 prompts, 2 repeats
    # ask fails (0.5): first asks (new), second repeats -> 3 prompts, 1 repeat
    assert f.identity_prompts == pytest.approx(3.0)
    assert f.repeated_identity_prompts == pytest.approx(1.5)
    assert f.calls_with_repeats == pytest.approx(1.0)
    assert f.transfers == pytest.approx(1.0)
    assert f.outcomes["resolved"] == pytest.approx(1.0)
    # the human is reached at `first`, after one step: 4 s of prompt + 30 s of hold
    assert (f.steps_to_human.mean, f.seconds_to_human.mean) == (1.0, 34.0)


BRANCHES = """
phonejail: 1
name: branches by hand
start: info
intents: [x, y]
nodes:
  info: {kind: self_service, seconds: 10, resolves: [x], success: 0.3, next: open}
  open:
    kind: branch
    cases: [{when: {chance: 0.5}, to: agent}]
    else: voicemail
  agent: {kind: agent, wait_seconds: 20}
  voicemail: {kind: callback}
"""


def test_self_service_branch_and_overall_share_weighting_by_hand() -> None:
    sim = run(load(BRANCHES).tree, method="exact")
    x, y = (p.figures for p in sim.personas)
    assert x.outcomes["resolved"] == pytest.approx(0.3 + 0.7 * 0.5)
    assert x.outcomes["callback"] == pytest.approx(0.35)
    assert y.outcomes["resolved"] == pytest.approx(0.5)
    assert x.seconds_to_human.mean == 30.0
    overall = sim.overall.figures  # no callers: one persona per intent, equal shares
    assert overall.outcomes["resolved"] == pytest.approx((0.65 + 0.5) / 2)
    assert overall.reached_human == pytest.approx((0.35 + 0.5) / 2)
    assert overall.jail_rate == pytest.approx(0.0)


HANDOFF = """
phonejail: 1
name: handoff
start: menu
intents: [x]
nodes:
  menu:
    kind: menu
    options: [{key: "1", serves: [x], to: agent}, {key: "2", serves: [x], to: away}]
    invalid: menu
    fail: menu
  agent: {kind: agent}
  away: {kind: handoff, destination: another flow}
callers: [{name: p, intent: x, mistakes: 0.0}]
"""


# hello (1 step) -> Texas; each agent settles with chance 1/2, else transfers to the other.
# Agent visit k comes after k - 1 transfers, at step k; a failed visit at step T would need
# transfer step T + 1, so the caller hangs up. resolved = 1 - 2^-T; transfer j (j < T)
# happens with chance 2^-j, so transfers per call = 1 - 2^-(T-1).
BOUNCE = """
phonejail: 1
name: bounce by hand
start: hello
intents: [x]
identity: {acct: {}}
nodes:
  hello: {kind: say, seconds: 2, next: texas}
  texas: {kind: agent, wait_seconds: 30, asks: [acct], success: 0.5, transfer: manila}
  manila: {kind: agent, wait_seconds: 10, asks: [acct], success: 0.5, transfer: texas}
callers: [{name: p, intent: x, patience: PATIENCE}]
"""


@pytest.mark.parametrize("patience", [1, 2, 5, 9])
def test_bounce_between_agents_by_hand(patience: int) -> None:
    f = exact(BOUNCE.replace("PATIENCE", str(patience)))
    assert f.outcomes["resolved"] == pytest.approx(1 - 2.0 ** -patience)
    assert f.outcomes["abandoned"] == pytest.approx(2.0 ** -patience)
    assert f.transfers == pytest.approx(1 - 2.0 ** -(patience - 1))
    # every agent visit asks for the account; all but the first are repeats
    assert f.identity_prompts == pytest.approx(2 - 2.0 ** -(patience - 1))
    assert f.repeated_identity_prompts == pytest.approx(1 - 2.0 ** -(patience - 1))
    assert (f.steps_to_human.max, f.seconds_to_human.max) == (1, 32)


# A voice menu: recognition 0.8 x understood 0.75 = 0.6 per spoken attempt; each no-match
# is a failure, replayed within `retries` (R), then `fail` hangs up. Keying slips
# (mistakes 0.1) do not apply to speech: resolved = 1 - 0.4^(R+1). At a `both` menu only
# the first attempt is spoken, the R retries are keyed: resolved = 0.6 + 0.4 (1 - 0.1^R).
SPEECH = """
phonejail: 1
name: speech by hand
start: menu
intents: [x, y]
nodes:
  menu:
    kind: menu
    input: INPUT
    recognition: 0.8
    seconds: 5
    options: [{key: "1", serves: [x], to: agent}, {key: "0", to: agent}]
    invalid: menu
    retries: RETRIES
    fail: bye
  agent: {kind: agent, wait_seconds: 60}
  bye: {kind: hangup}
callers:
  - {name: p, intent: x, mistakes: 0.1, understood: 0.75}
  - {name: lost, intent: y, mistakes: 0.1, understood: 0.75, zero_out: 1.0}
"""


def speech(mode: str, retries: int) -> str:
    return SPEECH.replace("INPUT", mode).replace("RETRIES", str(retries))


@pytest.mark.parametrize("retries", [0, 1, 2, 4])
def test_a_speech_menu_by_hand(retries: int) -> None:
    p, lost = (r.figures for r in run(load(speech("speech", retries)).tree,
                                      method="exact").personas)
    assert p.outcomes["resolved"] == pytest.approx(1 - 0.4 ** (retries + 1))
    assert p.outcomes["dead_end"] == pytest.approx(0.4 ** (retries + 1))
    # saying "agent" (where the caller would press 0) is heard as often as a choice
    assert lost.outcomes["resolved"] == pytest.approx(1 - 0.4 ** (retries + 1))
    # the human answers after attempt k (k = 1..R+1) with chance 0.6 * 0.4^(k-1)
    k = range(1, retries + 2)
    mean_steps = sum(j * 0.6 * 0.4 ** (j - 1) for j in k) / (1 - 0.4 ** (retries + 1))
    assert p.steps_to_human.mean == pytest.approx(mean_steps)
    assert p.seconds_to_human.mean == pytest.approx(5 * mean_steps + 60)


@pytest.mark.parametrize("retries", [0, 1, 3])
def test_a_both_menu_falls_back_to_keys_by_hand(retries: int) -> None:
    f = exact(speech("both", retries))
    assert f.outcomes["resolved"] == pytest.approx(0.6 + 0.4 * (1 - 0.1 ** retries))
    assert f.outcomes["dead_end"] == pytest.approx(0.4 * 0.1 ** retries)


def test_a_keyed_menu_ignores_understood() -> None:
    keyed = SPEECH.replace("    input: INPUT\n    recognition: 0.8\n", "")
    f = exact(keyed.replace("RETRIES", "1"))
    assert f.outcomes["resolved"] == pytest.approx(1 - 0.1 ** 2)


# Changing a card (sensitive): a third each to the desk (no questions; settles half its
# calls, transfers the rest to `secure`, which asks the PIN), to the PIN prompt and then a
# desk, and to a bot that settles every call. Unverified: 1/3 * 1/2 + 1/3 = 1/2. Asking
# about opening hours is not sensitive: never unverified.
UNVERIFIED = """
phonejail: 1
name: unverified by hand
start: menu
intents: [change_card, hours]
sensitive: [change_card]
identity: {pin: {}}
nodes:
  menu:
    kind: menu
    seconds: 4
    options:
      - {key: "1", serves: [change_card, hours], to: desk}
      - {key: "2", serves: [change_card, hours], to: pin}
      - {key: "3", serves: [change_card, hours], to: bot}
  desk: {kind: agent, wait_seconds: 100, success: 0.5, transfer: secure}
  secure: {kind: agent, wait_seconds: 20, asks: [pin]}
  pin: {kind: ask, fact: pin, seconds: 6, ok: desk_after_pin, fail: bye}
  desk_after_pin: {kind: agent, wait_seconds: 100}
  bot: {kind: self_service, seconds: 30, resolves: [change_card, hours]}
  bye: {kind: hangup}
callers:
  - {name: card, intent: change_card, mistakes: 0.0}
  - {name: hours, intent: hours, mistakes: 0.0}
"""


def test_unverified_resolutions_by_hand() -> None:
    sim = run(load(UNVERIFIED).tree, method="exact")
    card, hours = (p.figures for p in sim.personas)
    assert card.unverified_resolutions == pytest.approx(0.5)
    assert hours.unverified_resolutions == 0.0
    assert sim.overall.figures.unverified_resolutions == pytest.approx(0.25)
    assert card.outcomes["resolved"] == pytest.approx(1.0)
    # 4 s menu, then desk 100 s (+ 1 transfer step and secure's 20 s half the time),
    # pin 6 s + 100 s, or the bot's 30 s
    assert card.call_seconds == pytest.approx(4 + (100 + 0.5 * 20) / 3 + 106 / 3 + 30 / 3)


HAND = {"menu": MENU.replace("PATIENCE", "25"), "menu-impatient": MENU.replace("PATIENCE", "2"),
        "repeats": REPEATS, "branches": BRANCHES, "handoff": HANDOFF,
        "bounce": BOUNCE.replace("PATIENCE", "6"), "speech": speech("speech", 2),
        "speech-both": speech("both", 2), "unverified": UNVERIFIED}
CALLS = 40_000


@pytest.mark.parametrize("tree", sorted(TREES.glob("*.yaml")), ids=lambda p: p.stem)
def test_monte_carlo_agrees_with_exact_on_every_example_tree(tree) -> None:
    loaded = load_file(tree).tree
    _agree(loaded)


@pytest.mark.parametrize("name", sorted(HAND))
def test_monte_carlo_agrees_with_exact_on_hand_trees(name: str) -> None:
    _agree(load(HAND[name]).tree)


def _agree(tree, calls: int = CALLS) -> None:
    ex = run(tree, method="exact")
    mc = run(tree, method="montecarlo", callers=calls, seed=7)
    problems = []
    for e, m in zip((*ex.personas, ex.overall), (*mc.personas, mc.overall), strict=True):
        if m.callers:
            problems += [f"{e.name}: {d}" for d in disagreements(m.figures, e.figures,
                                                                  m.callers)]
    assert problems == []


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(valid_trees())
def test_monte_carlo_agrees_with_exact_on_random_trees(text: str) -> None:
    tree = load(text).tree
    try:
        run(tree, method="exact")
    except ZeroStepCycle:
        return  # refused by both, tested below
    _agree(tree, calls=8_000)


def test_isp_internet_only_customer_never_reaches_a_human() -> None:
    tree = load_file(TREES / "isp_billing.yaml").tree
    for method in ("exact", "montecarlo"):
        (persona,) = run(tree, method=method, persona="internet-only customer").personas
        f = persona.figures
        assert f.outcomes["dead_end"] + f.outcomes["abandoned"] == pytest.approx(1.0)
        assert f.reached_human == 0.0 and f.steps_to_human.mean is None
        assert f.steps_hist == () or sum(f.steps_hist) == 0


def test_isp_card_changer_is_transferred_and_re_asked() -> None:
    tree = load_file(TREES / "isp_billing.yaml").tree
    (persona,) = run(tree, method="exact", persona="phone customer changing a card").personas
    f = persona.figures
    # Manila -> Dublin -> Toronto: two transfers; the phone number asked by the IVR twice and
    # by all three agents, the account number by Dublin and again by Toronto.
    assert f.transfers == pytest.approx(2.0, abs=1e-3)
    assert f.repeated_identity_prompts > 4.9
    assert f.calls_with_repeats == pytest.approx(1.0, abs=1e-4)  # typos: a few hang-ups
    assert f.seconds_to_human.p50 == 453  # 6 + 6 + 8 + 7 + 6 seconds of prompts + 420 hold


def test_zero_step_cycle_is_refused_naming_the_cycle() -> None:
    tree = load("""
        phonejail: 1
        name: round and round
        start: a
        intents: [x, y]
        nodes:
          a: {kind: branch, cases: [{when: {chance: 0.5}, to: b}], else: h}
          b: {kind: branch, cases: [{when: {intent: x}, to: a}], else: h}
          h: {kind: agent}
    """).tree
    for method in ("exact", "montecarlo"):
        with pytest.raises(ZeroStepCycle) as refused:
            run(tree, method=method)
        assert str(refused.value) in ("a -> b -> a", "b -> a -> b")


def test_the_cycle_is_named_even_when_a_state_below_it_comes_first() -> None:
    # `below` is reached from the start before the cycle is, and again from the cycle:
    # the states left unordered include it, and the search must still find the cycle.
    tree = load("""
        phonejail: 1
        name: below first
        start: entry
        intents: [x]
        nodes:
          entry: {kind: branch, cases: [{when: {chance: 0.5}, to: below}], else: loop1}
          loop1: {kind: branch, cases: [{when: {chance: 0.5}, to: loop2}], else: below}
          loop2: {kind: branch, cases: [{when: {chance: 0.5}, to: loop1}], else: below}
          below: {kind: branch, cases: [{when: {chance: 0.5}, to: out}], else: out}
          out: {kind: say, next: human}
          human: {kind: agent}
    """).tree
    with pytest.raises(ZeroStepCycle) as refused:
        run(tree, method="exact")
    assert str(refused.value) in ("loop1 -> loop2 -> loop1", "loop2 -> loop1 -> loop2")


def test_agents_bouncing_a_caller_are_simulated_not_refused() -> None:
    tree = load("""
        phonejail: 1
        name: ping pong
        start: a
        intents: [x, y]
        nodes:
          a: {kind: agent, resolves: [x], transfer: b}
          b: {kind: agent, resolves: [x], transfer: a}
        callers:
          - {name: lost, intent: y, patience: 6}
    """).tree
    figures = run(tree, method="exact").overall.figures
    # every transfer is a step: six transfers, then the seventh would be step 7
    assert figures.outcomes["abandoned"] == pytest.approx(1.0)
    assert figures.transfers == pytest.approx(6.0)


def test_same_seed_same_bytes_and_another_seed_differs() -> None:
    tree = load_file(TREES / "bank_800.yaml").tree
    first = render_json(run(tree, callers=5000, seed=3))
    assert first == render_json(run(tree, callers=5000, seed=3))
    assert first != render_json(run(tree, callers=5000, seed=4))
    data = json.loads(first)
    assert data["method"] == "montecarlo" and data["seed"] == 3 and data["callers"] == 5000
    assert sum(p["callers"] for p in data["personas"]) == 5000


def test_the_agreement_check_catches_a_real_difference() -> None:
    # Sampling a menu with 10% mistakes, compared with the exact figures at 12%: must fail.
    sampled = run(load(MENU.replace("PATIENCE", "25")).tree, callers=CALLS, seed=7)
    other = run(load(MENU.replace("PATIENCE", "25").replace("mistakes: 0.1", "mistakes: 0.12"))
                .tree, method="exact")
    found = disagreements(sampled.personas[0].figures, other.personas[0].figures, CALLS)
    assert any(d.startswith("outcome dead_end") for d in found)
    assert any(d.startswith("steps to human mean") for d in found)




def test_a_handoff_ends_the_call_handed_off_outside_the_jail_rate() -> None:
    f = exact(HANDOFF)
    assert f.outcomes["handed_off"] == pytest.approx(0.5)
    assert f.outcomes["resolved"] == pytest.approx(0.5)
    assert f.jail_rate == 0.0


@pytest.mark.parametrize("name", ["isp_billing", "bank_800", "small_business"])
def test_leaving_out_seconds_changes_nothing_else(name: str) -> None:
    from phonejail.analysis.exact import analyse
    from phonejail.simulate import compile_personas

    tree = load_file(TREES / f"{name}.yaml").tree
    for arrays, persona in zip(compile_personas(tree, tree.personas), tree.personas,
                               strict=True):
        full, quick = analyse(arrays, persona.patience), analyse(arrays, persona.patience,
                                                                   seconds=False)
        assert quick.outcomes == pytest.approx(full.outcomes, abs=1e-12)
        assert quick.steps_hist == pytest.approx(full.steps_hist, abs=1e-12)
        assert (quick.prompts, quick.repeats, quick.transfers, quick.with_repeat) == \
            pytest.approx((full.prompts, full.repeats, full.transfers, full.with_repeat))
        assert quick.seconds_hist.sum() == pytest.approx(full.seconds_hist.sum())
