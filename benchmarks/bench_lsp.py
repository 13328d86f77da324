"""How quickly `phonejail lsp` answers an editor, on the ISP story and on generated trees.

    .venv/bin/python benchmarks/bench_lsp.py [NODES ...]

One server process per tree, spoken to over stdio by the test suite's LSP
client (tests/lsp/client.py), as an editor would: seconds from `initialize`
to its answer, from didOpen to the diagnostics, from a didChange to the new
diagnostics (less the server's 0.3 s debounce, which is waiting, not work),
and for a hover, a go-to-definition and a completion on the unchanged text
(best of three each).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(ROOT))
from generate import generate_tree  # noqa: E402
from tests.lsp.client import LspClient  # noqa: E402

from phonejail.lsp.server import DEBOUNCE_SECONDS  # noqa: E402


def _seconds(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _diagnostics(client: LspClient, uri: str, version: int) -> list[object]:
    return client.wait_for("textDocument/publishDiagnostics",
                           lambda p: p["uri"] == uri and p.get("version") == version)["diagnostics"]


def measure(name: str, text: str, folder: Path) -> list[str]:
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    start = time.perf_counter()
    client = LspClient(folder)
    try:
        client.request("initialize", {"processId": None, "rootUri": folder.as_uri(),
                                      "capabilities": {}})
        started = time.perf_counter() - start
        client.notify("initialized", {})
        findings: list[object] = []

        def open_it() -> None:
            client.notify("textDocument/didOpen", {"textDocument": {
                "uri": uri, "languageId": "yaml", "version": 1, "text": text}})
            findings.extend(_diagnostics(client, uri, 1))

        opened = _seconds(open_it)
        changed_text = text.replace("seconds: 4", "seconds: 5", 1)

        def change_it() -> None:
            client.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": 2},
                "contentChanges": [{"text": changed_text}]})
            _diagnostics(client, uri, 2)

        changed = _seconds(change_it) - DEBOUNCE_SECONDS
        lines = changed_text.splitlines()
        line = next(i for i, t in enumerate(lines) if "next: " in t)
        where = {"textDocument": {"uri": uri},
                 "position": {"line": line, "character": lines[line].index("next: ") + 7}}
        timings = [min(_seconds(lambda m=method: client.request(m, where)) for _ in range(3))
                   for method in ("textDocument/hover", "textDocument/definition",
                                  "textDocument/completion")]
    finally:
        client.close()
    return [name, f"{len(text) / 1e6:.2f}", str(len(findings)), f"{started:.2f}",
            f"{opened:.2f}", f"{changed:.2f}", *(f"{t * 1000:.0f}" for t in timings)]


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [2000, 20000]
    trees = [("isp_billing", (ROOT / "trees" / "isp_billing.yaml").read_text(encoding="utf-8"))]
    trees += [(f"generated_{n}", generate_tree(n)) for n in sizes]
    print("| tree | MB | diagnostics | start s | open to diagnostics s | change to diagnostics s "
          "| hover ms | definition ms | completion ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as folder:
        for name, text in trees:
            print("| " + " | ".join(measure(name, text, Path(folder))) + " |", flush=True)


if __name__ == "__main__":
    main()
