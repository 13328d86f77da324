"""Flows kept in Terraform and CloudFormation: read in place, findings at the template's lines."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from phonejail.config import Config
from phonejail.importers import hcl
from phonejail.importers.infra import opaque_interpolations, read_template
from phonejail.lint import check_source, collect_files
from phonejail.model import load_bytes
from phonejail.sources import load_source

TEMPLATES = Path(__file__).parent / "fixtures" / "templates"

# What `phonejail check` finds in each flow of the fixtures, at the template's own lines
# (each checked by hand against the file: the line of the block's `Identifier`).
FOUND = {
    "connect.tf#aws_connect_contact_flow.main_line": [
        ("connect.tf", "PJ201", 27), ("connect.tf", "PJ205", 27), ("connect.tf", "PJ101", 48),
        ("connect.tf", "PJ105", 48), ("connect.tf", "PJ101", 75), ("connect.tf", "PJ105", 75)],
    "connect.tf#aws_connect_contact_flow.after_hours": [
        ("connect.tf", "PJ101", 100), ("connect.tf", "PJ105", 100)],
    "connect.tf#aws_connect_contact_flow.billing": [
        # a full queue hangs up: a true dead end, and it jails the caller
        ("flows/billing.json.tftpl", "PJ105", 25), ("flows/billing.json.tftpl", "PJ101", 31)],
    "connect.tf#aws_connect_contact_flow.queue_music": [("flows/queue_music.json", "PJ005", 1)],
    "twilio.tf#twilio_studio_flows_v2.volunteer_line": [
        ("twilio.tf", "PJ107", 21), ("twilio.tf", "PJ201", 21), ("twilio.tf", "PJ205", 21),
        ("twilio.tf", "PJ101", 51), ("twilio.tf", "PJ105", 51)],
    "twilio.tf#twilio_studio_flows_v2.sms_bot": [("twilio.tf", "PJ005", 75)],
    "connect.yaml#MainFlow": [
        ("connect.yaml", "PJ201", 37), ("connect.yaml", "PJ205", 37),
        ("connect.yaml", "PJ101", 54), ("connect.yaml", "PJ105", 66),
        ("connect.yaml", "PJ105", 66)],
    "connect.yaml#GreetingModule": [("connect.yaml", "PJ005", 82)],
    # an escaped JSON string has no lines of its own in the template: its findings go to
    # the line where the string starts
    "connect.template.json#AfterHoursFlow": [
        ("connect.template.json", "PJ101", 17), ("connect.template.json", "PJ105", 17)],
    "connect.template.json#SubFlow": [
        ("connect.template.json", "PJ101", 30), ("connect.template.json", "PJ105", 30)],
}


@pytest.mark.parametrize("unit", sorted(FOUND))
def test_findings_point_at_the_template_line(unit: str) -> None:
    source = load_source(TEMPLATES / unit)
    findings = check_source(source, Config())
    address = unit.split("#", 1)[1]
    assert [(Path(f.path).relative_to(TEMPLATES).as_posix(), f.code, f.line)
            for f in findings] == FOUND[unit]
    assert all(f.message.startswith(f"{address}: ") for f in findings)


def test_the_flow_at_each_finding_line_is_the_block_named(tmp_path: Path) -> None:
    """The line a finding names holds the block it names (checked on the file itself)."""
    for unit in ("connect.tf#aws_connect_contact_flow.main_line",
                 "twilio.tf#twilio_studio_flows_v2.volunteer_line", "connect.yaml#MainFlow"):
        for f in check_source(load_source(TEMPLATES / unit), Config()):
            block = f.message.split("'")[1]
            assert block in Path(f.path).read_text().splitlines()[f.line - 1]


def test_names_types_and_opaque_values_are_kept() -> None:
    main = load_source(TEMPLATES / "connect.tf#main_line").loaded.tree
    assert main is not None and main.name == "Clinic main line"
    # `name = "${var.prefix}-after-hours"` is no name to show: the resource's name is used
    assert load_source(TEMPLATES / "connect.tf#after_hours").loaded.tree.name == "after_hours"
    volunteer = load_source(TEMPLATES / "twilio.tf", flow="volunteer_line").loaded.tree
    assert volunteer.name == "Volunteer line"
    flows = {f.address: f for f in read_template((TEMPLATES / "twilio.tf").read_bytes(),
                                                   str(TEMPLATES / "twilio.tf")).flows}
    definition = json.loads(flows["twilio_studio_flows_v2.volunteer_line"].text)
    call = next(s for s in definition["states"] if s["name"] == "call_volunteer")
    assert call["properties"]["to"] == "${var.volunteer_number}"
    opening = next(s for s in definition["states"] if s["name"] == "opening_times")
    assert opening["properties"]["say"] == "We are open ${var.opening_hours}. Goodbye."


def test_a_folder_gives_one_tree_per_flow_and_skips_what_holds_none() -> None:
    collected = collect_files([TEMPLATES])
    names = [Path(f).relative_to(TEMPLATES).as_posix() for f in collected.files]
    assert names == [
        "connect.template.json#AfterHoursFlow", "connect.template.json#SubFlow",
        "connect.tf#aws_connect_contact_flow.main_line",
        "connect.tf#aws_connect_contact_flow.after_hours",
        "connect.tf#aws_connect_contact_flow.billing",
        "connect.yaml#MainFlow", "connect.yaml#GreetingModule",
        # read through `filename =` in connect.tf too, but checked once, as itself
        "flows/queue_music.json",
        "twilio.tf#twilio_studio_flows_v2.volunteer_line",
        "twilio.tf#twilio_studio_flows_v2.sms_bot"]
    # a module whose flow is `var.content` has nothing to read: skipped, like other YAML
    assert [Path(f).name for f in collected.skipped] == ["module.tf"]


def test_check_a_folder_with_a_broken_template(run, tmp_path: Path) -> None:
    shutil.copytree(TEMPLATES, tmp_path / "infra")
    (tmp_path / "infra" / "broken.tf").write_text(
        'resource "aws_connect_contact_flow" "x" {\n  content = jsonencode({\n'
        '    Actions = [\n  })\n}\n')
    code, out, _ = run("check", "-q", tmp_path / "infra")
    assert code == 1
    assert f"{tmp_path / 'infra' / 'broken.tf'}:4:3: error PJ001" in out
    assert out.count("PJ101") == 8  # every other flow is still checked


def test_a_module_named_says_why_it_has_no_flow(run, tmp_path: Path) -> None:
    code, out, _ = run("check", "-q", TEMPLATES / "module.tf")
    assert code == 1 and out == (
        f"{TEMPLATES / 'module.tf'}:1:1: error PJ002 schema: no flow phonejail can read in this "
        "file (aws_connect_contact_flow.this: `var.content` is an expression phonejail does "
        "not evaluate)\n")
    big = tmp_path / "big.tf"
    big.write_bytes(b'resource "aws_connect_contact_flow" "x" {\n' + b"#" * 11_000_000)
    code, out, _ = run("check", "-q", tmp_path)
    assert code == 1 and f"{big}:1:1: error PJ001" in out


def test_flow_picks_one_flow(run) -> None:
    code, out, _ = run("check", "-q", TEMPLATES, "--flow", "MainFlow")
    assert code == 1 and {line.split(":")[0] for line in out.splitlines()} == {
        str(TEMPLATES / "connect.yaml")}
    code, _, err = run("check", TEMPLATES, "--flow", "nope")
    assert code == 2 and "no flow 'nope' in a template" in err


def test_simulate_a_template_flow(run) -> None:
    code, out, _ = run("simulate", "--method", "exact", "--format", "json",
                       TEMPLATES / "connect.tf", "--flow", "Clinic main line")
    assert code == 0 and json.loads(out)["name"] == "Clinic main line"
    code, _, err = run("simulate", TEMPLATES / "connect.tf")
    assert code == 2  # a usage error: which flow is the user's to say
    assert "this file holds 4 flows (aws_connect_contact_flow.main_line, " in err
    assert "pick one with --flow NAME" in err
    code, _, err = run("simulate", TEMPLATES / "connect.yaml", "--flow", "IncludedFlow")
    assert code == 1 and "AWS::Include" in err


@pytest.mark.parametrize("args", [[], ["--flow", "Nope"]], ids=["none picked", "unknown"])
def test_a_flow_to_pick_is_a_usage_error_wherever_one_tree_is_wanted(
        run, tmp_path: Path, args: list[str]) -> None:
    for command in (["simulate"], ["import", "-o", str(tmp_path / "x.yaml")], ["graph"]):
        code, _, err = run(*command, TEMPLATES / "connect.yaml", *args)
        assert code == 2 and "Invalid value for --flow" in err
        assert "MainFlow, GreetingModule" in err
    assert not (tmp_path / "x.yaml").exists()


def test_graph_draws_one_flow_of_a_template(run) -> None:
    code, by_option, err = run("graph", "--format", "dot", TEMPLATES / "connect.yaml",
                               "--flow", "MainFlow")
    assert (code, err) == (0, "") and by_option.startswith('digraph "Clinic main line" {')
    code, by_name, _ = run("graph", "--format", "dot", f"{TEMPLATES / 'connect.yaml'}#MainFlow")
    assert code == 0 and by_name == by_option


def test_import_a_template_flow(run, tmp_path: Path) -> None:
    out = tmp_path / "main.yaml"
    code, stdout, err = run("import", TEMPLATES / "connect.yaml", "--flow", "MainFlow",
                            "-o", out)
    assert code == 0 and stdout.startswith(f"Wrote {out}: ")
    text = out.read_text()
    assert "# Connect GetParticipantInput 'menu' (line 37)" in text
    loaded = load_bytes(text.encode(), "main.yaml")
    assert loaded.problems == () and loaded.tree.name == "Clinic main line"


def test_report_a_folder_of_templates(run, tmp_path: Path) -> None:
    code, out, _ = run("report", TEMPLATES, "-o", tmp_path / "r", "--callers", "20")
    assert code == 1 and "for 10 trees" in out
    pages = sorted(p.parent.name for p in (tmp_path / "r").glob("*/index.html"))
    assert "connect.tf-aws_connect_contact_flow.main_line" in pages and len(pages) == 10


# -- the HCL reader --------------------------------------------------------------------


def test_hcl_reads_what_flows_are_written_with() -> None:
    text = '''# a comment
locals {
  // another
  flow = jsonencode({ /* inline */
    a = "x ${format("%s", var.y)} z", "b": 2, c = [1, -2.5, true, null]
    d = <<-EOT
      two
        lines
    EOT
    e = var.thing.id
    f = [for s in var.list : upper(s)]
    g = cond ? "a" : "b"
  })
}
'''
    body = hcl.parse(text)
    call = body.blocks[0].attributes["flow"]
    assert isinstance(call, hcl.Call) and call.name == "jsonencode"
    out = hcl.to_json(text, call.args[0])
    assert json.loads(out) == {"a": 'x ${format("%s", var.y)} z', "b": 2,
                               "c": [1, -2.5, True, None], "d": "two\n  lines\n",
                               "e": "${var.thing.id}",
                               "f": "${[for s in var.list : upper(s)]}",
                               "g": '${cond ? "a" : "b"}'}
    lines = out.split("\n")
    assert lines[4].lstrip().startswith('"a":') and lines[5].lstrip().startswith('"d":')


@pytest.mark.parametrize(("text", "where", "words"), [
    ('resource "a" "b" {\n  x = "never closed\n}\n', (2, 7), "never closed"),
    ('resource "a" "b" {\n  x = [1, 2\n', (3, 1), "found the end of the file"),
    ('locals {\n  x = {\n    a = }\n}\n', (3, 9), "expected a value, found '}'"),
    ('locals {\n  x = {\n    a = 1, = 2\n  }\n}\n', (3, 12), "expected an object key"),
    ('x = <<EOT\nno end\n', (1, 5), "never closed"),
    ('resource "a" "b" {\n  x = "\\q"\n}\n', (2, 8), "unknown escape"),
    ('x = ' + "[" * 5000 + "]" * 5000 + "\n", None, "too deeply"),
])
def test_hcl_errors_are_located(text: str, where: tuple[int, int] | None, words: str) -> None:
    with pytest.raises(hcl.HclError) as caught:
        hcl.parse(text)
    assert words in caught.value.message
    if where:
        assert (caught.value.line, caught.value.column) == where


_KEYS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True).filter(
    lambda k: k not in ("true", "false", "null", "for"))
_SCALARS = st.one_of(st.integers(-10**6, 10**6), st.booleans(), st.none(),
                     st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=4)), max_leaves=20)


def _as_hcl(value, indent: int = 0) -> str:
    pad = "  " * indent
    if isinstance(value, dict):
        items = "".join(f"{pad}  {k} = {_as_hcl(v, indent + 1)}\n" for k, v in value.items())
        return "{\n" + items + pad + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_as_hcl(v, indent) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("${", "$${").replace("%{", "%%{")
    return json.dumps(value)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES, max_size=6))
def test_hcl_objects_read_as_the_json_they_encode(value) -> None:
    text = ('resource "aws_connect_contact_flow" "x" {\n'
            f"  content = jsonencode({_as_hcl(value, 1)})\n}}\n")
    attribute = hcl.parse(text).blocks[0].attributes["content"]
    out = hcl.to_json(text, attribute.args[0])
    assert json.loads(out) == value
    assert out.count("\n") == text[:attribute.at.end].count("\n")


# -- templates and hostile input ------------------------------------------------------


def test_template_directives_are_refused_where_they_are() -> None:
    with pytest.raises(hcl.HclError) as caught:
        opaque_interpolations('{\n  "a": [\n  %{ for q in queues ~}\n  ]\n}')
    assert (caught.value.line, caught.value.column) == (3, 3)
    assert opaque_interpolations('{"a": ${x}, "b": "${y}"}') == '{"a": "${x}", "b": "${y}"}'


@pytest.mark.parametrize(("name", "data", "words"), [
    ("deep.tf", b'resource "aws_connect_contact_flow" "x" {\n  content = jsonencode('
     + b"[" * 100000 + b")\n}\n", "too deeply"),
    ("binary.tf", b'resource "aws_connect_contact_flow" "x" {\x00\xff}\n', "not UTF-8"),
    ("nul.tf", b'resource "aws_connect_contact_flow" "x" {\n\x00}\n', "NUL"),
    ("deep.yaml", b"Resources:\n  F:\n    Type: AWS::Connect::ContactFlow\n    x: "
     + b"[" * 100000 + b"\n", "template"),
    ("bad.yaml", b"Resources:\n  F:\n    Type: AWS::Connect::ContactFlow\n  - x\n", "template"),
    ("content.yaml", b"Resources:\n  F:\n    Type: AWS::Connect::ContactFlow\n    Properties:\n"
     b"      Content: |\n        {\"Version\": \"2019-10-30\",\n         \"Actions\": [}\n",
     "JSON syntax"),
])
def test_hostile_templates_get_located_errors(run, tmp_path: Path, name: str, data: bytes,
                                              words: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    code, out, err = run("check", "-q", path)
    assert code == 1 and "Traceback" not in out + err
    assert words in out and out.startswith(f"{path}:")


def test_yaml_short_tags_never_construct_objects() -> None:
    text = ("Resources:\n  F:\n    Type: AWS::Connect::ContactFlow\n    Properties:\n"
            "      Name: !!python/object/apply:os.system ['echo no']\n"
            "      Content: !Sub '{\"Version\": \"2019-10-30\", \"StartAction\": \"a\", "
            "\"Actions\": [{\"Identifier\": \"a\", \"Type\": \"DisconnectParticipant\", "
            "\"Parameters\": {}, \"Transitions\": {}}]}'\n")
    template = read_template(text.encode(), "t.yaml")
    assert [f.address for f in template.flows] == ["F"] and template.flows[0].name is None
    assert not template.flows[0].exact and template.flows[0].line == 6
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(text)  # what a plain safe_load would say of the same template


_MUTABLE = ["connect.tf", "twilio.tf", "connect.yaml", "connect.template.json",
            "flows/billing.json.tftpl"]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(_MUTABLE), st.data())
def test_mutated_templates_never_raise(tmp_path_factory, name: str, data) -> None:
    """Cut, repeat or replace part of a fixture template: a finding, never a traceback."""
    folder = tmp_path_factory.mktemp("mutated")
    shutil.copytree(TEMPLATES, folder, dirs_exist_ok=True)
    text = (TEMPLATES / name).read_text()
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 200)))
    filler = data.draw(st.sampled_from(["", "{", "}", "[", '"', "${", "<<EOF\n", "\n",
                                        "!Sub ", "\x00", text[start:end] * 2]))
    (folder / name).write_text(text[:start] + filler + text[end:])
    for unit in collect_files([folder]).files:
        source = load_source(unit)
        findings = check_source(source, Config())
        assert all(f.line >= 1 and f.column >= 1 for f in findings)
