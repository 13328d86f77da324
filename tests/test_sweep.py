"""Org-wide sweeps: `--jobs N` and a Dask cluster print exactly what one process prints."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from phonejail.config import Config
from phonejail.lint import check_paths
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


def _phonejail(*args: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"}
    return subprocess.run([sys.executable, "-m", "phonejail", *map(str, args)],
                          capture_output=True, text=True, timeout=300, env=env)


# Dask runs in child processes here: a cluster's sockets and threads must not outlive the
# test inside pytest's own process.
CLUSTER = """
import sys
from distributed import LocalCluster
with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster:
    print(cluster.scheduler_address, flush=True)
    sys.stdin.read()
"""


def test_a_dask_cluster_checks_what_one_process_checks(folder: Path) -> None:
    pytest.importorskip("distributed")
    serial = _phonejail("check", folder, "--format", "json", "--jobs", "1")
    local = _phonejail("check", folder, "--format", "json", "--executor", "dask", "--jobs", "2")
    assert (local.returncode, local.stdout) == (serial.returncode, serial.stdout) == \
        (1, serial.stdout)
    with subprocess.Popen([sys.executable, "-c", CLUSTER], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as cluster:
        address = cluster.stdout.readline().strip()
        assert address.startswith("tcp://")
        remote = _phonejail("check", folder, "--format", "json", "--executor", "dask",
                            "--scheduler", address)
        cluster.stdin.close()
    assert (remote.returncode, remote.stdout) == (1, serial.stdout)


def test_an_unreachable_scheduler_is_a_usage_error(folder: Path) -> None:
    pytest.importorskip("distributed")
    done = _phonejail("check", folder, "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9")
    assert done.returncode == 2
    assert "cannot reach the Dask scheduler tcp://127.0.0.1:9" in done.stderr
    assert "Traceback" not in done.stderr


def test_reports_written_in_parallel_are_the_same_files(run, tmp_path: Path) -> None:
    trees = sorted(TREES.glob("*.yaml"))
    serial = run("report", *trees, "-o", tmp_path / "one", "--jobs", "1", "--callers", "500")
    parallel = run("report", *trees, "-o", tmp_path / "two", "--jobs", "2", "--callers", "500")
    assert serial[0] == parallel[0] == 1
    one = {p.relative_to(tmp_path / "one"): p.read_bytes()
           for p in sorted((tmp_path / "one").rglob("*")) if p.is_file()}
    two = {p.relative_to(tmp_path / "two"): p.read_bytes()
           for p in sorted((tmp_path / "two").rglob("*")) if p.is_file()}
    assert one.keys() == two.keys() and len(one) > 4 * len(trees)
    assert [k for k in one if one[k] != two[k]] == []


def test_work_that_cannot_travel_fails_at_once() -> None:
    with pytest.raises(AttributeError):  # a local function cannot be pickled
        sweep(lambda x: x, [1, 2], jobs=2)
