"""Fostering households and short breaks as GraphQL types (the child shows its breaks)."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

import schema.journey_enums  # noqa: F401  (registers the enums with strawberry)
from workflow import codes
from workflow.fostering import FosteringApprovalType, HouseholdStatus

strawberry.enum(
    FosteringApprovalType, name="FosteringApprovalType", description="What carers are approved for"
)
strawberry.enum(HouseholdStatus, name="HouseholdStatus", description="Approved, or ended")


@strawberry.type(description="A fostering household: approved carers, and until when")
class FosteringHousehold:
    id: strawberry.ID
    name: str
    approval_type: FosteringApprovalType
    capacity: int = strawberry.field(description="Children it may care for (at most 3)")
    status: HouseholdStatus
    version: int
    approved_on: date
    ended_on: date | None
    end_reason: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> FosteringHousehold:
        return cls(
            id=strawberry.ID(row["id"]),
            name=row["name"],
            approval_type=FosteringApprovalType(row["approvalType"]),
            capacity=row["capacity"],
            status=HouseholdStatus(row["status"]),
            version=row["version"],
            approved_on=row["approvedOn"],
            ended_on=row.get("endedOn"),
            end_reason=row.get("endReason"),
        )


@strawberry.type(description="A short break (SSDA903 legal status V3 episode or V4 agreement)")
class ShortBreak:
    id: strawberry.ID
    child_id: strawberry.ID
    legal_status: codes.LegalStatus
    start_date: date
    end_date: date | None
    placement_type: codes.PlacementType
    placement_provider: codes.PlacementProvider
    household_id: strawberry.ID | None
    household_name: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ShortBreak:
        found = row["shortBreak"]
        household = row.get("householdId")
        return cls(
            id=strawberry.ID(found["id"]),
            child_id=strawberry.ID(row["childId"]),
            legal_status=codes.LegalStatus.from_code(found["legalStatus"]),
            start_date=found["startDate"],
            end_date=found.get("endDate"),
            placement_type=codes.PlacementType.from_code(found["placementType"]),
            placement_provider=codes.PlacementProvider.from_code(found["placementProvider"]),
            household_id=strawberry.ID(household) if household else None,
            household_name=row.get("householdName"),
        )
