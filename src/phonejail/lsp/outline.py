"""What an editor needs to know about a tree's text: where ids are defined and used.

Built from the located YAML (`phonejail.model.yamlread`), not from the validated
`Tree`, so go-to-definition and completion keep working while the tree has
errors — which is most of the time while a designer types. Pure functions, no
LSP library: `phonejail.lsp.server` turns the answers into protocol messages.

Positions here are phonejail's: 1-based lines and columns counted in characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from phonejail.gcpause import gc_paused
from phonejail.model.tree import KINDS
from phonejail.model.yamlread import YMap, YNode, YScalar, YSeq, read_yaml

TARGET_KEYS = frozenset({"start", "next", "to", "ok", "fail", "invalid", "no_input",
                         "transfer", "else"})
"""Keys whose value names a node (docs/format.md)."""
FACT_KEYS = frozenset({"fact", "asks", "knows", "given"})
INTENT_KEYS = frozenset({"intent", "serves", "resolves", "sensitive"})
QUEUE_KEYS = frozenset({"queue"})

RULE_CODE = re.compile(r"PJ\d{3}", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Span:
    """Where a scalar is written: 1-based line and column, and its width in characters."""

    line: int
    column: int
    width: int

    def holds(self, line: int, column: int) -> bool:
        return line == self.line and self.column <= column <= self.column + self.width


@dataclass(frozen=True, slots=True)
class Reference:
    """A use of a name: a node id after `next:`, a fact in `asks:`, an intent in `serves:`."""

    space: str
    """'node', 'fact', 'intent' or 'queue'."""
    name: str
    span: Span


@dataclass(frozen=True)
class Outline:
    """The names a tree defines (with where) and every place it uses one."""

    is_tree: bool
    """The document is a phonejail tree (its top level has a `phonejail:` key)."""
    definitions: Mapping[str, Mapping[str, Span]]
    """space -> name -> where it is defined (a node's key, an intent in `intents:`...)."""
    node_kinds: Mapping[str, str]
    node_prompts: Mapping[str, str]
    references: tuple[Reference, ...]

    def names(self, space: str) -> Mapping[str, Span]:
        return self.definitions.get(space, MappingProxyType({}))

    def at(self, line: int, column: int) -> tuple[str, str] | None:
        """(space, name) of the reference or definition written at this position, if any."""
        for ref in self.references:
            if ref.span.holds(line, column):
                return ref.space, ref.name
        for space, names in self.definitions.items():
            for name, span in names.items():
                if span.holds(line, column):
                    return space, name
        return None


EMPTY = Outline(False, MappingProxyType({}), MappingProxyType({}), MappingProxyType({}), ())


_TREE_TEXT = re.compile(r"^\ufeff?(?:phonejail|\"phonejail\"|'phonejail')[ \t]*:"
                        r"|^#\s*yaml-language-server:.*phonejail", re.MULTILINE)


def is_tree_text(text: str) -> bool:
    """A top-level `phonejail:` key (as `phonejail check` looks for in folders), or the
    schema modeline of a tree still being written; a quick look, no parsing."""
    return _TREE_TEXT.search(text) is not None


def outline(text: str) -> Outline | None:
    """The outline of `text`, or None if it is not YAML this can read (mid-edit, say)."""
    return outline_of(read_yaml(text.encode("utf-8"))[0])


def outline_of(root: YNode | None) -> Outline | None:
    """The outline of located YAML already read (None: it did not read)."""
    if root is None:
        return None
    # Tens of thousands of small records while the whole located YAML is alive: the
    # collector would rescan it again and again and free nothing (phonejail.gcpause).
    with gc_paused():
        return _outline(root)


def _outline(root: YNode) -> Outline:
    if not isinstance(root, YMap):
        return EMPTY
    top = _pairs(root)
    definitions: dict[str, dict[str, Span]] = {"node": {}, "fact": {}, "intent": {},
                                               "queue": {}}
    kinds: dict[str, str] = {}
    prompts: dict[str, str] = {}
    nodes = top.get("nodes")
    if isinstance(nodes, YMap):
        for key, value in nodes.pairs:
            if isinstance(key, YScalar):
                definitions["node"].setdefault(key.value, _span(key))
                fields = _pairs(value) if isinstance(value, YMap) else {}
                kind, say = fields.get("kind"), fields.get("say")
                if isinstance(kind, YScalar):
                    kinds.setdefault(key.value, kind.value)
                if isinstance(say, YScalar):
                    prompts.setdefault(key.value, say.value)
    for space, key in (("fact", "identity"), ("queue", "queues")):
        mapping = top.get(key)
        if isinstance(mapping, YMap):
            for name, _value in mapping.pairs:
                if isinstance(name, YScalar):
                    definitions[space].setdefault(name.value, _span(name))
    intents = top.get("intents")
    if isinstance(intents, YSeq):
        for item in intents.items:
            if isinstance(item, YScalar):
                definitions["intent"].setdefault(item.value, _span(item))
    references = tuple(_references(root))
    return Outline("phonejail" in top, MappingProxyType(
        {s: MappingProxyType(d) for s, d in definitions.items()}), MappingProxyType(kinds),
        MappingProxyType(prompts), references)


def _pairs(mapping: YMap) -> dict[str, YNode]:
    return {k.value: v for k, v in mapping.pairs if isinstance(k, YScalar)}


def _span(scalar: YScalar) -> Span:
    return Span(scalar.mark.line, scalar.mark.column,
                len(scalar.value) + (2 if scalar.quoted else 0))


def _space(key: str, top_level: bool) -> str | None:
    if key in TARGET_KEYS:
        return "node"
    if key in FACT_KEYS:
        return "fact"
    if key in INTENT_KEYS:
        return "intent"
    if key in QUEUE_KEYS and not top_level:
        return "queue"
    return None


def _references(root: YMap) -> Iterator[Reference]:
    """Every scalar written as the value (or a list item) of a key that names something."""
    stack: list[tuple[YNode, bool]] = [(root, True)]
    while stack:
        node, top_level = stack.pop()
        if isinstance(node, YSeq):
            stack.extend((item, False) for item in node.items)
            continue
        if not isinstance(node, YMap):
            continue
        for key, value in node.pairs:
            space = _space(key.value, top_level) if isinstance(key, YScalar) else None
            if space is None or (key.value == "start" and not top_level):
                stack.append((value, False))
                continue
            items = value.items if isinstance(value, YSeq) else [value]
            for item in items:
                if isinstance(item, YScalar) and item.value and not (
                        item.tag.endswith(":null")):
                    yield Reference(space, item.value, _span(item))


# --- completion ------------------------------------------------------------------------------

_KEY_BEFORE = re.compile(r"([A-Za-z_]+)\s*:\s*(?:\[[^\[\]]*?)?[\"']?[\w.\-]*$")
_LIST_ITEM = re.compile(r"^(\s*)-\s+[\"']?[\w.\-]*$")
_KEY_LINE = re.compile(r"^(\s*)(?:-\s+)?([A-Za-z_]+)\s*:\s*(?:#.*)?$")


def completion_key(lines: list[str], line: int, column: int) -> str | None:
    """The key whose value is being typed at (line, column), 1-based: `next` in `next: wel`.

    Handles `key: value`, flow style (`{kind: say, next: `), flow lists
    (`serves: [pay_bill, up`) and block lists (`- acc` under `asks:`).
    """
    if not 1 <= line <= len(lines):
        return None
    before = lines[line - 1][:column - 1]
    found = _KEY_BEFORE.search(before)
    if found:
        return found.group(1)
    item = _LIST_ITEM.match(before)
    if not item:
        return None
    indent = len(item.group(1))
    for previous in reversed(lines[:line - 1]):
        key_line = _KEY_LINE.match(previous)
        if key_line and len(key_line.group(1)) <= indent:
            return key_line.group(2)
        if previous.strip() and not previous.lstrip().startswith(("-", "#")):
            return None
    return None


def completions(found: Outline, key: str) -> list[tuple[str, str, str]]:
    """(label, space, detail) for the names that fit after `key:`; none for other keys."""
    if key == "kind":
        return [(kind, "kind", "node kind") for kind in KINDS]
    space = _space(key, False)
    if space is None:
        return []
    return [(name, space, _detail(found, space, name)) for name in found.names(space)]


def _detail(found: Outline, space: str, name: str) -> str:
    if space == "node":
        return f"{found.node_kinds.get(name, 'node')} node"
    return {"fact": "identity fact", "intent": "intent", "queue": "staffed queue"}[space]


def rule_code_at(line_text: str, column: int) -> str | None:
    """The rule code (PJ201) written around `column` (1-based) in `line_text`, upper-cased."""
    for found in RULE_CODE.finditer(line_text):
        if found.start() + 1 <= column <= found.end() + 1:
            return found.group(0).upper()
    return None


def token_width(line_text: str, column: int) -> int:
    """How many characters from `column` on belong to the token written there (at least 1)."""
    rest = line_text[column - 1:]
    if rest[:1] in ("'", '"'):
        end = rest.find(rest[0], 1)
        return end + 1 if end > 0 else max(len(rest), 1)
    match = re.match(r"[^\s:,\[\]{}#]+", rest)
    return len(match.group(0)) if match else max(min(len(rest.rstrip()), 1), 1)


__all__ = ["EMPTY", "Outline", "outline_of", "Reference", "Span", "completion_key", "completions",
           "is_tree_text", "outline", "rule_code_at", "token_width"]
