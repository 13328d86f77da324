"""Read a JavaScript module that exports a flow as an object literal, as JSON text.

Twilio's own templates and many teams keep Studio flows as `module.exports =
{...}` (also `module.exports = options = {...}`, `export default {...}`, or a
`const flow = {...}` exported later) written as JavaScript, not JSON: comments,
unquoted keys, single-quoted strings, template literals, trailing commas.
`to_json` rewrites such a file into JSON text with every line where it was, so
that findings still point at the right line of the `.js` file. Nothing is
evaluated: anything but a plain literal (a function call, a variable) is a
clear error at its line.
"""

from __future__ import annotations

import json
import re

_START = re.compile(r"(?:module\.exports|exports\.[\w$]+|export\s+default|"
                    r"(?:const|let|var)\s+[\w$]+)\s*=?\s*"
                    r"(?:[\w$.]+\s*=\s*)*(?=[{\[])")
_IDENT = re.compile(r"[A-Za-z_$][\w$]*")
_NUMBER = re.compile(r"-?(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?"
                     r"|\.\d+(?:[eE][+-]?\d+)?)")
_WORDS = {"true": "true", "false": "false", "null": "null", "undefined": "null"}


class ScriptError(ValueError):
    """The module holds something other than a plain object literal; where and why."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


def looks_like_script(text: str) -> bool:
    """True if `text` is not plain JSON but a script exporting (or declaring) a literal."""
    stripped = text.lstrip()
    return not stripped.startswith(("{", "[")) and _START.search(_blank_comments(text)) is not None


def to_json(text: str) -> str:
    """JSON text for the first exported object literal, every line where it was."""
    plain = _blank_comments(text)
    found = _START.search(plain)
    if found is None:
        raise ScriptError(1, 1, "no `module.exports = {...}` (or `export default {...}`) "
                          "object literal found")
    out = [c if c == "\n" else " " for c in plain[:found.end()]]
    end = _Reader(plain, found.end(), out).value()
    rest = plain[end:]
    out.extend(c if c == "\n" else " " for c in rest)
    return "".join(out)


def _blank_comments(text: str) -> str:
    """`text` with comments replaced by spaces (newlines kept); strings left alone."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'`":
            j = _string_end(text, i)
            out.append(text[i:j])
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _string_end(text: str, i: int) -> int:
    """Index just after the string literal starting at `i` (its end if unterminated)."""
    quote, j, n = text[i], i + 1, len(text)
    while j < n:
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            return j + 1
        if text[j] == "\n" and quote != "`":
            return j
        j += 1
    return n


class _Reader:
    """Copies one JavaScript literal as JSON into `out`, character for character in place."""

    def __init__(self, text: str, at: int, out: list[str]) -> None:
        self.text, self.at, self.out = text, at, out

    def where(self, at: int) -> tuple[int, int]:
        line = self.text.count("\n", 0, at) + 1
        return line, at - (self.text.rfind("\n", 0, at) + 1) + 1

    def fail(self, message: str) -> ScriptError:
        return ScriptError(*self.where(self.at), message)

    def space(self) -> None:
        while self.at < len(self.text) and self.text[self.at] in " \t\r\n;":
            self.out.append(self.text[self.at] if self.text[self.at] == "\n" else " ")
            self.at += 1

    def emit(self, json_text: str, consumed: int) -> None:
        """Put `json_text` where `consumed` characters were, keeping their newlines."""
        newlines = self.text.count("\n", self.at, self.at + consumed)
        self.out.append(json_text + "\n" * newlines
                        + " " * max(consumed - len(json_text) - newlines, 0))
        self.at += consumed

    def value(self, depth: int = 0) -> int:
        if depth > 200:
            raise self.fail("object literal nested too deeply to be a flow export")
        self.space()
        if self.at >= len(self.text):
            raise self.fail("the object literal ends too early")
        c = self.text[self.at]
        if c in "{[":
            self.container(c, depth)
        elif c in "\"'`":
            end = _string_end(self.text, self.at)
            raw = self.text[self.at + 1:end - 1]
            if end > len(self.text) or self.text[end - 1] != c or end - self.at < 2:
                raise self.fail("a string that is never closed")
            self.emit(json.dumps(_unescape(raw, c)), end - self.at)
        else:
            word = _NUMBER.match(self.text, self.at) or _IDENT.match(self.text, self.at)
            if word is None:
                raise self.fail(f"unexpected '{c}' in the object literal")
            token = word.group()
            if token in _WORDS:
                self.emit(_WORDS[token], len(token))
            elif _NUMBER.fullmatch(token):
                number = int(token, 16) if token.lower().startswith(("0x", "-0x")) else token
                self.emit(str(number), len(token))
            else:
                raise self.fail(f"'{token}' is a JavaScript expression, not a literal; "
                                "phonejail reads plain object literals only")
        return self.at

    def container(self, opening: str, depth: int) -> None:
        closing = "}" if opening == "{" else "]"
        self.emit(opening, 1)
        first = True
        while True:
            self.space()
            if self.at >= len(self.text):
                raise self.fail(f"'{opening}' is never closed")
            if self.text[self.at] == closing:
                self.emit(closing, 1)
                return
            if not first:
                if self.text[self.at] != ",":
                    raise self.fail(f"expected ',' or '{closing}'")
                comma_at = len(self.out)
                self.emit(",", 1)
                self.space()
                if self.at < len(self.text) and self.text[self.at] == closing:  # trailing comma
                    self.out[comma_at] = " "
                    self.emit(closing, 1)
                    return
            first = False
            if opening == "{":
                self.key()
            self.value(depth + 1)

    def key(self) -> None:
        c = self.text[self.at]
        if c in "\"'`":
            end = _string_end(self.text, self.at)
            self.emit(json.dumps(_unescape(self.text[self.at + 1:end - 1], c)), end - self.at)
        else:
            word = _IDENT.match(self.text, self.at) or _NUMBER.match(self.text, self.at)
            if word is None:
                raise self.fail(f"expected a key, found '{c}'")
            self.emit(json.dumps(word.group()), len(word.group()))
        self.space()
        if self.at >= len(self.text) or self.text[self.at] != ":":
            raise self.fail("expected ':' after a key")
        self.emit(":", 1)


def _unescape(raw: str, quote: str) -> str:
    """The value of a JavaScript string's body (the escapes JSON shares, and \\' and \\`)."""
    if quote == '"':
        try:
            return str(json.loads(f'"{raw}"'))
        except json.JSONDecodeError:
            pass
    fixed = re.sub(r"\\([^\"\\/bfnrtu])", r"\1", raw.replace('"', '\\"'))
    try:
        return str(json.loads(f'"{fixed}"'.replace("\n", "\\n")))
    except json.JSONDecodeError:
        return raw
