"""A running hub stops serving a store that an import was killed part-way into.

`lcs-hub serve` refuses to start on such a store (hub/cli.py), but a hub that was already
serving when `lcs-hub import` ran into its store from the same var directory went on
serving what the killed import had half loaded, for as long as it ran: partial records
read as whole ones, and writes made into a store the next import empties. So the hub
reads the import's mark (hub/backup.py, `ImportMarker`) on every request to the record and
on /readyz, as its start does: while an import into its graph is interrupted, the record
answers 503 `IMPORT_INTERRUPTED` and /readyz is not ready, until `lcs-hub import FILE`
(or `lcs-hub demo --reset`) finishes the store; then the hub serves again by itself.
Without a mark the check is one failed open of a file.
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


class InterruptedImportMiddleware:
    """Answers requests under `guarded_prefixes` 503 while `marker`'s import is interrupted."""

    def __init__(
        self, app: ASGIApp, *, marker: ImportMarker, guarded_prefixes: tuple[str, ...]
    ) -> None:
        self.app = app
        self._marker = marker
        self._guarded = guarded_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope.get("path", "").startswith(self._guarded)
            and self._marker.interrupted()
        ):
            answer = refusal(
                503,
                IMPORT_INTERRUPTED,
                f"a load into graph {self._marker.graph!r} was interrupted part-way; "
                "nothing is served until it is finished (`lcs-hub import FILE` or "
                "`lcs-hub demo` again)",
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            await answer(scope, receive, send)
            return
        await self.app(scope, receive, send)
