"""Operation Encompass: a police report of a domestic abuse incident reaches each child's school.

Police tell the hub that an incident happened, when, and which children were involved
(present or not). The hub matches each child with the same matcher the EHM and IES
intake use; a child it cannot match with certainty is reported back and never guessed.
Each matched child's school (where the child is on roll when the notice is sent: the
school that supports the child now, not one they have left since the incident) gets a
notice for its designated safeguarding lead, due before the next school day starts; a
child on no school's roll, a restricted record, or a child not matched goes to the MASH.
The notice carries only what Operation Encompass shares: that an incident occurred,
when, and whether the child was present; no police detail beyond that.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, field_validator

from graph import ConstraintViolation
from graph.cypher import encompass as statements
from workflow.calendar import day_starts_ms, today_in_england
from workflow.identified import IdentifiedChild
from workflow.ids import new_id, now_ms
from workflow.linking import match_person
from workflow.matching import Decision
from workflow.outcomes import FieldProblem, InvalidInput, NotFound
from workflow.school_days import SCHOOL_TIME_ZONE, SchoolCalendar
from workflow.validation import Input

if TYPE_CHECKING:
    from graph import GraphStore, Row

# A force's own incident reference (an occurrence or CAD number): free text, bounded.
ForceReference = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9/_.-]+$")]
# At most this many children in one report: a household, not a list.
MOST_CHILDREN = 20


def _aware(value: datetime) -> datetime:
    # A time without a zone is read as UK local time, where the incident happened.
    return value if value.tzinfo is not None else value.replace(tzinfo=SCHOOL_TIME_ZONE)


class IncidentChild(IdentifiedChild):
    """A child involved in the incident, as the force identifies them."""

    present: bool


class IncidentReport(Input):
    """What police notify: the incident's time, their reference and the children."""

    force_reference: ForceReference
    occurred_at: datetime
    children: Annotated[list[IncidentChild], Field(min_length=1, max_length=MOST_CHILDREN)]

    @field_validator("occurred_at")
    @classmethod
    def _past(cls, value: datetime) -> datetime:
        aware = _aware(value)
        if aware > datetime.now(UTC):
            raise ValueError("must not be in the future")
        return aware


class ChildOutcome(enum.StrEnum):
    """What became of one child of a report, as police are told."""

    # The same for every child, known to the authority or not: whether the authority holds
    # a record on a child (a restricted one included) is not police information, and a
    # differing answer would tell them. The hub sends the notice to the child's school or,
    # not matched with certainty, to the MASH, who match it by hand.
    RECEIVED = "RECEIVED"


# Advice that depends only on what police sent, never on what the authority holds.
NAMED_ONLY_REASON = (
    "named without an NHS number or UPN: the MASH may have to match the child by hand; "
    "send either where the force holds it"
)


class Route(enum.StrEnum):
    """Where a notice went, and why (the MASH sees the last three at once)."""

    SCHOOL = "SCHOOL"
    NO_SCHOOL = "NO_SCHOOL"
    RESTRICTED_RECORD = "RESTRICTED_RECORD"
    NOT_MATCHED = "NOT_MATCHED"


@dataclass(frozen=True, slots=True)
class ChildResult:
    position: int
    outcome: ChildOutcome
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class IncidentNotified:
    incident_id: str
    force_reference: str
    occurred_at: datetime
    children: tuple[ChildResult, ...]


@dataclass(frozen=True, slots=True)
class Due:
    """When a notice is due: the start of the next school day after the incident."""

    at: datetime
    school_days: int  # school days after the incident's day up to the due day (0: same day)

    @classmethod
    def after(cls, occurred_at: datetime, calendar: SchoolCalendar) -> Due:
        at = calendar.next_school_day_start(occurred_at)
        incident_day = occurred_at.astimezone(SCHOOL_TIME_ZONE).date()
        return cls(at, calendar.school_days_between(incident_day, at.date()))


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def instant(ms: int) -> datetime:
    """An epoch-milliseconds instant as UK local time."""
    return datetime.fromtimestamp(ms / 1000, SCHOOL_TIME_ZONE)


async def notify_incident(
    store: GraphStore,
    calendar: SchoolCalendar,
    report: IncidentReport,
    *,
    force: str,
    by: str,
    by_name: str,
) -> IncidentNotified | InvalidInput:
    """Record an incident and make one notice per child and school, in one write."""
    due = Due.after(report.occurred_at, calendar)
    incident_day = report.occurred_at.astimezone(SCHOOL_TIME_ZONE).date()
    results: list[ChildResult] = []
    matched: dict[str, bool] = {}
    unmatched: list[dict[str, Any]] = []
    for position, child in enumerate(report.children):
        match = await match_person(store, child.subject())
        best = match.best
        if match.decision is Decision.AUTO_LINK and best is not None:
            # Named twice in one report: one notice, present if either entry says so.
            matched[best.child_id] = matched.get(best.child_id, False) or child.present
        else:
            unmatched.append(_unmatched(child))
        named_only = child.nhs_number is None and child.upn is None
        reason = NAMED_ONLY_REASON if named_only else None
        results.append(ChildResult(position, ChildOutcome.RECEIVED, reason))
    # The school the child attends now: an incident reported after a move is the new
    # school's to support, and tells a school the child has left nothing it may act on.
    places = await _schools_on(store, list(matched), today_in_england())
    now = now_ms()
    notices = [
        # The allocated worker hears of the incident once per child, not once per school.
        {**_notice(child_id, present, route, school, due, now), "tellWorker": number == 0}
        for child_id, present in matched.items()
        for number, (route, school) in enumerate(_routes(places.get(child_id)))
    ]
    incident_id = new_id()
    params = {
        "incident": {
            "id": incident_id,
            "key": f"{force}|{report.force_reference.upper()}",
            "forceReference": report.force_reference,
            "occurredAt": _ms(report.occurred_at),
            "occurredOn": incident_day.isoformat(),
            "force": force,
            "reportedBy": by,
            "reportedByName": by_name,
        },
        "notices": notices,
        "unmatched": [{**row, "id": new_id(), "mashFrom": now} for row in unmatched],
        "now": now,
        "dueAt": _ms(due.at),
        "dueOn": due.at.date().isoformat(),
        "schoolDaysToDue": due.school_days,
    }
    try:
        await store.write(statements.RECORD_INCIDENT, params)
    except ConstraintViolation:
        return InvalidInput(
            (FieldProblem("forceReference", "this force has already notified this incident"),)
        )
    return IncidentNotified(incident_id, report.force_reference, report.occurred_at, tuple(results))


def _unmatched(child: IncidentChild) -> dict[str, Any]:
    return {
        "givenName": child.given_name,
        "familyName": child.family_name,
        "dateOfBirth": child.date_of_birth.isoformat() if child.date_of_birth else None,
        "nhsNumber": child.nhs_number,
        "upn": child.upn,
        "present": child.present,
    }


def _routes(place: Row | None) -> list[tuple[Route, str | None]]:
    if place is None:
        return [(Route.NO_SCHOOL, None)]
    if place["restricted"]:
        # A restricted record is shared with no partner: the MASH decides, with the
        # record's grant holders, how the school is told.
        return [(Route.RESTRICTED_RECORD, None)]
    schools = sorted(set(place["schools"]))
    if not schools:
        return [(Route.NO_SCHOOL, None)]
    # A dual-registered pupil (a pupil referral unit and a school) is each school's.
    return [(Route.SCHOOL, school) for school in schools]


def _notice(
    child_id: str, present: bool, route: Route, school: str | None, due: Due, now: int
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "childId": child_id,
        "present": present,
        "schoolId": school,
        "route": route.value,
        # The MASH sees a school's notice once it is overdue, any other at once.
        "mashFrom": _ms(due.at) if route is Route.SCHOOL else now,
    }


async def withdraw_unfounded(
    store: GraphStore,
    calendar: SchoolCalendar,
    *,
    child_id: str,
    by: str,
    by_name: str,
    reason: str,
) -> int:
    """A record was unlinked from the child, or a merge of the child undone: withdraw the
    notices sent to a school the child's record no longer puts them on the roll of (with
    who, when and why) and send each incident again where it should have gone: the
    child's school now, or the MASH. How many were withdrawn."""
    now = now_ms()
    withdrawn = await store.write(
        statements.WITHDRAW_UNFOUNDED,
        {
            "childId": child_id,
            "now": now,
            "by": by,
            "byName": by_name,
            "reason": reason,
        },
    )
    if not withdrawn:
        return 0
    due = Due.after(datetime.now(SCHOOL_TIME_ZONE), calendar)
    places = await _schools_on(store, [child_id], today_in_england())
    notices = [
        {**_notice(child_id, row["present"], route, school, due, now), "tellWorker": False}
        | {"replaces": row["id"]}
        for row in withdrawn
        for route, school in _routes(places.get(child_id))
    ]
    await store.write(
        statements.REROUTE_NOTICES,
        {
            "notices": notices,
            "now": now,
            "dueAt": _ms(due.at),
            "dueOn": due.at.date().isoformat(),
            "schoolDaysToDue": due.school_days,
        },
    )
    return len(withdrawn)


async def _schools_on(store: GraphStore, child_ids: list[str], on: date) -> dict[str, Row]:
    if not child_ids:
        return {}
    rows = await store.read(
        statements.SCHOOLS_ON_ROLL,
        {"ids": child_ids, "on": on.isoformat(), "onMs": day_starts_ms(on)},
    )
    return {row["childId"]: row for row in rows}


@dataclass(frozen=True, slots=True)
class NoticeTiming:
    """A notice's due time as the school and the MASH see it, at the moment of reading."""

    overdue: bool
    school_days_overdue: int


def timing(notice: Row, calendar: SchoolCalendar, at: datetime) -> NoticeTiming:
    """Whether a notice is overdue at `at`, and by how many school days that have started.

    An acknowledged notice is measured at its acknowledgement: it stays late if it was.
    """
    due = instant(notice["dueAt"])
    until = instant(notice["acknowledgedAt"]) if notice.get("acknowledgedAt") else at
    late = calendar.school_days_started(due, until) if until >= due else 0
    return NoticeTiming(overdue=until >= due, school_days_overdue=late)


class Acknowledgement(Input):
    """A school's acknowledgement: when its designated safeguarding lead read the notice."""

    notice_id: Annotated[str, Field(min_length=1, max_length=100)]
    read_at: datetime | None = None

    @field_validator("read_at")
    @classmethod
    def _past(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        aware = _aware(value)
        if aware > datetime.now(UTC):
            raise ValueError("must not be in the future")
        return aware


async def acknowledge(
    store: GraphStore,
    school: str,
    data: Acknowledgement,
    *,
    by: str,
    by_name: str,
    purpose: str | None = None,
) -> Row | NotFound | InvalidInput:
    """The school's designated safeguarding lead acknowledges one of its school's notices.

    Returns the notice and its pupil. Another school's notice is not found, exactly like a
    missing one, and so is one the school's stated `purpose` does not reach (a virtual
    school's: pupils looked after now); acknowledging again keeps the first acknowledgement.
    """
    lookup = {"agency": school, "noticeId": data.notice_id, "purpose": purpose}
    found = await store.read(statements.SCHOOL_NOTICE, lookup)
    if not found:
        return NotFound(kind="EncompassNotice", id=data.notice_id)
    notice = found[0]["notice"]
    if notice.get("acknowledgedAt") is not None:
        return found[0]
    now = now_ms()
    read_at = _ms(data.read_at) if data.read_at is not None else now
    if read_at < notice["sentAt"]:
        sent = instant(notice["sentAt"]).isoformat(timespec="minutes")
        problem = FieldProblem("readAt", f"must not be before the notice was sent ({sent})")
        return InvalidInput((problem,))
    rows = await store.write(
        statements.ACKNOWLEDGE,
        {**lookup, "readAt": read_at, "by": by, "byName": by_name, "now": now},
    )
    if rows:
        return rows[0]
    # Acknowledged by a colleague between the look and the write: theirs stands.
    again = await store.read(statements.SCHOOL_NOTICE, lookup)
    return again[0] if again else NotFound(kind="EncompassNotice", id=data.notice_id)


class FollowUp(Input):
    """What the MASH did about a notice (called the school, took a referral...)."""

    notice_id: Annotated[str, Field(min_length=1, max_length=100)]
    action: Annotated[str, Field(min_length=1, max_length=2_000)]


async def follow_up(store: GraphStore, data: FollowUp, *, by: str, by_name: str) -> str | NotFound:
    """The MASH records what it did about an open notice on its list; it leaves the list."""
    rows = await store.write(
        statements.FOLLOW_UP,
        {
            "noticeId": data.notice_id,
            "followUp": data.action,
            "by": by,
            "byName": by_name,
            "now": now_ms(),
        },
    )
    return rows[0]["id"] if rows else NotFound(kind="EncompassNotice", id=data.notice_id)
