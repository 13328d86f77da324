"""PJ002 schema (error): wrong structure, wrong type or an unknown key.

What it finds
    Anything that is valid YAML but not a phonejail tree (format version 1):
    a missing required key (`phonejail`, `name`, `start`, `intents`, `nodes`),
    an unknown key (with a did-you-mean: `nxet` -> `next`), a value of the
    wrong type, a number out of range (a chance above 1), a DTMF key that is
    not 0-9, * or #, a key used twice in one menu, a disallowed YAML tag
    (`!!python/object` and other code-executing tags are never obeyed), an
    empty file, or a document that is not a mapping.

    YAML 1.1 reads `no`, `off`, `yes` and `on` as booleans. Where phonejail
    expects text (`intents: [billing, no]`, `key: on`) that is an error that
    says how to quote it. Numbers where text is expected are taken as written:
    `key: 1` is the key "1" and `012` stays "012".

Why it matters
    A misspelt key is silently ignored by most YAML tools: `nxet: main_menu`
    leaves the node with no `next`, and the caller is disconnected. phonejail
    refuses it so the menu does what its designer meant.

How to fix
    Follow the message: it names the key, its path in the tree and what is
    allowed there. `phonejail schema` prints the full JSON Schema; editors
    with the YAML language server check as you type if the tree starts with
    `# yaml-language-server: $schema=../schema/phonejail-tree.schema.json`.

Example (fails)
    welcome: {kind: say, say: "Hello.", nxet: main_menu}
    main_menu:
      kind: menu
      options:
        - {key: on, to: agent}

Use instead
    welcome: {kind: say, say: "Hello.", next: main_menu}
    main_menu:
      kind: menu
      options:
        - {key: "1", to: agent}
"""

from phonejail.findings import Severity

CODE = "PJ002"
NAME = "schema"
SEVERITY = Severity.ERROR
OPTIONS = ()
check = None  # reported by the loader (phonejail.model.build)
