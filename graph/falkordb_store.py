"""GraphStore on FalkorDB: the embedded engine's unix socket, or a standalone server by TCP."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import math
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import redis.exceptions
from falkordb.asyncio import FalkorDB
from redis.asyncio import (
    BlockingConnectionPool,
    Connection,
    SSLConnection,
    UnixDomainSocketConnection,
)
from redis.backoff import NoBackoff
from redis.retry import Retry as SyncRetry

from graph.audit_journal import AuditJournal, journal_key
from graph.cypher.access import for_caller
from graph.cypher.audit import reads_audit
from graph.deadline import MOST_STATEMENT_SECONDS, statement_seconds
from graph.errors import (
    ConstraintViolation,
    EngineRefusing,
    GraphBusy,
    GraphError,
    GraphUnavailable,
    StatementTimedOut,
)
from graph.liveness import engine_answers
from graph.observe import observed_pool_wait, observed_statement
from graph.store import Params, Row, encode_params
from graph.values import normalise
from graph.vocabulary import INDEXED_KEYS, RELATIONSHIP_TYPES, UNIQUE_KEYS

_CONSTRAINT_POLL_S = 0.05
# How long the client waits for one statement's answer: as long as the engine lets one run
# (graph/deadline.py), so it stops waiting only on an engine that hangs.
STATEMENT_TIMEOUT_S = MOST_STATEMENT_SECONDS
# How long opening a connection may take, apart from the statement timeout: the socket,
# TLS, logging in and the client's handshake (CLIENT SETINFO), and at start the client's
# first question (whether the server is a cluster). A server stopped (SIGSTOP) or wedged
# takes the socket and answers nothing: a new pooled connection waited the statement
# timeout where no request's deadline cut it short (the outbox and audit drainers, a
# health probe), and the start waited it too (and the client's retries: measured 59 s at
# a 5 s wait) before it could back off and try again (hub/app.py, open_settings_graph).
# LCS_HUB_GRAPH_CONNECT_TIMEOUT_SECONDS sets it.
CONNECT_TIMEOUT_S = 5.0
# A snapshot is a graph of its own, named after the one copied. While the process that
# made it runs, it keeps a key beside it in the engine (`<snapshot>.lease`), renewed well
# before it expires; a snapshot without one was left by a process killed mid-export and
# is removed by the next snapshot. It was kept for 24 hours by the time in its name: a
# nightly export retried sooner made a second copy beside it (the memory of three
# graphs), and one named while the clock ran ahead was never removed. The engine's own
# expiry decides now, whatever the clocks of the hosts that export.
_SNAPSHOT_MARK = ".snapshot."
_SNAPSHOT_LEASE = ".lease"
_SNAPSHOT_LEASE_S = 600
_SNAPSHOT_RENEW_S = 60.0
# How long a snapshot waits for the engine's own forked process (a file rewrite) to end.
_FORK_WAIT_S = 600.0
_FORK_RETRY_S = 1.0


def _prepared(statement: str, params: Params | None) -> tuple[str, dict[str, Any]]:
    """What is sent for `statement`: its text with the access rule cut to the caller's
    audience (graph/cypher/access.py: the engine would read every audience's patterns),
    and the parameters that text names. Running and explaining send the same."""
    text = for_caller(statement, params)
    return text, _encoded(text, params)


def _encoded(statement: str, params: Params | None) -> dict[str, Any]:
    """The parameters `statement` names, encoded. The client writes every parameter into
    the text it sends and the engine parses them all: the caller's scope travels with
    every statement, and a manager's list of reports (hundreds of ids) cost 0.7-5 ms a
    statement where the statement never reads it. A name that is part of a longer one
    ($id in $ids) is kept: sending one more is harmless, one fewer is an error."""
    named = {key: value for key, value in (params or {}).items() if f"${key}" in statement}
    encoded: dict[str, Any] = _without_nul(encode_params(named))
    return encoded


def _without_nul(value: Any) -> Any:
    # The client inlines parameters into the query text, and FalkorDB's parser refuses a
    # NUL character anywhere in it ("Failed to parse query parameter"). NUL is never
    # meaningful in a record, so it becomes U+FFFD: a key containing it still matches
    # nothing, and text keeps a visible mark where the character was.
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {key: _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


# Refusals of an engine that is up but cannot take statements now, gone once memory or
# disk is freed or the server is writable again: an outage (503), not the hub's error.
# OOM: past `maxmemory`; READONLY: a replica (after a failover); MASTERDOWN, NOREPLICAS:
# a replica cut off from its primary, or a primary without the replicas it must write
# to; TRYAGAIN, BUSY: a server mid-failover or running a script. redis-py turns some into
# classes of their own; the rest arrive as a ResponseError whose text starts with the code.
# MISCONF: a standalone server that cannot write its files (a full disk).
# Each class with the engine's code for it (what readiness reports).
_REFUSED_FOR_NOW: dict[type[Exception], str] = {
    redis.exceptions.OutOfMemoryError: "OOM",
    redis.exceptions.ReadOnlyError: "READONLY",
    redis.exceptions.TryAgainError: "TRYAGAIN",
    redis.exceptions.MasterDownError: "MASTERDOWN",
}
_REFUSED_FOR_NOW_CLASSES = tuple(_REFUSED_FOR_NOW)
# A settings error, not an outage: the server's ACL user lacks a command the hub runs.
_NOT_PERMITTED = (
    "the graph engine's user (LCS_HUB_GRAPH_USER) may not run a command the hub needs; "
    "grant it the commands the README lists"
)
_REFUSED_FOR_NOW_PREFIXES = ("MISCONF", "NOREPLICAS", "BUSY ", "MASTERDOWN", "LOADING")


@contextlib.contextmanager
def _graph_errors(timeout_ms: int | None) -> Iterator[None]:
    """The client's errors as graph/'s: what the hub answers (503, 409, a timeout) follows."""
    try:
        yield
    except _ConnectTimedOut as exc:
        raise GraphUnavailable(str(exc)) from exc
    except redis.exceptions.TimeoutError as exc:
        # Said without the engine's address (the message names its socket).
        raise GraphUnavailable(
            f"the graph engine gave no answer within {STATEMENT_TIMEOUT_S:g} s"
        ) from exc
    except redis.exceptions.ConnectionError as exc:
        # The pool reports its wait running out as a ConnectionError caused by the
        # timeout; the engine itself is then fine, only busy.
        if isinstance(exc.__cause__, TimeoutError):
            raise GraphBusy("no connection to the graph engine became free") from exc
        raise GraphUnavailable(str(exc)) from exc
    except redis.exceptions.NoPermissionError as exc:
        raise GraphError(_NOT_PERMITTED) from exc
    except _REFUSED_FOR_NOW_CLASSES as exc:
        # Said without the engine's text (it can name the server's files).
        reason = next(code for kind, code in _REFUSED_FOR_NOW.items() if isinstance(exc, kind))
        raise EngineRefusing(reason) from exc
    except redis.exceptions.ResponseError as exc:
        message = str(exc)
        if message.startswith("ACL failure"):  # a command inside the journal's script
            raise GraphError(_NOT_PERMITTED) from exc
        if message.startswith(_REFUSED_FOR_NOW_PREFIXES):
            raise EngineRefusing(message.split()[0]) from exc
        if "unique constraint" in message.lower():
            raise ConstraintViolation(message) from exc
        if message == "Query timed out":
            raise StatementTimedOut(
                f"the graph engine stopped the statement after {timeout_ms} ms"
            ) from exc
        raise GraphError(message) from exc


@dataclass(frozen=True)
class FalkorDBServer:
    """Where a standalone FalkorDB server listens, and how to log in to it.

    `tls` verifies the server's certificate against `tls_ca_file` (or the system's
    authorities when it is None) and its host name; there is no switch to turn
    verification off, because the connection carries the whole case record.
    """

    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: bool = False
    tls_ca_file: str | None = None


class _ConnectTimedOut(redis.exceptions.TimeoutError):
    """A connection not opened within the connect timeout (said without the address)."""


def _connection_options(address: str | FalkorDBServer) -> dict[str, Any]:
    if isinstance(address, str):
        return {"connection_class": UnixDomainSocketConnection, "path": address}
    options: dict[str, Any] = {
        "connection_class": SSLConnection if address.tls else Connection,
        "host": address.host,
        "port": address.port,
        "username": address.username,
        "password": address.password,
    }
    if address.tls:
        options |= {
            "ssl_cert_reqs": "required",
            "ssl_check_hostname": True,
            "ssl_ca_certs": address.tls_ca_file,
        }
    return options


class _ObservedPool(BlockingConnectionPool):
    """The blocking pool, telling observers how long each statement waited for a connection.

    The time includes opening a new connection when the pool has room for one.
    """

    async def get_connection(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        timed_out = False
        try:
            return await super().get_connection(*args, **kwargs)  # type: ignore[no-untyped-call]
        except redis.exceptions.ConnectionError as exc:
            timed_out = isinstance(exc.__cause__, TimeoutError)
            raise
        finally:
            waited = time.perf_counter() - started
            observed_pool_wait(waited, timed_out=timed_out, engine=FalkorDBStore.engine)

    async def ensure_connection(self, connection: Any) -> None:
        # The whole opening of a new connection (socket, TLS, login, the client's
        # handshake) ends within the connect timeout: the client bounds the socket alone
        # by it, and waited for the handshake's replies as long as for a statement's.
        # A connection already open passes at once.
        seconds = float(self.connection_kwargs["socket_connect_timeout"])
        try:
            async with asyncio.timeout(seconds):
                await super().ensure_connection(connection)
        except TimeoutError as exc:
            # Closed, not left half-open in the pool: the server, once resumed, would
            # answer the handshake there, and the next statement would read that answer.
            await connection.disconnect(nowait=True)
            raise _ConnectTimedOut(
                f"the graph engine took no new connection within {seconds:g} s"
            ) from exc


# The relationship types the engine already knows (FalkorDBStore._declare_relationship_types).
_RELATIONSHIP_TYPES = "CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType"
# The label of the node that declares them, deleted in the statement that made it.
_DECLARATION = "RelationshipTypeDeclaration"


class FalkorDBStore:
    """Runs statements on one named graph of a FalkorDB server.

    `address` is the embedded engine's unix socket path, or a standalone server.
    """

    engine = "falkordb"

    def __init__(
        self,
        address: str | FalkorDBServer,
        graph_name: str,
        *,
        max_connections: int = 16,
        pool_timeout: float = 10.0,
        connect_timeout: float = CONNECT_TIMEOUT_S,
        journal_audit: bool = True,
    ) -> None:
        # A blocking pool: a statement that finds every connection in use waits its turn
        # (one case view runs 11 statements at once). The default non-blocking pool failed
        # such statements at once with "Too many connections", which the hub then showed as
        # a missing child. More connections than the engine has query threads only queue
        # inside the engine, so the pool stays small and waits up to `pool_timeout`.
        self._address = address
        self._pool = _ObservedPool(
            max_connections=max_connections,
            timeout=pool_timeout,
            socket_timeout=STATEMENT_TIMEOUT_S,
            socket_connect_timeout=connect_timeout,
            decode_responses=True,
            **_connection_options(address),
        )
        # The client asks the server whether it is a cluster, synchronously, as it is
        # built, on a connection of its own made from the pool's settings: an unreachable
        # server or a refused password shows here first. For that question alone the
        # settings wait `connect_timeout` and do not retry (the synchronous client's
        # default retries three times with back-off); no pooled connection is opened
        # before they are put back.
        asked = self._pool.connection_kwargs
        asked.update(socket_timeout=connect_timeout, retry=SyncRetry(NoBackoff(), 0))
        try:
            self._db = FalkorDB(connection_pool=self._pool)
        except redis.exceptions.AuthenticationError as exc:
            # Not an outage to wait out: the settings are wrong (said without them).
            raise GraphError(
                "the graph engine refused to authenticate the hub: "
                "check LCS_HUB_GRAPH_USER and LCS_HUB_GRAPH_PASSWORD"
            ) from exc
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
            raise GraphUnavailable(f"cannot reach the graph engine: {exc}") from exc
        finally:
            asked.update(socket_timeout=STATEMENT_TIMEOUT_S)
            del asked["retry"]
        self.graph_name = graph_name
        self._graph = self._db.select_graph(graph_name)
        # The read audit is journaled in the engine beside the graph (graph/audit_journal.py);
        # `journal_audit=False` writes it straight into the graph, as the Neo4j store does.
        self.audit_journal: AuditJournal | None = (
            AuditJournal(journal_key(graph_name), self._command, self._write_unjournaled)
            if journal_audit
            else None
        )

    async def read(self, statement: str, params: Params | None = None) -> list[Row]:
        await self._drain_before(statement)
        return await self._run(statement, params, read_only=True)

    async def write(self, statement: str, params: Params | None = None) -> list[Row]:
        await self._drain_before(statement)
        return await self._run(statement, params, read_only=False)

    async def _drain_before(self, statement: str) -> None:
        # Whatever reads (or moves: a merge) the audit sees every read journaled before it.
        if self.audit_journal is not None and reads_audit(statement):
            await self.audit_journal.drain()

    async def _run(self, statement: str, params: Params | None, *, read_only: bool) -> list[Row]:
        text, encoded = _prepared(statement, params)
        # Observers see the statement end as the hub does: rows, or one of graph/'s errors.
        # Observed under its declared name.
        with observed_statement(statement, read_only=read_only, engine=self.engine):
            result = await self._execute(text, encoded, read_only=read_only)
        columns = [column[1] for column in result.header]
        return [
            {name: normalise(value) for name, value in zip(columns, row, strict=True)}
            for row in result.result_set
        ]

    async def _execute(self, statement: str, encoded: dict[str, Any], *, read_only: bool) -> Any:
        # The engine stops the statement itself at the end of its request's time (a write
        # too, rolled back: the engine is started with TIMEOUT_MAX, graph/embedded.py).
        timeout_ms = math.ceil(statement_seconds() * 1000)
        try:
            with _graph_errors(timeout_ms):
                if read_only:
                    return await self._graph.ro_query(statement, encoded, timeout=timeout_ms)
                return await self._graph.query(statement, encoded, timeout=timeout_ms)
        except GraphBusy as busy:
            # Every connection in use: by a burst (the engine answers, busy), or by
            # statements waiting on an engine that answers nothing (an outage).
            if await engine_answers(self):
                raise
            raise GraphUnavailable(
                "every connection waits on an engine that answers nothing"
            ) from busy

    async def _command(self, *args: Any) -> Any:
        """One engine command (the audit journal's stream), failing as a statement does; a
        script (the journal's append) observed as a statement is, under its declared name."""
        observed = (
            observed_statement(str(args[1]), read_only=False, engine=self.engine)
            if args[0] == "EVAL"
            else contextlib.nullcontext()
        )
        with observed, _graph_errors(None):
            return await self._db.connection.execute_command(*args)

    async def _write_unjournaled(self, statement: str, params: dict[str, Any]) -> list[Row]:
        return await self._run(statement, params, read_only=False)

    async def explain(self, statement: str, params: Params | None = None) -> list[str]:
        """The engine's plan for `statement` (GRAPH.EXPLAIN), one operation per line.

        Tests read it to prove a hot statement seeks an index instead of scanning a label.
        """
        text, encoded = _prepared(statement, params)
        try:
            plan = await self._graph.explain(text, encoded)
        except redis.exceptions.ResponseError as exc:
            raise GraphError(str(exc)) from exc
        return [line for line in str(plan).splitlines() if line.strip()]

    async def apply_schema(self) -> None:
        # FalkorDB has no constraint DDL in Cypher: a unique constraint needs an
        # exact-match index first, then a server command, and is built asynchronously.
        for label, key in {*UNIQUE_KEYS, *INDEXED_KEYS}:
            with contextlib.suppress(redis.exceptions.ResponseError):
                await self._graph.query(f"CREATE INDEX FOR (n:`{label}`) ON (n.`{key}`)")
        for label, key in UNIQUE_KEYS:
            with contextlib.suppress(redis.exceptions.ResponseError):
                await self._db.execute_command(
                    "GRAPH.CONSTRAINT",
                    "CREATE",
                    self.graph_name,
                    "UNIQUE",
                    "NODE",
                    label,
                    "PROPERTIES",
                    1,
                    key,
                )
        await self._wait_for_constraints()
        await self._declare_relationship_types()

    async def _declare_relationship_types(self) -> None:
        """Make the engine know every relationship type the statements read (graph/
        vocabulary.py says why): one of each is written and deleted in one statement, and
        the engine keeps the type."""
        known = {row["relationshipType"] for row in await self.read(_RELATIONSHIP_TYPES)}
        missing = [name for name in RELATIONSHIP_TYPES if name not in known]
        if not missing:
            return
        await self.write(
            f"CREATE (declared:{_DECLARATION})"
            + "".join(f"\nCREATE (declared)-[:`{name}`]->(declared)" for name in missing)
            + f"\nWITH 1 AS done MATCH (made:{_DECLARATION}) DETACH DELETE made"
        )

    async def _wait_for_constraints(self) -> None:
        for _ in range(400):
            rows = await self.read(
                "CALL db.constraints() YIELD label, properties, status "
                "RETURN label, properties, status"
            )
            pending = [row for row in rows if row["status"] != "OPERATIONAL"]
            failed = [row for row in rows if row["status"] == "FAILED"]
            if failed:
                raise GraphError(f"constraint could not be built (duplicates exist): {failed}")
            if not pending:
                return
            await asyncio.sleep(_CONSTRAINT_POLL_S)
        raise GraphError("constraints still pending after 20 s")

    async def drop(self) -> None:
        """Delete the whole graph (tests isolate themselves by graph name)."""
        with contextlib.suppress(redis.exceptions.ResponseError):
            await self._graph.delete()
        if self.audit_journal is not None:
            await self.audit_journal.delete()

    @contextlib.asynccontextmanager
    async def snapshot(self) -> AsyncIterator[FalkorDBStore]:
        """The graph as it is now, to read at leisure: a copy the engine makes in one step
        (GRAPH.COPY) while writes go on to the graph itself; deleted afterwards.

        The copy takes as much of the engine's memory as the graph while it exists.
        """
        await self._remove_stale_snapshots()
        # The copy holds every read journaled before it (an export carries the audit).
        if self.audit_journal is not None:
            await self.audit_journal.drain()
        name = f"{self.graph_name}{_SNAPSHOT_MARK}{int(time.time())}.{uuid.uuid4().hex[:8]}"
        # The same pool and client, another graph: closing is left to this store.
        frozen = copy.copy(self)
        frozen.graph_name = name
        frozen._graph = self._db.select_graph(name)
        # Drained above; what is journaled from now on belongs to the graph, not the copy.
        frozen.audit_journal = None
        lease = f"{name}{_SNAPSHOT_LEASE}"
        with _graph_errors(None):
            await self._db.connection.set(lease, "1", ex=_SNAPSHOT_LEASE_S)
        renewing = asyncio.create_task(self._renew_lease(lease))
        try:
            await self._copy_graph(name)
            yield frozen
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            # Also after a failed copy: a part-made one must not stay behind. An engine
            # gone by now leaves it to the next snapshot's clean-up.
            with contextlib.suppress(redis.exceptions.RedisError):
                await frozen.drop()
                await self._db.connection.delete(lease)

    async def _renew_lease(self, lease: str) -> None:
        while True:
            await asyncio.sleep(_SNAPSHOT_RENEW_S)
            # An engine briefly unreachable: the next renewal, well inside the expiry.
            with contextlib.suppress(redis.exceptions.RedisError):
                await self._db.connection.set(lease, "1", ex=_SNAPSHOT_LEASE_S)

    async def _copy_graph(self, name: str) -> None:
        # A county-sized graph takes the engine ~45 s to copy (README, Operations); the
        # wait is the statement timeout, as for any statement. The engine copies in a
        # forked process and cannot while another runs (rewriting its append-only file
        # after a start on a large file): the copy waits for that, within a bound.
        waited = 0.0
        while True:
            try:
                await self._db.execute_command("GRAPH.COPY", self.graph_name, name)
                return
            except redis.exceptions.ResponseError as exc:
                if "could not fork" not in str(exc) or waited >= _FORK_WAIT_S:
                    raise GraphError(f"the engine could not copy the graph: {exc}") from exc
            except redis.exceptions.RedisError as exc:
                raise GraphError(f"the engine could not copy the graph: {exc}") from exc
            await asyncio.sleep(_FORK_RETRY_S)
            waited += _FORK_RETRY_S

    async def _remove_stale_snapshots(self) -> None:
        # Housekeeping: an engine that cannot answer now is reported by the copy itself.
        prefix = f"{self.graph_name}{_SNAPSHOT_MARK}"
        with contextlib.suppress(redis.exceptions.RedisError):
            for name in await self._db.list_graphs():
                if not name.startswith(prefix):
                    continue
                if not await self._db.connection.exists(f"{name}{_SNAPSHOT_LEASE}"):
                    with contextlib.suppress(redis.exceptions.ResponseError):
                        await self._db.select_graph(name).delete()

    async def keeps_writes(self) -> bool:
        """Whether the server keeps what it acknowledges in an append-only file (the
        embedded engine always does); one without holds the record in memory only."""
        with _graph_errors(None):
            persistence = await self._db.connection.info("persistence")
        return bool(int(persistence.get("aof_enabled", 0)))

    async def answers(self, within: float) -> bool:
        """Whether the server answers a ping within `within` seconds, on a connection of
        its own (every pooled one may be waiting on the server). A server busy with long
        statements still answers (they run on its worker threads, the ping on its main
        thread); one stopped or wedged does not."""
        options = _connection_options(self._address)
        connection_class = options.pop("connection_class")
        connection = connection_class(
            socket_timeout=within, socket_connect_timeout=within, **options
        )
        try:
            async with asyncio.timeout(within):
                # Connecting logs in too: a stopped server takes the connection (the
                # kernel does) and never answers the login.
                await connection.connect()
                await connection.send_command("PING")
                return bool(await connection.read_response())
        except (redis.exceptions.RedisError, OSError, TimeoutError):
            return False
        finally:
            with contextlib.suppress(Exception):
                await connection.disconnect()

    async def drop_connections(self) -> None:
        """Close every pooled connection (the engine died); new ones open on use."""
        with contextlib.suppress(Exception):
            await self._pool.disconnect()

    async def close(self) -> None:
        connection: Any = self._db.connection
        with contextlib.suppress(Exception):
            await connection.aclose()
        with contextlib.suppress(Exception):
            await self._pool.disconnect()
