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

from phonejail.importers import Settings
from phonejail.importers.common import (
    APOLOGY,
    DEFAULT_ERROR_CHANCE,
    ERROR_CHANCES,
    RECORDING,
    TARGET_KEYS,
    ImportedFlow,
    Origin,
    as_dict,
    as_list,
    as_name,
    chance_cases,
    error_chance,
    flow_name,
    identity_fact,
    locate,
    node_targets,
    resolve_pass_throughs,
    share_out,
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


def _loop_count(raw: Any) -> float | None:
    """A Loop block's count (above MAX_LOOP_COUNT, even infinite, for the caller to cap),
    or None unless it is a whole number from 0."""
    text = str(1 if raw in (None, "") else raw).strip()
    try:
        count = float(text) if len(text) <= MAX_DIGITS else math.inf
    except ValueError:
        return None
    if count == math.inf or (count.is_integer() and count >= 0):
        return count if count > MAX_LOOP_COUNT else int(count)
    return None


def _prompt(params: dict[str, Any]) -> str | None:
    if params.get("Text"):
        return str(params["Text"])
    if params.get("SSML"):
        return strip_ssml(str(params["SSML"]))
    if params.get("PromptId"):
        return f"{RECORDING}: prompt {params['PromptId']})"
    return None


NOT_ENTRY = {
    "customerqueue": "a customer queue flow (what a caller hears while queued)",
    "customerhold": "a customer hold flow", "agenthold": "an agent hold flow",
    "customerwhisper": "a customer whisper flow", "agentwhisper": "an agent whisper flow",
    "outboundwhisper": "an outbound whisper flow",
    "agenttransfer": "a transfer-to-agent flow (run when an agent transfers a call)",
    "queuetransfer": "a transfer-to-queue flow (run when an agent transfers a call)",
    "campaign": "an outbound campaign flow",
    "contactflowmodule": "a flow module (it returns to the flow that invoked it)",
    "flowmodule": "a flow module (it returns to the flow that invoked it)",
    "module": "a flow module (it returns to the flow that invoked it)",
}
"""Connect flow types (normalised: lower case, no `_`) that are not a caller's entry IVR."""
TRANSFER_FLOWS = (NOT_ENTRY["agenttransfer"], NOT_ENTRY["queuetransfer"])
"""Flows an agent's transfer runs on the caller's contact: judged when they transfer it."""
TRANSFERS = {"TransferContactToQueue", "TransferContactToAgent"}
"""Blocks that hand the contact to a queue or an agent (a transfer flow's purpose)."""
DATA_ACTIONS = ("Get", "Associate", "Evaluate", "Load", "Render", "Untag", "Start", "Stop",
                "Authenticate", "Check") + SILENT
"""Action types that read or change data, not the call: silent, with error branches."""
CALLER_FACING = {"GetParticipantInput", "ConnectParticipantWithLexBot", "MessageParticipant",
                 "TransferContactToQueue"}
CALLER_FAILURES = ("InputTimeLimitExceeded", "InvalidPhoneNumber", "NoMatchingCondition")
"""Stored-input errors that are the caller's doing (silence, a number that does not validate)."""
HUMAN_INTENT = re.compile(r"agent|operator|human|person|representative|someone|staff|"
                          r"speak|talk|transfer", re.I)
"""A Lex intent asking for a person: it becomes key 0 of the menu."""
VOICEMAIL = re.compile(r"\b(leave|record)\s+(us\s+|me\s+)?(a|your)\s+(voice\s*)?(message|mail)"
                       r"|\bvoicemail\b|\bafter\s+the\s+(tone|beep)\b", re.I)
"""A prompt inviting a recorded message: what follows is a voicemail (a human calls back)."""


def flow_kind(type_name: Any, actions: list[dict[str, Any]], start: Any = None
              ) -> str | None:
    """What a flow is if it is not a caller's entry IVR, from its type or its blocks."""
    if isinstance(type_name, str):
        found = NOT_ENTRY.get(re.sub(r"[\s_-]", "", type_name).lower())
        if found:
            return found
    kinds = {a.get("Type") for a in actions}
    if "EndFlowModuleExecution" in kinds:
        return NOT_ENTRY["module"]
    first = next((a.get("Type") for a in actions if as_name(a.get("Identifier")) == start), None)
    if first == "MessageParticipantIteratively" or "DequeueContactAndTransferToQueue" in kinds:
        # hold music from the first block, or moving a queued contact: what a queue plays
        return NOT_ENTRY["customerqueue"]
    if "ShowView" in kinds and not kinds & CALLER_FACING:
        return "an agent workspace guide (ShowView: the agent's screen, not a caller's IVR)"
    return None


CHAT_NAME = re.compile(r"\bchat\b", re.I)
NOT_CHAT_NAME = re.compile(r"voice|call|phone|ivr|telephon|dial", re.I)
"""A flow that names itself a chat flow, not a voice one ("Voice to chat" is voice)."""
CHAT_TEMPLATE = re.compile(r"templateType\W+(ListPicker|TimePicker|Panel|QuickReply|Carousel"
                           r"|ViewResource|WhatsApp)", re.I)
"""Connect's interactive message templates: shown only to customers in chat."""
VOICE_ONLY_ACTIONS = {"MessageParticipantIteratively", "TransferParticipantToThirdParty",
                      "UpdateContactTextToSpeechVoice", "UpdateContactMediaStreamingBehavior",
                      "CreateCallbackContact", "UpdateContactCallbackNumber",
                      "StartMediaStreaming", "StopMediaStreaming"}
"""Action types that only a call uses (hold music, a phone number, a voice, audio)."""
VOICE_WORDS = re.compile(r"\b(press|dial|phone\s*pad|keypad)\b", re.I)
"""Prompt words that speak to a caller with a keypad."""


def _chat_only(name: Any, description: Any, actions: list[dict[str, Any]]) -> bool:
    """A chat flow without channel metadata: chat-only evidence and nothing a call uses.

    Evidence is an interactive message template (chat only) or the flow naming itself a
    chat flow; any voice-only block vetoes it (PromptId, SSML or audio media, which Connect
    plays only on the voice channel; a keypad menu or stored digits; hold music, a
    third-party number, a text-to-speech voice, media streaming, a callback; a channel
    check naming VOICE; a prompt saying "press"), so a voice flow is never hidden.
    """
    named = " ".join(str(x) for x in (name, description) if isinstance(x, str))
    evidence = bool(CHAT_NAME.search(named) and not NOT_CHAT_NAME.search(named))
    for action in actions:
        kind, params = action["Type"], as_dict(action.get("Parameters"))
        moves = as_dict(action.get("Transitions"))
        texts = " ".join(str(v) for v in params.values() if isinstance(v, str))
        if kind in VOICE_ONLY_ACTIONS or VOICE_WORDS.search(texts) or VOICEMAIL.search(texts):
            return False
        if any(params.get(k) for k in ("PromptId", "SSML", "Media")):
            return False
        operands = {_operand(as_dict(c.get("Condition"))).upper()
                    for c in map(as_dict, as_list(moves.get("Conditions")))}
        if "VOICE" in operands:
            return False
        keyed = params.get("StoreInput") or operands & set(DTMF_KEYS)
        if kind == "GetParticipantInput" and keyed and not (params.get("LexV2Bot")
                                                              or params.get("LexBot")):
            return False
        evidence = evidence or bool(CHAT_TEMPLATE.search(texts))
    return evidence


class _Block:
    """One action being imported: places its node(s) and its error branches."""

    def __init__(self, flow: ImportedFlow, settings: Settings, ident: str, node_id: str,
                 origin: Origin, nxt: str | None, errors: dict[str, str | None],
                 guards: dict[str, str], through: dict[str, str | None], used: set[str],
                 taken: set[str]) -> None:
        self.flow, self.settings, self.ident, self.node_id = flow, settings, ident, node_id
        self.origin, self.nxt, self.errors, self.guards = origin, nxt, errors, guards
        self.through, self.used, self.taken = through, used, taken

    def place(self, node: dict[str, Any], node_id: str | None = None) -> None:
        node_id = node_id or self.node_id
        self.flow.nodes[node_id] = _clean(node)
        self.flow.origins[node_id] = [self.origin]

    def guarded(self, body: dict[str, Any], skip: tuple[str, ...] = ()) -> None:
        """The block's body, behind a branch for its error branches (if any).

        A menu's own failures (NoMatchingCondition, InputTimeLimitExceeded) are
        the caller's; they are the menu's `invalid` and `no_input`, not errors.
        """
        if body.get("kind") == "menu":
            skip = (*skip, "NoMatchingCondition", "InputTimeLimitExceeded")
        nxt = self.nxt
        branches = [(etype, self._chance(etype, error_chance(etype)), to)
                    for etype, to in self.errors.items() if etype not in skip
                    and not (to == nxt and body.get("next") == nxt)]
        if not branches:
            self.place(body)
            return
        guard = f"{self.node_id}_errors"
        while guard in self.taken or guard in self.flow.nodes:
            guard += "_"
        self.flow.generated.add(guard)
        self.place(body)
        self.used.add("errors")
        _assume(self.flow, guard, branches)
        self.place({"kind": "branch", "cases": chance_cases([(p, to) for _, p, to in branches]),
                    "else": self.node_id}, guard)
        self.guards[self.node_id] = guard
        self.flow.labels[guard] = self.node_id

    def routed(self, fixed: list[tuple[str, float | None, str | None]], default: str | None,
               skip: tuple[str, ...] = (), default_chance: float | None = None) -> None:
        """A silent block: errors at their assumed chances, then `fixed`, else `default`.

        A chance of None is an equal share of what the others leave (the default
        takes one too, unless `default_chance` fixes it); with no branch but the
        default the block passes calls on.
        """
        branches: list[tuple[str, float | None, str | None]] = [
            (etype, self._chance(etype, error_chance(etype)), to)
            for etype, to in self.errors.items() if etype not in skip and to != default]
        branches += [(label, self._chance(label, p), to) for label, p, to in fixed]
        equal = [b for b in branches if b[1] is None]
        shared = share_out([*branches, ("default", self._chance("default", default_chance)
                                        if equal else 0.0, default)])
        last = shared.pop()
        if not shared:
            self.through[self.node_id] = default
            return
        if equal:
            _assume(self.flow, self.node_id, [*shared, last])
        elif any(label in self.errors for label, _, _ in shared):
            self.used.add("errors")
            _assume(self.flow, self.node_id, [b for b in shared if b[0] in self.errors])
        self.place({"kind": "branch",
                    "cases": chance_cases([(p, to) for _, p, to in shared]), "else": last[2]})

    def _chance(self, label: str, default: float | None) -> float | None:
        return self.settings.chance(self.ident, label, default)


def import_connect(content: dict[str, Any], text: str, source: str,
                   settings: Settings | None = None, type_name: Any = None) -> ImportedFlow:
    settings = settings or Settings()
    actions = [a for a in as_list(content.get("Actions")) if isinstance(a, dict)
               and as_name(a.get("Identifier")) and isinstance(a.get("Type"), str)]
    metadata = as_dict(content.get("Metadata"))
    flow = ImportedFlow("connect", as_name(metadata.get("name")) or flow_name(source), source)
    if len(actions) < len(as_list(content.get("Actions"))):
        flow.warn(None, "actions without an Identifier or a Type are left out")
    flow.not_entry = flow_kind(type_name or metadata.get("type"), actions,
                               as_name(content.get("StartAction")))
    if flow.not_entry is None and _chat_only(metadata.get("name"), metadata.get("description"),
                                             actions):
        flow.not_entry = ("a chat flow (so named, or showing chat-only interactive "
                          "messages; no block uses a call)")
    if flow.not_entry in TRANSFER_FLOWS and {a["Type"] for a in actions} & TRANSFERS:
        # the transferred caller goes through it: a full queue that disconnects is a dead end
        flow.warn(None, f"this is {flow.not_entry}: judged as what the transferred caller "
                        "goes through (the transfer to the queue or agent, and its errors)")
        flow.not_entry = None
    ids = _node_ids(actions)
    types_by_id = {str(as_name(a["Identifier"])): a["Type"] for a in actions}
    """Action identifier -> its type."""
    by_node = {ids[str(as_name(a["Identifier"]))]: a for a in actions}
    """Node id -> the action it comes from."""
    through: dict[str, str | None] = {}
    loops: dict[str, tuple[int, str | None, str | None]] = {}
    """Loop block -> (count, ContinueLooping target, DoneLooping target)."""
    queue: str | None = None
    used: set[str] = set()
    guards: dict[str, str] = {}
    """Block -> the branch for its errors, which calls reach first (the block keeps its id)."""

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
        errors: dict[str, str | None] = {}
        for e in map(as_dict, as_list(moves.get("Errors"))):
            if as_name(e.get("ErrorType")):
                errors.setdefault(str(e["ErrorType"]), target(e.get("NextAction")))
        conditions = [(as_dict(c.get("Condition")), target(c.get("NextAction")))
                      for c in map(as_dict, as_list(moves.get("Conditions"))) if c]
        origin = Origin(f"Connect {kind}", ident, *locate(text, "Identifier", ident))
        if node_id != ident:
            flow.generated.add(node_id)

        blk = _Block(flow, settings, ident, node_id, origin, nxt, errors, guards, through,
                     used, set(ids.values()))
        if kind == "MessageParticipant":
            say = _prompt(params)
            body = {"kind": "say", "say": say, "seconds": speech_seconds(say), "next": nxt}
            if say and VOICEMAIL.search(say):
                body = {"kind": "callback", "say": say, "seconds": speech_seconds(say)}
                flow.unmodelled[node_id] = [t for t in (nxt, *errors.values()) if t]
            blk.guarded(body)
        elif kind == "MessageParticipantIteratively":
            say = _prompt(as_dict(as_list(params.get("Messages"))[0])
                          if as_list(params.get("Messages")) else params)
            blk.guarded({"kind": "say", "say": say, "seconds": speech_seconds(say), "next": nxt})
        elif kind == "GetParticipantInput" and (params.get("LexV2Bot") or params.get("LexBot")):
            used.add("lex")  # the same block, given a Lex bot, takes intents, not keys
            blk.guarded(_lex(flow, node_id, origin, params, nxt, errors, conditions))
        elif kind == "GetParticipantInput":
            body = _input(flow, origin, params, nxt, errors, conditions, settings)
            # an ask's failure is its `fail`; a stored input read as a prompt keeps its errors
            blk.guarded(body, skip=tuple(errors) if body["kind"] == "ask" else ())
        elif kind == "ConnectParticipantWithLexBot":
            used.add("lex")
            blk.guarded(_lex(flow, node_id, origin, params, nxt, errors, conditions))
        elif kind == "DisconnectParticipant":
            blk.place({"kind": "hangup"})
        elif kind == "UpdateContactTargetQueue":
            queue = str(params.get("QueueId") or params.get("AgentId") or "queue")
            blk.routed([], nxt)
        elif kind in ("TransferContactToQueue", "TransferContactToAgent"):
            flow.unmodelled[node_id] = [t for t in (nxt, *errors.values()) if t]
            blk.guarded({"kind": "agent", "queue": queue if kind.endswith("Queue") else "agent"})
        elif kind == "TransferParticipantToThirdParty":
            flow.unmodelled[node_id] = [t for t in (nxt, *errors.values()) if t]
            blk.guarded({"kind": "agent", "queue": str(params.get("ThirdPartyPhoneNumber")
                                                   or "third party")})
        elif kind == "CreateCallbackContact" or (kind == "CreateTask" and types_by_id.get(
                as_name(moves.get("NextAction")) or "") == "DisconnectParticipant"):
            # a task for an agent, then goodbye: a human follows the call up, as a callback
            flow.unmodelled[node_id] = [t for t in (nxt, *errors.values()) if t]
            blk.guarded({"kind": "callback", "say": "(a callback is queued)"})
        elif kind in ("TransferToFlow", "EndFlowExecution", "EndFlowModuleExecution"):
            flow.unmodelled[node_id] = [t for t in (nxt, *errors.values()) if t]
            destination = (f"flow {params['ContactFlowId']}" if params.get("ContactFlowId")
                           else "the flow that invoked this module"
                           if kind == "EndFlowModuleExecution"
                           else "the end of this flow: the contact goes on elsewhere")
            blk.guarded({"kind": "handoff", "destination": destination})
        elif kind == "InvokeLambdaFunction":
            used.add("lambda")
            failures = [(f"{etype}", blk._chance(etype, None), to)
                        for etype, to in errors.items()]
            share = (1 - settings.success) / max(len(failures), 1)
            blk.routed([(label, share if p is None else p, to) for label, p, to in failures], nxt,
                   skip=tuple(errors))
        elif kind == "InvokeFlowModule":
            used.add("module")
            blk.routed([], nxt)
        elif kind == "CheckHoursOfOperation":
            used.add("hours")
            branch = {_operand(c).lower(): t for c, t in conditions}
            blk.routed([("True", settings.open_chance, branch.get("true"))],
                   branch.get("false", nxt))
        elif kind == "Loop":
            used.add("loop")
            count = _loop_count(params.get("LoopCount"))
            if count is None or count > MAX_LOOP_COUNT:
                written = str(params.get("LoopCount"))[:20]
                capped = count is not None  # "Infinity" is real: a loop until something else
                flow.warn(origin, f"LoopCount '{written}' is not a number from 0 to "
                                  f"{MAX_LOOP_COUNT:,}; " + (f"counted as {MAX_LOOP_COUNT:,}"
                                                             if capped else "read as 1"))
                count = MAX_LOOP_COUNT if capped else 1
            by_name = {_operand(c): t for c, t in conditions}
            loops[node_id] = (count, by_name.get("ContinueLooping"),
                              by_name.get("DoneLooping", nxt))
            blk.routed([("ContinueLooping", count / (count + 1), by_name.get("ContinueLooping"))],
                   by_name.get("DoneLooping", nxt))
        elif kind == "DistributeByPercentage" and _percent_cases(conditions) is not None:
            blk.place({"kind": "branch", "cases": _percent_cases(conditions),
                   "else": errors.get("NoMatchingCondition", nxt)})
        elif kind in ("Compare", "CheckMetricData", "DistributeByPercentage",
                      "CheckVoiceId", "CheckOutboundCallStatus", "CheckCallProgress"):
            used.add("compare")
            default = errors.get("NoMatchingCondition", nxt)
            rare = _rare_default(kind, params, conditions, _apology_ahead(by_node, ids, default))
            if rare:
                used.add("rare default")
            blk.routed([(_operand(c) or f"condition {k + 1}", None, t)
                    for k, (c, t) in enumerate(conditions)], default,
                   skip=("NoMatchingCondition",),
                   default_chance=DEFAULT_ERROR_CHANCE if rare else None)
        elif kind == "ShowView":
            blk.routed([(_operand(c) or f"action {k + 1}", None, t)
                    for k, (c, t) in enumerate(conditions)], nxt)
        elif kind.startswith(DATA_ACTIONS) or kind in ("Wait", "TagContact"):
            blk.routed([], nxt)
        elif conditions or any(to != nxt for to in errors.values()):
            # every branch is kept: its conditions equally likely, its errors rare
            flow.warn(origin, f"action type '{kind}' is not modelled; its branches are kept, "
                      "its conditions taken with equal chances (assumed)")
            blk.routed([(_operand(c) or f"condition {k + 1}", None, t)
                        for k, (c, t) in enumerate(conditions)],
                       errors.get("NoMatchingCondition", nxt), skip=("NoMatchingCondition",))
        else:
            through[node_id] = nxt
            flow.warn(origin, f"action type '{kind}' is not modelled; calls pass straight "
                      "through it" + (" to its NextAction" if nxt else " and are disconnected"))
    if "lambda" in used:
        flow.notes.append(f"Lambda functions succeed with chance {settings.success}.")
    if "hours" in used:
        flow.notes.append(f"Hours-of-operation checks find the centre open with chance "
                          f"{settings.open_chance}.")
    if "loop" in used:
        flow.notes.append(f"A Loop of N rounds continues with chance N/(N+1): the same mean "
                          f"number of rounds, not a counter (Infinity counts as "
                          f"{MAX_LOOP_COUNT:,}).")
    if "compare" in used:
        flow.notes.append("Compare and metric checks test runtime data: their branches are "
                          "taken with equal chances (assumed; set them with --branch-chance).")
    if "rare default" in used:
        flow.notes.append(f"A Compare listing two or more expected values of data (a Lambda's "
                          f"result, an attribute) reaches its no-match branch with chance "
                          f"{DEFAULT_ERROR_CHANCE}: an unexpected value is a misconfiguration.")
    if "module" in used:
        flow.notes.append("An invoked flow module returns to its NextAction (its own blocks "
                          "are in its own file).")
    if "lex" in used:
        flow.notes.append("A Lex bot is a speech menu: each intent it branches on is a choice, "
                          "written as a key (1, 2, ...; asking for a person is 0); its comment "
                          "names them.")
    if "errors" in used:
        flow.notes.append(f"Error branches are taken with assumed chances (QueueAtCapacity "
                          f"{ERROR_CHANCES['QueueAtCapacity']}, others "
                          f"{DEFAULT_ERROR_CHANCE}); set them with --branch-chance.")
    resolve_pass_throughs(flow, through)
    resolve_pass_throughs(flow, dict(guards))  # calls reach a block's error branch first
    for block, guard in guards.items():
        flow.nodes[guard]["else"] = block
    for loop, (count, again, done) in loops.items():
        _unroll(flow, loop, count, again, done)
    if not any(node_id in flow.nodes for node_id in loops):  # every Loop is a counter now
        flow.notes = [n for n in flow.notes if not n.startswith("A Loop of N rounds continues")]
    return flow


MAX_UNROLLED = 200
"""Most nodes the rounds of one Loop may add; a bigger (or endless) loop keeps its chance."""


def _unroll(flow: ImportedFlow, loop: str, count: int, again: str | None,
            done: str | None) -> None:
    """A Loop of N rounds as the counter it is: N copies of the blocks that lead back to it.

    Connect counts: the first N visits continue, the next is done. Calls that come
    back to the Loop through round k's blocks go on to round k+1's copies, and after
    the last round to DoneLooping, so a retry-on-error loop sends nobody to its
    'done' branch on the first try (which a chance of N/(N+1) would).
    """
    if loop not in flow.nodes:
        return
    start = flow.nodes[loop].get("else") if flow.nodes[loop]["kind"] == "branch" else None
    again = next((c.get("to") for c in flow.nodes[loop].get("cases", [])), again)
    done = start if start is not None else done
    rounds = [n for n in _back_to(flow, again, loop)] if again else []
    if count > MAX_LOOP_COUNT or count * max(len(rounds), 1) > MAX_UNROLLED:
        return  # an endless or long polling loop: the chance per round stands
    flow.assumed.pop(loop, None)
    del flow.nodes[loop]
    flow.origins.pop(loop, None)

    before = _reach(flow, [flow.start] if flow.start else [], loop)
    """Blocks calls run before they first reach the Loop (a retry loop may start there)."""

    def name(node_id: str, k: int) -> str:
        """The id of a round's block: the block itself in round 1 unless run before it."""
        return node_id if k == 1 and node_id not in before else f"{node_id}_round{k}"

    def entry(k: int) -> str | None:
        """Where calls arriving at the Loop for the k-th time go (rounds from 1)."""
        if k > count or again is None:
            return done
        return name(again, k) if again in rounds else again

    for k in range(count, 0, -1):
        for node_id in rounds:
            copy_id = name(node_id, k)
            node = _renamed(flow.nodes[node_id], {n: name(n, k) for n in rounds}, loop,
                            entry(k + 1))
            if copy_id != node_id:
                flow.origins[copy_id] = list(flow.origins.get(node_id, []))
                flow.labels[copy_id] = flow.labels.get(node_id, node_id)
                flow.generated.add(copy_id)
                if node_id in flow.assumed:
                    flow.assumed[copy_id] = flow.assumed[node_id]
            flow.nodes[copy_id] = node
    first = entry(1)
    for node_id in [n for n in flow.nodes if n not in rounds or n in before]:
        flow.nodes[node_id] = _renamed(flow.nodes[node_id], {}, loop, first)
    if flow.start == loop:
        flow.start = first
    flow.unmodelled = {k: [first if t == loop else t for t in v]
                       for k, v in flow.unmodelled.items()}
    note = ("A Loop of N rounds is a counter: the blocks of a round are copied for each "
            "round (`_round2`, ...); the visit after the last round is DoneLooping.")
    if note not in flow.notes:
        flow.notes.append(note)


def _reach(flow: ImportedFlow, starts: list[str], loop: str) -> set[str]:
    """Nodes reachable from `starts` without passing the Loop."""
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        here = todo.pop()
        if here in seen or here not in flow.nodes or here == loop:
            continue
        seen.add(here)
        todo += node_targets(flow.nodes[here])
    return seen


def _back_to(flow: ImportedFlow, start: str, loop: str) -> list[str]:
    """Nodes on a path from `start` back to `loop` (the blocks a round runs), in file order."""
    forward: dict[str, list[str]] = {n: node_targets(node) for n, node in flow.nodes.items()}
    seen = _reach(flow, [start], loop)
    back, todo = set(), [n for n in seen if loop in forward.get(n, [])]
    while todo:
        here = todo.pop()
        if here in back:
            continue
        back.add(here)
        todo += [n for n in seen if here in forward.get(n, [])]
    return [n for n in flow.nodes if n in back]


def _renamed(node: dict[str, Any], names: dict[str, str], loop: str,
             loop_to: str | None) -> dict[str, Any]:
    """A copy of `node` with its targets renamed, and the Loop replaced by `loop_to`."""
    def fix(value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: v for k, v in ((k, fix(v, k)) for k, v in value.items())
                    if not (k in TARGET_KEYS and v is None)}
        if isinstance(value, list):
            return [fix(v) for v in value]
        if key in TARGET_KEYS and isinstance(value, str):
            return loop_to if value == loop else names.get(value, value)
        return value
    return fix(node)


def _assume(flow: ImportedFlow, node_id: str,
            branches: list[tuple[str, float, str | None]]) -> None:
    flow.assumed[node_id] = "chances assumed: " + ", ".join(
        f"{label} {round(p, 4)}" for label, p, _ in branches)


def _lex(flow: ImportedFlow, node_id: str, origin: Origin, params: dict[str, Any],
         nxt: str | None, errors: dict[str, str | None],
         conditions: list[tuple[dict, str | None]]) -> dict[str, Any]:
    """A Lex bot as a speech menu: its intents are the choices, written as the keys they
    stand for (1, 2, ...; a request for a person is 0), named in the node's comment."""
    say = _prompt(params)
    keys = list("123456789*#")
    options, names = [], []
    for condition, to in conditions:
        intent = _operand(condition) or "intent"
        if HUMAN_INTENT.search(intent) and all(o["key"] != "0" for o in options):
            key = "0"  # asking for a person is what key 0 is in a keypad menu
        elif keys:
            key = keys.pop(0)
        else:
            flow.warn(origin, f"more intents than keys; '{intent}' is left out")
            continue
        options.append({"key": key, "to": to})
        names.append(f"{key} = {intent}")
    wrong = errors.get("NoMatchingCondition", nxt)
    if not options:
        options = [{"key": "1", "to": nxt}]
        names = ["1 = any answer"]
    flow.assumed[node_id] = "Lex intents as keys: " + ", ".join(names)
    return {"kind": "menu", "input": "speech", "say": say, "seconds": speech_seconds(say),
            "options": [{k: v for k, v in o.items() if v is not None} for o in options],
            "invalid": wrong, "fail": wrong,
            "no_input": errors.get("InputTimeLimitExceeded", wrong)}


CALLER_INPUT = re.compile(r"StoredCustomerInput|\$\.Lex\b|\$\.Media\b", re.I)
"""Compared values the caller chose (keys typed, words said): any of them is as likely."""


def _rare_default(kind: str, params: dict[str, Any],
                  conditions: list[tuple[dict, str | None]], apology: bool) -> bool:
    """True if a Compare's no-match branch is reached only by an unexpected value.

    A Compare listing two or more expected values of data (a Lambda's result, an
    attribute a flow set) routes every value it was built for, and one whose
    no-match branch apologises ("status = success", else "sorry, an error") treats
    any other value as a failure: another value means a misconfiguration, as rare
    as an error branch. Otherwise one condition is an if/else (both sides common);
    what the caller typed or said can be anything.
    """
    compared = str(params.get("ComparisonValue") or "")
    return (kind == "Compare" and bool(conditions) and not CALLER_INPUT.search(compared)
            and (len(conditions) >= 2 or apology))


def _apology_ahead(by_node: dict[str, dict[str, Any]], ids: dict[str, str],
                   node_id: str | None) -> bool:
    """True if calls going to `node_id` hear an apology first (past silent data blocks)."""
    for _ in range(10):  # a bound: data blocks may form a ring
        action = by_node.get(node_id or "")
        if action is None:
            return False
        kind = str(action.get("Type"))
        if kind in ("MessageParticipant", "GetParticipantInput"):
            text = _prompt(as_dict(action.get("Parameters")))
            return bool(text and APOLOGY.search(text))
        if not kind.startswith(SILENT):
            return False
        node_id = ids.get(as_name(as_dict(action.get("Transitions")).get("NextAction")) or "")
    return False


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
           errors: dict[str, str | None], conditions: list[tuple[dict, str | None]],
           settings: Settings) -> dict[str, Any]:
    say = _prompt(params)
    stores = str(params.get("StoreInput", "False")).lower() == "true"
    keyed = any(str(as_name(o) or "").strip() in DTMF_KEYS for c, _ in conditions
                for o in as_list(c.get("Operands")))
    if not stores and not keyed and identity_fact(say, settings.identity_words):
        stores = True  # no key to press, a number asked for: the caller types it in
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
        # NoMatchingError takes every error the block does not list (Connect's catch-all)
        wrong = errors.get("NoMatchingCondition", errors.get("NoMatchingError", nxt))
        if not options:
            flow.warn(origin, "no DTMF conditions; every key counts as a wrong key")
            options = [{"key": "#", "to": wrong}]
        return {"kind": "menu", "say": say, "seconds": speech_seconds(say),
                "options": [{k: v for k, v in o.items() if v is not None} for o in options],
                "invalid": wrong, "fail": wrong,
                "no_input": errors.get("InputTimeLimitExceeded", errors.get("NoMatchingError"))}
    fact = identity_fact(say, settings.identity_words)
    # the caller's own failures first (silence, an invalid number), then any other error
    failed = next((errors[e] for e in (*CALLER_FAILURES, "NoMatchingError") if e in errors),
                  next(iter(errors.values()), None))
    if fact:
        flow.facts.setdefault(*fact)
        # Connect asks once: a block that asks again is another block (often a Loop's round)
        return {"kind": "ask", "fact": fact[0], "say": say, "seconds": speech_seconds(say),
                "retries": 0, "ok": nxt, "fail": failed}
    flow.warn(origin, "stores input that does not look like an identity question; treated as "
              "a prompt")
    return {"kind": "say", "say": say, "seconds": speech_seconds(say), "next": nxt}
