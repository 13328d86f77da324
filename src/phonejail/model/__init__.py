"""The phone tree: format version 1, its loader, and the graph view the rules use."""

from phonejail.model.load import Loaded, load_bytes, load_file
from phonejail.model.tree import (
    Agent,
    Ask,
    Branch,
    Callback,
    Case,
    Fact,
    Hangup,
    Menu,
    Node,
    Option,
    Persona,
    Say,
    SelfService,
    Tree,
)

__all__ = [
    "Agent", "Ask", "Branch", "Callback", "Case", "Fact", "Hangup", "Loaded", "Menu", "Node",
    "Option", "Persona", "Say", "SelfService", "Tree", "load_bytes", "load_file",
]
