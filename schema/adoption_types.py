"""The plan for adoption as a GraphQL type (the child and the adoption mutations share it)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

import strawberry

import schema.journey_enums  # noqa: F401  (registers the enums with strawberry)
from schema.journey_types import ReferralWithdrawal
from schema.outcomes import InvalidInput, NotAuthorised, NotFound, TransitionRefused
from workflow import codes
from workflow import process as table
from workflow.journey.adoption import AdoptionPlanStep


@strawberry.type(description="A step of the plan typed with the wrong day, and its correction")
class AdoptionPlanCorrection:
    step: AdoptionPlanStep
    corrected_from: date = strawberry.field(description="The day the step was recorded as")
    # Why the day typed was wrong is free text: case narrative, as other corrections' are.
    reason: str | None
    corrected_by: str | None
    corrected_at: datetime | None

    @classmethod
    def of(cls, record: dict[str, Any]) -> AdoptionPlanCorrection | None:
        if not record.get("correctedStep"):
            return None
        at = record.get("correctedAt")
        return cls(
            step=AdoptionPlanStep(record["correctedStep"]),
            corrected_from=date.fromisoformat(record["correctedFrom"]),
            reason=record.get("correctionReason"),
            corrected_by=record.get("correctedBy"),
            corrected_at=datetime.fromtimestamp(at / 1000, tz=UTC) if isinstance(at, int) else None,
        )


@strawberry.type(
    description="A plan for adoption a team manager withdrew as recorded in error (the wrong "
    "child, or typed twice): kept in the history, in no return"
)
class AdoptionPlanWithdrawal(ReferralWithdrawal):
    # Narrative (auth/policy.py): null to a role without the case-notes capability.
    reason: str | None = strawberry.field(description="Why the plan was recorded in error")


@strawberry.type(
    description="A looked-after child's plan for adoption, from the decision that they "
    "should be placed for adoption to the adoption order (SSDA903 AD1, PlacedAdoption)"
)
class AdoptionPlan:
    id: strawberry.ID
    child_id: strawberry.ID
    period_of_care_id: strawberry.ID
    status: table.AdoptionState
    version: int
    decision_date: date = strawberry.field(
        description="The decision that the child should be placed for adoption (DATE_INT)"
    )
    placement_order_date: date | None
    matched_date: date | None = strawberry.field(description="SSDA903 AD1 DATE_MATCH")
    placed_date: date | None
    adoption_order_date: date | None
    ceased_date: date | None = strawberry.field(description="SSDA903 DATE_PLACED_CEASED")
    ceased_reason: codes.ReasonPlacedCeased | None
    adopter_sex: codes.AdopterSex | None
    number_of_adopters: int | None
    adopted_by_foster_carer: bool | None
    adopters_legal_status: codes.AdoptersLegalStatus | None
    awaiting_authorisation_of: str | None
    allowed_actions: list[str]
    correction: AdoptionPlanCorrection | None = strawberry.field(
        description="The latest step corrected to the day it happened (correctAdoptionPlanDate)"
    )
    withdrawal: AdoptionPlanWithdrawal | None = strawberry.field(
        description="Why, when and by whom the plan was withdrawn as recorded in error"
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AdoptionPlan:
        record = row["record"]
        ceased, sex = record.get("ceasedReason"), record.get("adopterSex")
        return cls(
            id=strawberry.ID(record["id"]),
            child_id=strawberry.ID(row["childId"]),
            period_of_care_id=strawberry.ID(record["periodOfCareId"]),
            status=table.AdoptionState(record["status"]),
            version=record["version"],
            decision_date=record["decisionDate"],
            placement_order_date=record.get("placementOrderDate"),
            matched_date=record.get("matchedDate"),
            placed_date=record.get("placedDate"),
            adoption_order_date=record.get("adoptionOrderDate"),
            ceased_date=record.get("ceasedDate"),
            ceased_reason=codes.ReasonPlacedCeased.from_code(ceased) if ceased else None,
            adopter_sex=codes.AdopterSex.from_code(sex) if sex else None,
            number_of_adopters=record.get("numberOfAdopters"),
            adopted_by_foster_carer=record.get("adoptedByFosterCarer"),
            adopters_legal_status=(
                codes.AdoptersLegalStatus.from_code(record["adoptersLegalStatus"])
                if record.get("adoptersLegalStatus")
                else None
            ),
            awaiting_authorisation_of=record.get("pendingAction"),
            allowed_actions=list(table.allowed_actions(table.Process.ADOPTION, record["status"])),
            correction=AdoptionPlanCorrection.of(record),
            withdrawal=AdoptionPlanWithdrawal.of(record),
        )


AdoptionPlanResult = Annotated[
    AdoptionPlan | NotFound | TransitionRefused | NotAuthorised | InvalidInput,
    strawberry.union("AdoptionPlanResult"),
]
