"""An independent reading of the semantics: the plain walker in benchmarks/ agrees with exact.

The baseline walker shares no code with phonejail's chain or engines; if the
chain compiler misread docs/format.md ("How a caller moves"), the two would disagree here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from phonejail.analysis.chain import OUTCOMES
from phonejail.analysis.tally import Tally, figures
from phonejail.model import load_file
from phonejail.simulate import run
from tests.conftest import ROOT, TREES
from tests.simulate.agreement import disagreements

sys.path.insert(0, str(ROOT / "benchmarks"))
from baseline_walker import walk  # noqa: E402

CALLS = 20_000


def _tally(totals) -> Tally:
    tally = Tally(weight=float(totals.calls))
    tally.outcomes = np.array([float(totals.outcomes[o]) for o in OUTCOMES])
    for name, values in (("steps", totals.steps_to_human), ("seconds", totals.seconds_to_human)):
        array = np.array(values, dtype=np.int64)
        tally.add_hist(name, array, np.ones(array.size))
    tally.prompts, tally.repeats = float(totals.prompts), float(totals.repeats)
    tally.transfers, tally.with_repeat = float(totals.transfers), float(totals.with_repeat)
    tally.call_seconds = float(totals.call_seconds)
    tally.call_seconds_sq = float(totals.call_seconds_sq)
    tally.unverified = float(totals.unverified)
    return tally


@pytest.mark.parametrize("tree_path", [TREES / "isp_billing.yaml", TREES / "bank_800.yaml",
                                       TREES / "isp_billing_fixed.yaml"], ids=lambda p: p.stem)
def test_baseline_walker_agrees_with_the_exact_analysis(tree_path: Path) -> None:
    tree = load_file(tree_path).tree
    exact = run(tree, method="exact")
    problems = []
    for persona, result in zip(tree.personas, exact.personas, strict=True):
        sampled = figures(_tally(walk(tree, persona, CALLS, seed=3)), sampled=True)
        problems += [f"{persona.name}: {d}"
                     for d in disagreements(sampled, result.figures, CALLS)]
    assert problems == []
