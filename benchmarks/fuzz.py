"""A fuzzing campaign over the loader, both importers, `check`, the engines and the renderers.

    .venv/bin/python benchmarks/fuzz.py --examples 20000 [--seed N]

Runs the suite's fuzz target (`tests/fuzz/target.py`) for as many examples as asked and
saves each distinct crash (by exception type and place) to `tests/fuzz/crashes/`, where
the test suite replays it from then on. Exit 1 if anything crashed.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from tests.fuzz.target import exercise, files  # noqa: E402

CRASHES = Path(__file__).resolve().parents[1] / "tests" / "fuzz" / "crashes"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    found: dict[str, Path] = {}
    count = 0
    started = time.monotonic()

    @settings(max_examples=args.examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(files)
    def campaign(file: tuple[bytes, str]) -> None:
        nonlocal count
        count += 1
        data, suffix = file
        with tempfile.TemporaryDirectory() as folder:
            try:
                exercise(data, suffix, Path(folder))
            except Exception as error:  # every exception is a finding of the campaign
                where = traceback.extract_tb(error.__traceback__)[-1]
                key = f"{type(error).__name__} {Path(where.filename).name}:{where.lineno}"
                if key not in found:
                    digest = hashlib.sha256(data).hexdigest()[:12]
                    path = CRASHES / f"{type(error).__name__.lower()}-{digest}{suffix}"
                    path.write_bytes(data)
                    found[key] = path
                    print(f"crash: {key} -> {path.name}", flush=True)

    if args.seed is not None:
        campaign = seed(args.seed)(campaign)
    campaign()
    elapsed = time.monotonic() - started
    print(f"{count:,} files in {elapsed:.0f} s ({count / elapsed:.0f}/s); "
          f"{len(found)} distinct crash(es)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
