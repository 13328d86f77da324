"""YAML syntax errors that teach: each common slip gets a plain message at the right spot."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phonejail.model.yamlread import read_yaml
from tests.conftest import check

NODES = "phonejail: 1\nname: t\nstart: a\nintents: [x]\nnodes:\n"


@pytest.mark.parametrize(("text", "line", "column", "message"), [
    ("nodes:\n\ta: 1\n", 2, 1, "a tab in the indentation: YAML indents with spaces only"),
    ("nodes:\n  a:\n\t  kind: say\n", 3, 1, "a tab in the indentation"),
    ("nodes:\n  a:\n    say: Hours: Monday to Friday\n", 3, 10,
     'the text of `say:` holds `: `, which YAML reads as the start of another key; quote the '
     'text, say: "Hours: Monday to Friday"'),
    ("nodes:\n  a:\n    say: * then 1\n", 3, 10,
     'the value of `say:` starts with `*`, and YAML reads `*name` as an alias: quote the '
     'text, say: "* then 1"'),
    ("nodes:\n  a:\n    say: & more\n", 3, 10, "YAML reads `&name` as an anchor"),
    ("nodes:\n  a:\n    say: @home\n", 3, 10, "YAML reserves `@` at the start of a value"),
    ("nodes:\n  a:\n    say: `x`\n", 3, 10, "YAML reserves a backtick"),
    ("intents:\n  - * all\n", 2, 5, 'this list item starts with `*`'),
    ('nodes:\n  a:\n    say: "Hello\n    kind: say\n', 3, 10,
     'this " is never closed: end the text with a matching " on the same line'),
    ("nodes:\n  a:\n    say: 'Hello\n    kind: say\n", 3, 10, "this ' is never closed"),
    ("nodes:\n  a: {kind: say, next: menu\n  b: {kind: agent}\n", 2, 6,
     "this `{` is not closed on its line: end it with `}`"),
    ("a: [1\n", 1, 4, "this `[` is not closed on its line"),
    ("a: {kind: say next: menu}\n", 1, 19,
     "expected `,` or `}` here: separate the items of `{...}` with commas"),
    ("nodes:\n  a:\n    kind: say\n     next: b\n", 4, 1,
     "line 4 is indented 5 spaces, a level no line above uses (0, 2, 4; the line before uses "
     "4): probably 1 space too many"),
    ("nodes:\n  a:\n    kind: say\n   next: b\n", 4, 1, "probably 1 space too few"),
    ("nodes:\n  a:\n    kind: say\n b:\n    kind: agent\n", 4, 1,
     "line 4 is indented 1 space, a level no line above uses (0, 2, 4; the line before uses 4)"
     ": probably 1 space too few"),
])
def test_a_common_mistake_gets_a_message_that_teaches(text, line, column, message) -> None:
    root, problems = read_yaml(text.encode())
    assert root is None and len(problems) == 1
    problem = problems[0]
    assert (problem.code, problem.line, problem.column) == ("PJ001", line, column)
    assert problem.message.startswith("YAML syntax: ") and message in problem.message


@pytest.mark.parametrize(("text", "message"), [
    ("nodes:\n  a:\n    say: *press star*\n", "text that starts with `*` must be quoted"),
    ("nodes:\n  a:\n    say: !important\n", "text that starts with `!` must be quoted"),
])
def test_indicators_yaml_accepts_still_teach(text, message) -> None:
    _, problems = read_yaml(text.encode())
    assert message in problems[0].message


@pytest.mark.parametrize(("body", "message"), [
    ("  - a: {kind: agent}\n", "nodes: expected a mapping of node ids, found a list; write "
     "`name: value` lines without the `- ` in front"),
    ("  a:\n    - kind: agent\n", "a node is a mapping with a `kind`, found a list; write "
     "`name: value` lines"),
    ('  a: {kind: menu, options: {key: "1", to: a}}\n', "expected a list, found a mapping; "
     "start each item with `- `"),
])
def test_a_list_where_a_mapping_is_expected_says_how_to_fix_it(body, message) -> None:
    assert any(message in f.message for f in check(NODES + body))


@given(st.text(alphabet=st.sampled_from(list("ab: \t\n-*&!@`'\"{}[],#")), max_size=60))
def test_hints_never_raise_and_point_inside_the_text(text) -> None:
    _, problems = read_yaml(text.encode())
    lines = text.splitlines() or [""]
    for p in problems:
        assert 1 <= p.line <= max(len(lines), 1) + 1 and p.column >= 1
