"""Reading flows where teams keep them: `locate`, `--branch-chance` on every command."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from phonejail.importers.common import locate

FIXTURES = Path(__file__).parent / "fixtures"


def test_locate_finds_the_first_pair_with_its_line_and_column() -> None:
    text = '{\n  "a": "x",\n  "states": [\n    {"name": "menu", "b": 1},\n    {"name": "menu"}]}'
    assert locate(text, "name", "menu") == (4, 6)
    assert locate(text, "name", "other") == (1, 1)
    assert locate(text, "a", "x") == (2, 3)


def test_a_quote_inside_a_string_never_starts_a_false_pair() -> None:
    text = '{"say": "press \\"name\\": \\"menu\\" now",\n "name": "menu"}'
    assert locate(text, "name", "menu") == (2, 2)


def test_inside_a_json_string_the_escaped_pair_is_found() -> None:
    inner = json.dumps({"Actions": [{"Identifier": "greet"}]})
    text = json.dumps({"ContactFlow": {"Content": inner}}, indent=2)
    line, _ = locate(text, "Identifier", "greet")
    assert text.splitlines()[line - 1].lstrip().startswith('"Content"')


def test_values_with_escapes_are_found_as_written() -> None:
    text = '{"name": "say \\"hi\\"",\n "name": "caf\\u00e9", "other": "café"}'
    assert locate(text, "name", 'say "hi"') == (1, 2)
    assert locate(text, "other", "café") == (2, 23)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8),
                min_size=1, max_size=12, unique=True), st.integers(0, 3))
def test_every_name_is_found_on_its_own_line(names: list[str], indent: int) -> None:
    """Each state of a generated export is located at the line json.dumps put it on."""
    states = [{"name": name, "type": "say-play"} for name in names]
    text = json.dumps({"states": states}, indent=indent or None, ensure_ascii=False)
    for name in names:
        line, column = locate(text, "name", name)
        raw = json.dumps(name, ensure_ascii=False)
        assert text.split("\n")[line - 1][column - 1:].startswith(f'"name": {raw}')


def test_branch_chance_works_on_check_simulate_and_report(run, tmp_path) -> None:
    flow = FIXTURES / "connect_wild.json"
    code, plain, _ = run("simulate", "--method", "exact", "--format", "json", flow)
    code2, changed, _ = run("simulate", "--method", "exact", "--format", "json", flow,
                            "--branch-chance", "QueueAtCapacity=0.5")
    assert code == code2 == 0
    dead = [json.loads(out)["overall"]["outcomes"]["dead_end"] for out in (plain, changed)]
    assert dead[1] > dead[0] + 0.05
    code, out, _ = run("check", "-q", "--fail-on", "never", flow,
                       "--branch-chance", "QueueAtCapacity=0.5")
    assert code == 0 and out
    summaries = []
    for folder, chances in (("plain", ()), ("changed", ("--branch-chance", "QueueAtCapacity=0.5"))):
        code, out, _ = run("report", flow, "-o", tmp_path / folder, "--callers", "50", *chances)
        assert code in (0, 1) and "Wrote" in out
        summaries.append(next((tmp_path / folder).glob("*/summary.json")).read_text())
    assert summaries[0] != summaries[1]
    code, _, err = run("check", flow, "--branch-chance", "QueueAtCapacity")
    assert code == 2 and "expected NAME=P" in err


def test_import_counts_one_warning_in_the_singular(run, tmp_path) -> None:
    flow = {"Version": "2019-10-30", "StartAction": "a", "Actions": [
        {"Identifier": "a", "Type": "MessageParticipant",
         "Parameters": {"Text": "Hello"}, "Transitions": {"NextAction": "b"}},
        {"Identifier": "b", "Type": "NoSuchAction", "Parameters": {}, "Transitions": {}}]}
    (tmp_path / "flow.json").write_text(json.dumps(flow))
    code, out, err = run("import", tmp_path / "flow.json", "-o", tmp_path / "t.yaml")
    assert code == 0 and err.count("PJ005") == 1
    assert out.startswith(f"Wrote {tmp_path / 't.yaml'}: 1 node from an Amazon Connect flow, "
                          "1 warning. Next:")
