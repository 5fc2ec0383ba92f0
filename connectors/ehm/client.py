"""The hub's client of EHM's receiving end: requests for early help, over HTTP and JSON.

The protocol (the EHM side implements it; `tests/connectors/ehm/fake_ehm.py` is a
conformant fake):

``PUT {LCS_HUB_EHM_URL}/early-help-requests/{requestId}``
    Headers: ``Content-Type: application/json``, ``Idempotency-Key: {requestId}``, and
    ``Authorization: Bearer {LCS_HUB_EHM_TOKEN}`` when a token is configured.

    Body (JSON object)::

        {"requestId": "...",            # the hub's record id: the idempotency key
         "kind": "STEP_DOWN",
         "origin": "CONTACT" | "CASE_CLOSURE",
         "originId": "...",             # the contact, or the episode of need (referral)
         "happenedOn": "YYYY-MM-DD",    # the day the step down was decided
         "reason": {"code": "CONTACT_STEP_DOWN" | "RC9", "description": "..."},
         "summary": "..." | null,       # what the contact said (contacts only)
         "child": {"lcsChildId", "givenName", "familyName", "dateOfBirth", "sex",
                   "nhsNumber", "upn"},  # null when not known
         "worker": {"id", "name", "email", "phone", "team"},
         "earlyHelpRecordIds": ["..."], # EHM's own ids of the child's records in the hub
         "recordedAt": "ISO 8601 instant, UTC"}

    Answers: ``201`` (created) or ``200`` (this requestId was taken before: the first
    body stands, nothing is created again), each with ``{"ehmReference": "..."}``.
    Because a requestId is taken once, the hub may repeat a PUT as often as it needs to
    (a lost reply, a crashed worker): EHM holds one request.

    Errors: ``400``/``404``/``409``/``422`` refuse the request for good (the hub parks
    it as FAILED with the status, never EHM's own text, which may repeat the child's
    details, for a records officer to replay); ``401``/``403``
    (the hub's credentials), ``408``, ``429``, ``5xx`` (``Retry-After`` honoured),
    timeouts and lost connections are retried with back-off for as long as it takes.

``PUT {LCS_HUB_EHM_URL}/early-help-requests/{requestId}/recall``
    The step down no longer stands (the closure that sent it was made in error and the
    episode is reopened, or its referral is withdrawn as recorded in error): EHM closes
    the request it took under ``requestId``. Headers as above, with
    ``Idempotency-Key: {recallId}``. Body::

        {"recallId": "...",             # the hub's id of the recall: the idempotency key
         "requestId": "...",
         "kind": "STEP_DOWN_RECALLED",
         "recalledOn": "YYYY-MM-DD",    # the day the manager corrected the record
         "reason": "...",               # why the step down no longer stands
         "worker": {"id", "name", "email", "phone", "team"},
         "recordedAt": "ISO 8601 instant, UTC"}

    Answers: ``200``/``201`` with ``{"ehmReference": ...}`` (a repeat answers as the
    first did), or ``404`` when EHM never took that request (nothing to recall: done).
    Other errors as above. The hub sends a recall only after the request's own delivery
    has settled, and never sends a request once it is recalled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Self

import anyio
import httpx

from connectors.livelink.backoff import retry_after_seconds
from connectors.livelink.bounded_reply import EHM_MOST_BYTES, ReplyTooLarge, send_bounded
from connectors.livelink.delivery_port import DeliveryRejected, DeliveryUnavailable, status_text

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["EhmClient", "EhmSettings"]

REQUESTS_PATH: Final = "/early-help-requests"
_REFUSED: Final = frozenset({400, 404, 409, 422})


@dataclass(frozen=True, slots=True)
class EhmSettings:
    """Where EHM's receiving end is and how to call it.

    Attributes:
        base_url: e.g. ``https://ehm.example/api/lcs`` (the paths above are under it).
        token: the bearer token EHM gave the hub, if it asks for one (never logged).
        timeout_seconds: the deadline of each call, connecting included.
        verify_tls: check EHM's certificate (always, outside tests on loopback).
    """

    base_url: str
    token: str | None = None
    timeout_seconds: float = 30.0
    verify_tls: bool = True

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError("LCS_HUB_EHM_URL must be an http:// or https:// URL")
        if not 0 < self.timeout_seconds <= 600:
            raise ValueError("LCS_HUB_EHM_TIMEOUT_SECONDS must be above 0 and at most 600")


class EhmClient:
    """Sends requests for early help to EHM (one connection pool; close with `aclose`)."""

    def __init__(
        self, settings: EhmSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        """A client; `transport` replaces the network (tests)."""
        self._settings = settings
        headers = {"Accept": "application/json"}
        if settings.token:
            headers["Authorization"] = f"Bearer {settings.token}"
        self._client = httpx.AsyncClient(
            base_url=settings.base_url.rstrip("/"),
            headers=headers,
            timeout=settings.timeout_seconds,
            verify=settings.verify_tls,
            transport=transport,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def put_early_help_request(self, request_id: str, body: dict[str, Any]) -> str | None:
        """Send one request for early help; return EHM's reference for it.

        Raises:
            DeliveryUnavailable: EHM cannot take it now (retry later).
            DeliveryRejected: EHM refused it and would again.
        """
        response = await self._put(f"{REQUESTS_PATH}/{request_id}", request_id, body)
        return _reference(response)

    async def put_early_help_recall(
        self, request_id: str, recall_id: str, body: dict[str, Any]
    ) -> tuple[bool, str | None]:
        """Recall the request EHM took under `request_id`: whether EHM held it (False:
        it never took it, so nothing stands there), and EHM's reference for the recall.

        Raises:
            DeliveryUnavailable: EHM cannot take it now (retry later).
            DeliveryRejected: EHM refused it and would again.
        """
        response = await self._put(
            f"{REQUESTS_PATH}/{request_id}/recall", recall_id, body, missing_is_an_answer=True
        )
        if response.status_code == 404:
            return False, None
        return True, _reference(response)

    async def _put(
        self, path: str, key: str, body: dict[str, Any], *, missing_is_an_answer: bool = False
    ) -> httpx.Response:
        try:
            # httpx's timeout bounds each read; the deadline bounds the whole call, so
            # a server that trickles bytes cannot hold a delivery forever.
            with anyio.fail_after(self._settings.timeout_seconds):
                request = self._client.build_request(
                    "PUT", path, json=body, headers={"Idempotency-Key": key}
                )
                response = await send_bounded(self._client, request, EHM_MOST_BYTES)
        except ReplyTooLarge as error:
            raise DeliveryUnavailable(f"EHM PUT {REQUESTS_PATH}: {error}") from error
        except TimeoutError as error:
            raise DeliveryUnavailable(
                f"EHM PUT {REQUESTS_PATH}: no answer within {self._settings.timeout_seconds:g} s"
            ) from error
        except httpx.TransportError as error:
            raise DeliveryUnavailable(f"EHM PUT {REQUESTS_PATH}: {type(error).__name__}") from error
        status = response.status_code
        if status in (200, 201) or (status == 404 and missing_is_an_answer):
            return response
        # The status only: EHM's own text may repeat the child's details it was sent, and
        # this detail is kept on the outbox item for records officers.
        detail = f"EHM PUT {REQUESTS_PATH}: {status_text(status)}"
        if status in _REFUSED:
            raise DeliveryRejected(detail)
        raise DeliveryUnavailable(
            detail,
            retry_after_seconds=retry_after_seconds(
                response.headers.get("Retry-After"), response.headers.get("Date")
            ),
        )


def _reference(response: httpx.Response) -> str | None:
    try:
        payload = response.json()
    except ValueError:
        return None
    reference = payload.get("ehmReference") if isinstance(payload, dict) else None
    return str(reference)[:100] if reference is not None else None
