"""Reading inputs and writing outputs safely.

Reads: only regular files, never more than a limit (so `/dev/zero` or a FIFO cannot
hang or exhaust memory). Writes: whole files or nothing (a temporary file beside the
target, then a rename), with the permissions the umask gives a new file; never over
an input, a FIFO, a device or a folder. A symlink is written through to the regular
file it names, so the link survives. Every refusal is an `OutputError` or
`InputError` whose message names the path and says why; the CLI turns it into exit 2.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from phonejail.limits import MAX_FILE_BYTES


class OutputError(Exception):
    """An output cannot be written where asked; the message says where and why."""


class InputError(Exception):
    """An input cannot be read; the message says where and why (`reason`: why alone)."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.reason = reason


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_capped(path: str | Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """Up to `limit` + 1 bytes of a regular file (one more, so callers can tell it is too big).

    Opened without blocking and checked with fstat before reading: a FIFO, a device or
    a folder is refused at once rather than read forever. Raises InputError.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(path, f"cannot read: {_kind(mode)}, not a regular file")
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)


def same_file(a: str | Path, b: str | Path) -> bool:
    """True if both paths name one existing file (or the same path if `a` does not exist)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


def writable_target(path: str | Path, inputs: Iterable[str | Path] = ()) -> Path:
    """The regular file a write to `path` should replace, or OutputError saying why not.

    A symlink resolves to the file it names (written through, the link kept); a target
    that is a folder, FIFO, device or socket, or that is one of `inputs` (trees,
    configuration, callers files), is refused.
    """
    given = Path(path)
    target = given.resolve() if given.is_symlink() else given
    for source in inputs:
        if same_file(target, source):
            raise OutputError(f"{path}: is an input being read ({source}); refusing to "
                              "overwrite it: choose another output")
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise OutputError(f"{path}: cannot write: {_kind(mode)}; give a regular file")
    return target


def _new_file_mode() -> int:
    """What `open(..., 'w')` would give a new file: 0o666 less the process umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write(path: Path, data: str | bytes, inputs: Iterable[str | Path] = ()) -> Path:
    """Write `data` to a temporary file beside the target, then rename it into place.

    The target is checked first (`writable_target`); a file replaced keeps its mode, a
    new one gets the umask's. Any failure (read-only folder, a file where a folder
    should be, a full disk) is an OutputError and leaves no temporary file behind.
    Returns the path actually written (the symlink's target, if `path` was one).
    """
    target = writable_target(path, inputs)
    payload = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    temporary: str | None = None
    try:
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            mode = _new_file_mode()
        target.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # here: `check` writes nothing unless asked (-o)

        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                             suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
            os.fchmod(out.fileno(), mode)
        os.replace(temporary, target)
        temporary = None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno in (errno.ENOTDIR, errno.EEXIST):
            reason = "a file stands where a folder is needed"
        raise OutputError(f"{path}: cannot write: {reason}") from None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
    return target
