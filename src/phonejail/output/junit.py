"""JUnit XML for GitLab and other CI: a test suite per file, a test case per rule.

A file that does not load (PJ001-PJ004) is checked by no other rule: those test cases
are skipped, not passed, so a test view never reads "dead-end: passed" for a file no
rule could look at.

XML 1.0 cannot hold most control characters at all (not even as references), so every
string is shown with them escaped (`textsafe.visible`) before ElementTree quotes it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from phonejail.config import Config
from phonejail.lint import CheckResult
from phonejail.rules import FORMAT_CODES, RULES
from phonejail.textsafe import visible

_UNREAD = FORMAT_CODES - {"PJ005"}
"""Codes of the loader: a file with one of them has no tree for the other rules."""


def render(result: CheckResult, config: Config | None = None, **_: object) -> str:
    config = config or Config()
    codes = [code for code in RULES if config.enabled(code)]
    root = ET.Element("testsuites", name="phonejail")
    total = failed = skipped = 0
    for path in result.files:
        findings = [f for f in result.findings if f.path == path]
        unread = sorted({f.code for f in findings if f.code in _UNREAD})
        suite = ET.SubElement(root, "testsuite", name=visible(path), tests=str(len(codes)))
        suite_failures = suite_skipped = 0
        for code in codes:
            case = ET.SubElement(suite, "testcase", classname=visible(path),
                                 name=f"{code} {RULES[code].NAME}")
            mine = [f for f in findings if f.code == code]
            if unread and RULES[code].check is not None:
                suite_skipped += 1
                ET.SubElement(case, "skipped", message=f"not run: the file does not load "
                              f"(fix {', '.join(unread)} first)")
            elif mine:
                suite_failures += 1
                first = visible(mine[0].message)
                failure = ET.SubElement(case, "failure", type=mine[0].severity.value,
                                        message=f"{len(mine)} finding(s): {first}")
                failure.text = "\n".join(f"{visible(f.path)}:{f.line}:{f.column}: "
                                         f"{f.severity.value} {visible(f.message)}" for f in mine)
        suite.set("failures", str(suite_failures))
        suite.set("skipped", str(suite_skipped))
        total += len(codes)
        failed += suite_failures
        skipped += suite_skipped
    root.set("tests", str(total))
    root.set("failures", str(failed))
    root.set("skipped", str(skipped))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
