"""Read the part of Terraform's HCL that holds flows: blocks, attributes, literals.

No HCL parser is among phonejail's dependencies, and a flow in a `.tf` file needs
only a small part of the language: `resource "TYPE" "NAME" { ... }` blocks, the
attributes in them, and the literal values a flow is written with (strings,
heredocs, numbers, `true`/`false`/`null`, `[...]` tuples, `{...}` objects) inside
`jsonencode(...)`, `file(...)` or `templatefile(...)`. This reader parses exactly
that, strictly, and keeps where every value starts. Nothing is evaluated: any
other expression (`var.x`, `a ? b : c`, a `for` expression, another function)
is kept as `Opaque` source text, which a flow sees as a string, the way
`${...}` interpolations inside strings are kept as written.

Errors are `HclError`s with the line and column where reading stopped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

MAX_DEPTH = 200
"""Nesting deeper than this is no flow: refused with a located error, never a RecursionError."""


class HclError(ValueError):
    """The text is not the HCL this reader knows; where and why."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


@dataclass(frozen=True)
class Where:
    start: int
    """Offset of the value's first character in the text."""
    end: int
    """Offset just after it."""


@dataclass(frozen=True)
class Literal:
    value: str | int | float | bool | None
    at: Where
    heredoc: bool = False
    """A heredoc string: its lines are the text's lines from the line after `<<EOF`."""
    body: Where | None = None
    """For a heredoc, where its content lines start and end."""


@dataclass(frozen=True)
class Opaque:
    """An expression phonejail does not evaluate (`var.x`, a condition), as written."""

    source: str
    at: Where


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Value, ...]
    at: Where


@dataclass(frozen=True)
class Tuple:
    items: tuple[Value, ...]
    at: Where


@dataclass(frozen=True)
class Object:
    items: tuple[tuple[str, Where, Value], ...]
    """(key, where the key is, value) in the order written."""
    at: Where


Value = Literal | Opaque | Call | Tuple | Object


@dataclass(frozen=True)
class Block:
    type: str
    labels: tuple[str, ...]
    attributes: dict[str, Value]
    blocks: tuple[Block, ...]
    at: Where


@dataclass(frozen=True)
class Body:
    attributes: dict[str, Value] = field(default_factory=dict)
    blocks: tuple[Block, ...] = ()


_IDENT = re.compile(r"[A-Za-z_][\w-]*")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_HEREDOC = re.compile(r"<<(-?)([A-Za-z_][\w-]*)[ \t]*\r?\n")
_WORDS = {"true": True, "false": False, "null": None}
_OPENING = {"(": ")", "[": "]", "{": "}"}


def parse(text: str) -> Body:
    """The top-level body of a `.tf` file (raises HclError)."""
    reader = _Reader(text)
    body = reader.body(closing=None, depth=0)
    return body


def position(text: str, at: int) -> tuple[int, int]:
    """Line and column (from 1) of offset `at`."""
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


class _Reader:
    def __init__(self, text: str) -> None:
        self.text, self.at = text, 0

    # -- where we are ----------------------------------------------------------------

    def fail(self, message: str, at: int | None = None) -> HclError:
        return HclError(*position(self.text, self.at if at is None else at), message)

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def skip(self, newlines: bool) -> None:
        """Skip blanks and comments; newlines too if `newlines` (inside brackets)."""
        text, n = self.text, len(self.text)
        while self.at < n:
            c = text[self.at]
            if c in " \t\r" or (newlines and c == "\n"):
                self.at += 1
            elif c == "#" or text.startswith("//", self.at):
                end = text.find("\n", self.at)
                self.at = n if end < 0 else end
            elif text.startswith("/*", self.at):
                end = text.find("*/", self.at + 2)
                if end < 0:
                    raise self.fail("a /* comment is never closed")
                self.at = end + 2
            else:
                return

    def expect(self, char: str, what: str) -> None:
        if self.peek() != char:
            found = repr(self.peek()) if self.peek() else "the end of the file"
            raise self.fail(f"expected {what}, found {found}")
        self.at += 1

    # -- bodies ------------------------------------------------------------------------

    def body(self, closing: str | None, depth: int) -> Body:
        attributes: dict[str, Value] = {}
        blocks: list[Block] = []
        while True:
            self.skip(newlines=True)
            if not self.peek():
                if closing is not None:
                    raise self.fail(f"a block is never closed (expected '{closing}')")
                return Body(attributes, tuple(blocks))
            if self.peek() == closing:
                self.at += 1
                return Body(attributes, tuple(blocks))
            start = self.at
            name = _IDENT.match(self.text, self.at)
            if name is None:
                raise self.fail(f"expected an attribute or a block, found {self.peek()!r}")
            self.at = name.end()
            self.skip(newlines=False)
            if self.peek() == "=" and not self.text.startswith("==", self.at):
                self.at += 1
                attributes[name.group()] = self.expression(depth + 1, in_object=True)
                self.end_of_line()
                continue
            labels: list[str] = []
            while self.peek() in ('"',) or (self.peek() and _IDENT.match(self.text, self.at)):
                if self.peek() == '"':
                    label = self.string(depth)
                    if not isinstance(label, Literal) or not isinstance(label.value, str):
                        raise self.fail("a block label is a plain string", label.at.start)
                    labels.append(label.value)
                else:
                    word = _IDENT.match(self.text, self.at)
                    assert word is not None
                    labels.append(word.group())
                    self.at = word.end()
                self.skip(newlines=False)
            if self.peek() != "{":
                raise self.fail(f"expected '=' or a block's '{{' after '{name.group()}'")
            if depth > MAX_DEPTH:
                raise self.fail("blocks nested too deeply")
            self.at += 1
            inner = self.body("}", depth + 1)
            blocks.append(Block(name.group(), tuple(labels), inner.attributes, inner.blocks,
                                Where(start, self.at)))

    def end_of_line(self) -> None:
        self.skip(newlines=False)
        if self.peek() not in ("\n", "}", ""):
            raise self.fail(f"expected a new line after an attribute, found {self.peek()!r}")

    # -- expressions -------------------------------------------------------------------

    def expression(self, depth: int, in_object: bool) -> Value:
        """One expression; anything but a literal, a call or a constructor is Opaque.

        `in_object`: a new line ends the expression (object items, attributes);
        inside `(...)` and `[...]` new lines are blanks.
        """
        if depth > MAX_DEPTH:
            raise self.fail("values nested too deeply to be a flow")
        self.skip(newlines=not in_object)
        start = self.at
        value = self.primary(depth)
        self.skip(newlines=not in_object)
        if self.peek() in (",", ")", "]", "}", "\n", ""):
            return value
        if in_object and self.text.startswith("=>", self.at):
            return value
        # an operator, an attribute access, an index, a condition: read to its end, opaque
        self.rest_of_expression(in_object)
        return Opaque(self.text[start:self.at].strip(), Where(start, self.at))

    def rest_of_expression(self, in_object: bool) -> None:
        while True:
            self.skip(newlines=not in_object)
            c = self.peek()
            if c in (",", ")", "]", "}", "\n", ""):
                return
            if c in _OPENING:
                self.skip_balanced()
            elif c == '"':
                self.string(0)
            elif self.text.startswith("<<", self.at) and _HEREDOC.match(self.text, self.at):
                self.heredoc()
            else:
                self.at += 1

    def skip_balanced(self) -> None:
        """Skip a bracketed expression without reading it (a `for` expression, an index)."""
        stack = [_OPENING[self.peek()]]
        opened = self.at
        self.at += 1
        while stack:
            self.skip(newlines=True)
            c = self.peek()
            if not c:
                raise self.fail(f"'{self.text[opened]}' is never closed", opened)
            if c == '"':
                self.string(0)
            elif self.text.startswith("<<", self.at) and _HEREDOC.match(self.text, self.at):
                self.heredoc()
            elif c in _OPENING:
                if len(stack) > MAX_DEPTH:
                    raise self.fail("brackets nested too deeply")
                stack.append(_OPENING[c])
                self.at += 1
            elif c in ")]}":
                if c != stack[-1]:
                    raise self.fail(f"expected '{stack[-1]}', found '{c}'")
                stack.pop()
                self.at += 1
            else:
                self.at += 1

    def primary(self, depth: int) -> Value:
        start = self.at
        c = self.peek()
        if not c:
            raise self.fail("expected a value, found the end of the file")
        if c == '"':
            return self.string(depth)
        if self.text.startswith("<<", self.at):
            return self.heredoc()
        if c in "[{":
            if re.match(r"[\[{]\s*for\s", self.text[self.at:self.at + 200]):
                self.skip_balanced()
                return Opaque(self.text[start:self.at], Where(start, self.at))
            return self.tuple(depth) if c == "[" else self.object(depth)
        if c == "(":
            self.skip_balanced()
            return Opaque(self.text[start:self.at], Where(start, self.at))
        if c == "!" or (c == "-" and not _NUMBER.match(self.text, self.at + 1)):
            self.at += 1  # a negation: the operand follows, and the whole is opaque
            self.primary(depth + 1)
            return Opaque(self.text[start:self.at], Where(start, self.at))
        number = _NUMBER.match(self.text, self.at)
        if number or (c == "-" and _NUMBER.match(self.text, self.at + 1)):
            if c == "-":
                number = _NUMBER.match(self.text, self.at + 1)
            assert number is not None
            self.at = number.end()
            raw = self.text[start:self.at]
            if len(raw) > 100:
                raise self.fail("a number far too long to be a flow's", start)
            return Literal(float(raw) if any(ch in raw for ch in ".eE") else int(raw),
                           Where(start, self.at))
        word = _IDENT.match(self.text, self.at)
        if word is None:
            raise self.fail(f"expected a value, found {c!r}")
        self.at = word.end()
        if word.group() in _WORDS and self.peek() != ".":
            return Literal(_WORDS[word.group()], Where(start, self.at))
        if self.peek() == "(":
            return self.call(word.group(), start, depth)
        return Opaque(word.group(), Where(start, self.at))  # var, local.x...: the rest follows

    def call(self, name: str, start: int, depth: int) -> Value:
        self.at += 1
        args: list[Value] = []
        while True:
            self.skip(newlines=True)
            if self.peek() == ")":
                self.at += 1
                return Call(name, tuple(args), Where(start, self.at))
            if args:
                self.expect(",", f"',' or ')' in {name}(...)")
                self.skip(newlines=True)
                if self.peek() == ")":
                    continue
                if self.text.startswith("...", self.at):
                    self.at += 3
                    continue
            args.append(self.expression(depth + 1, in_object=False))

    def tuple(self, depth: int) -> Value:
        start = self.at
        self.at += 1
        items: list[Value] = []
        while True:
            self.skip(newlines=True)
            if self.peek() == "]":
                self.at += 1
                return Tuple(tuple(items), Where(start, self.at))
            if items:
                self.expect(",", "',' or ']' in a list")
                self.skip(newlines=True)
                if self.peek() == "]":
                    continue
            items.append(self.expression(depth + 1, in_object=False))

    def object(self, depth: int) -> Value:
        start = self.at
        self.at += 1
        items: list[tuple[str, Where, Value]] = []
        while True:
            self.skip(newlines=True)
            if self.peek() == "}":
                self.at += 1
                return Object(tuple(items), Where(start, self.at))
            if self.peek() == ",":
                if not items:
                    raise self.fail("an object starts with ','")
                self.at += 1
                continue
            key_at = self.at
            if self.peek() == '"':
                key = self.string(depth)
                if not isinstance(key, Literal) or not isinstance(key.value, str):
                    raise self.fail("an object key is a name or a plain string", key_at)
                name = key.value
            elif self.peek() == "(":
                self.skip_balanced()
                name = self.text[key_at:self.at]
            else:
                word = _IDENT.match(self.text, self.at)
                if word is None:
                    raise self.fail(f"expected an object key, found {self.peek()!r}")
                self.at = word.end()
                name = word.group()
            key_where = Where(key_at, self.at)
            self.skip(newlines=False)
            if self.peek() not in ("=", ":"):
                raise self.fail(f"expected '=' or ':' after the key '{name}'")
            self.at += 1
            value = self.expression(depth + 1, in_object=True)
            items.append((name, key_where, value))
            self.skip(newlines=False)
            if self.peek() not in (",", "\n", "}"):
                raise self.fail(f"expected ',', a new line or '}}' after '{name}'s value")

    def string(self, depth: int) -> Value:
        """A quoted template string; `${...}` and `%{...}` are kept as written."""
        start = self.at
        self.at += 1
        out: list[str] = []
        text, n = self.text, len(self.text)
        while True:
            if self.at >= n or text[self.at] == "\n":
                raise self.fail("a string that is never closed", start)
            c = text[self.at]
            if c == '"':
                self.at += 1
                return Literal("".join(out), Where(start, self.at))
            if c == "\\":
                escape = text[self.at:self.at + 2]
                if escape[1:] == "u" or escape[1:] == "U":
                    size = 4 if escape[1:] == "u" else 8
                    digits = text[self.at + 2:self.at + 2 + size]
                    if not re.fullmatch(r"[0-9a-fA-F]+", digits) or len(digits) != size:
                        raise self.fail("a \\u escape needs hexadecimal digits")
                    code = int(digits, 16)
                    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                        raise self.fail("a \\u escape that is no character")
                    out.append(chr(code))
                    self.at += 2 + size
                    continue
                simple = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
                if escape[1:] not in simple:
                    raise self.fail(f"unknown escape {escape!r} in a string")
                out.append(simple[escape[1:]])
                self.at += 2
                continue
            if text.startswith(("$${", "%%{"), self.at):  # escapes: a literal ${ or %{
                out.append(text[self.at + 1:self.at + 3])
                self.at += 3
                continue
            if text.startswith(("${", "%{"), self.at):
                end = self._template_end(self.at + 2)
                out.append(text[self.at:end])
                self.at = end
                continue
            out.append(c)
            self.at += 1

    def _template_end(self, at: int) -> int:
        """Offset just after the `}` closing an interpolation opened before `at`."""
        depth, text, n = 1, self.text, len(self.text)
        while at < n:
            c = text[at]
            if c == '"':  # a string inside the interpolation: skip it whole
                at += 1
                while at < n and text[at] != '"':
                    at += 2 if text[at] == "\\" else 1
            elif c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    return at + 1
            elif c == "\n":
                break
            at += 1
        raise self.fail("an interpolation `${` is never closed")

    def heredoc(self) -> Value:
        start = self.at
        opening = _HEREDOC.match(self.text, self.at)
        if opening is None:
            raise self.fail("expected a heredoc (`<<EOF` and a new line)")
        strip, marker = opening.group(1) == "-", opening.group(2)
        body_start = opening.end()
        closing = re.compile(rf"^[ \t]*{re.escape(marker)}[ \t]*\r?$", re.M)
        end = closing.search(self.text, body_start)
        if end is None:
            raise self.fail(f"the heredoc `<<{marker}` is never closed (no line `{marker}`)")
        body = self.text[body_start:end.start()]
        lines = body.split("\n")
        if strip:
            indents = [len(ln) - len(ln.lstrip(" \t")) for ln in lines if ln.strip()]
            cut = min(indents, default=0)
            lines = [ln[cut:] for ln in lines]
        self.at = end.end()
        return Literal("\n".join(lines), Where(start, self.at), heredoc=True,
                       body=Where(body_start, end.start()))


def to_json(text: str, value: Value) -> str:
    """JSON text of a literal value, every part at its line (and near its column) in `text`.

    The result has as many lines as `text` up to the value's end: lines before the
    value are blank, so a JSON parser's line numbers are the `.tf` file's. An Opaque
    expression becomes the string of its source, `${...}` kept as written.
    """
    out = _Emitter(text)
    out.value(value)
    return out.done()


class _Emitter:
    def __init__(self, text: str) -> None:
        self.text = text
        self.parts: list[str] = []
        self.line, self.column = 1, 1
        self._line_at = 0  # offset in `text` from which lines are counted
        self._counted_line = 1

    def _where(self, at: int) -> tuple[int, int]:
        if at < self._line_at:  # never happens: values are emitted in text order
            return position(self.text, at)
        self._counted_line += self.text.count("\n", self._line_at, at)
        self._line_at = at
        return self._counted_line, at - (self.text.rfind("\n", 0, at) + 1) + 1

    def put(self, token: str, at: int) -> None:
        line, column = self._where(at)
        if line > self.line:
            self.parts.append("\n" * (line - self.line))
            self.line, self.column = line, 1
        if column > self.column:
            self.parts.append(" " * (column - self.column))
            self.column = column
        self.parts.append(token)
        self.column += len(token)

    def comma(self) -> None:
        """Right after the value before: the next item keeps its own place."""
        self.parts.append(",")
        self.column += 1

    def value(self, value: Value) -> None:
        if isinstance(value, Object):
            self.put("{", value.at.start)
            for k, (key, key_at, item) in enumerate(value.items):
                if k:
                    self.comma()
                self.put(json.dumps(key, ensure_ascii=False) + ":", key_at.start)
                self.value(item)
            self.put("}", value.at.end - 1)
        elif isinstance(value, Tuple):
            self.put("[", value.at.start)
            for k, item in enumerate(value.items):
                if k:
                    self.comma()
                self.value(item)
            self.put("]", value.at.end - 1)
        elif isinstance(value, Literal):
            self.put(json.dumps(value.value, ensure_ascii=False), value.at.start)
        elif isinstance(value, Opaque):
            self.put(json.dumps(_as_interpolation(value.source), ensure_ascii=False),
                     value.at.start)
        else:
            source = self.text[value.at.start:value.at.end]
            self.put(json.dumps(_as_interpolation(source), ensure_ascii=False), value.at.start)

    def done(self) -> str:
        return "".join(self.parts)


def _as_interpolation(source: str) -> str:
    """An expression phonejail does not evaluate, as the interpolation Terraform would run."""
    return "${" + " ".join(source.split()) + "}"
