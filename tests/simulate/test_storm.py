"""phonejail's exact analysis matches the Storm probabilistic model checker to 1e-6.

The model Storm solves is written by tests/simulate/prism.py directly from the
caller semantics, independently of phonejail's chain compiler and engines. Journeys
(redials) are checked on a model of the whole journey, every call in one DTMC, not on the
closed formulas phonejail uses (docs/format.md, "Redials and journeys").
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from phonejail.model import load_file
from phonejail.simulate import run
from tests.conftest import TREES, load
from tests.simulate.prism import JAILED, OUT, prism_model
from tests.simulate.test_engines import HAND
from tests.simulate.test_journeys import REDIALS

stormpy = pytest.importorskip("stormpy", reason="stormpy is installed with the test extra")

TOLERANCE = 1e-6


def _storm(text: str, properties: list[str], tmp_path) -> list[float]:
    model_file = tmp_path / "call.prism"
    model_file.write_text(text)
    program = stormpy.parse_prism_program(str(model_file))
    parsed = stormpy.parse_properties(";".join(properties), program)
    model = stormpy.build_model(program, parsed)
    (initial,) = model.initial_states
    return [float(stormpy.model_checking(model, p).get_value(initial)) for p in parsed]


def _compare(tree, tmp_path, with_seconds: bool) -> None:
    exact = run(tree, method="exact")
    for persona, result in zip(tree.personas, exact.personas, strict=True):
        f = result.figures
        T = persona.patience
        props = [f"P=? [F out={OUT[name]}]" for name in OUT]
        props += ['P=? [F (out>0 & h)]', 'P=? [F (out>0 & r)]',
                  'R{"prompts"}=? [F out>0]', 'R{"repeats"}=? [F out>0]',
                  'R{"transfers"}=? [F out>0]', 'R{"call_seconds"}=? [F out>0]',
                  'P=? [F (out=1 & uv)]']
        props += [f"P=? [F (out>0 & h & sth={k})]" for k in range(T + 1)]
        seconds = range(len(f.seconds_hist)) if with_seconds else range(0)
        props += [f"P=? [F (out>0 & h & sts={v})]" for v in seconds]
        got = _storm(prism_model(tree, persona, with_seconds), props, tmp_path)
        want = [f.outcomes[name] for name in OUT]
        want += [f.reached_human, f.calls_with_repeats, f.identity_prompts,
                 f.repeated_identity_prompts, f.transfers, f.call_seconds,
                 f.unverified_resolutions]
        steps = list(f.steps_hist) + [0.0] * (T + 1)
        want += steps[: T + 1]
        want += [f.seconds_hist[v] for v in seconds]
        assert got == pytest.approx(want, abs=TOLERANCE), persona.name


@pytest.mark.parametrize("name", sorted(HAND))
def test_hand_trees_match_storm_with_seconds(name: str, tmp_path) -> None:
    _compare(load(HAND[name]).tree, tmp_path, with_seconds=True)


@pytest.mark.parametrize("tree", sorted(p.stem for p in TREES.glob("*.yaml")))
def test_example_trees_match_storm(tree: str, tmp_path) -> None:
    _compare(load_file(TREES / f"{tree}.yaml").tree, tmp_path, with_seconds=False)


def with_redials(tree, redials: tuple[int, ...]):
    """The tree with persona k redialling redials[k % len(redials)] times."""
    personas = tree.personas
    return replace(tree, callers=tuple(replace(p, redials=redials[k % len(redials)])
                                       for k, p in enumerate(personas)))


def _journey_figures(tree, persona, tmp_path) -> dict[str, object]:
    """One persona's journey as Storm solves it: resolved within 1..r+1 calls, jail, the
    distribution of calls, and prompts, seconds and per-call counts summed over the calls."""
    R = persona.redials
    done = '"done"'
    props = ["P=? [F out=1]", f"P=? [F ({JAILED} & c={R})]" if R else f"P=? [F {JAILED}]",
             'R{"redials"}=? [F "done"]', 'R{"prompts"}=? [F "done"]',
             'R{"call_seconds"}=? [F "done"]', 'R{"transfers"}=? [F "done"]']
    props += [f"P=? [F (out=1 & c<{k})]" if R else "P=? [F out=1]" for k in range(1, R + 2)]
    props += [f"P=? [F ({done} & c={k})]" if R else f"P=? [F {done}]" for k in range(R + 1)]
    got = _storm(prism_model(tree, persona, with_seconds=False, journey=True), props,
                 tmp_path)
    resolved, jail, redials, prompts, seconds, transfers = got[:6]
    within, calls_pmf = got[6:7 + R], got[7 + R:]
    return {"resolved": resolved, "jail_rate": jail, "calls": 1 + redials,
            "identity_prompts": prompts, "seconds": seconds, "transfers": transfers,
            "resolved_by_call": within, "calls_pmf": calls_pmf}


def _compare_journeys(tree, tmp_path) -> None:
    exact = run(tree, method="exact")
    total = sum(p.share for p in tree.personas)
    storm = []
    for persona, result in zip(tree.personas, exact.personas, strict=True):
        s = _journey_figures(tree, persona, tmp_path)
        storm.append(s)
        j = result.figures.journey
        pmf = s["calls_pmf"]
        assert sum(pmf) == pytest.approx(1.0, abs=TOLERANCE)
        mean = sum((k + 1) * p for k, p in enumerate(pmf))
        sd = (sum((k + 1) ** 2 * p for k, p in enumerate(pmf)) - mean**2) ** 0.5
        want = [j.resolved, j.jail_rate, j.calls, j.identity_prompts, j.seconds,
                *j.resolved_by_call, j.calls, j.sd["calls"],
                # per-call figures stay per call: a journey's transfers are calls x a call's
                result.figures.transfers * j.calls]
        got = [s["resolved"], s["jail_rate"], s["calls"], s["identity_prompts"],
               s["seconds"], *s["resolved_by_call"], mean, sd, s["transfers"]]
        assert got == pytest.approx(want, abs=TOLERANCE), persona.name
    # overall: journeys weigh by the callers' shares, per-call figures by share x calls
    shares = [p.share / total for p in tree.personas]
    overall = exact.overall.figures
    for name in ("resolved", "jail_rate", "calls", "identity_prompts", "seconds"):
        mixed = sum(w * s[name] for w, s in zip(shares, storm, strict=True))
        assert getattr(overall.journey, name) == pytest.approx(mixed, abs=TOLERANCE), name
    calls = [w * s["calls"] for w, s in zip(shares, storm, strict=True)]
    transfers = sum(s["transfers"] * w for w, s in zip(shares, storm, strict=True))
    assert overall.transfers == pytest.approx(transfers / sum(calls), abs=TOLERANCE)


JOURNEY_TREES = {name: HAND[name] for name in ("bounce", "speech", "speech-both",
                                                "unverified", "menu-impatient")}


@pytest.mark.parametrize("redials", [0, 1, 3])
def test_hand_journeys_match_storm(redials: int, tmp_path) -> None:
    _compare_journeys(load(REDIALS.replace("REDIALS", str(redials))).tree, tmp_path)


@pytest.mark.parametrize("name", sorted(JOURNEY_TREES))
def test_journeys_with_transfers_speech_and_unverified_match_storm(name, tmp_path) -> None:
    _compare_journeys(with_redials(load(JOURNEY_TREES[name]).tree, (2, 0, 4)), tmp_path)


@pytest.mark.parametrize("tree", sorted(p.stem for p in TREES.glob("*.yaml")))
def test_example_journeys_match_storm(tree: str, tmp_path) -> None:
    loaded = load_file(TREES / f"{tree}.yaml").tree
    if not any(p.redials for p in loaded.personas):
        loaded = with_redials(loaded, (1, 2))
    _compare_journeys(loaded, tmp_path)
