"""Step down on the child's record: the requests for early help sent to EHM.

Written with the decision (a contact finalised as a step down, an episode closed RC9) and
delivered by the outbox (connectors/ehm/delivery.py); `deliveryState` says whether EHM
has it yet, `ehmReference` is EHM's own reference once it has.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import strawberry


@strawberry.type(
    description="A step down that no longer stands (the RC9 closure that sent it was "
    "reopened, or its referral withdrawn as recorded in error), and EHM told so"
)
class EarlyHelpRecall:
    recalled_on: date = strawberry.field(description="The day the manager corrected the record")
    # Null to a role without the case-notes capability (auth/policy.py: narrative).
    reason: str | None = strawberry.field(description="Why the step down no longer stands")
    recalled_by: str | None = strawberry.field(description="The manager who corrected it")
    recalled_at: datetime
    delivery_state: str | None = strawberry.field(
        description="PENDING until EHM is told (DELIVERED; at once when the request never "
        "reached EHM), or FAILED if EHM refused the recall"
    )
    ehm_reference: str | None = strawberry.field(description="EHM's reference for the recall")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> EarlyHelpRecall | None:
        request = row["request"]
        if request.get("recalledAt") is None:
            return None
        return cls(
            recalled_on=request["recalledOn"],
            reason=str(request.get("recallReason") or ""),
            recalled_by=request.get("recalledBy"),
            recalled_at=datetime.fromtimestamp(request["recalledAt"] / 1000, UTC),
            delivery_state=row.get("recallDeliveryState"),
            ehm_reference=request.get("recallEhmReference"),
        )


@strawberry.type(description="A request for early help sent to EHM when the child stepped down")
class EarlyHelpRequest:
    id: strawberry.ID = strawberry.field(description="The hub's id, EHM's idempotency key")
    origin: str = strawberry.field(description="CONTACT or CASE_CLOSURE")
    origin_id: strawberry.ID = strawberry.field(description="The contact, or the case closed")
    reason_code: str = strawberry.field(description="CONTACT_STEP_DOWN, or RC9")
    reason_description: str
    happened_on: date = strawberry.field(description="The day the step down was decided")
    requested_by: str | None = strawberry.field(description="The worker who decided it")
    recorded_at: datetime
    delivery_state: str | None = strawberry.field(
        description="PENDING until EHM has it (DELIVERED), or FAILED if EHM refused it"
    )
    ehm_reference: str | None
    recall: EarlyHelpRecall | None = strawberry.field(
        description="Its recall, once the step down no longer stands"
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> EarlyHelpRequest:
        request = row["request"]
        return cls(
            id=strawberry.ID(request["id"]),
            origin=request["origin"],
            origin_id=strawberry.ID(request["originId"]),
            reason_code=request["reasonCode"],
            reason_description=request["reasonDescription"],
            happened_on=request["happenedOn"],
            requested_by=request.get("requestedBy"),
            recorded_at=datetime.fromtimestamp(request["recordedAt"] / 1000, UTC),
            delivery_state=row.get("deliveryState"),
            ehm_reference=request.get("ehmReference"),
            recall=EarlyHelpRecall.from_row(row),
        )
