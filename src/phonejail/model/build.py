"""Turn a located YAML document into a `Tree`, reporting every schema and reference error.

Validation is driven by the tables in `spec.py`. YAML 1.1 reads `no`, `on` and
`yes` as booleans and `012` as octal; where phonejail expects text, numbers are
taken as written (`key: 1` is the string "1") and booleans are refused with a
hint to quote them, so a Norway-style surprise never reaches the analysis.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from phonejail.findings import Problem
from phonejail.limits import MAX_DIGITS, MAX_TEXT_CHARS
from phonejail.model import spec
from phonejail.model.tree import (
    DTMF_KEYS,
    INPUT_MODES,
    KINDS,
    NODE_CLASSES,
    Case,
    Fact,
    Loc,
    Node,
    Option,
    Persona,
    Queue,
    Tree,
)
from phonejail.model.yamlread import YMap, YNode, YScalar, YSeq
from phonejail.textsafe import unsafe_characters, visible

_TAG = "tag:yaml.org,2002:"
_WHOLE = re.compile(r"[+]?[0-9][0-9_]*")
_MISSING = object()


def did_you_mean(word: str, choices: Iterable[object]) -> str:
    """' (did you mean 'next'?)' for a close match among `choices`, else ''."""
    match = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _article(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _describe(node: YNode) -> str:
    if isinstance(node, YMap):
        return "a mapping"
    if isinstance(node, YSeq):
        return "a list"
    kind = node.tag[len(_TAG):] if node.tag.startswith(_TAG) else node.tag
    return {"null": "nothing", "bool": f"the boolean '{node.value}'"}.get(
        kind, f"'{node.value}'"
    )


def _reshape(node: YNode, want: str) -> str:
    """How to turn a list into the mapping wanted, or a mapping into the list wanted: the
    most common shape slip in hand-written YAML is a `- ` too many or too few."""
    if want == "mapping" and isinstance(node, YSeq):
        return ("; write `name: value` lines without the `- ` in front (a `- ` starts a list "
                "item)")
    if want == "list" and isinstance(node, YMap):
        return "; start each item with `- ` (or write [a, b] on one line)"
    return ""


def _figure(number: float) -> str:
    """1,000,000 for a whole number however it is stored, 2.5e+300 for the rest."""
    if float(number).is_integer() and abs(number) < 1e18:
        return f"{int(number):,}"
    return f"{number:g}"


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        # Ordered dicts: file order for messages, O(1) membership for every reference.
        self.intents: dict[str, None] = {}
        self.facts: dict[str, None] = {}
        self.node_ids: dict[str, None] = {}
        self.keep_undefined_targets = False
        """For drawing a broken tree: a target naming no node is kept (and reported)."""
        self.undefined_targets: list[Problem] = []

    # -- reporting -----------------------------------------------------------------
    def error(self, at: YNode | Loc, message: str, code: str = "PJ002",
              node: str | None = None) -> None:
        mark = at if isinstance(at, Loc) else at.mark
        self.problems.append(Problem(code, mark.line, mark.column, message, node))

    # -- scalar readers: each returns the value or _MISSING after reporting ---------------
    def text(self, value: YNode, where: str) -> Any:
        if isinstance(value, YScalar):
            if value.tag == _TAG + "bool" and not value.quoted:
                self.error(value, f"{where}: YAML reads '{value.value}' as a boolean, not text; "
                                  f"quote it: \"{value.value}\"")
                return _MISSING
            if value.tag == _TAG + "null" and not value.quoted:
                self.error(value, f"{where}: expected text, found nothing")
                return _MISSING
            if len(value.value) > MAX_TEXT_CHARS:
                self.error(value, f"{where}: {len(value.value):,} characters; text may hold at "
                                  f"most {MAX_TEXT_CHARS:,}")
                return _MISSING
            if any("\ud800" <= c <= "\udfff" for c in value.value):
                # A lone surrogate (a "\ud800" escape) is no character: no file can hold it.
                self.error(value, f"{where}: holds a lone surrogate escape "
                                  f"('{visible(value.value)}'), which is not a character")
                return _MISSING
            return value.value
        self.error(value, f"{where}: expected text, found {_describe(value)}")
        return _MISSING

    def title(self, value: YNode, where: str) -> Any:
        """Non-empty free text (the tree's name): shown escaped wherever it is printed."""
        result = self.text(value, where)
        if result is not _MISSING and not result.strip():
            self.error(value, f"{where}: must not be empty")
            return _MISSING
        return result

    def name(self, value: YNode, where: str) -> Any:
        """An id or a unique name (nodes, intents, facts, personas, queues)."""
        result = self.title(value, where)
        unsafe = [] if result is _MISSING else unsafe_characters(result)
        if unsafe:
            # Names are ids: printed in every report, log and diagram, they must read as typed.
            self.error(value, f"{where}: '{visible(result)}' holds control or invisible "
                              f"characters ({', '.join(unsafe)}); names and ids may not")
            return _MISSING
        return result

    def kind(self, value: YNode, where: str) -> Any:
        return self.text(value, where)  # checked against KINDS before the node is read

    def version(self, value: YNode, where: str) -> Any:
        if isinstance(value, YScalar) and value.value.strip() == str(spec.FORMAT_VERSION):
            return spec.FORMAT_VERSION
        self.error(value, f"{where}: this phonejail reads format version "
                          f"{spec.FORMAT_VERSION}, found {_describe(value)}")
        return _MISSING

    def _number(self, value: YNode, where: str, whole: bool, least: int = 0) -> Any:
        if isinstance(value, YScalar) and not value.quoted and value.tag in (
            _TAG + "int", _TAG + "float"
        ):
            raw = value.value.replace("_", "")
            if len(raw.lstrip("+-0")) > MAX_DIGITS:
                # Refused unread: int() of thousands of digits is slow, and no bound allows it.
                self.error(value, f"{where}: a number of {len(raw):,} digits is far too large "
                                  "(docs/format.md lists the limits)")
                return _MISSING
            if whole:
                if _WHOLE.fullmatch(raw):
                    return int(raw, 10)
            else:
                try:
                    number = float(raw)
                except ValueError:
                    number = math.nan
                if math.isfinite(number):
                    return number
        kind = f"a whole number ({least} or more)" if whole else "a number"
        hint = " (YAML reads 1:30 as a base-60 number: write 90)" if ":" in getattr(
            value, "value", "") else ""
        self.error(value, f"{where}: expected {kind}, found {_describe(value)}{hint}")
        return _MISSING

    def whole(self, value: YNode, where: str) -> Any:
        return self._number(value, where, whole=True)

    def count(self, value: YNode, where: str) -> Any:
        number = self._number(value, where, whole=True, least=1)
        if number is not _MISSING and number < 1:
            self.error(value, f"{where}: must be at least 1")
            return _MISSING
        return number

    def chance(self, value: YNode, where: str) -> Any:
        number = self._number(value, where, whole=False)
        if number is not _MISSING and not 0.0 <= number <= 1.0:
            self.error(value, f"{where}: a chance lies between 0 and 1, found {number:g}")
            return _MISSING
        return number

    def weight(self, value: YNode, where: str) -> Any:
        number = self._number(value, where, whole=False)
        if number is not _MISSING and number <= 0:
            self.error(value, f"{where}: must be greater than 0")
            return _MISSING
        return number

    def positive(self, value: YNode, where: str) -> Any:
        return self.weight(value, where)

    def dtmf(self, value: YNode, where: str) -> Any:
        key = self.text(value, where)
        if key is not _MISSING and key not in DTMF_KEYS:
            self.error(value, f"{where}: a key is one of 0-9, * or #, found '{key}' "
                              "(quote * and #: '*', '#')")
            return _MISSING
        return key

    def input_mode(self, value: YNode, where: str) -> Any:
        mode = self.text(value, where)
        if mode is not _MISSING and mode not in INPUT_MODES:
            self.error(value, f"{where}: unknown input '{mode}'{did_you_mean(mode, INPUT_MODES)}"
                              f"; input is one of {', '.join(INPUT_MODES)}")
            return _MISSING
        return mode

    def _ref(self, value: YNode, where: str, known: dict[str, None], what: str,
             listed_in: str) -> Any:
        ref = self.text(value, where)
        if ref is not _MISSING and ref not in known:
            self.error(value, f"{where}: unknown {what} '{ref}'{did_you_mean(ref, known)}; "
                              f"{listed_in}", code="PJ004")
            return _MISSING
        return ref

    def target(self, value: YNode, where: str) -> Any:
        before = len(self.problems)
        ref = self._ref(value, where, self.node_ids, "node", "targets name a node of `nodes`")
        if ref is _MISSING and self.keep_undefined_targets and len(self.problems) == before + 1 \
                and self.problems[-1].code == "PJ004" and isinstance(value, YScalar):
            # Set aside, so the node holding it is still built (it checks for new problems).
            self.undefined_targets.append(self.problems.pop())
            return value.value
        return ref

    def intent(self, value: YNode, where: str) -> Any:
        return self._ref(value, where, self.intents, "intent", "intents are listed in `intents`")

    def fact(self, value: YNode, where: str) -> Any:
        return self._ref(value, where, self.facts, "fact", "facts are listed in `identity`")

    def _list(self, value: YNode, where: str, item: Callable[[YNode, str], Any],
              unique: bool = True) -> Any:
        items = value.items if isinstance(value, YSeq) else None
        if items is None:
            self.error(value, f"{where}: expected a list, found {_describe(value)}"
                              f"{_reshape(value, 'list')}")
            return _MISSING
        result: list[Any] = []
        for index, element in enumerate(items):
            got = item(element, f"{where}[{index}]")
            if got is _MISSING:
                continue
            if unique and got in result:
                self.error(element, f"{where}[{index}]: '{got}' is listed twice")
                continue
            result.append(got)
        return tuple(result)

    def intent_ids(self, value: YNode, where: str) -> Any:
        result = self._list(value, where, self.name)
        if result is not _MISSING and not result:
            self.error(value, f"{where}: list at least one intent (why people call)")
            return _MISSING
        return result

    def intent_refs(self, value: YNode, where: str) -> Any:
        return self._list(value, where, self.intent)

    def fact_refs(self, value: YNode, where: str) -> Any:
        return self._list(value, where, self.fact)

    # -- mappings ------------------------------------------------------------------------
    def fields(self, value: YNode, where: str, allowed: Mapping[str, spec.Field],
               what: str, node: str | None = None,
               elsewhere: Mapping[str, str] | None = None) -> dict[str, tuple[YNode, YNode]] | None:
        """Check a mapping's keys against `allowed`; return key -> (key node, value node)."""
        if not isinstance(value, YMap):
            self.error(value, f"{where}: {what} is a mapping, found {_describe(value)}", node=node)
            return None
        found: dict[str, tuple[YNode, YNode]] = {}
        for key, item in value.pairs:
            if not isinstance(key, YScalar):
                self.error(key, f"{where}: a key must be text, found {_describe(key)}", node=node)
                continue
            if key.value not in allowed:
                elsewhere = elsewhere or {}
                owner = elsewhere.get(key.value)
                hint = did_you_mean(key.value, allowed)
                if owner:
                    hint = f" (it belongs to {owner})"
                elif not hint and elsewhere:
                    near = did_you_mean(key.value, elsewhere)
                    if near:
                        other = near.split("'")[1]
                        hint = f"{near[:-2]}, which belongs to {elsewhere[other]}?)"
                self.error(key, f"{where}: unknown key '{key.value}' in {what}{hint}; "
                                f"allowed: {', '.join(allowed)}", node=node)
                continue
            found[key.value] = (key, item)
        for name, field in allowed.items():
            if field.required and name not in found:
                self.error(value, f"{where}: {what} needs '{name}' ({field.doc})", node=node)
        return found

    def read(self, found: dict[str, tuple[YNode, YNode]], allowed: Mapping[str, spec.Field],
             where: str) -> tuple[dict[str, Any], dict[str, Loc]]:
        """Read each present field with its type's reader; defaults for the rest."""
        values: dict[str, Any] = {}
        locs: dict[str, Loc] = {}
        for name, field in allowed.items():
            if name not in found:
                values[name] = field.default
                continue
            key, item = found[name]
            locs[name] = key.mark
            if (isinstance(item, YScalar) and item.tag == _TAG + "null" and not item.quoted
                    and not field.required):
                values[name] = field.default
                continue
            reader = getattr(self, field.type)
            values[name] = self._bounded(reader(item, _join(where, name)), field, item,
                                         _join(where, name))
        return values, locs

    def _bounded(self, number: Any, field: spec.Field, item: YNode, where: str) -> Any:
        """`number` if it is within the field's maximum; else a finding naming the limit."""
        if field.maximum is None or number is _MISSING or number is None:
            return number
        if number > field.maximum:
            self.error(item, f"{where}: at most {_figure(field.maximum)} (docs/format.md, "
                             f"Limits), found {_figure(number)}")
            return _MISSING
        return number

    def identity(self, value: YNode, where: str) -> Any:
        if not isinstance(value, YMap):
            self.error(value, f"{where}: expected a mapping of fact ids, found {_describe(value)}"
                       f"{_reshape(value, 'mapping')}")
            return _MISSING
        facts: dict[str, Fact] = {}
        for key, item in value.pairs:
            fact_id = self.name(key, f"{where} key")
            if fact_id is _MISSING:
                continue
            label = fact_id.replace("_", " ")
            if not (isinstance(item, YScalar) and item.tag == _TAG + "null"):
                found = self.fields(item, f"{where}.{fact_id}", spec.FACT, "a fact")
                if found is not None:
                    values, _ = self.read(found, spec.FACT, f"{where}.{fact_id}")
                    if values["label"] not in (None, _MISSING):
                        label = values["label"]
            facts[fact_id] = Fact(id=fact_id, label=label, loc=key.mark)
        return MappingProxyType(facts)

    def options(self, value: YNode, where: str) -> Any:
        options = self._list(value, where, self._option, unique=False)
        if options is _MISSING:
            return options
        if not options and isinstance(value, YSeq) and not value.items:
            self.error(value, f"{where}: a menu needs at least one option")
        seen: dict[str, Option] = {}
        for option in options:
            if option.key in seen:
                self.error(option.loc, f"{where}: key '{option.key}' is used twice in this menu "
                                       f"(first at line {seen[option.key].loc.line})")
            seen.setdefault(option.key, option)
        return options

    def _option(self, value: YNode, where: str) -> Any:
        found = self.fields(value, where, spec.OPTION, "an option")
        if found is None:
            return _MISSING
        values, locs = self.read(found, spec.OPTION, where)
        if _MISSING in values.values() or values["key"] is None:
            return _MISSING
        return Option(key=values["key"], to=values["to"], serves=values["serves"] or (),
                      loc=value.mark, locs=MappingProxyType(locs))

    def cases(self, value: YNode, where: str) -> Any:
        cases = self._list(value, where, self._case, unique=False)
        if cases is not _MISSING and isinstance(value, YSeq) and not value.items:
            self.error(value, f"{where}: a branch needs at least one case")
        return cases

    def _case(self, value: YNode, where: str) -> Any:
        found = self.fields(value, where, spec.CASE, "a case")
        if found is None or "when" not in found:
            return _MISSING
        key, when = found["when"]
        conditions = self.fields(when, f"{where}.when", spec.WHEN, "a condition")
        if conditions is None:
            return _MISSING
        if len(conditions) != 1:
            self.error(when, f"{where}.when: give exactly one of "
                             f"{', '.join(spec.WHEN)}, found {len(conditions)}")
            return _MISSING
        values, _ = self.read(conditions, spec.WHEN, f"{where}.when")
        (test,) = conditions
        case_values, locs = self.read(found, {"to": spec.CASE["to"]}, where)
        if values[test] is _MISSING or case_values["to"] is _MISSING:
            return _MISSING
        return Case(test=test, value=values[test], to=case_values["to"], loc=value.mark,
                    locs=MappingProxyType(locs))

    # -- nodes ---------------------------------------------------------------------------
    def nodes(self, value: YNode, where: str) -> Any:
        if not isinstance(value, YMap):
            self.error(value, f"{where}: expected a mapping of node ids, found {_describe(value)}"
                       f"{_reshape(value, 'mapping')}")
            return _MISSING
        if not value.pairs:
            self.error(value, f"{where}: a tree needs at least one node")
        built: dict[str, Node] = {}
        for key, item in value.pairs:
            node_id = self.name(key, f"{where} key")
            if node_id is not _MISSING:
                node = self._node(node_id, key.mark, item, f"{where}.{node_id}")
                if node is not None:
                    built[node_id] = node
        return MappingProxyType(built)

    def _node_ids(self, value: YNode) -> dict[str, None]:
        if not isinstance(value, YMap):
            return {}
        return dict.fromkeys(k.value for k, _ in value.pairs
                             if isinstance(k, YScalar) and k.tag != _TAG + "bool")

    def _node(self, node_id: str, loc: Loc, value: YNode, where: str) -> Node | None:
        if not isinstance(value, YMap):
            self.error(value, f"{where}: a node is a mapping with a `kind`, found "
                              f"{_describe(value)}{_reshape(value, 'mapping')}", node=node_id)
            return None
        kind_item = next((v for k, v in value.pairs
                          if isinstance(k, YScalar) and k.value == "kind"), None)
        if kind_item is None:
            self.error(value, f"{where}: a node needs 'kind' ({', '.join(KINDS)})", node=node_id)
            return None
        kind = self.text(kind_item, f"{where}.kind")
        if kind is _MISSING:
            return None
        if kind not in KINDS:
            self.error(kind_item, f"{where}.kind: unknown kind '{kind}'"
                                  f"{did_you_mean(kind, KINDS)}; kinds: {', '.join(KINDS)}",
                       node=node_id)
            return None
        allowed = spec.node_fields(kind)
        found = self.fields(value, where, allowed, f"{_article(kind)} node", node=node_id,
                            elsewhere=spec.KEYS_ELSEWHERE[kind])
        if found is None:
            return None
        before = len(self.problems)
        values, locs = self.read(found, allowed, where)
        if len(self.problems) > before:
            return None
        values.pop("kind")
        if kind == "menu" and "recognition" in found and values["input"] == "dtmf":
            # Recognition on a keys-only menu does nothing: most likely `input` was forgotten.
            self.error(found["recognition"][0], f"{where}: `recognition` applies to spoken "
                       "input; add `input: speech` or `input: both` (or remove it)",
                       node=node_id)
            return None
        if kind == "branch":
            values["else_"] = values.pop("else")
        if kind == "agent" and "asks" in found:
            asks_node = found["asks"][1]
            if isinstance(asks_node, YSeq):
                values["asks_locs"] = tuple(i.mark for i in asks_node.items)
        for name in ("resolves", "asks", "serves"):
            if name in values and values[name] is None and not (kind == "agent"
                                                                and name == "resolves"):
                values[name] = ()
        if values.get("seconds") is None:
            values.pop("seconds", None)
        return NODE_CLASSES[kind](id=node_id, loc=loc, locs=MappingProxyType(locs), **values)

    # -- callers -------------------------------------------------------------------------
    def callers(self, value: YNode, where: str) -> Any:
        personas = self._list(value, where, self._persona, unique=False)
        if personas is _MISSING:
            return personas
        seen: dict[str, Persona] = {}
        for persona in personas:
            if persona.name in seen:
                self.error(persona.loc, f"{where}: persona name '{persona.name}' is used twice "
                                        f"(first at line {seen[persona.name].loc.line})")
            seen.setdefault(persona.name, persona)
        # An intent no persona calls for gets a default caller named after it
        # (docs/format.md, "Callers"): a persona of that name would be two callers in one
        # name, in `persona-max-jail-rate`, simulate's rows and compare's matching.
        covered = {p.intent for p in personas}
        for persona in personas:
            if persona.name in self.intents and persona.name not in covered:
                self.error(persona.loc, f"{where}: persona name '{persona.name}' is the name "
                                        f"of the default caller of intent '{persona.name}', "
                                        "which no persona calls for; rename the persona or "
                                        "give the intent a persona")
        return personas

    def _persona(self, value: YNode, where: str) -> Any:
        found = self.fields(value, where, spec.PERSONA, "a persona")
        if found is None:
            return _MISSING
        before = len(self.problems)
        values, _ = self.read(found, spec.PERSONA, where)
        if len(self.problems) > before or values["name"] is None or values["intent"] is None:
            return _MISSING
        knows = tuple(self.facts) if values["knows"] is None else values["knows"]
        return Persona(name=values["name"], intent=values["intent"], knows=frozenset(knows),
                       share=float(values["share"]), patience=values["patience"],
                       zero_out=float(values["zero_out"]), mistakes=float(values["mistakes"]),
                       understood=float(values["understood"]), redials=values["redials"],
                       loc=value.mark)

    # -- staffing ------------------------------------------------------------------------
    def queues(self, value: YNode, where: str) -> Any:
        if not isinstance(value, YMap):
            self.error(value, f"{where}: expected a mapping of queue names, found "
                              f"{_describe(value)}")
            return _MISSING
        built: dict[str, Queue] = {}
        for key, item in value.pairs:
            name = self.name(key, f"{where} key")
            if name is _MISSING:
                continue
            queue = self._queue(name, key.mark, item, f"{where}.{name}")
            if queue is not None:
                built[name] = queue
        return MappingProxyType(built)

    def _queue(self, name: str, loc: Loc, value: YNode, where: str) -> Queue | None:
        found = self.fields(value, where, spec.QUEUE, "a queue")
        if found is None:
            return None
        before = len(self.problems)
        values, locs = self.read(found, spec.QUEUE, where)
        if len(self.problems) > before or None in (values["agents"], values["calls_per_hour"],
                                                   values["handle_seconds"]):
            return None
        patience = values["patience_seconds"]
        queue = Queue(name=name, agents=values["agents"],
                      calls_per_hour=float(values["calls_per_hour"]),
                      handle_seconds=float(values["handle_seconds"]),
                      patience_seconds=None if patience is None else float(patience),
                      loc=loc, locs=MappingProxyType(locs))
        # Imported here: the staffing maths is only needed once a tree has queues.
        from phonejail.analysis.staffing import unstable_message

        unstable = unstable_message(queue)
        if unstable is not None:
            self.error(queue.where("agents"), f"{where}: {unstable}")
            return None
        return queue

    # -- the tree ------------------------------------------------------------------------
    def tree(self, root: YNode) -> Tree | None:
        found = self.fields(root, "the document", spec.TREE, "a phonejail tree")
        if found is None:
            return None
        # Intents, facts and node ids first: every reference is checked against them.
        identity: Any = MappingProxyType({})
        if "intents" in found:
            intents = self.intent_ids(found["intents"][1], "intents")
            self.intents = {} if intents is _MISSING else dict.fromkeys(intents)
        if "identity" in found:
            identity = self.identity(found["identity"][1], "identity")
            self.facts = {} if identity is _MISSING else dict.fromkeys(identity)
        if "nodes" in found:
            self.node_ids = self._node_ids(found["nodes"][1])
        reading = {k: v for k, v in spec.TREE.items() if k not in ("intents", "identity")}
        values, locs = self.read(found, reading, "")
        locs.update({name: found[name][0].mark for name in ("intents", "identity")
                     if name in found})
        if self.problems:
            return None
        return Tree(path=self.path, name=values["name"], description=values["description"],
                    start=values["start"], intents=tuple(self.intents), identity=identity,
                    nodes=values["nodes"], callers=values["callers"] or (),
                    sensitive=values["sensitive"] or (),
                    queues=values["queues"] or MappingProxyType({}), loc=root.mark,
                    locs=MappingProxyType(locs))


def build_tree(root: YNode, path: str, keep_undefined_targets: bool = False
               ) -> tuple[Tree | None, list[Problem]]:
    """Validate `root` as a format-1 tree. The tree is None if any problem was found, except
    with `keep_undefined_targets` (for drawing a broken tree): then a tree whose only
    problems are targets naming no node is built, keeping those names as targets."""
    builder = _Builder(path)
    builder.keep_undefined_targets = keep_undefined_targets
    tree = builder.tree(root)
    return tree, builder.problems + builder.undefined_targets
