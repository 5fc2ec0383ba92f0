"""uvicorn's h11 protocol with a deadline for reading each request.

uvicorn times out a connection that sits idle *between* requests (`timeout_keep_alive`),
but any byte received cancels that timer, and nothing bounds how long a client may take
to send one request's headers and body: a client sending a byte every few seconds holds
its connection (and a place under `limit_concurrency`) for ever. Here the clock starts
when a connection opens or a response completes and stops once the whole request has
arrived; a client that has not finished by then is disconnected.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

_REQUEST_RECEIVED = (h11.DONE, h11.MUST_CLOSE, h11.CLOSED)


def protocol_with_request_deadline(seconds: float) -> type[H11Protocol]:
    """An h11 protocol class for uvicorn's `http=` that gives a client `seconds` a request."""

    class DeadlineH11Protocol(H11Protocol):
        _request_deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state in _REQUEST_RECEIVED:
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            if not self.transport.is_closing():
                self._request_deadline = self.loop.call_later(seconds, self._too_slow)

        def _disarm(self) -> None:
            if self._request_deadline is not None:
                self._request_deadline.cancel()
                self._request_deadline = None

        def _too_slow(self) -> None:
            self._request_deadline = None
            # Only while a request is still arriving: a request being answered is bounded
            # by the hub's own deadline instead.
            if self.conn.their_state not in _REQUEST_RECEIVED and not self.transport.is_closing():
                self.transport.close()

    return DeadlineH11Protocol
