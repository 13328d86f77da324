"""`phonejail call` at a real terminal: tmux types the keys and reads the screen."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from itertools import count

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

PATIENCE = 30.0
"""Seconds to wait for text to appear before failing (a bound, not a timing assertion)."""
_SERVERS = count()


class Terminal:
    """One tmux session on a private server, so the test touches no one else's.

    A new server per terminal: starting a session on a server that the previous test
    just killed races with its exit ("server exited unexpectedly").
    """

    def __init__(self, command: list[str]) -> None:
        name = f"phonejail-test-{os.getpid()}-{next(_SERVERS)}"
        self.server = ["tmux", "-L", name, "-f", os.devnull]
        shell = f"cd {shlex.quote(str(ROOT))} && {shlex.join(command)}; echo '[exited '$?']'; " \
                "sleep 60"
        subprocess.run([*self.server, "new-session", "-d", "-s", "call", "-x", "200", "-y",
                        "100", shell], check=True)

    def screen(self) -> str:
        return subprocess.run([*self.server, "capture-pane", "-p", "-t", "call", "-S", "-"],
                              check=True, capture_output=True, text=True).stdout

    def wait_for(self, text: str) -> str:
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen:\n{self.screen()}")

    def type(self, line: str) -> None:
        subprocess.run([*self.server, "send-keys", "-t", "call", line, "Enter"], check=True)

    def close(self) -> None:
        subprocess.run([*self.server, "kill-server"], check=False, capture_output=True)


@pytest.fixture
def terminal():
    opened: list[Terminal] = []

    def _open(*args: str) -> Terminal:
        opened.append(Terminal([sys.executable, "-m", "phonejail", *args]))
        return opened[-1]

    yield _open
    for t in opened:
        t.close()


def test_a_designer_dials_the_isp_story_at_a_terminal(terminal) -> None:
    t = terminal("call", "trees/isp_billing.yaml", "--persona", "bill payer")
    t.wait_for("give your home phone number? (y/n")
    t.type("y")
    t.wait_for("press a key (1, 2; q hangs up)>")
    t.type("1")
    t.wait_for("you press 1 -> billing_menu")
    t.type("5")  # not offered: a wrong key, and the menu plays again
    t.wait_for("failed: try 2 of 3 -> billing_menu")
    t.type("1")
    t.wait_for("pay_by_phone draws: 1) 80% resolved  2) 20% agent_billing_manila")
    t.type("2")  # the designer picks the failed payment
    t.wait_for("you pick: agent_billing_manila")
    screen = t.wait_for("[exited 0]")
    assert "the agent asks for your home phone number (asked again)" in screen
    assert "on hold 5:00 in queue billing (Manila)" in screen
    assert "Outcome: resolved (agent_billing_manila settled it)." in screen


def test_q_hangs_up(terminal) -> None:
    t = terminal("call", "trees/isp_billing.yaml", "--persona", "bill payer")
    t.wait_for("give your home phone number?")
    t.type("q")
    screen = t.wait_for("[exited 0]")
    assert "Outcome: abandoned (you hung up)." in screen
