"""The workforce in the API: teams, workers, the HR feed, and allocating children."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers import workforce as workforce_resolvers
from resolvers.context import HubContext
from schema.inputs import plain_input
from schema.outcomes import InvalidInput, NotAuthorised, NotFound, TransitionRefused, answer
from workflow import codes
from workflow.workforce import AgencyKind, WorkerRole

if TYPE_CHECKING:
    from workflow.workforce import ImportReport

strawberry.enum(WorkerRole, name="WorkerRole", description="An internal role of the authority")
strawberry.enum(AgencyKind, name="AgencyKind", description="What kind of organisation")
strawberry.enum(
    codes.SocialWorkerChangeReason,
    name="SocialWorkerChangeReason",
    description=codes.SocialWorkerChangeReason.dfe_item,
)


def _instant(epoch_ms: int | None) -> datetime | None:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC) if epoch_ms is not None else None


@strawberry.type(description="A member of the authority's staff, as the workforce records them")
class StaffMember:
    id: strawberry.ID
    name: str
    role: WorkerRole
    team_id: strawberry.ID | None
    team_name: str | None
    manager_id: strawberry.ID | None
    manager_name: str | None
    email: str | None
    phone: str | None
    registration_number: str | None = strawberry.field(
        description="Social Work England registration (the SSDA903 SW_ID)"
    )
    start_date: date | None
    end_date: date | None
    recorded_by: str | None
    recorded_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> StaffMember:
        worker = row["worker"]
        return cls(
            id=strawberry.ID(worker["id"]),
            name=worker["name"],
            role=WorkerRole(worker["role"]),
            team_id=row.get("teamId"),
            team_name=row.get("teamName"),
            manager_id=row.get("managerId"),
            manager_name=row.get("managerName"),
            email=worker.get("email"),
            phone=worker.get("phone"),
            registration_number=worker.get("registrationNumber"),
            start_date=worker.get("startDate"),
            end_date=worker.get("endDate"),
            recorded_by=worker.get("recordedBy"),
            recorded_at=_instant(worker.get("recordedAt")),
        )


@strawberry.type(description="An agency as the administrator saved it")
class SavedAgency:
    id: strawberry.ID
    name: str
    kind: AgencyKind
    phone: str | None
    out_of_hours_phone: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SavedAgency:
        return cls(
            id=strawberry.ID(row["id"]),
            name=row["name"],
            kind=AgencyKind(row["kind"]),
            phone=row.get("phone"),
            out_of_hours_phone=row.get("outOfHoursPhone"),
        )


@strawberry.type(description="A team and its members")
class Team:
    id: strawberry.ID
    name: str
    agency_id: strawberry.ID | None
    members: list[StaffMember]


@strawberry.type(description="The worker an allocation was made to in error, and its correction")
class AllocationCorrection:
    previous_worker_id: strawberry.ID = strawberry.field(
        description="The worker it was made to in error"
    )
    previous_worker_name: str | None
    # Why it was wrong is a manager's free text: case narrative, as other corrections' are.
    reason: str | None
    corrected_by: str | None
    corrected_at: datetime | None

    @classmethod
    def of(cls, allocation: dict[str, Any]) -> AllocationCorrection | None:
        if not allocation.get("previousWorkerId"):
            return None
        return cls(
            previous_worker_id=strawberry.ID(allocation["previousWorkerId"]),
            previous_worker_name=allocation.get("previousWorkerName"),
            reason=allocation.get("correctionReason"),
            corrected_by=allocation.get("correctedBy"),
            corrected_at=_instant(allocation.get("correctedAt")),
        )


@strawberry.type(description="The day an allocation was recorded as beginning, and its correction")
class AllocationStartCorrection:
    started_from: date = strawberry.field(description="The day it was recorded as beginning")
    # Why it was wrong is a manager's free text: case narrative, as other corrections' are.
    reason: str | None
    corrected_by: str | None
    corrected_at: datetime | None

    @classmethod
    def of(cls, allocation: dict[str, Any]) -> AllocationStartCorrection | None:
        if not allocation.get("startDateCorrectedFrom"):
            return None
        return cls(
            started_from=date.fromisoformat(allocation["startDateCorrectedFrom"]),
            reason=allocation.get("startDateCorrectionReason"),
            corrected_by=allocation.get("startDateCorrectedBy"),
            corrected_at=_instant(allocation.get("startDateCorrectedAt")),
        )


@strawberry.type(description="A child's allocation to a social worker (an SSDA903 SW episode)")
class Allocation:
    id: strawberry.ID
    child_id: strawberry.ID
    worker_id: strawberry.ID
    worker_name: str
    team_id: strawberry.ID | None
    start_date: date
    end_date: date | None
    reason_for_change: codes.SocialWorkerChangeReason = strawberry.field(
        description="Why the child's social worker changed (SSDA903 SW_REASON)"
    )
    recorded_by: str
    recorded_at: datetime
    ended_by: str | None
    ended_at: datetime | None
    correction: AllocationCorrection | None = strawberry.field(
        description="Made to the wrong worker and corrected (correctAllocation)"
    )
    start_correction: AllocationStartCorrection | None = strawberry.field(
        description="Recorded as beginning on the wrong day and corrected (correctAllocation)"
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Allocation:
        allocation = row["allocation"]
        recorded = _instant(allocation["recordedAt"])
        assert recorded is not None
        return cls(
            id=strawberry.ID(allocation["id"]),
            child_id=strawberry.ID(row["childId"]),
            worker_id=strawberry.ID(row["workerId"]),
            worker_name=row["workerName"],
            team_id=row.get("teamId"),
            start_date=allocation["startDate"],
            end_date=allocation.get("endDate"),
            reason_for_change=codes.SocialWorkerChangeReason.from_code(allocation["reason"]),
            recorded_by=allocation["recordedBy"],
            recorded_at=recorded,
            ended_by=allocation.get("endedBy"),
            ended_at=_instant(allocation.get("endedAt")),
            correction=AllocationCorrection.of(allocation),
            start_correction=AllocationStartCorrection.of(allocation),
        )


@strawberry.type(
    description="A child of the team with something open and no allocated worker in post"
)
class UnallocatedChild:
    child_id: strawberry.ID
    child_name: str
    last_allocated_until: date | None
    worker_left_on: date | None = strawberry.field(
        description="The allocated worker's last day in post, when that is why"
    )


@strawberry.type(description="A child allocated to you, and since when")
class AllocatedChild:
    child_id: strawberry.ID
    child_name: str
    allocated_on: date
    reason_for_change: codes.SocialWorkerChangeReason


async def my_caseload(context: HubContext) -> list[AllocatedChild]:
    """The caller's allocated children, by name."""
    return [
        AllocatedChild(
            child_id=strawberry.ID(row["childId"]),
            child_name=row["childName"],
            allocated_on=row["allocatedOn"],
            reason_for_change=codes.SocialWorkerChangeReason.from_code(row["reason"]),
        )
        for row in await workforce_resolvers.my_caseload(context)
    ]


@strawberry.type(description="A row of the HR feed left out, and why")
class ImportProblem:
    line: int
    field: str
    reason: str


@strawberry.type(description="What loading the HR feed did")
class WorkforceImported:
    created: int
    updated: int
    unchanged: int
    teams_created: int
    problems: list[ImportProblem]

    @classmethod
    def of(cls, report: ImportReport) -> WorkforceImported:
        return cls(
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            teams_created=report.teams_created,
            problems=[
                ImportProblem(line=p.line, field=p.field, reason=p.reason) for p in report.problems
            ],
        )


@strawberry.input(description="An agency: the authority itself, a police force, a trust, a school")
class SaveAgencyInput:
    id: strawberry.ID
    name: str
    kind: AgencyKind
    phone: str | None = None
    out_of_hours_phone: str | None = None


@strawberry.input(description="A team")
class SaveTeamInput:
    id: strawberry.ID
    name: str
    agency_id: strawberry.ID | None = strawberry.field(
        default=None, description="The agency the team belongs to"
    )


@strawberry.input(description="A worker: role, team, line manager and dates in post")
class SaveWorkerInput:
    id: strawberry.ID = strawberry.field(description="The subject of the worker's sign-in token")
    name: str
    role: WorkerRole
    team_id: strawberry.ID
    start_date: date
    manager_id: strawberry.ID | None = None
    end_date: date | None = None
    email: str | None = None
    phone: str | None = None
    registration_number: str | None = None


@strawberry.input(description="Allocating a child (a reallocation ends the open allocation)")
class AllocateChildInput:
    child_id: strawberry.ID
    worker_id: strawberry.ID
    reason: codes.SocialWorkerChangeReason
    on: date | None = strawberry.field(
        default=None, description="The day it began; today if absent"
    )


@strawberry.input(description="The right worker for an open allocation made to the wrong one")
class CorrectAllocationInput:
    child_id: strawberry.ID
    allocation_id: strawberry.ID | None = strawberry.field(
        default=None, description="The allocation, open or ended; the open one if absent"
    )
    worker_id: strawberry.ID | None = strawberry.field(
        default=None, description="The worker it should have named (or give startedOn)"
    )
    started_on: date | None = strawberry.field(
        default=None, description="The day it really began (or give workerId)"
    )
    reason: str = strawberry.field(description="Why the allocation was wrong")


@strawberry.input(description="Ending a child's allocation")
class EndAllocationInput:
    child_id: strawberry.ID
    on: date | None = strawberry.field(
        default=None, description="The day it ended; today if absent"
    )


TeamResult = Annotated[
    Team | NotFound | NotAuthorised | InvalidInput, strawberry.union("TeamResult")
]
AgencyResult = Annotated[
    SavedAgency | NotAuthorised | InvalidInput, strawberry.union("AgencyResult")
]
WorkerResult = Annotated[
    StaffMember | NotFound | NotAuthorised | InvalidInput, strawberry.union("WorkerResult")
]
WorkforceImportResult = Annotated[
    WorkforceImported | NotAuthorised | InvalidInput, strawberry.union("WorkforceImportResult")
]
AllocationResult = Annotated[
    Allocation | NotFound | NotAuthorised | InvalidInput | TransitionRefused,
    strawberry.union("AllocationResult"),
]


def _team(row: dict[str, Any]) -> Team:
    return Team(
        id=strawberry.ID(row["id"]),
        name=row["name"],
        agency_id=row.get("agencyId"),
        members=[
            StaffMember.from_row({**member, "teamId": row["id"], "teamName": row["name"]})
            for member in row.get("members") or ()
            if member is not None
        ],
    )


@strawberry.type
class WorkforceQueries:
    @strawberry.field(description="Every team, its members and their line managers")
    async def teams(self, info: Info[HubContext, None]) -> list[Team]:
        return [_team(row) for row in await workforce_resolvers.teams(info.context)]

    @strawberry.field(description="A worker by id (null if unknown)")
    async def worker(self, info: Info[HubContext, None], id: strawberry.ID) -> StaffMember | None:
        row = await workforce_resolvers.worker(info.context, id)
        return StaffMember.from_row(row) if row else None

    @strawberry.field(description="A child's allocations, newest first (empty if not visible)")
    async def allocations(
        self, info: Info[HubContext, None], child_id: strawberry.ID
    ) -> list[Allocation]:
        rows = await workforce_resolvers.allocations_of(info.context, child_id)
        return [Allocation.from_row(row) for row in rows]

    @strawberry.field(description="A team's children with something open and nobody allocated")
    async def unallocated_children(
        self, info: Info[HubContext, None], team_id: strawberry.ID | None = None
    ) -> list[UnallocatedChild]:
        team = team_id or info.context.principal.team_id
        return await unallocated_children(info.context, team) if team else []


async def unallocated_children(context: HubContext, team_id: str) -> list[UnallocatedChild]:
    """The team's unallocated children (the caller's own view of them)."""
    rows = await workforce_resolvers.unallocated_in_team(context, team_id)
    return [
        UnallocatedChild(
            child_id=strawberry.ID(row["childId"]),
            child_name=row["childName"],
            last_allocated_until=row["lastAllocatedUntil"],
            worker_left_on=row["workerLeftOn"],
        )
        for row in rows
    ]


@strawberry.type
class WorkforceMutations:
    @strawberry.mutation(description="Create or rename a team (administrators)")
    async def save_team(self, info: Info[HubContext, None], input: SaveTeamInput) -> TeamResult:
        result = await workforce_resolvers.save_team(info.context, plain_input(input))
        return answer(result, _team)

    @strawberry.mutation(description="Create or change an agency (administrators)")
    async def save_agency(
        self, info: Info[HubContext, None], input: SaveAgencyInput
    ) -> AgencyResult:
        result = await workforce_resolvers.save_agency(info.context, plain_input(input))
        return answer(result, SavedAgency.from_row)

    @strawberry.mutation(description="Create or change a worker (administrators)")
    async def save_worker(
        self, info: Info[HubContext, None], input: SaveWorkerInput
    ) -> WorkerResult:
        result = await workforce_resolvers.save_worker(info.context, plain_input(input))
        return answer(result, StaffMember.from_row)

    @strawberry.mutation(
        description="Load the HR feed (CSV: worker_id, name, role, team_id, team_name, "
        "manager_id, start_date, end_date, email, phone, registration_number); bad rows "
        "are reported and left out, and loading it again changes nothing"
    )
    async def import_workforce(
        self, info: Info[HubContext, None], csv: str
    ) -> WorkforceImportResult:
        result = await workforce_resolvers.import_workforce(info.context, csv)
        return answer(result, WorkforceImported.of)

    @strawberry.mutation(
        description="Allocate a child to a social worker (team managers); a reallocation "
        "ends the open allocation the day the new one begins"
    )
    async def allocate_child(
        self, info: Info[HubContext, None], input: AllocateChildInput
    ) -> AllocationResult:
        result = await workforce_resolvers.allocate(info.context, plain_input(input))
        return answer(result, Allocation.from_row)

    @strawberry.mutation(
        description="Put right a child's allocation, open or ended, recorded wrong (team "
        "managers): the worker it named, the same allocation from the same day, not a "
        "reallocation; or the day it began, the allocation it ended ending that day too"
    )
    async def correct_allocation(
        self, info: Info[HubContext, None], input: CorrectAllocationInput
    ) -> AllocationResult:
        result = await workforce_resolvers.correct_allocation(info.context, plain_input(input))
        return answer(result, Allocation.from_row)

    @strawberry.mutation(description="End a child's allocation (team managers)")
    async def end_allocation(
        self, info: Info[HubContext, None], input: EndAllocationInput
    ) -> AllocationResult:
        result = await workforce_resolvers.end_allocation(info.context, plain_input(input))
        return answer(result, Allocation.from_row)
