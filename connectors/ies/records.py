"""The education system's (IES) records as the hub takes them in.

Pupils (with their UPN, school and year group), attendance and exclusions where the
school sends them, and Single Service Requests (SSR, the education side's referral).
Each row names its `recordType`; the common fields are in `connectors.intake`.
"""

from __future__ import annotations

import enum
from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator

from connectors.intake import SourceRow, Text, WholeNumber
from workflow import identifiers
from workflow.contacts import Name, PastDate
from workflow.validation import FieldRuleBroken

Upn = Annotated[str, AfterValidator(identifiers.upn)]
# DfE establishment URN: six digits (seven for some newer establishments).
Urn = Annotated[str, Field(pattern=r"^[0-9]{6,7}$")]


class YearGroup(enum.StrEnum):
    """National curriculum year groups as the school census codes them."""

    N1 = "N1"
    N2 = "N2"
    R = "R"
    Y1 = "1"
    Y2 = "2"
    Y3 = "3"
    Y4 = "4"
    Y5 = "5"
    Y6 = "6"
    Y7 = "7"
    Y8 = "8"
    Y9 = "9"
    Y10 = "10"
    Y11 = "11"
    Y12 = "12"
    Y13 = "13"
    Y14 = "14"


class Pupil(SourceRow):
    """A pupil on a school's roll from `startDate` (admission) to `endDate` (leaving)."""

    upn: Upn
    school_urn: Urn
    school_name: Name
    year_group: YearGroup


class Attendance(SourceRow):
    """Attendance over a period (`startDate` to `endDate`), counted in sessions."""

    upn: Upn
    school_urn: Urn
    sessions_possible: Annotated[WholeNumber, Field(ge=0, le=500)]
    sessions_attended: Annotated[WholeNumber, Field(ge=0, le=500)]
    unauthorised_absences: Annotated[WholeNumber, Field(ge=0, le=500)] = 0

    @model_validator(mode="after")
    def _sessions_add_up(self) -> Self:
        if self.end_date is None:
            raise FieldRuleBroken("endDate", "an attendance period has an endDate")
        if self.sessions_attended + self.unauthorised_absences > self.sessions_possible:
            raise FieldRuleBroken(
                "sessionsAttended", "attended plus unauthorised absences exceed sessionsPossible"
            )
        return self


class ExclusionCategory(enum.StrEnum):
    """DfE suspension and permanent exclusion categories."""

    SUSPENSION = "SUSPENSION"
    PERMANENT_EXCLUSION = "PERMANENT_EXCLUSION"


class Exclusion(SourceRow):
    """A suspension or permanent exclusion starting on `startDate`."""

    upn: Upn
    school_urn: Urn
    category: ExclusionCategory
    reason: Annotated[str, Field(min_length=1, max_length=10)]
    sessions: Annotated[WholeNumber, Field(ge=1, le=500)] | None = None


class SsrStatus(enum.StrEnum):
    """Where a Single Service Request is in IES."""

    SUBMITTED = "SUBMITTED"
    FINALISED = "FINALISED"
    WITHDRAWN = "WITHDRAWN"


class SingleServiceRequest(SourceRow):
    """An SSR made on `startDate`; finalised on `finalisedDate`."""

    school_urn: Urn
    status: SsrStatus
    summary: Text
    finalised_date: PastDate | None = None

    @model_validator(mode="after")
    def _finalised_on_a_date(self) -> Self:
        if (self.status is SsrStatus.FINALISED) != (self.finalised_date is not None):
            raise FieldRuleBroken(
                "finalisedDate", "a FINALISED SSR has a finalisedDate, and only then"
            )
        if self.finalised_date is not None and self.finalised_date < self.start_date:
            raise FieldRuleBroken("finalisedDate", "finalisedDate must not be before startDate")
        return self


# recordType (as the file spells it) -> the model that validates the row.
RECORD_TYPES: dict[str, type[SourceRow]] = {
    "PUPIL": Pupil,
    "ATTENDANCE": Attendance,
    "EXCLUSION": Exclusion,
    "SSR": SingleServiceRequest,
}
