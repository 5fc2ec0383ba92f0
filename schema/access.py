"""Access control in the API: the access trail, partner-access notices, grants, training."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers import access as access_resolvers
from resolvers.context import HubContext
from schema.limits import page_size_refused
from schema.outcomes import (
    InvalidInput,
    NotAuthorised,
    NotFound,
    answer,
)


def _instant(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC)


@strawberry.type(description="One audited read of a child's record")
class AccessEvent:
    id: strawberry.ID
    at: datetime
    subject: str
    subject_name: str
    agency: str
    audience: str
    role: str
    purpose: str | None
    operation: str
    fields: list[str]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AccessEvent:
        return cls(
            id=strawberry.ID(row["id"]),
            at=_instant(row["at"]),
            subject=row["subject"],
            subject_name=row["subjectName"],
            agency=row["agency"],
            audience=row["audience"],
            role=row["role"],
            purpose=row.get("purpose"),
            operation=row["operation"],
            fields=list(row["fields"]),
        )


@strawberry.type(description="Who has read a child's record, newest first")
class AccessTrail:
    child_id: strawberry.ID
    events: list[AccessEvent]


@strawberry.type(description="A partner agency read the record of a child allocated to you")
class PartnerAccessNotice:
    id: strawberry.ID
    at: datetime
    child_id: strawberry.ID
    child_name: str
    audience: str
    agency: str
    reader: str
    purpose: str | None
    acknowledged: bool


@strawberry.type(description="An explicit, time-limited grant to a restricted record")
class AccessGrant:
    id: strawberry.ID
    worker_id: strawberry.ID
    expires_at: datetime
    reason: str
    granted_by: str
    granted_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AccessGrant:
        return cls(
            id=strawberry.ID(row["id"]),
            worker_id=strawberry.ID(row["workerId"]),
            expires_at=_instant(row["expiresAt"]),
            reason=row["reason"],
            granted_by=row["grantedBy"],
            granted_at=_instant(row["grantedAt"]),
        )


@strawberry.type(description="A recorded training completion")
class TrainingCompletion:
    worker_id: strawberry.ID
    module: str


@strawberry.type(description="How many requirement rows the matrix import loaded")
class TrainingMatrixImported:
    requirements: int


AccessTrailResult = Annotated[
    AccessTrail | NotFound | NotAuthorised | InvalidInput, strawberry.union("AccessTrailResult")
]
GrantResult = Annotated[
    AccessGrant | NotFound | NotAuthorised | InvalidInput, strawberry.union("GrantResult")
]


@strawberry.type(description="A record's restriction after a change")
class RecordRestriction:
    child_id: strawberry.ID
    restricted: bool


RestrictResult = Annotated[
    RecordRestriction | NotFound | NotAuthorised | InvalidInput, strawberry.union("RestrictResult")
]
TrainingCompletionResult = Annotated[
    TrainingCompletion | NotFound | NotAuthorised | InvalidInput,
    strawberry.union("TrainingCompletionResult"),
]
TrainingMatrixResult = Annotated[
    TrainingMatrixImported | NotAuthorised | InvalidInput,
    strawberry.union("TrainingMatrixResult"),
]


@strawberry.type
class AccessQueries:
    @strawberry.field(description="Who read this child's record (managers, records officers)")
    async def access_trail(
        self, info: Info[HubContext, None], child_id: strawberry.ID, limit: int = 100
    ) -> AccessTrailResult:
        result = await access_resolvers.access_trail(info.context, child_id, limit)
        return answer(
            result,
            lambda result: AccessTrail(
                child_id=child_id, events=[AccessEvent.from_row(row) for row in result]
            ),
        )

    @strawberry.field(description="Partner reads of children allocated to you, newest first")
    async def my_partner_access_notices(
        self, info: Info[HubContext, None], limit: int = 50
    ) -> list[PartnerAccessNotice]:
        if refused := page_size_refused("myPartnerAccessNotices", "limit", limit):
            raise refused
        rows = await access_resolvers.my_notices(info.context, limit)
        return [
            PartnerAccessNotice(
                id=strawberry.ID(row["id"]),
                at=_instant(row["at"]),
                child_id=strawberry.ID(row["childId"]),
                child_name=row["childName"],
                audience=row["audience"],
                agency=row["agency"],
                reader=row["subjectName"],
                purpose=row.get("purpose"),
                acknowledged=bool(row["acknowledged"]),
            )
            for row in rows
        ]


@strawberry.type
class AccessMutations:
    @strawberry.mutation(description="Grant one worker time-limited access to a restricted record")
    async def grant_record_access(
        self,
        info: Info[HubContext, None],
        child_id: strawberry.ID,
        worker_id: strawberry.ID,
        expires_on: date,
        reason: str,
    ) -> GrantResult:
        result = await access_resolvers.grant_access(
            info.context, child_id, worker_id, expires_on, reason
        )
        return answer(result, AccessGrant.from_row)

    @strawberry.mutation(
        description="Mark a record restricted (adoption, sealed, staff, high profile)"
    )
    async def restrict_record(
        self, info: Info[HubContext, None], child_id: strawberry.ID, restricted: bool, reason: str
    ) -> RestrictResult:
        result = await access_resolvers.restrict_record(info.context, child_id, restricted, reason)
        return answer(
            result,
            lambda result: RecordRestriction(child_id=strawberry.ID(result), restricted=restricted),
        )

    @strawberry.mutation(description="Record that a worker completed a training module")
    async def record_training_completion(
        self,
        info: Info[HubContext, None],
        worker_id: strawberry.ID,
        module: str,
        completed_on: date,
    ) -> TrainingCompletionResult:
        result = await access_resolvers.record_training(
            info.context, worker_id, module, completed_on
        )
        return answer(
            result,
            lambda result: TrainingCompletion(
                worker_id=strawberry.ID(result["workerId"]), module=result["module"]
            ),
        )

    @strawberry.mutation(
        description="Load the role x team training matrix (CSV: role, team, module)"
    )
    async def import_training_matrix(
        self, info: Info[HubContext, None], csv: str
    ) -> TrainingMatrixResult:
        result = await access_resolvers.import_training(info.context, csv)
        return answer(result, lambda result: TrainingMatrixImported(requirements=result))
