"""The plan for adoption as a GraphQL type (the child and the adoption mutations share it)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry

import schema.journey_enums  # noqa: F401  (registers the enums with strawberry)
from schema.outcomes import InvalidInput, NotAuthorised, NotFound, TransitionRefused
from workflow import codes
from workflow import process as table


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
        )


AdoptionPlanResult = Annotated[
    AdoptionPlan | NotFound | TransitionRefused | NotAuthorised | InvalidInput,
    strawberry.union("AdoptionPlanResult"),
]
