"""GraphStore on Neo4j (production): the official async driver over bolt/neo4j URLs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import neo4j
import neo4j.exceptions

from graph.cypher.access import for_caller
from graph.cypher.housekeeping import ROLLED_BACK_WRITE_PROBE
from graph.deadline import statement_seconds
from graph.errors import (
    ConstraintViolation,
    EngineRefusing,
    GraphBusy,
    GraphError,
    GraphUnavailable,
    StatementTimedOut,
)
from graph.observe import observed_statement
from graph.store import Params, Row, encode_params
from graph.values import normalise
from graph.vocabulary import INDEXED_KEYS, UNIQUE_KEYS


def _timed_out(error: Exception) -> bool:
    # The database ended the transaction at its timeout: TransactionTimedOut (a transient
    # error in some versions, which the driver's retries end in) or, for a timeout the
    # client gave, TransactionTimedOutClientConfiguration (5.x).
    return ".Transaction.TransactionTimedOut" in (getattr(error, "code", None) or "")


# A database that answers reads and refuses writes for now, by the server's status code:
# a cluster member that is not the leader (NotALeader), a database set read-only
# (ForbiddenOnReadOnlyDatabase; General.ReadOnly before Neo4j 4). The driver raises the
# first two as themselves (routing) or as the WriteServiceUnavailable they caused (a
# direct connection), and a routing driver finding no writer in its table (a cluster
# between leaders) raises WriteServiceUnavailable with no server code at all.
_REFUSED_WRITE_CODES = frozenset(
    {
        "Neo.ClientError.Cluster.NotALeader",
        "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase",
        "Neo.ClientError.General.ReadOnly",
    }
)
_NO_WRITER = "WriteServiceUnavailable"


def _write_refusal(error: BaseException) -> str | None:
    """The code of a refusal to write anywhere in `error`'s chain (the server's status
    code over the driver's "no writer"), or None."""
    reason: str | None = None
    link: BaseException | None = error
    while link is not None:
        code = getattr(link, "code", None)
        if code in _REFUSED_WRITE_CODES:
            return str(code)
        if isinstance(link, neo4j.exceptions.WriteServiceUnavailable):
            reason = _NO_WRITER
        link = link.__cause__ or link.__context__
    return reason


# Errors that mean the database cannot serve now rather than a fault in a statement.
_UNAVAILABLE = (
    neo4j.exceptions.ServiceUnavailable,
    neo4j.exceptions.SessionExpired,
    # A refused login is the database being unusable to us, not a fault in a statement.
    neo4j.exceptions.AuthError,
    # What the driver still raises once its retries ran out (a database stopped,
    # starting or between leaders; a deadlock or lock timeout): try again later.
    neo4j.exceptions.TransientError,
)


def _as_graph_error(
    error: neo4j.exceptions.Neo4jError | neo4j.exceptions.DriverError,
) -> GraphError:
    if _timed_out(error):
        return StatementTimedOut("the graph database stopped the statement")
    if (refusal := _write_refusal(error)) is not None:
        # Said by its code alone: the driver's text names the server's address.
        return EngineRefusing(refusal)
    if isinstance(error, _UNAVAILABLE):
        return GraphUnavailable(str(error))
    return GraphError(str(error))


@contextlib.contextmanager
def _graph_errors() -> Iterator[None]:
    """Raise the driver's errors as the store's, the same whichever engine is underneath."""
    try:
        yield
    except neo4j.exceptions.ConnectionAcquisitionTimeoutError as exc:
        raise GraphBusy("no connection to the graph database became free") from exc
    except neo4j.exceptions.ConstraintError as exc:
        raise ConstraintViolation(str(exc)) from exc
    except (*_UNAVAILABLE, neo4j.exceptions.Neo4jError) as exc:
        raise _as_graph_error(exc) from exc


@contextlib.asynccontextmanager
async def _answered_within(seconds: float) -> AsyncIterator[None]:
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError as exc:
        raise GraphUnavailable(f"the graph database gave no answer within {seconds:g} s") from exc


# How long the check at start waits for the database to take a connection and a login:
# the connection's wait covers only its TCP connect; the acquisition's covers the
# handshake and the login too, which a database stopped (SIGSTOP) or wedged never answers
# (the driver's own wait, 60 s, held the start's back-off off for as long).
_REACH_SECONDS = 5.0


def check_reachable(url: str, *, user: str | None, password: str | None) -> None:
    """Connect and log in once, on a driver of its own (the store's driver connects only at
    its first statement, in the event loop that serves): a database not up yet is an
    outage to wait out, a refused login the settings to mend.

    Raises:
        GraphUnavailable: the database cannot be reached (not up yet, no leader, network).
        GraphError: it refused the hub's login (said without the credentials).
    """
    auth = (user, password or "") if user else None
    try:
        with neo4j.GraphDatabase.driver(
            url,
            auth=auth,
            connection_timeout=_REACH_SECONDS,
            connection_acquisition_timeout=_REACH_SECONDS,
            max_connection_pool_size=1,
        ) as driver:
            driver.verify_connectivity()
    except neo4j.exceptions.AuthError as exc:
        raise GraphError(
            "the graph database refused to authenticate the hub: "
            "check LCS_HUB_GRAPH_USER and LCS_HUB_GRAPH_PASSWORD"
        ) from exc
    except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError, OSError) as exc:
        # The kind only: the driver's text names the server's address.
        raise GraphUnavailable(f"cannot reach the graph database ({type(exc).__name__})") from exc


class Neo4jStore:
    """Runs each statement in its own managed transaction (retried on transient errors)."""

    engine = "neo4j"

    def __init__(
        self,
        url: str,
        *,
        user: str | None,
        password: str | None,
        database: str | None,
        max_connections: int = 16,
        pool_timeout: float = 10.0,
    ) -> None:
        auth = (user, password or "") if user else None
        self._pool_timeout = pool_timeout
        # The driver's pool blocks for a free connection too; its wait ends in GraphBusy.
        # Its retries of transient failures are bounded by the same wait (the driver's
        # default is 30 s, longer than a request may run), so an unreachable database
        # answers 503 within the request's deadline.
        self._driver = neo4j.AsyncGraphDatabase.driver(
            url,
            auth=auth,
            max_connection_pool_size=max_connections,
            connection_acquisition_timeout=pool_timeout,
            max_transaction_retry_time=pool_timeout,
        )
        self._database = database

    async def read(self, statement: str, params: Params | None = None) -> list[Row]:
        return await self._run(statement, params, access=neo4j.READ_ACCESS)

    async def write(self, statement: str, params: Params | None = None) -> list[Row]:
        return await self._run(statement, params, access=neo4j.WRITE_ACCESS)

    async def _run(self, statement: str, params: Params | None, *, access: str) -> list[Row]:
        encoded = encode_params(params)

        async def work(tx: neo4j.AsyncManagedTransaction) -> list[Row]:
            result = await tx.run(for_caller(statement, params), encoded)
            records = [record async for record in result]
            return [
                {key: normalise(value) for key, value in record.items()}  # type: ignore[no-untyped-call]
                for record in records
            ]

        # The database ends the transaction when the request's time is up (the driver
        # sends the timeout with BEGIN; Neo4j 4.2 to 5.2 ignore one longer than the
        # server's own db.transaction.timeout).
        seconds = statement_seconds()
        bounded = neo4j.unit_of_work(timeout=seconds)(work)
        read_only = access == neo4j.READ_ACCESS
        with (
            observed_statement(statement, read_only=read_only, engine=self.engine),
            _graph_errors(),
        ):
            # The database ends the transaction, but one stopped (SIGSTOP) or wedged
            # answers nothing, and the driver has no read timeout: the statement waited
            # for ever where no request's deadline cancels it (the outbox worker, an
            # import), as FalkorDB's client does not (its socket timeout).
            async with (
                _answered_within(self._answer_wait(seconds)),
                self._driver.session(database=self._database, default_access_mode=access) as s,
            ):
                if read_only:
                    return await s.execute_read(bounded)
                return await s.execute_write(bounded)

    def _answer_wait(self, seconds: float) -> float:
        """How long a statement given `seconds` on the database is waited for: those, its
        wait for a connection and the driver's retries, each as long as the pool's wait."""
        return seconds + 2 * self._pool_timeout

    async def apply_schema(self) -> None:
        statements: list[str] = []
        for label, key in UNIQUE_KEYS:
            statements.append(
                f"CREATE CONSTRAINT lcs_{label.lower()}_{key.lower()}_unique IF NOT EXISTS "
                f"FOR (n:`{label}`) REQUIRE n.`{key}` IS UNIQUE"
            )
        for label, key in INDEXED_KEYS:
            statements.append(
                f"CREATE INDEX lcs_{label.lower()}_{key.lower()} IF NOT EXISTS "
                f"FOR (n:`{label}`) ON (n.`{key}`)"
            )
        with _graph_errors():
            async with self._driver.session(database=self._database) as session:
                for statement in statements:
                    # Bounded as every statement is (`_run`): a database that stopped
                    # answering after the check at start held the start for ever.
                    async with _answered_within(self._answer_wait(statement_seconds())):
                        result: Any = await session.run(statement)
                        await result.consume()

    async def probe_write(self) -> None:
        """Start a write the database refuses exactly when it refuses writes, and roll it
        back (graph/writable.py). FalkorDB's probe, a statement that writes nothing, is
        none here: Neo4j refuses a transaction's first write, not its mode. One explicit
        transaction, which the driver does not retry: a refusal is heard at once, not
        after the retries' wait (the pool's, longer than readiness waits).

        Raises:
            EngineRefusing: the database refuses writes now (its status code).
            GraphError: it cannot be reached, or failed otherwise.
        """
        with _graph_errors():
            async with (
                self._driver.session(
                    database=self._database, default_access_mode=neo4j.WRITE_ACCESS
                ) as session,
                await session.begin_transaction(timeout=statement_seconds()) as tx,
            ):
                result = await tx.run(ROLLED_BACK_WRITE_PROBE)
                await result.consume()
                await tx.rollback()

    async def answers(self, within: float) -> bool:
        """Whether the database answers the driver's connectivity check within `within`
        seconds (a database stopped or wedged does not)."""
        try:
            async with asyncio.timeout(within):
                await self._driver.verify_connectivity()
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError, OSError, TimeoutError):
            return False
        return True

    async def close(self) -> None:
        await self._driver.close()
