"""Defaults and choices of the simulating commands, importable without numpy.

The CLI builds its options from these at start-up; `phonejail --version` and
`check` must not pay for the engines they do not run.
"""

DEFAULT_SEED = 1
DEFAULT_CALLERS = 10_000
METHODS = ("montecarlo", "exact")
TABLE_FORMATS = ("text", "json", "csv")
"""What `simulate` and `staff` print: the keys of their RENDERERS."""
