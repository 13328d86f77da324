"""`report` and `check` give one answer to "where are this persona's calls lost"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from phonejail.config import Config
from phonejail.report.build import build_report
from phonejail.rules._jail import percent
from tests.conftest import ROOT

TREES = sorted((ROOT / "trees").glob("*.yaml"))
JAILED = re.compile(r"^persona '(.+?)' \(.*?; (\S+) of its calls are lost at '(.+)'$")


@pytest.mark.parametrize("path", TREES, ids=lambda p: p.stem)
def test_the_reports_first_loss_is_where_pj105_says_calls_are_lost(path: Path) -> None:
    report = build_report(str(path), path.stem, Config(), callers=0, seed=1)
    answers = {a.name: a for a in report.answers}
    judged = 0
    for finding in report.findings:
        found = JAILED.match(finding.message) if finding.code == "PJ105" else None
        if found is None:
            continue
        name, share, node = found.groups()
        answer = answers[name]
        top = answer.losses[0].node
        at_top = sum(x.share for x in answer.losses if x.node == top)
        assert (top, percent(at_top)) == (node, share) == (finding.node, share)
        judged += 1
    assert judged == sum(f.code == "PJ105" and "persona '" in f.message[:9]
                         for f in report.findings)
