"""What the education system (IES) knows about a child, as it shows on the child's record:
the schools they were on the roll of (with year group), and attendance and exclusions where
the school sent them. Single Service Requests are on the child itself
(schema/single_service_requests.py), with the chronology."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from strawberry.types import Info

from resolvers import linking as linking_resolvers
from resolvers.context import HubContext

PUPIL = "PUPIL"
ATTENDANCE = "ATTENDANCE"
EXCLUSION = "EXCLUSION"


@strawberry.type(description="The child on a school's roll, from admission to leaving (IES)")
class PupilRecord:
    record_id: str = strawberry.field(description="IES's own id of the pupil record")
    upn: str | None = strawberry.field(description="The unique pupil number")
    school_urn: str | None = strawberry.field(description="The school's DfE URN")
    school_name: str | None
    year_group: str | None = strawberry.field(description="As the school census codes it")
    start_date: date = strawberry.field(description="Admission")
    end_date: date | None = strawberry.field(description="Leaving, if the child has left")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PupilRecord:
        details = row["details"]
        return cls(
            record_id=row["recordId"],
            upn=details.get("upn") or row.get("upn"),
            school_urn=details.get("schoolUrn"),
            school_name=details.get("schoolName"),
            year_group=details.get("yearGroup"),
            start_date=row["startDate"],
            end_date=row.get("endDate"),
        )


@strawberry.type(description="A child's attendance at school over a period, in sessions (IES)")
class AttendancePeriod:
    record_id: str
    school_urn: str | None
    start_date: date
    end_date: date | None
    sessions_possible: int | None
    sessions_attended: int | None
    unauthorised_absences: int | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AttendancePeriod:
        details = row["details"]
        return cls(
            record_id=row["recordId"],
            school_urn=details.get("schoolUrn"),
            start_date=row["startDate"],
            end_date=row.get("endDate"),
            sessions_possible=details.get("sessionsPossible"),
            sessions_attended=details.get("sessionsAttended"),
            unauthorised_absences=details.get("unauthorisedAbsences"),
        )


@strawberry.type(description="A suspension or permanent exclusion from school (IES)")
class SchoolExclusion:
    record_id: str
    school_urn: str | None
    category: str | None = strawberry.field(description="SUSPENSION or PERMANENT_EXCLUSION")
    reason: str | None = strawberry.field(description="The DfE exclusion reason code")
    sessions: int | None
    start_date: date

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SchoolExclusion:
        details = row["details"]
        return cls(
            record_id=row["recordId"],
            school_urn=details.get("schoolUrn"),
            category=details.get("category"),
            reason=details.get("reason"),
            sessions=details.get("sessions"),
            start_date=row["startDate"],
        )


@strawberry.type(
    description="The child on one school's roll, from admission to leaving (IES): a pupil"
    " record keeps each school it named, a move sent as a new version of it included"
)
class SchoolStay:
    record_id: str = strawberry.field(description="IES's own id of the pupil record")
    school_urn: str | None = strawberry.field(description="The school's DfE URN")
    school_name: str | None
    admitted_on: date
    left_on: date | None = strawberry.field(description="The last day on the roll, if left")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SchoolStay:
        return cls(
            record_id=row["recordId"],
            school_urn=row.get("schoolUrn"),
            school_name=row.get("schoolName"),
            admitted_on=row["admittedOn"],
            left_on=row.get("leftOn"),
        )


@strawberry.type(description="The child's education records from IES, latest first")
class EducationRecords:
    pupil_records: list[PupilRecord]
    school_stays: list[SchoolStay] = strawberry.field(
        description="Every school the child was on the roll of, newest first"
    )
    attendance: list[AttendancePeriod]
    exclusions: list[SchoolExclusion]


def education_records_of(
    records: list[dict[str, Any]], stays: list[dict[str, Any]]
) -> EducationRecords:
    """The child's IES records by kind, in the order given (latest first)."""
    return EducationRecords(
        pupil_records=[PupilRecord.from_row(r) for r in records if r["kind"] == PUPIL],
        school_stays=[SchoolStay.from_row(stay) for stay in stays],
        attendance=[AttendancePeriod.from_row(r) for r in records if r["kind"] == ATTENDANCE],
        exclusions=[SchoolExclusion.from_row(r) for r in records if r["kind"] == EXCLUSION],
    )


async def education(root: Any, info: Info[HubContext, None]) -> EducationRecords:
    """Resolver of `Child.education`."""
    child_id = str(root.id)
    records = await linking_resolvers.source_records_loader(info.context).load(child_id)
    stays = await linking_resolvers.school_stays_loader(info.context).load(child_id)
    return education_records_of(records, stays)
