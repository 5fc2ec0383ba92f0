"""uvicorn's h11 protocol with a deadline for reading each request, and a coded refusal
past the concurrency bound.

uvicorn times out a connection that sits idle *between* requests (`timeout_keep_alive`),
but any byte received cancels that timer, and nothing bounds how long a client may take
to send one request's headers and body: a client sending a byte every few seconds holds
its connection (and a place under `limit_concurrency`) for ever. Here the clock starts
when a connection opens or a response completes and stops once the whole request has
arrived; a client that has not finished by then is disconnected. Nor did anything bound a
client that then reads nothing of a large answer: its connection, its place and the
answer's bytes (megabytes, in the hub's memory) were held for ever. A client that takes in
nothing of its answer for the same while is disconnected too (one reading slowly is not).

Past `limit_concurrency` (LCS_HUB_MAX_CONCURRENT_CONNECTIONS) uvicorn answered its own
plain-text "Service Unavailable", without a code or `Retry-After`, unlike every other
bound. The same check is made here, at the same moment, and answered like the others.
So are a request line and headers over LCS_HUB_H11_MAX_INCOMPLETE_EVENT_BYTES (431) and
a request that is not HTTP/1.1 (400), which uvicorn answered "Invalid HTTP request
received." in plain text.

Slow clients from one address could take every place under that bound (300 connections
each sending a header line every few seconds): every other client was answered 503
until the read deadline dropped them. So one address holds at most
LCS_HUB_MAX_CONNECTIONS_PER_ADDRESS connections at once; the next is answered 503
TOO_MANY_CONNECTIONS_FROM_ADDRESS and closed before it is read. A trusted proxy
(LCS_HUB_TRUSTED_PROXIES) is not bounded: it carries many clients' connections, and
the address it forwards is known only once a request's headers have all arrived.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections import Counter
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from hub.request_limits import PlainRefusalsMiddleware, refusal

if TYPE_CHECKING:
    from collections.abc import Callable

    from starlette.types import ASGIApp, Receive, Scope, Send

_REQUEST_RECEIVED = (h11.DONE, h11.MUST_CLOSE, h11.CLOSED)
# How soon a client refused for the concurrency bound may try again.
_RETRY_AFTER_SECONDS = 1
# How long a refused connection is kept to read its request away before it is closed.
_LINGER_SECONDS = 2.0


def _trusted(proxies: list[str]) -> Callable[[str], bool]:
    """Whether an address is one of `proxies` (addresses, networks, or `*`)."""
    networks = [ipaddress.ip_network(proxy, strict=False) for proxy in proxies if proxy != "*"]
    if "*" in proxies:
        return lambda host: True

    def trusted(host: str) -> bool:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in networks)

    return trusted


def _head_within(conn: h11.Connection, next_event: Callable[[], Any], most: int) -> Any:
    """The next event, refused (431) when it is a request whose line and headers are over
    `most` bytes.

    h11 measures only a head that is still incomplete: one that arrives whole in a single
    read (a ~70 KB head fits in one loopback packet) was parsed however large it was.
    What the request took out of the receive buffer is its head, whatever the packets.
    """
    if conn.their_state is not h11.IDLE:
        return next_event()
    buffered = len(conn.trailing_data[0])
    event = next_event()
    if isinstance(event, h11.Request) and buffered - len(conn.trailing_data[0]) > most:
        raise h11.RemoteProtocolError("the request head is too large", error_status_hint=431)
    return event


def protocol_with_request_deadline(
    seconds: float, *, per_address: int = 0, trusted_proxies: list[str] | None = None
) -> type[H11Protocol]:
    """An h11 protocol class for uvicorn's `http=` that gives a client `seconds` a request
    and (when `per_address`) lets an address other than `trusted_proxies` hold at most
    `per_address` connections at once."""
    is_trusted = _trusted(trusted_proxies or [])
    # Connections open now, by client address (one event loop: no lock needed).
    open_from: Counter[str] = Counter()

    class DeadlineH11Protocol(H11Protocol):
        _request_deadline: asyncio.TimerHandle | None = None
        _counted_as: str | None = None
        # While an answer waits on the client: the bytes not yet taken in, and the timer.
        _reader_deadline: asyncio.TimerHandle | None = None
        _unsent = 0
        # Answered TOO_MANY_CONNECTIONS_FROM_ADDRESS: what arrives is dropped unread.
        _refused = False

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if self.limit_concurrency is not None:
                # uvicorn's check is switched off and made in front of the app instead.
                self.app = self._bounded(self.app, self.limit_concurrency)
                self.limit_concurrency = None

            # uvicorn swallows h11's error before answering it: keep it, for its status.
            self._protocol_error: h11.RemoteProtocolError | None = None
            next_event = self.conn.next_event
            # The bound uvicorn gave h11 (h11's own default when unset).
            self._most_head: int = self.conn._max_incomplete_event_size
            most_head = self._most_head

            def next_event_kept() -> Any:
                try:
                    return _head_within(self.conn, next_event, most_head)
                except h11.RemoteProtocolError as error:
                    self._protocol_error = error
                    raise

            self.conn.next_event = next_event_kept  # type: ignore[method-assign]

        def send_400_response(self, msg: str) -> None:
            error, self._protocol_error = self._protocol_error, None
            if error is not None and error.error_status_hint == 431:
                status, code = 431, "REQUEST_HEADERS_TOO_LARGE"
                message = f"the request line and headers are over {self._most_head} bytes"
            else:
                status, code, message = 400, "BAD_REQUEST", "the request is not valid HTTP/1.1"
            answer = refusal(status, code, message)
            headers = [*answer.raw_headers, (b"connection", b"close")]
            for event in (
                h11.Response(status_code=status, headers=headers, reason=HTTPStatus(status).phrase),
                h11.Data(data=bytes(answer.body)),
                h11.EndOfMessage(),
            ):
                self.transport.write(self.conn.send(event) or b"")
            self.transport.close()

        def _bounded(self, app: ASGIApp, limit: int) -> ASGIApp:
            async def bounded(scope: Scope, receive: Receive, send: Send) -> None:
                # uvicorn counted the tasks before adding this request's; it is in the set.
                if scope["type"] == "http" and (
                    len(self.connections) >= limit or len(self.tasks) > limit
                ):
                    self.logger.warning("Exceeded concurrency limit.")
                    answer = refusal(
                        503,
                        "TOO_MANY_CONNECTIONS",
                        "the hub has too many connections at once; try again shortly",
                        {"Retry-After": str(_RETRY_AFTER_SECONDS), "Connection": "close"},
                    )
                    # In the shape of the path: {"error", "code"} on /ingest and /returns.
                    await PlainRefusalsMiddleware(answer)(scope, receive, send)
                    return
                await app(scope, receive, send)

            return bounded

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            host = self.client[0] if self.client else None
            if per_address and host and not is_trusted(host):
                if open_from[host] >= per_address:
                    self._refuse_address(transport)
                    return
                open_from[host] += 1
                self._counted_as = host
            self._arm()

        def _refuse_address(self, transport: Any) -> None:
            # Before any request was read, so written whole here rather than through h11.
            self.logger.warning("Exceeded connections from one address.")
            answer = refusal(
                503,
                "TOO_MANY_CONNECTIONS_FROM_ADDRESS",
                "this address has too many connections to the hub at once; try again shortly",
                {"Retry-After": str(_RETRY_AFTER_SECONDS), "Connection": "close"},
            )
            head = b"HTTP/1.1 503 Service Unavailable\r\n" + b"".join(
                name + b": " + value + b"\r\n" for name, value in answer.raw_headers
            )
            transport.write(head + b"\r\n" + bytes(answer.body))
            # Closed at once, a request the client had already sent was left unread and
            # the kernel ended the connection with a reset, which the client read instead
            # of the answer. So the answer is followed by the end of what the hub sends,
            # what the client sends is read and dropped, and the connection is closed
            # once the client closes it too, or after `_LINGER_SECONDS`. Meanwhile it is
            # no longer one of the hub's connections: refused ones take no place.
            self._refused = True
            self.connections.discard(self)
            if transport.can_write_eof():
                transport.write_eof()
            self.loop.call_later(_LINGER_SECONDS, transport.close)

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            super().data_received(data)
            if self.conn.their_state in _REQUEST_RECEIVED:
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()

        def pause_writing(self) -> None:
            # The answer is waiting for the client to take in what was sent: watched.
            super().pause_writing()
            self._watch_reader()

        def resume_writing(self) -> None:
            super().resume_writing()
            self._unwatch_reader()

        def _watch_reader(self) -> None:
            self._unwatch_reader()
            self._unsent = self.transport.get_write_buffer_size()
            self._reader_deadline = self.loop.call_later(seconds, self._reader_stalled)

        def _unwatch_reader(self) -> None:
            if self._reader_deadline is not None:
                self._reader_deadline.cancel()
                self._reader_deadline = None

        def _reader_stalled(self) -> None:
            self._reader_deadline = None
            if self.transport.is_closing():
                return
            if self.transport.get_write_buffer_size() < self._unsent:
                # Slow, but taking the answer in: watched for the next while.
                self._watch_reader()
                return
            # Took in nothing for the whole while: dropped, and the answer's bytes with it.
            self.transport.abort()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            self._unwatch_reader()
            if self._counted_as is not None:
                open_from[self._counted_as] -= 1
                if not open_from[self._counted_as]:
                    del open_from[self._counted_as]
                self._counted_as = None
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
