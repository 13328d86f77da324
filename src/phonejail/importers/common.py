"""What both importers share: the flow they build, the identity heuristic, YAML emission.

An importer turns an export into an `ImportedFlow`: phonejail nodes (plain
dicts in the tree format), where each came from (widget or action, JSON line),
and warnings (PJ005) for what it could not model exactly. `to_yaml` then
derives intents from the menus and writes a commented tree.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from phonejail import __version__
from phonejail.findings import Problem
from phonejail.importers import DEFAULT_INFO

ERROR_CHANCES = {"QueueAtCapacity": 0.05, "CallFailed": 0.05,
                 "ConnectionTimeLimitExceeded": 0.02}
"""Assumed chance of an error branch, by Connect error type (a full queue is not rare)."""
DEFAULT_ERROR_CHANCE = 0.01
"""Assumed chance of any other error branch: they follow misconfiguration or an outage."""
POLL_SECONDS = 10
"""A polling loop (Loop, Lambda) waits this long, and costs a step, per round."""
WORDS_PER_SECOND = 2.5
"""Speaking rate used to estimate prompt length from its text (150 words a minute)."""

# Prompts that ask for a number identifying the caller become `ask` nodes for these facts.
# The first pattern that matches the prompt text wins.
IDENTITY_PATTERNS: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (fact, label, re.compile(pattern, re.I)) for fact, label, pattern in (
        ("account_number", "account number",
         r"\baccount\s*(number|no\b|id\b|#)"),
        ("card_number", "card number",
         r"\b(credit|debit|card)\s*(card\s*)?(number|no\b)|\blast\s+(four|4)\s+(digits|numbers)"),
        ("phone_number", "phone number", r"\b(phone|telephone|mobile|cell)\s*(number|no\b)"),
        ("nhs_number", "NHS number", r"\bnhs\s*(number|no\b)"),
        ("member_id", "member ID",
         r"\b(member|membership|policy|customer|patient|student|client|subscriber)\s*"
         r"(id|number|no\b|#)"),
        ("national_id", "national ID",
         r"\b(national\s*(id|identity|insurance)|personal\s*(number|id(entity)?\s*number)|"
         r"personnummer|id\s*card\s*number|passport\s*number)"),
        ("reference_number", "reference number",
         r"\b(reference|ref|case|claim|order|booking|ticket|confirmation|tracking)\s*"
         r"(number|no\b|#|code)"),
        ("date_of_birth", "date of birth", r"\b(date\s+of\s+birth|birth\s*date|dob)\b"),
        ("postcode", "postcode", r"\b(zip|postal)\s*code\b|\bpostcode\b"),
        ("ssn", "social security number", r"\bsocial\s+security\b|\bssn\b"),
        ("pin", "PIN", r"\bpin\b|\bpasscode\b|\bsecurity\s+(code|number)\b"),
        ("security_answer", "security question", r"\bsecurity\s+(question|answer)|"
         r"\bmemorable\s+(word|date|information)|\bmother'?s\s+maiden\s+name"),
    ))


def identity_fact(text: str | None, extra: tuple[tuple[str, str], ...] = ()
                  ) -> tuple[str, str] | None:
    """(fact id, label) if `text` asks for something that identifies the caller.

    `extra` holds a team's own (fact id, phrase) pairs (`identity-words` in the
    configuration); they are tried first, as whole words, ignoring case.
    """
    if not text:
        return None
    for fact, phrase in extra:
        words = r"\s+".join(re.escape(w) for w in phrase.split())
        if words and re.search(rf"\b{words}\b", text, re.I):
            return fact, phrase
    for fact, label, pattern in IDENTITY_PATTERNS:
        if pattern.search(text):
            return fact, label
    return None




def error_chance(error_type: str) -> float:
    return ERROR_CHANCES.get(error_type, DEFAULT_ERROR_CHANCE)


def chance_cases(branches: list[tuple[float, str | None]]) -> list[dict[str, Any]]:
    """Cases of a `branch` from absolute chances: a case holds with p / (what is left).

    The branch's `else` takes what is left after them all.
    """
    cases: list[dict[str, Any]] = []
    left = 1.0
    for p, target in branches:
        p = max(min(p, left), 0.0)
        chance = round(p / left, 6) if left > 1e-12 else 0.0
        cases.append({k: v for k, v in (("when", {"chance": chance}), ("to", target))
                      if v is not None})
        left -= p
    return cases


def share_out(fixed: list[tuple[str, float | None, str | None]]
              ) -> list[tuple[str, float, str | None]]:
    """Branches with a chance, or None for "an equal share of what the others leave"."""
    taken = sum(p for _, p, _ in fixed if p is not None)
    equal = [label for label, p, _ in fixed if p is None]
    share = max(1.0 - taken, 0.0) / len(equal) if equal else 0.0
    return [(label, share if p is None else p, to) for label, p, to in fixed]


RECORDING = "(recording"
"""How prompts given as audio (a URL, a prompt id) are shown: their length is unknown."""


def speech_seconds(text: str | None) -> int:
    """Estimated length of a text-to-speech prompt, in whole seconds (0 for a recording)."""
    if not text or text.startswith(RECORDING):
        return 0
    return max(1, math.ceil(len(re.findall(r"\w+", one_alternative(text))) / WORDS_PER_SECOND))


_LIQUID_BLOCK = re.compile(
    r"\{%-?\s*(case|if|unless)\b(?:(?!%\}).)*%\}"              # an opening tag
    r"((?:(?!\{%-?\s*(?:case|if|unless)\b).)*?)"               # a body with no block inside
    r"\{%-?\s*end(?:case|if|unless)\s*-?%\}", re.S)
_LIQUID_BRANCH = re.compile(r"\{%-?\s*(?:when|elsif|else)\b(?:(?!%\}).)*%\}", re.S)


def one_alternative(text: str) -> str:
    """What a caller hears of a Liquid template (Studio's `say`): one alternative of each
    `case`/`if` block (the longest), `{{ value }}` as one word, other tags silent."""
    for _ in range(100):  # innermost blocks first; a bound, for hostile nesting
        text, found = _LIQUID_BLOCK.subn(
            lambda m: max(_LIQUID_BRANCH.split(m.group(2))[(1 if m.group(1) == "case" else 0):]
                          or [""], key=lambda b: len(re.findall(r"\w+", b))), text)
        if not found:
            break
    return re.sub(r"\{%.*?%\}", " ", re.sub(r"\{\{.*?\}\}", " value ", text, flags=re.S),
                  flags=re.S)


def flow_name(source: str) -> str:
    """A tree's name when the export has none: the file's name, never a whole path."""
    return Path(source.split("#", 1)[0]).stem or "flow"


def strip_ssml(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()


def as_dict(value: Any) -> dict[str, Any]:
    """An export's field as a mapping: anything else (a list, a number) counts as empty."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_name(value: Any) -> str | None:
    """A name, an identifier or a target: text or a number, never a list or a mapping."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value) or None


def slug(text: str) -> str:
    """A readable id: lower case, words joined by underscores."""
    out = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    return out or "node"


@dataclass(frozen=True)
class Origin:
    """Where a node came from: the widget/action type and name, and its line in the JSON."""

    kind: str
    name: str
    line: int
    column: int

    def describe(self) -> str:
        return f"{self.kind} '{self.name}'"


@dataclass
class ImportedFlow:
    format: str
    """'twilio' or 'connect'."""
    name: str
    source: str
    start: str | None = None
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    origins: dict[str, list[Origin]] = field(default_factory=dict)
    facts: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Decisions worth a comment at the top of the YAML (chances used, and so on)."""
    info_success: float = DEFAULT_INFO
    generated: set[str] = field(default_factory=set)
    """Node ids phonejail made up (the export's own id was opaque, e.g. a UUID)."""
    unmodelled: dict[str, list[str]] = field(default_factory=dict)
    """Node id -> targets of branches phonejail does not follow (after an agent, errors)."""
    labels: dict[str, str] = field(default_factory=dict)
    """Generated node id -> the block it stands for (an error branch in front of a block)."""
    assumed: dict[str, str] = field(default_factory=dict)
    """Node id -> the chances phonejail assumed there, written as a comment above it."""
    not_entry: str | None = None
    """What the flow is if it is not a caller's entry IVR (a queue flow, a module...):
    it gets one note, and the graph rules do not judge it as an IVR."""

    def warn(self, origin: Origin | None, message: str, node: str | None = None) -> None:
        line, column = (origin.line, origin.column) if origin else (1, 1)
        where = f"{origin.describe()}: " if origin else ""
        self.problems.append(Problem("PJ005", line, column, where + message, node))


def locate(text: str, key: str, value: str) -> tuple[int, int]:
    """Line and column of `"key": "value"` in the JSON text (1, 1 if not found).

    Inside a JSON string (Connect's DescribeContactFlow wraps the flow in one) the
    quotes are escaped; the line is then that of the string. The text is indexed once
    (`_pair_index`), so locating every block of a 50,000-widget export stays one pass.
    """
    raw = (_raw(key), _raw(value))
    return _pair_index(text).get(raw) or _escaped_pair_index(text).get(raw) or (1, 1)


def _raw(value: str) -> str:
    """How `value` is written between the quotes of a JSON string."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


_JSON_STRING = r'"(?:[^"\\]|\\.)*"'
_STRING_OR_PAIR = re.compile(rf"({_JSON_STRING})(?:\s*:\s*({_JSON_STRING}))?", re.S)
"""Every JSON string in turn, with the string after it when it is a key's value: strings
are consumed whole, so a quote inside one never starts a false match."""
_ESCAPED_PAIR = re.compile(r'\\"([^"\\]*)\\"\s*:\s*\\"([^"\\]*)\\"')


class _Indexed:
    """The indexes of the text last located in, kept while it is in use.

    Held by identity: comparing a new text with the last by value (as a cache keyed
    by the text would) costs a pass over megabytes on every single lookup.
    """

    text: str | None = None
    plain: dict[tuple[str, str], tuple[int, int]] = {}
    escaped: dict[tuple[str, str], tuple[int, int]] | None = None


def _pair_index(text: str) -> dict[tuple[str, str], tuple[int, int]]:
    """(key, value) as written -> line and column of the first `"key": "value"`."""
    if _Indexed.text is not text:
        _Indexed.text, _Indexed.escaped = text, None
        _Indexed.plain = _index(text, ((m.group(1)[1:-1], m.group(2)[1:-1], m.start())
                                       for m in _STRING_OR_PAIR.finditer(text)
                                       if m.group(2) is not None))
    return _Indexed.plain


def _escaped_pair_index(text: str) -> dict[tuple[str, str], tuple[int, int]]:
    """The same for `\\"key\\": \\"value\\"` inside a JSON string (built only when needed)."""
    _pair_index(text)
    if _Indexed.escaped is None:
        _Indexed.escaped = _index(text, ((m.group(1), m.group(2), m.start())
                                         for m in _ESCAPED_PAIR.finditer(text)))
    return _Indexed.escaped


def _index(text: str, pairs: Iterable[tuple[str, str, int]]
           ) -> dict[tuple[str, str], tuple[int, int]]:
    """Line and column of each pair's first place; `pairs` come in text order, so the
    newlines are counted once, walking forward."""
    index: dict[tuple[str, str], tuple[int, int]] = {}
    line, line_start, counted = 1, 0, 0
    for key, value, at in pairs:
        newlines = text.count("\n", counted, at)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", counted, at) + 1
        counted = at
        index.setdefault((key, value), (line, at - line_start + 1))
    return index


def resolve_pass_throughs(flow: ImportedFlow, through: dict[str, str | None]) -> None:
    """Point every target past pass-through elements (which have no node of their own)."""

    def final(target: str | None) -> str | None:
        seen: set[str] = set()
        while target in through:
            if target in seen:
                return None  # a ring of pass-throughs: nothing a caller hears, ever
            seen.add(target)
            target = through[target]
        return target

    def fix(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (final(v) if k in TARGET_KEYS and isinstance(v, str) else fix(v))
                    for k, v in value.items()}
        if isinstance(value, list):
            return [fix(v) for v in value]
        return value

    flow.start = final(flow.start)
    for node_id in list(flow.nodes):
        flow.nodes[node_id] = fix(flow.nodes[node_id])
    flow.unmodelled = {k: [t for t in map(final, v) if t] for k, v in flow.unmodelled.items()}


TARGET_KEYS = frozenset({"next", "to", "ok", "fail", "invalid", "no_input", "transfer", "else"})


def _derive_intents(flow: ImportedFlow) -> list[str]:
    """An intent per menu option that leads out of the menus; options serve what lies beyond."""
    menus = {k: n for k, n in flow.nodes.items() if n["kind"] == "menu"}
    intents: list[str] = []
    served: dict[str, list[str]] = {}
    found_at: dict[str, str] = {}
    """Where an option's calls land (past lookups) -> the intent first named for it."""

    def serve(menu_id: str, stack: tuple[str, ...]) -> list[str]:
        if menu_id in served:
            return served[menu_id]
        if menu_id in stack:
            return []
        everything: list[str] = []
        for option in menus[menu_id]["options"]:
            if option["key"] == "0":
                continue  # "0 for an operator" serves no intent of its own
            target = option.get("to")
            if target in menus:
                option["serves"] = serve(target, (*stack, menu_id))
            elif _farewell(flow, target):
                _as_goodbye(flow, str(target))
                continue  # "press 9 to end the call": the caller chose to leave
            else:
                target_name = flow.labels.get(target, target) if target else None
                named = target_name and target_name not in flow.generated
                # a copy of a menu (a Loop's round) names intents as the menu itself does
                intent = (slug(str(target_name)) if named
                          else f"{slug(flow.labels.get(menu_id, menu_id))}_{option['key']}")
                landing = _likeliest(flow, target)
                if flow.nodes.get(landing or "", {}).get("kind") in ("say", "self_service"):
                    # two ways to the same information ("press 1 to hear it again): one need
                    intent = found_at.setdefault(str(landing), intent)
                if intent not in intents:
                    intents.append(intent)
                option["serves"] = [intent]
                # A target may name no node (a transition to a missing state): PJ004 says so.
                # A lookup first (a Lambda, a function) reads the information it found.
                # (past a lookup too), unless it only announces a transfer
                if (flow.nodes.get(landing or "", {}).get("kind") in ("say", "self_service")
                        and not _announces_help(flow, str(landing), direct=landing == target)
                        and not _apologises(flow, str(landing))):
                    _settles(flow, landing, intent)
            everything += [i for i in option["serves"] if i not in everything]
        served[menu_id] = everything
        return everything

    for menu_id in menus:
        serve(menu_id, ())
    for menu in menus.values():
        for option in menu["options"]:
            if not option.get("serves"):
                option.pop("serves", None)
    if not menus:
        _settle_looked_up_information(flow, "call")
    return intents or ["call"]


_LOOKUP = re.compile(r"InvokeLambdaFunction|run-function|make-http-request")
"""Blocks that look something up (their origin's kind): what they found may be read out."""


def _settle_looked_up_information(flow: ImportedFlow, intent: str) -> None:
    """A flow without menus that reads out what a lookup found, then hangs up (a vanity
    number generator, a balance line): that information is what the call is for.

    Followed along the likeliest way (a lookup's success); only information past a
    lookup counts, so a closing message on the way in is not taken for the answer.
    """
    if flow.not_entry:
        return
    node_id, seen, looked_up = flow.start, set(), False
    while node_id in flow.nodes and node_id not in seen:
        seen.add(node_id)
        node = flow.nodes[node_id]
        if node["kind"] == "branch":
            looked_up = looked_up or any(_LOOKUP.search(o.kind)
                                         for o in flow.origins.get(node_id, []))
            node_id = _likeliest(flow, node_id)
        elif node["kind"] == "ask":
            node_id = node.get("ok")
        elif node["kind"] == "say":
            after = node.get("next")
            if (looked_up and flow.nodes.get(after or "", {"kind": "hangup"})["kind"] == "hangup"
                    and not _leads_to_help(flow, node_id) and not _apologises(flow, node_id)):
                _settles(flow, node_id, intent, why=(
                    f"What a lookup found, read out before the call ends (a flow without menus), "
                    f"settles the call with chance {flow.info_success}; otherwise it ends there."))
                return
            node_id = after
        else:
            return


_FAREWELL = re.compile(r"^\W*(thanks?( you)?( for calling)?|good\s*-?bye|bye|have a (nice|good)"
                       r" day)\b", re.I)
"""A prompt that only says goodbye (an option that ends the call, not information)."""


def _likeliest(flow: ImportedFlow, node_id: str | None) -> str | None:
    """Where calls most often land past silent branches (a lookup's success, not its errors)."""
    seen: set[str] = set()
    while node_id in flow.nodes and flow.nodes[node_id]["kind"] == "branch" \
            and node_id not in seen:
        seen.add(node_id)
        node, left, best = flow.nodes[node_id], 1.0, (-1.0, None)
        for case in node.get("cases", []):
            chance = case.get("when", {}).get("chance")
            p = left * float(chance) if isinstance(chance, int | float) else 0.0
            best = max(best, (p, case.get("to")), key=lambda b: b[0])
            left -= p
        node_id = max(best, (left, node.get("else")), key=lambda b: b[0])[1]
    return node_id


def _leads_to_help(flow: ImportedFlow, node_id: str | None) -> bool:
    """True if a prompt goes on (through prompts and lookups) to a human, a callback or a
    handoff: it announces a transfer, it is not information that settles a call."""
    seen: set[str] = set()
    while node_id in flow.nodes and node_id not in seen:
        seen.add(node_id)
        node = flow.nodes[node_id]
        if node["kind"] in ("agent", "callback", "handoff"):
            return True
        if node["kind"] not in ("say", "branch"):
            return False
        node_id = node.get("next") if node["kind"] == "say" else _likeliest(flow, node_id)
    return False


_ANNOUNCEMENT = re.compile(
    r"\b(one moment|please (hold|wait)|hold (on|the line)|transferr?(ing)?\b|connect(ing)? you|"
    r"forward(ing)? your call|next available|put you through)", re.I)
"""A prompt that announces a transfer ("please hold while I connect you")."""


def _announces_help(flow: ImportedFlow, node_id: str, direct: bool) -> bool:
    """True if a prompt leads to a human, a callback or a handoff and only announces it.

    Past a lookup any prompt on the way to help is taken as an announcement; a prompt
    an option leads to directly is information unless its words announce a transfer
    ("our hours are nine to five", then the front desk, is information).
    """
    if not _leads_to_help(flow, node_id):
        return False
    return not direct or bool(_ANNOUNCEMENT.search(str(flow.nodes[node_id].get("say") or "")))


APOLOGY = re.compile(r"\b(sorry|apologi[sz]e|unable to|can ?not|can't|could not|couldn't|"
                      r"not available|unavailable|try (again )?later|an error)\b", re.I)
"""A prompt that says the call cannot be helped ("sorry, we cannot help you now")."""


def _apologises(flow: ImportedFlow, node_id: str) -> bool:
    """True if a prompt is an error message, not information: a menu's failures lead to it
    (invalid, silence, last retry), or its words apologise. Read as information it would
    settle calls it fails, and hide the hangup after it (PJ205, PJ101)."""
    if APOLOGY.search(str(flow.nodes[node_id].get("say") or "")):
        return True
    return any(node_id in (n.get("invalid"), n.get("no_input"), n.get("fail"))
               for n in flow.nodes.values() if n["kind"] == "menu")


def _farewell(flow: ImportedFlow, node_id: str | None) -> bool:
    """True if a menu option only says goodbye and hangs up (it serves no intent)."""
    node = flow.nodes.get(node_id or "", {})
    text = str(node.get("say") or "")
    if node.get("kind") == "hangup":
        return True
    if node.get("kind") != "say" or not _FAREWELL.search(text) or len(text.split()) > 12:
        return False
    after = node.get("next")
    return after is None or flow.nodes.get(after, {}).get("kind") == "hangup"


def _as_goodbye(flow: ImportedFlow, node_id: str) -> None:
    """A goodbye that only menu options lead to is the hangup the caller chose: one
    `hangup` node saying it (a `say` into a disconnect would read as a dead end)."""
    node = flow.nodes[node_id]
    if node["kind"] != "say":
        return
    for other_id, other in flow.nodes.items():
        targets = node_targets(other)
        options = [o.get("to") for o in other.get("options", [])] if other["kind"] == "menu" \
            else []
        if other_id != node_id and targets.count(node_id) > options.count(node_id):
            return  # something else (an error, a branch) goes there too: keep it as it is
    flow.nodes[node_id] = {"kind": "hangup", "say": node.get("say")}
    after = node.get("next")
    if (after in flow.nodes and flow.nodes[after]["kind"] == "hangup" and after != flow.start
            and not any(after in node_targets(n) for n in flow.nodes.values())):
        del flow.nodes[after]  # the disconnect it led to is now part of it


def _settles(flow: ImportedFlow, node_id: str, intent: str, why: str | None = None) -> None:
    """Recorded information a menu option leads to settles (some of) its callers' need;
    `why` is the note the import says it with (the menu option's, by default)."""
    node = flow.nodes[node_id]
    if node["kind"] == "say":
        after = node.get("next")
        if after is None:  # the flow hangs up after it: keep that visible, never paper over it
            after = f"{node_id}_hangup"
            flow.nodes[after] = {"kind": "hangup"}
            flow.origins[after] = list(flow.origins.get(node_id, []))
        flow.nodes[node_id] = node = {k: v for k, v in (
            ("kind", "self_service"), ("say", node.get("say")), ("seconds", node.get("seconds")),
            ("resolves", []), ("success", flow.info_success), ("next", after)) if v is not None}
        note = why or (f"Recorded information a menu option leads to settles the caller's need "
                       f"with chance {flow.info_success}; otherwise the call goes on as the flow "
                       "does.")
        if note not in flow.notes:
            flow.notes.append(note)
    if intent not in node["resolves"]:
        node["resolves"].append(intent)


def _dump(data: dict[str, Any], indent: int) -> str:
    text = yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True,
                          width=100)
    return "".join(" " * indent + line + "\n" for line in text.splitlines())


def drop_unmodelled_only(flow: ImportedFlow) -> None:
    """Leave out nodes a call reaches only through branches phonejail does not model.

    After a queue transfer, for instance, Connect may disconnect; in phonejail the
    call ends when the human does. Such a node is not unreachable in the real flow,
    so reporting it as such (PJ104) would be wrong; it is dropped with a note. Nodes
    the real flow cannot reach either stay, for PJ104 to report.
    """
    def walk(starts: list[str], follow_unmodelled: bool) -> set[str]:
        seen: set[str] = set()
        todo = [s for s in starts if s in flow.nodes]
        while todo:
            here = todo.pop()
            if here in seen:
                continue
            seen.add(here)
            todo += [t for t in node_targets(flow.nodes[here]) if t in flow.nodes]
            if follow_unmodelled:
                todo += [t for t in flow.unmodelled.get(here, []) if t in flow.nodes]
        return seen

    start = [flow.start] if flow.start else []
    modelled, real = walk(start, False), walk(start, True)
    dropped = {n for n in flow.nodes if n in real and n not in modelled}
    kept_refers = True
    while kept_refers:  # a node something kept refers to stays: the tree must load (PJ004)
        wanted = {t for n, node in flow.nodes.items() if n not in dropped
                  for t in node_targets(node)}
        kept_refers = bool(wanted & dropped)
        dropped -= wanted
    for node_id in [n for n in flow.nodes if n in dropped]:
        del flow.nodes[node_id]
        flow.notes.append(f"'{node_id}' follows only branches phonejail does not model "
                          "(after a transfer, an error, another channel); it is left out.")


def disconnect_dangling(flow: ImportedFlow) -> None:
    """A target naming no block (the export's own mistake) is a disconnect, with a warning.

    Studio and Connect refuse to publish such a flow; an export edited by hand, or
    one that phonejail left a block out of, must still load as a tree.
    """
    if flow.start not in flow.nodes:
        flow.warn(None, f"the flow starts at '{flow.start}', which is no block; a disconnect")
        flow.start = "no_start"
        while flow.start in flow.nodes:
            flow.start += "_"
        flow.nodes[flow.start] = {"kind": "hangup"}

    def fix(value: Any, here: str) -> Any:
        if isinstance(value, dict):
            kept = {}
            for k, v in value.items():
                if k in TARGET_KEYS and isinstance(v, str) and v not in flow.nodes:
                    origins = flow.origins.get(here) or [None]
                    flow.warn(origins[0], f"'{v}' names no block; calls going there are "
                              "disconnected", here)
                    continue
                kept[k] = fix(v, here)
            return kept
        if isinstance(value, list):
            return [fix(v, here) for v in value]
        return value

    for node_id in list(flow.nodes):
        flow.nodes[node_id] = fix(flow.nodes[node_id], node_id)


def node_targets(node: dict[str, Any]) -> list[str]:
    """Every node a written node's keys lead to, options and cases included."""
    found: list[str] = []
    for key, value in node.items():
        if key in TARGET_KEYS and isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            found += [t for item in value if isinstance(item, dict) for t in node_targets(item)]
    return found


def to_yaml(flow: ImportedFlow, callers: list[dict[str, Any]] | None = None) -> str:
    """The imported flow as a commented phonejail tree (format version 1)."""
    intents = _derive_intents(flow)
    kind = {"twilio": "a Twilio Studio flow", "connect": "an Amazon Connect flow"}[flow.format]
    lines = [f"# Imported by phonejail {__version__} from {kind}: {flow.source}",
             "# Each node's comment names the widget or action it came from and its JSON line.",
             "# Intents are derived from the menu options; without `callers`, phonejail",
             "# simulates one caller per intent who knows every identity fact.",
             *(f"# {note}" for note in flow.notes)]
    head: dict[str, Any] = {"phonejail": 1, "name": flow.name, "start": flow.start,
                            "intents": intents}
    if flow.facts:
        head["identity"] = {fact: {"label": label} for fact, label in flow.facts.items()}
    lines.append(_dump(head, 0).rstrip("\n"))
    lines.append("nodes:")
    for node_id, node in flow.nodes.items():
        for origin in flow.origins.get(node_id, []):
            lines.append(f"  # {origin.describe()} (line {origin.line})")
        if node_id in flow.assumed:
            lines.append(f"  # {flow.assumed[node_id]}")
        lines.append(_dump({node_id: node}, 2).rstrip("\n"))
    if callers:
        lines.append(_dump({"callers": callers}, 0).rstrip("\n"))
    return "\n".join(lines) + "\n"


def break_zero_step_cycles(flow: ImportedFlow) -> None:
    """Give every cycle of silent branches (a Loop or Lambda polling) a wait that takes a step.

    In the export such a loop polls until something changes; as a tree it would be a
    cycle no call can leave in finite steps, which the simulation refuses. Each round
    becomes a `say` of POLL_SECONDS seconds (hold music), so the caller's patience
    bounds it as it does in reality.
    """
    while True:
        cycle = _silent_cycle(flow)
        if cycle is None:
            return
        head = cycle[0]
        wait = f"{head}_wait"
        while wait in flow.nodes:
            wait += "_"
        flow.nodes[wait] = {"kind": "say", "say": "(waiting while the flow polls)",
                            "seconds": POLL_SECONDS, "next": head}
        flow.origins[wait] = list(flow.origins.get(head, []))
        flow.generated.add(wait)
        # every silent way into the head now waits a round
        for member in [k for k, n in flow.nodes.items() if n.get("kind") == "branch"]:
            flow.nodes[member] = _retarget(flow.nodes[member], head, wait)
        note = (f"A polling loop of silent blocks waits {POLL_SECONDS} seconds, one step of "
                "the caller's patience, per round.")
        if note not in flow.notes:
            flow.notes.append(note)


def _retarget(node: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    def fix(value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: fix(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [fix(v) for v in value]
        return new if key in TARGET_KEYS and value == old else value
    return fix(node)


def _silent_cycle(flow: ImportedFlow) -> list[str] | None:
    """A cycle of `branch` nodes (which take no step), head first, or None."""
    silent = [k for k, n in flow.nodes.items() if n.get("kind") == "branch"]  # in file order
    state: dict[str, int] = {}  # 1: on the path, 2: done
    for root in silent:
        if root in state:
            continue
        path: list[str] = [root]
        stack = [iter([t for t in node_targets(flow.nodes[root]) if t in silent])]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if state.get(nxt) == 1:
                return path[path.index(nxt):]
            if nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter([t for t in node_targets(flow.nodes[nxt]) if t in silent]))
    return None
