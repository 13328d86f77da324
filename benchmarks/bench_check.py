"""How fast `phonejail check` is on a generated 20,000-node tree, against plain PyYAML parsing.

    .venv/bin/python benchmarks/bench_check.py [NODES]

The baselines only parse the file into Python objects (no positions, no
validation, no rules): libyaml's CSafeLoader, and the pure-Python SafeLoader
many tools use. phonejail does more, so the ratio says what the guarantees
cost. Everything runs in one process on one machine; each figure is the best
of three runs. `check` is also timed as a fresh process, as CI runs it, and so is
a full `report` of the tree (one run).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate_tree  # noqa: E402
from timing import best_of  # noqa: E402

from phonejail.config import Config  # noqa: E402
from phonejail.lint import check_loaded  # noqa: E402
from phonejail.model import load_bytes  # noqa: E402


def main() -> None:
    nodes = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    text = generate_tree(nodes)
    data = text.encode()
    loaded = load_bytes(data, "bench.yaml")
    assert loaded.tree is not None, loaded.problems[:3]
    count = len(loaded.tree.nodes)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.yaml"
        path.write_bytes(data)
        rows = [
            ("PyYAML CSafeLoader, parse only (baseline)",
             best_of(3, lambda: yaml.load(text, Loader=yaml.CSafeLoader))),
            ("PyYAML SafeLoader, parse only",
             best_of(1, lambda: yaml.load(text, Loader=yaml.SafeLoader))),
            ("phonejail load (located YAML + schema)",
             best_of(3, lambda: load_bytes(data, "bench.yaml"))),
            ("phonejail load + every rule",
             best_of(3, lambda: check_loaded(load_bytes(data, "bench.yaml"), Config()))),
            ("`phonejail check` as a new process",
             best_of(3, lambda: subprocess.run(
                 [sys.executable, "-m", "phonejail", "check", "-q", str(path)],
                 capture_output=True, check=False))),
            ("`phonejail report` as a new process (10,000 calls, all pages)",
             best_of(1, lambda: subprocess.run(
                 [sys.executable, "-m", "phonejail", "report", "-q", str(path), "-o",
                  str(Path(folder) / "reports")], capture_output=True, check=False))),
        ]
    baseline = rows[0][1]
    print(f"tree: {count:,} nodes, {len(data) / 1e6:.1f} MB of YAML\n")
    print("| what | seconds | x baseline |")
    print("| --- | ---: | ---: |")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} | {seconds / baseline:.1f} |")


if __name__ == "__main__":
    main()
