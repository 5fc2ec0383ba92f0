"""The case journey's output types: a child's cases, periods of care and their steps."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry
from strawberry.federation import type as entity_type
from strawberry.types import Info

import schema.journey_enums  # noqa: F401  (registers the enums with strawberry)
from resolvers import journey as journey_resolvers
from resolvers.context import HubContext
from schema.outcomes import InvalidInput, NotAuthorised, NotFound, TransitionRefused
from workflow import codes
from workflow import process as table
from workflow.calendar import default_calendar
from workflow.journey.case import referral_decision_due
from workflow.journey.effects import Clock, StepKind, StepStatus
from workflow.timescales import DEFAULT_LOCAL_STANDARDS, timescale_rule


def _code[Code: codes.DfECode](code_list: type[Code], value: Any) -> Code | None:
    return code_list.from_code(value) if value else None


def _codes[Code: codes.DfECode](code_list: type[Code], values: Any) -> list[Code]:
    return [code_list.from_code(value) for value in values or ()]


@strawberry.type(description="A step of the journey, with its due date and whether it is late")
class JourneyStep:
    id: strawberry.ID
    kind: StepKind
    status: StepStatus
    start_date: date | None
    due_date: date | None
    due_rule: str | None = strawberry.field(description="The timescale rule that set the due date")
    due_rule_name: str | None
    overdue: bool = strawberry.field(description="Due date passed and the step is still open")
    completed_date: date | None
    completed_late: bool
    authorised_date: date | None
    late_reason: str | None
    outcome: str | None
    factors: list[codes.AssessmentFactor]
    initial_categories_of_abuse: list[codes.CategoryOfAbuse]
    latest_categories_of_abuse: list[codes.CategoryOfAbuse]
    seen_alone: bool | None
    legal_status: codes.LegalStatus | None
    placement_type: codes.PlacementType | None
    placement_provider: codes.PlacementProvider | None
    placement_postcode: str | None
    urn: str | None
    reason_new_episode: codes.ReasonNewEpisode | None
    reason_episode_ceased: codes.ReasonEpisodeCeased | None
    reason_place_change: codes.ReasonPlaceChange | None
    participation: codes.ReviewParticipation | None
    missing_type: codes.MissingType | None
    in_touch: codes.CareLeaverInTouch | None
    activity: codes.CareLeaverActivity | None
    accommodation: codes.CareLeaverAccommodation | None

    @classmethod
    def from_row(cls, row: dict[str, Any], today: date) -> JourneyStep:
        due, completed = row.get("dueDate"), row.get("completedDate")
        rule = row.get("dueRule")
        return cls(
            id=strawberry.ID(row["id"]),
            kind=StepKind(row["kind"]),
            status=StepStatus(row["status"]),
            start_date=row.get("startDate"),
            due_date=due,
            due_rule=rule,
            due_rule_name=timescale_rule(rule).name if rule else None,
            overdue=row["status"] == StepStatus.OPEN and due is not None and today > due,
            completed_date=completed,
            completed_late=due is not None and completed is not None and completed > due,
            authorised_date=row.get("authorisedDate"),
            late_reason=row.get("lateReason"),
            outcome=row.get("outcome"),
            factors=_codes(codes.AssessmentFactor, row.get("factors")),
            initial_categories_of_abuse=_codes(codes.CategoryOfAbuse, row.get("initialCategories")),
            latest_categories_of_abuse=_codes(codes.CategoryOfAbuse, row.get("latestCategories")),
            seen_alone=row.get("seenAlone"),
            legal_status=_code(codes.LegalStatus, row.get("legalStatus")),
            placement_type=_code(codes.PlacementType, row.get("placementType")),
            placement_provider=_code(codes.PlacementProvider, row.get("placementProvider")),
            placement_postcode=row.get("placementPostcode"),
            urn=row.get("urn"),
            reason_new_episode=_code(codes.ReasonNewEpisode, row.get("reasonNewEpisode")),
            reason_episode_ceased=_code(codes.ReasonEpisodeCeased, row.get("reasonEpisodeCeased")),
            reason_place_change=_code(codes.ReasonPlaceChange, row.get("reasonPlaceChange")),
            participation=_code(codes.ReviewParticipation, row.get("participation")),
            missing_type=_code(codes.MissingType, row.get("missingType")),
            in_touch=_code(codes.CareLeaverInTouch, row.get("inTouch")),
            activity=_code(codes.CareLeaverActivity, row.get("activity")),
            accommodation=_code(codes.CareLeaverAccommodation, row.get("accommodation")),
        )


def _steps(rows: list[dict[str, Any]], today: date) -> list[JourneyStep]:
    ordered = sorted(
        rows,
        key=lambda s: (
            s.get("startDate") or s.get("completedDate") or s.get("dueDate") or date.max,
            s.get("createdAt") or 0,
        ),
    )
    return [JourneyStep.from_row(row, today) for row in ordered]


@entity_type(keys=["id"], description="A child's case from referral to closure (one CIN episode)")
class Case:
    id: strawberry.ID
    child_id: strawberry.ID
    status: table.CaseState
    version: int
    referral_date: date
    primary_need: codes.PrimaryNeedCode | None
    decision_due: date = strawberry.field(description="1 working day after the referral")
    decision_date: date | None
    closure_date: date | None
    closure_reason: codes.ReasonForClosure | None
    awaiting_authorisation_of: str | None = strawberry.field(
        description="The action a manager is asked to authorise, if any"
    )
    allowed_actions: list[str]
    steps: list[JourneyStep]

    @classmethod
    async def resolve_reference(cls, info: Info[HubContext, None], id: str) -> Case | None:
        # Federation `_entities` goes through the same access rule as `case(id)`: the
        # case of a child you cannot see is null, exactly as a missing one.
        row = await journey_resolvers.record(info.context, table.Process.CASE, id)
        return cls.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: dict[str, Any], today: date | None = None) -> Case:
        record, today = row["record"], today or date.today()
        clock = Clock(today, default_calendar(), DEFAULT_LOCAL_STANDARDS)
        return cls(
            id=strawberry.ID(record["id"]),
            child_id=strawberry.ID(row["childId"]),
            status=table.CaseState(record["status"]),
            version=record["version"],
            referral_date=record["referralDate"],
            primary_need=_code(codes.PrimaryNeedCode, record.get("primaryNeed")),
            decision_due=referral_decision_due(record["referralDate"], clock),
            decision_date=record.get("decisionDate"),
            closure_date=record.get("closureDate"),
            closure_reason=_code(codes.ReasonForClosure, record.get("closureReason")),
            awaiting_authorisation_of=record.get("pendingAction"),
            allowed_actions=list(table.allowed_actions(table.Process.CASE, record["status"])),
            steps=_steps(row["steps"], today),
        )


@strawberry.type(description="A period during which the child is looked after, and after")
class PeriodOfCare:
    id: strawberry.ID
    child_id: strawberry.ID
    status: table.CareState
    version: int
    start_date: date
    end_date: date | None
    reason_ceased: codes.ReasonEpisodeCeased | None
    legal_status: codes.LegalStatus | None = strawberry.field(
        description="The legal status of the current (or last) SSDA903 episode"
    )
    placement_type: codes.PlacementType | None
    awaiting_authorisation_of: str | None
    allowed_actions: list[str]
    steps: list[JourneyStep]

    @classmethod
    def from_row(cls, row: dict[str, Any], today: date | None = None) -> PeriodOfCare:
        record, today = row["record"], today or date.today()
        episodes = sorted(
            (s for s in row["steps"] if s["kind"] == StepKind.LOOKED_AFTER_EPISODE),
            key=lambda s: s["startDate"],
        )
        current = episodes[-1] if episodes else {}
        return cls(
            id=strawberry.ID(record["id"]),
            child_id=strawberry.ID(row["childId"]),
            status=table.CareState(record["status"]),
            version=record["version"],
            start_date=record["startDate"],
            end_date=record.get("endDate"),
            reason_ceased=_code(codes.ReasonEpisodeCeased, record.get("reasonCeased")),
            legal_status=_code(codes.LegalStatus, current.get("legalStatus")),
            placement_type=_code(codes.PlacementType, current.get("placementType")),
            awaiting_authorisation_of=record.get("pendingAction"),
            allowed_actions=list(table.allowed_actions(table.Process.CARE, record["status"])),
            steps=_steps(row["steps"], today),
        )


@strawberry.type(description="The start and end of a child protection plan")
class ChildProtectionPlanDates:
    start_date: date
    end_date: date | None


def latest_child_protection_plan(cases: list[Case]) -> ChildProtectionPlanDates | None:
    plans = [
        step
        for case in cases
        for step in case.steps
        if step.kind is StepKind.CHILD_PROTECTION_PLAN and step.start_date is not None
    ]
    if not plans:
        return None
    latest = max(plans, key=lambda step: step.start_date or date.min)
    assert latest.start_date is not None
    return ChildProtectionPlanDates(start_date=latest.start_date, end_date=latest.completed_date)


CaseResult = Annotated[
    Case | NotFound | TransitionRefused | NotAuthorised | InvalidInput,
    strawberry.union("CaseResult"),
]
PeriodOfCareResult = Annotated[
    PeriodOfCare | NotFound | TransitionRefused | NotAuthorised | InvalidInput,
    strawberry.union("PeriodOfCareResult"),
]
