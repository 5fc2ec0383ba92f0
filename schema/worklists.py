"""Work lists (a worker's, a team's), caseload counts, and the child's chronology."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers import journey as journey_resolvers
from resolvers import records as record_resolvers
from resolvers.context import HubContext
from schema.data_warnings import DataWarning, listed
from schema.outcomes import NotAuthorised, NotFound
from schema.single_service_requests import SingleServiceRequest
from schema.workforce import AllocatedChild, UnallocatedChild, my_caseload, unallocated_children
from workflow import process as table
from workflow.calendar import WorkingDayCalendar, day_in_england
from workflow.journey.case import referral_decision_due
from workflow.journey.effects import Clock, StepStatus
from workflow.timescales import (
    DEFAULT_LOCAL_STANDARDS,
    TimescaleKey,
    held_late,
    timescale_rule,
)

if TYPE_CHECKING:
    from connectors.livelink.backlog import OutboxBacklog

# "Due soon" on a work list: within a working week.
DUE_SOON_WORKING_DAYS = 5
# The item of a held step late with no reason why.
LATE_REASON = "LATE_REASON"
# The item of a contact not yet decided (finaliseContact).
CONTACT_DECISION = "CONTACT_DECISION"


@strawberry.type(description="Something due for a child: a step, a decision, an authorisation")
class WorkItem:
    child_id: strawberry.ID
    child_name: str
    worker_id: strawberry.ID | None = strawberry.field(
        description="The child's allocated worker; null for a child of the team nobody in "
        "post is allocated (teamWork)"
    )
    worker_name: str | None
    record_id: strawberry.ID
    process: str
    step_id: strawberry.ID | None
    kind: str = strawberry.field(
        description="A step kind, REFERRAL_DECISION, CONTACT_DECISION (a contact not yet "
        "decided: finaliseContact), AUTHORISATION (a manager's decision), "
        "or LATE_REASON (a held step late with no reason why: recordLateReason; a "
        "referral decision, or the decision on the contact that opened it, late with no "
        "reason why: recordDecisionLateReason)"
    )
    awaiting_action: str | None
    due_date: date | None
    rule: str | None
    rule_name: str | None
    overdue: bool
    working_days_left: int | None = strawberry.field(
        description="Working days from today to the due date (negative once overdue)"
    )


def _item(
    row: dict[str, Any],
    calendar: WorkingDayCalendar,
    today: date,
    **fields: Any,
) -> WorkItem:
    due: date | None = fields.pop("due_date", None)
    rule: str | None = fields.pop("rule", None)
    return WorkItem(
        child_id=strawberry.ID(row["childId"]),
        child_name=row["childName"],
        worker_id=strawberry.ID(row["workerId"]) if row["workerId"] else None,
        worker_name=row["workerName"],
        due_date=due,
        rule=rule,
        rule_name=timescale_rule(rule).name if rule else None,
        overdue=due is not None and today > due,
        working_days_left=calendar.working_days_between(today, due) if due else None,
        **fields,
    )


def _late_with_no_reason(
    row: dict[str, Any], entry: dict[str, Any], calendar: WorkingDayCalendar, today: date
) -> list[WorkItem]:
    """A held step late by its timescale with no reason why, which someone now gives
    (nothing is due, so nothing is overdue: the step was held)."""
    step, process = entry["step"], entry["process"]
    late = held_late(
        step.get("dueRule"), step.get("dueDate"), step["completedDate"], step.get("authorisedDate")
    )
    if not late or table.transition(table.Process(process), table.RECORD_LATE_REASON) is None:
        return []
    return [
        _item(
            row,
            calendar,
            today,
            record_id=strawberry.ID(entry["recordId"]),
            process=process,
            step_id=strawberry.ID(step["id"]),
            kind=LATE_REASON,
            awaiting_action=table.RECORD_LATE_REASON,
            rule=step.get("dueRule"),
        )
    ]


def _late_decisions(
    row: dict[str, Any], calendar: WorkingDayCalendar, clock: Clock
) -> list[WorkItem]:
    """Referrals decided after their due day with no reason why, or opened by a contact
    decided so (a corrected referral date made the decision late), which someone now gives
    (nothing is overdue: it was made). One item a referral: one reason answers both."""
    late = {
        referral["id"]
        for referral in row["decided"]
        if held_late(
            TimescaleKey.REFERRAL_DECISION,
            referral_decision_due(referral["referralDate"], clock),
            referral["decisionDate"],
        )
    }
    return [
        _item(
            row,
            calendar,
            clock.today,
            record_id=strawberry.ID(referral_id),
            process=table.Process.CASE.value,
            step_id=None,
            kind=LATE_REASON,
            awaiting_action=table.RECORD_DECISION_LATE_REASON,
            rule=TimescaleKey.REFERRAL_DECISION.value,
        )
        for referral_id in sorted(late.union(row["lateContacts"]))
    ]


def work_items(
    rows: list[dict[str, Any]], calendar: WorkingDayCalendar, today: date
) -> list[WorkItem]:
    """Every item of the rows, soonest due first; authorisations (no due date) last."""
    clock = Clock(today, calendar, DEFAULT_LOCAL_STANDARDS)
    items: list[WorkItem] = []
    for row in rows:
        for entry in row["steps"]:
            step = entry["step"]
            if step.get("status") == StepStatus.DONE:
                items.extend(_late_with_no_reason(row, entry, calendar, today))
                continue
            items.append(
                _item(
                    row,
                    calendar,
                    today,
                    record_id=strawberry.ID(entry["recordId"]),
                    process=entry["process"],
                    step_id=strawberry.ID(step["id"]),
                    kind=step["kind"],
                    awaiting_action=None,
                    due_date=step["dueDate"],
                    rule=step.get("dueRule"),
                )
            )
        for referral in row["referrals"]:
            items.append(
                _item(
                    row,
                    calendar,
                    today,
                    record_id=strawberry.ID(referral["id"]),
                    process="CASE",
                    step_id=None,
                    kind="REFERRAL_DECISION",
                    awaiting_action=None,
                    due_date=referral_decision_due(referral["referralDate"], clock),
                    rule="referral_decision",
                )
            )
        items.extend(_late_decisions(row, calendar, clock))
        # Working Together 2023: a contact is decided within 1 working day of coming in.
        items.extend(
            _item(
                row,
                calendar,
                today,
                record_id=strawberry.ID(contact["id"]),
                process="CONTACT",
                step_id=None,
                kind=CONTACT_DECISION,
                awaiting_action="finaliseContact",
                due_date=contact["decisionDue"],
                rule=TimescaleKey.REFERRAL_DECISION.value,
            )
            for contact in row["contacts"]
        )
        for waiting in row["awaiting"]:
            items.append(
                _item(
                    row,
                    calendar,
                    today,
                    record_id=strawberry.ID(waiting["recordId"]),
                    process=waiting["process"],
                    step_id=None,
                    kind="AUTHORISATION",
                    awaiting_action=waiting["action"],
                )
            )
    items.sort(key=lambda item: (item.due_date or date.max, item.child_name, item.kind))
    return items


@strawberry.type(description="A worker's caseload and how much of it is due or late")
class Caseload:
    worker_id: strawberry.ID
    worker_name: str
    children: int
    overdue: int
    due_soon: int = strawberry.field(description="Due within 5 working days, not yet overdue")
    awaiting_authorisation: int


def caseloads(
    workers: list[dict[str, Any]], rows: list[dict[str, Any]], items: list[WorkItem]
) -> list[Caseload]:
    children = Counter(row["workerId"] for row in rows)
    overdue = Counter(item.worker_id for item in items if item.overdue)
    soon = Counter(
        item.worker_id
        for item in items
        if not item.overdue
        and item.working_days_left is not None
        and item.working_days_left <= DUE_SOON_WORKING_DAYS
    )
    waiting = Counter(item.worker_id for item in items if item.kind == "AUTHORISATION")
    return [
        Caseload(
            worker_id=strawberry.ID(worker["workerId"]),
            worker_name=worker["workerName"],
            children=children[worker["workerId"]],
            overdue=overdue[worker["workerId"]],
            due_soon=soon[worker["workerId"]],
            awaiting_authorisation=waiting[worker["workerId"]],
        )
        for worker in workers
    ]


@strawberry.type(description="A notice for the worker, e.g. a partner agency read a record")
class WorkNotice:
    id: strawberry.ID
    kind: str
    at: datetime
    child_id: strawberry.ID
    child_name: str
    detail: str
    acknowledged: bool


def work_notices(rows: list[dict[str, Any]]) -> list[WorkNotice]:
    return [
        WorkNotice(
            id=strawberry.ID(row["notice"]["id"]),
            kind=row["notice"]["kind"],
            at=datetime.fromtimestamp(row["notice"]["at"] / 1000, UTC),
            child_id=strawberry.ID(row["childId"]),
            child_name=row["childName"],
            detail=" ".join(
                str(part)
                for part in (
                    row["notice"].get("subjectName"),
                    row["notice"].get("agency"),
                    row["notice"].get("audience"),
                )
                if part
            ),
            acknowledged=bool(row["notice"].get("acknowledged")),
        )
        for row in rows
    ]


@strawberry.type(description="Records management needing a records officer: e.g. Livelink filing")
class RecordsAlert:
    kind: str = strawberry.field(
        description="LIVELINK_FILING_BEHIND (a document has waited too long for Livelink) or "
        "LIVELINK_FILING_FAILED (Livelink refused items: fix the cause, then replay them)"
    )
    since: datetime | None = strawberry.field(description="When the oldest such item was queued")
    items: int
    detail: str


def records_alerts(backlog: OutboxBacklog | None) -> list[RecordsAlert]:
    """The work-list items the outbox backlog calls for (none without one)."""
    if backlog is None:
        return []
    since = (
        datetime.fromtimestamp(backlog.oldest_created_at / 1000, UTC)
        if backlog.oldest_created_at is not None
        else None
    )
    alerts: list[RecordsAlert] = []
    if backlog.alert:
        hours = (backlog.oldest_age_seconds or 0) / 3600
        alerts.append(
            RecordsAlert(
                kind="LIVELINK_FILING_BEHIND",
                since=since,
                items=backlog.pending + backlog.failed,
                detail=f"the oldest document not yet in Livelink has waited {hours:.1f} hours",
            )
        )
    if backlog.failed:
        alerts.append(
            RecordsAlert(
                kind="LIVELINK_FILING_FAILED",
                since=None,
                items=backlog.failed,
                detail="Livelink refused these items; fix the cause and replay them",
            )
        )
    return alerts


@strawberry.type(description="The caller's work: what is due for their children, and notices")
class MyWork:
    items: list[WorkItem]
    notices: list[WorkNotice]
    caseload: Caseload

    @strawberry.field(
        description="Records management alerts (records officers; empty for other roles)"
    )
    async def records_alerts(self, info: Info[HubContext, None]) -> list[RecordsAlert]:
        return records_alerts(await record_resolvers.outbox_backlog_for_work_list(info.context))

    @strawberry.field(description="The children allocated to you, and since when")
    async def allocated_children(self, info: Info[HubContext, None]) -> list[AllocatedChild]:
        return await my_caseload(info.context)

    @strawberry.field(
        description="DfE return rules your allocated children's saved data breaks, to correct"
    )
    async def data_warnings(self, info: Info[HubContext, None]) -> list[DataWarning]:
        context = info.context
        return listed(
            await journey_resolvers.warnings_of_worker(context, context.principal.subject)
        )


@strawberry.type(description="A team's work: each worker's caseload and everything due")
class TeamWork:
    team_id: strawberry.ID
    caseloads: list[Caseload]
    items: list[WorkItem]

    @strawberry.field(description="The team's children with something open and nobody allocated")
    async def unallocated_children(self, info: Info[HubContext, None]) -> list[UnallocatedChild]:
        return await unallocated_children(info.context, self.team_id) if self.team_id else []

    @strawberry.field(description="DfE return rules the team's allocated children's data breaks")
    async def data_warnings(self, info: Info[HubContext, None]) -> list[DataWarning]:
        if not self.team_id:
            return []
        return listed(await journey_resolvers.warnings_of_team(info.context, self.team_id))


TeamWorkResult = Annotated[TeamWork | NotAuthorised, strawberry.union("TeamWorkResult")]
AcknowledgeNoticeResult = Annotated[
    WorkNotice | NotFound | NotAuthorised, strawberry.union("AcknowledgeNoticeResult")
]


@strawberry.type(description="One entry of a child's chronology")
class ChronologyEntry:
    on: date
    at: datetime | None
    kind: str = strawberry.field(
        description="JOURNEY, CASE_NOTE, NOTICE, CONTACT, SHORT_BREAK or SSR"
    )
    title: str
    detail: str | None
    record_id: strawberry.ID | None


def _instant(epoch_ms: int | None) -> datetime | None:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC) if epoch_ms is not None else None


def _ssr_entries(row: dict[str, Any]) -> list[ChronologyEntry]:
    # The day the school asked, and (if IES finalised it) the day it was finalised.
    ssr = SingleServiceRequest.from_row(row)
    entries = [
        ChronologyEntry(
            on=ssr.requested_on,
            at=None,
            kind="SSR",
            title="SSR",
            detail=ssr.summary,
            record_id=ssr.id,
        )
    ]
    if ssr.finalised_on is not None:
        entries.append(
            ChronologyEntry(
                on=ssr.finalised_on,
                at=None,
                kind="SSR",
                title="SSR_FINALISED",
                detail=f"Single Service Request {ssr.record_id} finalised in IES",
                record_id=ssr.id,
            )
        )
    return entries


def chronology_entries(row: dict[str, Any]) -> list[ChronologyEntry]:
    """Journey events, case notes, notices, contacts, short breaks and SSRs, oldest first."""
    entries: list[ChronologyEntry] = []
    for event in row["events"]:
        entries.append(
            ChronologyEntry(
                on=event["occurredOn"],
                at=_instant(event["at"]),
                kind="JOURNEY",
                title=event["action"],
                detail=event["summary"],
                record_id=strawberry.ID(event["id"]),
            )
        )
    for note in row["notes"]:
        occurred = _instant(note["occurredAt"])
        assert occurred is not None
        entries.append(
            ChronologyEntry(
                on=day_in_england(occurred),
                at=occurred,
                kind="CASE_NOTE",
                title=note["type"],
                detail=note["text"],
                record_id=strawberry.ID(note["id"]),
            )
        )
    for notice in row["notices"]:
        at = _instant(notice["at"])
        assert at is not None
        entries.append(
            ChronologyEntry(
                on=day_in_england(at),
                at=at,
                kind="NOTICE",
                title=notice["kind"],
                detail=" ".join(
                    str(notice[key]) for key in ("subjectName", "agency") if notice.get(key)
                ),
                record_id=strawberry.ID(notice["id"]),
            )
        )
    for contact in row["contacts"]:
        entries.append(
            ChronologyEntry(
                on=contact["receivedDate"],
                at=_instant(contact.get("recordedAt")),
                kind="CONTACT",
                # A contact withdrawn as recorded in error says so (it was never decided).
                title="CONTACT_WITHDRAWN" if contact.get("status") == "WITHDRAWN" else "CONTACT",
                detail=contact.get("outcome"),
                record_id=strawberry.ID(contact["id"]),
            )
        )
    for stay in row.get("shortBreaks", ()):
        ended = stay.get("endDate")
        entries.append(
            ChronologyEntry(
                on=stay["startDate"],
                at=_instant(stay.get("recordedAt")),
                kind="SHORT_BREAK",
                title=f"SHORT_BREAK_{stay['legalStatus']}",
                detail=f"{stay['placementType']} until {ended.isoformat()}" if ended else None,
                record_id=strawberry.ID(stay["id"]),
            )
        )
    for ssr in row.get("ssrs", ()):
        entries.extend(_ssr_entries(ssr))
    entries.sort(key=lambda entry: (entry.on, entry.at or datetime.min.replace(tzinfo=UTC)))
    return entries
