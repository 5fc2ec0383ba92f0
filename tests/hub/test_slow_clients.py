"""Slow clients: a client trickling its request is disconnected, not served for ever."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from hub.cli import uvicorn_options
from hub.settings import Settings


async def _hello(request: object) -> PlainTextResponse:
    return PlainTextResponse("hello")


@contextmanager
def _serve(settings: Settings) -> Iterator[int]:
    app = Starlette(routes=[Route("/", _hello)])
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off",
                            **uvicorn_options(settings))  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_a_client_trickling_its_headers_is_disconnected(tmp_path: object) -> None:
    settings = Settings(request_read_seconds=0.5, _env_file=None)  # type: ignore[call-arg]
    with _serve(settings) as port, socket.create_connection(("127.0.0.1", port)) as client:
        client.settimeout(20)
        client.sendall(b"GET / HTTP/1.1\r\nHost: hub\r\n")
        # Keep sending a header line now and then (bounded), never finishing the request.
        closed = False
        for number in range(40):
            try:
                client.sendall(f"X-Slow-{number}: 1\r\n".encode())
            except OSError:
                closed = True
                break
            client.settimeout(0.25)
            try:
                if client.recv(1024) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
            except OSError:
                # Reset by the server (its close raced the unread bytes): closed too.
                closed = True
                break
        assert closed, "the server kept a trickling client's connection open"


def test_a_prompt_client_is_served_and_headers_are_bounded() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    with _serve(settings) as port:
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.settimeout(20)
            client.sendall(b"GET / HTTP/1.1\r\nHost: hub\r\n\r\n")
            assert client.recv(4096).startswith(b"HTTP/1.1 200")
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.settimeout(20)
            client.sendall(b"GET / HTTP/1.1\r\nHost: hub\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n")
            answer = client.recv(4096)
            assert not answer.startswith(b"HTTP/1.1 200")


def test_a_connection_over_the_concurrency_bound_is_refused_with_a_code() -> None:
    import json

    settings = Settings(max_concurrent_connections=2, _env_file=None)  # type: ignore[call-arg]
    with _serve(settings) as port:
        # Two idle connections take the two places; a third's request is refused.
        first = socket.create_connection(("127.0.0.1", port))
        second = socket.create_connection(("127.0.0.1", port))
        try:
            time.sleep(0.2)
            with socket.create_connection(("127.0.0.1", port)) as third:
                third.settimeout(20)
                third.sendall(b"GET / HTTP/1.1\r\nHost: hub\r\n\r\n")
                answer = b""
                while chunk := third.recv(4096):
                    answer += chunk
        finally:
            first.close()
            second.close()
        head, _, body = answer.partition(b"\r\n\r\n")
        lines = head.decode().lower().splitlines()
        # uvicorn's own refusal was a plain-text "Service Unavailable", with no code.
        assert lines[0] == "http/1.1 503 service unavailable"
        assert "retry-after: 1" in lines
        assert "content-type: application/json" in lines
        assert json.loads(body)["errors"][0]["extensions"]["code"] == "TOO_MANY_CONNECTIONS"
        # Once the others have gone, a request is served again.
        time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.settimeout(20)
            client.sendall(b"GET / HTTP/1.1\r\nHost: hub\r\n\r\n")
            assert client.recv(4096).startswith(b"HTTP/1.1 200")


async def _slow(request: object) -> PlainTextResponse:
    import asyncio

    await asyncio.sleep(13)
    return PlainTextResponse("late but answered")


def test_a_request_running_when_the_hub_is_told_to_stop_is_answered() -> None:
    # SIGTERM drains: uvicorn waited 10 s for requests in flight and then cut them off
    # unanswered, while the hub lets a request run for its deadline (20 s by default).
    settings = Settings(request_deadline_seconds=14.0, _env_file=None)  # type: ignore[call-arg]
    app = Starlette(routes=[Route("/slow", _slow)])
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off",
                            **uvicorn_options(settings))  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive()
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.settimeout(30)
        client.sendall(b"GET /slow HTTP/1.1\r\nHost: hub\r\n\r\n")
        time.sleep(0.3)
        server.should_exit = True  # what uvicorn's SIGTERM handler does
        answer = b""
        while chunk := client.recv(4096):
            answer += chunk
    thread.join(timeout=30)
    assert answer.startswith(b"HTTP/1.1 200")
    assert answer.endswith(b"late but answered")


async def _large(request: object) -> Response:
    # Larger than the kernel's buffers on both sides of a loopback connection (4 MB).
    return Response(b"x" * 24_000_000, media_type="application/octet-stream")


def test_a_client_that_takes_in_nothing_of_its_answer_is_disconnected() -> None:
    # The read deadline stopped once the request had arrived: a client that then read
    # nothing of a large answer held its connection, its place under the concurrency
    # bound and the answer's bytes in memory for ever (probed: four such clients each
    # held ~6 MB of a GraphQL answer, still open after 80 s).
    settings = Settings(request_read_seconds=0.5, _env_file=None)  # type: ignore[call-arg]
    app = Starlette(routes=[Route("/large", _large)])
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off",
                            **uvicorn_options(settings))  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive()
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        with socket.socket() as client:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            client.connect(("127.0.0.1", port))
            client.sendall(b"GET /large HTTP/1.1\r\nHost: hub\r\n\r\n")
            # Its first bytes arrive once the answer is being written.
            client.settimeout(20)
            assert client.recv(15) == b"HTTP/1.1 200 OK"
            # Bounded: 30 s at most, reading nothing more meanwhile.
            for _ in range(300):
                if not server.server_state.connections:
                    break
                time.sleep(0.1)
            assert not server.server_state.connections, "a client reading nothing was kept"
        # A client that reads its answer gets all of it.
        lines, body = _whole_answer(
            port, b"GET /large HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n"
        )
        assert lines[0] == "http/1.1 200 ok"
        assert len(body) == 24_000_000
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _whole_answer(port: int, request: bytes) -> tuple[list[str], bytes]:
    """The status and header lines (lower case) and the body of the server's answer."""
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.settimeout(20)
        client.sendall(request)
        answer = b""
        try:
            while chunk := client.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass  # closed with the request's unread bytes; the answer had arrived
    head, _, body = answer.partition(b"\r\n\r\n")
    return head.decode().lower().splitlines(), body


def test_headers_over_their_bound_or_a_request_that_is_not_http_answer_with_a_code() -> None:
    import json

    # uvicorn answered both with its plain text "Invalid HTTP request received.", without
    # a code, unlike every other bound (README: "Each limit ... answers a clear error
    # with a code").
    settings = Settings(h11_max_incomplete_event_bytes=8192, _env_file=None)  # type: ignore[call-arg]
    with _serve(settings) as port:
        big = b"GET / HTTP/1.1\r\nHost: hub\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n"
        garbled = b"GET / HTTP/1.1\r\nHost: hub\r\nnot a header\r\n\r\n"
        for request, status, code, message in (
            (big, "431 request header fields too large", "REQUEST_HEADERS_TOO_LARGE",
             "the request line and headers are over 8192 bytes"),
            (garbled, "400 bad request", "BAD_REQUEST", "the request is not valid HTTP/1.1"),
        ):  # fmt: skip
            lines, body = _whole_answer(port, request)
            assert lines[0] == f"http/1.1 {status}"
            assert "content-type: application/json" in lines
            assert "connection: close" in lines
            assert json.loads(body) == {
                "errors": [{"message": message, "extensions": {"code": code}}]
            }
        lines, _ = _whole_answer(port, b"GET / HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n")
        assert lines[0] == "http/1.1 200 ok"


def test_headers_over_their_bound_are_refused_when_they_arrive_in_one_packet() -> None:
    import json

    # h11 measured only a head still incomplete: 30 KB of headers sent at once arrive in
    # one read on loopback and were served under an 8 KB bound (~70 KB under the 64 KB
    # default). The bound holds whatever the packets.
    settings = Settings(h11_max_incomplete_event_bytes=8192, _env_file=None)  # type: ignore[call-arg]
    with _serve(settings) as port:
        over = b"GET / HTTP/1.1\r\nHost: hub\r\nX-Big: " + b"a" * 30_000 + b"\r\n\r\n"
        lines, body = _whole_answer(port, over)
        assert lines[0] == "http/1.1 431 request header fields too large"
        assert json.loads(body)["errors"][0]["extensions"]["code"] == "REQUEST_HEADERS_TOO_LARGE"
        # A head just under the bound, sent the same way, is served.
        under = b"GET / HTTP/1.1\r\nHost: hub\r\nConnection: close\r\nX-Big: "
        under += b"a" * (8192 - len(under) - 4) + b"\r\n\r\n"
        lines, body = _whole_answer(port, under)
        assert lines[0] == "http/1.1 200 ok"
        assert body == b"hello"


def test_a_push_over_the_concurrency_bound_is_refused_in_the_shape_of_its_path() -> None:
    import json

    # /ingest and /returns answer every refusal as {"error", "code"} (README); the
    # concurrency bound, made in front of the app, answered them GraphQL-shaped.
    settings = Settings(max_concurrent_connections=1, _env_file=None)  # type: ignore[call-arg]
    with _serve(settings) as port, socket.create_connection(("127.0.0.1", port)):
        time.sleep(0.2)
        lines, body = _whole_answer(port, b"POST /ingest/ehm HTTP/1.1\r\nHost: hub\r\n\r\n")
    assert lines[0] == "http/1.1 503 service unavailable"
    assert json.loads(body) == {
        "error": "the hub has too many connections at once; try again shortly",
        "code": "TOO_MANY_CONNECTIONS",
    }


def _from(source: str, port: int) -> socket.socket:
    """A connection to the hub on loopback from `source` (127.0.0.0/8 is all loopback)."""
    return socket.create_connection(("127.0.0.1", port), source_address=(source, 0))


def test_one_address_holding_many_connections_does_not_shut_others_out() -> None:
    import json

    # 300 slow clients from one address took every place: every other client's request
    # was answered 503 TOO_MANY_CONNECTIONS until the read deadline dropped them.
    settings = Settings(max_concurrent_connections=8, max_connections_per_address=2, _env_file=None)  # type: ignore[call-arg]
    hello = b"GET / HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n"
    with _serve(settings) as port:
        slow = [_from("127.0.0.2", port) for _ in range(2)]
        try:
            for connection in slow:
                connection.sendall(b"GET / HTTP/1.1\r\n")
            time.sleep(0.2)
            with _from("127.0.0.2", port) as third:
                third.settimeout(20)
                answer = b""
                while chunk := third.recv(4096):
                    answer += chunk
            with _from("127.0.0.3", port) as other:
                other.settimeout(20)
                other.sendall(hello)
                assert other.recv(4096).startswith(b"HTTP/1.1 200")
        finally:
            for connection in slow:
                connection.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode().lower().splitlines()
    assert lines[0] == "http/1.1 503 service unavailable"
    assert "retry-after: 1" in lines
    assert json.loads(body)["errors"][0]["extensions"]["code"] == (
        "TOO_MANY_CONNECTIONS_FROM_ADDRESS"
    )
    # A gateway (a trusted proxy) carries many clients' connections: it is not bounded.
    behind = Settings(max_connections_per_address=1, trusted_proxies=["127.0.0.2"], _env_file=None)  # type: ignore[call-arg]
    with _serve(behind) as port, _from("127.0.0.2", port), _from("127.0.0.2", port) as second:
        second.settimeout(20)
        second.sendall(hello)
        assert second.recv(4096).startswith(b"HTTP/1.1 200")


def test_clients_over_their_address_bound_read_the_refusal_not_a_reset() -> None:
    import asyncio

    import httpx

    # The refusal was written and the connection closed at once. A client's request that
    # had already arrived was left unread, so the kernel ended the connection with a
    # reset and the client read "connection reset" instead of the 503 (httpx: ReadError,
    # each of 100 requests sent at once from one address already holding its bound).
    settings = Settings(max_connections_per_address=1, _env_file=None)  # type: ignore[call-arg]

    async def at_once(port: int) -> list[httpx.Response]:
        transport = httpx.AsyncHTTPTransport(local_address="127.0.0.4")
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(transport=transport, timeout=20, limits=limits) as client:
            return await asyncio.gather(
                *(client.post(f"http://127.0.0.1:{port}/", content=b"x" * 1000) for _ in range(50))
            )

    with _serve(settings) as port, _from("127.0.0.4", port):
        time.sleep(0.2)
        answers = asyncio.run(at_once(port))
    for answer in answers:
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "1"
        assert answer.json()["errors"][0]["extensions"]["code"] == (
            "TOO_MANY_CONNECTIONS_FROM_ADDRESS"
        )
