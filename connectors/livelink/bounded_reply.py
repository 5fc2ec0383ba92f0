"""A peer's reply, read only up to a bound.

httpx reads a whole body into memory before the caller sees it, and the call's deadline
bounds its time, not its size: a peer (or a proxy in front of it) answering an endless or
huge body within that time would take the hub's memory. Each call's reply is read a chunk
at a time instead and refused as soon as it passes the bound, a declared length at once.
"""

from __future__ import annotations

from typing import Final

import httpx

# Content Server's replies: JSON pages, and the bytes of a form the hub filed (kilobytes to a
# few megabytes), with room to spare.
CONTENT_SERVER_MOST_BYTES = 64 * 1024 * 1024
# EHM answers a request for early help with a small JSON acknowledgement.
EHM_MOST_BYTES = 1024 * 1024

# The headers describing the body as it came over the wire, which the whole, decoded body
# handed on no longer is.
_WIRE_HEADERS: Final = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class ReplyTooLarge(Exception):
    """The peer's reply passed the bound; what was read of it is dropped."""

    def __init__(self, most_bytes: int) -> None:
        super().__init__(f"reply over {most_bytes} bytes")


async def send_bounded(
    client: httpx.AsyncClient, request: httpx.Request, most_bytes: int
) -> httpx.Response:
    """Send `request` and read its reply whole, if it is at most `most_bytes` (decoded).

    Raises:
        ReplyTooLarge: the reply declared, or sent, more; the connection is closed.
        httpx.TransportError: as `client.send` raises it.
    """
    response = await client.send(request, stream=True)
    try:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > most_bytes:
            raise ReplyTooLarge(most_bytes)
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > most_bytes:
                raise ReplyTooLarge(most_bytes)
    finally:
        await response.aclose()
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower() not in _WIRE_HEADERS
    ]
    return httpx.Response(
        response.status_code, headers=headers, content=bytes(body), request=request
    )
