"""PJ004 undefined-target (error): a target naming no node; an unknown intent or fact.

What it finds
    A `next`, `to`, `ok`, `fail`, `invalid`, `no_input`, `transfer`, `else` or
    `start` that names no node of the file; an intent (`serves`, `resolves`,
    a persona's `intent`, a branch's `intent`) not listed in `intents`; a fact
    (`fact`, `asks`, `knows`, `given`) not listed in `identity`. The message
    suggests the closest existing name.

Why it matters
    A target that names nothing is a call that goes nowhere: in production it
    is a dropped call or a runtime error. An intent that is misspelt in
    `serves` makes an option invisible to the callers it was built for.

How to fix
    Correct the spelling (see the did-you-mean), or add the missing node,
    intent or fact.

Example (fails)
    intents: [pay_bill]
    nodes:
      main_menu:
        kind: menu
        options:
          - {key: "1", serves: [pay_bills], to: biling}

Use instead
    intents: [pay_bill]
    nodes:
      main_menu:
        kind: menu
        options:
          - {key: "1", serves: [pay_bill], to: billing}
"""

from phonejail.findings import Severity

CODE = "PJ004"
NAME = "undefined-target"
SEVERITY = Severity.ERROR
OPTIONS = ()
check = None  # reported by the loader (phonejail.model.build)
