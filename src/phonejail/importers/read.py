"""Read a Twilio Studio or Amazon Connect export as a phonejail tree.

`read_flow` detects the format by content (or takes it from `--from`), unwraps
the usual envelopes (the Studio Flows API resource and a JavaScript module;
Connect's DescribeContactFlow output) and returns the imported flow, or
problems (PJ001/PJ002) with the JSON's own line and column. Nothing raises on
bad input.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from phonejail.findings import Problem
from phonejail.importers import DEFAULT_SETTINGS, Settings
from phonejail.importers.common import (
    ImportedFlow,
    as_list,
    break_zero_step_cycles,
    disconnect_dangling,
    drop_unmodelled_only,
)
from phonejail.importers.connect import import_connect
from phonejail.importers.jsobject import ScriptError, looks_like_script, to_json
from phonejail.importers.twilio import import_twilio
from phonejail.limits import MAX_DIGITS
from phonejail.model.yamlread import MAX_BYTES


class _Unreadable(ValueError):
    """A JSON number phonejail will not read: `raw` as written."""

    def __init__(self, raw: str, why: str) -> None:
        super().__init__(why)
        self.raw, self.why = raw, why


def _whole(raw: str) -> int:
    if len(raw.lstrip("-0")) > MAX_DIGITS:  # int() of thousands of digits is slow, or refused
        raise _Unreadable(raw, f"a number of {len(raw):,} digits is far too large")
    return int(raw)


def _constant(raw: str) -> float:
    raise _Unreadable(raw, f"'{raw}' is not a JSON number (Python writes it, JSON has none)")


def _position(text: str, needle: str) -> tuple[int, int]:
    at = max(text.find(needle), 0)
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _holds_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        return any(_holds_surrogate(k) or _holds_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_surrogate(v) for v in value)
    return False


def _json(text: str) -> tuple[Any, Problem | None]:
    try:
        data = json.loads(text, parse_int=_whole, parse_constant=_constant)
        escape = _SURROGATE_ESCAPE.search(text)
        if escape and _holds_surrogate(data):
            # A `\ud800` escape without its pair is no character: no tree file can hold it.
            return None, Problem("PJ001", *_position(text, escape[0]),
                                 "JSON: a lone surrogate escape (a half of a character)")
        return data, None
    except _Unreadable as exc:
        return None, Problem("PJ001", *_position(text, exc.raw), f"JSON: {exc.why}")
    except json.JSONDecodeError as exc:
        return None, Problem("PJ001", exc.lineno, exc.colno, f"JSON syntax: {exc.msg}")
    except RecursionError:
        return None, Problem("PJ001", 1, 1, "JSON nested too deeply to be a flow export")


def detect(data: Any) -> str | None:
    """'twilio' or 'connect' if `data` (parsed JSON, unwrapped or not) looks like a flow."""
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("definition"), dict):
        data = data["definition"]
    if _connect_wrapper(data) is not None:
        return "connect"
    if "states" in data and ("initial_state" in data or "flags" in data or _has_trigger(data)):
        return "twilio"
    if "Actions" in data and "StartAction" in data:
        return "connect"
    return None


def _has_trigger(data: dict[str, Any]) -> bool:
    """A Studio definition without `initial_state` (Studio's early exports, or one pasted
    into docs) still has its trigger widget."""
    return any(isinstance(s, dict) and s.get("type") in ("trigger", "InitialState")
               for s in as_list(data.get("states")))


def is_flow_candidate(path: Path) -> bool:
    """Used when searching folders: a flow export, or JSON too broken to tell (to report it).

    Valid JSON that is not a flow (package.json, say) is left alone.
    """
    try:
        if path.stat().st_size > MAX_BYTES:
            return True
        text = path.read_text(encoding="utf-8-sig")
        if looks_like_script(text):
            text = to_json(text)
    except ScriptError:
        return True
    except UnicodeDecodeError:
        return True
    except OSError:
        return False
    data, problem = _json(text)
    return problem is not None or detect(data) is not None


def read_flow(data: bytes, source: str, fmt: str | None = None,
              settings: Settings = DEFAULT_SETTINGS
              ) -> tuple[ImportedFlow | None, list[Problem]]:
    """Parse and import an export. Returns (flow, problems); flow is None if it cannot be read."""
    if len(data) > MAX_BYTES:
        return None, [Problem("PJ001", 1, 1, f"file is larger than {MAX_BYTES:,} bytes")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, [Problem("PJ001", line, 1, "not UTF-8: save the export as UTF-8 JSON")]
    if looks_like_script(text):  # a JavaScript module: read as JSON, every line in place
        try:
            text = to_json(text)
        except ScriptError as exc:
            return None, [Problem("PJ001", exc.line, exc.column, f"JavaScript: {exc.message}")]
    parsed, problem = _json(text)
    if problem:
        return None, [problem]
    found = detect(parsed)
    if isinstance(parsed, dict) and "modules" in parsed and "start" in parsed and not found:
        return None, [Problem("PJ002", 1, 1, "this is the legacy Amazon Connect flow format "
                              "(modules); export the flow in the flow language (Actions) "
                              "instead")]
    kind = fmt or found
    if kind is None:
        return None, [Problem("PJ002", 1, 1, "not a Twilio Studio or Amazon Connect flow "
                              "export: expected `states` and `initial_state` (Studio) or "
                              "`Actions` and `StartAction` (Connect)")]
    if not isinstance(parsed, dict):
        return None, [Problem("PJ002", 1, 1, "a flow export is a JSON object")]
    built = (_twilio if kind == "twilio" else _connect)(parsed, text, source, settings)
    if isinstance(built, Problem):
        return None, [built]
    built.info_success = settings.info
    drop_unmodelled_only(built)
    disconnect_dangling(built)
    break_zero_step_cycles(built)
    if built.not_entry:
        built.problems.append(Problem(
            "PJ005", 1, 1, f"this is {built.not_entry}, not a caller's entry IVR: phonejail "
            "does not judge it as one (import and simulate still read it)"))
    return built, list(built.problems)


def _twilio(parsed: dict[str, Any], text: str, source: str,
            settings: Settings) -> ImportedFlow | Problem:
    definition = parsed.get("definition", parsed)
    if not isinstance(definition, dict) or not isinstance(definition.get("states"), list):
        return Problem("PJ002", 1, 1, "a Studio flow needs a `states` list")
    flow = import_twilio(definition, text, source, settings)
    if isinstance(parsed.get("friendly_name"), str):  # the Flows API resource's name
        flow.name = parsed["friendly_name"]
    return flow


def _connect_wrapper(data: dict[str, Any]) -> dict[str, Any] | None:
    """The envelope holding a Connect flow's `Content`, if `data` is one.

    DescribeContactFlow(Module) output (`ContactFlow` or `ContactFlowModule`, with
    or without boto3's `ResponseMetadata`) and the console's `{Name, Type, Content}`.
    """
    for key in ("ContactFlow", "ContactFlowModule"):
        if isinstance(data.get(key), dict) and "Content" in data[key]:
            return data[key]
    if "Content" in data and ("Name" in data or "Type" in data) and "Actions" not in data:
        return data
    return None


def _connect(parsed: dict[str, Any], text: str, source: str,
             settings: Settings) -> ImportedFlow | Problem:
    wrapper = _connect_wrapper(parsed)
    content: Any = parsed
    if wrapper is not None:  # the flow is a JSON string (or, hand-made, an object)
        content = wrapper.get("Content")
        if not isinstance(content, dict):
            content, problem = _json(str(content or ""))
            if problem:
                return Problem("PJ001", 1, 1, f"Content is not valid JSON: "
                               f"{problem.message} (inside the string, line {problem.line})")
    if not isinstance(content, dict) or not isinstance(content.get("Actions"), list):
        return Problem("PJ002", 1, 1, "a Connect flow needs an `Actions` list")
    wrapped = wrapper or {}
    kind = wrapped.get("Type") or ("MODULE" if "ContactFlowModule" in parsed else None)
    flow = import_connect(content, text, source, settings, kind)
    if isinstance(wrapped.get("Name"), str) and wrapped["Name"].strip():
        flow.name = wrapped["Name"]
    return flow

