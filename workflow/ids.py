"""New record ids and the clock, in one place so statements get them as parameters."""

from __future__ import annotations

import secrets
import time
import uuid


def new_id() -> str:
    """A random, unguessable id for any record."""
    return str(uuid.uuid4())


def new_child_id() -> str:
    """A child id that is also a valid LA child id for the DfE returns (<= 20 alphanumerics)."""
    return "C" + secrets.token_hex(8).upper()


def now_ms() -> int:
    """The current instant as epoch milliseconds (instants are stored this way)."""
    return time.time_ns() // 1_000_000
