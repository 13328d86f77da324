"""Importing Twilio Studio and Amazon Connect exports: golden YAML, round trips, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from phonejail.importers.common import to_yaml
from phonejail.importers.read import read_flow
from phonejail.model import load_bytes
from tests.test_cli import golden

FIXTURES = Path(__file__).parent / "fixtures"
IMPORTABLE = ["twilio_ivr.json", "twilio_api_resource.json", "twilio_module.js",
              "connect_inbound.json", "connect_describe.json", "connect_wild.json",
              "connect_console_module.json", "connect_queue_flow.json",
              "twilio_parsed_menu.json", "twilio_template.js", "twilio_sms.json",
              "connect_retry_loop.json", "twilio_channels.json", "connect_lookup_info.json",
              "connect_queue_by_blocks.json", "connect_lex_input.json",
              "connect_data_routing.json", "connect_balance_line.json",
              "connect_queue_transfer.json", "connect_transfer_lookup.json",
              "connect_chat_flow.json", "connect_chat_named_voice.json"]


def imported_yaml(name: str) -> str:
    flow, _ = read_flow((FIXTURES / name).read_bytes(), f"fixtures/{name}")
    assert flow is not None
    return to_yaml(flow)


@pytest.mark.parametrize("name", IMPORTABLE)
def test_import_matches_the_golden_yaml_and_loads(name: str) -> None:
    text = imported_yaml(name)
    assert text == golden(f"import_{Path(name).stem}.yaml", text)
    loaded = load_bytes(text.encode(), name)
    assert loaded.problems == () and loaded.tree is not None


def test_every_mapped_kind_appears() -> None:
    kinds = set()
    for name in IMPORTABLE:
        kinds |= {n["kind"] for n in yaml.safe_load(imported_yaml(name))["nodes"].values()}
    assert kinds == {"say", "menu", "ask", "branch", "self_service", "agent", "callback",
                     "hangup", "handoff"}


# What `phonejail check` finds on each export, at the widget's or action's line.
ROUND_TRIP = {
    "twilio_ivr.json": [("PJ103", 27), ("PJ107", 27), ("PJ205", 27), ("PJ203", 62),
                        ("PJ005", 85), ("PJ201", 85), ("PJ205", 85), ("PJ005", 116),
                        ("PJ101", 126), ("PJ105", 141), ("PJ107", 141)],
    "twilio_api_resource.json": [("PJ201", 10)],
    # no menus: the refill confirmed after the request settles the call (0.7); the rest,
    # and callers without a member ID, are cut off with no human anywhere
    "twilio_module.js": [("PJ101", 5), ("PJ103", 5), ("PJ205", 5), ("PJ105", 9),
                         ("PJ107", 10)],
    # the menu's retry Loop (2 rounds) is a counter: after the third silence, a hangup (PJ205)
    "connect_inbound.json": [("PJ101", 32), ("PJ105", 32), ("PJ105", 32), ("PJ005", 38),
                             ("PJ205", 38),
                             ("PJ103", 81), ("PJ205", 81), ("PJ101", 125), ("PJ105", 125),
                             ("PJ107", 125), ("PJ104", 143), ("PJ101", 149)],
    # a full queue goes straight to a disconnect: not a word, no way to a human (true)
    "connect_describe.json": [("PJ101", 9)],
    # every error branch kept: queue at capacity -> a menu that hangs up on silence (true),
    # error -> message -> disconnect (true); the Lex bot is a speech menu with no keys (PJ208,
    # true) whose "Agent" intent is key 0
    "connect_wild.json": [("PJ208", 35), ("PJ005", 68), ("PJ201", 109), ("PJ205", 109),
                          ("PJ101", 132), ("PJ105", 132), ("PJ101", 138)],
    # a Compare enumerating a Lambda's values reaches its no-match apology rarely (the full
    # queues' 5% stays a true PJ105); a number asked with no key to press is an ask; the
    # menu's NoMatchingError takes wrong keys and silence; an unknown bot keeps its branches
    "connect_data_routing.json": [("PJ005", 58), ("PJ101", 88), ("PJ105", 88), ("PJ105", 88)],
    # no human anywhere (true); the balance read out settles 0.7 of calls, the rest are cut off
    "connect_balance_line.json": [("PJ101", 7), ("PJ105", 49)],
    # not a caller's IVR: one note, and no graph rule judges it
    "connect_console_module.json": [("PJ005", 1)],
    "connect_queue_flow.json": [("PJ005", 1)],
    # gather -> set-variables -> split (listed before the gather) is a menu; its time-out
    # goes into its own split; three silent hangups after information and a wrong key
    "twilio_parsed_menu.json": [("PJ205", 14), ("PJ101", 18), ("PJ105", 18), ("PJ101", 19),
                                ("PJ105", 19), ("PJ101", 20), ("PJ107", 20)],
    # Twilio's template style: comments, unquoted keys, `module.exports = options = {...}`
    "twilio_template.js": [("PJ205", 13), ("PJ101", 29), ("PJ107", 29)],
    "twilio_sms.json": [("PJ005", 1)],
    # a Lambda retried by a Loop of 2 (a counter: nobody is 'done' on the first visit); the
    # stored extension keeps its error branch; a full queue -> message -> disconnect (true)
    "connect_retry_loop.json": [("PJ005", 17), ("PJ101", 29), ("PJ105", 29)],
    # a spoken answer split on its words, a Flex redirect, end-call, a voicemail Function, a
    # goodbye option and an SMS branch: only the missing key 0 is left to report (true)
    "twilio_channels.json": [("PJ201", 14)],
    # a lookup read out, a replay, a goodbye, CreateTask then goodbye, an ask retried by a
    # Loop: a full queue disconnecting with no word is all that is left (true)
    "connect_lookup_info.json": [("PJ105", 51), ("PJ101", 55)],
    # no type in the export: hold music first and a dequeue make it a queue flow (one note)
    "connect_queue_by_blocks.json": [("PJ005", 1), ("PJ005", 17)],
    # a Lex bot on a customer-input block takes intents, not keys (speech only: PJ208, true)
    "connect_lex_input.json": [("PJ208", 6)],
    # a transfer-to-queue flow is what the transferred caller goes through: a full queue
    # is told to call again and cut off, an error cut off with no word (both true); the
    # note says how it is judged
    "connect_queue_transfer.json": [("PJ005", 1), ("PJ101", 4), ("PJ105", 4), ("PJ101", 4)],
    # a transfer-to-queue flow that transfers nothing (a lookup for the agent's screen, then
    # the transfer leg ends): not the caller's; one note
    "connect_transfer_lookup.json": [("PJ005", 1)],
    # no channel metadata: a chat-only list picker and no block a call uses make it a chat
    # flow (one note; its pickers are not keys, as the import notes say)
    "connect_chat_flow.json": [("PJ005", 1), ("PJ005", 21), ("PJ005", 21), ("PJ005", 21)],
    # named a chat flow, but it speaks SSML and takes keys: a call uses it, so it is judged
    # (a full queue cut off with no word: true)
    "connect_chat_named_voice.json": [("PJ201", 10), ("PJ105", 55), ("PJ101", 74)],
}


def test_lookups_replays_and_goodbyes_make_the_intents_callers_have() -> None:
    tree = yaml.safe_load(imported_yaml("connect_lookup_info.json"))
    nodes = tree["nodes"]
    assert tree["intents"] == ["status_lookup", "ask_card", "follow_up"]
    # the status read out after the Lambda settles the lookup's callers, and "hear that
    # again" serves the same need
    assert nodes["read_status"]["kind"] == "self_service"
    assert nodes["read_status"]["resolves"] == ["status_lookup"]
    replay = next(o for o in nodes["after_status"]["options"] if o["key"] == "1")
    assert replay["serves"] == ["status_lookup"]
    # "press 9 to end this call" serves no one: the goodbye is the hangup the caller chose
    goodbye = next(o for o in nodes["after_status"]["options"] if o["key"] == "9")
    assert "serves" not in goodbye and nodes["goodbye"]["kind"] == "hangup"
    # a task for an agent, then goodbye: a human follows up
    assert nodes["follow_up"]["kind"] == "callback"
    # Connect asks once; the Loop asks again, and silence twice goes to the queue
    assert nodes["ask_card"]["retries"] == 0
    assert nodes["ask_card"]["fail"] == "ask_card_round1"


def test_studio_channels_and_handoffs() -> None:
    nodes = yaml.safe_load(imported_yaml("twilio_channels.json"))["nodes"]
    assert "words" not in nodes and "sms_bot" not in nodes and "sms_agent" not in nodes
    assert nodes["to_billing"] == {"kind": "handoff",
                                   "destination": "https://example.invalid/send-to-flex-and-back"}
    assert nodes["voicemail"]["kind"] == "callback"
    assert nodes["goodbye"]["kind"] == "hangup"
    assert nodes["read_balance"]["kind"] == "self_service"


def test_a_loop_is_a_counter_unrolled_round_by_round() -> None:
    nodes = yaml.safe_load(imported_yaml("connect_retry_loop.json"))["nodes"]
    assert "lookup_loop" not in nodes  # the first visit always continues: no branch of its own
    assert nodes["welcome"]["next"] == "lookup"
    # a failed lookup goes to the second round; the second failure is DoneLooping
    assert nodes["lookup"]["cases"] == [{"when": {"chance": 0.01}, "to": "lookup_round2"}]
    assert nodes["lookup_round2"]["cases"] == [{"when": {"chance": 0.01}, "to": "lookup_failed"}]
    assert nodes["lookup_round2"]["else"] == nodes["lookup"]["else"] == "extension_errors"
    # the stored input's error branch is kept, so 'one_moment' is reachable (no PJ104)
    assert nodes["extension_errors"]["cases"][0]["to"] == "one_moment"


@pytest.mark.parametrize("name", sorted(ROUND_TRIP))
def test_checking_an_export_gives_the_expected_findings(run, name: str) -> None:
    code, out, _ = run("check", "-q", FIXTURES / name)
    found = [(line.split(": ")[1].split()[1], int(line.split(":")[1]))
             for line in out.splitlines()]
    assert sorted(found) == sorted(ROUND_TRIP[name])
    expected = 1 if any(c in ("PJ101", "PJ102", "PJ103", "PJ105")
                        for c, _ in ROUND_TRIP[name]) else 0
    assert code == expected


def test_findings_name_the_widget() -> None:
    from phonejail.config import Config
    from phonejail.lint import check_loaded
    from phonejail.sources import load_source

    source = load_source(FIXTURES / "twilio_ivr.json")
    gate = next(f for f in check_loaded(source.loaded, Config(), source.remap)
                if f.code == "PJ103")
    assert gate.message.startswith("Twilio gather-input-on-call 'ask_account': ")


@pytest.mark.parametrize(("name", "code", "line", "column", "words"), [
    ("twilio_malformed.json", "PJ001", 3, 43, "JSON syntax"),
    ("connect_malformed.json", "PJ001", 6, 3, "JSON syntax"),
    ("connect_legacy.json", "PJ002", 1, 1, "legacy Amazon Connect flow format"),
])
def test_broken_exports_are_a_clear_error(run, tmp_path, name, code, line, column,
                                          words) -> None:
    status, out, err = run("import", FIXTURES / name, "-o", tmp_path / "out.yaml")
    assert status == 1 and out == "" and not (tmp_path / "out.yaml").exists()
    assert f"{name}:{line}:{column}: error {code}" in err and words in err
    assert run("check", FIXTURES / name)[0] == 1


@pytest.mark.parametrize("text", [b"[]", b"{}", b'{"states": []}', b"\xff\xfe", b"42"])
def test_json_that_is_no_flow_is_refused(text: bytes) -> None:
    flow, problems = read_flow(text, "x.json")
    assert flow is None and problems and problems[0].code in ("PJ001", "PJ002")


def test_import_writes_once_and_never_over_a_file_without_force(run, tmp_path) -> None:
    out = tmp_path / "tree.yaml"
    code, stdout, _ = run("import", FIXTURES / "twilio_api_resource.json", "-o", out)
    assert code == 0 and stdout.startswith(f"Wrote {out}: 3 nodes from a Twilio Studio flow")
    out.write_text("mine")
    code, _, err = run("import", FIXTURES / "twilio_api_resource.json", "-o", out)
    assert code == 2 and "exists; add --force" in err and out.read_text() == "mine"
    assert run("import", "--force", FIXTURES / "twilio_api_resource.json", "-o", out)[0] == 0
    assert out.read_text().startswith("# Imported by phonejail")


def test_import_merges_personas_from_a_callers_file(run, tmp_path) -> None:
    callers = tmp_path / "callers.yaml"
    callers.write_text("- {name: wants hours, intent: hours, share: 3}\n"
                       "- {name: anything else, intent: hours, zero_out: 0.9}\n")
    out = tmp_path / "tree.yaml"
    assert run("import", FIXTURES / "twilio_api_resource.json", "-o", out, "--callers",
               callers)[0] == 0
    code, text, _ = run("simulate", "--method", "exact", out)
    assert code == 0 and "wants hours" in text and "anything else" in text
    callers.write_text("not: [a, list]\n")
    code, _, err = run("import", "--force", FIXTURES / "twilio_api_resource.json", "-o", out,
                       "--callers", callers)
    assert code == 2 and "expected a list of personas" in err


@pytest.mark.parametrize(("persona", "message"), [
    ("{name: typo, intent: hurs}", "callers[1].intent: unknown intent 'hurs' (did you mean "
     "'hours'?)"),
    ("{name: impatient, intent: hours, patience: 0}", "callers[1].patience: must be at least 1"),
])
def test_a_persona_the_imported_tree_would_not_load_with_is_a_usage_error(
        run, tmp_path, persona: str, message: str) -> None:
    # Refused at the persona's place in the callers file, and nothing is written: not a
    # tree that fails its first check after an import that said all was well.
    callers = tmp_path / "callers.yaml"
    callers.write_text(f"callers:\n  - {{name: fine, intent: hours}}\n  - {persona}\n")
    out = tmp_path / "tree.yaml"
    code, _, err = run("import", FIXTURES / "twilio_api_resource.json", "-o", out,
                       "--callers", callers)
    assert code == 2 and f"{callers}:3:5: {message}" in err
    assert not out.exists()


def test_forcing_the_wrong_format_is_an_error(run, tmp_path) -> None:
    code, _, err = run("import", "--from", "connect", FIXTURES / "twilio_ivr.json", "-o",
                       tmp_path / "x.yaml")
    assert code == 1 and "needs an `Actions` list" in err


def test_simulate_and_report_read_exports_directly(run, tmp_path) -> None:
    code, out, _ = run("simulate", "--method", "exact", "--format", "json",
                       FIXTURES / "connect_inbound.json")
    data = json.loads(out)
    assert code == 0 and data["overall"]["outcomes"]["handed_off"] > 0
    code, _, _ = run("report", "-q", FIXTURES, "-o", tmp_path / "reports", "--callers", "300")
    assert code == 1
    assert (tmp_path / "reports" / "connect_inbound" / "index.html").exists()
    assert (tmp_path / "reports" / "twilio_malformed" / "index.html").exists()


def test_folders_pick_up_flow_exports_and_broken_json_but_not_other_json(run,
                                                                         tmp_path) -> None:
    (tmp_path / "package.json").write_text('{"name": "not a flow"}')
    (tmp_path / "flow.json").write_text((FIXTURES / "connect_describe.json").read_text())
    code, out, _ = run("check", tmp_path)  # package.json is not read: one file, one finding
    assert (code, out.splitlines()[-1]) == (1, "Found 1 error and 0 warnings in 1 of 1 file.")
    (tmp_path / "broken.json").write_text('{"Actions": [}')
    code, out, _ = run("check", "-q", tmp_path)
    assert code == 1 and out.startswith(f"{tmp_path / 'broken.json'}:1:14: error PJ001")


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=6),
              st.sampled_from(["states", "Actions", "trigger", "gather-input-on-call",
                               "GetParticipantInput", "keypress", "NextAction"])),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(
        ["states", "initial_state", "name", "type", "transitions", "event", "next",
         "properties", "Actions", "StartAction", "Identifier", "Type", "Transitions",
         "Parameters", "Conditions", "Errors", "definition", "ContactFlow", "Content"]),
        inner, max_size=5)),
    max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_imports_or_is_refused_never_raises(value: object) -> None:
    for fmt in (None, "twilio", "connect"):
        flow, problems = read_flow(json.dumps(value).encode(), "fuzz.json", fmt)
        if flow is not None:
            load_bytes(to_yaml(flow).encode(), "fuzz.yaml")


@pytest.mark.parametrize("states", [
    [{"type": []}],  # found by the test above: a type that is not a string
    [{"type": {}, "sid": "a"}, {"type": "Gather", "sid": "b", "name": "menu"}],
])
def test_a_widget_type_that_is_not_a_string_never_raises(states: list[object]) -> None:
    for fmt in (None, "twilio"):
        flow, _ = read_flow(json.dumps({"states": states}).encode(), "fuzz.json", fmt)
        if flow is not None:
            load_bytes(to_yaml(flow).encode(), "fuzz.yaml")


def test_distribute_by_percentage_keeps_its_percentages() -> None:
    # 20% to A, 40% to B, the remaining 40% to the default (Connect's own example).
    flow = {"Version": "2019-10-30", "StartAction": "split", "Actions": [
        {"Identifier": "split", "Type": "DistributeByPercentage", "Parameters": {},
         "Transitions": {"NextAction": "c", "Conditions": [
             {"NextAction": "b", "Condition": {"Operator": "NumberLessThan", "Operands": ["61"]}},
             {"NextAction": "a", "Condition": {"Operator": "NumberLessThan", "Operands": ["21"]}}],
             "Errors": [{"NextAction": "c", "ErrorType": "NoMatchingCondition"}]}},
        *({"Identifier": x, "Type": "TransferToFlow", "Parameters": {"ContactFlowId": x},
           "Transitions": {}} for x in "abc")]}
    imported, _ = read_flow(json.dumps(flow).encode(), "split.json")
    from phonejail.simulate import run

    tree = load_bytes(to_yaml(imported).encode(), "split.yaml").tree
    # every call ends handed off; which flow it goes to follows the percentages
    split = tree.nodes["split"]
    assert [(c.to, c.value) for c in split.cases] == [("a", 0.2), ("b", 0.5)]
    assert split.else_ == "c"
    assert run(tree, method="exact").overall.figures.outcomes["handed_off"] == 1.0


def test_connect_keeps_every_error_branch_with_its_assumed_chance() -> None:
    tree = load_bytes(imported_yaml("connect_wild.json").encode(), "wild.yaml").tree
    capacity = tree.nodes["to-reception_errors"]
    assert [(c.to, c.value) for c in capacity.cases] == [
        ("queue-full_errors", 0.05), ("system-error", round(0.01 / 0.95, 6))]
    assert capacity.else_ == "to-reception"
    assert tree.nodes["book-callback"].kind == "callback"
    assert tree.nodes["voicemail-prompt"].kind == "callback"  # "leave a message after the tone"
    lex = tree.nodes["speak-to-bot"]
    assert [(o.key, o.to) for o in lex.options] == [
        ("1", "check-slots"), ("2", "voicemail-prompt"), ("0", "pick-queue")]
    assert "# Lex intents as keys: 1 = BookAppointment, 2 = Prescriptions, 0 = Agent" in \
        imported_yaml("connect_wild.json")


def test_polling_loops_cost_a_step_and_every_flow_simulates() -> None:
    from phonejail.simulate import run

    tree = load_bytes(imported_yaml("connect_wild.json").encode(), "wild.yaml").tree
    loop = tree.nodes["poll-again"]
    assert loop.cases[0].value == round(1000 / 1001, 6)  # LoopCount "Infinity", capped
    waits = [n for n in tree.nodes.values() if n.kind == "say" and n.say.startswith("(waiting")]
    assert len(waits) == 1 and waits[0].seconds == 10
    assert waits[0].next in ("check-slots", "slots-ready", "poll-again")
    exact = run(tree, method="exact").overall.figures.outcomes
    assert abs(sum(exact.values()) - 1) < 1e-9 and exact["abandoned"] > 0


def test_a_block_reached_after_a_transfer_stays_if_a_kept_block_refers_to_it() -> None:
    flow = {"Version": "2019-10-30", "StartAction": "q", "Actions": [
        {"Identifier": "q", "Type": "TransferContactToQueue", "Parameters": {},
         "Transitions": {"NextAction": "after"}},
        {"Identifier": "after", "Type": "MessageParticipant", "Parameters": {"Text": "Bye."},
         "Transitions": {"NextAction": "end"}},
        {"Identifier": "orphan", "Type": "MessageParticipant", "Parameters": {"Text": "Hm."},
         "Transitions": {"NextAction": "after"}},
        {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {},
         "Transitions": {}}]}
    imported, _ = read_flow(json.dumps(flow).encode(), "prune.json")
    assert set(imported.nodes) == {"q", "after", "orphan", "end"}
    loaded = load_bytes(to_yaml(imported).encode(), "prune.yaml")
    assert loaded.problems == () and loaded.tree is not None


@pytest.mark.parametrize("wrapper", [
    lambda content: {"Name": "Console export", "Type": "CONTACT_FLOW", "Content": content},
    lambda content: {"ResponseMetadata": {"HTTPStatusCode": 200},
                     "ContactFlow": {"Name": "Console export", "Content": content}},
])
def test_connect_wrappers_are_read_and_name_the_tree(wrapper) -> None:
    content = json.dumps({"Version": "2019-10-30", "StartAction": "a", "Actions": [
        {"Identifier": "a", "Type": "DisconnectParticipant", "Parameters": {},
         "Transitions": {}}]})
    imported, problems = read_flow(json.dumps(wrapper(content)).encode(), "/abs/path/x.json")
    assert problems == [] and imported.name == "Console export"


def test_a_tree_without_a_name_is_named_after_its_file_not_its_path() -> None:
    content = {"Version": "2019-10-30", "StartAction": "a", "Actions": [
        {"Identifier": "a", "Type": "DisconnectParticipant", "Parameters": {},
         "Transitions": {}}]}
    imported, _ = read_flow(json.dumps(content).encode(), "/home/me/flows/main_line.json")
    assert imported.name == "main_line"


def test_a_menu_parsed_by_widgets_is_one_menu_without_a_duplicate_split() -> None:
    text = imported_yaml("twilio_parsed_menu.json")
    tree = load_bytes(text.encode(), "menu.yaml").tree
    menu = tree.nodes["main"]
    assert [(o.key, o.to) for o in menu.options] == [
        ("1", "billing"), ("2", "outages"), ("0", "operator")]
    assert menu.no_input == "sorry"  # its time-out went into its own split: no match
    assert "route_choice" not in tree.nodes and "remember" not in tree.nodes
    # the Liquid case: one language's prompt is spoken (14 words), not both (27: 11 seconds)
    assert menu.seconds == 6


def test_liquid_templates_count_one_alternative() -> None:
    from phonejail.importers.common import one_alternative, speech_seconds

    prompt = ("Hi {{contact.name}}. {% case lang %}{% when 'en' %}Press one for sales."
              "{% when 'fr' %}Appuyez sur un.{% else %}One.{% endcase %}")
    assert one_alternative(prompt).split() == ["Hi", "value", ".", "Press", "one", "for",
                                               "sales."]
    assert speech_seconds(prompt) == 3
    nested = "{% if a %}{% if b %}one two three{% else %}four{% endif %}{% else %}x{% endif %}"
    assert one_alternative(nested).split() == ["one", "two", "three"]
    assert one_alternative("{% if a %}" * 500) is not None  # unbalanced: no hang


def test_a_javascript_module_keeps_its_lines_and_errors_are_located() -> None:
    from phonejail.importers.jsobject import ScriptError, to_json

    text = (FIXTURES / "twilio_template.js").read_text()
    converted = to_json(text)
    assert converted.count("\n") == text.count("\n")
    data = json.loads(converted)
    assert data["description"] == "Main IVR" and data["states"][1]["properties"]["timeout"] == 5
    assert data["states"][5]["properties"]["say"] == "It's not working"
    for bad, line in [("module.exports = {\n  a: 1,\n  b: compute(),\n}", 3),
                      ("module.exports = {\n  a: 'open", 2),
                      ("export default {a: [1, 2}", 1)]:
        with pytest.raises(ScriptError) as caught:
            to_json(bad)
        assert caught.value.line == line


@pytest.mark.parametrize("source", [
    "module.exports = options = {states: [], initial_state: 'Trigger'}",
    "// c\nexport default {\"states\": [], flags: {},}",
    "const flow = {states: [], initial_state: `Trigger`};\nmodule.exports = flow;",
])
def test_every_module_style_is_read(source: str) -> None:
    flow, problems = read_flow(source.encode(), "flow.js")
    assert flow is not None and flow.format == "twilio"


def test_identity_words_come_from_the_built_ins_and_the_configuration(run, tmp_path) -> None:
    from phonejail.importers.common import identity_fact

    for prompt, fact in [("Please key in your personal number", "national_id"),
                         ("Enter your NHS number", "nhs_number"),
                         ("the last four digits of your card", "card_number"),
                         ("your policy number", "member_id"),
                         ("your reference number", "reference_number"),
                         ("the answer to your security question", "security_answer")]:
        assert identity_fact(prompt)[0] == fact
    flow = json.loads((FIXTURES / "twilio_api_resource.json").read_text())
    flow["definition"]["states"][1]["properties"]["say"] = "Enter your scheme code"
    flow["definition"]["states"][1]["transitions"] = [
        {"event": "keypress", "next": "greet"}, {"event": "timeout"}]
    (tmp_path / "flow.json").write_text(json.dumps(flow))
    code, out, _ = run("check", "-q", tmp_path / "flow.json")
    assert "scheme" not in out
    (tmp_path / ".phonejail.toml").write_text('identity-words = {member_id = ["scheme code"]}\n')
    code, out, _ = run("check", "-q", tmp_path / "flow.json")
    assert "member ID" in out or "member_id" in out
    (tmp_path / ".phonejail.toml").write_text('identity-words = ["scheme code"]\n')
    code, _, err = run("check", "-q", tmp_path / "flow.json")
    assert code == 2 and "expected a table of fact = [phrases]" in err


def test_branch_chances_are_set_from_the_command_line(run, tmp_path) -> None:
    out = tmp_path / "tree.yaml"
    code, _, _ = run("import", FIXTURES / "connect_wild.json", "-o", out,
                     "--branch-chance", "QueueAtCapacity=0.3",
                     "--branch-chance", "slots-ready.READY=0.9")
    tree = load_bytes(out.read_bytes(), "tree.yaml").tree
    assert code == 0 and tree.nodes["to-reception_errors"].cases[0].value == 0.3
    assert tree.nodes["slots-ready"].cases[0].value == 0.9
    code, _, err = run("import", "--force", FIXTURES / "connect_wild.json", "-o", out,
                       "--branch-chance", "QueueAtCapacity")
    assert code == 2 and "expected NAME=P" in err


REAL_STRUCTURES = [name for name in IMPORTABLE if name.endswith(".json")] + [
    f"studio_study/{name}" for name in ("early_export.json", "spoken_answer.json",
                                        "voice_bot.json")]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(REAL_STRUCTURES), st.data())
def test_mutated_real_structures_import_load_and_simulate(name: str, data) -> None:
    """Drop, retarget or retype parts of the real-structure fixtures: never a traceback."""
    from phonejail.simulate import ZeroStepCycle, run

    flow = json.loads((FIXTURES / name).read_text())
    holder = flow.get("ContactFlow", flow)
    inner = json.loads(holder["Content"]) if isinstance(holder.get("Content"), str) else None
    body = inner if inner is not None else flow.get("definition", flow)
    items = body.get("Actions") or body.get("states") or []
    names = [str(a.get("Identifier") or a.get("name")) for a in items] + ["nowhere"]
    for _ in range(data.draw(st.integers(1, 4))):
        if not items:
            break
        item = items[data.draw(st.integers(0, len(items) - 1))]
        change = data.draw(st.sampled_from(["drop", "retarget", "retype", "loop"]))
        if change == "drop":
            items.remove(item)
        elif change == "retype":
            key = "Type" if "Type" in item else "type"
            item[key] = data.draw(st.sampled_from(
                ["Loop", "InvokeLambdaFunction", "Compare", "EndFlowModuleExecution",
                 "ConnectParticipantWithLexBot", "split-based-on", "run-function",
                 "gather-input-on-call", "send-to-auto-pilot", "Gather", "Unknown"]))
        else:
            moves = item.get("Transitions") or {"NextAction": None}
            target = data.draw(st.sampled_from(names))
            if isinstance(moves, dict):
                moves["NextAction"] = target
                for e in moves.get("Errors", []):
                    e["NextAction"] = target if change == "loop" else e.get("NextAction")
            else:
                for t in moves:
                    t["next"] = target
    if inner is not None:
        holder["Content"] = json.dumps(inner)
    imported, _ = read_flow(json.dumps(flow).encode(), name)
    if imported is None:
        return
    loaded = load_bytes(to_yaml(imported).encode(), "mutated.yaml")
    assert [p for p in loaded.problems if p.code == "PJ004"] == []
    assert loaded.tree is not None
    try:
        run(loaded.tree, method="exact")
    except ZeroStepCycle:
        raise AssertionError("an imported flow must always simulate") from None


def test_data_routing_keeps_rare_defaults_catch_alls_and_unknown_branches() -> None:
    nodes = yaml.safe_load(imported_yaml("connect_data_routing.json"))["nodes"]
    # three expected tiers share what the no-match default (0.01) leaves
    assert nodes["by_tier"]["cases"][0] == {"when": {"chance": 0.33}, "to": "ask_policy"}
    assert nodes["by_tier"]["else"] == "sorry"
    # "key in your policy number" with no key conditions: the caller types it (an ask)
    assert nodes["ask_policy"]["kind"] == "ask" and nodes["ask_policy"]["fact"] == "member_id"
    assert nodes["ask_policy"]["fail"] == nodes["ask_policy"]["ok"] == "gold_queue_errors"
    # NoMatchingError is Connect's catch-all: wrong keys and silence go where it goes
    menu = nodes["main_menu"]
    assert menu["invalid"] == menu["no_input"] == menu["fail"] == "main_menu_again"
    # an action phonejail does not know keeps every branch (no unreachable claims queue)
    targets = [c["to"] for c in nodes["claims_bot"]["cases"]] + [nodes["claims_bot"]["else"]]
    assert "claims_queue_errors" in targets and "sales_queue_errors" in targets


def test_a_flow_without_menus_is_settled_by_what_its_lookup_read_out() -> None:
    nodes = yaml.safe_load(imported_yaml("connect_balance_line.json"))["nodes"]
    # "status = ok", else an apology: any other status is a failure, as rare as an error
    assert nodes["lookup_status"]["cases"] == [{"when": {"chance": 0.99}, "to": "read_balance"}]
    assert nodes["read_balance"]["kind"] == "self_service"
    assert nodes["read_balance"]["resolves"] == ["call"]
    # the welcome before the lookup is not the answer, nor is the apology
    assert nodes["hello"]["kind"] == nodes["apology"]["kind"] == "say"
