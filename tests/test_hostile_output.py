"""Output safety: -o never writes outside its folder, never over an input or a file phonejail
did not write, never replaces a symlink, FIFO, device or folder, and fails with a message.

Report tests use trees that do not load (no figures, no simulation), so they stay fast.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from phonejail.fileio import OutputError, atomic_write, read_capped
from phonejail.report import MANIFEST, slugs
from tests.conftest import TREES

BROKEN = "phonejail: 1\nnodes: {}\n"  # loads as a file, fails the format: a fast report
SMALL = (TREES / "small_business.yaml").read_text()

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
not_root = pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                              reason="root ignores folder permissions")


def test_slugs_are_unique_and_never_leave_the_folder() -> None:
    names = slugs(["...yaml", "..yaml", ".yaml", "a.yaml", "a-2.yaml", "sub/a.yaml", "A.yaml",
                   "index.html.yaml", ".phonejail-written.json.yaml", "x/../a.yaml", "ü.yaml"])
    assert len({n.casefold() for n in names}) == len(names)
    for name in names:
        assert name not in (".", "..") and not name.startswith(".") and "/" not in name
        assert name.casefold() not in ("index.html", MANIFEST)
    assert names[3] == "a" and names[4] == "a-2" and names[5] == "a-3"


def test_a_tree_named_dots_is_reported_inside_the_folder(run, tmp_path: Path) -> None:
    trees = tmp_path / "trees"
    trees.mkdir()
    for name in ("...yaml", "..yaml", "a.yaml", "a-2.yaml"):
        (trees / name).write_text(BROKEN)
    (trees / "sub").mkdir()
    (trees / "sub" / "a.yaml").write_text(BROKEN)
    (tmp_path / "index.html").write_text("mine")
    (tmp_path / "summary.md").write_text("mine")
    code, out, _ = run("report", "-q", trees, "-o", tmp_path / "reports")
    assert code == 1 and out == ""
    assert (tmp_path / "index.html").read_text() == "mine"
    assert (tmp_path / "summary.md").read_text() == "mine"
    folders = sorted(p.name for p in (tmp_path / "reports").iterdir() if p.is_dir())
    assert len(folders) == 5  # one per tree, none lost to a clash
    assert all((tmp_path / "reports" / f / "summary.md").is_file() for f in folders)


def test_report_refuses_files_it_did_not_write_unless_forced(run, tmp_path: Path) -> None:
    tree = tmp_path / "menu.yaml"
    tree.write_text(BROKEN)
    out = tmp_path / "reports"
    out.mkdir()
    (out / "index.html").write_text("my own page")
    code, _, err = run("report", "-q", tree, "-o", out)
    assert code == 2 and "phonejail did not write it" in err and "--force" in err
    assert (out / "index.html").read_text() == "my own page"
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]  # nothing half-written
    code, _, _ = run("report", "-q", "--force", tree, "-o", out)
    assert code == 1 and "my own page" not in (out / "index.html").read_text()
    assert "menu/summary.md" in json.loads((out / MANIFEST).read_text())
    (out / "menu" / "summary.md").write_text("edited by hand")  # ours, so replaced again
    assert run("report", "-q", tree, "-o", out)[0] == 1
    assert (out / "menu" / "summary.md").read_text() != "edited by hand"


def test_report_never_writes_through_a_symlink_in_its_folder(run, tmp_path: Path) -> None:
    tree = tmp_path / "menu.yaml"
    tree.write_text(BROKEN)
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "reports"
    out.mkdir()
    (out / "menu").symlink_to(outside)
    code, _, err = run("report", "-q", "--force", tree, "-o", out)
    assert code == 2 and "is a symlink" in err
    assert list(outside.iterdir()) == []


def test_report_never_overwrites_its_config(run, tmp_path: Path) -> None:
    tree = tmp_path / "menu.yaml"
    tree.write_text(BROKEN)
    out = tmp_path / "reports"
    (out / "menu").mkdir(parents=True)
    config = out / "menu" / "summary.md"
    config.write_text("fail-on = \"never\"\n")
    code, _, err = run("report", "-q", "--force", "--config", config, tree, "-o", out)
    assert code == 2 and "is an input" in err
    assert config.read_text() == "fail-on = \"never\"\n"


def test_report_into_a_file_is_a_clear_error(run, tmp_path: Path) -> None:
    tree = tmp_path / "menu.yaml"
    tree.write_text(BROKEN)
    blocker = tmp_path / "reports"
    blocker.write_text("a file where the folder should be")
    code, _, err = run("report", "-q", tree, "-o", blocker)
    assert code == 2 and "is a file" in err and "Traceback" not in err
    blocker.unlink()
    blocker.mkdir()
    (blocker / "menu").write_text("a file where the tree's folder should be")
    code, _, err = run("report", "-q", tree, "-o", blocker)
    assert code == 2 and err.startswith("phonejail: ") and "cannot write" in err
    assert sorted(p.name for p in blocker.iterdir()) == ["menu"]


@pytest.mark.parametrize("config_name", ["pj.toml", "pyproject.toml"])
def test_check_never_overwrites_its_config(run, tmp_path: Path, monkeypatch,
                                           config_name: str) -> None:
    monkeypatch.chdir(tmp_path)
    tree = tmp_path / "t.yaml"
    tree.write_text(SMALL)
    config = tmp_path / config_name
    text = "[tool.phonejail]\nfail-on = \"never\"\n" if config_name == "pyproject.toml" \
        else "fail-on = \"never\"\n"
    config.write_text(text)
    args = ["--config", config] if config_name == "pj.toml" else []
    code, _, err = run("check", tree, *args, "-o", config)
    assert code == 2 and "is an input" in err and config.read_text() == text


def test_import_never_overwrites_its_callers_file(run, tmp_path: Path) -> None:
    callers = tmp_path / "callers.yaml"
    callers.write_text("- {name: x, intent: hours}\n")
    flow = Path(__file__).parent / "importers" / "fixtures" / "twilio_api_resource.json"
    code, _, err = run("import", "--force", flow, "--callers", callers, "-o", callers)
    assert code == 2 and "is an input" in err
    assert callers.read_text() == "- {name: x, intent: hours}\n"


def test_check_writes_through_a_symlink_to_a_regular_file(run, tmp_path: Path) -> None:
    tree = tmp_path / "t.yaml"
    tree.write_text(SMALL)
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    code, _, _ = run("check", "--format", "json", tree, "-o", link)
    assert code in (0, 1) and link.is_symlink()
    assert isinstance(json.loads(real.read_text()), list)


def test_check_refuses_a_symlink_to_a_tree(run, tmp_path: Path) -> None:
    tree = tmp_path / "t.yaml"
    tree.write_text(SMALL)
    link = tmp_path / "out.txt"
    link.symlink_to(tree)
    code, _, err = run("check", tree, "-o", link)
    assert code == 2 and "is an input" in err and tree.read_text() == SMALL


@needs_fifo
def test_check_refuses_a_fifo_as_output_and_as_input(run, tmp_path: Path) -> None:
    tree = tmp_path / "t.yaml"
    tree.write_text(SMALL)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, _, err = run("check", tree, "-o", fifo)
    assert code == 2 and "FIFO" in err and stat.S_ISFIFO(fifo.stat().st_mode)
    fifo_tree = tmp_path / "pipe.yaml"
    os.mkfifo(fifo_tree)
    code, out, _ = run("check", fifo_tree)  # must answer, not wait for a writer
    assert code == 1 and "PJ001" in out and "not a regular file" in out


def test_check_refuses_a_device_and_a_folder_as_output(run, tmp_path: Path) -> None:
    tree = tmp_path / "t.yaml"
    tree.write_text(SMALL)
    code, _, err = run("check", tree, "-o", os.devnull)
    assert code == 2 and "a device" in err
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    code, _, err = run("check", tree, "-o", tmp_path)
    assert code == 2 and err and "Traceback" not in err


@not_root
def test_a_read_only_folder_is_a_message_and_leaves_nothing(run, tmp_path: Path) -> None:
    tree = tmp_path / "t.yaml"
    tree.write_text(SMALL)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        code, _, err = run("check", tree, "-o", locked / "out.txt")
        assert code == 2 and "cannot write" in err and "Permission denied" in err
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_a_file_where_a_folder_should_be_is_a_message(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match="cannot write"):
        atomic_write(tmp_path / "f" / "out.txt", "data")


def test_written_files_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "new.txt", "x")
        os.umask(0o077)
        atomic_write(tmp_path / "private.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "private.txt").stat().st_mode) == 0o600
    (tmp_path / "new.txt").chmod(0o640)
    atomic_write(tmp_path / "new.txt", "y")  # a replaced file keeps its mode
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_reads_stop_at_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"x" * 5000)
    assert len(read_capped(big, limit=100)) == 101


def test_import_from_an_endless_device_is_refused(run, tmp_path: Path) -> None:
    code, _, err = run("import", "--from", "twilio", os.devnull, "-o", tmp_path / "x.yaml")
    assert code == 2 and "not a regular file" in err and not (tmp_path / "x.yaml").exists()


def test_an_empty_select_is_a_usage_error(run, tmp_path: Path) -> None:
    tree = tmp_path / "t.yaml"
    tree.write_text(SMALL)
    code, out, err = run("check", "--select", "", tree)
    assert code == 2 and out == "" and "empty selection" in err
