"""Step down to early help: what the request EHM is sent records, whichever way it came.

A child steps down from social care to early help when the front door finalises a
contact as "step down to early help", or when an episode of need closes with reason
RC9 (CIN census: "case closed after assessment, referred to early help"). Either way
the hub writes, with the decision, a request for early help that the outbox delivers to
EHM (graph/cypher/early_help.py, connectors/ehm/delivery.py).
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

from workflow.ids import new_id

if TYPE_CHECKING:
    from datetime import date


class StepDownOrigin(enum.StrEnum):
    """What the step down was decided on."""

    CONTACT = "CONTACT"
    CASE_CLOSURE = "CASE_CLOSURE"


def step_down_recall(reason: str, recalled_on: date) -> dict[str, Any]:
    """The parameters of the recall of the step downs an episode sent that no longer stand
    (its RC9 closure reopened, its referral withdrawn as recorded in error), each told to
    EHM through its own outbox item (graph/cypher/early_help.py recall_early_help)."""
    return {"outboxId": new_id(), "reason": reason, "recalledOn": recalled_on}


def step_down_request(
    origin: StepDownOrigin,
    reason_code: str,
    reason_description: str,
    happened_on: date,
    *,
    summary: str | None,
) -> dict[str, Any]:
    """The parameters of one request for early help and of the outbox item sending it.

    Args:
        happened_on: the day the step down was decided (a contact's decision date, the
            episode's closure date), which EHM records as the day early help was asked.
        summary: what EHM should read about the child; None takes the contact's own.
    """
    return {
        "id": new_id(),
        "outboxId": new_id(),
        "origin": origin.value,
        "reasonCode": reason_code,
        "reasonDescription": reason_description,
        "summary": summary,
        "happenedOn": happened_on,
    }
