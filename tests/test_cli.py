"""The command line as users and CI see it: exit codes and output, asserted together."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from phonejail.model.schema import schema_text
from phonejail.rules import RULES

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("PHONEJAIL_UPDATE_GOLDEN") == "1"


def golden(name: str, actual: str) -> str:
    """The stored expected output; PHONEJAIL_UPDATE_GOLDEN=1 rewrites it after a review."""
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit"])
def test_check_output_of_the_isp_story_matches_the_golden_file(run, in_repo, fmt) -> None:
    code, out, err = run("check", "--format", fmt, "trees/isp_billing.yaml")
    assert code == 1 and err == ""
    assert out == golden(f"isp_billing.{fmt}", out)


def test_isp_story_shows_the_identity_gate_and_the_repeats_where_they_are(run, in_repo) -> None:
    code, out, _ = run("check", "--select", "PJ103,PJ202", "-q", "trees/isp_billing.yaml")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("trees/isp_billing.yaml:26:3: error PJ103 identity-gate: "
                               "'ask_phone' shuts out persona 'internet-only customer'")
    repeats = [line.split(": warning")[0] for line in lines if "PJ202" in line]
    assert repeats == [f"trees/isp_billing.yaml:{pos}" for pos in
                       ("66:3", "86:12", "94:12", "102:12", "110:12", "110:26")]


def test_clean_trees_exit_0_with_a_summary(run, in_repo) -> None:
    code, out, err = run("check", "trees/small_business.yaml", "trees/isp_billing_fixed.yaml")
    assert (code, out, err) == (0, "No findings in 2 files.\n", "")


def test_trees_folder_fails_by_design_sorted_by_path(run, in_repo) -> None:
    code, out, _ = run("check", "--no-snippet", "trees/")
    paths = [line.split(":")[0] for line in out.splitlines()[:-1]]
    assert code == 1 and paths == sorted(paths)
    assert out.splitlines()[-1] == "Found 6 errors and 32 warnings in 4 of 8 files."


@pytest.mark.parametrize(("args", "expected"), [
    (["--fail-on", "warning", "trees/bank_800.yaml"], 1),
    (["trees/bank_800.yaml"], 0),
    (["--fail-on", "never", "trees/isp_billing.yaml"], 0),
    (["--ignore", "PJ1", "trees/isp_billing.yaml"], 0),
])
def test_fail_on_decides_the_exit_code(run, in_repo, args, expected) -> None:
    code, _, _ = run("check", "-q", *args)
    assert code == expected


@pytest.mark.parametrize(("args", "message"), [
    (["check", "no/such/tree.yaml"], "'no/such/tree.yaml' does not exist"),
    (["check"], "Missing argument 'PATHS...'"),
    (["check", "--format", "xml", "trees"], "'xml' is not one of"),
    (["check", "--select", "PJ9", "trees"], "'PJ9' matches no rule"),
    (["check", "--config", "nope.toml", "trees"], "nope.toml: no such configuration file"),
    (["explain", "PJ999"], "no rule 'PJ999'"),
    (["explain", "dead-ends"], "no rule 'dead-ends' (did you mean 'dead-end'?)"),
    (["explain", "PJ10"], "no rule 'PJ10' (did you mean 'PJ210'?)"),
    (["frobnicate"], "No such command 'frobnicate'"),
])
def test_usage_errors_exit_2_with_a_message(run, in_repo, args, message) -> None:
    code, out, err = run(*args)
    assert code == 2 and out == "" and message in err


def test_configuration_from_the_nearest_pyproject(run, tmp_path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.phonejail]\nignore = ["PJ2"]\nmax-prompt-seconds = 10\n')
    (tmp_path / "menus").mkdir()
    tree = tmp_path / "menus" / "t.yaml"
    tree.write_text("phonejail: 1\nname: t\nstart: a\nintents: [x]\nnodes:\n"
                    "  a: {kind: say, seconds: 20, next: b}\n  b: {kind: agent}\n")
    monkeypatch.chdir(tmp_path / "menus")
    assert run("check", "t.yaml") == (0, "No findings in 1 file.\n", "")
    assert run("check", "--select", "PJ206", "-q", "t.yaml")[1] == (
        "t.yaml:6:18: warning PJ206 long-prompt: the prompt of 'a' lasts 20 seconds, "
        "more than 10\n")


@pytest.mark.parametrize(("toml", "message"), [
    ("[tool.phonejail]\nmax-menu-option = 3\n",
     "unknown key 'max-menu-option' in [tool.phonejail] (did you mean 'max-menu-options'?)"),
    ("[tool.phonejail]\nfail-on = 'sometimes'\n", "expected one of error, warning, never"),
    ("[tool.phonejail]\nselect = 'PJ1'\n", "expected a list of codes"),
    ("[tool.phonejail]\nmax-prompt-seconds = -4\n", "expected a whole number >= 0"),
    ("[tool.phonejail\n", "not valid TOML"),
])
def test_a_bad_configuration_is_exit_2(run, tmp_path, monkeypatch, toml, message) -> None:
    (tmp_path / "pyproject.toml").write_text(toml)
    (tmp_path / "t.yaml").write_text("phonejail: 1\n")
    monkeypatch.chdir(tmp_path)
    code, out, err = run("check", "t.yaml")
    assert code == 2 and out == ""
    assert err.startswith("phonejail: configuration error: ") and message in err


def test_output_file_is_written_whole_and_never_over_an_input(run, tmp_path, in_repo) -> None:
    target = tmp_path / "out" / "phonejail.sarif"
    code, out, _ = run("check", "--format", "sarif", "-o", target, "trees/isp_billing.yaml")
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"
    tree = tmp_path / "t.yaml"
    tree.write_text("phonejail: 1\n")
    code, _, err = run("check", "-o", tree, tree)
    assert code == 2 and "refusing to overwrite it" in err
    assert tree.read_text() == "phonejail: 1\n"


def test_a_folder_without_trees_says_so(run, tmp_path) -> None:
    code, out, err = run("check", tmp_path)
    assert (code, out) == (0, "No findings in 0 files.\n")
    assert err == f"phonejail: no phonejail trees (YAML with a `phonejail:` key, or flow " \
        f"exports) under {tmp_path}\n"


def test_a_broken_file_is_a_finding_and_exit_1(run, tmp_path) -> None:
    bad = tmp_path / "deep.yaml"
    bad.write_text("[" * 30000 + "]" * 30000)
    code, out, _ = run("check", bad)
    assert code == 1
    assert out.startswith(f"{bad}:1:1001: error PJ001 syntax: nesting deeper than 64 levels")


def test_explain_prints_each_rules_documentation(run) -> None:
    for code in RULES:
        status, out, _ = run("explain", code.lower())
        assert status == 0 and out.startswith(code)
        for part in ("What it finds", "Why it matters", "How to fix", "Example (fails)",
                     "Use instead"):
            assert part in out, (code, part)
    assert run("explain", "identity-gate")[1].startswith("PJ103 identity-gate (error)")


def test_explain_without_a_code_lists_every_rule(run) -> None:
    code, out, _ = run("explain")
    assert code == 0 and [line[:5] for line in out.splitlines()] == list(RULES)


def test_schema_prints_the_shipped_schema(run) -> None:
    code, out, _ = run("schema")
    assert code == 0 and out == schema_text()


def test_github_annotations_escape_data_and_properties() -> None:
    from phonejail.findings import Finding, Severity
    from phonejail.lint import CheckResult
    from phonejail.output import github

    finding = Finding("a,b:c%.yaml", 3, 4, "PJ101", "dead-end", Severity.ERROR,
                      "100% stuck\r\nhere: a, b", "n")
    warning = Finding("a.yaml", 1, 1, "PJ206", "long-prompt", Severity.WARNING, "w", "n")
    rendered = github.render(CheckResult(("a.yaml",), (warning, finding)))
    assert rendered.splitlines() == [
        "::error file=a%2Cb%3Ac%25.yaml,line=3,col=4,title=PJ101 dead-end::"
        "100%25 stuck\\r\\nhere: a, b",  # a line break in a message is shown, not obeyed
        "::warning file=a.yaml,line=1,col=1,title=PJ206 long-prompt::w",
    ]


def test_junit_has_a_suite_per_file_and_a_case_per_rule(run, in_repo) -> None:
    _, out, _ = run("check", "--format", "junit", "trees/isp_billing.yaml",
                    "trees/small_business.yaml")
    root = ET.fromstring(out)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["trees/isp_billing.yaml",
                                                "trees/small_business.yaml"]
    assert all(len(s.findall("testcase")) == len(RULES) for s in suites)
    failed = [c.get("name") for c in suites[0] if c.find("failure") is not None]
    assert failed == ["PJ103 identity-gate", "PJ105 persona-jailed", "PJ201 no-zero-out",
                      "PJ202 repeated-identity", "PJ205 no-retry-handler"]
    assert suites[1].get("failures") == "0"
    assert root.get("skipped") == "0"


def test_junit_skips_the_rules_a_file_that_does_not_load_never_ran(run, in_repo) -> None:
    # A PJ002 file: only the format rules ran; the trap rules must not read as passed.
    code, out, _ = run("check", "--format", "junit", "tests/rules/bad/pj002_schema.yaml")
    assert code == 1
    suite = ET.fromstring(out).find("testsuite")
    assert suite is not None
    skipped = {c.get("name").split()[0]: c.find("skipped") for c in suite}
    graph_rules = [code for code, rule in RULES.items() if rule.check is not None]
    assert all(skipped[code] is not None for code in graph_rules)
    assert all(skipped[code] is None for code in RULES if code not in graph_rules)
    assert skipped["PJ101"].get("message") == (
        "not run: the file does not load (fix PJ002, PJ004 first)")
    assert suite.get("skipped") == str(len(graph_rules)) and suite.get("failures") == "2"


def test_sarif_lists_only_rules_that_fired_with_help(run, in_repo) -> None:
    _, out, _ = run("check", "--format", "sarif", "trees/isp_billing.yaml")
    run_ = json.loads(out)["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["PJ103", "PJ105", "PJ201", "PJ202", "PJ205"]
    assert all(r["help"]["text"].startswith(r["id"]) for r in rules)
    first = run_["results"][0]
    assert first["ruleId"] == "PJ103" and first["level"] == "error"
    region = first["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 26, "startColumn": 3}
    assert rules[first["ruleIndex"]]["id"] == "PJ103"


def test_version(run) -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.startswith("phonejail, version ")


def test_simulate_and_staff_formats_are_the_cli_choices() -> None:
    # the CLI lists the formats without importing the engines; the two must not drift
    from phonejail.defaults import TABLE_FORMATS
    from phonejail.simulate.render import RENDERERS
    from phonejail.simulate.staff import RENDERERS as STAFF_RENDERERS

    assert tuple(RENDERERS) == tuple(STAFF_RENDERERS) == TABLE_FORMATS


def test_version_and_check_import_no_engine_or_plotting() -> None:
    # pre-commit hooks and editors start phonejail on every save: keep start-up light
    import subprocess
    import sys

    code = ("import sys; from phonejail.cli import main; "
            "heavy = [m for m in ('numpy', 'matplotlib', 'networkx') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == ""


def test_check_of_a_yaml_tree_loads_no_importer_pool_or_other_format(in_repo) -> None:
    # what `check` of one YAML tree needs, and no more: the importers, the process pool and
    # the other output formats load only for the files and options that use them, and
    # numpy only for a big tree or a caller near its limit (docs/format.md)
    code = ("import sys; from phonejail.cli import main; sys.argv = ['phonejail', 'check', "
            f"{str(in_repo / 'trees/shop.yaml')!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m in ('multiprocessing', 'numpy', "
            "'concurrent.futures', 'tempfile', 'hashlib', 'xml.etree.ElementTree', "
            "'phonejail.importers.read', 'phonejail.importers.common', "
            "'phonejail.output.junit', 'phonejail.output.sarif')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.splitlines() == ["No findings in 1 file.", "[]"]


def test_dash_as_output_is_standard_output(run, in_repo, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # a file named '-' would land here
    flow = in_repo / "tests/importers/fixtures/connect_balance_line.json"
    code, out, _ = run("import", flow, "-o", "-")
    assert code == 0 and out.startswith("# Imported by phonejail") and "nodes:" in out
    code, out, _ = run("check", in_repo / "trees/shop.yaml", "-o", "-")
    assert code == 0 and out == "No findings in 1 file.\n"
    code, out, _ = run("graph", in_repo / "trees/shop.yaml", "--format", "mermaid", "-o", "-")
    assert code == 0 and "flowchart TD" in out
    png = subprocess.run([sys.executable, "-m", "phonejail", "graph",
                          str(in_repo / "trees/shop.yaml"), "--format", "png", "-o", "-"],
                         capture_output=True, check=False)
    assert png.returncode == 0 and png.stdout.startswith(b"\x89PNG\r\n\x1a\n")
    assert list(tmp_path.iterdir()) == []


def test_no_color_turns_colour_off_even_on_a_terminal(monkeypatch) -> None:
    import io

    from phonejail import cli as command_line

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert command_line._colour(Terminal()) and not command_line._colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")  # no-color.org: any non-empty value
    assert not command_line._colour(Terminal())
