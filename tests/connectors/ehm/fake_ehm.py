"""A fake of EHM's receiving end for tests: the protocol in `connectors/ehm/client.py`.

It keeps what a real EHM must: one request per requestId however often it is PUT (the
first body stands; a repeat answers 200 with the same reference), the body's requestId
and the `Idempotency-Key` header agree with the path, the fields the protocol names are
there (else 422), and the bearer token is checked when one is set.

Faults: `fail_next(n, status)` answers the next n calls with an error before doing
anything; `hang_next(n)` waits (longer than any client deadline) before doing anything;
`lose_next_responses(n)` takes the request and then waits, as if the reply were lost.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

REQUIRED = ("requestId", "kind", "origin", "happenedOn", "reason", "child", "worker")
RECALL_REQUIRED = ("recallId", "requestId", "kind", "recalledOn", "reason", "worker")
HANG_SECONDS = 3600.0


@dataclass
class FakeEhm:
    token: str | None = None
    # requestId -> the first body taken under it.
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    # requestId -> the first recall of it taken.
    recalls: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: int = 0
    _faults: list[tuple[str, int]] = field(default_factory=list)
    # What EHM says when it refuses (its own error text).
    refusal: str = "EHM is having a bad day"

    def fail_next(self, count: int, status: int = 500) -> None:
        self._faults.extend(("fail", status) for _ in range(count))

    def hang_next(self, count: int) -> None:
        self._faults.extend(("hang", 0) for _ in range(count))

    def lose_next_responses(self, count: int) -> None:
        self._faults.extend(("lose", 0) for _ in range(count))

    @property
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/early-help-requests/{requestId}", self._put, methods=["PUT"]),
                Route("/early-help-requests/{requestId}/recall", self._recall, methods=["PUT"]),
            ]
        )

    def _unknown_client(self, request: Request) -> bool:
        return self.token is not None and request.headers.get("authorization") != (
            f"Bearer {self.token}"
        )

    async def _recall(self, request: Request) -> Response:
        self.calls += 1
        if self._unknown_client(request):
            return JSONResponse({"error": "unknown client"}, status_code=401)
        request_id = request.path_params["requestId"]
        body = await _body_with(request, RECALL_REQUIRED)
        if isinstance(body, Response):
            return body
        if (
            body["requestId"] != request_id
            or request.headers.get("idempotency-key") != (body["recallId"])
        ):
            return JSONResponse({"error": "requestId, key and path disagree"}, status_code=422)
        if request_id not in self.requests:
            return JSONResponse({"error": "no such request"}, status_code=404)
        created = request_id not in self.recalls
        if created:
            self.recalls[request_id] = body
        return JSONResponse(
            {"ehmReference": f"EH-R-{list(self.recalls).index(request_id) + 1:05d}"},
            status_code=201 if created else 200,
        )

    async def _put(self, request: Request) -> Response:
        self.calls += 1
        fault, status = self._faults.pop(0) if self._faults else ("", 0)
        if fault == "fail":
            return JSONResponse({"error": self.refusal}, status_code=status)
        if fault == "hang":
            await anyio.sleep(HANG_SECONDS)
        if self._unknown_client(request):
            return JSONResponse({"error": "unknown client"}, status_code=401)
        request_id = request.path_params["requestId"]
        body = await _body_with(request, REQUIRED)
        if isinstance(body, Response):
            return body
        if body["requestId"] != request_id or request.headers.get("idempotency-key") != request_id:
            return JSONResponse({"error": "requestId, key and path disagree"}, status_code=422)
        created = request_id not in self.requests
        if created:
            self.requests[request_id] = body
        answer = JSONResponse(
            {"ehmReference": f"EH-{list(self.requests).index(request_id) + 1:05d}"},
            status_code=201 if created else 200,
        )
        if fault == "lose":
            await anyio.sleep(HANG_SECONDS)
        return answer


async def _body_with(request: Request, required: Iterable[str]) -> dict[str, Any] | Response:
    """The JSON body, or EHM's answer to one that is not JSON (400) or lacks a required
    field (422)."""
    try:
        body = json.loads(await request.body())
    except ValueError:
        return JSONResponse({"error": "the body is not JSON"}, status_code=400)
    missing = [name for name in required if not isinstance(body, dict) or name not in body]
    if missing:
        return JSONResponse({"error": f"missing {', '.join(missing)}"}, status_code=422)
    return body  # type: ignore[no-any-return]
