"""The designer at the keyboard: a `Caller` that asks on a terminal (or any line stream).

Reading and writing are passed in, so this module never touches the console itself and
tests can drive it with a list of lines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from phonejail.call import IdentityAsked, Offered
from phonejail.model.tree import DTMF_KEYS

HANG_UP = frozenset({"q", "quit", "hangup", "hang up"})


@dataclass
class TerminalCaller:
    """Asks for each key and answer; at a draw, Enter leaves it to the seed."""

    read: Callable[[str], str | None]
    """Shows a prompt and returns the line typed (None at end of input)."""
    say: Callable[[str], None]
    """Shows a line of help."""

    def press(self, offered: Offered) -> str | None:
        keys = ", ".join(k.key for k in offered.keys)
        while True:
            verb = "press a key" if offered.heard is None else "say a choice by its key"
            line = self.read(f"{verb} ({keys}; q hangs up)> ")
            if line is None or line.strip().lower() in HANG_UP:
                return None
            key = line.strip()
            if key in DTMF_KEYS:
                return key
            self.say("    one phone key: 0-9, * or #")

    def give(self, asked: IdentityAsked) -> bool | None:
        while True:
            line = self.read(f"give your {asked.label}? (y/n, or type {asked.fact}; "
                             "q hangs up)> ")
            if line is None:
                return None
            answer = line.strip().lower()
            if answer in HANG_UP:
                return None
            if answer in ("y", "yes", asked.fact.lower()):
                return True
            if answer in ("n", "no"):
                return False
            self.say("    y to give it, n if you cannot")

    def pick(self, node: str, odds: Sequence[tuple[float, str]]) -> int | None:
        choices = "  ".join(f"{i}) {p:.0%} {to}" for i, (p, to) in enumerate(odds, 1))
        while True:
            line = self.read(f"{node} draws: {choices}; Enter draws, or pick 1-{len(odds)}> ")
            if line is None or not line.strip():
                return None
            if line.strip().isdigit() and 1 <= int(line.strip()) <= len(odds):
                return int(line.strip()) - 1
            self.say(f"    Enter, or a number from 1 to {len(odds)}")
