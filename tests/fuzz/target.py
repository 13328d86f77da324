"""The fuzz target: one file, everything a user can do with it, and nothing may raise.

`exercise` loads a file as `check`, `report` and `graph` do (YAML trees, Twilio Studio
and Amazon Connect exports by suffix), checks it, analyses it exactly, samples it,
ranks what to fix, and renders every text format. A bad file must come back as
findings; any exception is a crash. The strategies mutate real seed files (every tree
and export the repository ships) with the pieces an attacker would use, and build
random Studio and Connect flows whose transitions point anywhere (missing states,
themselves, each other).

`tests/fuzz/test_fuzz.py` runs a small fixed budget in the suite and replays every
crash ever found (`tests/fuzz/crashes/`); `benchmarks/fuzz.py` runs long campaigns.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import strategies as st

from phonejail.config import Config
from phonejail.lint import CheckResult
from phonejail.output import CHECK_FORMATS
from phonejail.report import flowchart
from phonejail.report.build import build_report
from phonejail.report.html import tree_page
from phonejail.report.markdown import summary
from phonejail.report.summary_json import summary as summary_json
from tests.hostile import PIECES

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted([*(ROOT / "trees").glob("*.yaml"), *(ROOT / "tests/rules/bad").glob("*.yaml"),
                *(ROOT / "tests/importers/fixtures").glob("*.js*")],
               key=lambda p: p.stat().st_size)[:40]
"""Seed files, smallest first (small seeds mutate into interesting files faster)."""

SUFFIXES = (".yaml", ".json", ".js")
CALLERS = 200
"""Monte-Carlo calls per fuzzed tree: enough to run every code path, fast."""


def exercise(data: bytes, suffix: str, folder: Path) -> None:
    """Everything phonejail does with one file. Raises only on a bug."""
    path = folder / f"fuzzed{suffix}"
    path.write_bytes(data)
    report = build_report(str(path), "fuzzed", Config(), CALLERS, 1)
    result = CheckResult((str(path),), tuple(sorted(report.findings)))
    for render in CHECK_FORMATS.values():
        text = render(result, config=Config())
        text.encode("utf-8")  # whatever a file held, the output can be written
    summary(report).encode("utf-8")
    summary_json(report).encode("utf-8")
    tree_page(report, []).encode("utf-8")
    if report.tree is not None:
        diagram = flowchart.describe(report.tree, report.marks, report.flow)
        flowchart.to_dot(diagram, report.tree.name).encode("utf-8")
        flowchart.to_mermaid(diagram, report.tree.name).encode("utf-8")


# -- mutations of seed files -----------------------------------------------------------------
STRUCTURE = ["{", "}", "[", "]", ":", ",", '"', "'", "\n", "\n  ", "\n    - ", "&a ", "*a",
             "<<: *a\n", "!!python/object:os.system ", "!!binary ", "? ", "---\n", "...\n",
             "null", "true", "no", "-1", "0", "1e999", "9" * 40, "0x1F", "1:30", ".nan",
             '"next": "', '"to": ', '"name": "', '"type": "', "kind: ", "next: ", "to: ",
             "retries: ", "seconds: ", "share: ", "patience: ", "chance: ", "\\ud800",
             "\\u0000", "\udcff", "\xff".encode("latin-1").decode("latin-1")]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[bytes, str]:
    """A seed file with a few insertions, deletions, replacements and duplications."""
    seed = draw(st.sampled_from(SEEDS))
    data = bytearray(seed.read_bytes())
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        piece = draw(st.sampled_from(STRUCTURE + PIECES)).encode("utf-8", "surrogatepass")
        span = draw(st.integers(0, 40))
        if op == "insert":
            data[at:at] = piece
        elif op == "delete":
            del data[at:at + span]
        elif op == "replace":
            data[at:at + span] = piece
        else:
            data[at:at] = data[at:at + span]
    suffix = seed.suffix if seed.suffix in SUFFIXES else ".json"
    return bytes(data), suffix


# -- random flows ----------------------------------------------------------------------------
TWILIO_TYPES = ["trigger", "say-play", "gather-input-on-call", "split-based-on",
                "send-to-flex", "connect-call-to", "enqueue-call", "record-voicemail",
                "run-function", "make-http-request", "run-subflow", "set-variables",
                "add-twiml-redirect", "send-message", "unknown-widget"]
TWILIO_EVENTS = ["incomingCall", "audioComplete", "keypress", "speech", "timeout", "noMatch",
                 "match", "success", "fail", "callCompleted", "hangup", "next", "failed"]
CONNECT_TYPES = ["MessageParticipant", "GetParticipantInput", "DisconnectParticipant",
                 "UpdateContactTargetQueue", "TransferContactToQueue",
                 "TransferParticipantToThirdParty", "TransferToFlow", "EndFlowExecution",
                 "InvokeLambdaFunction", "CheckHoursOfOperation", "Loop",
                 "DistributeByPercentage", "Compare", "CheckMetricData",
                 "UpdateContactAttributes", "Unknown"]
names = st.one_of(st.sampled_from(["a", "b", "c", "Trigger", "info_hangup", "hangup", "agent",
                                   "menu", "a-2", "b_1", "missing"]),
                  st.lists(st.sampled_from(PIECES), min_size=1, max_size=3).map("".join))
values = st.one_of(st.none(), st.booleans(), st.integers(-3, 5), names,
                   st.sampled_from(["1", "2", "0", "Infinity", "-1", "1e400", "", " "]))


@st.composite
def twilio_flow(draw: st.DrawFn) -> tuple[bytes, str]:
    """A Studio flow whose widgets and transitions are drawn at random."""
    state_names = draw(st.lists(names, min_size=1, max_size=8))
    states = []
    for name in state_names:
        kind = draw(st.sampled_from(TWILIO_TYPES))
        transitions = [
            {"event": draw(st.sampled_from(TWILIO_EVENTS)),
             **({"next": draw(st.sampled_from(state_names + ["missing"]))}
                if draw(st.booleans()) else {}),
             **({"conditions": [{"friendly_name": draw(names), "type":
                                 draw(st.sampled_from(["equal_to", "matches_any_of",
                                                       "contains", "regex"])),
                                 "arguments": [draw(names)], "value": draw(values)}]}
                if draw(st.booleans()) else {})}
            for _ in range(draw(st.integers(0, 4)))]
        properties = {key: draw(values) for key in draw(st.lists(st.sampled_from(
            ["say", "play", "input", "number_of_digits", "stop_gather", "timeout", "to",
             "workflow", "loop", "digits", "finish_on_key"]), max_size=4, unique=True))}
        states.append({"name": name, "type": kind, "properties": properties,
                       "transitions": transitions})
    flow = {"description": draw(names), "states": states, "flags": {},
            "initial_state": draw(st.sampled_from(state_names + ["missing"]))}
    return json.dumps(flow).encode("utf-8", "surrogatepass"), ".json"


@st.composite
def connect_flow(draw: st.DrawFn) -> tuple[bytes, str]:
    """A Connect flow whose actions and transitions are drawn at random."""
    ids = draw(st.lists(names, min_size=1, max_size=8))
    actions = []
    for ident in ids:
        conditions = [{"NextAction": draw(st.sampled_from(ids + ["missing"])),
                       "Condition": {"Operator": draw(st.sampled_from(
                           ["Equals", "NumberLessThan", "NumberGreaterThan", "Contains"])),
                           "Operands": [draw(values)]}}
                      for _ in range(draw(st.integers(0, 3)))]
        errors = [{"NextAction": draw(st.sampled_from(ids + ["missing"])),
                   "ErrorType": draw(st.sampled_from(["NoMatchingError", "InputTimeLimitExceeded",
                                                      "NoMatchingCondition"]))}
                  for _ in range(draw(st.integers(0, 2)))]
        parameters = {key: draw(values) for key in draw(st.lists(st.sampled_from(
            ["Text", "LoopCount", "StoreInput", "QueueId", "ThirdPartyPhoneNumber",
             "InputTimeLimitSeconds", "SSML"]), max_size=3, unique=True))}
        transitions: dict[str, object] = {"Conditions": conditions, "Errors": errors}
        if draw(st.booleans()):
            transitions["NextAction"] = draw(st.sampled_from(ids + ["missing"]))
        actions.append({"Identifier": ident, "Type": draw(st.sampled_from(CONNECT_TYPES)),
                        "Parameters": parameters, "Transitions": transitions})
    flow = {"Version": "2019-10-30", "StartAction": draw(st.sampled_from(ids + ["missing"])),
            "Actions": actions}
    return json.dumps(flow).encode("utf-8", "surrogatepass"), ".json"


files = st.one_of(mutated(), twilio_flow(), connect_flow())
"""Any file the fuzzer tries."""
