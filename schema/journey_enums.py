"""The case journey's enumerations, registered with strawberry once.

DfE code lists keep their DfE names; GraphQL shows each member's readable name and the
hub stores the DfE code (`PrimaryNeedCode.N1_ABUSE_OR_NEGLECT` is "N1").
"""

from __future__ import annotations

import strawberry

from workflow import codes
from workflow.journey.effects import StepKind, StepStatus
from workflow.process import AdoptionState, CareState, CaseState

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

strawberry.enum(CaseState, name="CaseState", description="Where a child's case stands")
strawberry.enum(CareState, name="CareState", description="Where a period of care stands")
strawberry.enum(AdoptionState, name="AdoptionState", description="Where a plan for adoption stands")
strawberry.enum(StepKind, name="StepKind", description="A step of the case journey")
strawberry.enum(StepStatus, name="StepStatus", description="Open, done, or cancelled")
