"""Which files a folder scan reads: phonejail trees and flow exports, nothing else."""

from __future__ import annotations

from pathlib import Path

from phonejail.lint import collect_files

TREE = "phonejail: 1\nname: t\nstart: a\nintents: [x]\nnodes:\n  a: {kind: agent}\n"


def _write(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def test_other_yaml_in_a_folder_is_skipped_not_reported(run, tmp_path) -> None:
    _write(tmp_path, {
        "menu.yaml": TREE,
        "bom.yml": "\ufeff" + TREE,
        "quoted.yaml": '"phonejail": 1\n',
        ".github/workflows/ci.yml": "on: push\njobs: {}\n",
        ".pre-commit-hooks.yaml": "- id: phonejail\n  entry: phonejail check\n",
        "nested.yaml": "tool:\n  phonejail: 1\n",  # not a top-level key
    })
    collected = collect_files([tmp_path])
    assert [Path(f).name for f in collected.files] == ["bom.yml", "menu.yaml", "quoted.yaml"]
    assert sorted(Path(f).name for f in collected.skipped) == [
        ".pre-commit-hooks.yaml", "ci.yml", "nested.yaml"]
    code, out, err = run("check", "-q", tmp_path)
    assert (code, err) == (1, "")  # quoted.yaml is a tree with only a version: PJ002
    assert [line.split(":")[0] for line in out.splitlines()] == [
        str(tmp_path / "quoted.yaml")] * len(out.splitlines())


def test_a_folder_of_other_yaml_says_what_it_skipped(run, tmp_path) -> None:
    _write(tmp_path, {"ci.yml": "on: push\n", "k8s.yaml": "kind: Pod\n"})
    code, out, err = run("check", tmp_path)
    assert (code, out) == (0, "No findings in 0 files.\n")
    assert err == (f"phonejail: no phonejail trees (YAML with a `phonejail:` key, or flow "
                   f"exports) under {tmp_path}; 2 other YAML files skipped\n")


def test_a_file_named_on_the_command_line_is_always_checked(run, tmp_path) -> None:
    _write(tmp_path, {"ci.yml": "on: push\n"})
    code, out, _ = run("check", "-q", tmp_path / "ci.yml")
    assert code == 1 and "error PJ002 schema" in out


def test_an_unreadable_yaml_file_in_a_folder_is_reported(run, tmp_path) -> None:
    _write(tmp_path, {"utf16.yaml": "phonejail: 1\n".encode("utf-16")})
    code, out, _ = run("check", "-q", tmp_path)
    assert code == 1 and out == (f"{tmp_path / 'utf16.yaml'}:1:4: error PJ001 syntax: binary "
                                 "file (a NUL byte): a tree is UTF-8 YAML text\n")


def test_a_tree_that_forgot_its_version_line_is_checked_not_skipped(run, tmp_path) -> None:
    # `start:` and `nodes:` at the top: a tree; skipped, its dead end would pass the gate.
    forgot = TREE.replace("phonejail: 1\n", "")
    # An inventory with a start date and a list of nodes has no node `kind:` of a tree.
    inventory = "start: 2020-01-01\nnodes: [host1, host2]\nkind: servers\n"
    _write(tmp_path, {"menu.yaml": forgot, "other.yaml": "start: now\nsteps: []\n",
                      "inventory.yaml": inventory})
    collected = collect_files([tmp_path])
    assert [Path(f).name for f in collected.files] == ["menu.yaml"]
    code, out, _ = run("check", "-q", tmp_path)
    assert code == 1 and out == (
        f"{tmp_path / 'menu.yaml'}:1:1: error PJ002 schema: the document: a phonejail tree "
        "needs 'phonejail' (format version; must be 1)\n")
