"""Step up: an EHM record escalating a child to social care becomes a contact.

EHM sends a `STEP_UP` record (connectors/ehm/records.py) through `lcs-hub ingest ehm` or
`POST /ingest/ehm`. Once it is linked to a child (at once, or when a records officer
links it from the review queue), the front door has a contact about that child: received
the day EHM stepped up, from early help (CIN census referral source 5D), decision due one
working day later, carrying the child's early help history (the episodes, the team around
the family, the assessments linked to the child). One step-up record makes one contact,
whatever is replayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from connectors.ehm.records import StepUp
from graph.cypher import early_help as statements
from workflow.calendar import default_calendar
from workflow.codes import ReferralSource
from workflow.ids import new_id, now_ms

if TYPE_CHECKING:
    from datetime import date

    from connectors.intake import IncomingRecord, RecordResult
    from graph import GraphStore, Row


@dataclass(frozen=True, slots=True)
class StepUpToContact:
    """What follows applying an EHM record: a linked step up becomes a contact.

    Attributes:
        team: the front door team that takes stepped-up contacts (a `Team` id), or None
            (the contact is then seen by the teams already responsible for the child).
    """

    team: str | None = None

    async def __call__(
        self, store: GraphStore, record: IncomingRecord, result: RecordResult
    ) -> None:
        row = record.row
        if isinstance(row, StepUp) and row.withdrawn:
            await store.write(
                statements.WITHDRAW_STEP_UP_CONTACT,
                {"key": record.key, "version": row.version, "now": now_ms()},
            )
            return
        if not isinstance(row, StepUp) or result.child_id is None:
            # Not a step up, or in the review queue: the contact comes when it is linked.
            return
        await self.contact_for(store, record.key, row.start_date, row.reason)

    async def on_linked(self, store: GraphStore, record: Row) -> None:
        """After a person links a record by hand: a step up becomes a contact."""
        if record.get("source") != "EHM" or record.get("kind") != "STEP_UP":
            return
        details = record.get("details") or {}
        await self.contact_for(store, record["key"], record["startDate"], str(details["reason"]))

    async def contact_for(
        self, store: GraphStore, key: str, stepped_up_on: date, reason: str
    ) -> bool:
        """The contact of the step-up record `key` about the child it is linked to; True
        if it was created now.

        A record linked to the wrong child and then to the right one: its contact moves
        with it while undecided; one already decided stays with its decision (a person
        corrects that) and the right child gets a contact of its own.
        """
        # One statement on every path but a relinked one: the contact's child is read back
        # with it, and only a contact about another child takes a second.
        made = await self._contact(store, key, key, stepped_up_on, reason)
        if made is None or made["created"] or made["aboutChild"] == made["linkedChild"]:
            return bool(made and made["created"])
        if made["status"] == "OPEN":
            await store.write(
                statements.MOVE_STEP_UP_CONTACT, {"key": key, "team": self.team, "now": now_ms()}
            )
            return False
        own = await self._contact(store, key, f"{key}@{made['linkedChild']}", stepped_up_on, reason)
        return bool(own and own["created"])

    async def _contact(
        self, store: GraphStore, key: str, contact_key: str, stepped_up_on: date, reason: str
    ) -> Row | None:
        rows = await store.write(
            statements.STEP_UP_CONTACT,
            {
                "key": key,
                "contactKey": contact_key,
                "contactId": new_id(),
                "receivedDate": stepped_up_on,
                # Working Together 2023: a decision within one working day of receipt.
                "decisionDue": default_calendar().add_working_days(stepped_up_on, 1),
                "source": ReferralSource.LOCAL_AUTHORITY_EARLY_HELP.value,
                "summary": f"Stepped up from early help: {reason}",
                "team": self.team,
                "now": now_ms(),
            },
        )
        return rows[0] if rows else None
