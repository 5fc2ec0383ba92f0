"""Fostering households and short breaks.

A household is approved as foster carers (Fostering Services (England) Regulations
2011, reg 27: the agency decision maker approves on the fostering panel's
recommendation) until the approval ends. A disabled child's short breaks are recorded as
SSDA903 legal status V3 (each episode recorded) or V4 (the agreement recorded), not as a
period of care with its looked-after reviews and visits.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, ValidationInfo, field_validator

from graph.cypher import fostering as statements
from workflow import liberty
from workflow.care_ages import too_young_for
from workflow.codes import LegalStatus, PlacementProvider, PlacementType
from workflow.contacts import PastDate
from workflow.episode_codes import codes_unfit
from workflow.facts import FactKind, facts_of
from workflow.ids import new_id
from workflow.outcomes import FieldProblem, InvalidInput, NotFound, TransitionRefused
from workflow.validation import Input

if TYPE_CHECKING:
    from graph import GraphStore, Row
    from graph.cypher.access import AccessScope

SHORT_BREAK_STATUSES = frozenset(
    {LegalStatus.V3_SHORT_BREAKS_EPISODES, LegalStatus.V4_SHORT_BREAKS_AGREEMENTS}
)
# SSDA903 rules 382 and 384: a short break is never a temporary placement (T0-T4) or a
# long-term foster placement (U1, U4).
_NOT_A_SHORT_BREAK_PLACEMENT = frozenset(
    place for place in PlacementType if place.value in {"T0", "T1", "T2", "T3", "T4", "U1", "U4"}
)
# SSDA903 rule 365: a single short break (V3) lasts at most 17 days.
_LONGEST_BREAK = timedelta(days=17)


class FosteringApprovalType(enum.StrEnum):
    """What a household is approved for."""

    MAINSTREAM = "MAINSTREAM"
    # Family and friends (connected persons) carers for a named child.
    CONNECTED_PERSON = "CONNECTED_PERSON"
    SHORT_BREAKS = "SHORT_BREAKS"


class HouseholdStatus(enum.StrEnum):
    APPROVED = "APPROVED"
    ENDED = "ENDED"


class ApproveHousehold(Input):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    approval_type: FosteringApprovalType
    approved_on: PastDate
    # Children Act 1989, Schedule 7: the usual fostering limit is three children.
    capacity: Annotated[int, Field(ge=1, le=3)]


class EndApproval(Input):
    household_id: Annotated[str, Field(min_length=1, max_length=100)]
    version: int
    ended_on: PastDate
    reason: Annotated[str, Field(min_length=1, max_length=2_000)]


class RecordShortBreak(Input):
    child_id: Annotated[str, Field(min_length=1, max_length=100)]
    legal_status: LegalStatus
    started_on: PastDate
    ended_on: PastDate | None = None
    placement_type: PlacementType
    placement_provider: PlacementProvider
    household_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None

    # Field validators, so that the problem names the field.
    @field_validator("legal_status")
    @classmethod
    def _short_break(cls, value: LegalStatus) -> LegalStatus:
        if value not in SHORT_BREAK_STATUSES:
            raise ValueError("a short break is V3 (episodes) or V4 (agreements)")
        return value

    @field_validator("placement_type")
    @classmethod
    def _short_break_placement(cls, value: PlacementType) -> PlacementType:
        if value in _NOT_A_SHORT_BREAK_PLACEMENT:
            raise ValueError(
                "a short break is not a temporary (T0-T4) or long-term foster (U1, U4)"
                " placement (SSDA903 rules 382, 384)"
            )
        return value

    @field_validator("ended_on")
    @classmethod
    def _after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        started = info.data.get("started_on")
        if value is not None and started is not None and value < started:
            raise ValueError("must not be before startedOn")
        single = info.data.get("legal_status") == LegalStatus.V3_SHORT_BREAKS_EPISODES
        too_long = value is not None and started is not None and value - started > _LONGEST_BREAK
        if single and too_long:
            raise ValueError(
                "a single short break (V3) lasts at most 17 days (SSDA903 rule 365);"
                " a series is a short breaks agreement (V4)"
            )
        return value


async def approve_household(store: GraphStore, scope: AccessScope, data: ApproveHousehold) -> Row:
    """Approve a fostering household."""
    rows = await store.write(
        statements.APPROVE_HOUSEHOLD,
        {
            **scope.params(),
            "householdId": new_id(),
            "name": data.name,
            "approvalType": data.approval_type.value,
            "capacity": data.capacity,
            "approvedOn": data.approved_on,
        },
    )
    return rows[0]["household"]  # type: ignore[no-any-return]


async def end_approval(
    store: GraphStore, scope: AccessScope, data: EndApproval
) -> Row | NotFound | TransitionRefused | InvalidInput:
    """End a household's approval (guarded by status and version)."""
    params = {**scope.params(), "householdId": data.household_id}
    rows = await store.write(
        statements.END_APPROVAL,
        {**params, "version": data.version, "endedOn": data.ended_on, "reason": data.reason},
    )
    if rows:
        return rows[0]["household"]  # type: ignore[no-any-return]
    found = await store.read(statements.HOUSEHOLD_STATE, params)
    if not found:
        return NotFound(kind="FosteringHousehold", id=data.household_id)
    household = found[0]["household"]
    if household["status"] != HouseholdStatus.APPROVED:
        return TransitionRefused(
            current_state=household["status"],
            allowed=(),
            reason="the household's approval has already ended",
        )
    if household["version"] != data.version:
        return TransitionRefused(
            current_state=household["status"],
            allowed=("endFosteringApproval",),
            reason=f"the household changed since you loaded it (version {data.version}, now "
            f"{household['version']}); reload it and try again",
        )
    rule = "must not be before the approval or before the end of a short break it hosted"
    return InvalidInput(problems=(FieldProblem("endedOn", rule),))


def _episode_unfit(data: RecordShortBreak, born: date | None) -> tuple[str, str] | None:
    # A short break is an SSDA903 episode like any other: its placement from an age
    # (rules 371-374, workflow/care_ages.py) and its codes together (527-531, 550,
    # workflow/episode_codes.py), on the day it began.
    if rule := too_young_for(data.placement_type, born, data.started_on):
        return "placementType", rule
    return codes_unfit(
        {
            "legalStatus": data.legal_status,
            "placementType": data.placement_type,
            "placementProvider": data.placement_provider,
        }
    )


async def record_short_break(
    store: GraphStore, scope: AccessScope, data: RecordShortBreak
) -> Row | NotFound | InvalidInput:
    """Record a short break for a child, with the approved household that gave it."""
    child = await store.read(statements.CHILD_VISIBLE, {**scope.params(), "childId": data.child_id})
    if not child:
        return NotFound(kind="Child", id=data.child_id)
    if problem := _episode_unfit(data, child[0]["dateOfBirth"]):
        return InvalidInput(problems=(FieldProblem(*problem),))
    orders = await facts_of(store, scope, data.child_id, [FactKind.DEPRIVATION_OF_LIBERTY])
    span = liberty.short_break_span(data.started_on, data.ended_on)
    placement = data.placement_type.value
    # SSDA903 2026-27 rules 709, 710: a short break is an episode of care like any other.
    if rule := liberty.placement_under_orders(placement, span, [o["fact"] for o in orders]):
        return InvalidInput(problems=(FieldProblem("placementType", rule),))
    last_day: date = data.ended_on or data.started_on
    rows = await store.write(
        statements.RECORD_SHORT_BREAK,
        {
            **scope.params(),
            "childId": data.child_id,
            "householdId": data.household_id,
            "shortBreakId": new_id(),
            "legalStatus": data.legal_status.value,
            "placementType": data.placement_type.value,
            "placementProvider": data.placement_provider.value,
            "startDate": data.started_on,
            "endDate": data.ended_on,
            "lastDay": last_day,
        },
    )
    if rows:
        return rows[0]
    assert data.household_id is not None, "only a household can refuse a visible child's break"
    household = await store.read(statements.HOUSEHOLD_STATE, {"householdId": data.household_id})
    if not household:
        return NotFound(kind="FosteringHousehold", id=data.household_id)
    rule = "the household was not approved for the whole of the break"
    return InvalidInput(problems=(FieldProblem("householdId", rule),))
