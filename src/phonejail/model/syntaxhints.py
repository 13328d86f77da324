"""YAML syntax errors that teach: the common mistakes in a phone tree, each with a plain
message, how to fix it, and the line and column where the mistake is (not where the
parser gave up).

libyaml reports where it stopped: an unclosed quote is "unexpected end of stream" at
the end of the file, an unquoted `:` in a prompt is "mapping values are not allowed"
somewhere in the text. `explain` looks at the line the parser names, the line it started
the construct on, and the indentation around them, and says what a designer wrote.
Anything it does not recognise keeps the parser's own words.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_VALUE_START = re.compile(r"^(?P<lead>\s*(?:-\s+)?(?P<key>[\w.-]+)\s*:\s+)(?P<value>\S.*)$")
_ENTRY = re.compile(r"^(?P<lead>\s*-\s+)(?P<value>[*&@`%!].*)$")
_INDICATORS = {
    "*": "YAML reads `*name` as an alias",
    "&": "YAML reads `&name` as an anchor",
    "!": "YAML reads `!name` as a tag",
    "@": "YAML reserves `@` at the start of a value",
    "`": "YAML reserves a backtick at the start of a value",
    "%": "YAML reads `%` at the start of a line as a directive",
}


class Hint(NamedTuple):
    line: int
    column: int
    message: str


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _indicator(line: str, number: int) -> Hint | None:
    """A value starting with `*`, `&`, `!`, `@`, a backtick or `%`: quote it."""
    found = _VALUE_START.match(line)
    if found and found.group("value")[0] in _INDICATORS:
        value, lead = found.group("value").split(" #")[0].rstrip(), found.group("lead")
        key = found.group("key")
        return Hint(number, len(lead) + 1,
                    f"the value of `{key}:` starts with `{value[0]}`, and "
                    f"{_INDICATORS[value[0]]}: quote the text, "
                    f"{key}: {_short(_quoted(value))}")
    entry = _ENTRY.match(line)
    if entry:
        value = entry.group("value").rstrip()
        return Hint(number, len(entry.group("lead")) + 1,
                    f"this list item starts with `{value[0]}`, and {_INDICATORS[value[0]]}: "
                    f"quote it, - {_short(_quoted(value))}")
    return None


def _colon_in_text(line: str, number: int, column: int) -> Hint | None:
    """`say: Hours: Monday to Friday`: a `: ` inside unquoted text."""
    found = _VALUE_START.match(line)
    if not found or column <= len(found.group("lead")):
        return None
    value, key = found.group("value").rstrip(), found.group("key")
    if value[0] in "\"'{[":
        return None
    return Hint(number, len(found.group("lead")) + 1,
                f"the text of `{key}:` holds `: `, which YAML reads as the start of another "
                f"key; quote the text, {key}: {_short(_quoted(value))}")


def _indentation(lines: list[str], number: int) -> Hint | None:
    """A line indented to no level used above it: one space too many or too few."""
    line = lines[number - 1]
    here = _indent(line)
    above = [_indent(text) for text in lines[:number - 1]
             if text.strip() and not text.lstrip().startswith("#")]
    if not above or here in above:
        return None
    previous = above[-1]
    levels = sorted(set(above))
    # On a tie, the level of the line before wins, then the deeper one (a key that
    # belongs one level in is the likelier slip).
    nearest = min(levels, key=lambda level: (abs(level - here), level != previous, -level))
    difference = here - nearest
    how = (f"{abs(difference)} space{'s' * (abs(difference) != 1)} "
           f"{'too many' if difference > 0 else 'too few'}")
    shown = ", ".join(str(level) for level in levels)
    return Hint(number, 1,
                f"line {number} is indented {here} space{'s' * (here != 1)}, a level no line "
                f"above uses ({shown}; the line before uses {previous}): probably {how}. "
                "Keys of one mapping line up exactly; indent with spaces")


def explain(text: str, problem: str | None, problem_mark: tuple[int, int] | None,
            context: str | None, context_mark: tuple[int, int] | None) -> Hint | None:
    """A teaching message for a parser error, or None to keep the parser's words.

    Marks are 1-based (line, column).
    """
    lines = text.splitlines() or [""]
    problem = problem or ""
    context = context or ""
    stopped, column = problem_mark or (1, 1)
    line_no = min(max(stopped, 1), len(lines))
    line = lines[line_no - 1]

    tab = next((i for i, text_line in enumerate(lines[:line_no], start=1)
                if "\t" in text_line[:len(text_line) - len(text_line.lstrip(" \t"))]), None)
    if "cannot start any token" in problem and tab is not None:
        tab_line = lines[tab - 1]
        return Hint(tab, tab_line.index("\t") + 1,
                    "a tab in the indentation: YAML indents with spaces only; replace the "
                    "tab with spaces (your editor can convert them)")

    for number in dict.fromkeys(n for n in (line_no, context_mark and context_mark[0]) if n):
        if 1 <= number <= len(lines):
            hint = _indicator(lines[number - 1], number)
            if hint:
                return hint

    if "quoted scalar" in context and context_mark:
        quote_line = lines[context_mark[0] - 1] if context_mark[0] <= len(lines) else ""
        quote = quote_line[context_mark[1] - 1:context_mark[1]] or '"'
        return Hint(context_mark[0], context_mark[1],
                    f"this {quote} is never closed: end the text with a matching {quote} on "
                    f"the same line (write {quote}{quote} for a quote inside single quotes, "
                    '\\" inside double quotes)' if quote == "'" or quote == '"' else
                    "this quote is never closed")

    if "flow mapping" in context or "flow sequence" in context:
        opener, closer = ("{", "}") if "mapping" in context else ("[", "]")
        if context_mark and context_mark[0] != stopped:
            return Hint(context_mark[0], context_mark[1],
                        f"this `{opener}` is not closed on its line: end it with `{closer}` "
                        "(a `{...}` or `[...]` may span lines only inside the brackets, "
                        "with commas between items)")
        return Hint(line_no, column,
                    f"expected `,` or `{closer}` here: separate the items of "
                    f"`{opener}...{closer}` with commas, and quote text that holds `,`, "
                    f"`{closer}` or `: `")

    if "mapping values are not allowed" in problem:
        hint = _colon_in_text(line, line_no, column)
        if hint:
            return hint
        hint = _indentation(lines, line_no)
        if hint:
            return hint
        if line_no > 1:
            before = lines[line_no - 2]
            if before.strip() and _indent(before) < _indent(line):
                return Hint(line_no, 1,
                            f"line {line_no} is indented deeper than line {line_no - 1}, "
                            "whose value is already given: line it up with the key above, or "
                            f"quote the text of line {line_no - 1} if it goes on here")

    if "expected key" in problem or "expected <block end>" in problem:
        hint = _indentation(lines, line_no)
        if hint:
            return hint
    return None
