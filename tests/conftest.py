"""Shared helpers: load a tree from text, check it, run the CLI and capture what it prints."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import settings

from phonejail.cli import main
from phonejail.config import Config
from phonejail.findings import Finding
from phonejail.lint import check_loaded
from phonejail.model import Loaded, load_bytes

# In CI (CI=true) property tests replay the same examples every run, so a landing never
# depends on luck; locally they explore new examples each time. No per-example deadline
# in either: speed is measured in benchmarks/, and a busy 2-core machine must not fail a test.
settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None)
settings.register_profile("local", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "local")

ROOT = Path(__file__).resolve().parent.parent
TREES = ROOT / "trees"


def load(text: str, path: str = "t.yaml") -> Loaded:
    return load_bytes(textwrap.dedent(text).encode(), path)


def check(text: str, config: Config | None = None) -> list[Finding]:
    return check_loaded(load(text), config or Config())


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]):
    """Run `phonejail ARGS`; return (exit code, stdout, stderr)."""

    def _run(*args: str) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return _run


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the repository root, so paths in output read `trees/...`."""
    monkeypatch.chdir(ROOT)
    return ROOT
