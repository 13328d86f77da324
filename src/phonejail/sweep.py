"""Run one piece of work per tree on many trees at once: processes here, or a Dask cluster.

A contact centre has hundreds of flows. `sweep` maps a function over the files in
parallel and returns the results in the order of the files, so `--jobs 8` prints
byte for byte what `--jobs 1` prints. The work runs where it is sent and returns
plain records: writing files and printing stay in the calling process.

Executors:
- `local`: a pool of `jobs` processes on this machine (fork where the platform has
  it, so workers start with phonejail already imported). `jobs=1`, or a single
  file, runs in this process with no pool at all.
- `dask`: the tasks go to a Dask cluster (`pip install phonejail[dask]`): the
  scheduler at `scheduler` (e.g. tcp://10.0.0.5:8786), or without one a local
  cluster of `jobs` single-threaded worker processes.
"""

from __future__ import annotations

import copyreg
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from types import MappingProxyType
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

EXECUTORS = ("local", "dask")

# multiprocessing, concurrent.futures and pickle are imported by the pool that needs them:
# `check` of one tree (an editor on every save) runs in this process and never loads them.

# Trees and configurations keep their mappings read-only; a read-only mapping travels to a
# worker and back as the plain dict it wraps, and is read-only again on arrival.
def _read_only(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(mapping)


copyreg.pickle(MappingProxyType, lambda m: (_read_only, (dict(m),)))


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

    `work` must be a module-level function (or a partial of one) and items and
    results picklable. An exception raised by `work` is raised here (work that can
    fail should return its failure as a record instead, as phonejail's checks do).
    """
    return list(results(work, items, jobs, executor, scheduler, progress))


def results(work: Callable[[Item], Result], items: Sequence[Item], jobs: int | None = None,
            executor: str = "local", scheduler: str | None = None,
            progress: Callable[[int], None] | None = None) -> Iterator[Result]:
    """Like `sweep`, but each result is handed over as soon as it and those before it are
    done, so a caller can write it out and let it go (reports hold megabytes of figures).
    """
    if executor not in EXECUTORS:
        raise SweepError(f"no executor {executor!r}; choose one of {', '.join(EXECUTORS)}")
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise SweepError(f"--jobs must be at least 1, not {jobs}")
    if executor == "dask":
        yield from _on_dask(work, items, jobs, scheduler, progress)
    elif jobs == 1 or len(items) <= 1:
        for item in items:
            yield work(item)
            if progress:
                progress(1)
    else:
        yield from _on_processes(work, items, min(jobs, len(items)), progress)


def _context() -> Any:
    # fork: workers inherit the imported modules and start in milliseconds. Where a
    # platform has no fork (Windows) or makes it unsafe (macOS), its default is kept.
    import multiprocessing

    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _on_processes(work: Callable[[Item], Result], items: Sequence[Item], jobs: int,
                  progress: Callable[[int], None] | None) -> Iterator[Result]:
    import pickle
    from concurrent.futures import ProcessPoolExecutor

    pickle.dumps(work)  # fails here, not as a silent hang in the pool's feeder thread
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_context())
    try:
        futures = [pool.submit(work, item) for item in items]
        yield from _in_order(futures, progress)
    finally:  # also when the caller stops early (a write failed): drop what is not started
        pool.shutdown(wait=True, cancel_futures=True)


def _in_order(futures: Sequence[Any], progress: Callable[[int], None] | None) -> Iterator[Any]:
    for future in futures:
        yield future.result()
        if progress:
            progress(1)


def _on_dask(work: Callable[[Item], Result], items: Sequence[Item], jobs: int,
             scheduler: str | None,
             progress: Callable[[int], None] | None) -> Iterator[Result]:
    try:
        from distributed import Client, LocalCluster
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
        yield from _in_order(futures, progress)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
