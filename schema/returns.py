"""The DfE statutory returns for the performance role: start a job, follow it, download it."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers import returns as return_resolvers
from resolvers.context import HubContext
from returns import JobState, ReturnKind, job_warnings
from schema.outcomes import InvalidInput, NotAuthorised, NotFound, TransitionRefused, answer


@strawberry.enum(name="StatutoryReturn", description="Which DfE return to make")
class StatutoryReturn(enum.Enum):
    CIN = ReturnKind.CIN_CENSUS.value
    SSDA903 = ReturnKind.SSDA903.value


def _instant(epoch_ms: int | None) -> datetime | None:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC) if epoch_ms is not None else None


@strawberry.type(
    description="A DfE rule the finished return breaks for a child, which no save refused "
    "(an emergency order still open on 31 March past its length): what to record first"
)
class ReturnWarning:
    child_id: strawberry.ID
    code: str = strawberry.field(description='The DfE rule, e.g. "903 362"')
    message: str


@strawberry.type(description="A return being made, or made: its progress and, when done, its file")
class ReturnJob:
    id: strawberry.ID
    # Not `kind`: NotFound's `kind` is a String, and a union's members must agree.
    statutory_return: StatutoryReturn
    year: int = strawberry.field(description="The collection's end year (2026 = 2025-26)")
    state: str = strawberry.field(description="RUNNING, DONE or FAILED")
    done: int = strawberry.field(description="Children written so far")
    total: int = strawberry.field(description="Children the return will hold")
    children: int | None = strawberry.field(description="Children in the finished return")
    requested_at: datetime | None
    finished_at: datetime | None
    problem: str | None = strawberry.field(description="Why the job failed")
    download_path: str | None = strawberry.field(
        description="When done: GET this path with your bearer token (only you may)"
    )
    warnings: list[ReturnWarning] = strawberry.field(
        description="When done: DfE rules the return breaks, to send back to the workers "
        "(the first 100, by child)"
    )
    warning_count: int = strawberry.field(description="When done: how many warnings in all")
    files_removed_at: datetime | None = strawberry.field(
        description="When the return's files were removed, LCS_HUB_RETURN_FILES_KEEP_DAYS "
        "after the job ended (it names every child in it), or when the store was imported "
        "(an export does not carry them): make the return again to have it"
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ReturnJob:
        done = row["state"] == JobState.DONE.value
        return cls(
            id=strawberry.ID(row["id"]),
            statutory_return=StatutoryReturn(row["kind"]),
            year=row["year"],
            state=row["state"],
            done=row.get("done") or 0,
            total=row.get("total") or 0,
            children=row.get("children"),
            requested_at=_instant(row.get("requestedAt")),
            finished_at=_instant(row.get("finishedAt")),
            problem=row.get("problem"),
            download_path=f"/returns/{row['id']}" if done and row.get("file") else None,
            warnings=[
                ReturnWarning(child_id=strawberry.ID(w.child_id), code=w.code, message=w.message)
                for w in job_warnings(row)
            ],
            warning_count=row.get("warningCount") or 0,
            files_removed_at=_instant(row.get("filesRemovedAt")),
        )


StartReturnResult = Annotated[
    ReturnJob | NotAuthorised | InvalidInput | TransitionRefused,
    strawberry.union("StartReturnResult"),
]
ReturnJobResult = Annotated[
    ReturnJob | NotFound | NotAuthorised, strawberry.union("ReturnJobResult")
]


@strawberry.type
class ReturnQueries:
    @strawberry.field(description="A return job you started: its state and progress")
    async def return_job(self, info: Info[HubContext, None], id: strawberry.ID) -> ReturnJobResult:
        result = await return_resolvers.return_job(info.context, id)
        return answer(result, ReturnJob.from_row)


@strawberry.type
class ReturnMutations:
    @strawberry.mutation(
        description="Start making a DfE return for a collection year in the background "
        "(performance role; one of each kind at a time; every child in it is audited)"
    )
    async def start_return(
        self, info: Info[HubContext, None], kind: StatutoryReturn, year: int
    ) -> StartReturnResult:
        result = await return_resolvers.start_return(info.context, ReturnKind(kind.value), year)
        return answer(result, ReturnJob.from_row)
