"""The one result type of every check: a problem found by a rule, and the finding it becomes.

A rule only says what is wrong and where (`Problem`); the engine stamps the
path, the rule's name and its severity onto it (`Finding`), so severity stays
a matter of policy and configuration, never of the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return 2 if self is Severity.ERROR else 1


@dataclass(frozen=True, slots=True)
class Problem:
    """What a check found: rule code, 1-based line and column, message, node id if any.

    `fact`, `persona` and `part` say what the problem is about when the rule and node
    do not (the fact asked again, the persona jailed, the left-out target or the queue):
    with them a finding is recognised across edits of the tree (`Finding.identity`).
    """

    code: str
    line: int
    column: int
    message: str
    node: str | None = None
    fact: str | None = None
    persona: str | None = None
    part: str | None = None


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """A problem in a file, with the rule's name and severity. Sorts by path, then position."""

    path: str
    line: int
    column: int
    code: str
    name: str
    severity: Severity
    message: str
    node: str | None = None
    fact: str | None = None
    persona: str | None = None
    part: str | None = None

    @property
    def identity(self) -> tuple[str, str | None, str | None, str | None, str | None]:
        """What the finding is about: rule, node, fact, persona and part, never the message
        or the line (both change when the tree is edited elsewhere, or a persona is added)."""
        return self.code, self.node, self.fact, self.persona, self.part

    @property
    def fingerprint(self) -> str:
        """`identity` as a short stable hash: how `compare` and SARIF's
        `partialFingerprints` recognise a finding in another version of the file."""
        import hashlib  # here: only compare, SARIF and JSON ask, not a `check` on every save
        import json

        data = json.dumps(self.identity, separators=(",", ":")).encode()
        return hashlib.sha256(data).hexdigest()[:16]

    def to_dict(self) -> dict[str, object]:
        """The JSON form (`check --format json`): every field but the `identity` parts, which
        the fingerprint stands for."""
        return {"path": self.path, "line": self.line, "column": self.column,
                "code": self.code, "name": self.name, "severity": self.severity.value,
                "message": self.message, "node": self.node, "fingerprint": self.fingerprint}
