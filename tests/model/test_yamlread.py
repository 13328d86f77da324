"""Hostile and broken input is answered with a located finding, never obeyed, never a crash."""

from __future__ import annotations

import pytest

from phonejail.model import load_bytes
from phonejail.model.yamlread import MAX_BYTES, compose, read_yaml

BOMB = b"""a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
"""
MANY_ALIASES = b"a: &a x\nb: [" + b", ".join([b"*a"] * 51) + b"]\n"


@pytest.mark.parametrize(("data", "code", "line", "column", "words"), [
    # libyaml refuses flow nesting itself ~1,000 levels in, before our guard at 64 sees it.
    (b"[" * 30000 + b"]" * 30000, "PJ001", 1, 1001, "nesting deeper than 64"),
    (b"a:\n" + b"  " * 0 + b"- " * 70 + b"x\n", "PJ001", 2, 127, "nesting deeper"),
    (BOMB, "PJ001", 6, 8, "alias bomb"),
    (MANY_ALIASES, "PJ001", 2, 205, "more than 50 aliases"),
    (b"a: &x [1, *x]\n", "PJ001", 1, 11, "contains it"),
    (b"a: *nowhere\n", "PJ001", 1, 4, "no anchor"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "PJ001", 3, 1, "binary"),
    (b"name: caf\xe9\n", "PJ001", 1, 10, "not UTF-8"),
    (b"a: \x01\n", "PJ001", 1, 4, "YAML syntax"),
    (b"a: [1, 2\nb: c\n", "PJ001", 1, 4, "this `[` is not closed on its line"),
    (b"a:\n\tb: 1\n", "PJ001", 2, 1, "YAML syntax"),
    (b"", "PJ002", 1, 1, "no YAML document"),
    (b"# just a comment\n", "PJ002", 1, 1, "no YAML document"),
    (b"a: 1\n---\nb: 2\n", "PJ002", 2, 1, "second YAML document"),
    (b"- a\n- b\n", "PJ002", 1, 1, "is a mapping, found a list"),
    (b"just text\n", "PJ002", 1, 1, "is a mapping, found 'just text'"),
    (b'a: !!python/object/apply:os.system ["echo hi"]\n', "PJ002", 1, 4, "not allowed"),
    (b"a: !custom 1\n", "PJ002", 1, 4, "not allowed"),
])
def test_hostile_input_is_one_located_finding(data, code, line, column, words) -> None:
    loaded = load_bytes(data, "x.yaml")
    assert loaded.tree is None
    first = loaded.problems[0]
    assert (first.code, first.line, first.column) == (code, line, column)
    assert words in first.message


def test_a_file_over_the_size_cap_is_refused_before_parsing() -> None:
    loaded = load_bytes(b"#" * (MAX_BYTES + 1), "big.yaml")
    assert [p.code for p in loaded.problems] == ["PJ001"]
    assert "larger than" in loaded.problems[0].message


def test_aliases_within_limits_are_expanded_with_their_anchor_positions() -> None:
    root, problems = compose("base: &b {x: 1}\nuse: *b\n")
    assert problems == []
    (_, base), (_, use) = root.pairs
    assert use is base and base.mark.line == 1


def test_merge_keys_fill_in_but_written_keys_win() -> None:
    root, problems = compose("d: &d {a: 1, b: 2}\nm:\n  <<: *d\n  b: 3\n")
    assert problems == []
    merged = dict((k.value, v.value) for k, v in root.pairs[1][1].pairs)
    assert merged == {"a": "1", "b": "3"}


def test_duplicate_keys_are_reported_at_the_second_with_the_first_line() -> None:
    root, problems = read_yaml(b"a: 1\nb:\n  c: 1\n  c: 2\na: 3\n")
    assert [(p.code, p.line, p.column) for p in problems] == [("PJ003", 4, 3), ("PJ003", 5, 1)]
    assert "first at line 3" in problems[0].message
    assert root.pairs[0][1].value == "1"  # the first value is kept


def test_an_unreadable_path_is_a_finding(tmp_path) -> None:
    from phonejail.model import load_file

    loaded = load_file(tmp_path)  # a folder cannot be read as a file
    assert [p.code for p in loaded.problems] == ["PJ001"]
