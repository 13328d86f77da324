"""Inline suppressions: `# phonejail: ignore[PJ101] reason` in a tree (docs/configuration.md).

A suppression covers:
- the line it ends, and every finding of a node when that line is the node's first
  line (`ask_phone:  # phonejail: ignore[PJ103] ...`, or a one-line `{...}` node);
- when the comment stands alone on its line, the next line that is not blank or a
  comment (so a long line needs no longer).

A reason is required: a suppression is a decision a reviewer must be able to read.
Comments that start `# phonejail:` but cannot be used are PJ007 (and hide nothing);
codes that hid nothing are PJ006, as ruff's RUF100 does for `# noqa`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from phonejail.findings import Problem
from phonejail.model.build import did_you_mean
from phonejail.rules import FORMAT_CODES, RULES, SUPPRESSION_CODES

_HASH = re.compile(r"(?:^|(?<=\s))#")
"""Where a YAML comment can start: a `#` at the start of a line or after white space."""
_COMMENT = re.compile(r"#\s*phonejail\s*:(?P<body>.*)$")
_IGNORE = re.compile(r"\s*ignore\s*\[(?P<codes>[^\]]*)\](?P<reason>.*)$")
_DIRECTIVE = re.compile(r"\s*(?P<word>[A-Za-z][\w-]*)\s*(?P<sign>[=\[(:]?)")
_LOOKS_LIKE_A_DIRECTIVE = frozenset({
    "ignore", "ignore-line", "ignore-next-line", "ignore-file", "disable", "disable-line",
    "disable-next-line", "disable-file", "noqa", "skip", "off", "suppress", "nolint",
    "allow", "pragma",
})
"""Words another linter's suppression starts with; any other text after `# phonejail:`
(a note such as `# phonejail: the bank's main line`) is just a comment."""
FORM = "# phonejail: ignore[PJ101] reason"
_BY_NAME = {rule.NAME: code for code, rule in RULES.items()}


@dataclass(frozen=True)
class Suppression:
    """One valid comment: the rules it names, where it is, and the line it covers."""

    line: int
    covers: int
    codes: tuple[tuple[str, int], ...]
    """(code, 1-based column of the code as written) for each rule named."""
    reason: str


def _outside_quotes(line: str, end: int) -> bool:
    """True if `line[:end]` closes every double-quoted and single-quoted string it opens.

    YAML only starts a comment outside a string; a `#` in `say: "press # then 1"` is
    text. Plain scalars cannot hold ` #`, so only quoted ones need counting.
    """
    double = single = False
    i = 0
    while i < end:
        char = line[i]
        if double:
            if char == "\\":
                i += 1
            elif char == '"':
                double = False
        elif single:
            if char == "'":
                single = False  # '' (an escaped quote) reopens at once on the next char
        elif char == '"' and (i == 0 or line[i - 1] in " \t:[{,-?"):
            double = True
        elif char == "'" and (i == 0 or line[i - 1] in " \t:[{,-?"):
            single = True
        i += 1
    return not double and not single


def parse(text: str) -> tuple[list[Suppression], list[Problem]]:
    """Every `# phonejail:` comment in `text`: the valid ones, and PJ007 for the others."""
    lines = text.splitlines()
    suppressions: list[Suppression] = []
    problems: list[Problem] = []
    for number, line in enumerate(lines, start=1):
        if "phonejail" not in line or "#" not in line:
            continue
        start = next((m.start() for m in _HASH.finditer(line)
                      if _outside_quotes(line, m.start())), None)
        found = None if start is None else _COMMENT.search(line, start)
        if found is None:
            continue
        hash_column = found.start() + 1
        body_start = found.start("body")
        body = found.group("body")
        directive = _DIRECTIVE.match(body)
        if directive is None or (directive.group("word").lower() not in
                                 _LOOKS_LIKE_A_DIRECTIVE and not directive.group("sign")):
            continue  # prose after `# phonejail:`, not meant as a directive
        ignore = _IGNORE.match(body)
        if ignore is None or directive.group("word") != "ignore":
            problems.append(Problem("PJ007", number, hash_column,
                                    f"'{line[found.start():].strip()}' is not a suppression "
                                    f"phonejail understands; write `{FORM}`"))
            continue
        codes, bad = _codes(ignore.group("codes"), number, body_start + ignore.start("codes"))
        problems.extend(bad)
        reason = ignore.group("reason").strip(" \t-:—")
        if not reason:
            problems.append(Problem("PJ007", number, hash_column,
                                    "a suppression needs a reason after the brackets, for "
                                    f"whoever reviews it: `{FORM}`"))
            continue
        if not codes:
            if not bad:
                problems.append(Problem("PJ007", number, hash_column,
                                        f"no rule in the brackets; name one: `{FORM}`"))
            continue
        covers = number
        if not line[:start].strip():  # alone on its line: covers the next code line
            covers = next((n for n in range(number + 1, len(lines) + 1)
                           if lines[n - 1].strip() and not lines[n - 1].lstrip().startswith("#")),
                          number)
        suppressions.append(Suppression(number, covers, tuple(codes), reason))
    return suppressions, problems


def _codes(written: str, line: int, offset: int) -> tuple[list[tuple[str, int]], list[Problem]]:
    """The codes in `ignore[...]` with their columns; PJ007 for each that cannot be used."""
    codes: list[tuple[str, int]] = []
    problems: list[Problem] = []
    position = 0
    for part in written.split(","):
        entry = part.strip()
        column = offset + position + (len(part) - len(part.lstrip())) + 1
        position += len(part) + 1
        if not entry:
            continue
        code = _BY_NAME.get(entry.lower(), entry.upper())
        if code not in RULES:
            problems.append(Problem("PJ007", line, column,
                                    f"'{entry}' is no rule{did_you_mean(code, RULES)}; "
                                    "`phonejail explain` lists them"))
        elif code in FORMAT_CODES or code in SUPPRESSION_CODES:
            what = "a format rule: a tree that does not load cannot be checked" \
                if code in FORMAT_CODES else "about suppressions themselves"
            problems.append(Problem("PJ007", line, column,
                                    f"{code} cannot be suppressed ({what}); fix the YAML"
                                    if code in FORMAT_CODES else
                                    f"{code} cannot be suppressed ({what}); remove or fix "
                                    "the comment"))
        else:
            codes.append((code, column))
    return codes, problems


@dataclass(frozen=True)
class Outcome:
    kept: list[Problem]
    """The problems no suppression covers, then PJ006 and PJ007 problems."""
    suppressed: int


def apply(problems: Iterable[Problem], text: str, node_lines: Mapping[str, int],
          ran: Callable[[str], bool]) -> Outcome:
    """Drop the problems a valid suppression covers; add PJ006 for codes that hid nothing
    (only for rules that ran: `ran(code)`) and PJ007 for comments that cannot be used.

    `node_lines` maps each node id to its first line, where a suppression covers all of
    the node's findings.
    """
    suppressions, bad = parse(text)
    if not suppressions:
        return Outcome([*problems, *bad], 0)
    by_line: dict[int, list[Suppression]] = {}
    for s in suppressions:
        by_line.setdefault(s.covers, []).append(s)
    used: set[tuple[int, str]] = set()
    kept: list[Problem] = []
    suppressed = 0
    for problem in problems:
        lines = {problem.line}
        if problem.node is not None and problem.node in node_lines:
            lines.add(node_lines[problem.node])
        hit = next(((s.line, problem.code) for n in sorted(lines) for s in by_line.get(n, ())
                    if problem.code in (c for c, _ in s.codes)), None)
        if hit is None or problem.code in FORMAT_CODES:
            kept.append(problem)
        else:
            used.add(hit)
            suppressed += 1
    unused = [Problem("PJ006", s.line, column,
                      f"`ignore[{code}]` hides nothing here: {code} "
                      f"({RULES[code].NAME}) found nothing on this "
                      f"{'node' if s.covers in node_lines.values() else 'line'}; "
                      "remove it")
              for s in suppressions for code, column in s.codes
              if (s.line, code) not in used and ran(code)]
    return Outcome([*kept, *unused, *bad], suppressed)
