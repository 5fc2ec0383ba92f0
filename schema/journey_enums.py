"""The case journey's enumerations, registered with strawberry once.

DfE code lists keep their DfE names; GraphQL shows each member's readable name and the
hub stores the DfE code (`PrimaryNeedCode.N1_ABUSE_OR_NEGLECT` is "N1").
"""

from __future__ import annotations

import strawberry

from workflow import codes
from workflow.journey.adoption import AdoptionPlanStep
from workflow.journey.case import PlanEndReason
from workflow.journey.effects import StepKind, StepStatus
from workflow.process import (
    AdoptionState,
    AssessmentState,
    CareState,
    CaseState,
    InitialConferenceState,
    PlanState,
    Section47State,
)

for _code_list in (
    codes.PrimaryNeedCode,
    codes.ReasonForClosure,
    codes.CategoryOfAbuse,
    codes.AssessmentFactor,
    codes.LegalStatus,
    codes.ReasonNewEpisode,
    codes.ReasonEpisodeCeased,
    codes.PlacementType,
    codes.PlacementProvider,
    codes.ReasonPlaceChange,
    codes.ReviewParticipation,
    codes.MissingType,
    codes.CareLeaverInTouch,
    codes.CareLeaverActivity,
    codes.CareLeaverAccommodation,
    codes.ReasonPlacedCeased,
    codes.AdopterSex,
):
    strawberry.enum(_code_list, name=_code_list.__name__, description=_code_list.dfe_item)

strawberry.enum(CaseState, name="CaseState", description="Where an episode of need stands")
strawberry.enum(AssessmentState, name="AssessmentState", description="Where an assessment stands")
strawberry.enum(
    Section47State, name="Section47State", description="Where a section 47 enquiry stands"
)
strawberry.enum(
    InitialConferenceState,
    name="InitialConferenceState",
    description="Where an initial child protection conference stands",
)
strawberry.enum(PlanState, name="PlanState", description="A plan is active or has ended")
strawberry.enum(
    PlanEndReason, name="PlanEndReason", description="Why a child protection plan ended"
)
strawberry.enum(CareState, name="CareState", description="Where a period of care stands")
strawberry.enum(AdoptionState, name="AdoptionState", description="Where a plan for adoption stands")
strawberry.enum(
    AdoptionPlanStep, name="AdoptionPlanStep", description="A step of a plan for adoption"
)
strawberry.enum(StepKind, name="StepKind", description="A step of the case journey")
strawberry.enum(StepStatus, name="StepStatus", description="Open, done, or cancelled")
