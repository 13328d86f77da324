"""Configuration: `[tool.phonejail]` in the nearest pyproject.toml, or a file given with --config.

```toml
[tool.phonejail]
select = ["PJ"]              # codes or prefixes: "PJ1" is every trap rule
ignore = ["PJ206"]
fail-on = "error"            # error | warning | never
max-menu-options = 5         # PJ203
max-steps-to-human = 5       # PJ204
max-prompt-seconds = 30      # PJ206
max-queue-wait-seconds = 120 # PJ209: mean wait of served callers in a staffed queue
max-queue-abandon-percent = 10  # PJ209: callers hanging up in the queue
max-jail-rate = 0.05         # PJ105: most a persona's calls may end in jail (0 to 1)
max-overall-jail-rate = 0.02 # PJ105: the same for all calls together (default: off)

[tool.phonejail.persona-max-jail-rate]   # PJ105: a persona's own limit
"caregiver checking a refill" = 0.2
```

A bad configuration raises `ConfigError`, which the CLI turns into exit 2.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from phonejail.fileio import InputError, read_capped
from phonejail.limits import MAX_FILE_BYTES
from phonejail.model.build import did_you_mean
from phonejail.rules import FORMAT_CODES, OPTIONS, RULES
from phonejail.rules.base import OptionValue

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FAIL_ON = ("error", "warning", "never")


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
    source: str | None = None
    """Where the configuration was read, for messages; None for the defaults."""

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        # Read-only mappings do not pickle; `--jobs` and Dask send the config to workers.
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        return _unpickle_config, ({k: dict(v) if isinstance(v, MappingProxyType) else v
                                   for k, v in state.items()},)

    def enabled(self, code: str) -> bool:
        """Format rules are always on; for the others the most specific matching entry wins.

        `select = ["PJ"]` with `ignore = ["PJ2"]` turns off PJ2xx, and `--select PJ206`
        turns PJ206 back on, because "PJ206" is longer than "PJ2". A tie goes to ignore.
        """
        if code in FORMAT_CODES:
            return True
        selected = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        ignored = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        return selected > ignored

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



def _unpickle_config(state: dict[str, Any]) -> Config:
    return Config(**{k: MappingProxyType(v) if isinstance(v, dict) else v
                     for k, v in state.items()})

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


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` that has a [tool.phonejail] table."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and "tool.phonejail" in _read_text(candidate):
            return candidate
    return None


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
    """Read `path` (a pyproject.toml or a phonejail TOML file), or find the nearest one."""
    explicit = path is not None
    if path is None:
        path = find_pyproject(search_from or Path.cwd())
        if path is None:
            return Config()
    if explicit and not path.is_file():
        raise ConfigError(f"{path}: no such configuration file")
    try:
        data = tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    table = data.get("tool", {}).get("phonejail") if path.name == "pyproject.toml" else data
    if table is None:
        if explicit:
            raise ConfigError(f"{path}: no [tool.phonejail] table")
        return Config()
    return parse_table(table, str(path))


def parse_table(table: Mapping[str, Any], source: str) -> Config:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{source}: [tool.phonejail] must be a table")
    allowed = ("select", "ignore", "fail-on", *OPTIONS)
    options = {o.name: o.default for o in OPTIONS.values()}
    config: dict[str, Any] = {}
    for key, value in table.items():
        where = f"{source}: [tool.phonejail] {key}"
        if key not in allowed:
            raise ConfigError(f"{source}: unknown key '{key}' in [tool.phonejail]"
                              f"{did_you_mean(key, allowed)}; allowed: {', '.join(allowed)}")
        if key in ("select", "ignore"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: expected a list of codes, e.g. [\"PJ1\", \"PJ202\"]")
            config[key] = validate_codes(value, where)
        elif key == "fail-on":
            if value not in FAIL_ON:
                raise ConfigError(f"{where}: expected one of {', '.join(FAIL_ON)}")
            config["fail_on"] = value
        else:
            options[key] = option_value(OPTIONS[key].kind, value, where)
    return Config(options=MappingProxyType(options), source=source, **config)


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
    return value
