"""Where trees come from: phonejail YAML, or Twilio Studio / Amazon Connect flows imported in
memory, from their JSON exports or from the Terraform and CloudFormation templates that
deploy them.

For an imported flow, every finding is moved to the widget or action its node
came from (its line in the JSON or the template) and says which one, so a designer
can find it in the flow editor. A template may hold several flows: each is a tree of
its own, named `FILE#ADDRESS` (`infra/main.tf#aws_connect_contact_flow.main`) when
files are collected; its findings point at FILE and begin with the address.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from phonejail.config import Config
from phonejail.fileio import InputError, read_capped
from phonejail.findings import Problem
from phonejail.importers import DEFAULT_SETTINGS, Settings
from phonejail.importers.infra import EmbeddedFlow, Template, mentions_flows, read_template
from phonejail.model import Loaded, load_bytes

if TYPE_CHECKING:
    from phonejail.importers.common import ImportedFlow

FLOW_SUFFIXES = (".json", ".js")
UNIT_MARK = "#"
"""Between a template's path and a flow's address in a collected tree's name."""


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


def load_source(path: str | Path, settings: Settings = DEFAULT_SETTINGS,
                flow: str | None = None) -> Source:
    """Load a tree file, or import a flow export (by suffix) or a template's flow (`flow`,
    or the address in a `FILE#ADDRESS` name), never raising on bad input."""
    shown, address = split_unit(str(path))
    try:
        data = read_capped(shown)
    except InputError as exc:
        return Source(Loaded(shown, None, (Problem("PJ001", 1, 1, exc.reason),)))
    return source_from_bytes(data, shown, settings, flow or address)


def split_unit(name: str) -> tuple[str, str | None]:
    """`main.tf#aws_connect_contact_flow.main` -> (`main.tf`, the address); a plain path
    (or one whose `#` is part of its file name) -> (the path, None)."""
    if UNIT_MARK in name and not os.path.exists(name):
        file, _, address = name.rpartition(UNIT_MARK)
        if os.path.isfile(file) and address:
            return file, address
    return name, None


def source_from_bytes(data: bytes, shown: str, settings: Settings = DEFAULT_SETTINGS,
                      flow: str | None = None) -> Source:
    """`load_source` for bytes already read (standard input); `shown` is the path in
    findings, and its suffix says whether the bytes are a flow export or a template."""
    # a `.tf` file is a template even without a flow resource phonejail reads (a flow kept
    # in `locals` and passed to a module): it is never read as a tree
    if flow is not None or mentions_flows(shown, data) or Path(shown).suffix.lower() == ".tf":
        chosen, problem = pick_flow(_template(data, shown), flow)
        if chosen is None:
            return Source(Loaded(shown, None, (problem,) if problem else ()))
        imported, problems = import_embedded(chosen, settings)
        return _imported_source(imported, problems, chosen.path, placing(chosen))
    if Path(shown).suffix.lower() not in FLOW_SUFFIXES:
        try:
            text: str | None = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = None
        return Source(load_bytes(data, shown), text=text)
    from phonejail.importers.read import read_flow  # the importers load with the first export

    imported, problems = read_flow(data, shown, settings=settings)
    return _imported_source(imported, problems, shown, lambda p: p)


def _imported_source(flow: ImportedFlow | None, problems: Sequence[Problem], shown: str,
                     place: Callable[[Problem], Problem]) -> Source:
    """The Source of an imported flow; `place` moves findings to the template's terms."""
    from phonejail.importers.common import to_yaml

    if flow is None:
        return Source(Loaded(shown, None, tuple(place(p) for p in problems)))
    loaded = load_bytes(to_yaml(flow).encode(), shown)
    origins = flow.origins

    def remap(problem: Problem) -> Problem:
        if problem.code == "PJ005":
            return place(problem)  # already in JSON terms
        found = origins.get(problem.node or "")
        if not found:
            return place(replace(problem, line=1, column=1,
                                 message=f"{problem.message} (in the imported tree)"))
        first = found[0]
        return place(replace(problem, line=first.line, column=first.column,
                             message=f"{first.describe()}: {problem.message}"))

    return Source(replace(loaded, problems=tuple(problems) + loaded.problems), remap,
                  judged=flow.not_entry is None)


# -- flows in templates -------------------------------------------------------------


def _template(data: bytes, path: str) -> Template:
    """`read_template`, once per file version: each flow of a template is a tree, and
    each tree reads the template."""
    try:
        stat = os.stat(path)
        version: tuple[int, int] | None = (stat.st_size, stat.st_mtime_ns)
    except OSError:
        version = None
    if version is None or version[0] != len(data):
        return read_template(data, path)  # standard input, or a file changed since read
    return _cached_template(data, path, version)


@lru_cache(maxsize=8)
def _cached_template(data: bytes, path: str, version: tuple[int, int]) -> Template:
    return read_template(data, path)


def template_units(path: str | Path) -> list[tuple[str, str]] | None:
    """For folder searches and files named: a template's trees, each `(FILE#ADDRESS, the
    file its flow is in)` (FILE alone if the template cannot be read, to report why);
    None if `path` holds no flow resources (it is not a template)."""
    shown = str(path)
    try:
        data = read_capped(shown)
    except InputError:  # too large or unreadable: a `.tf` is taken, to report why
        return [(shown, shown)] if Path(shown).suffix.lower() == ".tf" else None
    if not mentions_flows(shown, data):
        return None
    template = _template(data, shown)
    if template.problems:
        return [(shown, shown)]
    return [(f"{shown}{UNIT_MARK}{f.address}", f.path) for f in template.flows]


FLOW_CHOICE = "--flow"
"""The `part` of a problem that asks for a choice of flow (several in the file, none or an
unknown one picked): where one tree is wanted (`simulate`, `import`) it is a usage error."""


def pick_flow(template: Template, wanted: str | None
              ) -> tuple[EmbeddedFlow | None, Problem | None]:
    """The template's flow named `wanted` (`--flow`), or its only flow; else why not."""
    if template.problems:
        return None, template.problems[0]
    flows = template.flows
    listed = ", ".join(f.address for f in flows)
    unread = "; ".join(template.unread)
    if wanted is not None:
        found = [f for f in flows if f.matches(wanted)]
        if len(found) == 1:
            return found[0], None
        if found:
            return None, Problem("PJ002", 1, 1, f"--flow '{wanted}' names {len(found)} flows "
                                 f"({', '.join(f.address for f in found)}): give the address",
                                 part=FLOW_CHOICE)
        named = [u for u in template.unread if u.split(":", 1)[0].endswith(wanted)]
        return None, Problem("PJ002", 1, 1, f"no flow '{wanted}' phonejail can read here" + (
            f": {named[0]}" if named else f"; the flows in this file: {listed or 'none'}"),
            part=None if named else FLOW_CHOICE)  # named: there, but not readable
    if len(flows) == 1:
        return flows[0], None
    if not flows:
        return None, Problem("PJ002", 1, 1, "no flow phonejail can read in this file"
                             + (f" ({unread})" if unread else ""))
    return None, Problem("PJ002", 1, 1, f"this file holds {len(flows)} flows ({listed}): "
                         "pick one with --flow NAME", part=FLOW_CHOICE)


def import_embedded(chosen: EmbeddedFlow, settings: Settings = DEFAULT_SETTINGS
                    ) -> tuple[ImportedFlow | None, list[Problem]]:
    """Import a template's flow; its problems are in the terms of `chosen.path` (`placing`
    moves them where the template says)."""
    from phonejail.importers.read import read_flow

    if chosen.problem is not None:
        return None, [chosen.problem]
    return read_flow(_wrapped(chosen).encode(), chosen.path, chosen.platform, settings)


def placing(chosen: EmbeddedFlow) -> Callable[[Problem], Problem]:
    """Name the flow in each finding; a flow in an escaped string has no lines of its
    own in the template, so its findings go to where the string starts."""
    def place(problem: Problem) -> Problem:
        problem = replace(problem, message=f"{chosen.address}: {problem.message}")
        unplaced = (problem.line, problem.column) == (1, 1)  # about the whole flow
        if not chosen.exact or unplaced:
            problem = replace(problem, line=chosen.line, column=chosen.column)
        return problem
    return place


def _wrapped(chosen: EmbeddedFlow) -> str:
    """The flow's text with the template's name and Connect type around it, as the
    console's `{Name, Type, Content}` export (or Studio's Flows API resource) holds
    them; the flow's own lines are not moved."""
    try:
        parsed = json.loads(chosen.text)
    except (ValueError, RecursionError):
        return chosen.text  # the import reports the JSON error at its line
    if not isinstance(parsed, dict):
        return chosen.text
    label = chosen.address.rsplit(".", 1)[-1]
    if chosen.platform == "connect" and "Actions" in parsed:
        own = isinstance(parsed.get("Metadata"), dict) and parsed["Metadata"].get("name")
        head = {"Name": chosen.name or (None if own else label), "Type": chosen.kind}
        fields = "".join(f"{json.dumps(k)}: {json.dumps(v)}, " for k, v in head.items() if v)
        return "{" + fields + '"Content": ' + chosen.text + "}" if fields else chosen.text
    if chosen.platform == "twilio" and "states" in parsed:
        name = chosen.name or (None if parsed.get("description") else label)
        if name:
            return '{"friendly_name": ' + json.dumps(name) + ', "definition": ' \
                + chosen.text + "}"
    return chosen.text


def import_any(data: bytes, path: str, fmt: str | None = None,
               settings: Settings = DEFAULT_SETTINGS, flow: str | None = None
               ) -> tuple[ImportedFlow | None, list[Problem], str]:
    """`phonejail import`: a flow export, or a template's flow (`flow` picks one).

    Returns the flow (None if it cannot be imported), its problems where they belong,
    and the file they are in (a template's flow may be in a file the template names).
    """
    from phonejail.importers.read import read_flow

    if flow is None and not mentions_flows(path, data):
        imported, problems = read_flow(data, path, fmt, settings)
        return imported, problems, path
    chosen, problem = pick_flow(_template(data, path), flow)
    if chosen is None:
        return None, [problem] if problem else [], path
    imported, problems = import_embedded(chosen, settings)
    place = placing(chosen)
    return imported, [place(p) for p in problems], chosen.path


def flow_matches(unit: str, wanted: str) -> bool:
    """`--flow NAME` on `check` and `report`: is this collected tree that flow?"""
    shown, address = split_unit(unit)
    if address is None:
        return False
    try:
        data = read_capped(shown)
    except InputError:
        return False
    return any(f.address == address and f.matches(wanted)
               for f in _template(data, shown).flows)
