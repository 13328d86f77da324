"""SARIF 2.1.0 for code scanning: the rules that fired, with their help, and one result each."""

from __future__ import annotations

from collections import Counter
from pathlib import PurePath

from phonejail import __version__
from phonejail.lint import CheckResult
from phonejail.rules import RULES, documentation
from phonejail.textsafe import json_text

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"error": "error", "warning": "warning"}


def short_description(code: str) -> str:
    """The rule's one-line summary: the text after 'PJ101 dead-end (error): '."""
    first = documentation(code).splitlines()[0]
    return first.split("): ", 1)[-1]


def render(result: CheckResult, **_: object) -> str:
    fired = sorted({f.code for f in result.findings})
    rules = [
        {
            "id": code,
            "name": RULES[code].NAME,
            "shortDescription": {"text": short_description(code)},
            "fullDescription": {"text": short_description(code)},
            "help": {"text": documentation(code)},
            "defaultConfiguration": {"level": _LEVELS[RULES[code].SEVERITY.value]},
        }
        for code in fired
    ]
    results = []
    seen: Counter[tuple[str, str]] = Counter()
    for f in result.findings:
        # Two findings alike in rule, node, fact, persona and part (format errors, say)
        # are told apart by their order in the file, as GitHub's own line hashes are.
        seen[(f.path, f.fingerprint)] += 1
        entry: dict[str, object] = {
            "ruleId": f.code,
            "ruleIndex": fired.index(f.code),
            "level": _LEVELS[f.severity.value],
            "message": {"text": f.message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": PurePath(f.path).as_posix()},
                    "region": {"startLine": f.line, "startColumn": f.column},
                },
                **({"logicalLocations": [{"name": f.node, "kind": "member"}]} if f.node else {}),
            }],
            "partialFingerprints": {
                "phonejailFinding/v1": f"{f.fingerprint}:{seen[(f.path, f.fingerprint)]}"},
        }
        results.append(entry)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "phonejail", "version": __version__,
                                "semanticVersion": __version__, "rules": rules}},
            "results": results,
        }],
    }
    return json_text(log) + "\n"
