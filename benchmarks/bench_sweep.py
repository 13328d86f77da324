"""Org-wide sweeps: `phonejail check DIR` with --jobs 1, --jobs 2 and a local Dask cluster.

    .venv/bin/python benchmarks/bench_sweep.py [TREES ...]   (default: 24 500)

A contact centre's folder of flows is stood in for by bank-shaped trees
(benchmarks/generate_bank.py) of 100 to 400 nodes, each with its own seed. Each
run is a new `phonejail check` process, as CI runs it; the Dask cluster is the
local one `--executor dask` starts (its start-up is part of the time). Every
run's output is compared byte for byte with the --jobs 1 run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from generate_bank import generate_bank  # noqa: E402

PHONEJAIL = str(Path(sys.executable).with_name("phonejail"))
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
WAYS = {"--jobs 1": ["--jobs", "1"], "--jobs 2": ["--jobs", "2"],
        "Dask local cluster, 2 workers": ["--executor", "dask", "--jobs", "2"]}


def timed(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(args, env=ENV, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr}")
    return time.perf_counter() - start, done.stdout


def main() -> None:
    counts = [int(a) for a in sys.argv[1:]] or [24, 500]
    print(f"Measured {time.strftime('%Y-%m-%d')} on this machine ({os.cpu_count()} cores)\n")
    print("| trees | nodes in all | " + " | ".join(WAYS) + " |")
    print("| ---: | ---: |" + " ---: |" * len(WAYS))
    for count in counts:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            nodes = 0
            for i in range(count):
                size = 100 + (i * 37) % 300
                nodes += size
                (folder / f"flow{i:04d}.yaml").write_text(generate_bank(size, seed=i + 1))
            cells, reference = [], None
            for extra in WAYS.values():
                seconds, out = timed([PHONEJAIL, "check", "-q", *extra, str(folder)])
                reference = out if reference is None else reference
                if out != reference:
                    raise SystemExit(f"{extra}: output differs from --jobs 1")
                cells.append(f"{seconds:.1f} s")
            print(f"| {count} | {nodes:,} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
