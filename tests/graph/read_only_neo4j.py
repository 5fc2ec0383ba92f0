"""A Neo4j server that answers reads but refuses writes, over Bolt 4.4, for the hub's
Neo4jStore: a cluster member that is not the leader, a database set read-only, or a
cluster whose routing table names no writer.

No Neo4j can run here, and FalkorDB's Bolt server (tests/graph/bolt_peer.py) answers
every error as `UnknownError`, so it cannot say "not the leader". This peer speaks the
documented wire format (the Bolt handshake, chunked PackStream messages: HELLO, BEGIN,
RUN, PULL, COMMIT, ROLLBACK, RESET, ROUTE, GOODBYE) and answers:
- a statement in a read transaction (`mode: "r"`) from a real FalkorDB graph;
- a statement in a write transaction with FAILURE and the Neo4j status code it was given
  (`Neo.ClientError.Cluster.NotALeader`, `Neo.ClientError.General.ForbiddenOnReadOnlyDatabase`),
  as a follower or a read-only database does; then IGNORED until RESET, as Neo4j does;
- ROUTE (a `neo4j://` driver) with itself as router and reader and no writer, as a
  cluster between leaders does.
It holds no transactions of its own: a read transaction's statements run as they come.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

from graph import FalkorDBStore, GraphError

_MAGIC = b"\x60\x60\xb0\x17"
_BOLT_4_4 = b"\x00\x00\x04\x04"
_EPOCH = date(1970, 1, 1)

# Request and response signatures (Bolt 4.4).
_HELLO, _GOODBYE, _RESET = 0x01, 0x02, 0x0F
_RUN, _BEGIN, _COMMIT, _ROLLBACK = 0x10, 0x11, 0x12, 0x13
_DISCARD, _PULL, _ROUTE = 0x2F, 0x3F, 0x66
_SUCCESS, _RECORD, _IGNORED, _FAILURE = 0x70, 0x71, 0x7E, 0x7F


class _Struct:
    def __init__(self, tag: int, fields: list[Any]) -> None:
        self.tag = tag
        self.fields = fields


def _pack(value: Any) -> bytes:
    if value is None:
        return b"\xc0"
    if value is True:
        return b"\xc3"
    if value is False:
        return b"\xc2"
    if isinstance(value, int):
        if -16 <= value < 128:
            return struct.pack(">b", value)
        for marker, form, bound in ((0xC8, ">b", 7), (0xC9, ">h", 15), (0xCA, ">i", 31)):
            if -(2**bound) <= value < 2**bound:
                return bytes([marker]) + struct.pack(form, value)
        return b"\xcb" + struct.pack(">q", value)
    if isinstance(value, float):
        return b"\xc1" + struct.pack(">d", value)
    if isinstance(value, date):
        return _pack(_Struct(0x44, [(value - _EPOCH).days]))
    if isinstance(value, str):
        encoded = value.encode()
        return _sized(len(encoded), 0x80, 0xD0) + encoded
    if isinstance(value, list | tuple):
        return _sized(len(value), 0x90, 0xD4) + b"".join(_pack(item) for item in value)
    if isinstance(value, dict):
        return _sized(len(value), 0xA0, 0xD8) + b"".join(
            _pack(key) + _pack(item) for key, item in value.items()
        )
    if isinstance(value, _Struct):
        return bytes([0xB0 | len(value.fields), value.tag]) + b"".join(map(_pack, value.fields))
    raise TypeError(f"the peer cannot send {type(value).__name__}")


def _sized(size: int, tiny: int, marker: int) -> bytes:
    if size < 16:
        return bytes([tiny | size])
    for offset, form in ((0, ">B"), (1, ">H"), (2, ">I")):
        if size < 2 ** (8 * struct.calcsize(form)):
            return bytes([marker + offset]) + struct.pack(form, size)
    raise ValueError("too large")


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, size: int) -> bytes:
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk

    def number(self, form: str) -> Any:
        return struct.unpack(form, self.take(struct.calcsize(form)))[0]

    def value(self) -> Any:
        marker = self.take(1)[0]
        high = marker & 0xF0
        if marker < 0x80 or marker >= 0xF0:
            return struct.unpack(">b", bytes([marker]))[0]
        if high == 0x80:
            return self.take(marker & 0x0F).decode()
        if high == 0x90:
            return [self.value() for _ in range(marker & 0x0F)]
        if high == 0xA0:
            return {self.value(): self.value() for _ in range(marker & 0x0F)}
        if high == 0xB0:
            tag = self.take(1)[0]
            return _Struct(tag, [self.value() for _ in range(marker & 0x0F)])
        simple = {0xC0: None, 0xC2: False, 0xC3: True}
        if marker in simple:
            return simple[marker]
        sizes = {0: ">B", 1: ">H", 2: ">I"}
        if marker == 0xC1:
            return self.number(">d")
        if 0xC8 <= marker <= 0xCB:
            return self.number((">b", ">h", ">i", ">q")[marker - 0xC8])
        if 0xCC <= marker <= 0xCE:
            return self.take(self.number(sizes[marker - 0xCC]))
        if 0xD0 <= marker <= 0xD2:
            return self.take(self.number(sizes[marker - 0xD0])).decode()
        if 0xD4 <= marker <= 0xD6:
            return [self.value() for _ in range(self.number(sizes[marker - 0xD4]))]
        if 0xD8 <= marker <= 0xDA:
            return {self.value(): self.value() for _ in range(self.number(sizes[marker - 0xD8]))}
        raise ValueError(f"unknown PackStream marker {marker:#x}")


async def _message(reader: asyncio.StreamReader) -> _Struct:
    body = b""
    while True:
        (size,) = struct.unpack(">H", await reader.readexactly(2))
        if size == 0:
            if body:
                break
            continue  # a NOOP chunk (keep-alive) between messages
        body += await reader.readexactly(size)
    message = _Reader(body).value()
    assert isinstance(message, _Struct)
    return message


def _send(writer: asyncio.StreamWriter, tag: int, *fields: Any) -> None:
    body = _pack(_Struct(tag, list(fields)))
    for start in range(0, len(body), 0xFFFF):
        chunk = body[start : start + 0xFFFF]
        writer.write(struct.pack(">H", len(chunk)) + chunk)
    writer.write(b"\x00\x00")


class ReadOnlyNeo4j:
    """The peer: reads from `reads`, writes refused with `refusal` (a Neo4j status code).

    `routing` answers ROUTE with no writer (a `neo4j://` driver then finds none to write
    to, and never sends a write).
    """

    def __init__(self, reads: FalkorDBStore, refusal: str) -> None:
        self.reads = reads
        self.refusal = refusal
        self.port = 0
        self.refused_writes = 0

    @property
    def bolt_url(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def routing_url(self) -> str:
        return f"neo4j://127.0.0.1:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if await reader.readexactly(4) != _MAGIC:
                return
            proposals = await reader.readexactly(16)
            offers_4_4 = any(
                proposals[at + 3] == 4
                and proposals[at + 2] - proposals[at + 1] <= 4
                and proposals[at + 2] >= 4
                for at in range(0, 16, 4)
            )
            writer.write(_BOLT_4_4 if offers_4_4 else b"\x00\x00\x00\x00")
            if not offers_4_4:
                return
            await self._conversation(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _conversation(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        failed = False
        mode: str | None = None  # the open transaction's, None outside one
        rows: list[dict[str, Any]] = []
        while True:
            message = await _message(reader)
            tag, fields = message.tag, message.fields
            if tag == _GOODBYE:
                return
            if tag == _RESET:
                failed, mode, rows = False, None, []
                _send(writer, _SUCCESS, {})
            elif failed:
                _send(writer, _IGNORED)
            elif tag == _HELLO:
                _send(writer, _SUCCESS, {"server": "Neo4j/4.4.0", "connection_id": "bolt-1"})
            elif tag == _ROUTE:
                here = f"127.0.0.1:{self.port}"
                servers = [
                    {"addresses": [here], "role": "ROUTE"},
                    {"addresses": [here], "role": "READ"},
                ]
                _send(writer, _SUCCESS, {"rt": {"ttl": 300, "db": "neo4j", "servers": servers}})
            elif tag == _BEGIN:
                mode = fields[0].get("mode", "w")
                _send(writer, _SUCCESS, {})
            elif tag == _RUN:
                query, params, extra = fields
                if (mode or extra.get("mode", "w")) != "r":
                    self.refused_writes += 1
                    failed = True
                    _send(writer, _FAILURE, {"code": self.refusal, "message": "refused"})
                else:
                    try:
                        rows = await self.reads.read(query, params)
                    except GraphError as error:
                        failed = True
                        failure = {"code": "Neo.ClientError.Statement.SyntaxError"}
                        _send(writer, _FAILURE, failure | {"message": str(error)})
                    else:
                        names = list(rows[0]) if rows else []
                        _send(writer, _SUCCESS, {"fields": names, "t_first": 0, "qid": 0})
            elif tag in (_PULL, _DISCARD):
                for row in rows if tag == _PULL else []:
                    _send(writer, _RECORD, list(row.values()))
                rows = []
                _send(writer, _SUCCESS, {"has_more": False, "type": "r", "db": "neo4j"})
            elif tag in (_COMMIT, _ROLLBACK):
                mode = None
                _send(writer, _SUCCESS, {"bookmark": "read-only:1"} if tag == _COMMIT else {})
            else:
                failed = True
                _send(
                    writer,
                    _FAILURE,
                    {"code": "Neo.ClientError.Request.Invalid", "message": f"{tag:#x}"},
                )
            await writer.drain()


@contextlib.asynccontextmanager
async def read_only_neo4j(reads: FalkorDBStore, refusal: str) -> AsyncIterator[ReadOnlyNeo4j]:
    """The peer listening on a free loopback port while the block runs."""
    peer = ReadOnlyNeo4j(reads, refusal)
    server = await asyncio.start_server(peer._serve, "127.0.0.1", 0)
    peer.port = server.sockets[0].getsockname()[1]
    try:
        yield peer
    finally:
        server.close()
        await server.wait_closed()
