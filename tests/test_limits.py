"""Bounds on every number: each numeric key of the format, each count on the command line and
in the configuration, at its edges and far past them, answers with a located finding or a
usage error, never a traceback, an overflow or an array sized from an unchecked value."""

from __future__ import annotations

import math
import re

import pytest

from phonejail import limits
from phonejail.model import spec
from tests.conftest import check

# One tree holding every numeric key of format version 1, each as a {placeholder}.
TEMPLATE = """\
phonejail: 1
name: every number
start: hello
intents: [x]
identity: {{pin: null}}
nodes:
  hello: {{kind: say, say: hi, seconds: {say.seconds}, next: menu}}
  menu:
    kind: menu
    seconds: {menu.seconds}
    retries: {menu.retries}
    input: both
    recognition: {menu.recognition}
    invalid: menu
    options: [{{key: 1, to: pin}}, {{key: 0, to: desk}}]
  pin: {{kind: ask, fact: pin, seconds: {ask.seconds}, retries: {ask.retries}, ok: faq, fail: desk}}
  faq: {{kind: self_service, seconds: {self_service.seconds}, success: {self_service.success},
        resolves: [x], next: busy}}
  busy:
    kind: branch
    cases: [{{when: {{chance: {when.chance}}}, to: desk}}]
    else: desk
  desk: {{kind: agent, queue: desk, wait_seconds: {agent.wait_seconds},
         success: {agent.success}}}
callers:
  - {{name: p, intent: x, share: {persona.share}, patience: {persona.patience},
     zero_out: {persona.zero_out}, mistakes: {persona.mistakes},
     understood: {persona.understood}, redials: {persona.redials}}}
queues:
  desk: {{agents: {queue.agents}, calls_per_hour: {queue.calls_per_hour},
         handle_seconds: {queue.handle_seconds}, patience_seconds: {queue.patience_seconds}}}
"""
NUMERIC = ("whole", "count", "chance", "weight", "positive")
TABLES = {"persona": spec.PERSONA, "queue": spec.QUEUE, "when": spec.WHEN,
          **{kind: spec.node_fields(kind) for kind in spec.KIND_FIELDS}}
SAFE = {"say.seconds": 2, "menu.seconds": 3, "menu.retries": 2, "ask.seconds": 3,
        "ask.retries": 2, "self_service.seconds": 5, "self_service.success": 0.5,
        "when.chance": 0.5, "agent.wait_seconds": 30, "agent.success": 0.9, "persona.share": 1,
        "persona.patience": 25, "persona.zero_out": 0.5, "persona.mistakes": 0.02,
        "persona.understood": 0.8, "menu.recognition": 0.9,
        "queue.agents": 3, "queue.calls_per_hour": 20, "queue.handle_seconds": 300,
        "queue.patience_seconds": 120, "persona.redials": 1}


def numeric_keys() -> list[tuple[str, spec.Field]]:
    """The template's placeholders and the fields they fill."""
    placeholders = set(re.findall(r"(?<!\{)\{([a-z_]+\.[a-z_]+)\}", TEMPLATE))
    return sorted((key, TABLES[key.split(".")[0]][key.split(".")[1]]) for key in placeholders)


def tree(**values: object) -> str:
    """The template with `section__key=value` filled in, the safe values elsewhere."""
    filled = {**SAFE, **{k.replace("__", "."): v for k, v in values.items()}}
    text = re.sub(r"(?<!\{)\{([a-z_]+\.[a-z_]+)\}", lambda m: str(filled[m[1]]), TEMPLATE)
    return text.replace("{{", "{").replace("}}", "}")


def findings_for(key: str, value: object) -> list[tuple[str, int, str]]:
    return [(f.code, f.line, f.message) for f in check(tree(**{key.replace(".", "__"): value}))
            if f.code in ("PJ001", "PJ002", "PJ003", "PJ004")]


def line_of(key: str) -> int:
    placeholder = "{" + key + "}"
    return next(i for i, line in enumerate(TEMPLATE.splitlines(), 1) if placeholder in line)


def test_the_template_covers_every_numeric_key_of_the_format() -> None:
    every = {field for fields in TABLES.values() for field in fields.values()
             if field.type in NUMERIC}  # `seconds` is one field shared by the kinds
    assert {field for _, field in numeric_keys()} == every
    assert {key for key, _ in numeric_keys()} == set(SAFE)
    assert findings_for("say.seconds", 2) == []


def test_every_numeric_key_has_a_bound_or_is_a_chance() -> None:
    for key, field in numeric_keys():
        assert (field.maximum is None) == (field.type == "chance"), key


HOSTILE = [-1, 2**31, 2**63, 10**20, "1" + "0" * 4999, ".inf", "-.inf", ".nan", "1e400",
           "0x7fffffffffffffff", "1:30"]


@pytest.mark.parametrize(("key", "field"), numeric_keys())
def test_each_numeric_key_at_its_edges_and_far_past_them(key: str, field: spec.Field) -> None:
    low = 1 if field.type == "count" else 0
    top = 1 if field.maximum is None else field.maximum
    whole = field.type in ("whole", "count")
    at_top = int(top) if whole else top
    if key.startswith("queue.") and key != "queue.patience_seconds":
        at_top = None  # the edges of a queue are checked below: a queue must also be stable
    for fine in (low, at_top):
        if fine is not None and not (field.type in ("weight", "positive") and fine == 0):
            assert findings_for(key, fine) == [], (key, fine)
    past = [top + 1 if whole else top * 1.5, *HOSTILE]
    for value in past:
        found = findings_for(key, value)
        assert found, (key, value)
        assert found[0][:2] == ("PJ002", line_of(key)), (key, value, found)
        assert len(found[0][2]) < 300  # the value is never echoed in full


def test_a_queue_at_its_largest_is_read() -> None:
    text = tree(queue__agents=limits.MAX_AGENTS, queue__calls_per_hour=limits.MAX_CALLS_PER_HOUR,
                queue__handle_seconds=30, queue__patience_seconds=limits.MAX_QUEUE_SECONDS)
    assert [f.code for f in check(text) if f.code < "PJ1"] == []


def test_the_largest_numbers_the_format_allows_simulate_without_a_blow_up(run, tmp_path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(tree(**{"say__seconds": limits.MAX_PROMPT_SECONDS,
                            "menu__seconds": limits.MAX_PROMPT_SECONDS,
                            "menu__retries": limits.MAX_RETRIES,
                            "ask__retries": limits.MAX_RETRIES,
                            "agent__wait_seconds": limits.MAX_WAIT_SECONDS,
                            "persona__share": limits.MAX_SHARE,
                            "persona__patience": limits.MAX_PATIENCE,
                            "persona__mistakes": 0.5,
                            "persona__redials": limits.MAX_REDIALS}))
    for method in ("exact", "montecarlo"):
        sampled = ["--callers", 2000] if method == "montecarlo" else []
        code, out, err = run("simulate", "-q", "--method", method, *sampled,
                             "--format", "json", path)
        assert (code, err) == (0, ""), err
        assert '"seconds_to_human"' in out and "NaN" not in out and "Infinity" not in out


@pytest.mark.parametrize(("args", "message"), [
    (["simulate", "--callers", 10**12], "1<=x<=100000000"),
    (["simulate", "--callers", 2**64], "1<=x<=100000000"),
    (["simulate", "--callers", "1" + "0" * 4999], "--callers"),
    (["simulate", "--callers", 0], "1<=x<=100000000"),
    (["simulate", "--seed", 2**64], "0<=x<=18446744073709551615"),
    (["simulate", "--seed", -1], "0<=x<=18446744073709551615"),
    (["call", "--seed", 2**64], "0<=x<=18446744073709551615"),
    (["check", "--jobs", 10**6], "1<=x<=256"),
    (["staff", "--agents", "1..100000000000000000000"], "at most 100,000 agents"),
    (["staff", "--agents", "1" * 5000], "at most 100,000 agents"),
])
def test_command_line_counts_are_bounded(run, in_repo, args: list[object], message: str) -> None:
    tree_file = "tests/rules/good/staffed_queue.yaml"
    path = tree_file if args[0] == "staff" else "trees/small_business.yaml"
    code, out, err = run(*args[:1], path, *args[1:])
    assert code == 2 and out == "" and message in err and "Traceback" not in err


@pytest.mark.parametrize(("value", "message"), [
    ("1000001", "at most 1,000,000"), ("9223372036854775807", "at most 1,000,000"),
    ("-1", "whole number >= 0"), ("inf", "whole number >= 0"), ("nan", "whole number >= 0")])
def test_configuration_thresholds_are_bounded(run, tmp_path, value: str, message: str) -> None:
    config = tmp_path / "pj.toml"
    config.write_text(f"max-menu-options = {value}\n")
    code, _, err = run("check", "--config", config, "trees")
    assert code == 2 and message in err


def test_a_percentage_stops_at_100(run, tmp_path) -> None:
    config = tmp_path / "pj.toml"
    config.write_text("max-queue-abandon-percent = 101\n")
    code, _, err = run("check", "--config", config, "trees")
    assert code == 2 and "at most 100, found 101" in err


@pytest.mark.parametrize(("raw", "message"), [
    ('"LoopCount": "Infinity"',
     "LoopCount 'Infinity' is not a number from 0 to 1,000; counted as 1,000"),
    ('"LoopCount": "1e400"', "LoopCount '1e400' is not a number"),
    ('"LoopCount": "-3"', "LoopCount '-3' is not a number"),
    ('"LoopCount": 10000', "LoopCount '10000' is not a number"),
])
def test_a_connect_loop_count_is_bounded(raw: str, message: str) -> None:
    from phonejail.importers.read import read_flow
    from tests.importers.test_importers import FIXTURES

    text = (FIXTURES / "connect_inbound.json").read_text().replace('"LoopCount": "2"', raw)
    assert raw in text
    flow, problems = read_flow(text.encode(), "flow.json")
    assert flow is not None and any(message in p.message for p in problems), problems


@pytest.mark.parametrize("number", ["1" + "0" * 4999, "NaN", "Infinity", "-Infinity"])
def test_json_exports_with_unreadable_numbers_are_located_syntax_errors(number: str) -> None:
    from phonejail.importers.read import read_flow
    from tests.importers.test_importers import FIXTURES

    text = (FIXTURES / "twilio_ivr.json").read_text().replace("{", f'{{"x": {number}, ', 1)
    flow, problems = read_flow(text.encode(), "flow.json")
    assert flow is None and [p.code for p in problems] == ["PJ001"]
    assert problems[0].line == 1 and len(problems[0].message) < 200


def test_limits_are_finite_and_the_longest_call_fits_a_histogram() -> None:
    longest = limits.MAX_PATIENCE * limits.MAX_PROMPT_SECONDS + limits.MAX_WAIT_SECONDS
    assert longest * 8 < 32 * 2**20  # float64 bins of the seconds-to-human histogram
    assert all(math.isfinite(v) for k, v in vars(limits).items() if k.startswith("MAX_"))


def test_the_limits_table_in_the_docs_has_every_bound() -> None:
    from phonejail.simulate.staff import MAX_ROWS
    from tests.conftest import ROOT

    docs = (ROOT / "docs" / "format.md").read_text()
    table = docs[docs.index("## Limits"):]
    bounds = {k: v for k, v in vars(limits).items() if k.startswith("MAX_")}
    for name, value in [*bounds.items(), ("MAX_ROWS", MAX_ROWS)]:
        assert f"{int(value):,}" in table, name


def test_graph_draws_png_and_svg_up_to_the_report_limit(run, tmp_path) -> None:
    from phonejail.report.build import DRAW_LIMIT

    nodes = "".join(f"  n{i}: {{kind: say, say: hi, seconds: 1, next: n{i + 1}}}\n"
                    for i in range(DRAW_LIMIT))
    path = tmp_path / "long.yaml"
    path.write_text("phonejail: 1\nname: long\nstart: n0\nintents: [x]\nnodes:\n" + nodes
                    + f"  n{DRAW_LIMIT}: {{kind: agent}}\n")
    code, out, err = run("graph", "--format", "svg", "-o", tmp_path / "g.svg", path)
    assert code == 2 and out == "" and f"{DRAW_LIMIT + 1} nodes" in err and "--format dot" in err
    assert not (tmp_path / "g.svg").exists()
    code, out, _ = run("graph", "--format", "dot", path)
    assert code == 0 and out.count(" -> ") == DRAW_LIMIT
