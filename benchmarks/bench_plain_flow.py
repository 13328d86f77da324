"""Where the rules stop walking a caller's flow in plain Python and start using numpy.

    python benchmarks/bench_plain_flow.py

`check` walks a caller's exact flow in plain Python (`analysis.plain`) while the
chain's moves times levels (patience + 1) are at most `plain.PLAIN_MOVES`, and with
numpy past it. This times both walks of every caller of the example trees and of
bank trees of growing size (`generate_bank.py`), in one process, best of a few runs
each, numpy's import not counted. It prints each chain's work, both times, and
how far apart the two walks' jail rates and visits are (the rules allow
`rules._jail.ROUNDING`, 1e-9). Importing numpy itself is timed once, in a fresh
process: the plain walk pays while it costs less than the import plus numpy's walk.
"""

from __future__ import annotations

import subprocess
import sys
from functools import partial
from pathlib import Path

from phonejail.analysis import plain
from phonejail.model.load import load_bytes
from phonejail.rules._jail import CallerFlow, caller_flow
from phonejail.rules.base import Context

sys.path.insert(0, str(Path(__file__).parent))
from generate_bank import generate_bank  # noqa: E402
from timing import best_of  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def numpy_import() -> float:
    code = "import time; t = time.perf_counter(); import numpy; print(time.perf_counter() - t)"
    return min(float(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                    text=True, check=True).stdout) for _ in range(5))


def trees() -> list[tuple[str, str]]:
    found = [(p.name, p.read_text()) for p in sorted((ROOT / "trees").glob("*.yaml"))]
    return found + [(f"bank{n}", generate_bank(n)) for n in (100, 200, 400, 800, 2000)]


def main() -> None:
    print(f"numpy import (fresh process, best of 5): {1000 * numpy_import():.0f} ms")
    print(f"PLAIN_MOVES = {plain.PLAIN_MOVES:,}\n")
    print(f"{'tree':<24} {'caller':<28} {'moves x levels':>14} {'plain ms':>9} "
          f"{'numpy ms':>9} {'ratio':>6} {'max diff':>9}")
    for name, text in trees():
        tree = load_bytes(text.encode(), name).tree
        ctx = Context(tree)
        for persona in ctx.callers:
            chain = ctx.exact_chain(persona)
            p = plain.to_plain(chain)
            work = len(p.target) * (persona.patience + 1)
            if not isinstance(caller_flow(tree, persona, chain, p, with_numpy=False),
                              CallerFlow):
                continue
            slow = caller_flow(tree, persona, chain, p, with_numpy=True)
            fast = caller_flow(tree, persona, chain, p, with_numpy=False)
            assert isinstance(slow, CallerFlow) and isinstance(fast, CallerFlow)
            diff = max([abs(slow.jail_rate - fast.jail_rate),
                        *(abs(a - b) for a, b in zip(slow.visits, fast.visits, strict=True))])
            t_plain = best_of(3, partial(caller_flow, tree, persona, chain, p, with_numpy=False))
            t_numpy = best_of(3, partial(caller_flow, tree, persona, chain, slow.arrays,
                                   with_numpy=True))
            print(f"{name:<24} {persona.name[:28]:<28} {work:>14,} {1000 * t_plain:>9.2f} "
                  f"{1000 * t_numpy:>9.2f} {t_plain / t_numpy:>6.1f} {diff:>9.1e}")


if __name__ == "__main__":
    main()
