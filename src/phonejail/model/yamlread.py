"""Read YAML into located nodes, refusing hostile input before it costs anything.

PyYAML's own composer recurses (a RecursionError at ~1,000 levels, and the C
composer segfaults at ~25,000), silently keeps the last of two duplicate keys,
and expands alias bombs on traversal. So phonejail composes the document itself
from the parser's event stream, iteratively, and applies every guard as the
events arrive: nesting depth, alias count, alias expansion, recursive aliases,
tags, duplicate keys. The result is a small tree of `YScalar`/`YSeq`/`YMap`
nodes that remember their 1-based line and column.

Nothing here raises on bad input: problems come back as `Problem` records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import yaml

from phonejail.findings import Problem
from phonejail.limits import MAX_ALIAS_EXPANSION, MAX_ALIASES, MAX_DEPTH
from phonejail.limits import MAX_FILE_BYTES as MAX_BYTES
from phonejail.model.syntaxhints import explain

try:  # libyaml is ~10x faster; the pure-Python parser gives the same events.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_TAG = "tag:yaml.org,2002:"
_ALLOWED_TAGS = frozenset(_TAG + t for t in ("str", "int", "float", "bool", "null", "seq", "map"))
_resolver = yaml.resolver.Resolver()


class Mark(NamedTuple):
    """A 1-based position in a file (a tuple: cheap to make, compares by line then column)."""

    line: int
    column: int


# Located nodes are tuples: a 20,000-node tree has half a million of them, and a tuple
# built with tuple.__new__ costs a fraction of a dataclass instance.
class YScalar(NamedTuple):
    value: str
    tag: str
    mark: Mark
    quoted: bool


class YSeq(NamedTuple):
    items: list[YNode]
    mark: Mark


class YMap(NamedTuple):
    pairs: list[tuple[YNode, YNode]]
    mark: Mark


YNode = YScalar | YSeq | YMap


@dataclass(eq=False, slots=True)
class _Frame:
    node: YSeq | YMap
    anchor: str | None
    size: int = 1
    key: YNode | None = None
    has_key: bool = False
    seen: dict[str, Mark] = field(default_factory=dict)
    merges: list[YNode] = field(default_factory=list)


class _Refused(Exception):
    """Stops reading: the document cannot be composed safely."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


_new = tuple.__new__  # skips NamedTuple's Python-level __new__ on the hot path


def _mark(event: yaml.Event) -> Mark:
    mark = event.start_mark
    return _new(Mark, (mark.line + 1, mark.column + 1))


@lru_cache(maxsize=65536)
def _resolve_plain(value: str) -> str:
    """The implicit tag of a plain scalar; trees repeat ids and kinds, so this caches well."""
    return _resolver.resolve(yaml.ScalarNode, value, (True, False))


def read_yaml(data: bytes) -> tuple[YNode | None, list[Problem]]:
    """Decode and compose one YAML document; return it (or None) and the problems found."""
    text, problem = _decode(data)
    if problem:
        return None, [problem]
    return compose(text)


def _decode(data: bytes) -> tuple[str, Problem | None]:
    if len(data) > MAX_BYTES:
        return "", Problem(
            "PJ001", 1, 1,
            f"file is larger than {MAX_BYTES:,} bytes, the limit for a tree "
            "(a 20,000-node tree is about 2 MB)",
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _line_col_bytes(data, nul)
        return "", Problem(
            "PJ001", line, col, "binary file (a NUL byte): a tree is UTF-8 YAML text"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _line_col_bytes(data, exc.start)
        return "", Problem(
            "PJ001", line, col,
            f"not UTF-8 (byte 0x{data[exc.start]:02x}): save the file as UTF-8",
        )
    return text, None


def _line_col_bytes(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, len(data[start:offset].decode("utf-8", "replace")) + 1


def _line_col_text(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def compose(text: str) -> tuple[YNode | None, list[Problem]]:
    """Compose the single document in `text` from parser events, with every guard applied."""
    composer = _Composer()
    scalar_event, feed, add, allowed = yaml.ScalarEvent, composer.feed, composer._add, _ALLOWED_TAGS
    try:
        for event in yaml.parse(text, Loader=_Loader):
            # Plain scalars are most events: handled inline, the rest by `feed`.
            if type(event) is scalar_event and event.tag is None and event.implicit[0] \
                    and not event.style:
                tag = _resolve_plain(event.value)
                if tag not in allowed and tag != _TAG + "merge":
                    feed(event)
                    continue
                mark = event.start_mark
                node = _new(YScalar, (event.value, tag,
                                      _new(Mark, (mark.line + 1, mark.column + 1)), False))
                add(node, 1, event.anchor)
            else:
                feed(event)
    except _Refused as refused:
        return None, [*composer.problems, refused.problem]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if "maximum nesting depth" in (exc.problem or ""):
            # libyaml (PyYAML >= 6.0.4) scans ~1,000 levels ahead and stops there before
            # our depth guard sees an event: same refusal, at the place libyaml stopped.
            return None, [Problem("PJ001", line, col, _too_deep())]
        hint = explain(text, exc.problem, (line, col) if exc.problem_mark else None,
                       exc.context, (exc.context_mark.line + 1, exc.context_mark.column + 1)
                       if exc.context_mark else None)
        if hint is not None:
            return None, [Problem("PJ001", hint.line, hint.column,
                                  f"YAML syntax: {hint.message}")]
        message = " ".join(p for p in (exc.context, exc.problem) if p) or "cannot be parsed"
        return None, [Problem("PJ001", line, col, f"YAML syntax: {message}")]
    except yaml.YAMLError as exc:  # ReaderError: control characters and the like
        position = getattr(exc, "position", 0) or 0
        line, col = _line_col_text(text, position)
        reason = getattr(exc, "reason", None) or str(exc)
        return None, [Problem("PJ001", line, col, f"YAML syntax: {reason}")]
    if composer.root is None:
        return None, [Problem(
            "PJ002", 1, 1,
            "the file holds no YAML document; a tree needs at least "
            "phonejail, name, start, intents and nodes",
        )]
    return composer.root, composer.problems


def _too_deep() -> str:
    return f"nesting deeper than {MAX_DEPTH} levels: a phone tree needs only a few"


class _Composer:
    """Builds YNodes from events with an explicit stack, so depth costs no recursion."""

    def __init__(self) -> None:
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[YNode, int]] = {}
        self.open_anchors: set[str] = set()
        self.aliases = 0
        self.expansion = 0
        self.documents = 0
        self.root: YNode | None = None
        self.problems: list[Problem] = []

    def feed(self, event: yaml.Event) -> None:
        if type(event) is yaml.ScalarEvent:  # most events: take the short way
            self._add(self._scalar(event), 1, event.anchor)
        elif isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                mark = _mark(event)
                raise _Refused(Problem(
                    "PJ002", mark.line, mark.column,
                    "a second YAML document (---): a tree file holds exactly one",
                ))
        elif isinstance(event, yaml.ScalarEvent):
            self._add(self._scalar(event), 1, event.anchor)
        elif isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            self._open(event)
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            self._close()
        elif isinstance(event, yaml.AliasEvent):
            self._alias(event)

    def _scalar(self, event: yaml.ScalarEvent) -> YScalar:
        mark = _mark(event)
        tag = event.tag
        if tag is None and event.implicit[0]:
            tag = _resolve_plain(event.value)
        elif tag in (None, "!"):
            tag = _resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag not in _ALLOWED_TAGS:
            self._check_tag(tag, mark)
        return _new(YScalar, (event.value, tag, mark, event.style not in (None, "")))

    def _check_tag(self, tag: str, mark: Mark) -> None:
        if tag not in _ALLOWED_TAGS and tag != _TAG + "timestamp" and tag != _TAG + "merge":
            shown = "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag
            raise _Refused(Problem(
                "PJ002", mark.line, mark.column,
                f"tag {shown} is not allowed: a tree is plain YAML "
                "(strings, numbers, lists and mappings); text that starts with `!` must be "
                "quoted (say: \"!important\")",
            ))

    def _open(self, event: yaml.CollectionStartEvent) -> None:
        mark = _mark(event)
        if len(self.stack) >= MAX_DEPTH:
            raise _Refused(Problem(
                "PJ001", mark.line, mark.column,
                _too_deep(),
            ))
        if event.tag not in (None, "!"):
            self._check_tag(event.tag, mark)
        if event.anchor:
            self.open_anchors.add(event.anchor)
        is_map = isinstance(event, yaml.MappingStartEvent)
        node = _new(YMap, ([], mark)) if is_map else _new(YSeq, ([], mark))
        self.stack.append(_Frame(node, event.anchor))

    def _close(self) -> None:
        frame = self.stack.pop()
        if frame.anchor:
            self.open_anchors.discard(frame.anchor)
        if isinstance(frame.node, YMap) and frame.merges:
            self._merge(frame)
        self._add(frame.node, frame.size, frame.anchor)

    def _alias(self, event: yaml.AliasEvent) -> None:
        mark = _mark(event)
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise _Refused(Problem(
                "PJ001", mark.line, mark.column,
                f"more than {MAX_ALIASES} aliases (*name): refused as a possible alias bomb",
            ))
        if event.anchor in self.open_anchors:
            raise _Refused(Problem(
                "PJ001", mark.line, mark.column,
                f"alias *{event.anchor} refers to a collection that contains it (a cycle)",
            ))
        if event.anchor not in self.anchors:
            raise _Refused(Problem(
                "PJ001", mark.line, mark.column,
                f"alias *{event.anchor} has no anchor &{event.anchor}; text that starts "
                "with `*` must be quoted (say: \"*1 for more\")",
            ))
        node, size = self.anchors[event.anchor]
        self.expansion += size
        if self.expansion > MAX_ALIAS_EXPANSION:
            raise _Refused(Problem(
                "PJ001", mark.line, mark.column,
                f"aliases expand to more than {MAX_ALIAS_EXPANSION:,} nodes: "
                "refused as an alias bomb",
            ))
        self._add(node, size, None)

    def _add(self, node: YNode, size: int, anchor: str | None) -> None:
        if anchor:
            self.anchors[anchor] = (node, size)
        if not self.stack:
            self.root = node
            return
        frame = self.stack[-1]
        frame.size += size
        if isinstance(frame.node, YSeq):
            frame.node.items.append(node)
        elif not frame.has_key:
            frame.key, frame.has_key = node, True
        else:
            key = frame.key
            frame.key, frame.has_key = None, False
            assert key is not None
            if isinstance(key, YScalar) and key.tag == _TAG + "merge":
                frame.merges.append(node)
                return
            if isinstance(key, YScalar):
                first = frame.seen.get(key.value)
                if first is not None:
                    self.problems.append(Problem(
                        "PJ003", key.mark.line, key.mark.column,
                        f"key '{key.value}' is written twice in this mapping "
                        f"(first at line {first.line}); YAML would silently keep the last "
                        "value, phonejail keeps the first",
                    ))
                    return
                frame.seen[key.value] = key.mark
            frame.node.pairs.append((key, node))

    def _merge(self, frame: _Frame) -> None:
        """Apply YAML merge keys (<<): keys written in the mapping itself win."""
        assert isinstance(frame.node, YMap)
        sources: list[YNode] = []
        for value in frame.merges:
            sources.extend(value.items if isinstance(value, YSeq) else [value])
        for source in sources:
            if not isinstance(source, YMap):
                raise _Refused(Problem(
                    "PJ002", source.mark.line, source.mark.column,
                    "a merge key (<<) takes a mapping or a list of mappings",
                ))
            for key, value in source.pairs:
                if isinstance(key, YScalar) and key.value not in frame.seen:
                    frame.seen[key.value] = key.mark
                    frame.node.pairs.append((key, value))
