"""The error an outbox item keeps, in the words records officers and administrators read.

An item's `lastError` (a document version's `filingError`) names the failing call and a
code: an HTTP status with its standard phrase, or a disk error's number and kind. Before
this was the rule, items kept the destination's own text after the status (Content
Server's or EHM's error, which may repeat a child's names, birth date or NHS number or a
document's title) and a disk error's file path (made of the child's id): migration 5
(`graph/migrations.py`) reduces such an error to what the current code writes.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Final

# "GET /api/v2/nodes/7: HTTP 409 <the server's text>", "EHM PUT /requests: HTTP 422 <...>".
_HTTP_ERROR: Final = re.compile(r"(?P<call>.*?): HTTP (?P<status>\d{3})\b(?P<rest>.*)", re.DOTALL)
# str(OSError): "[Errno 28] No space left on device: '/var/content/<child id>/...'".
_DISK_ERROR: Final = re.compile(
    r"(?P<before>.*?)\[Errno (?P<errno>\d+)\] (?P<kind>[^:]*)", re.DOTALL
)
# The one remark the content server's client adds after a status of its own (401).
_AFTER_LOGIN: Final = " (after logging in again)"


def status_text(status: int) -> str:
    """An HTTP status for an item's error: the code and its standard phrase only.

    A destination's own error text may repeat what it was sent or holds (a child's
    names, birth date or NHS number, a document's title, a hold's reason), and the
    error is kept on the item, where records officers and administrators read it: so
    it is never kept, whatever the destination says.
    """
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown status"
    return f"HTTP {status} {phrase}"


def reduced_error(error: str) -> str:
    """`error` as the current code writes it: the call and the status, or the disk error's
    number and kind; anything else unchanged (the current code writes it so)."""
    if found := _HTTP_ERROR.fullmatch(error):
        after_login = _AFTER_LOGIN if found["rest"].endswith(_AFTER_LOGIN) else ""
        return f"{found['call']}: {status_text(int(found['status']))}{after_login}"
    if found := _DISK_ERROR.match(error):
        return f"{found['before']}[Errno {found['errno']}] {found['kind']}"
    return error
