"""phonejail's exact analysis matches the Storm probabilistic model checker to 1e-6.

The model Storm solves is written by tests/simulate/prism.py directly from the
caller semantics, independently of phonejail's chain compiler and engines.
"""

from __future__ import annotations

import pytest

from phonejail.model import load_file
from phonejail.simulate import run
from tests.conftest import TREES, load
from tests.simulate.prism import OUT, prism_model
from tests.simulate.test_engines import HAND

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


@pytest.mark.parametrize("tree", ["isp_billing", "isp_billing_fixed", "bank_800",
                                  "small_business"])
def test_example_trees_match_storm(tree: str, tmp_path) -> None:
    _compare(load_file(TREES / f"{tree}.yaml").tree, tmp_path, with_seconds=False)
