"""The request deadline: /graphql's (hub/graphql_view.py), and that of the paths that are
not GraphQL (`/ingest`, `/returns`).

/graphql stops a request at `LCS_HUB_REQUEST_DEADLINE_SECONDS` (hub/graphql_view.py);
a push or a download went on for as long as the engine took, up to the hang threshold
(60 s) with the engine paused. The answer at the deadline is the same 504
`DEADLINE_EXCEEDED`, in the path's own `{"error", "code"}` shape (PlainRefusalsMiddleware
turns this refusal into it); or, when the engine answers no ping either (stopped, wedged),
the outage's 503 `ENGINE_UNAVAILABLE` with `Retry-After`: nothing the caller could ask
less of.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from graph.deadline import statements_end_within
from graph.errors import StatementTimedOut
from graph.liveness import engine_answers
from hub.errors import ENGINE_RETRY_AFTER_SECONDS, ENGINE_UNAVAILABLE_MESSAGE
from hub.request_limits import refusal

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from starlette.requests import Request
    from starlette.responses import Response

    from graph import GraphStore

    Endpoint = Callable[[Request], Awaitable[Response]]

log = logging.getLogger("lcs_hub.http")


class DeadlineExceeded(Exception):
    """The request ran past its deadline and was stopped."""


class EngineHung(Exception):
    """The request ran to its deadline waiting on an engine that answers nothing (stopped,
    wedged): an outage, not a request asking too much."""


async def until_deadline[T](
    seconds: float, work: Awaitable[T], *, engine: GraphStore | None = None
) -> T:
    """`work`'s result, or DeadlineExceeded once it has run for `seconds` (a TimeoutError
    of its own, such as the engine pool's, passes through as it is).

    The statements `work` sends are given the time left (graph/deadline.py), so the
    engine stops them too instead of running on for nobody; one it stopped is the
    deadline, whichever noticed first.

    Raises:
        EngineHung: at the deadline, `engine` answered no ping either (graph/liveness.py).
    """
    deadline = asyncio.timeout(seconds)
    try:
        with statements_end_within(seconds):
            async with deadline:
                return await work
    except TimeoutError:
        if not deadline.expired():
            raise
        # The hub stopped waiting, not the engine: a busy engine still answers a ping, a
        # hung one (a standalone server nobody here restarts) does not.
        if engine is not None and not await engine_answers(engine):
            log.warning("request stopped at the deadline: the graph engine answers nothing")
            raise EngineHung from None
    except StatementTimedOut:
        # The engine itself stopped the statement: it answers.
        pass
    log.warning("request stopped at the deadline")
    raise DeadlineExceeded


def within_deadline(
    endpoint: Endpoint, seconds: float, *, after: str = "", engine: GraphStore | None = None
) -> Endpoint:
    """`endpoint`, answering 504 once it has run for `seconds`, or 503 with `Retry-After`
    when `engine` answers nothing by then.

    Args:
        after: what the caller should know of the work stopped, added to the answer.
    """

    async def bounded(request: Request) -> Response:
        try:
            return await until_deadline(seconds, endpoint(request), engine=engine)
        except EngineHung:
            return refusal(
                503,
                "ENGINE_UNAVAILABLE",
                ENGINE_UNAVAILABLE_MESSAGE,
                {"Retry-After": str(ENGINE_RETRY_AFTER_SECONDS)},
            )
        except DeadlineExceeded:
            message = f"the request ran past the {seconds:g} s deadline and was stopped"
            return refusal(504, "DEADLINE_EXCEEDED", f"{message}; {after}" if after else message)

    return bounded
