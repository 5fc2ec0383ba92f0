"""The DfE rules a saved record breaks (returns/entry_checks.py), as GraphQL sees them:
with a mutation's answer, on a case or period of care, and on the work lists."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import strawberry


@strawberry.type(
    description="A DfE statutory-return rule the saved data breaks: the save stands; "
    "correct the data and the warning clears on the next save of the record"
)
class DataWarning:
    code: str = strawberry.field(description='The DfE rule, e.g. "CIN 8825Q" or "903 529"')
    field: str = strawberry.field(description="The input field to correct")
    message: str = strawberry.field(description="The field and the DfE's message")
    child_id: strawberry.ID
    child_name: str | None = strawberry.field(description="On the work lists")
    record_id: strawberry.ID = strawberry.field(description="The case or period of care")
    recorded_by: str | None = strawberry.field(description="Whose save first raised it")
    recorded_at: datetime | None

    @classmethod
    def from_row(cls, warning: dict[str, Any], child_name: str | None = None) -> DataWarning:
        at = warning.get("recordedAt")
        return cls(
            code=warning["code"],
            field=warning["field"],
            message=warning["message"],
            child_id=strawberry.ID(warning["childId"]),
            child_name=child_name,
            record_id=strawberry.ID(warning["recordId"]),
            recorded_by=warning.get("recordedBy"),
            recorded_at=datetime.fromtimestamp(at / 1000, tz=UTC) if isinstance(at, int) else None,
        )


def listed(rows: list[dict[str, Any]]) -> list[DataWarning]:
    """A work list's warnings: one row per child and warning."""
    return [DataWarning.from_row(row["warning"], row.get("childName")) for row in rows]
