"""`phonejail compare` as a gate: figures that regress beyond their thresholds, findings
matched by fingerprint, and a NEW (or OLD) that does not load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phonejail.config import ConfigError, load_config
from phonejail.findings import Finding, Severity

FIXTURES = Path(__file__).parent / "fixtures" / "compare"
LOW, SLIGHTLY_WORSE, JAILED = (str(FIXTURES / f"{n}.yaml") for n in
                               ("jail_0_2", "jail_0_9", "jail_20"))


def test_a_jump_from_0_2_to_20_percent_jail_fails_with_the_defaults(run) -> None:
    # --fail-on never: the figures fail the gate by themselves, not PJ105's new findings.
    code, out, _ = run("compare", "--fail-on", "never", LOW, JAILED)
    assert code == 1
    regressions = out.split("Regressions: ")[1].split("\n\n")[0].splitlines()
    assert regressions[0] == "6"  # jail rate and reached a human: overall, each persona
    assert ("  all calls: jail rate 0.20% -> 20.0% (+19.8 pts, more than max-regression 1 pts)"
            in regressions)
    assert ("  persona 'returns': jail rate 0.20% -> 20.0% (+19.8 pts, more than "
            "max-regression 1 pts)") in regressions
    assert ("  persona 'parcel tracker': reached a human 99.8% -> 80.0% (-19.8 pts, more than "
            "max-reached-human-regression 1 pts)") in regressions
    # With the default --fail-on error, PJ105's errors are added too.
    code, out, _ = run("compare", LOW, JAILED)
    assert code == 1 and "Findings added: 2" in out


def test_a_change_from_0_2_to_0_9_percent_passes(run) -> None:
    code, out, _ = run("compare", LOW, SLIGHTLY_WORSE)
    assert code == 0
    assert ("Regressions: none beyond the thresholds (jail rate 1 pts, reached a human 1 pts, "
            "mean steps to a human 1 step, mean seconds to a human 30 s)") in out
    assert "+0.7 pts  worse" in out
    # A stricter threshold, on the command line or in the configuration, fails it.
    code, out, _ = run("compare", "--max-regression", "0.5", LOW, SLIGHTLY_WORSE)
    assert code == 1
    assert ("all calls: jail rate 0.20% -> 0.90% (+0.7 pts, more than max-regression 0.5 pts)"
            in out)


def test_thresholds_come_from_the_configuration_and_the_command_line_wins(
        run, tmp_path) -> None:
    for name in ("old.yaml", "new.yaml"):
        source = LOW if name == "old.yaml" else JAILED
        (tmp_path / name).write_text(Path(source).read_text())
    (tmp_path / "phonejail.toml").write_text(
        "max-regression = 25\nmax-reached-human-regression = 25\nmax-jail-rate = 0.5\n")
    code, out, _ = run("compare", tmp_path / "old.yaml", tmp_path / "new.yaml")
    assert code == 0, out
    assert "Regressions: none beyond the thresholds (jail rate 25 pts, reached a human 25 pts" \
        in out and "Findings added: 0" in out  # max-jail-rate from the same file: no PJ105
    code, out, _ = run("compare", "--max-regression", "10", tmp_path / "old.yaml",
                       tmp_path / "new.yaml")
    assert code == 1 and "more than max-regression 10 pts" in out
    for bad in ("-1", "nan", "inf"):
        code, _, err = run("compare", "--max-regression", bad, LOW, JAILED)
        assert code == 2 and "--max-regression" in err, bad


def test_a_bad_threshold_in_the_configuration_is_named(tmp_path) -> None:
    (tmp_path / "phonejail.toml").write_text("max-seconds-to-human-regression = -5\n")
    with pytest.raises(ConfigError, match="max-seconds-to-human-regression: expected a number"):
        load_config(tmp_path / "phonejail.toml")
    (tmp_path / "phonejail.toml").write_text("max-regresion = 2\n")
    with pytest.raises(ConfigError, match="did you mean 'max-regression'"):
        load_config(tmp_path / "phonejail.toml")


def test_json_and_markdown_carry_the_regressions(run) -> None:
    code, out, _ = run("compare", "--format", "json", LOW, JAILED)
    data = json.loads(out)
    assert code == 1 and data["new_loads"] is True and data["broken"] is None
    overall = next(r for r in data["regressions"]
                   if r["figure"] == "jail_rate" and r["persona"] is None)
    assert overall["old"] == pytest.approx(0.002) and overall["new"] == pytest.approx(0.2)
    assert overall["worse_by"] == pytest.approx(19.8)
    assert overall["setting"] == "max-regression" and overall["limit"] == 1.0
    assert data["limits"]["max-seconds-to-human-regression"] == 30.0
    code, out, _ = run("compare", "--format", "markdown", LOW, JAILED)
    assert code == 1 and "**Regressions: 6**" in out
    assert ("- persona 'parcel tracker': jail rate 0.20% -> 20.0% (+19.8 pts, more than "
            "max-regression 1 pts)") in out
    code, out, _ = run("compare", "--format", "markdown", LOW, SLIGHTLY_WORSE)
    assert code == 0 and "**Regressions: none** beyond the thresholds" in out


@pytest.mark.parametrize("broken, shown", [
    ("phonejail: 1\nname: [unclosed\n", "PJ001"),
    ("phonejail: 1\nname: x\nstart: nowhere\nnodes: {}\n", "PJ00"),
    (None, "no such file"),
])
def test_a_new_that_does_not_load_is_a_regression(run, tmp_path, broken, shown) -> None:
    new = tmp_path / "new.yaml"
    if broken is not None:
        new.write_text(broken)
    code, out, _ = run("compare", JAILED, new)
    assert code == 1
    assert f"NEW fails: NEW ({new}) does not load: " in out
    assert shown in out
    # OLD's findings are not "removed" by a NEW that cannot be read.
    assert "Findings removed" not in out
    if broken is not None:
        assert "Findings of NEW (it does not load): " in out
    data = json.loads(run("compare", "--format", "json", JAILED, new)[1])
    assert data["new_loads"] is False and data["findings_removed"] == []


def test_an_old_that_does_not_load_is_compared_against_nothing(run, tmp_path) -> None:
    missing = tmp_path / "old.yaml"  # a tree new in this change: OLD does not exist
    code, out, _ = run("compare", missing, LOW)
    # its after-hours hangup (PJ101) is a new error; no figure regresses
    assert code == 1 and "Findings added: 1" in out and "Regressions:" not in out
    assert (f"Note: OLD ({missing}) does not load (no such file): NEW is compared against "
            "nothing, so every finding of NEW is new and no figure can regress") in out
    code, out, _ = run("compare", missing, JAILED)
    assert code == 1 and "Findings added: 3" in out and "Regressions:" not in out


def _with_persona(text: str) -> str:
    return text.replace("callers:\n", "callers:\n  - name: new customer\n"
                        "    intent: pay_bill\n    share: 0.1\n    knows: [account_number]\n", 1)


def test_adding_a_persona_does_not_remove_and_add_the_same_finding(run, in_repo,
                                                                   tmp_path) -> None:
    new = tmp_path / "isp_billing.yaml"
    new.write_text(_with_persona(Path("trees/isp_billing.yaml").read_text()))
    code, out, _ = run("compare", "--format", "json", "trees/isp_billing.yaml", new)
    data = json.loads(out)
    # The identity gate's message now names the new persona too; it is the same finding.
    assert data["findings_removed"] == []
    added = [(f["code"], f["message"].split(" (")[0]) for f in data["findings_added"]]
    assert added == [("PJ105", "persona 'new customer'")]


def test_the_fingerprint_is_rule_node_fact_persona_and_part_never_the_message() -> None:
    def finding(line: int, message: str, **about: str) -> Finding:
        return Finding("a.yaml", line, 1, "PJ202", "repeated-identity", Severity.WARNING,
                       message, "confirm", **about)

    same = finding(3, "asks again (callers: a)", fact="phone")
    moved = finding(9, "asks again (callers: a, b)", fact="phone")
    other = finding(3, "asks again (callers: a)", fact="account")
    assert same.fingerprint == moved.fingerprint != other.fingerprint
    assert len(same.fingerprint) == 16 and same.to_dict()["fingerprint"] == same.fingerprint
    assert finding(3, "x", persona="a").fingerprint != finding(3, "x", persona="b").fingerprint


def test_sarif_partial_fingerprints_survive_an_edit_above(run, tmp_path, in_repo) -> None:
    text = Path("trees/isp_billing.yaml").read_text()
    tree = tmp_path / "isp_billing.yaml"

    def fingerprints() -> list[tuple[str, str]]:
        out = run("check", "--format", "sarif", tree)[1]
        return [(r["ruleId"], r["partialFingerprints"]["phonejailFinding/v1"])
                for r in json.loads(out)["runs"][0]["results"]]

    tree.write_text(text)
    before = fingerprints()
    tree.write_text("# a comment above moves every line\n\n" + _with_persona(text))
    after = fingerprints()
    assert len({f for _, f in before}) == len(before)  # unique within the file
    assert set(before) < set(after)  # every finding kept its fingerprint; PJ105 added
    assert [code for code, _ in set(after) - set(before)] == ["PJ105"]


def test_report_with_a_baseline_gates_as_compare_does(run, tmp_path) -> None:
    code, out, _ = run("report", "-q", JAILED, "--baseline", LOW, "-o", tmp_path,
                       "--fail-on", "never")
    assert code == 1
    assert (f"{JAILED}: regressed against {LOW}: all calls: jail rate 0.20% -> 20.0% "
            "(+19.8 pts, more than max-regression 1 pts)") in out.splitlines()
    page = (tmp_path / "jail_20" / "index.html").read_text()
    assert "<h3>Regressions: 6</h3>" in page
    data = json.loads((tmp_path / "jail_20" / "summary.json").read_text())
    assert len(data["comparison"]["regressions"]) == 6
    assert "**Regressions: 6**" in (tmp_path / "jail_20" / "summary.md").read_text()
    code, out, _ = run("report", "-q", SLIGHTLY_WORSE, "--baseline", LOW, "-o", tmp_path,
                       "--fail-on", "never")  # both have the after-hours hangup (PJ101)
    assert code == 0 and out == ""
    page = (tmp_path / "jail_0_9" / "index.html").read_text()
    assert "No figure worse than the baseline beyond its threshold." in page
