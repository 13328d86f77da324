"""Monte-Carlo and exact analysis speed, against the one-caller-at-a-time baseline.

    .venv/bin/python benchmarks/bench_simulate.py

In one process on one machine:
1. the baseline (benchmarks/baseline_walker.py) on trees/isp_billing.yaml,
   50,000 calls split by persona share, in calls per second;
2. phonejail Monte-Carlo on the same tree at 1,000,000 calls (best of 3);
3. peak memory of a fresh process simulating 1,000,000 calls;
4. the exact analysis of generated trees of about 300, 2,000 and 10,000 nodes
   with 8 personas (best of 3).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from baseline_walker import walk  # noqa: E402
from generate import generate_tree  # noqa: E402
from timing import best_of  # noqa: E402

from phonejail.model import load_bytes, load_file  # noqa: E402
from phonejail.simulate import run  # noqa: E402

ISP = HERE.parent / "trees" / "isp_billing.yaml"


def peak_memory_mb(calls: int) -> float:
    code = (f"import resource; from phonejail.model import load_file; "
            f"from phonejail.simulate import run; "
            f"run(load_file({str(ISP)!r}).tree, callers={calls}); "
            f"print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    return int(out) / 1024  # ru_maxrss is in KiB on Linux


def main() -> None:
    tree = load_file(ISP).tree
    personas = tree.personas
    shares = np.array([p.share for p in personas]) / sum(p.share for p in personas)
    baseline_calls = 50_000
    split = np.random.default_rng(1).multinomial(baseline_calls, shares)

    def baseline() -> None:
        for persona, n in zip(personas, split, strict=True):
            walk(tree, persona, int(n))

    base_s = best_of(1, baseline)
    mc_calls = 1_000_000
    mc_s = best_of(3, lambda: run(tree, callers=mc_calls))
    base_rate, mc_rate = baseline_calls / base_s, mc_calls / mc_s
    print(f"Monte-Carlo on {ISP.name} ({len(tree.nodes)} nodes, {len(personas)} personas)\n")
    print("| engine | calls | seconds | calls per second | x baseline |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(f"| baseline: one caller at a time, pure Python | {baseline_calls:,} | {base_s:.2f} "
          f"| {base_rate:,.0f} | 1.0 |")
    print(f"| phonejail Monte-Carlo (numpy, vectorised) | {mc_calls:,} | {mc_s:.2f} "
          f"| {mc_rate:,.0f} | {mc_rate / base_rate:.0f} |")
    print(f"\nPeak memory of a process simulating {mc_calls:,} calls: "
          f"{peak_memory_mb(mc_calls):.0f} MB\n")
    print("Exact analysis of generated trees, 8 personas\n")
    print("| nodes | chain states (all personas) | seconds |")
    print("| ---: | ---: | ---: |")
    for size in (300, 2000, 10000):
        big = load_bytes(generate_tree(size).encode(), f"generated-{size}.yaml").tree
        from phonejail.simulate import compile_personas

        states = sum(a.n_states for a in compile_personas(big, big.personas))
        seconds = best_of(3, lambda big=big: run(big, method="exact"))
        print(f"| {len(big.nodes):,} | {states:,} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
