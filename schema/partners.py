"""The partner datasets: police enquiries, a school's pupils, the CP-IS lookup for health."""

from __future__ import annotations

import enum
from datetime import date
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers import partners as partner_resolvers
from resolvers.context import HubContext
from schema.audit import HidesItsChild
from schema.outcomes import (
    InvalidInput,
    NotAuthorised,
    NotFound,
    answer,
)
from schema.people import Child
from workflow.enquiries import EnquiryKind

strawberry.enum(EnquiryKind, name="EnquiryKind", description="MASH or strategy discussion")


@strawberry.enum(description="The kind of plan CP-IS reports")
class CpisPlanType(enum.StrEnum):
    CHILD_PROTECTION_PLAN = "CHILD_PROTECTION_PLAN"
    UNBORN_CHILD_PROTECTION_PLAN = "UNBORN_CHILD_PROTECTION_PLAN"
    LOOKED_AFTER = "LOOKED_AFTER"


@strawberry.type(description="A plan CP-IS shares with unscheduled care")
class CpisPlan(HidesItsChild):
    type: CpisPlanType
    start_date: date
    end_date: date | None

    @classmethod
    def from_row(cls, plan: dict[str, Any]) -> CpisPlan:
        if plan["kind"] == "LAC":
            kind = CpisPlanType.LOOKED_AFTER
        elif plan.get("unborn"):
            kind = CpisPlanType.UNBORN_CHILD_PROTECTION_PLAN
        else:
            kind = CpisPlanType.CHILD_PROTECTION_PLAN
        found = cls(type=kind, start_date=plan["start"], end_date=plan.get("end"))
        # The plan may come from another record of the same person, and the read audit
        # records each record whose data left.
        return found.of_child(plan["childId"])


@strawberry.type(description="The local authority responsible, and how to reach it")
class ResponsibleAuthority:
    name: str
    office_hours_phone: str | None
    out_of_hours_phone: str | None


@strawberry.type(
    description="The CP-IS dataset for one NHS number: nothing clinical, no case detail"
)
class CpisRecord:
    nhs_number: str
    plans: list[CpisPlan]
    responsible_authority: ResponsibleAuthority | None

    @property
    def audited_child_ids(self) -> list[str]:
        # Health never sees the hub's child id. An answer selecting no plan still tells
        # health the child is on one, from every record of theirs holding one: the read
        # is each such record's, audited, and its allocated worker told.
        return sorted({plan.audited_child_id for plan in self.plans if plan.audited_child_id})

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CpisRecord:
        plans = [CpisPlan.from_row(plan) for plan in row["plans"]]
        authority = row.get("authority")
        return cls(
            nhs_number=row["nhsNumber"],
            plans=sorted(plans, key=lambda plan: plan.start_date, reverse=True),
            responsible_authority=ResponsibleAuthority(
                name=authority["name"],
                office_hours_phone=authority.get("phone"),
                out_of_hours_phone=authority.get("outOfHoursPhone"),
            )
            if authority
            else None,
        )


@strawberry.type(
    description="CP-IS has nothing to share for this NHS number: no child protection plan,"
    " pre-birth plan or period looked after, current or ended in the previous 12 months"
    " (the same answer whether or not the authority knows the child)"
)
class NoCpisRecord:
    nhs_number: str


CpisLookupResult = Annotated[
    CpisRecord | NoCpisRecord | InvalidInput, strawberry.union("CpisLookupResult")
]


@strawberry.type(description="A multi-agency enquiry (MASH or strategy discussion)")
class MultiAgencyEnquiry:
    id: strawberry.ID
    parties: int


OpenEnquiryResult = Annotated[
    MultiAgencyEnquiry | NotFound | NotAuthorised | InvalidInput,
    strawberry.union("OpenEnquiryResult"),
]


@strawberry.type(description="An enquiry after closing")
class ClosedEnquiry:
    id: strawberry.ID


CloseEnquiryResult = Annotated[
    ClosedEnquiry | NotFound | NotAuthorised, strawberry.union("CloseEnquiryResult")
]


@strawberry.type
class PartnerQueries:
    @strawberry.field(description="Police: children in open enquiries your force is party to")
    async def enquiry_children(self, info: Info[HubContext, None]) -> list[Child]:
        rows = await partner_resolvers.police_enquiry_children(info.context)
        return [Child.from_row(row) for row in rows]

    @strawberry.field(description="Education: your school's pupils known to children's services")
    async def my_pupils(self, info: Info[HubContext, None]) -> list[Child]:
        rows = await partner_resolvers.school_pupils(info.context)
        return [Child.from_row(row) for row in rows]

    @strawberry.field(
        description="Health: the CP-IS record for an NHS number, if there is one",
        deprecation_reason="A mistyped NHS number answers null here, as no plan does:"
        " use cpisLookup, which refuses it as InvalidInput naming nhsNumber and the rule",
    )
    async def cpis_record(self, info: Info[HubContext, None], nhs_number: str) -> CpisRecord | None:
        row = await partner_resolvers.cpis_record(info.context, nhs_number)
        return CpisRecord.from_row(row) if row else None

    @strawberry.field(
        description="Health: the CP-IS record for an NHS number, NoCpisRecord when there is"
        " nothing to share, or InvalidInput when the number is not a valid NHS number"
        " (10 digits, the last its modulus-11 check digit)"
    )
    async def cpis_lookup(self, info: Info[HubContext, None], nhs_number: str) -> CpisLookupResult:
        result = await partner_resolvers.cpis_lookup(info.context, nhs_number)
        return answer(
            result,
            lambda row: (
                CpisRecord.from_row(row)
                if row["plans"]
                else NoCpisRecord(nhs_number=row["nhsNumber"])
            ),
        )


@strawberry.type
class EnquiryMutations:
    @strawberry.mutation(description="Open a multi-agency enquiry with partner agencies")
    async def open_multi_agency_enquiry(
        self,
        info: Info[HubContext, None],
        child_ids: list[strawberry.ID],
        kind: EnquiryKind,
        agency_ids: list[strawberry.ID],
        reason: str,
    ) -> OpenEnquiryResult:
        result = await partner_resolvers.open_enquiry(
            info.context,
            {
                "childIds": [str(c) for c in child_ids],
                "kind": kind,
                "agencyIds": [str(a) for a in agency_ids],
                "reason": reason,
            },
        )
        return answer(
            result,
            lambda result: MultiAgencyEnquiry(
                id=strawberry.ID(result["id"]), parties=result["parties"]
            ),
        )

    @strawberry.mutation(description="Close a multi-agency enquiry")
    async def close_multi_agency_enquiry(
        self, info: Info[HubContext, None], enquiry_id: strawberry.ID
    ) -> CloseEnquiryResult:
        result = await partner_resolvers.close_enquiry(info.context, enquiry_id)
        return answer(result, lambda result: ClosedEnquiry(id=strawberry.ID(result)))
