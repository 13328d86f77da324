"""Structures seen in real Studio flows (the study in docs/importers.md), each reproduced by
a small fixture of our own: what the import makes of it and what `check` finds."""

from __future__ import annotations

from pathlib import Path

import yaml

from phonejail.importers.common import to_yaml
from phonejail.importers.read import detect, read_flow
from phonejail.model import load_bytes

STUDY = Path(__file__).parent / "fixtures" / "studio_study"


def imported(name: str) -> dict:
    flow, problems = read_flow((STUDY / name).read_bytes(), name)
    assert flow is not None, problems
    text = to_yaml(flow)
    loaded = load_bytes(text.encode(), name)
    assert loaded.problems == () and loaded.tree is not None  # a valid tree
    return yaml.safe_load(text)


def findings(run, name: str) -> tuple[int, list[tuple[str, int]]]:
    code, out, _ = run("check", "-q", "--no-snippet", STUDY / name)
    return code, sorted((line.split(": ")[1].split()[1], int(line.split(":")[1]))
                        for line in out.splitlines())


def test_an_early_export_is_read_in_todays_terms(run) -> None:
    # Studio's early exports: InitialState/Gather/Branch/Webhook/Enqueue, targets by sid,
    # no initial_state; they were refused as "not a flow export"
    nodes = imported("early_export.json")["nodes"]
    assert nodes["ask_policy"]["kind"] == "ask" and nodes["ask_policy"]["ok"] == "main_menu"
    menu = nodes["main_menu"]
    assert menu["kind"] == "menu"
    assert {o["key"]: o["to"] for o in menu["options"]} == {"1": "claims_line", "0": "adviser"}
    assert menu["invalid"] == menu["no_input"] == "main_menu"
    assert nodes["adviser"] == {"kind": "agent", "queue": "advisers"}
    # the member number is a gate with no way round it, and silence there cuts the call off
    code, found = findings(run, "early_export.json")
    assert found == [("PJ103", 7), ("PJ107", 7), ("PJ205", 7)]
    assert code == 1


def test_a_definition_without_initial_state_starts_at_its_trigger() -> None:
    definition = b'''{"states": [
      {"name": "Start", "type": "trigger",
       "transitions": [{"event": "incomingCall", "next": "hi"}]},
      {"name": "hi", "type": "say-play", "properties": {"say": "Hello"},
       "transitions": [{"event": "audioComplete"}]}]}'''
    assert detect(yaml.safe_load(definition)) == "twilio"
    flow, _ = read_flow(definition, "pasted.json")
    assert flow is not None and flow.start == "hi"
    assert detect({"states": [{"name": "a", "type": "say"}]}) is None  # no trigger: not Studio


def test_a_spoken_answer_goes_on_and_a_timeout_path_is_not_unreachable(run) -> None:
    # a gate that re-asks on keys and silence and goes on only when spoken to; a gather whose
    # keys go to a person and whose silence goes there through an apology
    nodes = imported("spoken_answer.json")["nodes"]
    assert nodes["who_is_it"]["next"] == "tell_owner"
    assert nodes["ask_anything"]["next"] == "front_desk"
    assert "no_answer_heard" not in nodes  # reached only by silence: left out, with a note
    code, found = findings(run, "spoken_answer.json")
    # not PJ101/PJ105 (the speech path reaches the front desk), not PJ104 (the apology)
    assert found == [("PJ005", 6), ("PJ005", 14)]
    assert code == 0


def test_a_terraform_file_without_a_flow_resource_is_not_read_as_a_tree(run) -> None:
    # a flow kept in `locals` and handed to a module: a clear answer, not a YAML syntax error
    code, out, _ = run("check", "-q", "--no-snippet", STUDY / "module_locals.tf")
    assert code == 1
    assert "PJ002" in out and "no flow phonejail can read in this file" in out
    assert "YAML" not in out


def test_a_voice_bot_split_on_its_task_is_a_speech_menu(run) -> None:
    # an Autopilot bot whose session's end goes to a split on the task it ended in: the
    # caller's words choose (not an equal share of runtime data); a person is key 0
    nodes = imported("voice_bot.json")["nodes"]
    bot = nodes["front_bot"]
    assert bot["kind"] == "menu" and bot["input"] == "speech"
    assert {o["key"]: o["to"] for o in bot["options"]} == {"1": "opening_hours",
                                                           "0": "reception"}
    assert bot["invalid"] == bot["fail"] == "sorry"
    assert "which_task" not in nodes and "bot_down" not in nodes  # the bot's failure: a note
    code, found = findings(run, "voice_bot.json")
    # the hours end the call, a task the bot does not route is told sorry and cut off
    assert found == [("PJ101", 19), ("PJ101", 21), ("PJ105", 19), ("PJ107", 21),
                     ("PJ205", 6), ("PJ208", 6)]
    assert code == 1
