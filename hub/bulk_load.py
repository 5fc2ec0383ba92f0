"""The bulk-load lease: one `lcs-hub import` or demo load at a time on a var directory.

Both load into an empty store and remove everything when they fail, so two at once
each saw the store empty, loaded into it together and failed on each other's records
(a duplicate shape node, a relationship to a node the other had just removed): both
exited with an error and the store was emptied under the one that would have finished.
The lease is an exclusive lock on a file in the var directory, which the kernel lets go
when its holder exits however it exits (`kill -9` included), so a load that died never
leaves the lease behind for someone to clear. It is taken before anything is opened:
the second load is told who holds it and changes nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

LEASE_FILE = "bulk-load.lock"


class BulkLoadInProgress(Exception):
    """Another process holds the bulk-load lease of the var directory; nothing was changed."""


@contextlib.contextmanager
def bulk_load_lease(var_dir: Path, what: str) -> Iterator[None]:
    """Hold the var directory's bulk-load lease while the block runs.

    Args:
        var_dir: the hub's var directory (created, private, if missing).
        what: what is loading (`lcs-hub import`), told to whoever is refused meanwhile.

    Raises:
        BulkLoadInProgress: another process holds the lease; the message names it.
    """
    var_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = var_dir / LEASE_FILE
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 200, 0).decode("utf-8", "replace").strip()
            raise BulkLoadInProgress(
                f"{holder or 'another load'} is loading into {var_dir}; nothing was changed. "
                "Wait for it to finish (one import or demo load at a time), then try again"
            ) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{what} (pid {os.getpid()})".encode(), 0)
        yield
    finally:
        # Closing lets the lock go; the file stays (removing it would race a new holder).
        os.close(descriptor)


def load_under_way(var_dir: Path) -> bool:
    """Whether a process holds the var directory's bulk-load lease now."""
    try:
        descriptor = os.open(var_dir / LEASE_FILE, os.O_RDONLY)
    except (FileNotFoundError, NotADirectoryError):
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        # Closing lets a lock taken here go at once.
        os.close(descriptor)
    return False
