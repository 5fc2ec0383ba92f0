"""`POST /ingest/ehm` and `POST /ingest/ies`: integrators push records as the CLI takes files.

The same semantics as `lcs-hub ingest`: each record idempotent by its id and version, a
bad row reported with its line and reason while the others land, each record linked to a
child. The caller is a system client (a verified token whose role may ingest records);
the body is JSON Lines (`application/x-ndjson`), CSV (`text/csv`) or a JSON array.
"""

from __future__ import annotations

import io
import itertools
import json
from typing import TYPE_CHECKING, Any, Final

from starlette.responses import JSONResponse

from auth.authority import principal_on_record
from auth.capabilities import Capability, can
from connectors import ehm, ies
from connectors.intake import (
    FileFormat,
    first_undecodable_byte,
    ingest,
    json_row,
    parse_lines,
    sender_of,
    text_codec,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from starlette.requests import Request
    from starlette.responses import Response

    from auth.principal import Principal
    from connectors.intake import Source
    from workflow.outcomes import InvalidInput
    from workflow.school_days import SchoolCalendar

MEDIA_TYPES: Final = frozenset(
    {"application/x-ndjson", "application/jsonl", "text/csv", "application/json"}
)
# One push is one batch; a bigger load is a bulk file through the CLI.
MAX_BODY_BYTES: Final = 5 * 1024 * 1024
# And at most so many records (a few hundred bytes each fill the bytes): a row of three
# bytes ("{}") is reported back in a hundred and sixty, so the bytes alone let a push make
# an answer fifty times its size, held whole in memory.
MOST_ROWS: Final = 20_000
# What a push stopped at the request deadline left: `ingest` applies each record whole.
PUSH_STOPPED: Final = (
    "the records taken in before it stay, each whole; send the batch again "
    "(a replayed batch changes nothing)"
)


def sources(
    step_up_team: str | None, school_calendar: SchoolCalendar | None = None
) -> dict[str, Source]:
    """The systems records are taken in from, by the name the path (or command) gives."""
    return {"ehm": ehm.source(step_up_team), "ies": ies.source(school_calendar)}


def _refuse(status: int, code: str, message: str) -> Response:
    # `error` is what integrators have read since the first push; `code` is the same
    # refusal for a program, as every other refusal of the hub carries one.
    return JSONResponse({"error": message, "code": code}, status_code=status)


def _declared_charset(parameters: str) -> str | None:
    """The `charset` a Content-Type's parameters declare (lower case), if any."""
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').strip().lower()
    return None


def _undecodable(error: UnicodeDecodeError, charset: str | None, media_type: str) -> str:
    where = first_undecodable_byte(error)
    if charset is None:
        return (
            f"the body is not UTF-8 ({where}); declare the charset it is in, "
            f"e.g. Content-Type: {media_type}; charset=windows-1252"
        )
    return f"the body is not {charset} ({where}); check the charset it declares"[:300]


def _rows(body: str, media_type: str) -> Iterable[tuple[int, dict[str, Any] | InvalidInput]]:
    # Lines end at \n, \r\n or \r, as when the CLI reads a file: str.splitlines would
    # also break a record inside its text (U+2028, U+0085, a form feed), which JSON
    # strings and CSV cells may hold as they are.
    lines = io.StringIO(body, newline="")
    if media_type == "text/csv":
        return parse_lines(lines, FileFormat.CSV)
    if media_type == "application/json":
        try:
            items = json.loads(body)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply") from None
        if not isinstance(items, list):
            raise ValueError("a JSON body is an array of records")
        # Each item's "line" is its position in the array, counted from 1.
        return ((index, json_row(json.dumps(item))) for index, item in enumerate(items, 1))
    return parse_lines(lines, FileFormat.JSONL)


async def push_records(request: Request) -> Response:
    """Take a batch of records in from the source the path names."""
    hub = request.app.state.hub
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is not None:
        # A system client is registered like staff: its role comes from the record.
        principal = await principal_on_record(hub.store, principal)
    if principal is None or not can(principal, Capability.INGEST_RECORDS):
        return _refuse(403, "FORBIDDEN", "only a system client may push records")
    source = sources(hub.step_up_team, hub.school_calendar).get(request.path_params["source"])
    if source is None:
        return _refuse(404, "NOT_FOUND", "records are pushed to /ingest/ehm or /ingest/ies")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return _refuse(
            413, "REQUEST_TOO_LARGE", f"a push is at most {MAX_BODY_BYTES} bytes; send a bulk file"
        )
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        return _refuse(
            413, "REQUEST_TOO_LARGE", f"a push is at most {MAX_BODY_BYTES} bytes; send a bulk file"
        )
    media_type, _, parameters = request.headers.get("content-type", "").partition(";")
    media_type = media_type.strip().lower()
    if media_type not in MEDIA_TYPES:
        return _refuse(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "send application/x-ndjson (JSON Lines), text/csv or application/json",
        )
    charset = _declared_charset(parameters)
    codec = text_codec(charset)
    if codec is None:
        return _refuse(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            f"the hub does not read charset {charset!r}; send UTF-8, or declare the charset "
            "the body is in (windows-1252, iso-8859-15, utf-16, ...)"[:300],
        )
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as error:
        return _refuse(400, "BAD_REQUEST", _undecodable(error, charset, media_type))
    try:
        # One past the bound is enough to refuse: the rest is never read.
        rows = list(itertools.islice(_rows(text, media_type), MOST_ROWS + 1))
    except ValueError as error:  # a JSON body that is not an array, or nested too deeply
        return _refuse(400, "BAD_REQUEST", f"the body cannot be read: {error}"[:200])
    if len(rows) > MOST_ROWS:
        return _refuse(
            413, "REQUEST_TOO_LARGE", f"a push is at most {MOST_ROWS} records; send a bulk file"
        )
    report = await ingest(hub.store, rows, source, by=sender_of(principal.subject))
    return JSONResponse(report.as_dict())
