"""The Early Help Module's records as the hub takes them in.

Early help is what happened before (or instead of) social care: an episode of early help,
the team around the family working in it, early help assessments, and how the episode
closed. Each row names its `recordType`; the common fields are in `connectors.intake`.
"""

from __future__ import annotations

import enum
from typing import Self

from pydantic import model_validator

from connectors.intake import RecordId, SourceRow, Text, TextList
from workflow.contacts import Name, PastDate
from workflow.validation import FieldRuleBroken


class ClosureOutcome(enum.StrEnum):
    """Why an early help episode closed."""

    NEEDS_MET = "NEEDS_MET"
    STEP_UP_TO_SOCIAL_CARE = "STEP_UP_TO_SOCIAL_CARE"
    FAMILY_DECLINED = "FAMILY_DECLINED"
    MOVED_OUT_OF_AREA = "MOVED_OUT_OF_AREA"
    NO_LONGER_ENGAGING = "NO_LONGER_ENGAGING"
    TRANSFERRED_TO_UNIVERSAL_SERVICES = "TRANSFERRED_TO_UNIVERSAL_SERVICES"


class EarlyHelpEpisode(SourceRow):
    """An episode of early help: opened on `startDate`, closed on `endDate` with an outcome."""

    reason: Text | None = None
    lead_professional: Name | None = None
    closure_outcome: ClosureOutcome | None = None

    @model_validator(mode="after")
    def _closed_with_an_outcome(self) -> Self:
        if (self.end_date is None) != (self.closure_outcome is None):
            raise FieldRuleBroken(
                "closureOutcome" if self.closure_outcome is None else "endDate",
                "a closed episode has both endDate and closureOutcome",
            )
        return self


class TeamAroundTheFamily(SourceRow):
    """The professionals working with the family, from `startDate` (to `endDate`)."""

    episode_id: RecordId
    lead_professional: Name
    members: TextList


class AssessmentOutcome(enum.StrEnum):
    """What an early help assessment concluded."""

    EARLY_HELP_PLAN = "EARLY_HELP_PLAN"
    SINGLE_AGENCY_SUPPORT = "SINGLE_AGENCY_SUPPORT"
    REFER_TO_SOCIAL_CARE = "REFER_TO_SOCIAL_CARE"
    NO_FURTHER_ACTION = "NO_FURTHER_ACTION"


class EarlyHelpAssessment(SourceRow):
    """An early help assessment, started on `startDate` and completed on `completedDate`."""

    episode_id: RecordId
    completed_date: PastDate | None = None
    outcome: AssessmentOutcome | None = None
    needs: TextList | None = None

    @model_validator(mode="after")
    def _completed_with_an_outcome(self) -> Self:
        if self.completed_date is not None and self.completed_date < self.start_date:
            raise FieldRuleBroken("completedDate", "completedDate must not be before startDate")
        if (self.completed_date is None) != (self.outcome is None):
            raise FieldRuleBroken(
                "outcome" if self.outcome is None else "completedDate",
                "a completed assessment has both completedDate and outcome",
            )
        return self


class StepUp(SourceRow):
    """EHM escalates a child to social care on `startDate`: a contact at the front door.

    One step up is one contact, whatever its versions (a later version corrects the
    record, it does not escalate again); the contact carries the child's early help
    history (connectors/ehm/step_up.py).
    """

    episode_id: RecordId
    reason: Text
    lead_professional: Name | None = None


# recordType (as the file spells it) -> the model that validates the row.
RECORD_TYPES: dict[str, type[SourceRow]] = {
    "EARLY_HELP_EPISODE": EarlyHelpEpisode,
    "TEAM_AROUND_THE_FAMILY": TeamAroundTheFamily,
    "EARLY_HELP_ASSESSMENT": EarlyHelpAssessment,
    "STEP_UP": StepUp,
}
