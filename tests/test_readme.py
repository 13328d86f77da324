"""The README's console examples are real: each `$ phonejail ...` prints what the README shows.

Commands that write files (import, report) are shown with paths of the reader's
choosing and are left out; `...` in a block stands for lines not shown.
"""

from __future__ import annotations

import re
import shlex

import pytest

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def _examples() -> list[tuple[str, list[str]]]:
    found = []
    for block in re.findall(r"```console\n(.*?)```", README, re.S):
        command, shown = None, []
        for line in [*block.splitlines(), "$ end"]:
            if line.startswith("$ "):
                if command and command.startswith("phonejail ") and not re.match(
                        r"phonejail (import|report)\b", command):
                    found.append((command, shown))
                command, shown = line[2:], []
            else:
                shown.append(line)
    return found


EXAMPLES = _examples()


def test_the_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize(("command", "shown"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_example_matches_the_real_output(run, in_repo, command: str,
                                                shown: list[str]) -> None:
    _, out, _ = run(*shlex.split(command)[1:])
    lines = out.splitlines()
    kept = [line for line in shown if line.strip() not in ("...", "  ...")]
    if len(kept) < len(shown):  # an excerpt: the shown lines appear in this order
        remaining = iter(lines)
        assert all(any(line == got for got in remaining) for line in kept)
    else:
        assert lines == kept


def test_the_readme_report_example_is_a_real_report_of_the_example_trees(
        run, in_repo, tmp_path) -> None:
    # `make report`'s run, into a folder of the test's own: the counts the README shows.
    shown = re.search(r"```console\n\$ phonejail report trees/ -o reports/\n(.*?)```",
                      README, re.S)
    assert shown is not None
    folder = tmp_path / "reports"
    code, out, err = run("report", "trees/", "-o", str(folder))
    assert code == 1  # trees/ holds bad examples on purpose
    assert (out + err).replace(str(folder), "reports") == shown.group(1)
