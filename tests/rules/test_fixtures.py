"""Every bad fixture gives exactly the findings its header expects; every good tree gives none.

A bad fixture starts with `# expect: CODE LINE:COL` lines, one per finding.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from phonejail.config import Config
from phonejail.lint import check_loaded
from phonejail.model import load_file
from phonejail.rules import RULES

HERE = Path(__file__).parent
BAD = sorted((HERE / "bad").glob("*.yaml"))
GOOD = [*sorted((HERE / "good").glob("*.yaml")),
        HERE.parents[1] / "trees" / "small_business.yaml",
        HERE.parents[1] / "trees" / "isp_billing_fixed.yaml"]
EXPECT = re.compile(r"^# expect: (PJ\d{3}) (\d+):(\d+)$", re.M)


def _found(path: Path) -> list[tuple[str, int, int]]:
    return [(f.code, f.line, f.column) for f in check_loaded(load_file(path), Config())]


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_fixture_gives_exactly_the_expected_findings(path: Path) -> None:
    expected = [(c, int(line), int(col)) for c, line, col in EXPECT.findall(path.read_text())]
    assert expected, f"{path.name} declares no expected finding"
    assert sorted(_found(path)) == sorted(expected)


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_good_tree_passes_every_rule(path: Path) -> None:
    assert _found(path) == []


def test_every_rule_has_a_bad_fixture_named_for_it() -> None:
    named = {p.name[:5].upper() for p in BAD}
    assert named == set(RULES)
