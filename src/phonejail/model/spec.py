"""Format version 1, as data: every key the loader accepts, its type, default and meaning.

The loader (`build.py`) validates against these tables and `schema.py` renders
them as the JSON Schema shipped in `schema/`, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from phonejail import limits

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    """One of the value types handled by `build._VALUE_READERS`, or an object name."""
    doc: str
    required: bool = False
    default: object = None
    maximum: float | None = None
    """Largest value a number may take (docs/format.md, "Limits"); None for chances."""


def _fields(*fields: Field) -> MappingProxyType[str, Field]:
    return MappingProxyType({f.name: f for f in fields})


TARGET_DOC = "id of the node to go to; left out, the call is disconnected"

TREE = _fields(
    Field("phonejail", "version", "format version; must be 1", required=True),
    Field("name", "title", "name of the phone line", required=True),
    Field("description", "text", "free text"),
    Field("start", "target", "id of the first node", required=True),
    Field("intents", "intent_ids", "why people call (non-empty, unique)", required=True),
    Field("identity", "identity", "facts the system or an agent may ask for, by id"),
    Field("nodes", "nodes", "the nodes of the menu, by id", required=True),
    Field("callers", "callers", "synthetic personas; without them, one per intent knowing "
          "every fact, in equal shares"),
    Field("sensitive", "intent_refs", "intents that change an account (a card, an address, "
          "a password): resolving one with no identity fact given is an unverified "
          "resolution (PJ301)"),
    Field("queues", "queues", "staffing of agent queues, by the name agents give as `queue`: "
          "the wait and the abandonment in the queue come from the Erlang A model"),
)

QUEUE = _fields(
    Field("agents", "count", "agents answering this queue (N)", required=True,
          maximum=limits.MAX_AGENTS),
    Field("calls_per_hour", "positive", "calls arriving at this queue per hour", required=True,
          maximum=limits.MAX_CALLS_PER_HOUR),
    Field("handle_seconds", "positive", "mean seconds an agent spends on one call",
          required=True, maximum=limits.MAX_QUEUE_SECONDS),
    Field("patience_seconds", "positive", "mean seconds a caller waits in the queue before "
          "hanging up; left out, callers never leave the queue (Erlang C)",
          maximum=limits.MAX_QUEUE_SECONDS),
)

FACT = _fields(
    Field("label", "text", "how the fact is named to callers, e.g. 'home phone number'"),
)

COMMON = _fields(
    Field("kind", "kind", "say, menu, ask, branch, self_service, agent, callback, hangup or "
          "handoff", required=True),
    Field("say", "text", "what the caller hears"),
    Field("seconds", "whole", "length of the prompt in whole seconds; counted towards "
          "seconds-to-human on nodes that take a step", default=0,
          maximum=limits.MAX_PROMPT_SECONDS),
)

KIND_FIELDS = MappingProxyType({
    "say": _fields(Field("next", "target", TARGET_DOC)),
    "menu": _fields(
        Field("options", "options", "the keys a caller can press", required=True),
        Field("invalid", "target", "where a wrong key goes; left out, the call is disconnected"),
        Field("no_input", "target", "where silence goes; left out, the call is disconnected "
              "(checked by the linter only)"),
        Field("retries", "whole", "failures allowed before `fail`", default=2,
              maximum=limits.MAX_RETRIES),
        Field("fail", "target", "where the call goes after the last failure; left out, "
              "the call is disconnected"),
        Field("input", "input_mode", "how callers choose: dtmf (keys), speech (spoken, "
              "understood with chance `recognition`) or both (spoken first, keys after a "
              "failed utterance)", default="dtmf"),
        Field("recognition", "chance", "chance that a spoken choice is understood (speech "
              "and both menus); a persona's `understood` multiplies it", default=0.9),
    ),
    "ask": _fields(
        Field("fact", "fact", "the identity fact asked for", required=True),
        Field("retries", "whole", "attempts allowed after a failed one", default=2,
              maximum=limits.MAX_RETRIES),
        Field("ok", "target", "where the call goes once the fact is given"),
        Field("fail", "target", "where the call goes after the last failed attempt; left out, "
              "the call is disconnected"),
    ),
    "branch": _fields(
        Field("cases", "cases", "conditions tried in order; the first that holds wins",
              required=True),
        Field("else", "target", "where the call goes when no case holds"),
    ),
    "self_service": _fields(
        Field("resolves", "intent_refs", "intents this recording or automation settles"),
        Field("success", "chance", "chance that it settles a call it can settle", default=1.0),
        Field("next", "target", "where the call goes when not settled; left out, the call "
              "ends unresolved"),
    ),
    "agent": _fields(
        Field("queue", "text", "name of the agent queue, e.g. 'billing (Manila)'"),
        Field("wait_seconds", "whole", "hold time before the human answers", default=0,
              maximum=limits.MAX_WAIT_SECONDS),
        Field("asks", "fact_refs", "identity facts the human asks for, in order"),
        Field("resolves", "intent_refs", "intents this human can settle; left out, every intent"),
        Field("transfer", "target", "where an unsettled call is transferred (one step of "
              "the caller's patience); left out, the call ends unresolved"),
        Field("success", "chance", "chance that this human settles a call whose intent it "
              "resolves; otherwise the call is transferred", default=1.0),
    ),
    "callback": _fields(),
    "handoff": _fields(
        Field("destination", "text", "where the call leaves this tree for: another flow, an "
              "outside number (free text; phonejail cannot follow it)"),
    ),
    "hangup": _fields(),
})

PROMPTLESS_KINDS = frozenset({"branch"})
"""Kinds without `say`/`seconds`: a branch routes silently and takes no step."""

OPTION = _fields(
    Field("key", "dtmf", "one DTMF key: 0-9, * or # (quote * and #)", required=True),
    Field("to", "target", TARGET_DOC),
    Field("serves", "intent_refs", "intents this option is meant for"),
)

CASE = _fields(
    Field("when", "when", "the condition: exactly one of chance, knows, given, intent",
          required=True),
    Field("to", "target", TARGET_DOC),
)

WHEN = _fields(
    Field("chance", "chance", "holds with this chance, drawn afresh at each visit"),
    Field("knows", "fact", "holds if the caller knows this fact"),
    Field("given", "fact", "holds if the caller has given this fact already in this call"),
    Field("intent", "intent", "holds if the caller calls for this intent"),
)

PERSONA = _fields(
    Field("name", "name", "the persona's name, unique in the tree", required=True),
    Field("share", "weight", "weight in the caller population (normalised)", default=1.0,
          maximum=limits.MAX_SHARE),
    Field("intent", "intent", "why this caller calls", required=True),
    Field("knows", "fact_refs", "facts this caller can give; left out, every fact"),
    Field("patience", "count", "steps before hanging up", default=25,
          maximum=limits.MAX_PATIENCE),
    Field("zero_out", "chance", "chance of pressing 0 when no option fits", default=0.5),
    Field("mistakes", "chance", "chance of a wrong key at a menu or a typo at an ask",
          default=0.02),
    Field("understood", "chance", "multiplies a speech menu's `recognition` for this caller "
          "(an accent, a noisy line)", default=1.0),
    Field("redials", "whole", "calls made again from the start after a call ends dead_end, "
          "abandoned or unresolved, at most", default=0, maximum=limits.MAX_REDIALS),
)


def _node_fields(kind: str) -> MappingProxyType[str, Field]:
    common = {k: v for k, v in COMMON.items() if kind not in PROMPTLESS_KINDS or k == "kind"}
    return MappingProxyType({**common, **KIND_FIELDS[kind]})


NODE_FIELDS = MappingProxyType({kind: _node_fields(kind) for kind in KIND_FIELDS})


def node_fields(kind: str) -> MappingProxyType[str, Field]:
    """Every key a node of `kind` accepts."""
    return NODE_FIELDS[kind]


def _owners() -> dict[str, dict[str, str]]:
    """For each kind: keys it lacks -> 'the kinds that have them' (for error messages)."""
    result: dict[str, dict[str, str]] = {}
    for kind, allowed in NODE_FIELDS.items():
        owners: dict[str, list[str]] = {}
        for other, fields in NODE_FIELDS.items():
            for name in fields:
                if name not in allowed:
                    owners.setdefault(name, []).append(other)
        result[kind] = {name: " and ".join(kinds) + " nodes" for name, kinds in owners.items()}
    return result


KEYS_ELSEWHERE = MappingProxyType(_owners())
