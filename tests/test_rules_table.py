"""The README's rule table is the rule registry: every rule, its name and severity, and the
default limits it quotes; a rule added, renamed or re-graded without the table fails here."""

from __future__ import annotations

import re

from phonejail.limits import MAX_CHAIN_STATES
from phonejail.rules import OPTIONS, RULES
from tests.conftest import ROOT


def _table_rows() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Rules\n", 1)[1].split("\n## ", 1)[0]
    return [[cell.strip() for cell in line.strip("|").split(" | ")]
            for line in section.splitlines() if re.match(r"\| PJ\d{3} \|", line)]


def test_the_readme_table_lists_every_registered_rule_with_its_name_and_severity() -> None:
    rows = _table_rows()
    assert [row[0] for row in rows] == list(RULES)  # every rule, once, in registry order
    for code, name, severity, finds in rows:
        rule = RULES[code]
        assert (name, severity) == (rule.NAME, rule.SEVERITY.value), code
        assert finds, code


def test_the_limits_the_table_quotes_are_the_defaults() -> None:
    finds = {row[0]: row[3] for row in _table_rows()}
    for code, option in (("PJ203", "max-menu-options"), ("PJ204", "max-steps-to-human"),
                         ("PJ206", "max-prompt-seconds")):
        assert f"more than {OPTIONS[option].default} " in finds[code] or \
            f"longer than {OPTIONS[option].default} " in finds[code], code
        assert f"`{option}`" in finds[code], code
    assert f"default {OPTIONS['max-jail-rate'].default:.0%}" in finds["PJ105"]
    assert f"more than {MAX_CHAIN_STATES:,} states" in finds["PJ008"]
