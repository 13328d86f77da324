"""The report's journeys (redials) and staffing sections, and journeys in `compare`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib.image
import pytest

from tests.simulate.test_journeys import REDIALS


@pytest.fixture(scope="module")
def redial_tree(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("trees")
    path = folder / "redials.yaml"
    path.write_text(REDIALS.replace("REDIALS", "3"))
    (folder / "no_redials.yaml").write_text(REDIALS.replace("REDIALS", "0"))
    return path


def test_a_tree_with_redials_gets_a_journey_table_and_figure(run, redial_tree, tmp_path) -> None:
    code, _, _ = run("report", "-q", "--callers", "4000", str(redial_tree), "-o", str(tmp_path))
    assert code == 1  # the example has an identity gate (PJ103)
    folder = tmp_path / "redials"
    page = (folder / "index.html").read_text()
    assert "<h2>Callers who call again</h2>" in page
    # redialler: 3 redials, 1 + j + j^2 + j^3 = 1.30 calls, 70.4% resolved, 0.30% jailed.
    assert ("<td>redialler</td><td class=\"num\">3</td><td class=\"num\">1.30</td>"
            "<td class=\"num\">70.4%</td><td class=\"num\">0.30%</td>") in page
    assert "54.0%, 66.7%, 69.7%, 70.4%" in page
    image = matplotlib.image.imread(folder / "journeys.png")
    assert image.shape[0] > 200 and image.shape[1] > 400
    markdown = (folder / "summary.md").read_text()
    assert "### Callers who call again" in markdown
    assert ("| redialler | 3 | 1.30 | 70.4% | 0.30% | 29 s (0:29) | 2.01 | "
            "54.0%, 66.7%, 69.7%, 70.4% |") in markdown
    assert "| calls per caller (journey) | 1.23 |" in markdown
    # Monte-Carlo's 4,000 callers made more calls than that: the report says both
    made = re.search(r"Monte-Carlo: 4,000 callers, ([\d,]+) calls, seed 1", markdown)
    assert made and 4_000 < int(made[1].replace(",", "")) < 6_000, markdown
    assert f"Monte-Carlo (4,000 callers, {made[1]} calls, ± 1 s.e.)" in page
    data = json.loads((folder / "summary.json").read_text())
    assert data["personas"][0]["journey"]["calls"] == pytest.approx(1.303202875, abs=1e-6)
    assert data["montecarlo"]["personas"][0]["stderr"]["journey"]["calls"] > 0


def test_a_tree_without_redials_or_queues_shows_neither_section(run, in_repo, tmp_path) -> None:
    code, _, _ = run("report", "-q", "--callers", "1000", "trees/isp_billing_fixed.yaml", "-o",
                     str(tmp_path))
    assert code == 0
    folder = tmp_path / "isp_billing_fixed"
    page = (folder / "index.html").read_text()
    assert "Callers who call again" not in page and "<h2>Staffing</h2>" not in page
    assert not (folder / "journeys.png").exists() and not (folder / "staffing.png").exists()


def test_a_staffed_tree_gets_the_staffing_table_and_figure(run, in_repo, tmp_path) -> None:
    code, _, _ = run("report", "-q", "--callers", "1000", "trees/small_business.yaml", "-o",
                     str(tmp_path))
    assert code == 0
    folder = tmp_path / "small_business"
    page = (folder / "index.html").read_text()
    # counter: 2 agents, 0.27 erlangs, 1.5% hang up (Erlang A); 2 agents meet the limits.
    assert ("<td>counter</td><td class=\"num\">2</td><td class=\"num\">0.27 erlangs</td>"
            "<td class=\"num\">13.1%</td><td class=\"num\">0.4 s</td>"
            "<td class=\"num\">1.5%</td><td class=\"num\">2</td>") in page
    assert "| counter | 2 | 0.27 erlangs | 13.1% | 0.4 s | 1.5% | 2 |" in (
        folder / "summary.md").read_text()
    image = matplotlib.image.imread(folder / "staffing.png")
    assert image.shape[0] > 200


def test_compare_shows_journey_rows_when_either_tree_redials(run, redial_tree) -> None:
    old = redial_tree.parent / "no_redials.yaml"
    code, out, _ = run("compare", "--format", "json", str(old), str(redial_tree))
    assert code == 0
    figures = json.loads(out)["figures"]
    calls = figures["journey_calls"]
    assert calls["old"] == pytest.approx(1.0) and calls["new"] == pytest.approx(0.75 * 1.303202875
                                                                                + 0.25, abs=1e-6)
    assert figures["journey_jail_rate"]["worse"] is False
    code, out, _ = run("compare", str(old), str(redial_tree))
    assert "journey jail rate (every call jailed)" in out and "better" in out
    # Two trees without redials: no journey rows (a journey is a call).
    code, out, _ = run("compare", "--format", "json", str(old), str(old))
    assert "journey_calls" not in json.loads(out)["figures"]

