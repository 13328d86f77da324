"""`check --watch` and `report --watch`: a real process, a tree edited under it, Ctrl-C."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from phonejail.watch import changes, snapshot, watch
from tests.conftest import TREES

PATIENCE = 60.0
"""Seconds to wait for a line before failing (a bound, not a timing assertion)."""

ISP = (TREES / "isp_billing.yaml").read_text(encoding="utf-8")
FIXED = (TREES / "isp_billing_fixed.yaml").read_text(encoding="utf-8")


def save(path: Path, text: str) -> None:
    """Save as editors do: write a new file beside it and rename it over the old one."""
    scratch = path.with_name(f".{path.name}.swp")
    scratch.write_text(text, encoding="utf-8")
    os.replace(scratch, path)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Watched:
    """A `phonejail ... --watch` process whose output (stdout and stderr) is read line by line."""

    def __init__(self, cwd: Path, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "phonejail", *args, "--watch"], cwd=cwd, text=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            # Ctrl-C as a terminal sends it: a suite started in the background (`pytest &`)
            # ignores SIGINT, the child would inherit that and never stop.
            preexec_fn=_default_sigint)
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def until(self, wanted: str) -> list[str]:
        """The lines up to and including the first that contains `wanted`."""
        seen: list[str] = []
        while True:
            try:
                line = self.lines.get(timeout=PATIENCE)
            except queue.Empty:
                raise AssertionError(f"{wanted!r} never came; got {seen}") from None
            if line is None:
                raise AssertionError(f"the process ended before {wanted!r}; got {seen}")
            seen.append(line)
            if wanted in line:
                return seen

    def interrupt(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=PATIENCE)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            if self.process.stdout is not None:
                self.process.stdout.close()


@pytest.fixture
def started():
    processes: list[Watched] = []

    def _start(cwd: Path, *args: str) -> Watched:
        processes.append(Watched(cwd, *args))
        return processes[-1]

    yield _start
    for p in processes:
        if p.process.poll() is None:
            p.process.kill()
            p.process.wait()


def test_check_watch_checks_again_on_every_save(tmp_path: Path, started) -> None:
    tree = tmp_path / "menu.yaml"
    save(tree, ISP)
    w = started(tmp_path, "check", "menu.yaml")
    first = w.until("watching menu.yaml for changes (Ctrl-C stops)")
    assert "menu.yaml:26:3: error PJ103 identity-gate: 'ask_phone' shuts out persona " \
           "'internet-only customer'" in first[0]
    assert "Found 2 errors and 12 warnings in 1 of 1 file." in first
    save(tree, FIXED)
    fixed = w.until("watching menu.yaml")
    assert fixed[0].startswith("phonejail: ") and fixed[0].endswith(
        " menu.yaml changed; checking again")
    assert fixed[1:] == ["No findings in 1 file.",
                         "phonejail: watching menu.yaml for changes (Ctrl-C stops)"]
    save(tree, FIXED.replace("next: main_menu", "next: main_men", 1))
    broken = w.until("watching menu.yaml")
    assert any("error PJ004 undefined-target" in line for line in broken)
    tree.unlink()  # a vanished file is reported, and watching goes on
    gone = w.until("watching menu.yaml")
    assert "'menu.yaml' does not exist" in "\n".join(gone)
    save(tree, FIXED)
    assert "No findings in 1 file." in w.until("watching menu.yaml")
    assert w.interrupt() == 0  # the exit code of the last check


def test_check_watch_sees_a_tree_added_to_a_folder(tmp_path: Path, started) -> None:
    (tmp_path / "menus").mkdir()
    save(tmp_path / "menus" / "a.yaml", FIXED)
    w = started(tmp_path, "check", "menus", "--fail-on", "warning")
    assert "No findings in 1 file." in w.until("watching menus")
    save(tmp_path / "menus" / "b.yaml", ISP)
    added = w.until("watching menus")
    assert "menus/b.yaml changed; checking again" in added[0]
    assert "Found 2 errors and 12 warnings in 1 of 2 files." in added
    assert w.interrupt() == 1


def test_report_watch_writes_the_reports_again(tmp_path: Path, started) -> None:
    tree = tmp_path / "menu.yaml"
    save(tree, ISP)
    w = started(tmp_path, "report", "menu.yaml", "-o", "out", "--callers", "200", "-q")
    w.until("watching menu.yaml")
    summary = tmp_path / "out" / "menu" / "summary.json"
    assert len(json.loads(summary.read_text())["findings"]) == 14
    save(tree, FIXED)
    w.until("writing the reports again")
    w.until("watching menu.yaml")
    assert json.loads(summary.read_text())["findings"] == []
    assert w.interrupt() == 0


def test_watch_runs_the_job_after_each_change_and_returns_the_last_code(tmp_path) -> None:
    tree = tmp_path / "t.yaml"
    tree.write_text("a")
    edits = iter([lambda: None, lambda: tree.write_text("bb"), lambda: None,
                  lambda: tree.unlink(), lambda: None])
    codes = iter([1, 0, 2])
    seen: list[list[str]] = []

    def sleep(_seconds: float) -> None:
        edit = next(edits, None)
        if edit is None:
            raise KeyboardInterrupt
        edit()

    assert watch([str(tree)], lambda: next(codes), seen.append, sleep=sleep) == 2
    assert seen == [[str(tree)], [str(tree)]]


def test_snapshots_notice_additions_removals_and_edits(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("phonejail: 1\n")
    before = snapshot([str(tmp_path)])
    (tmp_path / "b.yml").write_text("phonejail: 1\nname: b\n")
    (tmp_path / "notes.txt").write_text("not a tree")
    (tmp_path / "ci.yaml").write_text("on: [push]\n")  # not a tree: `check` skips it too
    after = snapshot([str(tmp_path)])
    assert changes(before, after) == [str(tmp_path / "b.yml")]
    (tmp_path / "a.yaml").write_text("phonejail: 1\nname: a\n")
    assert changes(after, snapshot([str(tmp_path)])) == [str(tmp_path / "a.yaml")]
    assert snapshot([str(tmp_path / "gone.yaml")]) == {str(tmp_path / "gone.yaml"): None}
