"""Single Service Requests (SSR, the education side's referral) on the child's record.

An SSR comes in from IES (`lcs-hub ingest ies`, `POST /ingest/ies`); once linked to the
child it shows here and in the chronology, and a finalised one opens the child's
Livelink file (connectors/ies/ssr.py).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import strawberry


def ssr_details(row: dict[str, Any]) -> dict[str, Any]:
    """What the IES record says (kept as JSON text on the record, connectors/intake.py)."""
    details = row.get("details")
    parsed = json.loads(details) if isinstance(details, str) and details else {}
    return parsed if isinstance(parsed, dict) else {}


@strawberry.type(description="A Single Service Request from the education system (IES)")
class SingleServiceRequest:
    id: strawberry.ID
    record_id: str = strawberry.field(description="IES's own id of the request")
    version: int
    school_urn: str | None = strawberry.field(description="The school that made the request")
    status: str = strawberry.field(description="SUBMITTED, FINALISED or WITHDRAWN")
    requested_on: date
    finalised_on: date | None = strawberry.field(
        description="The day IES finalised it (the child's Livelink file opens then)"
    )
    # What the school reported is narrative: null to a role without READ_CASE_NOTES.
    summary: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SingleServiceRequest:
        details = ssr_details(row)
        finalised = details.get("finalisedDate")
        return cls(
            id=strawberry.ID(row["id"]),
            record_id=row["recordId"],
            version=row["version"],
            school_urn=details.get("schoolUrn"),
            status=str(details.get("status", "")),
            requested_on=row["startDate"],
            finalised_on=date.fromisoformat(finalised) if finalised else None,
            summary=details.get("summary"),
        )
