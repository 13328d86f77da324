"""Amazon Connect flows (the flow language JSON) as phonejail trees.

GetParticipantInput with DTMF conditions becomes a `menu` (NoMatchingCondition
-> invalid and fail, InputTimeLimitExceeded -> no_input); with StoreInput and a
prompt asking for an identifying number it becomes an `ask`. Queues and
third-party transfers are agents, TransferToFlow and EndFlowExecution are
handoffs, Lambdas, hours and metric checks are branches with documented
chances. See docs/importers.md for the whole mapping.
"""

from __future__ import annotations

import math
import re
from typing import Any

from phonejail.importers.common import (
    DEFAULT_OPEN,
    DEFAULT_SUCCESS,
    RECORDING,
    ImportedFlow,
    Origin,
    as_dict,
    as_list,
    as_name,
    identity_fact,
    locate,
    resolve_pass_throughs,
    slug,
    speech_seconds,
    strip_ssml,
)
from phonejail.limits import MAX_DIGITS, MAX_LOOP_COUNT
from phonejail.model.tree import DTMF_KEYS

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
SILENT = ("Update", "Set", "Create", "Tag", "Resume")
"""Action types starting so change data, not the call: calls pass through them silently."""


def _node_ids(actions: list[dict[str, Any]]) -> dict[str, str]:
    """Readable node ids: the identifier when it is readable, else the action type numbered."""
    ids: dict[str, str] = {}
    used: set[str] = set()
    counts: dict[str, int] = {}
    for action in actions:
        ident = str(as_name(action["Identifier"]))
        if _UUID.match(ident) or not ident.strip():
            base = slug(re.sub(r"(?<!^)(?=[A-Z])", "_", str(action.get("Type", "action"))))
            counts[base] = counts.get(base, 0) + 1
            candidate = f"{base}_{counts[base]}"
        else:
            candidate = ident
        while candidate in used:
            candidate += "_"
        used.add(candidate)
        ids[ident] = candidate
    return ids


def _loop_count(raw: Any) -> int | None:
    """A Loop block's count, or None unless it is a whole number within the limit."""
    text = str(1 if raw in (None, "") else raw)
    try:
        count = float(text) if len(text) <= MAX_DIGITS else math.nan
    except ValueError:
        return None
    return int(count) if count.is_integer() and 0 <= count <= MAX_LOOP_COUNT else None


def _prompt(params: dict[str, Any]) -> str | None:
    if params.get("Text"):
        return str(params["Text"])
    if params.get("SSML"):
        return strip_ssml(str(params["SSML"]))
    if params.get("PromptId"):
        return f"{RECORDING}: prompt {params['PromptId']})"
    return None


def import_connect(content: dict[str, Any], text: str, source: str,
                   success: float = DEFAULT_SUCCESS, open_chance: float = DEFAULT_OPEN
                   ) -> ImportedFlow:
    actions = [a for a in as_list(content.get("Actions")) if isinstance(a, dict)
               and as_name(a.get("Identifier")) and isinstance(a.get("Type"), str)]
    name = as_name(as_dict(content.get("Metadata")).get("name"))
    flow = ImportedFlow("connect", name or source, source)
    if len(actions) < len(as_list(content.get("Actions"))):
        flow.warn(None, "actions without an Identifier or a Type are left out")
    ids = _node_ids(actions)
    through: dict[str, str | None] = {}
    queue: str | None = None
    used = {"lambda": False, "hours": False, "loop": False, "compare": False}

    def target(ident: Any) -> str | None:
        name = as_name(ident)
        return ids.get(name) if name else None

    flow.start = target(content.get("StartAction"))
    if flow.start is None:
        flow.warn(None, f"StartAction '{content.get('StartAction')}' names no action")
        flow.start = "no_start"
        flow.nodes["no_start"] = {"kind": "hangup"}
    for action in actions:
        ident, kind = str(as_name(action["Identifier"])), action["Type"]
        node_id = ids[ident]
        params = as_dict(action.get("Parameters"))
        moves = as_dict(action.get("Transitions"))
        nxt = target(moves.get("NextAction"))
        errors = {str(e.get("ErrorType")): target(e.get("NextAction"))
                  for e in map(as_dict, as_list(moves.get("Errors"))) if e}
        conditions = [(as_dict(c.get("Condition")), target(c.get("NextAction")))
                      for c in map(as_dict, as_list(moves.get("Conditions"))) if c]
        origin = Origin(f"Connect {kind}", ident, *locate(text, "Identifier", ident))
        if node_id != ident:
            flow.generated.add(node_id)
        node: dict[str, Any] | None
        if kind == "MessageParticipant":
            say = _prompt(params)
            node = {"kind": "say", "say": say, "seconds": speech_seconds(say), "next": nxt}
        elif kind == "GetParticipantInput":
            node = _input(flow, origin, params, nxt, errors, conditions)
        elif kind == "DisconnectParticipant":
            node = {"kind": "hangup"}
        elif kind == "UpdateContactTargetQueue":
            queue = str(params.get("QueueId") or params.get("AgentId") or "queue")
            through[node_id] = nxt
            continue
        elif kind == "TransferContactToQueue":
            node = {"kind": "agent", "queue": queue}
            flow.unmodelled[node_id] = [t for t in (nxt, *errors.values()) if t]
        elif kind == "TransferParticipantToThirdParty":
            node = {"kind": "agent", "queue": str(params.get("ThirdPartyPhoneNumber")
                                                  or "third party")}
            flow.unmodelled[node_id] = [t for t in (nxt, *errors.values()) if t]
        elif kind in ("TransferToFlow", "EndFlowExecution"):
            flow.unmodelled[node_id] = [t for t in (nxt, *errors.values()) if t]
            destination = (f"flow {params['ContactFlowId']}" if params.get("ContactFlowId")
                           else "the end of this flow: the contact goes on elsewhere")
            node = {"kind": "handoff", "destination": destination}
        elif kind == "InvokeLambdaFunction":
            used["lambda"] = True
            failed = next(iter(errors.values()), None)
            node = {"kind": "branch", "cases": [{"when": {"chance": success}, "to": nxt}],
                    "else": failed}
        elif kind == "CheckHoursOfOperation":
            used["hours"] = True
            branch = {_operand(c).lower(): t for c, t in conditions}
            node = {"kind": "branch",
                    "cases": [{"when": {"chance": open_chance}, "to": branch.get("true")}],
                    "else": branch.get("false", next(iter(errors.values()), None))}
        elif kind == "Loop":
            used["loop"] = True
            count = _loop_count(params.get("LoopCount"))
            if count is None:
                written = str(params.get("LoopCount"))[:20]
                flow.warn(origin, f"LoopCount '{written}' is not a number from 0 to "
                                  f"{MAX_LOOP_COUNT:,}; read as 1")
                count = 1
            by_name = {_operand(c): t for c, t in conditions}
            node = {"kind": "branch",
                    "cases": [{"when": {"chance": round(count / (count + 1), 6)},
                               "to": by_name.get("ContinueLooping")}],
                    "else": by_name.get("DoneLooping")}
        elif kind == "DistributeByPercentage" and _percent_cases(conditions) is not None:
            node = {"kind": "branch", "cases": _percent_cases(conditions),
                    "else": errors.get("NoMatchingCondition", nxt)}
        elif kind in ("Compare", "CheckMetricData", "DistributeByPercentage"):
            used["compare"] = True
            cases = [{"when": {"chance": round(1.0 / (len(conditions) + 1 - k), 6)}, "to": t}
                     for k, (_, t) in enumerate(conditions)]
            node = {"kind": "branch",
                    "cases": cases or [{"when": {"chance": 0.0}, "to": nxt}],
                    "else": nxt or next(iter(errors.values()), None)}
        elif kind.startswith(SILENT):
            through[node_id] = nxt
            continue
        else:
            through[node_id] = nxt
            flow.warn(origin, f"action type '{kind}' is not modelled; calls pass straight "
                      "through it" + (" to its NextAction" if nxt else " and are disconnected"))
            continue
        flow.nodes[node_id] = _clean(node)
        flow.origins[node_id] = [origin]
    if used["lambda"]:
        flow.notes.append(f"Lambda functions succeed with chance {success}.")
    if used["hours"]:
        flow.notes.append(f"Hours-of-operation checks find the centre open with chance "
                          f"{open_chance}.")
    if used["loop"]:
        flow.notes.append("A Loop of N rounds continues with chance N/(N+1): the same mean "
                          "number of rounds, not a counter.")
    if used["compare"]:
        flow.notes.append("Compare and metric checks test runtime data: their branches are "
                          "taken with equal chances.")
    resolve_pass_throughs(flow, through)
    return flow


def _operand(condition: dict[str, Any]) -> str:
    """The first operand of a condition, as text ('' if there is none)."""
    operands = as_list(condition.get("Operands"))
    return str(as_name(operands[0]) or "") if operands else ""


def _percent_cases(conditions: list[tuple[dict, str | None]]) -> list[dict[str, Any]] | None:
    """Connect draws r from 1..100; `r < x` conditions, first that holds wins (exact chances).

    None if the conditions are not such a chain of thresholds.
    """
    try:
        chain = sorted((float(_operand(c)), t) for c, t in conditions
                       if str(c.get("Operator", "")).startswith("Num"))
    except ValueError:
        return None
    if not chain or len(chain) != len(conditions):
        return None
    cases, below, left = [], 1.0, 1.0  # `below`: lowest r not yet taken
    for threshold, target in chain:
        share = max(min(threshold, 101.0) - below, 0.0) / 100.0
        cases.append({"when": {"chance": round(share / left, 6) if left > 0 else 0.0},
                      "to": target})
        left -= share
        below = max(below, min(threshold, 101.0))
    return cases


def _clean(node: dict[str, Any]) -> dict[str, Any]:
    if node.get("kind") == "branch":
        node["cases"] = [{k: v for k, v in c.items() if v is not None} for c in node["cases"]]
    return {k: v for k, v in node.items() if v is not None}


def _input(flow: ImportedFlow, origin: Origin, params: dict[str, Any], nxt: str | None,
           errors: dict[str, str | None], conditions: list[tuple[dict, str | None]]
           ) -> dict[str, Any]:
    say = _prompt(params)
    stores = str(params.get("StoreInput", "False")).lower() == "true"
    if not stores:
        options, seen = [], set()
        for condition, to in conditions:
            for operand in as_list(condition.get("Operands")):
                key = str(as_name(operand) or "").strip()
                if key in DTMF_KEYS and key not in seen:
                    seen.add(key)
                    options.append({"key": key, "to": to})
                elif key not in seen:
                    flow.warn(origin, f"condition on '{key}' is not one key; left out")
        wrong = errors.get("NoMatchingCondition", errors.get("NoMatchingError"))
        if not options:
            flow.warn(origin, "no DTMF conditions; every key counts as a wrong key")
            options = [{"key": "#", "to": wrong}]
        return {"kind": "menu", "say": say, "seconds": speech_seconds(say),
                "options": [{k: v for k, v in o.items() if v is not None} for o in options],
                "invalid": wrong, "fail": errors.get("NoMatchingError", wrong),
                "no_input": errors.get("InputTimeLimitExceeded")}
    fact = identity_fact(say)
    failed = errors.get("InputTimeLimitExceeded", errors.get("NoMatchingError"))
    if fact:
        flow.facts.setdefault(*fact)
        return {"kind": "ask", "fact": fact[0], "say": say, "seconds": speech_seconds(say),
                "ok": nxt, "fail": failed}
    flow.warn(origin, "stores input that does not look like an identity question; treated as "
              "a prompt")
    return {"kind": "say", "say": say, "seconds": speech_seconds(say), "next": nxt}
