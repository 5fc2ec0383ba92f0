"""Strawberry's ASGI view with the hub's bounds and error answers around it.

- A body that is not a JSON object with a string `query` answers 400 (it gave a 500).
- An operation name over the bound answers 400 before anything runs: it is written to
  every audit row of the request, and a client chooses it.
- A request running past the deadline (its context read included) is stopped: 504, or
  503 `ENGINE_UNAVAILABLE` when the engine answers no ping either (hub/route_deadline.py).
- Errors are masked (hub/errors.py); an engine outage answers 503 with `Retry-After`.
- A response over the size bound is replaced by an error saying so.
Every refusal is GraphQL-shaped JSON (`errors[].extensions.code`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from strawberry.asgi import GraphQL
from strawberry.schema import Schema

from hub.errors import (
    ENGINE_RETRY_AFTER_SECONDS,
    ENGINE_UNAVAILABLE_MESSAGE,
    error_code,
    field_names,
    mask_errors,
)
from hub.metrics import note_graphql_error
from hub.route_deadline import DeadlineExceeded, EngineHung, until_deadline
from resolvers.context import HubContext

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send
    from strawberry.http import GraphQLHTTPResponse
    from strawberry.schema import BaseSchema
    from strawberry.types import ExecutionResult

    from graph import GraphStore

log = logging.getLogger("lcs_hub.graphql")

# Strawberry's HTTP refusals carry only a reason; the code names the rule.
_CODES = {400: "BAD_REQUEST", 405: "METHOD_NOT_ALLOWED", 413: "REQUEST_TOO_LARGE"}


@dataclass(frozen=True)
class ViewLimits:
    """The bounds the view itself enforces (the document's are in schema/limits.py)."""

    deadline_seconds: float = 20.0
    max_response_bytes: int = 10_485_760
    max_operation_name_chars: int = 100


class BoundedGraphQL(GraphQL[HubContext, None]):
    """Strawberry's view, bounded."""

    def __init__(
        self,
        schema: BaseSchema,
        limits: ViewLimits,
        *,
        engine: GraphStore | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(schema, **kwargs)
        self.limits = limits
        # Asked at the deadline whether it answers at all (hub/route_deadline.py).
        self._engine = engine
        # The words an error's path may be logged in (hub/errors.py: never an alias).
        self._field_names = (
            field_names(schema._schema) if isinstance(schema, Schema) else frozenset[str]()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            # The deadline covers the whole request: reading the caller's worker record
            # (the context) as well as the operation; the body's arrival is bounded by
            # LCS_HUB_REQUEST_READ_SECONDS before the app sees it.
            response = await until_deadline(
                self.limits.deadline_seconds,
                self.run(Request(scope=scope, receive=receive)),
                engine=self._engine,
            )
        except EngineHung:
            response = _refusal(503, "ENGINE_UNAVAILABLE", ENGINE_UNAVAILABLE_MESSAGE)
        except DeadlineExceeded:
            response = _refusal(
                504,
                "DEADLINE_EXCEEDED",
                f"the operation ran past the {self.limits.deadline_seconds:g} s deadline "
                "and was stopped; ask for less",
            )
        except HTTPException as refusal:
            code = _CODES.get(refusal.status_code, "BAD_REQUEST")
            response = _refusal(refusal.status_code, code, refusal.reason)
        await response(scope, receive, send)

    async def get_sub_response(self, request: Any) -> Response:
        # The response whose status and headers the final answer takes (see process_result).
        sub_response = await super().get_sub_response(request)
        request.state.sub_response = sub_response
        return sub_response

    async def parse_http_body(self, request: Any) -> Any:
        try:
            data = await super().parse_http_body(request)
        except HTTPException:
            raise
        except (ValueError, TypeError, AttributeError) as error:
            # A body that is JSON but not an object (`1`, `"x"`, `null`), or not UTF-8.
            raise HTTPException(
                400, "the body must be a JSON object with a string `query`"
            ) from error
        except RecursionError:
            # Arrays or objects nested deeper than the JSON decoder goes: a few KB of
            # brackets, well inside the body bound.
            raise HTTPException(400, "the body's JSON is nested too deeply") from None
        for item in data if isinstance(data, list) else [data]:
            name = item.operation_name
            if name is not None and not isinstance(name, str):
                raise HTTPException(400, "`operationName` must be a string")
            if name is not None and len(name) > self.limits.max_operation_name_chars:
                raise HTTPException(
                    400,
                    f"`operationName` is over {self.limits.max_operation_name_chars} characters",
                )
        return data

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        status = mask_errors(result, self._field_names)
        for error in result.errors or ():
            note_graphql_error(error_code(error))
        if status is not None:
            sub_response: Response = request.state.sub_response
            sub_response.status_code = status
            if status == 503:
                sub_response.headers["Retry-After"] = str(ENGINE_RETRY_AFTER_SECONDS)
        return await super().process_result(request, result)

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if len(response.body) > self.limits.max_response_bytes:
            log.warning(
                "response over the size bound withheld", extra={"bytes": len(response.body)}
            )
            return _refusal(
                200,
                "RESPONSE_TOO_LARGE",
                f"the response would be over {self.limits.max_response_bytes} bytes; "
                "ask for fewer fields or fewer children at once",
            )
        return response


def _refusal(status: int, code: str, message: str) -> JSONResponse:
    note_graphql_error(code)
    headers = {"Retry-After": str(ENGINE_RETRY_AFTER_SECONDS)} if status == 503 else None
    return JSONResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=headers,
    )
