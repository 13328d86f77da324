"""Generate a big bank's IVR: the tree shape the speed goals of the README are measured on.

    python benchmarks/generate_bank.py 2000 > bank2000.yaml

Real large IVRs are harder on phonejail than a tidy tree: 8 intents and 3 identity
facts; layered menus of 2-5 options that replay on a wrong key, half of them with
key 0 to an agent; about 15% of the nodes identity asks; recorded self-service;
one node in 20 an agent who asks one fact, resolves 4 of the 8 intents and
transfers 30% of the calls it could resolve (`success: 0.7`); declared personas,
some of whom lack a fact. Deterministic for a given size and seed.
"""

from __future__ import annotations

import random
import sys

import yaml

INTENTS = [f"intent_{i}" for i in range(8)]
FACTS = ["account_number", "date_of_birth", "postcode"]


def generate_bank(nodes: int, personas: int = 8, seed: int = 1) -> str:
    """A valid tree of about `nodes` nodes in the bank shape, as YAML text."""
    rng = random.Random(seed)
    tree: dict[str, dict[str, object]] = {
        "welcome": {"kind": "say", "say": "Welcome to the bank.", "seconds": 6, "next": "m0"},
        "agent_general": {"kind": "agent", "queue": "general", "wait_seconds": 300,
                          "asks": ["account_number"]},
        "goodbye": {"kind": "hangup", "say": "Goodbye."},
    }
    agents = ["agent_general"]
    frontier = ["m0"]
    count = 0

    def new_id(prefix: str) -> str:
        nonlocal count
        count += 1
        return f"{prefix}{count}"

    def agent() -> str:
        """One node in 20 is an agent: asks one fact, resolves half the intents, transfers."""
        aid = new_id("agent_")
        tree[aid] = {"kind": "agent", "queue": f"queue {aid}", "wait_seconds": rng.randint(30, 600),
                     "asks": [rng.choice(FACTS)], "resolves": rng.sample(INTENTS, 4),
                     "success": 0.7, "transfer": rng.choice(agents)}
        agents.append(aid)
        return aid

    while frontier and len(tree) + 1.5 * len(frontier) + 5 < nodes:
        here = frontier.pop(0)
        roll = rng.random()
        if roll < 0.15:
            # An identity ask in front of the next layer.
            nxt = new_id("m")
            tree[here] = {"kind": "ask", "fact": rng.choice(FACTS), "seconds": rng.randint(4, 8),
                          "retries": 2, "ok": nxt, "fail": rng.choice(agents + ["goodbye"])}
            frontier.append(nxt)
            continue
        width = rng.randint(2, 5)
        options = []
        for key in "123456789"[:width]:
            child = new_id("m")
            options.append({"key": key, "serves": rng.sample(INTENTS, rng.randint(1, 3)),
                            "to": child})
            frontier.append(child)
        if rng.random() < 0.5:
            options.append({"key": "0", "to": agent()})
        elif len(tree) % 20 == 0:
            agent()
        tree[here] = {"kind": "menu", "say": f"Menu {here}.", "seconds": rng.randint(5, 20),
                      "options": options, "invalid": here, "no_input": here, "retries": 2,
                      "fail": rng.choice(agents + ["goodbye"])}
    for leaf in frontier:
        roll = rng.random()
        if roll < 0.5:
            tree[leaf] = {"kind": "self_service", "seconds": rng.randint(10, 40),
                          "resolves": rng.sample(INTENTS, 2), "success": 0.6, "next": "m0"}
        elif roll < 0.8:
            tree[leaf] = {"kind": "ask", "fact": rng.choice(FACTS), "seconds": 6,
                          "ok": agent(), "fail": "agent_general"}
        else:
            tree[leaf] = {"kind": "say", "say": "Please visit our website.", "seconds": 5,
                          "next": agent()}
    callers = []
    for i in range(personas):
        knows = list(FACTS) if i % 3 else rng.sample(FACTS, 2)
        callers.append({"name": f"persona {i}", "share": rng.randint(1, 5),
                        "intent": INTENTS[i % 8], "knows": knows,
                        "patience": rng.randint(15, 30)})
    doc = {"phonejail": 1, "name": f"bank {nodes}-node line", "start": "welcome",
           "intents": INTENTS, "identity": {f: {"label": f.replace("_", " ")} for f in FACTS},
           "nodes": tree, "callers": callers}
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(doc, Dumper=dumper, sort_keys=False, width=100)


if __name__ == "__main__":
    sys.stdout.write(generate_bank(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
