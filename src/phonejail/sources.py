"""Where trees come from: phonejail YAML, or Twilio Studio / Amazon Connect JSON imported in memory.

For an imported flow, every finding is moved to the widget or action its node
came from (its line in the JSON) and says which one, so a designer can find it
in the flow editor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from phonejail.config import Config
from phonejail.fileio import InputError, read_capped
from phonejail.findings import Problem
from phonejail.importers import DEFAULT_SETTINGS, Settings, read_flow, to_yaml
from phonejail.model import Loaded, load_bytes

FLOW_SUFFIXES = (".json", ".js")


@dataclass(frozen=True)
class Source:
    loaded: Loaded
    remap: Callable[[Problem], Problem] = field(default=lambda p: p)
    judged: bool = True
    """False for an imported flow that is not a caller's IVR (a queue flow, a module):
    the graph rules do not run on it; its import note says so."""
    text: str | None = None
    """The YAML as written, for `# phonejail: ignore[...]` comments; None for flow exports
    (JSON has no comments) and files that are not text."""


def importer_settings(config: Config) -> Settings:
    """The import settings a configuration sets (its `identity-words`, `--branch-chance`)."""
    if not config.identity_words and not config.branch_chances:
        return DEFAULT_SETTINGS
    return replace(DEFAULT_SETTINGS, identity_words=config.identity_words,
                   branch_chances=config.branch_chances)


def load_source(path: str | Path, settings: Settings = DEFAULT_SETTINGS) -> Source:
    """Load a tree file, or import a flow export (by suffix), never raising on bad input."""
    shown = str(path)
    try:
        data = read_capped(path)
    except InputError as exc:
        return Source(Loaded(shown, None, (Problem("PJ001", 1, 1, exc.reason),)))
    return source_from_bytes(data, shown, settings)


def source_from_bytes(data: bytes, shown: str,
                      settings: Settings = DEFAULT_SETTINGS) -> Source:
    """`load_source` for bytes already read (standard input); `shown` is the path in
    findings, and its suffix says whether the bytes are a flow export."""
    if Path(shown).suffix.lower() not in FLOW_SUFFIXES:
        try:
            text: str | None = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = None
        return Source(load_bytes(data, shown), text=text)
    flow, problems = read_flow(data, shown, settings=settings)
    if flow is None:
        return Source(Loaded(shown, None, tuple(problems)))
    loaded = load_bytes(to_yaml(flow).encode(), shown)
    origins = flow.origins

    def remap(problem: Problem) -> Problem:
        if problem.code == "PJ005":
            return problem  # already in JSON terms
        found = origins.get(problem.node or "")
        if not found:
            return replace(problem, line=1, column=1,
                           message=f"{problem.message} (in the imported tree)")
        first = found[0]
        return replace(problem, line=first.line, column=first.column,
                       message=f"{first.describe()}: {problem.message}")

    return Source(replace(loaded, problems=tuple(problems) + loaded.problems), remap,
                  judged=flow.not_entry is None)
