"""The one result type of every check: a problem found by a rule, and the finding it becomes.

A rule only says what is wrong and where (`Problem`); the engine stamps the
path, the rule's name and its severity onto it (`Finding`), so severity stays
a matter of policy and configuration, never of the rule.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum


class Severity(str, Enum):
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return 2 if self is Severity.ERROR else 1


@dataclass(frozen=True, slots=True)
class Problem:
    """What a check found: rule code, 1-based line and column, message, node id if any."""

    code: str
    line: int
    column: int
    message: str
    node: str | None = None


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

    def to_dict(self) -> dict[str, object]:
        """The JSON form, field names as DESIGN.md section 4 fixes them."""
        data = asdict(self)
        data["severity"] = self.severity.value
        return data
