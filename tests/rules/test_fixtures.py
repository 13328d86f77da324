"""Every bad fixture gives exactly the findings its header expects; every good tree gives none.

A bad fixture starts with `# expect: CODE LINE:COL` lines, one per finding; a JSON
fixture (an imported flow) has them, without `# expect: `, in `NAME.json.expect`.
A JSON fixture lists only the findings of the rule it is named for.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from phonejail.config import Config
from phonejail.lint import check_source
from phonejail.rules import RULES
from phonejail.sources import load_source

HERE = Path(__file__).parent
BAD = sorted([*(HERE / "bad").glob("*.yaml"), *(HERE / "bad").glob("*.json")])
GOOD = [*sorted((HERE / "good").glob("*.yaml")),
        HERE.parents[1] / "trees" / "small_business.yaml",
        HERE.parents[1] / "trees" / "isp_billing_fixed.yaml",
        HERE.parents[1] / "trees" / "pharmacy_fixed.yaml",
        HERE.parents[1] / "trees" / "shop.yaml"]
EXPECT = re.compile(r"^# expect: (PJ\d{3}) (\d+):(\d+)$", re.M)


def _found(path: Path) -> list[tuple[str, int, int]]:
    return [(f.code, f.line, f.column) for f in check_source(load_source(path), Config())]


def _expected(path: Path) -> list[tuple[str, int, int]]:
    if path.suffix == ".json":
        text = "".join(f"# expect: {line}\n" for line in
                       Path(f"{path}.expect").read_text().splitlines())
    else:
        text = path.read_text()
    return [(c, int(line), int(col)) for c, line, col in EXPECT.findall(text)]


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_fixture_gives_exactly_the_expected_findings(path: Path) -> None:
    expected = _expected(path)
    assert expected, f"{path.name} declares no expected finding"
    found = _found(path)
    if path.suffix == ".json":
        found = [f for f in found if f[0] == path.name[:5].upper()]
    assert sorted(found) == sorted(expected)


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_good_tree_passes_every_rule(path: Path) -> None:
    assert _found(path) == []


def test_every_rule_has_a_bad_fixture_named_for_it() -> None:
    named = {p.name[:5].upper() for p in BAD}
    assert named == set(RULES)
