"""Load a tree file: read bytes safely, compose located YAML, validate into a `Tree`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from phonejail.fileio import InputError, read_capped
from phonejail.findings import Problem
from phonejail.gcpause import gc_paused
from phonejail.model.build import build_tree
from phonejail.model.tree import Tree
from phonejail.model.yamlread import YNode, read_yaml


@dataclass(frozen=True)
class Loaded:
    """A file's tree (None if it does not load) and the format problems (PJ0xx) found."""

    path: str
    tree: Tree | None
    problems: tuple[Problem, ...] = field(default=())


def load_bytes(data: bytes, path: str) -> Loaded:
    return load_located(data, path)[0]


def load_located(data: bytes, path: str) -> tuple[Loaded, YNode | None]:
    """`load_bytes`, and the located YAML it was built from (None if it does not read):
    the language server finds ids and their places in it without reading the text twice."""
    with gc_paused():
        root, problems = read_yaml(data)
        if root is None:
            return Loaded(path, None, tuple(problems)), None
        tree, more = build_tree(root, path)
    problems.extend(more)
    return Loaded(path, None if problems else tree, tuple(problems)), root


def load_file(path: str | Path) -> Loaded:
    """Load `path`; an unreadable file is a PJ001 problem, never an exception."""
    shown = str(path)
    try:
        data = read_capped(path)
    except InputError as exc:
        return Loaded(shown, None, (Problem("PJ001", 1, 1, exc.reason),))
    return load_bytes(data, shown)


def load_for_drawing(path: str | Path) -> Tree | None:
    """A tree whose only problems are targets naming no node, with those names kept as
    targets, so `phonejail graph` can draw it and mark them; None for any other problem."""
    try:
        data = read_capped(path)
    except InputError:
        return None
    with gc_paused():
        root, problems = read_yaml(data)
        if root is None or problems:
            return None
        tree, _ = build_tree(root, str(path), keep_undefined_targets=True)
    return tree
