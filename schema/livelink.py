"""The child's file in Livelink, the council's records system."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import strawberry


@strawberry.enum(description="Where an item stands in the filing outbox")
class FilingState(enum.StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


@strawberry.type(description="A subfolder of the child's file (from the standard file plan)")
class Folder:
    id: strawberry.ID
    key: str
    name: str


@strawberry.type(description="The child's file: one per child, opened when a contact is finalised")
class LivelinkFile:
    id: strawberry.ID
    created_at: datetime
    opened_by: str
    folders: list[Folder]
    filing_state: FilingState | None = strawberry.field(
        description="Whether the file has been opened in the records system yet"
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> LivelinkFile:
        file = row["file"]
        return cls(
            id=strawberry.ID(file["id"]),
            created_at=datetime.fromtimestamp(file["createdAt"] / 1000, UTC),
            opened_by=file["openedBy"],
            folders=[
                Folder(id=strawberry.ID(f["id"]), key=f["key"], name=f["name"])
                for f in row["folders"]
            ],
            filing_state=FilingState(row["filingState"]) if row.get("filingState") else None,
        )
