"""phonejail: find phone jail in IVR phone menus before callers do."""

__version__ = "0.1.0"
