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

from phonejail.importers import Settings
from phonejail.importers.common import (
    RECORDING,
    ImportedFlow,
    Origin,
    as_dict,
    as_list,
    as_name,
    chance_cases,
    flow_name,
    identity_fact,
    locate,
    resolve_pass_throughs,
    share_out,
    speech_seconds,
)
from phonejail.importers.connect import HUMAN_INTENT
from phonejail.model.tree import DTMF_KEYS

AGENTS = {"connect-call-to", "enqueue-call", "send-to-flex"}
BRANCHING = {"run-function": ("success", ("fail",)), "make-http-request": ("success", ("failed",)),
             "run-subflow": ("completed", ("failed",))}
PASS_THROUGH = {"set-variables": "next"}
MESSAGING = ("incomingMessage", "incomingConversationMessage", "incomingRequest",
             "incomingParent")
"""Trigger events of flows that are not phone calls."""
BETWEEN = {"run-function": "success", "set-variables": "next", "make-http-request": "success"}
"""Widgets that may sit between a gather and the split on its digits (parsing them)."""
TEXTS = "\x00texts"
"""Where a voice flow's messaging-trigger targets wait until pass-throughs are resolved."""
REDIRECTS = {"twiml-redirect", "add-twiml-redirect"}
"""Widgets that hand the call to TwiML elsewhere (a Function, Flex): the call leaves the flow."""
VOICEMAIL_URL = re.compile(r"voice[-_ ]?mail", re.I)
"""A Function or redirect whose address names a voicemail records a message: a callback."""
EARLY_TYPES = {"InitialState": "trigger", "Gather": "gather-input-on-call",
               "Branch": "split-based-on", "Webhook": "make-http-request",
               "SayPlay": "say-play", "Dial": "connect-call-to", "Enqueue": "enqueue-call",
               "Record": "record-voicemail", "RunFunction": "run-function",
               "SetVariables": "set-variables"}
"""Widget types of Studio's early exports (each state has a `sid`, and transitions name
the next state by its sid), as today's names."""


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
    for k, state in enumerate(_today(as_list(definition.get("states")))):
        name = as_name(as_dict(state).get("name"))
        if name is None or not isinstance(state.get("type"), str):
            flow.warn(None, f"states[{k}] has no name or no type; left out")
            continue
        states[name] = state

    def origin(name: str) -> Origin:
        return Origin(f"Twilio {states[name]['type']}", name, *locate(text, "name", name))

    through: dict[str, str | None] = {}
    # an export without `initial_state` (an early one, or one pasted into docs) starts at
    # its trigger widget
    triggers = [name for name, state in states.items() if state["type"] == "trigger"]
    initial = str(definition.get("initial_state") or (triggers[0] if triggers else "Trigger"))
    trigger = states.get(initial)
    if trigger is None:
        flow.warn(None, f"initial_state '{initial}' names no widget")
    else:
        flow.start = _transitions(trigger).get("incomingCall")
        through[initial] = flow.start
        if flow.start is None and any(_transitions(trigger).get(e) for e in MESSAGING):
            flow.not_entry = "a messaging flow (SMS, chat or REST-triggered): no incoming call"
    if flow.start is None:
        flow.start = "no_incoming_call"
        flow.nodes["no_incoming_call"] = {"kind": "hangup",
                                          "say": "(the trigger does not handle incoming calls)"}
    if flow.not_entry:  # its widgets text and wait for replies: nothing a caller hears
        return flow
    if trigger is not None and flow.start in states:
        # a flow that also answers texts: what only a text reaches is not a caller's
        texts = [t for e, t in _transitions(trigger).items() if e in MESSAGING and t]
        flow.unmodelled.setdefault(TEXTS, []).extend(texts)  # resolved, then the start's
    by_call = _reached(states, flow.start)
    """Widgets an incoming call can reach (a flow that also answers texts has others)."""
    menus = _menus(states)
    absorbed = {part for split, chain in menus.values() for part in (split, *chain)}
    spoken = {name: str(_transitions(states[name]).get("speech")) for name, (keys, _) in
              menus.items() if _speech_split(states, name, keys)}
    """Menus whose spoken answer goes to a split on its words that leads where keys do."""
    absorbed |= set(spoken.values())
    for name, split in spoken.items():
        through[split] = name
    bots = _bots(states)
    """Voice bots (Autopilot) whose session's end goes to a split on the task they chose."""
    absorbed |= set(bots.values())
    for name, split in bots.items():
        through[split] = name
    for name, (split, chain) in menus.items():
        # the split and the widgets between it and the gather live on in the menu; anything
        # else that goes to them goes back to the gather (which asks again)
        for part in (split, *chain):
            through[part] = name
    for name, state in states.items():
        kind, props, go = state["type"], as_dict(state.get("properties")), _transitions(state)
        if name == initial or name in absorbed and name not in menus:
            continue
        node: dict[str, Any]
        if kind == "say-play":
            say = _prompt(props)
            node = {"kind": "say", "say": say, "seconds": speech_seconds(say),
                    "next": go.get("audioComplete")}
        elif kind == "gather-input-on-call":
            node = _gather(flow, name, props, go, states, menus.get(name), origin,
                           settings or Settings())
            if name in spoken:  # a caller who says the choice goes where its key goes
                flow.origins.setdefault(name, []).append(origin(spoken[name]))
                flow.assumed[name] = (f"spoken answers go to split '{spoken[name]}', which "
                                      "leads where the keys do: read as the keys")
        elif kind == "split-based-on":
            node = _branch(flow, name, state, go, settings or Settings())
        elif name in bots:
            node = _bot(flow, name, go, states[bots[name]], origin)
        elif kind in AGENTS:
            queue = props.get("queue_name") or props.get("workflow") or props.get("to") \
                or props.get("noun")
            node = {"kind": "agent", "queue": str(queue) if queue else None}
            flow.unmodelled[name] = [t for t in go.values() if t]
        elif kind == "record-voicemail" or (
                kind in (*BRANCHING, *REDIRECTS) and VOICEMAIL_URL.search(_address(props))):
            node = {"kind": "callback", "say": _prompt(props)}
            flow.unmodelled[name] = [t for t in go.values() if t]
        elif kind in REDIRECTS:
            node = {"kind": "handoff", "destination": _address(props) or "TwiML elsewhere"}
            flow.unmodelled[name] = [t for t in go.values() if t]  # a return is not followed
        elif kind == "end-call":
            node = {"kind": "hangup"}
        elif kind in BRANCHING:
            ok, failures = BRANCHING[kind]
            failed = next((go[f] for f in failures if f in go), None)
            node = {"kind": "branch", "cases": [{"when": {"chance": success}, "to": go.get(ok)}],
                    "else": failed}
        elif kind in PASS_THROUGH:
            through[name] = go.get(PASS_THROUGH[kind])
            continue
        elif name not in by_call:  # a widget only texts reach: nothing a caller meets
            nexts = [t for t in go.values() if t]
            through[name] = nexts[0] if nexts else None
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
    texts = flow.unmodelled.pop(TEXTS, [])
    if texts and flow.start in flow.nodes:
        flow.unmodelled.setdefault(flow.start, []).extend(texts)
    return flow


def _today(states: list[Any]) -> list[Any]:
    """Studio's early export format in today's terms: its widget types renamed, and its
    transitions' `next` (a state's sid) replaced by that state's name."""
    early = [s for s in states if isinstance(s, dict) and _early_type(s.get("type"))]
    if not early:
        return states
    names = {str(s["sid"]): s.get("name") for s in states
             if isinstance(s, dict) and isinstance(s.get("sid"), str)}
    renamed = []
    for state in states:
        if not isinstance(state, dict):
            renamed.append(state)
            continue
        moves = [{**t, "next": names.get(str(t.get("next")), t.get("next"))}
                 if isinstance(t, dict) and t.get("next") is not None else t
                 for t in as_list(state.get("transitions"))]
        renamed.append({**state, "type": _early_type(state.get("type")) or state.get("type"),
                        "transitions": moves})
    return renamed


def _early_type(kind: Any) -> str | None:
    """Today's name of an early export's widget type; None for any other value (a type
    that is not a string, as a broken export can have, included)."""
    return EARLY_TYPES.get(kind) if isinstance(kind, str) else None


def _reached(states: dict[str, dict[str, Any]], start: str | None) -> set[str]:
    """The widgets reachable from `start` by any transition (a split's conditions too)."""
    seen: set[str] = set()
    todo = [start] if start else []
    while todo:
        here = todo.pop()
        if here in seen or here not in states:
            continue
        seen.add(here)
        todo += [str(t.get("next")) for t in map(as_dict, as_list(states[here].get("transitions")))
                 if as_name(t.get("next"))]
    return seen


def _address(props: dict[str, Any]) -> str:
    """Where a Function, HTTP request or redirect goes (its URL or Function id), or ''."""
    return str(props.get("url") or props.get("function_sid") or "")


def _bots(states: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Bots whose `sessionEnded` goes to a split on their `CurrentTask`: bot -> split."""
    found = {}
    for name, state in states.items():
        split = states.get(str(_transitions(state).get("sessionEnded")))
        if state["type"] == "send-to-auto-pilot" and split is not None \
                and split["type"] == "split-based-on" and re.search(
                    rf"widgets\.{re.escape(name)}\.CurrentTask",
                    str(as_dict(split.get("properties")).get("input", ""))):
            found[name] = str(split["name"])
    return found


def _bot(flow: ImportedFlow, name: str, go: dict[str, str | None], split: dict[str, Any],
         origin) -> dict[str, Any]:
    """A voice bot and the split on its task: a speech menu whose choices are the tasks
    (written as keys 1, 2, ...; a task asking for a person is 0), its failure the split's
    no-match: the caller says what they need and the bot routes it, as Connect's Lex bots
    are read. Which task a caller's words end in is their choice, not an equal share of
    runtime data. The bot's own `failure` (a misconfigured bot) is not modelled."""
    keys, options, names = list("123456789*#"), [], []
    for t in map(as_dict, as_list(split.get("transitions"))):
        if t.get("event") != "match":
            continue
        first = as_dict((as_list(t.get("conditions")) or [{}])[0])
        task = str(as_name(first.get("value")) or "task")
        if HUMAN_INTENT.search(task) and all(o["key"] != "0" for o in options):
            key = "0"
        elif keys:
            key = keys.pop(0)
        else:
            flow.warn(origin(name), f"more tasks than keys; '{task}' is left out")
            continue
        options.append({"key": key, "to": as_name(t.get("next"))})
        names.append(f"{key} = {task}")
    flow.origins.setdefault(name, []).append(origin(str(split["name"])))
    flow.unmodelled.setdefault(name, []).extend(t for t in [go.get("failure")] if t)
    flow.assumed[name] = f"bot tasks (split '{split['name']}') as keys: " + ", ".join(names)
    wrong = _transitions(split).get("noMatch")
    return {"kind": "menu", "input": "speech",
            "options": [{k: v for k, v in o.items() if v is not None} for o in options]
            or [{"key": "1"}],
            "invalid": wrong, "fail": wrong, "no_input": go.get("timeout", wrong)}


def _speech_split(states: dict[str, dict[str, Any]], gather: str, keys: str) -> bool:
    """True if a menu's spoken answer goes to a split on its words that leads only where its
    keys' split `keys` does (so the menu's options stand for both)."""
    split = states.get(str(_transitions(states[gather]).get("speech")))
    if split is None or split["type"] != "split-based-on":
        return False
    source = str(as_dict(split.get("properties")).get("input", ""))
    return (re.search(rf"widgets\.{re.escape(gather)}\.SpeechResult", source) is not None
            and _split_targets(split) <= _split_targets(states[keys]))


def _split_targets(split: dict[str, Any]) -> set[str | None]:
    return {as_name(t.get("next")) for t in map(as_dict, as_list(split.get("transitions")))}


def _menus(states: dict[str, dict[str, Any]]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Gathers that are menus: gather -> (the split on its digits, the widgets between).

    The keypress may go straight to a split on `widgets.NAME.Digits`, or through
    functions and variables (which parse the digits) to a split whose every match
    is one key.
    """
    found: dict[str, tuple[str, tuple[str, ...]]] = {}
    for name, state in states.items():
        if state["type"] != "gather-input-on-call":
            continue
        chain: list[str] = []
        here = _transitions(state).get("keypress")
        while here in states and states[here]["type"] in BETWEEN and len(chain) < 4 \
                and here not in chain:
            chain.append(here)
            here = _transitions(states[here]).get(BETWEEN[states[here]["type"]])
        split = states.get(here) if here else None
        if split is None or split["type"] != "split-based-on":
            continue
        if _digits_of(split, name) or (chain and _single_keys(split)):
            found[name] = (str(here), tuple(chain))
    return found


def _single_keys(split: dict[str, Any]) -> bool:
    keys = [key for t in map(as_dict, as_list(split.get("transitions")))
            if t.get("event") == "match"
            for c in map(as_dict, as_list(t.get("conditions"))) for key in _keys(c)]
    return bool(keys) and all(k in DTMF_KEYS for k in keys)


def _gather(flow: ImportedFlow, name: str, props: dict[str, Any], go: dict[str, str | None],
            states: dict[str, dict[str, Any]], menu: tuple[str, tuple[str, ...]] | None,
            origin, settings: Settings) -> dict[str, Any]:
    say = _prompt(props)
    pressed = go.get("keypress")
    if menu is not None:
        pressed, chain = menu
        split = states[pressed]
        for part in (*chain, pressed):
            flow.origins.setdefault(name, []).append(origin(part))
        for part in chain:  # a parsing step's failure is not modelled: the menu goes on
            failed = [t for e, t in _transitions(states[part]).items()
                      if t and e != BETWEEN[states[part]["type"]]]
            flow.unmodelled.setdefault(name, []).extend(failed)
        if chain:
            flow.assumed[name] = ("keypress goes through " + ", ".join(f"'{c}'" for c in chain)
                                  + f" to split '{pressed}'; their failures are not modelled")
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
        silence = go.get("timeout")
        if silence in (pressed, *chain):  # the time-out goes into its own split: no match
            silence = wrong
        return {"kind": "menu", "say": say, "seconds": speech_seconds(say),
                "options": [{k: v for k, v in o.items() if v is not None} for o in options],
                "invalid": wrong, "fail": wrong, "no_input": silence}
    fact = identity_fact(say, settings.identity_words)
    if fact:
        flow.facts.setdefault(*fact)
        return {"kind": "ask", "fact": fact[0], "say": say, "seconds": speech_seconds(say),
                "ok": pressed, "fail": go.get("timeout")}
    flow.warn(origin(name), "collects input that no split reads and that does not look like "
              "an identity question; treated as a prompt")
    # the answer goes on: the first of keypress, speech and timeout that leads elsewhere (a
    # gather asking "who is calling?" may loop back on keys and go on only when spoken to);
    # the other transitions are not modelled, so what only they reach is left out, not PJ104
    answers = [go.get(e) for e in ("keypress", "speech", "timeout")]
    onward = next((t for t in answers if t and t != name), None)
    flow.unmodelled.setdefault(name, []).extend(
        t for t in answers if t and t not in (name, onward))
    return {"kind": "say", "say": say, "seconds": speech_seconds(say), "next": onward}


def _keys(condition: dict[str, Any]) -> list[str]:
    kind, value = condition.get("type"), str(condition.get("value", ""))
    if kind == "equal_to":
        return [value.strip()]
    if kind == "matches_any_of":
        return [v.strip() for v in value.split(",") if v.strip()]
    return [f"{kind} {value}"]


def _branch(flow: ImportedFlow, name: str, state: dict[str, Any], go: dict[str, str | None],
            settings: Settings) -> dict[str, Any]:
    """A split on anything but a gather's digits: each branch equally likely (assumed), or as
    `--branch-chance` sets (NAME.LABEL or LABEL: the condition's name or value)."""
    matches = [t for t in map(as_dict, as_list(state.get("transitions")))
               if t.get("event") == "match"]
    if not matches:
        return {"kind": "branch", "cases": [{"when": {"chance": 0.0}, "to": go.get("noMatch")}],
                "else": go.get("noMatch")}
    branches = []
    for k, t in enumerate(matches):
        first = as_dict((as_list(t.get("conditions")) or [{}])[0])
        label = str(as_name(first.get("friendly_name")) or as_name(first.get("value"))
                    or f"match {k + 1}")
        branches.append((label, settings.chance(name, label, None), as_name(t.get("next"))))
    shared = share_out([*branches, ("noMatch", settings.chance(name, "noMatch", None),
                                    go.get("noMatch"))])
    flow.assumed[name] = "chances assumed: " + ", ".join(
        f"{label} {round(p, 4)}" for label, p, _ in shared)
    note = ("A split on runtime data takes its branches with equal chances (assumed; set "
            "them with --branch-chance).")
    if note not in flow.notes:
        flow.notes.append(note)
    return {"kind": "branch", "cases": chance_cases([(p, to) for _, p, to in shared[:-1]]),
            "else": go.get("noMatch")}
