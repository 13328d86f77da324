"""JUnit XML for GitLab and other CI: a test suite per file, a test case per rule.

XML 1.0 cannot hold most control characters at all (not even as references), so every
string is shown with them escaped (`textsafe.visible`) before ElementTree quotes it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from phonejail.config import Config
from phonejail.lint import CheckResult
from phonejail.rules import RULES
from phonejail.textsafe import visible


def render(result: CheckResult, config: Config | None = None, **_: object) -> str:
    config = config or Config()
    codes = [code for code in RULES if config.enabled(code)]
    root = ET.Element("testsuites", name="phonejail")
    total = failed = 0
    for path in result.files:
        findings = [f for f in result.findings if f.path == path]
        suite = ET.SubElement(root, "testsuite", name=visible(path), tests=str(len(codes)))
        suite_failures = 0
        for code in codes:
            case = ET.SubElement(suite, "testcase", classname=visible(path),
                                 name=f"{code} {RULES[code].NAME}")
            mine = [f for f in findings if f.code == code]
            if mine:
                suite_failures += 1
                first = visible(mine[0].message)
                failure = ET.SubElement(case, "failure", type=mine[0].severity.value,
                                        message=f"{len(mine)} finding(s): {first}")
                failure.text = "\n".join(f"{visible(f.path)}:{f.line}:{f.column}: "
                                         f"{f.severity.value} {visible(f.message)}" for f in mine)
        suite.set("failures", str(suite_failures))
        total += len(codes)
        failed += suite_failures
    root.set("tests", str(total))
    root.set("failures", str(failed))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
