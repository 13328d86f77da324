"""The check engine: find tree files, load them, run the enabled rules, stamp findings."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from phonejail import suppress
from phonejail.analysis.chain import ChainTooLarge
from phonejail.config import Config
from phonejail.fileio import InputError, read_capped
from phonejail.findings import Finding, Problem, Severity
from phonejail.gcpause import gc_paused
from phonejail.importers.infra import TEMPLATE_SUFFIXES
from phonejail.model import Loaded
from phonejail.model.tree import KINDS, Tree
from phonejail.rules import RULES, Context
from phonejail.rules import pj008_state_budget as state_budget
from phonejail.sources import Source, importer_settings, load_source, split_unit, template_units
from phonejail.sweep import sweep

TREE_SUFFIXES = (".yaml", ".yml")
"""Files searched for in folders; `.json` files too when they are flow exports."""

_DECLARES_PHONEJAIL = re.compile(
    rb"^(?:\xef\xbb\xbf)?(?:phonejail|\"phonejail\"|'phonejail')[ \t]*:", re.MULTILINE)
"""A top-level `phonejail:` key, the format version every tree starts with."""
_LOOKS_LIKE_A_TREE = (
    re.compile(rb"^start[ \t]*:", re.MULTILINE),
    re.compile(rb"^nodes[ \t]*:", re.MULTILINE),
    re.compile(rb"\bkind[ \t]*:[ \t]*[\"']?(?:" + "|".join(KINDS).encode() + rb")\b"))
"""Top-level `start:` and `nodes:` keys and a node `kind:` of phonejail's: a tree that forgot
its `phonejail: 1` line (an inventory with a start date and a list of nodes is not one)."""


def looks_like_a_tree(data: bytes) -> bool:
    """A top-level `phonejail:` key, or the keys of a tree that forgot it (a quick look at
    the text, no parsing): what a folder scan and the language server take as a tree."""
    return _DECLARES_PHONEJAIL.search(data) is not None \
        or all(key.search(data) for key in _LOOKS_LIKE_A_TREE)


class MissingPath(Exception):
    """A path given on the command line does not exist."""


@dataclass(frozen=True)
class CheckResult:
    files: tuple[str, ...]
    findings: tuple[Finding, ...]
    skipped: tuple[str, ...] = field(default=(), compare=False)
    """YAML files in the folders scanned that are not phonejail trees (no `phonejail:` key)."""
    texts: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    """Source text of inputs that are not files (standard input), for snippets."""

    def count(self, severity: Severity) -> int:
        return sum(f.severity is severity for f in self.findings)

    def fails(self, fail_on: str) -> bool:
        """True if some finding is at or above `fail_on` (error, warning or never)."""
        if fail_on == "never":
            return False
        floor = Severity(fail_on).rank
        return any(f.severity.rank >= floor for f in self.findings)


@dataclass(frozen=True)
class Collected:
    files: tuple[str, ...]
    skipped: tuple[str, ...]
    """YAML files found in folders that do not declare `phonejail:`."""


def declares_phonejail(path: Path) -> bool:
    """True if a YAML file found in a folder is a phonejail tree: it has a top-level
    `phonejail:` key, or `start:` and `nodes:` keys (a tree that forgot the `phonejail: 1`
    line is checked, so PJ002 says so, not skipped without a word). Files too broken to
    tell (unreadable, binary, not UTF-8: a tree saved as UTF-16, say) are taken, so the
    reason is reported."""
    try:
        data = read_capped(path)
    except InputError:
        return True
    if looks_like_a_tree(data) or b"\x00" in data:
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def collect_files(paths: Iterable[str | Path], config: Config | None = None) -> Collected:
    """Files named, and trees under folders named, sorted within each folder.

    In folders, only YAML files that declare `phonejail:`, flow exports and templates
    holding flow resources are taken (CI files, `.pre-commit-hooks.yaml` and the like
    are skipped), minus the config's `exclude` globs. A file named on the command line
    is always taken. A template gives one tree per flow, `FILE#ADDRESS`
    (phonejail.sources); a flow that a template reads from a file (`file(...)`) that is
    also taken is checked once, as that file.
    """
    files: list[str] = []
    skipped: list[str] = []
    flow_files: dict[str, str] = {}  # a template's tree -> another file its flow is in

    def template(found: Path, named: bool) -> bool:
        units = template_units(found)
        if units is None:
            return False
        if not units:  # only flows given by variables (a module): nothing to read
            # named, it is checked to say why; found in a folder, it is skipped
            (files if named else skipped).append(str(found))
        for unit, flow_file in units:
            files.append(unit)
            if flow_file != str(found):
                flow_files[unit] = os.path.normpath(flow_file)
        return True

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            from phonejail.importers.read import is_flow_candidate  # a file named needs none

            for found in sorted(path.rglob("*")):
                if not found.is_file() or (config is not None and config.excluded(found)):
                    continue
                if found.suffix.lower() in TEMPLATE_SUFFIXES and template(found, named=False):
                    continue
                if found.suffix in TREE_SUFFIXES:
                    (files if declares_phonejail(found) else skipped).append(str(found))
                elif found.suffix == ".json" and is_flow_candidate(found):
                    files.append(str(found))
        elif path.exists():
            if not (path.is_file() and template(path, named=True)):
                files.append(str(path))
        elif split_unit(str(raw))[1] is not None:  # one flow of a template, named
            files.append(str(raw))
        else:
            raise MissingPath(str(raw))
    if flow_files:  # a flow file checked on its own is not checked again through a template
        taken = {os.path.normpath(f) for f in files}
        files = [f for f in files if flow_files.get(f) not in taken]
    return Collected(tuple(dict.fromkeys(files)), tuple(dict.fromkeys(skipped)))


def collect(paths: Iterable[str | Path], config: Config | None = None) -> list[str]:
    """The files `collect_files` takes."""
    return list(collect_files(paths, config).files)


def stamp(path: str, problems: Iterable[Problem], config: Config) -> list[Finding]:
    """Turn rule problems into findings: add the path, the rule's name and its severity."""
    return [
        Finding(path, p.line, p.column, p.code, RULES[p.code].NAME, RULES[p.code].SEVERITY,
                p.message, p.node, p.fact, p.persona, p.part)
        for p in problems
        if config.enabled_in(p.code, path)
    ]


def lint_tree(tree: Tree, config: Config, path: str | None = None) -> list[Problem]:
    """Run every enabled graph rule on a tree that loaded (`path`: the file, for
    per-file-ignores)."""
    running = frozenset(code for code in RULES if (
        config.enabled(code) if path is None else config.enabled_in(code, path)))
    ctx = Context(tree, config.options, running=running)
    problems: list[Problem] = []
    with gc_paused():  # the graph and the chains are large and acyclic-in-practice
        for code, rule in RULES.items():
            if rule.check is not None and config.enabled(code):
                try:
                    problems.extend(list(rule.check(ctx)))
                except ChainTooLarge:
                    continue  # no verdict past the state budget; PJ008 says so
    if (ctx.too_large is not None and config.enabled(state_budget.CODE)
            and all(p.code != state_budget.CODE for p in problems)):
        # Past the whole check's budget after PJ008 ran (in a later rule's chains).
        problems.append(state_budget.problem(ctx, ctx.too_large))
    return problems


def check_loaded(loaded: Loaded, config: Config,
                 remap: Callable[[Problem], Problem] | None = None,
                 judged: bool = True, text: str | None = None) -> list[Finding]:
    """Findings of a loaded tree; `remap` moves them (e.g. to an imported flow's JSON lines).

    `judged` False skips the graph rules (an imported flow that is no caller's IVR).
    With the YAML's `text`, `# phonejail: ignore[...]` comments hide what they cover
    (phonejail.suppress) once the tree loads; a tree that does not load shows its format
    errors only.
    """
    problems = list(loaded.problems)
    if loaded.tree is not None and judged:
        problems.extend(lint_tree(loaded.tree, config, loaded.path))
    if remap is not None:
        problems = [remap(p) for p in problems]
    if text is not None and loaded.tree is not None:
        node_lines = {node_id: node.loc.line for node_id, node in loaded.tree.nodes.items()}
        problems = suppress.apply(problems, text, node_lines,
                                  ran=lambda code: config.enabled_in(code, loaded.path)).kept
    return sorted(stamp(loaded.path, problems, config))


def check_source(source: Source, config: Config) -> list[Finding]:
    """The findings of a tree file or flow export as `load_source` read it."""
    return check_loaded(source.loaded, config, source.remap, source.judged, source.text)


def check_file(path: str, config: Config) -> list[Finding]:
    """The findings of one tree file or flow export (never raises on bad input)."""
    # The collector stays off until the tree is dropped: turned on between loading and
    # the rules, it would rescan every object of a big tree once and free nothing.
    with gc_paused():
        return check_source(load_source(path, importer_settings(config)), config)


def check_paths(paths: Sequence[str | Path], config: Config, jobs: int = 1,
                executor: str = "local", scheduler: str | None = None,
                progress: Callable[[int], None] | None = None) -> CheckResult:
    """Check every tree file under `paths`, `jobs` files at a time (see `phonejail.sweep`).

    Raises MissingPath for a path that does not exist, SweepError if the executor
    cannot run. The result is the same whatever `jobs` and `executor`.
    """
    collected = collect_files(paths, config)
    per_file = sweep(partial(check_file, config=config), list(collected.files), jobs, executor,
                     scheduler, progress)
    findings = [f for found in per_file for f in found]
    return CheckResult(collected.files, tuple(sorted(findings)), collected.skipped)
