"""Org-wide sweeps: `--jobs N` and a Dask cluster print exactly what one process prints."""

from __future__ import annotations

import shutil
import sys
from functools import partial
from pathlib import Path

import pytest

from phonejail.config import Config
from phonejail.lint import check_file, check_paths
from phonejail.sweep import SweepError, sweep
from tests.conftest import TREES

FIXTURES = Path(__file__).parent / "rules"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Example trees and rule fixtures (good and bad, some that do not load) in one folder."""
    out = tmp_path_factory.mktemp("sweep")
    for path in [*sorted(TREES.glob("*.yaml")), *sorted(FIXTURES.rglob("*.yaml"))[:30]]:
        shutil.copy(path, out / f"{path.parent.name}-{path.name}")
    return out


def test_results_come_back_in_the_order_of_the_items() -> None:
    items = list(range(40))
    assert sweep(abs, [-i for i in items], jobs=3) == items


def test_progress_counts_every_item_once() -> None:
    ticks: list[int] = []
    sweep(abs, list(range(7)), jobs=2, progress=ticks.append)
    assert sum(ticks) == 7


def test_a_failure_in_a_worker_is_raised_here() -> None:
    with pytest.raises(TypeError):
        sweep(abs, [1, "x", 3], jobs=2)


def test_nonsense_jobs_and_executors_are_refused() -> None:
    with pytest.raises(SweepError, match="at least 1"):
        sweep(abs, [1], jobs=0)
    with pytest.raises(SweepError, match="no executor 'ray'"):
        sweep(abs, [1], executor="ray")


def test_checking_in_parallel_finds_what_one_process_finds(folder: Path) -> None:
    one = check_paths([folder], Config(), jobs=1)
    many = check_paths([folder], Config(), jobs=2)
    assert one == many
    assert len(one.files) > 10 and one.findings


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github"])
def test_cli_output_is_byte_identical_for_any_jobs(run, folder: Path, fmt: str) -> None:
    serial = run("check", folder, "--format", fmt, "--jobs", "1")
    parallel = run("check", folder, "--format", fmt, "--jobs", "3")
    assert serial == parallel
    assert serial[0] == 1  # the fixtures hold errors


def test_dask_without_dask_installed_says_how_to_get_it(run, folder: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    code, out, err = run("check", folder, "--executor", "dask")
    assert code == 2
    assert "pip install 'phonejail[dask]'" in err and out == ""


def test_a_dask_cluster_checks_what_one_process_checks(run, folder: Path) -> None:
    distributed = pytest.importorskip("distributed")
    serial = run("check", folder, "--format", "json", "--jobs", "1")
    local = run("check", folder, "--format", "json", "--executor", "dask", "--jobs", "2")
    assert local == serial
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = run("check", folder, "--format", "json", "--executor", "dask",
                     "--scheduler", cluster.scheduler_address)
        on_library = sweep(partial(check_file, config=Config()), [str(p) for p in
                           sorted(folder.glob("*.yaml"))[:3]], executor="dask",
                           scheduler=cluster.scheduler_address)
    assert remote == serial
    assert [check_file(str(p), Config()) for p in sorted(folder.glob("*.yaml"))[:3]] == \
        on_library
