"""A tree's strings, made safe to show: in a terminal, a CI log, XML, Markdown or a spreadsheet.

A tree's strings (node ids, names, prompts, queue names, fact labels, persona names)
are data, and a shared or imported tree is not always written by a friend: a newline
followed by `::error` becomes a GitHub Actions workflow command, `ESC ]0;` retitles a
terminal, a bidi override reorders what a reviewer reads, NUL breaks XML, a cell
starting with `=` is a spreadsheet formula. Like git and ruff, phonejail shows such
characters as visible escapes (`\\n`, `\\x1b`, `\\u202e`) wherever it prints a string it
did not write, and each output format adds its own quoting on top of that.

Ids (node, intent, fact and persona names) may not hold these characters at all: the
loader refuses them (`unsafe_characters`), so only free text ever needs escaping.
"""

from __future__ import annotations

import html
import json
import unicodedata
from typing import Any

_KEPT_FORMAT = frozenset("\u200c\u200d")
"""Zero-width non-joiner and joiner: Persian, Indic scripts and emoji need them, and they
move nothing on screen."""
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
"""Control characters (C0, DEL, C1), lone surrogates, line and paragraph separators."""
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: wide (East Asian) characters take two, combining
    marks none, so tables of Japanese or Chinese names line up."""
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int, right: bool = False) -> str:
    """`text` filled with spaces to `width` terminal columns (`display_width`), on the
    right (left-aligned) or, with `right`, on the left."""
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def is_unsafe(char: str) -> bool:
    """True for a character shown as an escape: controls, surrogates, line separators, and
    invisible format characters such as bidi overrides (but not the zero-width joiners)."""
    category = unicodedata.category(char)
    return category in _UNSAFE_CATEGORIES or (category == "Cf" and char not in _KEPT_FORMAT)


def escape_char(char: str) -> str:
    """`\\n`, `\\x1b`, `\\u202e` or `\\U000e0001`: how `visible` shows one unsafe character."""
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def visible(text: str) -> str:
    """`text` with every unsafe character shown as an escape; everything else untouched."""
    if text.isprintable():  # the common case: no control, format or separator character
        return text
    return "".join(escape_char(c) if is_unsafe(c) else c for c in text)


def unsafe_characters(text: str) -> list[str]:
    """The distinct unsafe characters in `text`, escaped, in order of appearance."""
    if text.isprintable():
        return []
    return list(dict.fromkeys(escape_char(c) for c in text if is_unsafe(c)))


def one_line(text: str) -> str:
    """`visible`, for places where even an escaped newline reads badly: a plain space instead."""
    return visible(" ".join(text.splitlines()) if "\n" in text or "\r" in text else text)


# -- Markdown ---------------------------------------------------------------------------------
_MARKDOWN_SPECIAL = "\\`*_[]|<&~$"
"""Characters that start Markdown or HTML structure inside a line (GitHub Flavoured
Markdown: code, emphasis, links, table columns, strike-through, maths), escaped with a
backslash; `<` (before a letter, `/`, `!` or `?`, or at the end) and `&` become entities, so
no tag, autolink or entity is ever formed (`<0.01%` stays as written). A `>`
is kept as written (`fail -> 'goodbye'` reads as written in a raw PR comment): without a
`<` it opens nothing except a quote at the start of a line, so only a leading one is
escaped. Other structure that only starts a line (`#`, `-`, `1.`) cannot arise: phonejail
never starts a line with a tree's string."""
_ENTITIES = {"<": "&lt;", "&": "&amp;"}


def markdown(text: str) -> str:
    """Text from a tree, safe in any Markdown context phonejail writes: a paragraph, a list
    item, a table cell or a heading. No HTML, link, emphasis, code span or table column can
    start inside it, and it stays on one line."""
    shown = visible(text)
    out = []
    for i, char in enumerate(shown):
        if char == "<" and i + 1 < len(shown) and not (shown[i + 1].isalpha()
                                                       or shown[i + 1] in "/!?"):
            out.append(char)  # `<0.01%`: no tag, comment or autolink starts without those
        elif char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char == "_" and 0 < i < len(shown) - 1 and shown[i - 1].isalnum() \
                and shown[i + 1].isalnum():
            out.append(char)  # inside a word (ask_phone) an underscore never emphasises
        elif char in _MARKDOWN_SPECIAL or (char == ">" and i == 0):
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def markdown_code(text: str) -> str:
    """Text from a tree as an inline code span (outside tables): fenced with more backticks
    than it holds, on one line, so it can neither close early nor run into the next line."""
    shown = visible(text)
    longest = run = 0
    for char in shown:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") or not shown.strip() else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


# -- HTML ---------------------------------------------------------------------------------------
def html_text(text: str) -> str:
    """HTML-escaped (text and attribute values), with control characters, bidi overrides and
    separators shown as escapes: a page shows a tree's text as written, never reordered."""
    return html.escape(visible(text))


# -- spreadsheets ----------------------------------------------------------------------------
_FORMULA_STARTS = ("=", "+", "-", "@")


def csv_cell(text: str) -> str:
    """A string cell a spreadsheet will not run as a formula (OWASP CSV injection advice):
    a cell starting with `=`, `+`, `-` or `@` gets a leading `'`. Numbers are
    written by the caller as numbers and never pass through here."""
    shown = visible(text)
    return "'" + shown if shown.startswith(_FORMULA_STARTS) else shown


# -- JSON -------------------------------------------------------------------------------------
def json_text(data: object, indent: int | None = 2, **options: Any) -> str:
    """JSON with text as written, but every unsafe character (controls, DEL, C1, bidi
    overrides, separators, lone surrogates) as a `\\u` escape: the values are the same
    strings, and the file shows no raw control character and can always be written as
    UTF-8 (a file name that is not UTF-8 holds lone surrogates)."""
    text = json.dumps(data, indent=indent, ensure_ascii=False, **options)
    if text.replace("\n", "").isprintable():  # the common case: nothing to escape
        return text
    # Outside strings JSON is printable ASCII, so every unsafe character is inside one.
    return "".join(_json_escape(c) if c != "\n" and is_unsafe(c) else c for c in text)


def _json_escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as JSON writes characters past U+FFFF
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
