"""How long importing a big generated Twilio Studio export takes (`phonejail import`'s work).

    .venv/bin/python benchmarks/bench_import.py [WIDGETS]

The export is a chain of menus: each a `gather-input-on-call` and a
`split-based-on` on its digits (1: four `say-play`
prompts, 9: the next menu), WIDGETS widgets
in all, one widget a line. Timed: parsing the JSON alone
(the baseline), and `read_flow` (parse, map every widget, find each widget's
line) — the best of three runs on this machine, now, in CPU seconds of this process
(the machine is shared: wall-clock time says more about the neighbours).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

from phonejail.importers.read import read_flow


def studio_export(widgets: int) -> str:
    """A Studio flow definition of about `widgets` widgets: menus chained by option 9."""
    states: list[dict[str, Any]] = []
    menus = max(widgets // 6, 1)
    first = "menu_0"
    states.append({"name": "Trigger", "type": "trigger",
                   "transitions": [{"event": "incomingCall", "next": first}],
                   "properties": {}})
    for i in range(menus):
        gather, split = f"menu_{i}", f"split_{i}"
        states.append({"name": gather, "type": "gather-input-on-call",
                       "transitions": [{"event": "keypress", "next": split},
                                       {"event": "speech"}, {"event": "timeout"}],
                       "properties": {"say": f"Menu {i}. Billing, 1. More, 9.",
                                      "timeout": 5}})
        nxt = f"menu_{i + 1}" if i + 1 < menus else f"info_{i}_1"
        states.append({"name": split, "type": "split-based-on", "transitions": [
            {"event": "noMatch"},
            {"event": "match", "next": f"info_{i}_1", "conditions": [
                {"arguments": [f"{{{{widgets.{gather}.Digits}}}}"],
                 "type": "equal_to", "value": "1"}]},
            {"event": "match", "next": nxt, "conditions": [
                {"arguments": [f"{{{{widgets.{gather}.Digits}}}}"],
                 "type": "equal_to", "value": "9"}]}],
            "properties": {"input": f"{{{{widgets.{gather}.Digits}}}}"}})
        for part in range(1, 5):  # recorded information, in four prompts
            after = [{"event": "audioComplete", "next": f"info_{i}_{part + 1}"}] if part < 4 \
                else [{"event": "audioComplete"}]
            states.append({"name": f"info_{i}_{part}", "type": "say-play",
                           "transitions": after,
                           "properties": {"say": f"Information {i}, part {part}."}})
    # One widget a line: Studio's own indentation would pass phonejail's 10 MB limit.
    lines = ",\n    ".join(json.dumps(state, separators=(",", ":")) for state in states)
    return ('{\n  "description": "generated",\n  "initial_state": "Trigger",\n'
            '  "flags": {"allow_concurrent_calls": true},\n'
            f'  "states": [\n    {lines}\n  ]\n}}\n')


def best_cpu_of(runs: int, work: Callable[[], object]) -> float:
    """The least CPU time this process spent in one of `runs` calls of `work`, in seconds."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    widgets = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
    text = studio_export(widgets)
    data = text.encode()
    count = len(json.loads(text)["states"])
    flow, problems = read_flow(data, "generated.json")
    assert flow is not None, problems[:3]
    runs = 1 if widgets > 20000 else 3
    rows = [("json.loads (parse only, baseline)", best_cpu_of(runs, lambda: json.loads(text))),
            ("read_flow (parse, map, locate every widget)",
             best_cpu_of(runs, lambda: read_flow(data, "generated.json")))]
    print(f"Studio export: {count:,} widgets, {len(data) / 1e6:.1f} MB, "
          f"{len(flow.nodes):,} nodes imported")
    for label, seconds in rows:
        print(f"  {label:<46} {seconds:8.2f} s CPU")


if __name__ == "__main__":
    main()
