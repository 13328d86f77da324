"""Generate large, realistic phone trees for benchmarks: layered menus, asks, agents, loops.

    python benchmarks/generate.py 20000 > big.yaml

The shape follows real lines: identify first, then menus three or four levels
deep with 0 for an agent, recorded information that returns to its menu, and
agents at the leaves who ask for an account number and sometimes transfer.
Deterministic for a given size and seed.
"""

from __future__ import annotations

import random
import sys

import yaml

INTENTS = [f"intent_{i}" for i in range(8)]
FACTS = ["account_number", "phone_number", "postcode"]


def generate_tree(nodes: int, personas: int = 8, seed: int = 1) -> str:
    """A valid format-1 tree of about `nodes` nodes, as YAML text."""
    rng = random.Random(seed)
    tree: dict[str, dict[str, object]] = {
        "welcome": {"kind": "say", "say": "Welcome.", "seconds": 4, "next": "ask_account"},
        "ask_account": {"kind": "ask", "fact": "account_number", "seconds": 6,
                        "ok": "m0", "fail": "agent_general"},
        "agent_general": {"kind": "agent", "queue": "general", "wait_seconds": 200,
                          "asks": ["account_number"]},
    }
    frontier = ["m0"]
    count = 0
    # Each open leaf becomes one or two nodes, so stop branching in time to land near `nodes`.
    while frontier and len(tree) + 1.3 * len(frontier) + 5 < nodes:
        menu = frontier.pop(0)
        options = []
        for key in "123":
            count += 1
            child = f"n{count}"
            serves = rng.sample(INTENTS, 2)
            options.append({"key": key, "serves": serves, "to": child})
            frontier.append(child)
        options.append({"key": "0", "to": f"agent_{menu}"})
        tree[menu] = {"kind": "menu", "say": f"Menu {menu}.", "seconds": rng.randint(4, 12),
                      "options": options, "invalid": menu, "no_input": menu,
                      "fail": f"agent_{menu}"}
        tree[f"agent_{menu}"] = {
            "kind": "agent", "queue": f"queue {menu}", "wait_seconds": rng.randint(30, 600),
            "asks": rng.sample(FACTS, rng.randint(0, 2)),
            "resolves": rng.sample(INTENTS, 4), "transfer": "agent_general"}
    for leaf in frontier:
        roll = rng.random()
        if roll < 0.4:
            tree[leaf] = {"kind": "self_service", "seconds": rng.randint(5, 25),
                          "resolves": rng.sample(INTENTS, 2), "success": 0.7, "next": "m0"}
        elif roll < 0.7:
            tree[leaf] = {"kind": "ask", "fact": rng.choice(FACTS[1:]), "seconds": 5,
                          "ok": f"{leaf}_agent", "fail": "agent_general"}
            tree[f"{leaf}_agent"] = {"kind": "agent", "wait_seconds": rng.randint(30, 600),
                                     "asks": ["account_number"]}
        else:
            tree[leaf] = {"kind": "agent", "wait_seconds": rng.randint(30, 600),
                          "resolves": rng.sample(INTENTS, 3), "transfer": "agent_general"}
    callers = [{"name": f"persona {i}", "share": rng.randint(1, 5), "intent": INTENTS[i % 8],
                "knows": rng.sample(FACTS, rng.randint(1, 3)), "patience": rng.randint(10, 30)}
               for i in range(personas)]
    doc = {"phonejail": 1, "name": f"generated {nodes}-node line", "start": "welcome",
           "intents": INTENTS, "identity": {f: {"label": f.replace("_", " ")} for f in FACTS},
           "nodes": tree, "callers": callers}
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(doc, Dumper=dumper, sort_keys=False, width=100)


if __name__ == "__main__":
    sys.stdout.write(generate_tree(int(sys.argv[1]) if len(sys.argv) > 1 else 20000))
