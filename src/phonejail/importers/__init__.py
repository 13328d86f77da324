"""Import Twilio Studio and Amazon Connect exports as phonejail trees (docs/importers.md).

`read.read_flow` reads an export (detecting its format), `twilio` and `connect` map
each platform's blocks to nodes, `common` holds what both share (the flow they
build, the identity heuristic, YAML emission), `infra` finds flows in Terraform
and CloudFormation templates, and `hcl` reads Terraform's language.

This module holds only the settings an import takes and the choices the CLI builds
its options from: the importers themselves are loaded when a flow is first read,
so `check` of a YAML tree (an editor, on every save) never pays for them.
"""

from __future__ import annotations

from dataclasses import dataclass

FORMATS = ("twilio", "connect")

DEFAULT_SUCCESS = 0.99
"""Chance that a function, Lambda, HTTP request or subflow takes its success branch: its
failure follows an outage or a bug, as other errors do (DEFAULT_ERROR_CHANCE)."""
DEFAULT_OPEN = 0.8
"""Chance that an hours-of-operation check finds the centre open."""
DEFAULT_INFO = 0.7
"""Chance that recorded information a menu option leads to settles the caller's need."""


@dataclass(frozen=True)
class Settings:
    """The chances an import assumes where the export cannot say (see docs/importers.md)."""

    success: float = DEFAULT_SUCCESS
    open_chance: float = DEFAULT_OPEN
    info: float = DEFAULT_INFO
    branch_chances: tuple[tuple[str, float], ...] = ()
    """`--branch-chance NAME=P`: NAME is a branch label (an error type, a condition's
    value) or `BLOCK.LABEL` for one block (a widget name or action identifier)."""
    identity_words: tuple[tuple[str, str], ...] = ()
    """(fact id, phrase) pairs a team adds to the identity heuristic."""

    def chance(self, block: str, label: str, default: float | None) -> float | None:
        """The chance set for this block's branch, else for the label, else `default`."""
        given = dict(self.branch_chances)
        for key in (f"{block}.{label}", label):
            if key in given:
                return given[key]
        return default


DEFAULT_SETTINGS = Settings()
