"""PJ005 import (warning): a part of an imported flow that phonejail cannot model exactly.

What it finds
    While importing an export (`phonejail import`, or `check`, `simulate` and
    `report` on a `.json` flow), a widget or action phonejail does not know
    (it passes calls straight through it), a menu condition on more than one
    key, or an input the flow collects but never reads. The finding names the
    widget or action and its line in the JSON.

Why it matters
    The analysis is only as good as the model of the flow. A block phonejail
    skips could in reality play a long prompt, hang up, or route callers
    elsewhere; the figures would then miss it.

How to fix
    Check the named widget: if it matters for callers, model it by hand in the
    imported YAML (`phonejail import FLOW -o TREE.yaml`, then edit) and check
    the YAML instead.

Example (fails)
    {"name": "pay_now", "type": "capture-payments", "transitions": [...]}

Use instead
    pay_now: {kind: self_service, resolves: [pay_bill], success: 0.8, next: agent}
"""

from phonejail.findings import Severity

CODE = "PJ005"
NAME = "import"
SEVERITY = Severity.WARNING
OPTIONS = ()
check = None  # reported by the importers (phonejail.importers)
