"""Redials and journeys: exact figures by hand, Monte-Carlo agrees within 4 standard errors."""

from __future__ import annotations

import math

import pytest

from phonejail.analysis.journey import Journey
from phonejail.simulate import run
from phonejail.simulate.render import render_text
from tests.conftest import load
from tests.simulate.agreement import Z, disagreements

# hello (say) -> ask for the account (a persona who knows it: 0.9, else a failure with no
# retry -> hangup) -> a branch: 0.6 the desk (resolves), 0.25 a callback, else hangup.
# Per call: resolved rho = 0.9 * 0.6 = 0.54; callback 0.9 * 0.25 = 0.225;
# jailed j = 0.1 + 0.9 * 0.15 = 0.235.
REDIALS = """
phonejail: 1
name: redials by hand
start: hello
intents: [x]
identity: {acct: {}}
nodes:
  hello: {kind: say, seconds: 2, next: ask}
  ask: {kind: ask, fact: acct, seconds: 4, retries: 0, ok: open, fail: bye}
  open:
    kind: branch
    cases:
      - {when: {chance: 0.6}, to: desk}
      - {when: {chance: 0.625}, to: voicemail}
    else: bye
  desk: {kind: agent, asks: [acct], wait_seconds: 30}
  voicemail: {kind: callback}
  bye: {kind: hangup}
callers:
  - {name: redialler, intent: x, mistakes: 0.1, redials: REDIALS, share: 3}
  - {name: once, intent: x, mistakes: 0.1}
"""
RHO, J = 0.54, 0.235


def tree(redials: int = 3):
    return load(REDIALS.replace("REDIALS", str(redials))).tree


def test_exact_journey_by_hand() -> None:
    sim = run(tree(3), method="exact")
    redialler, once = sim.personas
    journey = redialler.figures.journey
    calls = 1 + J + J**2 + J**3
    assert journey.calls == pytest.approx(calls, abs=1e-12)
    assert journey.jail_rate == pytest.approx(J**4, abs=1e-12)
    assert journey.resolved == pytest.approx(RHO * calls, abs=1e-12)
    assert journey.resolved_by_call == pytest.approx(
        (RHO, RHO * (1 + J), RHO * (1 + J + J**2), RHO * calls), abs=1e-12)
    # Identity prompts: the ask every call (1), the desk's repeated ask when reached (0.54).
    assert journey.identity_prompts == pytest.approx((1 + RHO) * calls, abs=1e-12)
    # Seconds: hello and the ask (6 s) every call, the desk's 30 s hold when reached.
    assert journey.seconds == pytest.approx((6 + 30 * RHO) * calls, abs=1e-9)
    # Per-call figures stay per call: redials do not change them.
    assert redialler.figures.jail_rate == pytest.approx(J, abs=1e-12)
    assert redialler.figures.outcomes["callback"] == pytest.approx(0.225, abs=1e-12)
    # Without redials a journey is the call.
    plain = once.figures.journey
    assert (plain.calls, plain.resolved_by_call) == (1.0, (pytest.approx(RHO),))
    assert plain.jail_rate == pytest.approx(J, abs=1e-12)


def test_journey_calls_distribution_by_hand() -> None:
    # N = m with chance J^(m-1) (1 - J) for m <= 3, N = 4 with chance J^3.
    journey = run(tree(3), method="exact").personas[0].figures.journey
    pmf = {m: J ** (m - 1) * (1 - J) for m in (1, 2, 3)} | {4: J**3}
    mean = sum(m * p for m, p in pmf.items())
    sd = math.sqrt(sum(m * m * p for m, p in pmf.items()) - mean**2)
    assert journey.sd["calls"] == pytest.approx(sd, abs=1e-12)


def test_journey_seconds_spread_by_enumerating_every_journey() -> None:
    # A call is (seconds, jailed): resolved (36, no) 0.54, callback (6, no) 0.225,
    # jailed (6, yes) 0.235. Enumerate every journey of up to 3 calls.
    kinds = [(36, False, RHO), (6, False, 0.225), (6, True, J)]

    def journeys(left: int):
        for seconds, jailed, p in kinds:
            if jailed and left:
                for rest, q in journeys(left - 1):
                    yield seconds + rest, p * q
            else:
                yield seconds, p

    pmf = list(journeys(2))
    assert sum(p for _, p in pmf) == pytest.approx(1.0)
    mean = sum(x * p for x, p in pmf)
    sd = math.sqrt(sum(x * x * p for x, p in pmf) - mean**2)
    journey = run(tree(2), method="exact").personas[0].figures.journey
    assert journey.seconds == pytest.approx(mean, abs=1e-9)
    assert journey.sd["seconds"] == pytest.approx(sd, abs=1e-9)


def test_overall_per_call_figures_weigh_personas_by_calls_made() -> None:
    sim = run(tree(3), method="exact")
    calls = 1 + J + J**2 + J**3
    # Both personas jail the same share of calls, so the overall call jail rate is J
    # whatever the weights; the journey's is share-weighted over callers.
    assert sim.overall.figures.jail_rate == pytest.approx(J, abs=1e-12)
    overall = sim.overall.figures.journey
    assert overall.jail_rate == pytest.approx(0.75 * J**4 + 0.25 * J, abs=1e-12)
    assert overall.calls == pytest.approx(0.75 * calls + 0.25, abs=1e-12)
    assert overall.resolved_by_call[-1] == pytest.approx(0.75 * RHO * calls + 0.25 * RHO)
    assert overall.resolved_by_call[0] == pytest.approx(RHO)


def _journey_disagreements(mc: Journey, ex: Journey, callers: int) -> list[str]:
    errors = []
    share = lambda p: math.sqrt(max(p * (1 - p), 0.0) / callers)  # noqa: E731
    checks = [("calls", ex.sd["calls"] / math.sqrt(callers)),
              ("identity_prompts", ex.sd["identity_prompts"] / math.sqrt(callers)),
              ("seconds", ex.sd["seconds"] / math.sqrt(callers)),
              ("resolved", share(ex.resolved)), ("jail_rate", share(ex.jail_rate))]
    for name, se in checks:
        got, want = getattr(mc, name), getattr(ex, name)
        if abs(got - want) > Z * se + 1e-9:
            errors.append(f"{name}: sampled {got:.6g} vs exact {want:.6g} (se {se:.3g})")
    for k, (got, want) in enumerate(zip(mc.resolved_by_call, ex.resolved_by_call,
                                        strict=True)):
        if abs(got - want) > Z * share(want) + 1e-9:
            errors.append(f"resolved within {k + 1} calls: {got:.6g} vs {want:.6g}")
    return errors


@pytest.mark.parametrize("redials", [0, 1, 3])
def test_monte_carlo_journeys_agree_with_the_exact_ones(redials: int) -> None:
    exact = run(tree(redials), method="exact")
    sampled = run(tree(redials), callers=40_000, seed=11)
    for ex, mc in zip((*exact.personas, exact.overall), (*sampled.personas, sampled.overall),
                      strict=True):
        n = sampled.callers if mc.callers is None else mc.callers
        assert _journey_disagreements(mc.figures.journey, ex.figures.journey, n) == [], mc.name
        if mc.name != "overall":
            # Per-call figures over every call made (redials included) match one call's.
            made = round(n * mc.figures.journey.calls)
            assert disagreements(mc.figures, ex.figures, made) == [], mc.name
        assert mc.figures.journey.stderr["calls"] >= 0


def test_the_sampled_overall_call_figures_weigh_by_calls_made() -> None:
    # 30,000 calls of jail rate J at most: the pooled per-call jail rate is J within 4 se.
    sampled = run(tree(3), callers=20_000, seed=2)
    made = sum(round(p.callers * p.figures.journey.calls) for p in sampled.personas)
    assert abs(sampled.overall.figures.jail_rate - J) < Z * math.sqrt(J * (1 - J) / made)


@pytest.mark.parametrize("redials", [0, 3])
def test_monte_carlo_counts_the_calls_its_callers_made(redials: int) -> None:
    sampled = run(tree(redials), callers=5_000, seed=3)
    # every caller calls once; a redialler calls again after each jailed call (at most 3)
    rounds = sampled.calls_made - 5_000
    if redials:
        assert 0 < rounds < 3 * 5_000
        assert sampled.calls_made == round(5_000 * sampled.overall.figures.journey.calls)
        assert f"5,000 callers, {sampled.calls_made:,} calls, seed 3" in render_text(sampled)
    else:
        assert rounds == 0
        assert "Monte-Carlo, 5,000 callers, seed 3" in render_text(sampled)
    assert run(tree(redials), method="exact").calls_made is None
