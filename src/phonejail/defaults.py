"""Defaults and choices of the simulating commands, importable without numpy.

The CLI builds its options from these at start-up; `phonejail --version` and
`check` must not pay for the engines they do not run.
"""

DEFAULT_SEED = 1
DEFAULT_CALLERS = 10_000
METHODS = ("montecarlo", "exact")
TABLE_FORMATS = ("text", "json", "csv")
"""What `simulate` and `staff` print: the keys of their RENDERERS."""

COMPARE_LIMITS = {
    "max-regression": 1.0,
    "max-reached-human-regression": 1.0,
    "max-steps-to-human-regression": 1.0,
    "max-seconds-to-human-regression": 30.0,
}
"""How much worse NEW's exact figures may be than OLD's before `compare` fails (exit 1),
overall and for each persona: jail rate and reached-a-human share in percentage points,
mean steps and mean seconds to a human (docs/configuration.md). Also `[tool.phonejail]`
keys."""
