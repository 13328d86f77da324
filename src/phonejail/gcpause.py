"""Pause Python's cyclic garbage collector while building large acyclic structures.

Loading a 20,000-node tree makes about half a million small tuples and lists,
all of them reachable until the load is done. The collector would rescan them
again and again (measured: half of the load time) and free nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
