"""Twilio Studio flows (the Flow definition JSON) as phonejail trees.

A Gather Input On Call widget whose keypress goes to a Split Based On its
digits becomes a `menu` (each matched key an option, noMatch -> invalid and
fail, timeout -> no_input); a Gather that is not split on its digits and whose
prompt asks for an identifying number becomes an `ask`. See docs/importers.md
for the whole mapping.
"""

from __future__ import annotations

import re
from typing import Any

from phonejail.importers.common import (
    RECORDING,
    ImportedFlow,
    Origin,
    Settings,
    as_dict,
    as_list,
    as_name,
    flow_name,
    identity_fact,
    locate,
    resolve_pass_throughs,
    speech_seconds,
)
from phonejail.model.tree import DTMF_KEYS

AGENTS = {"connect-call-to", "enqueue-call", "send-to-flex"}
BRANCHING = {"run-function": ("success", ("fail",)), "make-http-request": ("success", ("failed",)),
             "run-subflow": ("completed", ("failed",))}
PASS_THROUGH = {"set-variables": "next"}


def _transitions(state: dict[str, Any]) -> dict[str, str | None]:
    result: dict[str, str | None] = {}
    for t in as_list(state.get("transitions")):
        if isinstance(t, dict) and as_name(t.get("event")):
            result.setdefault(str(t["event"]), as_name(t.get("next")))
    return result


def _digits_of(split: dict[str, Any], gather: str) -> bool:
    """True if a split's input is the digits a gather collected."""
    source = str(as_dict(split.get("properties")).get("input", ""))
    return re.search(rf"widgets\.{re.escape(gather)}\.Digits", source) is not None


def _prompt(props: dict[str, Any]) -> str | None:
    if props.get("say"):
        return str(props["say"])
    if props.get("play"):
        return f"{RECORDING}: {props['play']})"
    return None


def import_twilio(definition: dict[str, Any], text: str, source: str,
                  settings: Settings | None = None) -> ImportedFlow:
    success = (settings or Settings()).success
    flow = ImportedFlow("twilio", as_name(definition.get("description")) or flow_name(source),
                        source)
    states: dict[str, dict[str, Any]] = {}
    for k, state in enumerate(as_list(definition.get("states"))):
        name = as_name(as_dict(state).get("name"))
        if name is None or not isinstance(state.get("type"), str):
            flow.warn(None, f"states[{k}] has no name or no type; left out")
            continue
        states[name] = state

    def origin(name: str) -> Origin:
        return Origin(f"Twilio {states[name]['type']}", name, *locate(text, "name", name))

    through: dict[str, str | None] = {}
    absorbed: set[str] = set()
    initial = str(definition.get("initial_state") or "Trigger")
    trigger = states.get(initial)
    if trigger is None:
        flow.warn(None, f"initial_state '{initial}' names no widget")
    else:
        flow.start = _transitions(trigger).get("incomingCall")
        through[initial] = flow.start
    if flow.start is None:
        flow.start = "no_incoming_call"
        flow.nodes["no_incoming_call"] = {"kind": "hangup",
                                          "say": "(the trigger does not handle incoming calls)"}
    for name, state in states.items():
        kind, props, go = state["type"], as_dict(state.get("properties")), _transitions(state)
        if name == initial or name in absorbed:
            continue
        node: dict[str, Any]
        if kind == "say-play":
            say = _prompt(props)
            node = {"kind": "say", "say": say, "seconds": speech_seconds(say),
                    "next": go.get("audioComplete")}
        elif kind == "gather-input-on-call":
            node = _gather(flow, name, props, go, states, absorbed, origin)
        elif kind == "split-based-on":
            node = _branch(flow, name, state, go)
        elif kind in AGENTS:
            queue = props.get("queue_name") or props.get("workflow") or props.get("to") \
                or props.get("noun")
            node = {"kind": "agent", "queue": str(queue) if queue else None}
            flow.unmodelled[name] = [t for t in go.values() if t]
        elif kind == "record-voicemail":
            node = {"kind": "callback", "say": _prompt(props)}
            flow.unmodelled[name] = [t for t in go.values() if t]
        elif kind in BRANCHING:
            ok, failures = BRANCHING[kind]
            failed = next((go[f] for f in failures if f in go), None)
            node = {"kind": "branch", "cases": [{"when": {"chance": success}, "to": go.get(ok)}],
                    "else": failed}
        elif kind in PASS_THROUGH:
            through[name] = go.get(PASS_THROUGH[kind])
            continue
        else:
            nexts = [t for t in go.values() if t]
            through[name] = nexts[0] if nexts else None
            flow.warn(origin(name), f"widget type '{kind}' is not modelled; calls pass straight "
                      f"through it" + (f" to '{nexts[0]}'" if nexts else " and are disconnected"))
            continue
        flow.nodes[name] = {k: v for k, v in node.items() if v is not None}
        flow.origins.setdefault(name, []).insert(0, origin(name))
    if any(s["type"] in ("run-function", "make-http-request", "run-subflow")
           for s in states.values()):
        flow.notes.append(f"Functions, HTTP requests and subflows succeed with chance {success}.")
    resolve_pass_throughs(flow, through)
    return flow


def _gather(flow: ImportedFlow, name: str, props: dict[str, Any], go: dict[str, str | None],
            states: dict[str, dict[str, Any]], absorbed: set[str], origin) -> dict[str, Any]:
    say = _prompt(props)
    pressed = go.get("keypress")
    split = states.get(pressed) if pressed else None
    if split is not None and split["type"] == "split-based-on" and _digits_of(split, name):
        absorbed.add(pressed)
        flow.origins.setdefault(name, []).append(origin(pressed))
        options, seen = [], set()
        split_go = _transitions(split)
        for t in map(as_dict, as_list(split.get("transitions"))):
            if t.get("event") != "match":
                continue
            for condition in map(as_dict, as_list(t.get("conditions"))):
                for key in _keys(condition):
                    if key in DTMF_KEYS and key not in seen:
                        seen.add(key)
                        options.append({"key": key, "to": as_name(t.get("next"))})
                    elif key not in seen:
                        flow.warn(origin(name), f"split '{pressed}' matches '{key}', which is "
                                  "not one key; that branch is left out")
        if not options:
            flow.warn(origin(name), f"split '{pressed}' matches no single key; every key "
                      "counts as a wrong key")
            options = [{"key": "#", "to": split_go.get("noMatch")}]
        wrong = split_go.get("noMatch")
        return {"kind": "menu", "say": say, "seconds": speech_seconds(say),
                "options": [{k: v for k, v in o.items() if v is not None} for o in options],
                "invalid": wrong, "fail": wrong, "no_input": go.get("timeout")}
    fact = identity_fact(say)
    if fact:
        flow.facts.setdefault(*fact)
        return {"kind": "ask", "fact": fact[0], "say": say, "seconds": speech_seconds(say),
                "ok": pressed, "fail": go.get("timeout")}
    flow.warn(origin(name), "collects input that no split reads and that does not look like "
              "an identity question; treated as a prompt")
    return {"kind": "say", "say": say, "seconds": speech_seconds(say),
            "next": pressed or go.get("timeout")}


def _keys(condition: dict[str, Any]) -> list[str]:
    kind, value = condition.get("type"), str(condition.get("value", ""))
    if kind == "equal_to":
        return [value.strip()]
    if kind == "matches_any_of":
        return [v.strip() for v in value.split(",") if v.strip()]
    return [f"{kind} {value}"]


def _branch(flow: ImportedFlow, name: str, state: dict[str, Any], go: dict[str, str | None]
            ) -> dict[str, Any]:
    """A split on anything but a gather's digits: each branch equally likely."""
    matches = [t for t in map(as_dict, as_list(state.get("transitions")))
               if t.get("event") == "match"]
    cases = []
    for k, t in enumerate(matches):
        chance = 1.0 / (len(matches) + 1 - k)  # each of the n + 1 branches: 1/(n + 1)
        cases.append({"when": {"chance": round(chance, 6)}, "to": as_name(t.get("next"))})
    if not cases:
        return {"kind": "branch", "cases": [{"when": {"chance": 0.0}, "to": go.get("noMatch")}],
                "else": go.get("noMatch")}
    flow.notes.append(f"Split '{name}' tests runtime data: its {len(matches) + 1} branches "
                      "are taken with equal chances.")
    return {"kind": "branch", "cases": [{k: v for k, v in c.items() if v is not None}
                                        for c in cases], "else": go.get("noMatch")}
