"""What both importers share: the flow they build, the identity heuristic, YAML emission.

An importer turns an export into an `ImportedFlow`: phonejail nodes (plain
dicts in the tree format), where each came from (widget or action, JSON line),
and warnings (PJ005) for what it could not model exactly. `to_yaml` then
derives intents from the menus and writes a commented tree.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from phonejail import __version__
from phonejail.findings import Problem

DEFAULT_SUCCESS = 0.95
"""Chance that a function, Lambda, HTTP request or subflow takes its success branch."""
DEFAULT_OPEN = 0.8
"""Chance that an hours-of-operation check finds the centre open."""
DEFAULT_INFO = 0.7
"""Chance that recorded information a menu option leads to settles the caller's need."""
WORDS_PER_SECOND = 2.5
"""Speaking rate used to estimate prompt length from its text (150 words a minute)."""

# Prompts that ask for a number identifying the caller become `ask` nodes for these facts.
# The first pattern that matches the prompt text wins.
IDENTITY_PATTERNS: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (fact, label, re.compile(pattern, re.I)) for fact, label, pattern in (
        ("account_number", "account number", r"\baccount\s*(number|no\b|id\b|#)"),
        ("card_number", "card number",
         r"\b(credit|debit|card)\s*(card\s*)?(number|no\b)|\blast\s+(four|4)\s+digits"),
        ("phone_number", "phone number", r"\b(phone|telephone|mobile|cell)\s*(number|no\b)"),
        ("member_id", "member ID",
         r"\b(member|membership|policy|customer|patient|student)\s*(id|number|no\b)"),
        ("date_of_birth", "date of birth", r"\b(date\s+of\s+birth|birth\s*date|dob)\b"),
        ("postcode", "postcode", r"\b(zip|postal)\s*code\b|\bpostcode\b"),
        ("ssn", "social security number", r"\bsocial\s+security\b|\bssn\b"),
        ("pin", "PIN", r"\bpin\b|\bpasscode\b|\bsecurity\s+code\b"),
    ))


def identity_fact(text: str | None) -> tuple[str, str] | None:
    """(fact id, label) if `text` asks for something that identifies the caller."""
    if not text:
        return None
    for fact, label, pattern in IDENTITY_PATTERNS:
        if pattern.search(text):
            return fact, label
    return None


RECORDING = "(recording"
"""How prompts given as audio (a URL, a prompt id) are shown: their length is unknown."""


def speech_seconds(text: str | None) -> int:
    """Estimated length of a text-to-speech prompt, in whole seconds (0 for a recording)."""
    if not text or text.startswith(RECORDING):
        return 0
    return max(1, math.ceil(len(re.findall(r"\w+", text)) / WORDS_PER_SECOND))


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

    def warn(self, origin: Origin | None, message: str, node: str | None = None) -> None:
        line, column = (origin.line, origin.column) if origin else (1, 1)
        where = f"{origin.describe()}: " if origin else ""
        self.problems.append(Problem("PJ005", line, column, where + message, node))


def locate(text: str, key: str, value: str) -> tuple[int, int]:
    """Line and column of `"key": "value"` in the JSON text (1, 1 if not found).

    Inside a JSON string (Connect's DescribeContactFlow wraps the flow in one) the
    quotes are escaped; the line is then that of the string.
    """
    k, v = re.escape(key), re.escape(value)
    match = (re.search(rf'"{k}"\s*:\s*"{v}"', text)
             or re.search(rf'\\"{k}\\"\s*:\s*\\"{v}\\"', text))
    if not match:
        return 1, 1
    line = text.count("\n", 0, match.start()) + 1
    return line, match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1


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
            else:
                named = target and target not in flow.generated
                intent = slug(str(target)) if named else f"{slug(menu_id)}_{option['key']}"
                if intent not in intents:
                    intents.append(intent)
                option["serves"] = [intent]
                # A target may name no node (a transition to a missing state): PJ004 says so.
                if flow.nodes.get(target or "", {}).get("kind") in ("say", "self_service"):
                    _settles(flow, target, intent)
            everything += [i for i in option["serves"] if i not in everything]
        served[menu_id] = everything
        return everything

    for menu_id in menus:
        serve(menu_id, ())
    for menu in menus.values():
        for option in menu["options"]:
            if not option.get("serves"):
                option.pop("serves", None)
    return intents or ["call"]


def _settles(flow: ImportedFlow, node_id: str, intent: str) -> None:
    """Recorded information a menu option leads to settles (some of) its callers' need."""
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
        note = (f"Recorded information a menu option leads to settles the caller's need with "
                f"chance {flow.info_success}; otherwise the call goes on as the flow does.")
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
            todo += [t for t in _targets(flow.nodes[here]) if t in flow.nodes]
            if follow_unmodelled:
                todo += [t for t in flow.unmodelled.get(here, []) if t in flow.nodes]
        return seen

    start = [flow.start] if flow.start else []
    modelled, real = walk(start, False), walk(start, True)
    for node_id in [n for n in flow.nodes if n in real and n not in modelled]:
        del flow.nodes[node_id]
        flow.notes.append(f"'{node_id}' follows only branches phonejail does not model "
                          "(after a transfer, an error); it is left out.")


def _targets(node: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for key, value in node.items():
        if key in TARGET_KEYS and isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            found += [t for item in value if isinstance(item, dict) for t in _targets(item)]
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
        lines.append(_dump({node_id: node}, 2).rstrip("\n"))
    if callers:
        lines.append(_dump({"callers": callers}, 0).rstrip("\n"))
    return "\n".join(lines) + "\n"
