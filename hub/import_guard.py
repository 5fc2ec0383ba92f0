"""A running hub serves no store that a load (`lcs-hub import`, `demo`) has not finished.

`lcs-hub serve` refuses to start on a store a load was killed part-way into (hub/cli.py),
but a hub that was already serving when `lcs-hub import` ran into its store from the same
var directory went on serving what the killed import had half loaded, for as long as it
ran: partial records read as whole ones, and writes made into a store the next import
empties. A hub serving while the load still ran served its part too. So the hub reads
the load's mark (hub/backup.py, `ImportMarker`) on every request to the record and on
/readyz, as its start does: while a load into its graph is under way the record answers
503 `IMPORT_UNDER_WAY`, once one was interrupted 503 `IMPORT_INTERRUPTED`, and /readyz is
not ready, until the load finishes the store (`lcs-hub import FILE` or `lcs-hub demo`
again, after an interruption); then the hub serves again by itself. Without a mark the
check is one failed open of a file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from hub.request_limits import refusal

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from hub.backup import ImportMarker

# How soon a client may try again: a file import takes minutes.
RETRY_AFTER_SECONDS: Final = 30
IMPORT_INTERRUPTED: Final = "IMPORT_INTERRUPTED"
IMPORT_UNDER_WAY: Final = "IMPORT_UNDER_WAY"


class InterruptedImportMiddleware:
    """Answers requests under `guarded_prefixes` 503 while `marker`'s load is unfinished."""

    def __init__(
        self, app: ASGIApp, *, marker: ImportMarker, guarded_prefixes: tuple[str, ...]
    ) -> None:
        self.app = app
        self._marker = marker
        self._guarded = guarded_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        unfinished = (
            self._marker.unfinished()
            if scope["type"] == "http" and scope.get("path", "").startswith(self._guarded)
            else None
        )
        if unfinished is None:
            await self.app(scope, receive, send)
            return
        graph = self._marker.graph
        code, message = (
            (
                IMPORT_UNDER_WAY,
                f"a load into graph {graph!r} is under way; nothing is served until it is finished",
            )
            if unfinished == "under way"
            else (
                IMPORT_INTERRUPTED,
                f"a load into graph {graph!r} was interrupted part-way; nothing is served "
                "until it is finished (`lcs-hub import FILE` or `lcs-hub demo` again)",
            )
        )
        answer = refusal(503, code, message, {"Retry-After": str(RETRY_AFTER_SECONDS)})
        await answer(scope, receive, send)
