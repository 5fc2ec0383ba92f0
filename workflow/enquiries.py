"""Multi-agency enquiries (MASH research, strategy discussions) and the agencies party to them.

Police see a child's limited record only while the child is in an open enquiry their
force is party to, so opening and closing an enquiry is what grants and ends that view.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from graph.cypher import partners as statements
from workflow.ids import new_id
from workflow.outcomes import NotFound
from workflow.validation import Input

if TYPE_CHECKING:
    from graph import GraphStore, Row
    from graph.cypher.access import AccessScope


class EnquiryKind(enum.StrEnum):
    """What kind of multi-agency enquiry."""

    MASH = "MASH"
    STRATEGY_DISCUSSION = "STRATEGY_DISCUSSION"


class OpenEnquiry(Input):
    """Children the enquiry concerns, the agencies party to it, and why."""

    child_ids: Annotated[list[str], Field(min_length=1, max_length=20)]
    kind: EnquiryKind
    agency_ids: Annotated[list[str], Field(min_length=1, max_length=10)]
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


async def open_enquiry(store: GraphStore, scope: AccessScope, data: OpenEnquiry) -> Row | NotFound:
    """Open the enquiry in one statement: all children and agencies exist, or nothing is made.

    The caller checks first that it can see every child (`only_visible`).
    """
    rows = await store.write(
        statements.OPEN_ENQUIRY,
        {
            **scope.params(),
            "childIds": sorted(set(data.child_ids)),
            "agencyIds": sorted(set(data.agency_ids)),
            "enquiryId": new_id(),
            "kind": data.kind.value,
            "reason": data.reason,
        },
    )
    if not rows:
        return NotFound(kind="Child or Agency", id=", ".join([*data.child_ids, *data.agency_ids]))
    return rows[0]


async def close_enquiry(store: GraphStore, scope: AccessScope, enquiry_id: str) -> str | NotFound:
    """Close an enquiry: its police party no longer sees its children."""
    rows = await store.write(statements.CLOSE_ENQUIRY, {**scope.params(), "enquiryId": enquiry_id})
    return str(rows[0]["id"]) if rows else NotFound(kind="MultiAgencyEnquiry", id=enquiry_id)
