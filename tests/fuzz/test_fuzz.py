"""The fuzz target on a small fixed budget, and every crash it ever found, replayed.

A crash found by `benchmarks/fuzz.py` (or here) is saved in `tests/fuzz/crashes/` and
stays there: `test_every_crash_ever_found_stays_fixed` loads each one.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.fuzz.target import exercise, files

CRASHES = Path(__file__).parent / "crashes"
BUDGET = settings(max_examples=60, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@BUDGET
@given(files)
def test_no_file_makes_phonejail_crash(file: tuple[bytes, str]) -> None:
    data, suffix = file
    with tempfile.TemporaryDirectory() as folder:
        exercise(data, suffix, Path(folder))


@pytest.mark.parametrize("crash", sorted(CRASHES.iterdir()), ids=lambda p: p.name)
def test_every_crash_ever_found_stays_fixed(crash: Path, tmp_path: Path) -> None:
    exercise(crash.read_bytes(), crash.suffix, tmp_path)
