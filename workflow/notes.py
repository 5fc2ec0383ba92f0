"""Case notes recorded against a child."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, Field

from graph.cypher import notes as statements
from workflow.ids import new_id
from workflow.outcomes import NotFound
from workflow.validation import Input

if TYPE_CHECKING:
    from graph import GraphStore, Row
    from graph.cypher.access import AccessScope


class CaseNoteType(enum.StrEnum):
    """The kinds of case note practitioners record."""

    VISIT = "VISIT"
    PHONE_CALL = "PHONE_CALL"
    SUPERVISION = "SUPERVISION"
    MANAGEMENT_OVERSIGHT = "MANAGEMENT_OVERSIGHT"
    LETTER = "LETTER"
    EMAIL = "EMAIL"
    MEETING = "MEETING"
    DIRECT_WORK = "DIRECT_WORK"
    OTHER = "OTHER"


def _not_in_future(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give a time zone (e.g. Z or +01:00)")
    if value > datetime.now(UTC):
        raise ValueError("must not be in the future")
    return value


class AddCaseNote(Input):
    """A note about something that happened with or for the child."""

    child_id: Annotated[str, Field(min_length=1)]
    type: CaseNoteType
    text: Annotated[str, Field(min_length=1, max_length=50_000)]
    occurred_at: Annotated[datetime, AfterValidator(_not_in_future)]


async def add_case_note(store: GraphStore, scope: AccessScope, data: AddCaseNote) -> Row | NotFound:
    """Add a finalised case note to the child's record."""
    rows = await store.write(
        statements.ADD_CASE_NOTE,
        {
            **scope.params(),
            "childId": data.child_id,
            "noteId": new_id(),
            "type": data.type.value,
            "text": data.text,
            "occurredAt": int(data.occurred_at.timestamp() * 1000),
        },
    )
    if not rows:
        return NotFound(kind="Child", id=data.child_id)
    return {**rows[0]["note"], "author": rows[0]["author"]}
