"""The request deadline: /graphql's (hub/graphql_view.py), and that of the paths that are
not GraphQL (`/ingest`, `/returns`).

/graphql stops a request at `LCS_HUB_REQUEST_DEADLINE_SECONDS` (hub/graphql_view.py);
a push or a download went on for as long as the engine took, up to the hang threshold
(60 s) with the engine paused. The answer at the deadline is the same 504
`DEADLINE_EXCEEDED`, in the path's own `{"error", "code"}` shape (PlainRefusalsMiddleware
turns this refusal into it).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from graph.deadline import statements_end_within
from graph.errors import StatementTimedOut
from hub.request_limits import refusal

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from starlette.requests import Request
    from starlette.responses import Response

    Endpoint = Callable[[Request], Awaitable[Response]]

log = logging.getLogger("lcs_hub.http")


class DeadlineExceeded(Exception):
    """The request ran past its deadline and was stopped."""


async def until_deadline[T](seconds: float, work: Awaitable[T]) -> T:
    """`work`'s result, or DeadlineExceeded once it has run for `seconds` (a TimeoutError
    of its own, such as the engine pool's, passes through as it is).

    The statements `work` sends are given the time left (graph/deadline.py), so the
    engine stops them too instead of running on for nobody; one it stopped is the
    deadline, whichever noticed first.
    """
    deadline = asyncio.timeout(seconds)
    try:
        with statements_end_within(seconds):
            async with deadline:
                return await work
    except TimeoutError:
        if not deadline.expired():
            raise
    except StatementTimedOut:
        pass
    log.warning("request stopped at the deadline")
    raise DeadlineExceeded


def within_deadline(endpoint: Endpoint, seconds: float, *, after: str = "") -> Endpoint:
    """`endpoint`, answering 504 once it has run for `seconds`.

    Args:
        after: what the caller should know of the work stopped, added to the answer.
    """

    async def bounded(request: Request) -> Response:
        try:
            return await until_deadline(seconds, endpoint(request))
        except DeadlineExceeded:
            message = f"the request ran past the {seconds:g} s deadline and was stopped"
            return refusal(504, "DEADLINE_EXCEEDED", f"{message}; {after}" if after else message)

    return bounded
