"""The editor's view of a tree's text: definitions, references, completion context."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phonejail.lsp.outline import (
    Span,
    completion_key,
    is_tree_text,
    outline,
    rule_code_at,
    token_width,
)
from tests.conftest import TREES

TREE = textwrap.dedent("""\
    phonejail: 1
    name: t
    start: hello
    intents: [order, "complain"]
    identity:
      account_number: {label: account number}
    sensitive: [order]
    nodes:
      hello: {kind: say, say: "Hi.", next: "menu"}
      menu:
        kind: menu
        options:
          - {key: "1", serves: [order, complain], to: owner}
        fail: nowhere
      owner:
        kind: agent
        asks:
          - account_number
    callers:
      - {name: c, intent: order, knows: [account_number]}
    """)


def test_definitions_and_references_are_found_even_with_an_undefined_target() -> None:
    found = outline(TREE)
    assert found is not None and found.is_tree
    assert dict(found.names("node")) == {"hello": Span(9, 3, 5), "menu": Span(10, 3, 4),
                                         "owner": Span(15, 3, 5)}
    assert dict(found.names("intent")) == {"order": Span(4, 11, 5),
                                           "complain": Span(4, 18, 10)}
    assert list(found.names("fact")) == ["account_number"]
    used = sorted((r.space, r.name, r.span.line) for r in found.references)
    assert used == [("fact", "account_number", 18), ("fact", "account_number", 20),
                    ("intent", "complain", 13), ("intent", "order", 7),
                    ("intent", "order", 13), ("intent", "order", 20),
                    ("node", "hello", 3), ("node", "menu", 9), ("node", "nowhere", 14),
                    ("node", "owner", 13)]
    assert found.node_kinds["owner"] == "agent" and found.node_prompts["hello"] == "Hi."
    assert found.at(9, 40) == ("node", "menu")  # inside the quotes of "menu"
    assert found.at(15, 4) == ("node", "owner")  # the definition itself
    assert found.at(2, 7) is None


def test_every_example_tree_outlines_and_every_target_resolves() -> None:
    for path in sorted(TREES.glob("*.yaml")):
        found = outline(path.read_text(encoding="utf-8"))
        assert found is not None and found.is_tree, path
        # an agent's `queue` is free text unless the tree staffs it under `queues:`
        assert all(r.name in found.names(r.space) for r in found.references
                   if r.space != "queue"), path


@pytest.mark.parametrize(("before", "previous", "key"), [
    ("    next: ", [], "next"),
    ("    next: we", [], "next"),
    ('  hello: {kind: say, next: "me', [], "next"),
    ("      - {key: '1', serves: [order, co", [], "serves"),
    ("      - acc", ["    asks:"], "asks"),
    ("      - acc", ["    asks:", "      - account_number"], "asks"),
    ("  - acc", ["callers:"], "callers"),
    ("    say: Hello the", [], None),
    ("name: ISP billing", [], None),
    ("      - acc", ["    kind: agent", "    x"], None),
])
def test_completion_key_is_the_key_being_filled_in(before, previous, key) -> None:
    lines = [*previous, before]
    assert completion_key(lines, len(lines), len(before) + 1) == key


def test_rule_codes_and_token_widths() -> None:
    assert rule_code_at("# pj206 is known here", 4) == "PJ206"
    assert rule_code_at("# PJ206 is known here", 9) is None
    assert token_width("    next: ask_phone  # x", 11) == 9
    assert token_width('    next: "ask phone"', 11) == 11
    assert token_width("  a: {x: 1}", 6) == 1


def test_only_trees_are_trees() -> None:
    assert is_tree_text(TREE)
    assert is_tree_text("# yaml-language-server: $schema=../schema/phonejail-tree.schema.json\n")
    assert not is_tree_text("name: CI\non: [push]\n")
    assert outline("name: [\n") is None


@given(st.text(max_size=300))
def test_outline_never_raises(text: str) -> None:
    found = outline(text)
    if found is not None:
        for ref in found.references:
            found.at(ref.span.line, ref.span.column)
    for line in range(1, text.count("\n") + 2):
        completion_key(text.split("\n"), line, 1 + len(text.split("\n")[line - 1]))
