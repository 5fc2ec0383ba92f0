"""Step down: the outbox's EHM port, which delivers requests for early help to EHM.

A `REQUEST_EARLY_HELP` item was written with its `EarlyHelpRequest` when a contact was
finalised as a step down, or an episode closed RC9 (graph/cypher/early_help.py). The
request goes to EHM under its own id (`connectors/ehm/client.py`), so a retry or a
takeover never makes EHM hold it twice. A `RECALL_EARLY_HELP` item, written when the
step down stops standing (the RC9 closure reopened, the referral withdrawn), tells EHM
to close it: once the request's own delivery has settled, and only if it was ever sent;
a request recalled before it went out is never sent.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Final

from connectors.livelink.delivery_port import DeliveryRejected, DeliveryUnavailable
from graph.cypher import early_help as statements
from workflow.ids import now_ms

if TYPE_CHECKING:
    from connectors.ehm.client import EhmClient
    from graph import GraphStore, Params, Row

__all__ = ["EARLY_HELP_KINDS", "EarlyHelpRequests", "request_body"]

EARLY_HELP_KINDS: Final = frozenset({"REQUEST_EARLY_HELP", "RECALL_EARLY_HELP"})


class EarlyHelpRequests:
    """Delivers requests for early help to EHM."""

    name = "ehm"
    kinds = EARLY_HELP_KINDS

    def __init__(self, store: GraphStore, client: EhmClient) -> None:
        self.store = store
        self.client = client

    async def deliver(self, item: Row) -> tuple[str, Params]:
        if item.get("kind") == "RECALL_EARLY_HELP":
            return await self._recall(item)
        rows = await self.store.read(statements.EARLY_HELP_REQUEST_PAYLOAD, {"itemId": item["id"]})
        if not rows:
            raise DeliveryRejected(f"outbox item {item['id']} has no request for early help")
        if rows[0]["recalled"]:
            # The step down no longer stands: EHM is not asked for early help it would
            # then be told to close.
            return statements.MARK_EARLY_HELP_REQUEST_WITHHELD, {}
        body = request_body(rows[0])
        reference = await self.client.put_early_help_request(body["requestId"], body)
        return statements.MARK_EARLY_HELP_REQUEST_DELIVERED, {"ehmReference": reference}

    async def _recall(self, item: Row) -> tuple[str, Params]:
        rows = await self.store.read(
            statements.EARLY_HELP_RECALL_PAYLOAD, {"itemId": item["id"], "now": now_ms()}
        )
        if not rows:
            raise DeliveryRejected(f"outbox item {item['id']} has no request to recall")
        row = rows[0]
        if row["requestInFlight"]:
            # A worker may be sending the request right now: the recall goes after it.
            raise DeliveryUnavailable("EHM recall: the request it recalls is being delivered")
        request = row["request"]
        if request.get("withheldAt") is not None or not row["requestAttempts"]:
            # Never sent (and, recalled, never will be): EHM holds nothing to recall.
            return statements.MARK_EARLY_HELP_RECALL_DELIVERED, {
                "ehmReference": None,
                "reachedEhm": False,
            }
        body = recall_body(row, item["id"])
        held, reference = await self.client.put_early_help_recall(request["id"], item["id"], body)
        return statements.MARK_EARLY_HELP_RECALL_DELIVERED, {
            "ehmReference": reference,
            "reachedEhm": held,
        }


def _worker(row: Row) -> dict[str, Any]:
    worker = row.get("worker") or {}
    return {
        "id": worker.get("id"),
        "name": worker.get("name"),
        "email": worker.get("email"),
        "phone": worker.get("phone"),
        "team": row.get("team"),
    }


def recall_body(row: Row, recall_id: str) -> dict[str, Any]:
    """The JSON EHM is sent to recall a request (the protocol in `connectors/ehm/client.py`)."""
    request = row["request"]
    return {
        "recallId": recall_id,
        "requestId": request["id"],
        "kind": "STEP_DOWN_RECALLED",
        "recalledOn": _iso(request["recalledOn"]),
        "reason": request.get("recallReason"),
        "worker": _worker(row),
        "recordedAt": _instant(request["recalledAt"]),
    }


def request_body(row: Row) -> dict[str, Any]:
    """The JSON EHM is sent for one request (the protocol in `connectors/ehm/client.py`)."""
    request, child = row["request"], row["child"]
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
        "worker": _worker(row),
        "earlyHelpRecordIds": sorted(row.get("earlyHelpRecordIds") or []),
        "recordedAt": _instant(request["recordedAt"]),
    }


def _instant(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat()


def _iso(value: date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, date) else value
