"""Schema errors name the key, its path and a fix; YAML 1.1 surprises never reach the model."""

from __future__ import annotations

import pytest

from phonejail.model import Menu
from tests.conftest import load

HEAD = """
phonejail: 1
name: t
start: a
intents: [x]
identity: {acct: {label: account number}}
nodes:
"""


def problems(nodes: str) -> list[tuple[str, int, int, str]]:
    return [(p.code, p.line, p.column, p.message) for p in load(HEAD + nodes).problems]


def test_numbers_where_text_is_expected_are_taken_as_written() -> None:
    loaded = load(HEAD + "  a:\n    kind: menu\n    options:\n      - {key: 1, to: 012}\n"
                  "      - {key: 0, to: a}\n  012: {kind: agent}\n")
    assert loaded.problems == ()
    menu = loaded.tree.nodes["a"]
    assert isinstance(menu, Menu)
    assert [(o.key, o.to) for o in menu.options] == [("1", "012"), ("0", "a")]


@pytest.mark.parametrize("word", ["no", "yes", "on", "off", "true", "False"])
def test_yaml_booleans_where_text_is_expected_say_how_to_quote(word: str) -> None:
    (found,) = problems(f"  a: {{kind: menu, options: [{{key: {word}, to: a}}]}}\n")
    assert found[0] == "PJ002"
    assert f'quote it: "{word}"' in found[3]


def test_quoted_booleans_are_text() -> None:
    loaded = load(HEAD.replace("[x]", '[x, "no"]') + '  a: {kind: agent, resolves: ["no"]}\n')
    assert loaded.problems == ()


@pytest.mark.parametrize(("value", "hint"), [
    ("1:30", "write 90"), ("4.5", "whole number"), ("-3", "0 or more"), ('"5"', "whole number"),
    ("0x1f", "whole number"),
])
def test_whole_seconds_are_plain_decimal_numbers(value: str, hint: str) -> None:
    (found,) = problems(f"  a: {{kind: say, seconds: {value}, next: b}}\n  b: {{kind: agent}}\n")
    assert found[0] == "PJ002" and hint in found[3]


def test_leading_zero_is_decimal_not_octal() -> None:
    loaded = load(HEAD + "  a: {kind: say, seconds: 012, next: b}\n  b: {kind: agent}\n")
    assert loaded.tree.nodes["a"].seconds == 12


def test_misspelt_key_gets_a_did_you_mean_and_its_path() -> None:
    (found,) = problems("  a: {kind: say, nxet: b}\n  b: {kind: agent}\n")
    assert found[:3] == ("PJ002", 8, 18)
    assert "nodes.a: unknown key 'nxet'" in found[3] and "did you mean 'next'" in found[3]


def test_key_of_another_kind_says_where_it_belongs() -> None:
    (found,) = problems("  a: {kind: agent, options: []}\n")
    assert "it belongs to menu nodes" in found[3]


def test_undefined_target_intent_and_fact_are_pj004_with_suggestions() -> None:
    found = problems("  a: {kind: agent, asks: [act], resolves: [y], transfer: bb}\n"
                     "  b: {kind: agent}\n")
    assert [f[0] for f in found] == ["PJ004"] * 3
    assert "did you mean 'acct'" in found[0][3]
    assert "unknown intent 'y'" in found[1][3]
    assert "unknown node 'bb'" in found[2][3]


def test_missing_required_keys_are_each_named() -> None:
    found = [p.message for p in load("phonejail: 1\nname: t\n").problems]
    assert [m.split("needs ")[1].split(" ")[0] for m in found] == ["'start'", "'intents'",
                                                                    "'nodes'"]


def test_wrong_format_version_is_refused() -> None:
    found = load(HEAD.replace("phonejail: 1", "phonejail: 2") + "  a: {kind: agent}\n").problems
    assert found[0].code == "PJ002" and "format version 1" in found[0].message


def test_branch_conditions_take_exactly_one_test() -> None:
    found = problems("  a:\n    kind: branch\n    cases:\n      - {when: {chance: 0.5, "
                     "knows: acct}, to: b}\n    else: b\n  b: {kind: agent}\n")
    assert "exactly one of chance, knows, given, intent" in found[0][3]


def test_defaults_are_applied_in_the_model() -> None:
    tree = load(HEAD + "  a: {kind: ask, fact: acct, ok: b}\n  b: {kind: agent}\n").tree
    ask = tree.nodes["a"]
    assert (ask.retries, ask.fail, ask.seconds) == (2, None, 0)
    assert tree.nodes["b"].resolves is None
    (persona,) = tree.personas
    assert (persona.name, persona.knows, persona.patience, persona.zero_out,
            persona.mistakes, persona.share) == ("x", frozenset({"acct"}), 25, 0.5, 0.02, 1.0)


def test_a_voice_menu_reads_input_recognition_and_understood() -> None:
    loaded = load(HEAD + "  a:\n    kind: menu\n    input: both\n    recognition: 0.8\n"
                  "    options: [{key: 1, to: b}]\n  b: {kind: agent}\n"
                  "callers: [{name: p, intent: x, understood: 0.5}]\n")
    assert loaded.problems == ()
    menu = loaded.tree.nodes["a"]
    assert isinstance(menu, Menu)
    assert (menu.input, menu.recognition) == ("both", 0.8)
    assert loaded.tree.callers[0].understood == 0.5
    keyed = load(HEAD + "  a: {kind: menu, options: [{key: 1, to: b}]}\n  b: {kind: agent}\n")
    assert (keyed.tree.nodes["a"].input, keyed.tree.nodes["a"].recognition) == ("dtmf", 0.9)
    assert keyed.tree.personas[0].understood == 1.0


@pytest.mark.parametrize(("menu", "where", "says"), [
    ("{kind: menu, input: voice, options: [{key: 1, to: a}]}", (8, 26),
     "unknown input 'voice'; input is one of dtmf, speech, both"),
    ("{kind: menu, input: spech, options: [{key: 1, to: a}]}", (8, 26),
     "(did you mean 'speech'?)"),
    ("{kind: menu, recognition: 0.8, options: [{key: 1, to: a}]}", (8, 19),
     "`recognition` applies to spoken input; add `input: speech` or `input: both`"),
    ("{kind: menu, input: speech, recognition: 1.5, options: [{key: 1, to: a}]}", (8, 47),
     "a chance lies between 0 and 1"),
])
def test_voice_menu_mistakes_are_located_and_explained(menu: str, where: tuple[int, int],
                                                       says: str) -> None:
    (found,) = problems(f"  a: {menu}\n")
    assert found[0] == "PJ002" and found[1:3] == where and says in found[3]
