"""`phonejail lsp` end to end: a real server process, spoken to over stdio as an editor does."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, TREES
from tests.lsp.client import LspClient

pytest.importorskip("pygls", reason="phonejail[lsp] is not installed")

ISP = (TREES / "isp_billing.yaml").read_text(encoding="utf-8")
FIXED = (TREES / "isp_billing_fixed.yaml").read_text(encoding="utf-8")


@pytest.fixture
def session(tmp_path: Path) -> Iterator[tuple[LspClient, Path]]:
    client = LspClient(tmp_path)
    try:
        yield client, tmp_path
    finally:
        assert client.close() == 0


def _start(client: LspClient, root: Path) -> dict[str, Any]:
    result = client.request("initialize", {"processId": None, "rootUri": root.as_uri(),
                                           "capabilities": {}})
    client.notify("initialized", {})
    return result


def _open(client: LspClient, path: Path, text: str) -> list[dict[str, Any]]:
    path.write_text(text, encoding="utf-8")
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": path.as_uri(), "languageId": "yaml", "version": 1, "text": text}})
    return _diagnostics(client, path, 1)


def _change(client: LspClient, path: Path, text: str, version: int) -> list[dict[str, Any]]:
    client.notify("textDocument/didChange", {
        "textDocument": {"uri": path.as_uri(), "version": version},
        "contentChanges": [{"text": text}]})
    return _diagnostics(client, path, version)


def _diagnostics(client: LspClient, path: Path, version: int) -> list[dict[str, Any]]:
    params = client.wait_for("textDocument/publishDiagnostics",
                             lambda p: p["uri"] == path.as_uri()
                             and p.get("version") in (version, None))
    return params["diagnostics"]


def _at(path: Path, line: int, character: int) -> dict[str, Any]:
    return {"textDocument": {"uri": path.as_uri()},
            "position": {"line": line, "character": character}}


def _line_of(text: str, needle: str) -> tuple[int, int]:
    """0-based line and character of the first `needle` in `text`."""
    for number, line in enumerate(text.splitlines()):
        if needle in line:
            return number, line.index(needle)
    raise AssertionError(f"{needle!r} not in the text")


def test_initialize_announces_the_features(session) -> None:
    client, root = session
    result = _start(client, root)
    capabilities = result["capabilities"]
    assert result["serverInfo"]["name"] == "phonejail"
    assert capabilities["hoverProvider"] and capabilities["definitionProvider"]
    assert ":" in capabilities["completionProvider"]["triggerCharacters"]


def test_diagnostics_are_the_findings_of_check(session, in_repo) -> None:
    client, root = session
    _start(client, root)
    diagnostics = _open(client, root / "isp_billing.yaml", ISP)
    checked = json.loads(subprocess.run(
        [sys.executable, "-m", "phonejail", "check", "--format", "json",
         "trees/isp_billing.yaml"], capture_output=True, text=True, check=False).stdout)
    assert len(checked) == 14
    severity = {"error": 1, "warning": 2}
    assert [(d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1, d["code"],
             d["severity"], d["source"], d["message"]) for d in diagnostics] == [
        (f["line"], f["column"], f["code"], severity[f["severity"]], "phonejail",
         f"{f['name']}: {f['message']}") for f in checked]
    gate = diagnostics[0]
    assert gate["code"] == "PJ103"
    assert gate["range"] == {"start": {"line": 25, "character": 2},
                             "end": {"line": 25, "character": 11}}  # the key `ask_phone`


def test_changes_are_linted_again_and_fixes_clear_them(session) -> None:
    client, root = session
    _start(client, root)
    tree = root / "isp.yaml"
    assert len(_open(client, tree, ISP)) == 14
    assert _change(client, tree, FIXED, 2) == []
    broken = FIXED.replace("next: main_menu", "next: main_men", 1)
    assert broken != FIXED
    (undefined,) = _change(client, tree, broken, 3)
    line, character = _line_of(broken, "next: main_men")
    character += len("next: ")
    assert undefined["code"] == "PJ004" and undefined["severity"] == 1
    assert undefined["range"] == {"start": {"line": line, "character": character},
                                  "end": {"line": line, "character": character + 8}}
    assert "did you mean 'main_menu'" in undefined["message"]
    # saving publishes again (a save may follow a change made outside the editor)
    client.notify("textDocument/didSave", {"textDocument": {"uri": tree.as_uri()}})
    assert [d["code"] for d in _diagnostics(client, tree, 3)] == ["PJ004"]
    # a YAML syntax error mid-edit is a PJ001 diagnostic, not a dead server
    assert [d["code"] for d in _change(client, tree, FIXED + "  oops: [\n", 4)] == ["PJ001"]


def test_a_burst_of_changes_is_linted_once_for_the_last_text(session) -> None:
    client, root = session
    _start(client, root)
    tree = root / "isp.yaml"
    _open(client, tree, ISP)
    for version in range(2, 6):
        client.notify("textDocument/didChange", {
            "textDocument": {"uri": tree.as_uri(), "version": version},
            "contentChanges": [{"text": ISP if version % 2 else FIXED}]})
    assert _diagnostics(client, tree, 5) == _diagnostics_for(client, root, ISP)
    client.request("shutdown", None)  # flushes every notification sent before it
    stale = [n for n in client.notifications if n["method"] == "textDocument/publishDiagnostics"
             and n["params"]["uri"] == tree.as_uri()]
    assert stale == []


def _diagnostics_for(client: LspClient, root: Path, text: str) -> list[dict[str, Any]]:
    other = root / "other.yaml"
    diagnostics = _open(client, other, text)
    client.notify("textDocument/didClose", {"textDocument": {"uri": other.as_uri()}})
    assert _diagnostics(client, other, 1) == []
    return diagnostics


def test_files_that_are_not_trees_get_no_diagnostics(session) -> None:
    client, root = session
    _start(client, root)
    workflow = "name: CI\non: [push]\njobs:\n  test: {runs-on: ubuntu-latest}\n"
    assert _open(client, root / "ci.yaml", workflow) == []
    # A tree that forgot its `phonejail: 1` line is one, as for `phonejail check`.
    forgot = "name: t\nstart: a\nintents: [x]\nnodes:\n  a: {kind: agent}\n"
    assert [d["code"] for d in _open(client, root / "forgot.yaml", forgot)] == ["PJ002"]


def test_hover_on_a_finding_or_a_rule_code_explains_the_rule(session) -> None:
    client, root = session
    _start(client, root)
    tree = root / "isp.yaml"
    _open(client, tree, ISP)
    hover = client.request("textDocument/hover", _at(tree, 25, 5))  # on `ask_phone:` (PJ103)
    assert hover["contents"]["kind"] == "markdown"
    assert "PJ103 identity-gate (error)" in hover["contents"]["value"]
    assert "How to fix" in hover["contents"]["value"]
    noted = ISP.replace("# The story", "# Known PJ206 here. The story", 1)
    _change(client, tree, noted, 2)
    line, character = _line_of(noted, "PJ206")
    hover = client.request("textDocument/hover", _at(tree, line, character + 2))
    assert hover["contents"]["value"].startswith("```text\nPJ206 long-prompt (warning)")
    # on a node id used as a target: what the node is
    line, character = _line_of(noted, "next: ask_phone")
    hover = client.request("textDocument/hover", _at(tree, line, character + 8))
    assert hover["contents"]["value"] == (
        '`ask_phone` (ask): "Please enter the ten-digit home phone number on your account."')
    assert client.request("textDocument/hover", _at(tree, 21, 2)) is None  # `kind:`


def test_go_to_definition_jumps_from_a_target_to_its_node(session) -> None:
    client, root = session
    _start(client, root)
    tree = root / "isp.yaml"
    _open(client, tree, ISP)
    line, character = _line_of(ISP, "to: confirm_phone")
    location = client.request("textDocument/definition", _at(tree, line, character + 6))
    target_line, _ = _line_of(ISP, "  confirm_phone:")
    assert location == {"uri": tree.as_uri(), "range": {
        "start": {"line": target_line, "character": 2},
        "end": {"line": target_line, "character": 15}}}
    # a fact used by an ask jumps to its entry under `identity:`
    line, character = _line_of(ISP, "fact: phone_number")
    location = client.request("textDocument/definition", _at(tree, line, character + 7))
    assert location["range"]["start"] == {"line": 15, "character": 2}
    # ...and it still works while the tree does not load (an undefined target elsewhere)
    broken = ISP.replace("ok: main_menu", "ok: main_men", 1)
    assert any(d["code"] == "PJ004" for d in _change(client, tree, broken, 2))
    line, character = _line_of(broken, "to: confirm_phone")
    location = client.request("textDocument/definition", _at(tree, line, character + 6))
    assert location["range"]["start"]["line"] == target_line
    assert client.request("textDocument/definition", _at(tree, 8, 8)) is None  # the name


def test_references_list_every_use_and_symbols_list_the_nodes(session) -> None:
    client, root = session
    _start(client, root)
    tree = root / "isp.yaml"
    _open(client, tree, ISP)
    line, character = _line_of(ISP, "  main_menu:")
    found = client.request("textDocument/references", {
        **_at(tree, line, character + 3), "context": {"includeDeclaration": True}})
    uses = [(number, found.start()) for number, text in enumerate(ISP.splitlines())
             for found in re.finditer(r"(?<=: )main_menu\b", text)]
    assert len(uses) == 4  # ok, invalid, no_input, and outage_info's next
    assert [(r["range"]["start"]["line"], r["range"]["start"]["character"]) for r in found] \
        == [(line, 2), *uses]  # the declaration, then the uses in the order written
    found = client.request("textDocument/references", {
        **_at(tree, line, character + 3), "context": {"includeDeclaration": False}})
    assert len(found) == 4
    symbols = client.request("textDocument/documentSymbol",
                             {"textDocument": {"uri": tree.as_uri()}})
    assert [(s["name"], s["detail"]) for s in symbols][:4] == [
        ("welcome", "say"), ("ask_phone", "ask"), ("main_menu", "menu"),
        ("billing_menu", "menu")]
    assert len(symbols) == 12


def test_completion_offers_node_ids_intents_and_facts(session) -> None:
    client, root = session
    _start(client, root)
    tree = root / "isp.yaml"
    _open(client, tree, ISP)
    nodes = {"welcome", "ask_phone", "main_menu", "billing_menu", "pay_by_phone",
             "confirm_phone", "outage_info", "agent_billing_manila", "agent_cards_manila",
             "agent_billing_dublin", "agent_accounts_toronto", "goodbye"}

    def labels(text: str, needle: str, after: str) -> dict[str, str]:
        _change(client, tree, text, client.next_id + 10)
        line, character = _line_of(text, needle)
        found = client.request("textDocument/completion",
                               _at(tree, line, character + len(after)))
        return {item["label"]: item.get("detail", "") for item in found["items"]} \
            if found else {}

    typed = ISP.replace("    next: ask_phone\n", "    next: \n", 1)
    targets = labels(typed, "    next: ", "    next: ")
    assert set(targets) >= nodes and targets["ask_phone"] == "ask node"
    typed = ISP.replace("serves: [pay_bill, update_card]", "serves: [pay_bill, up", 1)
    assert set(labels(typed, "serves: [pay_bill, up", "serves: [pay_bill, up")) == {
        "pay_bill", "update_card", "outage"}
    typed = ISP.replace("fact: phone_number", "fact: ", 1)
    assert labels(typed, "fact: ", "fact: ") == {"phone_number": "identity fact",
                                                 "account_number": "identity fact"}
    typed = ISP.replace("    kind: say\n", "    kind: s\n", 1)
    assert "self_service" in labels(typed, "kind: s", "kind: s")
    assert labels(ISP, "name: ISP", "name: I") == {}  # free text: nothing to offer


def test_exit_ends_the_server_while_it_lints_a_big_tree(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import generate_tree
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    client = LspClient(tmp_path)
    _start(client, tmp_path)
    big = tmp_path / "big.yaml"
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": big.as_uri(), "languageId": "yaml", "version": 1, "text": generate_tree(3000)}})
    assert client.close() == 0  # shutdown answered and the process gone, lint or no lint


def test_version_does_not_import_the_language_server() -> None:
    probe = ("import sys\nfrom phonejail.cli import main\nmain(['--version'])\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('pygls', 'lsprotocol') or m.startswith('phonejail.lsp')))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=False)
    assert (done.returncode, done.stdout) == (0, "phonejail, version 0.1.0\n[]\n")


def test_lsp_without_pygls_says_how_to_install_it(run, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "phonejail.lsp.server", None)
    code, out, err = run("lsp")
    assert (code, out) == (2, "")
    assert "pip install 'phonejail[lsp]'" in err
