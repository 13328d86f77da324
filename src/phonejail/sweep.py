"""Run one piece of work per tree on many trees at once: processes here, or a Dask cluster.

A contact centre has hundreds of flows. `sweep` maps a function over the files in
parallel and returns the results in the order of the files, so `--jobs 8` prints
byte for byte what `--jobs 1` prints; only the progress bar moves in the order
work finishes. The work runs where it is sent and returns plain records: writing
files and printing stay in the calling process.

Executors:
- `local`: a pool of `jobs` processes on this machine (fork where the platform has
  it, so workers start with phonejail already imported). `jobs=1`, or a single
  file, runs in this process with no pool at all.
- `dask`: the tasks go to a Dask cluster (`pip install phonejail[dask]`): the
  scheduler at `scheduler` (e.g. tcp://10.0.0.5:8786), or without one a local
  cluster of `jobs` single-threaded worker processes.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

EXECUTORS = ("local", "dask")


class SweepError(Exception):
    """The sweep cannot run as asked (no Dask installed, scheduler unreachable); says why."""


def default_jobs() -> int:
    """The cores this process may use (a CI runner's share, not the host's total)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS and Windows have no affinity call
        return max(1, os.cpu_count() or 1)


def sweep(work: Callable[[Item], Result], items: Sequence[Item], jobs: int | None = None,
          executor: str = "local", scheduler: str | None = None,
          progress: Callable[[int], None] | None = None) -> list[Result]:
    """`[work(item) for item in items]`, computed in parallel; results in the items' order.

    `work` must be a module-level function and items and results picklable. An
    exception raised by `work` is raised here (work that can fail should return
    its failure as a record instead, as phonejail's checks do).
    """
    if executor not in EXECUTORS:
        raise SweepError(f"no executor {executor!r}; choose one of {', '.join(EXECUTORS)}")
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise SweepError(f"--jobs must be at least 1, not {jobs}")
    if executor == "dask":
        return _on_dask(work, items, jobs, scheduler, progress)
    if jobs == 1 or len(items) <= 1:
        return _here(work, items, progress)
    return _on_processes(work, items, min(jobs, len(items)), progress)


def _here(work: Callable[[Item], Result], items: Sequence[Item],
          progress: Callable[[int], None] | None) -> list[Result]:
    results = []
    for item in items:
        results.append(work(item))
        if progress:
            progress(1)
    return results


def _context() -> Any:
    # fork: workers inherit the imported modules and start in milliseconds. Where a
    # platform has no fork (Windows) or makes it unsafe (macOS), its default is kept.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _on_processes(work: Callable[[Item], Result], items: Sequence[Item], jobs: int,
                  progress: Callable[[int], None] | None) -> list[Result]:
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_context()) as pool:
        futures = [pool.submit(work, item) for item in items]
        return _gather(futures, progress)


def _gather(futures: Sequence[Future[Result]] | Sequence[Any],
            progress: Callable[[int], None] | None) -> list[Result]:
    for done in as_completed(futures):
        done.result()  # raise the first failure now, not after the rest finish
        if progress:
            progress(1)
    return [f.result() for f in futures]


def _on_dask(work: Callable[[Item], Result], items: Sequence[Item], jobs: int,
             scheduler: str | None,
             progress: Callable[[int], None] | None) -> list[Result]:
    try:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed
    except ImportError:
        raise SweepError("--executor dask needs Dask: pip install 'phonejail[dask]'") from None
    cluster = None
    try:
        if scheduler is None:
            cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                   dashboard_address=":0")  # no fixed port to clash on
        # How long to try a scheduler is Dask's own setting (distributed.comm.timeouts.connect,
        # e.g. DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=10s), as for any Dask client.
        client = Client(cluster if cluster is not None else scheduler)
    except OSError as error:
        if cluster is not None:
            cluster.close()
        raise SweepError(f"cannot reach the Dask scheduler {scheduler}: {error}") from None
    try:
        futures = client.map(work, list(items), pure=False)
        for done in dask_completed(futures):
            done.result()
            if progress:
                progress(1)
        return client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
