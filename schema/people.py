"""The child and the people, places and agencies around them."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

import strawberry
from strawberry.federation import type as entity_type
from strawberry.types import Info

from resolvers import children as child_resolvers
from resolvers import fostering as fostering_resolvers
from resolvers import journey as journey_resolvers
from resolvers import linking as linking_resolvers
from resolvers.context import HubContext
from resolvers.page_sizes import MOST_AT_ONCE
from schema.adoption_types import AdoptionPlan
from schema.casework import CaseNote, Contact
from schema.early_help import EarlyHelpEpisode, early_help_episodes
from schema.early_help_requests import EarlyHelpRequest
from schema.education import PersonalEducationPlanStatus, personal_education_plan
from schema.enums import Sex
from schema.episodes import EpisodeType, open_episodes
from schema.fostering_types import ShortBreak
from schema.journey_types import (
    Case,
    ChildProtectionPlanDates,
    PeriodOfCare,
    latest_child_protection_plan,
)
from schema.limits import page_size_refused
from schema.livelink import LivelinkFile
from schema.school_records import EducationRecords, education
from schema.single_service_requests import SingleServiceRequest
from schema.worklists import ChronologyEntry, chronology_entries


@strawberry.enum(description="Whether a person on the record is a child or an adult")
class PersonKind(enum.StrEnum):
    CHILD = "CHILD"
    ADULT = "ADULT"


@strawberry.type(description="A postal address")
class Address:
    id: strawberry.ID
    line1: str
    line2: str | None
    town: str
    postcode: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Address:
        return cls(
            id=strawberry.ID(row["id"]),
            line1=row["line1"],
            line2=row.get("line2"),
            town=row["town"],
            postcode=row["postcode"],
        )


@entity_type(keys=["id"], description="A person on the record: a family member or relative")
class Person:
    id: strawberry.ID
    given_name: str
    family_name: str
    date_of_birth: date | None
    unborn: bool
    kind: PersonKind

    @property
    def audited_child_id(self) -> str | None:
        # A child named as someone's family member is still a child whose data left.
        return str(self.id) if self.kind is PersonKind.CHILD else None

    @property
    def audited_child_ids(self) -> list[str]:
        """An adult read on their own (by federation key): the children they were found
        through, whose record they are part of. Empty otherwise (the child, or the field
        of the child that led here, says it)."""
        return list(self.__dict__.get("_audited_children", ()))

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Person:
        return cls(
            id=strawberry.ID(row["id"]),
            given_name=row["givenName"],
            family_name=row["familyName"],
            date_of_birth=row.get("dateOfBirth"),
            unborn=bool(row.get("unborn")),
            kind=PersonKind(row["kind"]),
        )

    @classmethod
    async def resolve_reference(cls, info: Info[HubContext, None], id: str) -> Person | None:
        # Federation `_entities`: the same row rule as a family member or a relative.
        row = await info.context.loaders.person.load(id)
        if not row:
            return None
        person = cls.from_row(row)
        if person.kind is PersonKind.ADULT:
            # No child's field leads here: the read is in the audit of the children the
            # adult was found through (their household, or the children related to them).
            person.__dict__["_audited_children"] = tuple(row.get("throughChildren") or ())
        return person


@strawberry.type(description="A member of the child's household")
class FamilyMember:
    person: Person
    household_role: str | None


@entity_type(keys=["id"], description="A household the child belongs to")
class Family:
    id: strawberry.ID
    name: str
    members: list[FamilyMember]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Family:
        members = [
            FamilyMember(person=Person.from_row(member), household_role=member.get("householdRole"))
            for member in row["members"]
        ]
        family = row["family"]
        return cls(id=strawberry.ID(family["id"]), name=family["name"], members=members)

    @property
    def audited_child_ids(self) -> list[str]:
        """Whose data a household read on its own carries: its children shown (its name is
        theirs). Read through `Child.family`, the child's own `family` field says it."""
        return list(self.__dict__.get("_audited_children", ()))

    @classmethod
    async def resolve_reference(cls, info: Info[HubContext, None], id: str) -> Family | None:
        # Federation `_entities`: found only through a child of the household the caller
        # may see, with the same members a child's `family` shows; no child's field leads
        # here, so the household's children are in the read audit of what it answers.
        row = await info.context.loaders.family_by_id.load(id)
        if not row:
            return None
        family = cls.from_row(row)
        family.__dict__["_audited_children"] = tuple(
            str(member.person.id)
            for member in family.members
            if member.person.kind is PersonKind.CHILD
        )
        return family


@strawberry.type(description="How a person is related to the child, e.g. MOTHER, SIBLING")
class Relationship:
    type: str
    person: Person


@strawberry.type(description="A worker of the local authority")
class Worker:
    id: strawberry.ID
    name: str
    role: str
    team: str | None
    email: str | None
    phone: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Worker:
        return cls(
            id=strawberry.ID(row["id"]),
            name=row["name"],
            role=row["role"],
            team=row.get("team"),
            email=row.get("email"),
            phone=row.get("phone"),
        )


@strawberry.type(description="A school or other agency")
class Agency:
    id: strawberry.ID
    name: str
    kind: str
    phone: str | None


@strawberry.type(description="A professional involved with the child")
class Involvement:
    id: strawberry.ID
    role: str
    worker: str | None
    agency: str | None
    start_date: date | None
    end_date: date | None


@entity_type(keys=["id"], description="A child known to children's services")
class Child:
    id: strawberry.ID
    given_name: str
    family_name: str
    date_of_birth: date | None
    expected_date_of_birth: date | None
    unborn: bool
    sex: Sex
    ethnicity: str | None
    nhs_number: str | None
    upn: str | None
    open_episodes: list[EpisodeType] = strawberry.field(
        resolver=open_episodes, description="The child's open episodes of social care"
    )
    personal_education_plan: PersonalEducationPlanStatus | None = strawberry.field(
        resolver=personal_education_plan,
        description="The looked-after child's personal education plan (PEP)",
    )
    # ---- what EHM and IES sent about the child (connectors/ehm, connectors/ies) ----
    early_help_episodes: list[EarlyHelpEpisode] = strawberry.field(
        resolver=early_help_episodes,
        description="Early help (EHM): episodes with their assessments and teams, latest first",
    )
    education: EducationRecords = strawberry.field(
        resolver=education,
        description="Education (IES): schools and year groups, attendance, exclusions, SSRs",
    )

    @property
    def audited_child_id(self) -> str:
        return str(self.id)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Child:
        return cls(
            id=strawberry.ID(row["id"]),
            given_name=row["givenName"],
            family_name=row["familyName"],
            date_of_birth=row.get("dateOfBirth"),
            expected_date_of_birth=row.get("expectedDateOfBirth"),
            unborn=bool(row.get("unborn")),
            sex=Sex(row.get("sex") or "U"),
            ethnicity=row.get("ethnicity"),
            nhs_number=row.get("nhsNumber"),
            upn=row.get("upn"),
        )

    @classmethod
    async def resolve_reference(cls, info: Info[HubContext, None], id: str) -> Child | None:
        # Federation `_entities` goes through the same access rule as `child(id)`.
        row = await child_resolvers.child(info.context, id)
        return cls.from_row(row) if row else None

    @strawberry.field(description="The child's current address")
    async def address(self, info: Info[HubContext, None]) -> Address | None:
        row = await info.context.loaders.address.load(self.id)
        return Address.from_row(row) if row else None

    @strawberry.field(description="The household the child belongs to, with its members")
    async def family(self, info: Info[HubContext, None]) -> Family | None:
        row = await info.context.loaders.family.load(self.id)
        return Family.from_row(row) if row else None

    @strawberry.field(description="People related to the child and how")
    async def relationships(self, info: Info[HubContext, None]) -> list[Relationship]:
        rows = await info.context.loaders.relationships.load(self.id)
        return [
            Relationship(type=row["type"], person=Person.from_row(row["person"])) for row in rows
        ]

    @strawberry.field(description="The child's allocated social worker")
    async def allocated_worker(self, info: Info[HubContext, None]) -> Worker | None:
        row = await info.context.loaders.allocated_worker.load(self.id)
        return Worker.from_row(row) if row else None

    @strawberry.field(description="The school the child attends")
    async def school(self, info: Info[HubContext, None]) -> Agency | None:
        row = await info.context.loaders.school.load(self.id)
        if row is None:
            return None
        return Agency(
            id=strawberry.ID(row["id"]), name=row["name"], kind=row["kind"], phone=row.get("phone")
        )

    @strawberry.field(description="Professionals involved with the child")
    async def involvements(self, info: Info[HubContext, None]) -> list[Involvement]:
        rows = await info.context.loaders.involvements.load(self.id)
        return [
            Involvement(
                id=strawberry.ID(row["involvement"]["id"]),
                role=row["involvement"]["role"],
                worker=row["involvement"].get("worker"),
                agency=row["involvement"].get("agency"),
                start_date=row["involvement"].get("startDate"),
                end_date=row["involvement"].get("endDate"),
            )
            for row in rows
        ]

    @strawberry.field(description="Contacts about the child, newest first")
    async def contacts(self, info: Info[HubContext, None]) -> list[Contact]:
        rows = await info.context.loaders.contacts.load(self.id)
        return [
            Contact.from_row(
                {**row["contact"], "childId": self.id, "referralId": row["referralId"]}
            )
            for row in rows
        ]

    @strawberry.field(
        description="Case notes as they stand, newest first; `latest: 20` gives the 20 newest "
        f"(1 to {MOST_AT_ONCE}); without it, every note"
    )
    async def case_notes(
        self, info: Info[HubContext, None], latest: int | None = None
    ) -> list[CaseNote]:
        if latest is not None and (refused := page_size_refused("caseNotes", "latest", latest)):
            raise refused
        rows = await child_resolvers.case_notes(info.context, self.id, latest)
        return [
            CaseNote.from_row({**row["note"], "author": row["author"], "childId": row["childId"]})
            for row in rows
        ]

    @strawberry.field(
        description="The child's own Livelink file, once one has been opened (a file a merged"
        " record brought is among `files`, never this)"
    )
    async def file(self, info: Info[HubContext, None]) -> LivelinkFile | None:
        rows = await info.context.loaders.files.load(self.id)
        # FILES_OF answers the record's own file first: a first row a merge brought means
        # the record has none of its own yet.
        own = [row for row in rows if not row["broughtByMerge"]]
        return LivelinkFile.from_row(own[0]) if own else None

    @strawberry.field(
        description=(
            "Every Livelink file of the record: its own first, then those of records"
            " merged into it (Livelink keeps them apart), oldest first"
        )
    )
    async def files(self, info: Info[HubContext, None]) -> list[LivelinkFile]:
        rows = await info.context.loaders.files.load(self.id)
        return [LivelinkFile.from_row(row) for row in rows]

    # ---- the case journey ----
    @strawberry.field(description="The child's cases (CIN episodes), newest first")
    async def cases(self, info: Info[HubContext, None]) -> list[Case]:
        rows = await journey_resolvers.cases_of(info.context, self.id)
        return [Case.from_row(row) for row in rows]

    @strawberry.field(description="The child's periods of care, newest first")
    async def periods_of_care(self, info: Info[HubContext, None]) -> list[PeriodOfCare]:
        rows = await journey_resolvers.periods_of_care_of(info.context, self.id)
        return [PeriodOfCare.from_row(row) for row in rows]

    @strawberry.field(description="The child's short breaks (SSDA903 V3/V4), newest first")
    async def short_breaks(self, info: Info[HubContext, None]) -> list[ShortBreak]:
        rows = await fostering_resolvers.short_breaks_of(info.context, self.id)
        return [ShortBreak.from_row(row) for row in rows]

    @strawberry.field(description="The child's plans for adoption, newest first")
    async def adoption_plans(self, info: Info[HubContext, None]) -> list[AdoptionPlan]:
        rows = await journey_resolvers.adoption_plans_of(info.context, self.id)
        return [AdoptionPlan.from_row(row) for row in rows]

    @strawberry.field(description="The start and end of the child's latest child protection plan")
    async def child_protection_plan(
        self, info: Info[HubContext, None]
    ) -> ChildProtectionPlanDates | None:
        rows = await journey_resolvers.cases_of(info.context, self.id)
        return latest_child_protection_plan([Case.from_row(row) for row in rows])

    @strawberry.field(
        description="Single Service Requests from the education system (IES), newest first"
    )
    async def single_service_requests(
        self, info: Info[HubContext, None]
    ) -> list[SingleServiceRequest]:
        rows = await linking_resolvers.single_service_requests_of(info.context, self.id)
        return [SingleServiceRequest.from_row(row) for row in rows]

    @strawberry.field(description="Requests for early help sent to EHM (step down), newest first")
    async def early_help_requests(self, info: Info[HubContext, None]) -> list[EarlyHelpRequest]:
        rows = await linking_resolvers.early_help_requests_of(info.context, self.id)
        return [EarlyHelpRequest.from_row(row) for row in rows]

    @strawberry.field(description="Journey steps, case notes, notices and contacts, oldest first")
    async def chronology(self, info: Info[HubContext, None]) -> list[ChronologyEntry]:
        row = await journey_resolvers.chronology(info.context, self.id)
        return chronology_entries(row) if row else []
