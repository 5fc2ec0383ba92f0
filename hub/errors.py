"""What a client is told when a request goes wrong, and what only the log is told.

A client sees its own query's problems as they are (a validation error, a limit), an
engine outage (or a form store whose disk is full) as HTTP 503 with `Retry-After`, and
anything else as "internal error" with the request id. The details (exception type and
where it was raised, never its message: an engine message quotes the statement with its
parameters, the socket path, names) go to the log under the same request id.
"""

from __future__ import annotations

import logging
import re
from types import UnionType
from typing import TYPE_CHECKING, Final

from graphql import GraphQLError, GraphQLInterfaceType, GraphQLObjectType, GraphQLSyntaxError

from connectors.livelink.form_store import FormStoreUnavailable
from graph import GraphBusy, GraphUnavailable, StatementTimedOut
from hub.logs import REQUEST_ID

if TYPE_CHECKING:
    from graphql import GraphQLSchema
    from strawberry.types import ExecutionResult

log = logging.getLogger("lcs_hub.errors")

# Long enough for the engine supervisor to restart a dead engine or for a burst to drain.
ENGINE_RETRY_AFTER_SECONDS: Final = 2
ENGINE_UNAVAILABLE_MESSAGE: Final = "the case record is unavailable right now; try again shortly"
ENGINE_BUSY_MESSAGE: Final = "the case record is too busy right now; try again shortly"
# graphql-core quotes a value it cannot take whole in its message: the client's own text,
# but half a megabyte of it came back as one message. The start says what was wrong.
MOST_MESSAGE_CHARS: Final = 1_000
DEADLINE_MESSAGE: Final = "the operation ran past its deadline and was stopped; ask for less"
STORAGE_UNAVAILABLE_MESSAGE: Final = (
    "documents cannot be stored right now; nothing was recorded, try again later"
)


def _request_id() -> str:
    return REQUEST_ID.get() or "-"


def internal_error_message() -> str:
    """What a client reads instead of an unexpected error's details."""
    return f"internal error (request {_request_id()}); details are in the hub's log"


def engine_unavailable(error: BaseException | None) -> bool:
    """Whether `error` (or what caused it) says the graph engine cannot be reached, or the
    disk the forms are kept on cannot be written: the request may be made again later."""
    return _unavailable_error(error) is not None


def _unavailable_error(error: BaseException | None) -> BaseException | None:
    return _found(error, GraphUnavailable | FormStoreUnavailable)


def _found(error: BaseException | None, kinds: type | UnionType) -> BaseException | None:
    """`error`, or what caused it, if it is one of `kinds`."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, kinds):
            return error
        error = error.__cause__ or error.__context__
        seen += 1
    return None


def stopped_at_deadline(error: BaseException | None) -> bool:
    """Whether `error` (or what caused it) is the engine stopping a statement at the end
    of its request's time (graph/deadline.py): the request ran past its deadline."""
    return _found(error, StatementTimedOut) is not None


def engine_answer(error: BaseException | None) -> tuple[str, str]:
    """The code and message for an engine that is down, or only saturated, or a form
    store that cannot write."""
    found = _unavailable_error(error)
    if isinstance(found, GraphBusy):
        return "ENGINE_BUSY", ENGINE_BUSY_MESSAGE
    if isinstance(found, FormStoreUnavailable):
        return "STORAGE_UNAVAILABLE", STORAGE_UNAVAILABLE_MESSAGE
    return "ENGINE_UNAVAILABLE", ENGINE_UNAVAILABLE_MESSAGE


# What an aliased segment of an error's path is logged as.
ALIAS: Final = "<alias>"


def field_names(schema: GraphQLSchema) -> frozenset[str]:
    """Every field name `schema` declares: the only words of a path the log may carry."""
    return frozenset(
        name
        for named in schema.type_map.values()
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
        for name in named.fields
    )


def logged_path(path: list[str | int] | None, known: frozenset[str]) -> list[str | int] | None:
    """An error's path as the log may carry it: a path is made of the response's keys,
    which a client's aliases name (a tool naming each child's part of a query after the
    child), so a segment the schema does not declare is logged as `ALIAS`."""
    if path is None:
        return None
    return [segment if isinstance(segment, int) or segment in known else ALIAS for segment in path]


def mask_errors(result: ExecutionResult, known: frozenset[str] = frozenset()) -> int | None:
    """Rewrite `result`'s errors for the client; return the HTTP status it calls for.

    `known` is the schema's field names (`field_names`): the path is logged in them.

    Returns:
        503 when the engine was unreachable or saturated (the data is withheld: a partial
        answer would read as "no such child"), 504 when it stopped a statement at the
        request's deadline (as the deadline itself answers), otherwise None (HTTP 200).
    """
    if not result.errors:
        return None
    masked: list[GraphQLError] = []
    unavailable: BaseException | None = None
    past_deadline = False
    for error in result.errors:
        original = error.original_error
        if stopped_at_deadline(original):
            past_deadline = True
            log.warning("statement stopped by the engine at the request's deadline")
        elif original is None or isinstance(original, GraphQLError):
            # The query's own problem (syntax, validation, a limit): the caller may read it.
            # Every error answers with a code, a client branches on it, never on the text.
            error.extensions = {**(error.extensions or {}), "code": error_code(error)}
            log.info(
                "graphql error",
                extra={"code": error_code(error), "path": logged_path(error.path, known)},
            )
            if len(error.message) > MOST_MESSAGE_CHARS:
                error.message = error.message[:MOST_MESSAGE_CHARS] + "…"
            masked.append(error)
        elif engine_unavailable(original):
            unavailable = original
            log.warning("graph engine unavailable", exc_info=original)
        else:
            log.error(
                "unexpected error",
                exc_info=original,
                extra={"path": logged_path(error.path, known)},
            )
            masked.append(
                GraphQLError(
                    internal_error_message(),
                    path=error.path,
                    extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": _request_id()},
                )
            )
    if unavailable is not None:
        code, message = engine_answer(unavailable)
        result.data = None
        result.errors = [
            GraphQLError(message, extensions={"code": code, "requestId": _request_id()})
        ]
        return 503
    if past_deadline:
        result.data = None
        result.errors = [
            GraphQLError(
                DEADLINE_MESSAGE,
                extensions={"code": "DEADLINE_EXCEEDED", "requestId": _request_id()},
            )
        ]
        return 504
    result.errors = masked
    return None


# graphql-core's refusals of the variables' values, checked against their types before
# anything runs (graphql/execution/values.py); they carry no class or code of their own,
# only this text. Validation's own messages about variables ("is never used", "is not
# defined", "used in position expecting") say something else.
_VARIABLE_VALUE = re.compile(
    r"Variable '\$\w+' has invalid (?:default )?value"
    r"|Variable values are nested too deeply"
    r"|Too many errors processing variables"
)


def error_code(error: GraphQLError) -> str:
    """The code a GraphQL error answers with: its own, or, for graphql-core's errors (which
    carry none), what kind of refusal it is, in the names Apollo's servers and gateways use."""
    code = (error.extensions or {}).get("code")
    if code:
        return str(code)
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    if _VARIABLE_VALUE.match(error.message):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"
