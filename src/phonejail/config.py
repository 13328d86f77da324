"""Configuration: a TOML file given with --config, or the nearest one found (docs/configuration.md).

Found by looking in the trees' folder and each folder above it for, in order,
`.phonejail.toml`, `phonejail.toml`, or a `pyproject.toml` with a `[tool.phonejail]`
table; the first folder that has one wins. A phonejail TOML file holds the keys at
its top level or under `[tool.phonejail]`.

```toml
[tool.phonejail]
select = ["PJ"]              # codes or prefixes: "PJ1" is every trap rule
ignore = ["PJ206"]
fail-on = "error"            # error | warning | never
identity-words = {member_id = ["scheme number"]}  # imported prompts that ask for a fact
exclude = ["legacy/", "**/draft_*.yaml"]   # skipped when scanning folders
max-menu-options = 5         # PJ203
max-steps-to-human = 5       # PJ204
max-prompt-seconds = 30      # PJ206
max-queue-wait-seconds = 120 # PJ209: mean wait of served callers in a staffed queue
max-queue-abandon-percent = 10  # PJ209: callers hanging up in the queue
max-jail-rate = 0.05         # PJ105: most a persona's calls may end in jail (0 to 1)
max-overall-jail-rate = 0.02 # PJ105: the same for all calls together (default: off)
max-regression = 1.0         # compare: jail-rate points NEW may be worse than OLD
max-reached-human-regression = 1.0     # compare: reached-a-human points
max-steps-to-human-regression = 1.0    # compare: mean steps to a human
max-seconds-to-human-regression = 30   # compare: mean seconds to a human

[tool.phonejail.persona-max-jail-rate]   # PJ105: a persona's own limit
"caregiver checking a refill" = 0.2

[tool.phonejail.per-file-ignores]
"imported/*.yaml" = ["PJ2"]  # codes or prefixes off for the files a glob matches
```

Globs are relative to the configuration file's folder. A bad configuration raises
`ConfigError`, which the CLI turns into exit 2.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from phonejail.defaults import COMPARE_LIMITS
from phonejail.fileio import InputError, read_capped
from phonejail.limits import MAX_FILE_BYTES, MAX_OPTION_VALUE
from phonejail.model.build import did_you_mean
from phonejail.rules import FORMAT_CODES, OPTIONS, RULES, STANDING_IN
from phonejail.rules.base import OptionValue

FAIL_ON = ("error", "warning", "never")
CONFIG_NAMES = (".phonejail.toml", "phonejail.toml", "pyproject.toml")
"""Looked for in each folder from the trees' up, in this order of preference."""


class ConfigError(Exception):
    """The configuration cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ("PJ",)
    ignore: tuple[str, ...] = ()
    fail_on: str = "error"
    options: Mapping[str, OptionValue] = field(
        default_factory=lambda: MappingProxyType({o.name: o.default for o in OPTIONS.values()})
    )
    exclude: tuple[str, ...] = ()
    """Globs of files and folders skipped when scanning folders."""
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(glob, codes or prefixes) pairs: rules turned off for the files a glob matches."""
    identity_words: tuple[tuple[str, str], ...] = ()
    """(fact id, phrase) pairs: prompts of imported flows saying the phrase ask for the fact."""
    compare_limits: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(dict(COMPARE_LIMITS)))
    """How much worse `compare` lets each exact figure get (defaults.COMPARE_LIMITS)."""
    branch_chances: tuple[tuple[str, float], ...] = ()
    """`--branch-chance NAME=P`: chances of imported flows' branches (docs/importers.md)."""
    root: str | None = None
    """The folder globs are relative to (the configuration file's); None: the current one."""
    source: str | None = None
    """Where the configuration was read, for messages; None for the defaults."""

    def enabled(self, code: str) -> bool:
        """Format rules are always on; for the others the most specific matching entry wins.

        `select = ["PJ"]` with `ignore = ["PJ2"]` turns off PJ2xx, and `--select PJ206`
        turns PJ206 back on, because "PJ206" is longer than "PJ2". A tie goes to ignore.
        """
        if code in FORMAT_CODES:
            return True
        if code in STANDING_IN and code not in self.ignore \
                and any(self.enabled(other) for other in STANDING_IN[code]):
            return True  # PJ008/PJ009 speak for an error that runs (rules.STANDING_IN)
        return self._chosen(code)

    def _chosen(self, code: str) -> bool:
        """The most specific `select`/`ignore` entry matching `code` selects it."""
        selected = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        ignored = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        return selected > ignored

    def enabled_in(self, code: str, path: str) -> bool:
        """`enabled`, and not turned off for this file by `per-file-ignores`.

        A per-file ignore always wins over `select` (it names the files where a rule
        does not apply); format rules stay on, since a tree that does not load cannot
        be checked.
        """
        if not self.enabled(code):
            return False
        if code in FORMAT_CODES or not self.per_file_ignores:
            return True
        relative = self.relative(path)
        here = [prefix for pattern, codes in self.per_file_ignores
                if glob_matches(pattern, relative) for prefix in codes]
        on = not any(code.startswith(prefix) for prefix in here)
        if code not in STANDING_IN:
            return on
        # PJ008 and PJ009 say that callers of an error that runs here were not judged: they
        # run while one does, unless ignored by their own code (docs/configuration.md).
        return (on and self._chosen(code)) or (
            code not in self.ignore and code not in here
            and any(self.enabled_in(other, path) for other in STANDING_IN[code]))

    def unignorable(self) -> tuple[str, ...]:
        """Entries of `ignore` and `per-file-ignores` that name format rules only: they turn
        nothing off, since a tree that does not load cannot be checked (the CLI says so)."""
        entries = [*self.ignore, *(c for _, codes in self.per_file_ignores for c in codes)]
        return tuple(dict.fromkeys(
            entry for entry in entries
            if all(code in FORMAT_CODES for code in RULES if code.startswith(entry))))

    def excluded(self, path: str | Path) -> bool:
        """True if `exclude` matches the file or one of the folders it is in."""
        return bool(self.exclude) and any(glob_matches(p, self.relative(path))
                                          for p in self.exclude)

    def relative(self, path: str | Path) -> str:
        """`path` relative to the configuration's folder, with `/`; `..` parts if outside."""
        root = self.root or os.getcwd()
        return Path(os.path.relpath(os.path.abspath(path), root)).as_posix()

    def with_overrides(self, select: Sequence[str] | None = None,
                       ignore: Sequence[str] | None = None,
                       fail_on: str | None = None) -> Config:
        """Command-line values replace the file's."""
        changes: dict[str, Any] = {}
        if select:
            changes["select"] = validate_codes(select, "--select")
            if not changes["select"]:
                raise ConfigError("--select: empty selection (an unset CI variable?); name "
                                  "codes or prefixes such as PJ1, or leave --select out")
        if ignore:
            changes["ignore"] = validate_codes(ignore, "--ignore")
        if fail_on:
            changes["fail_on"] = fail_on
        return replace(self, **changes)


def validate_codes(codes: Sequence[str], where: str) -> tuple[str, ...]:
    """Each entry must be a code or a prefix of one ("PJ", "PJ1", "PJ101")."""
    result = []
    for raw in codes:
        for code in (c.strip().upper() for c in str(raw).split(",")):
            if not code:
                continue
            if not any(known.startswith(code) for known in RULES):
                raise ConfigError(f"{where}: '{code}' matches no rule{did_you_mean(code, RULES)}; "
                                  "use a code such as PJ103 or a prefix such as PJ1")
            result.append(code)
    return tuple(result)


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as a regular expression: `*` and `?` stay within a folder name, `**` crosses
    folders, `[...]` is a character class; a trailing `/` matches a folder and all in it."""
    body = pattern.strip().removeprefix("./")
    folder = body.endswith("/")
    body = body.rstrip("/")
    out, i = [], 0
    while i < len(body):
        char = body[i]
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if body.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in body[i + 1:]:
            end = body.index("]", i + 1)
            inner = body[i + 1:end]
            out.append("[" + ("^" + inner[1:] if inner.startswith("!") else inner) + "]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    # A pattern without a `/` (other than a trailing one) matches a name at any depth,
    # as in .gitignore: `drafts` skips every folder called drafts.
    anywhere = "/" not in body
    prefix = "(?:.*/)?" if anywhere else ""
    suffix = "/.*" if folder else "(?:/.*)?"
    return re.compile(prefix + "".join(out) + suffix, re.DOTALL)


def glob_matches(pattern: str, relative: str) -> bool:
    """True if the glob matches the path (relative, with `/`) or a folder it is in."""
    return _glob_regex(pattern).fullmatch(relative) is not None


def find_config(start: Path) -> Path | None:
    """The nearest configuration at or above `start` (see the module docstring)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file() and (name != "pyproject.toml"
                                        or "tool.phonejail" in _read_text(candidate)):
                return candidate
    return None


def search_start(paths: Sequence[str | Path]) -> Path:
    """Where to look for a configuration: the folder the named trees share (or the current
    folder, when reading standard input), like ruff and pyproject-based tools."""
    named = [Path(p) for p in paths if str(p) != "-"]
    if not named:
        return Path.cwd()
    folders = [os.path.abspath(p if p.is_dir() else p.parent) for p in named]
    try:
        return Path(os.path.commonpath(folders))
    except ValueError:  # different drives on Windows
        return Path(folders[0])


def _read_text(path: Path) -> str:
    try:
        data = read_capped(path)
    except InputError as exc:
        raise ConfigError(str(exc)) from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_FILE_BYTES:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc


def load_config(path: Path | None = None, search_from: Path | None = None) -> Config:
    """Read `path` (a pyproject.toml or a phonejail TOML file), or find the nearest one
    at or above `search_from` (default: the current folder)."""
    explicit = path is not None
    if path is None:
        path = find_config(search_from or Path.cwd())
        if path is None:
            return Config()
    if explicit and not path.is_file():
        raise ConfigError(f"{path}: no such configuration file")
    if sys.version_info >= (3, 11):  # imported here: most runs find no configuration
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        data = tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    tool = data.get("tool")
    nested = isinstance(tool, Mapping) and "phonejail" in tool
    if path.name == "pyproject.toml" or nested:
        if path.name != "pyproject.toml" and len(data) > 1:
            stray = next(k for k in data if k != "tool")
            raise ConfigError(f"{path}: '{stray}' is outside [tool.phonejail]; write every "
                              "key at the top level or every key under [tool.phonejail]")
        table, section = (tool.get("phonejail") if isinstance(tool, Mapping) else None,
                          "[tool.phonejail]")
    else:
        table, section = data, ""
    if table is None:
        if explicit:
            raise ConfigError(f"{path}: no [tool.phonejail] table")
        return Config()
    return parse_table(table, str(path), section, root=str(path.resolve().parent))


def parse_table(table: Mapping[str, Any], source: str, section: str = "[tool.phonejail]",
                root: str | None = None) -> Config:
    """Validate a table of settings; `section` names where it sits, for messages ("" when
    the keys are at the top of a phonejail TOML file)."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{source}: {section} must be a table")
    allowed = ("select", "ignore", "fail-on", "exclude", "per-file-ignores", "identity-words",
               *OPTIONS, *COMPARE_LIMITS)
    options = {o.name: o.default for o in OPTIONS.values()}
    limits = dict(COMPARE_LIMITS)
    config: dict[str, Any] = {}
    prefix = f"{section} " if section else ""
    for key, value in table.items():
        where = f"{source}: {prefix}{key}"
        if key not in allowed:
            raise ConfigError(f"{source}: unknown key '{key}'{f' in {section}' if section else ''}"
                              f"{did_you_mean(key, allowed)}; allowed: {', '.join(allowed)}")
        if key == "exclude":
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip()
                                                      for v in value):
                raise ConfigError(f"{where}: expected a list of globs, e.g. "
                                  "[\"legacy/\", \"**/draft_*.yaml\"]")
            config["exclude"] = tuple(value)
        elif key == "per-file-ignores":
            config["per_file_ignores"] = _per_file_ignores(value, where)
        elif key == "identity-words":
            config["identity_words"] = _identity_words(value, where)
        elif key in ("select", "ignore"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: expected a list of codes, e.g. [\"PJ1\", \"PJ202\"]")
            config[key] = validate_codes(value, where)
        elif key == "fail-on":
            if value not in FAIL_ON:
                raise ConfigError(f"{where}: expected one of {', '.join(FAIL_ON)}")
            config["fail_on"] = value
        elif key in COMPARE_LIMITS:
            limits[key] = compare_limit(value, where)
        else:
            options[key] = option_value(OPTIONS[key].kind, value, where)
    return Config(options=MappingProxyType(options), compare_limits=MappingProxyType(limits),
                  source=source, root=root, **config)


def compare_limit(value: Any, where: str) -> float:
    """A `compare` threshold: points of a share, steps or seconds, 0 (any worsening fails)
    up to MAX_OPTION_VALUE."""
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not 0 <= value <= MAX_OPTION_VALUE:
        raise ConfigError(f"{where}: expected a number from 0 to {MAX_OPTION_VALUE:,}, e.g. 1.0 "
                          "(percentage points for shares, steps, or seconds)")
    return float(value)


def _rate(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConfigError(f"{where}: expected a share of calls from 0 to 1, e.g. 0.05 for 5%")
    return float(value)


def option_value(kind: str, value: Any, where: str) -> OptionValue:
    """A rule option's value checked against its kind (see `phonejail.rules.base.Option`)."""
    if kind == "rate":
        return _rate(value, where)
    if kind == "persona rates":
        if not isinstance(value, Mapping):
            raise ConfigError(f'{where}: expected a table of persona names and shares, e.g. '
                              f'{{"caregiver" = 0.2}}')
        return tuple(sorted((str(name), _rate(rate, f"{where}.{name}"))
                            for name, rate in value.items()))
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"{where}: expected a whole number >= 0")
    most = 100 if where.endswith("-percent") else MAX_OPTION_VALUE
    if value > most:
        raise ConfigError(f"{where}: at most {most:,}, found {value:,}")
    return value


def _identity_words(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    example = '{member_id = ["scheme number"], pin = ["secret word"]}'
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a table of fact = [phrases], e.g. {example}")
    pairs = []
    for fact, phrases in value.items():
        if not re.fullmatch(r"[A-Za-z_][\w-]*", fact) or not isinstance(phrases, list) or not \
                all(isinstance(w, str) and w.strip() for w in phrases):
            raise ConfigError(f"{where} \"{fact}\": expected a fact id and a list of phrases, "
                              f"e.g. {example}")
        pairs += [(fact, w.strip()) for w in phrases]
    return tuple(pairs)


def _per_file_ignores(value: Any, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    example = '{"imported/*.yaml" = ["PJ2"]}'
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a table of glob = [codes], e.g. {example}")
    pairs = []
    for pattern, codes in value.items():
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ConfigError(f"{where} \"{pattern}\": expected a list of codes, "
                              f"e.g. {example}")
        pairs.append((pattern, validate_codes(codes, f"{where} \"{pattern}\"")))
    return tuple(pairs)
