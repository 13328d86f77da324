"""Run a job again whenever a tree is saved: `phonejail check --watch`, `report --watch`.

Polls modification times (no dependency, works on every file system, network
mounts included) of the files the job reads: every tree under the paths given,
so a tree added to a folder counts, and the configuration file. The library
never prints; the command says what changed through `on_change`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from phonejail.lint import MissingPath, collect

POLL_SECONDS = 0.5
"""How often the files are looked at: a save shows within half a second."""

Snapshot = dict[str, tuple[int, int] | None]
"""path -> (modification time in ns, size), None for a path that does not exist."""


def snapshot(paths: Sequence[str], extra: Iterable[str] = ()) -> Snapshot:
    """What the job would read now; a path that vanished (mid-save, deleted) is None."""
    seen: Snapshot = {}
    for raw in paths:
        try:
            files = collect([raw])
        except MissingPath:
            seen[raw] = None
            continue
        for name in files:
            seen[name] = _stat(name)
    for name in extra:
        seen[name] = _stat(name)
    return seen


def _stat(name: str) -> tuple[int, int] | None:
    try:
        status = Path(name).stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """The paths added, removed or modified between two snapshots, sorted."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p)
                  or (p in before) != (p in after))


def watch(paths: Sequence[str], job: Callable[[], int],
          on_change: Callable[[list[str]], None], extra: Iterable[str] = (),
          on_ready: Callable[[], None] = lambda: None, poll_seconds: float = POLL_SECONDS,
          sleep: Callable[[float], None] = time.sleep) -> int:
    """Run `job`, then again after every change to the files under `paths` (and `extra`).

    Runs until interrupted (Ctrl-C) and returns the exit code of the last job that
    finished; `on_ready` is called after each job, once its code is kept. The
    snapshot is taken before each run, so a save made while the job runs starts
    another run.
    """
    extra = tuple(extra)
    code = None
    try:
        seen = snapshot(paths, extra)
        code = job()
        on_ready()
        while True:
            sleep(poll_seconds)
            now = snapshot(paths, extra)
            changed = changes(seen, now)
            if changed:
                seen = now
                on_change(changed)
                code = job()
                on_ready()
    except KeyboardInterrupt:
        return 130 if code is None else code
