"""Operation Encompass: police notify a domestic abuse incident, the child's school is told
before the next school day and acknowledges, and the MASH sees what no school did.

Each audience gets only its part (auth/policy.py): police the notifying mutation, schools
their own notices and the acknowledgement, the MASH its list. A school's notice names its
pupil with plain fields, not a `Child`: the school learns that an incident happened, not
what children's services know about the child.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers import encompass as encompass_resolvers
from resolvers.context import HubContext
from schema.audit import HidesItsChild
from schema.inputs import plain_input
from schema.outcomes import InvalidInput, NotAuthorised, NotFound, answer


@strawberry.input(description="A child involved in the incident, as the force identifies them")
class IncidentChildInput:
    nhs_number: str | None = None
    upn: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: date | None = None
    present: bool = strawberry.field(description="The child was present at the incident")


@strawberry.input(
    description="A domestic abuse incident police attended where children were involved"
)
class DomesticAbuseIncidentInput:
    force_reference: str = strawberry.field(description="The force's own incident reference")
    occurred_at: datetime = strawberry.field(
        description="When it happened (UK local time if no offset is given)"
    )
    children: list[IncidentChildInput]


@strawberry.enum(
    description="What became of one child of an incident report: the same for every child, "
    "whether or not the authority holds a record on them (the notice goes to the child's "
    "school, or to the MASH to match by hand)"
)
class IncidentChildOutcome(enum.StrEnum):
    RECEIVED = "RECEIVED"


@strawberry.type(description="One child of the report, by its place in the input list")
class IncidentChildResult:
    position: int = strawberry.field(description="0 for the first child of the input")
    outcome: IncidentChildOutcome
    reason: str | None = strawberry.field(
        description="Advice on what was sent (a child named without an NHS number or UPN)"
    )


@strawberry.type(description="The incident is recorded and the children's schools are told")
class IncidentNotified:
    force_reference: str
    occurred_at: datetime
    children: list[IncidentChildResult]


NotifyIncidentResult = Annotated[
    IncidentNotified | InvalidInput | NotAuthorised, strawberry.union("NotifyIncidentResult")
]


@strawberry.type(
    description="An Operation Encompass notice to the school's designated safeguarding lead"
)
class EncompassNotice(HidesItsChild):
    id: strawberry.ID
    pupil_given_name: str | None
    pupil_family_name: str | None
    pupil_date_of_birth: date | None
    upn: str | None
    incident_occurred_at: datetime
    child_present: bool = strawberry.field(description="The child was present at the incident")
    due_at: datetime = strawberry.field(description="Before the next school day starts")
    school_days_to_due: int = strawberry.field(
        description="School days after the incident's day up to the due day (0: that morning)"
    )
    overdue: bool
    school_days_overdue: int = strawberry.field(
        description="School days that started after the due time before it was acknowledged"
    )
    acknowledged_at: datetime | None
    acknowledged_by: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any], info: Info[HubContext, None]) -> EncompassNotice:
        notice, pupil = row["notice"], row["pupil"]
        timing = encompass_resolvers.timing(info.context, notice)
        made = cls(
            id=strawberry.ID(notice["id"]),
            pupil_given_name=pupil.get("givenName"),
            pupil_family_name=pupil.get("familyName"),
            pupil_date_of_birth=pupil.get("dateOfBirth"),
            upn=pupil.get("upn"),
            incident_occurred_at=_instant(notice["occurredAt"]),
            child_present=bool(notice["present"]),
            due_at=_instant(notice["dueAt"]),
            school_days_to_due=notice["schoolDaysToDue"],
            overdue=timing.overdue,
            school_days_overdue=timing.school_days_overdue,
            acknowledged_at=encompass_resolvers.instant(notice.get("acknowledgedAt")),
            acknowledged_by=notice.get("acknowledgedByName"),
        )
        # A school never sees the hub's child id; the read audit records whose data left.
        return made.of_child(pupil["id"])


def _instant(ms: int) -> datetime:
    moment = encompass_resolvers.instant(ms)
    assert moment is not None
    return moment


AcknowledgeEncompassNoticeResult = Annotated[
    EncompassNotice | NotFound | InvalidInput | NotAuthorised,
    strawberry.union("AcknowledgeEncompassNoticeResult"),
]


@strawberry.enum(description="Why a notice is on the MASH's list")
class EncompassRoute(enum.StrEnum):
    SCHOOL = "SCHOOL"
    NO_SCHOOL = "NO_SCHOOL"
    RESTRICTED_RECORD = "RESTRICTED_RECORD"
    NOT_MATCHED = "NOT_MATCHED"


@strawberry.type(description="An Encompass notice the MASH must act on")
class MashEncompassNotice:
    id: strawberry.ID
    route: EncompassRoute = strawberry.field(
        description="SCHOOL: the school has not acknowledged it in time; otherwise why no"
        " school was told"
    )
    child_id: strawberry.ID | None = strawberry.field(
        description="None when police could not be matched, or the record is restricted"
    )
    child_name: str | None
    date_of_birth: date | None
    withheld: bool = strawberry.field(
        description="A restricted record: ask its grant holders; its name is withheld"
    )
    child_present: bool
    incident_occurred_at: datetime
    due_at: datetime
    overdue: bool
    school_days_overdue: int
    school_name: str | None
    school_phone: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any], info: Info[HubContext, None]) -> MashEncompassNotice:
        notice = row["notice"]
        timing = encompass_resolvers.timing(info.context, notice)
        name = (row.get("childName") or "").strip()
        return cls(
            id=strawberry.ID(notice["id"]),
            route=EncompassRoute(notice["route"]),
            child_id=strawberry.ID(row["childId"]) if row.get("childId") else None,
            child_name=name or None,
            date_of_birth=row.get("dateOfBirth"),
            withheld=bool(row["withheld"]),
            child_present=bool(notice["present"]),
            incident_occurred_at=_instant(notice["occurredAt"]),
            due_at=_instant(notice["dueAt"]),
            overdue=timing.overdue,
            school_days_overdue=timing.school_days_overdue,
            school_name=row.get("schoolName"),
            school_phone=row.get("schoolPhone"),
        )


@strawberry.type(description="The MASH's Operation Encompass list, oldest first")
class MashEncompassNotices:
    notices: list[MashEncompassNotice]


MashEncompassNoticesResult = Annotated[
    MashEncompassNotices | NotAuthorised, strawberry.union("MashEncompassNoticesResult")
]


@strawberry.type(description="The MASH recorded what it did; the notice left its list")
class EncompassFollowedUp:
    id: strawberry.ID


FollowUpEncompassNoticeResult = Annotated[
    EncompassFollowedUp | NotFound | InvalidInput | NotAuthorised,
    strawberry.union("FollowUpEncompassNoticeResult"),
]


@strawberry.type
class EncompassQueries:
    @strawberry.field(description="Education: Operation Encompass notices to your school")
    async def my_encompass_notices(self, info: Info[HubContext, None]) -> list[EncompassNotice]:
        rows = await encompass_resolvers.school_notices(info.context)
        return [EncompassNotice.from_row(row, info) for row in rows]

    @strawberry.field(
        description="The MASH: Encompass notices with no school to tell, or not acknowledged"
        " by the school in time"
    )
    async def mash_encompass_notices(
        self, info: Info[HubContext, None]
    ) -> MashEncompassNoticesResult:
        rows = await encompass_resolvers.mash_notices(info.context)
        return answer(
            rows,
            lambda rows: MashEncompassNotices(
                notices=[MashEncompassNotice.from_row(row, info) for row in rows]
            ),
        )


@strawberry.type
class EncompassMutations:
    @strawberry.mutation(
        description="Police: notify a domestic abuse incident involving children (Operation"
        " Encompass); each child's school is told before the next school day"
    )
    async def notify_domestic_abuse_incident(
        self, info: Info[HubContext, None], incident: DomesticAbuseIncidentInput
    ) -> NotifyIncidentResult:
        raw: dict[str, Any] = {
            "forceReference": incident.force_reference,
            "occurredAt": incident.occurred_at,
            # Named as the caller named them, so a problem names `children.0.nhsNumber`.
            "children": [plain_input(child) for child in incident.children],
        }
        result = await encompass_resolvers.notify_incident(info.context, raw)
        return answer(
            result,
            lambda notified: IncidentNotified(
                force_reference=notified.force_reference,
                occurred_at=notified.occurred_at,
                children=[
                    IncidentChildResult(
                        position=child.position,
                        outcome=IncidentChildOutcome(child.outcome.value),
                        reason=child.reason,
                    )
                    for child in notified.children
                ],
            ),
        )

    @strawberry.mutation(
        description="Education: your designated safeguarding lead has read a notice (dated)"
    )
    async def acknowledge_encompass_notice(
        self,
        info: Info[HubContext, None],
        notice_id: strawberry.ID,
        read_at: datetime | None = None,
    ) -> AcknowledgeEncompassNoticeResult:
        raw: dict[str, Any] = {"noticeId": str(notice_id)}
        if read_at is not None:
            raw["readAt"] = read_at
        result = await encompass_resolvers.acknowledge(info.context, raw)
        return answer(result, lambda row: EncompassNotice.from_row(row, info))

    @strawberry.mutation(description="The MASH: record what was done about an Encompass notice")
    async def follow_up_encompass_notice(
        self, info: Info[HubContext, None], notice_id: strawberry.ID, action: str
    ) -> FollowUpEncompassNoticeResult:
        result = await encompass_resolvers.follow_up(
            info.context, {"noticeId": str(notice_id), "action": action}
        )
        return answer(result, lambda notice_id: EncompassFollowedUp(id=strawberry.ID(notice_id)))
