"""Step down: the outbox's EHM port, which delivers requests for early help to EHM.

A `REQUEST_EARLY_HELP` item was written with its `EarlyHelpRequest` when a contact was
finalised as a step down, or an episode closed RC9 (graph/cypher/early_help.py). The
request goes to EHM under its own id (`connectors/ehm/client.py`), so a retry or a
takeover never makes EHM hold it twice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Final

from connectors.livelink.delivery_port import DeliveryRejected
from graph.cypher import early_help as statements

if TYPE_CHECKING:
    from connectors.ehm.client import EhmClient
    from graph import GraphStore, Params, Row

__all__ = ["EARLY_HELP_KINDS", "EarlyHelpRequests", "request_body"]

EARLY_HELP_KINDS: Final = frozenset({"REQUEST_EARLY_HELP"})


class EarlyHelpRequests:
    """Delivers requests for early help to EHM."""

    name = "ehm"
    kinds = EARLY_HELP_KINDS

    def __init__(self, store: GraphStore, client: EhmClient) -> None:
        self.store = store
        self.client = client

    async def deliver(self, item: Row) -> tuple[str, Params]:
        rows = await self.store.read(statements.EARLY_HELP_REQUEST_PAYLOAD, {"itemId": item["id"]})
        if not rows:
            raise DeliveryRejected(f"outbox item {item['id']} has no request for early help")
        body = request_body(rows[0])
        reference = await self.client.put_early_help_request(body["requestId"], body)
        return statements.MARK_EARLY_HELP_REQUEST_DELIVERED, {"ehmReference": reference}


def request_body(row: Row) -> dict[str, Any]:
    """The JSON EHM is sent for one request (the protocol in `connectors/ehm/client.py`)."""
    request, child, worker = row["request"], row["child"], row.get("worker") or {}
    return {
        "requestId": request["id"],
        "kind": "STEP_DOWN",
        "origin": request["origin"],
        "originId": request["originId"],
        "happenedOn": _iso(request["happenedOn"]),
        "reason": {"code": request["reasonCode"], "description": request["reasonDescription"]},
        "summary": request.get("summary"),
        "child": {
            "lcsChildId": child["id"],
            "givenName": child.get("givenName"),
            "familyName": child.get("familyName"),
            "dateOfBirth": _iso(child.get("dateOfBirth")),
            "sex": child.get("sex"),
            "nhsNumber": child.get("nhsNumber"),
            "upn": child.get("upn"),
        },
        "worker": {
            "id": worker.get("id"),
            "name": worker.get("name"),
            "email": worker.get("email"),
            "phone": worker.get("phone"),
            "team": row.get("team"),
        },
        "earlyHelpRecordIds": sorted(row.get("earlyHelpRecordIds") or []),
        "recordedAt": datetime.fromtimestamp(request["recordedAt"] / 1000, UTC).isoformat(),
    }


def _iso(value: date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, date) else value
