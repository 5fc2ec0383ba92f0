"""Records management on the graph: retention from the child's history, holds, disposal.

The child's history is read from the graph (`graph/cypher/records.py`), turned into
`RetentionFacts` here, decided by the rules in `retention.py`, and stored on the File
with the citation of the winning rule. `recompute_retention` is what other areas call
whenever a child's status changes (a case opens, reaches a child protection plan or
closes, a period of care starts or ends, an adoption order is made, a death is recorded).

How the history counts. The records are the case journey's (workflow/journey):
- any case (the `Referral` node, one CIN episode) is child in need work, and so are its
  assessments and child in need plans; its section 47 enquiries, initial conferences and
  child protection plans are child protection records;
- a `PeriodOfCare` is a looked-after record; one that reached care leaver status (or
  has pathway plan or care leaver contact steps) is also a care leaver record;
- an `AdoptionPlan` (for a looked-after child) is part of the looked-after record until
  an adoption order is made; the order, or care ending in adoption (SSDA903 E11/E12),
  or a case closed as adopted (CIN RC1), makes the file an adoption record;
- a `ShortBreak` (SSDA903 V3/V4) is a looked-after record;
- contacts (and SSRs from IES) are general children's social care records.
A node `ABOUT` the child may also name its own class in a `recordClass` property.
Documents filed in the child's file count with their own record class. Every file is
at least a general children's social care record.

States and step kinds are the journey's (`workflow/process.py`, `StepKind` in
`workflow/journey/effects.py`), spelt here as strings because this room may import only
`graph`; a test checks each against the journey's own enums.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Self

from pydantic import BaseModel, ConfigDict, model_validator

from connectors.livelink.retention import (
    RecordClass,
    RetentionDecision,
    RetentionFacts,
    RetentionSettings,
    retention_until,
)
from graph.cypher import records as statements

if TYPE_CHECKING:
    from graph import GraphStore, Row
    from graph.cypher.access import AccessScope

__all__ = [
    "FINISHED_STATES",
    "LABEL_RECORD_CLASSES",
    "REACHED_STATE_CLASSES",
    "STEP_KIND_CLASSES",
    "DisposalRefused",
    "FileDisposal",
    "HoldCriteria",
    "Involvement",
    "StoredRetention",
    "dispose_file",
    "facts_from_row",
    "hold_by_query",
    "involvements_of",
    "recompute_retention",
    "record_classes_of",
]

_C = RecordClass
# What each record about the child is, on its own.
LABEL_RECORD_CLASSES: Mapping[str, RecordClass] = MappingProxyType(
    {
        "Contact": _C.GENERAL,
        "SingleServiceRequest": _C.GENERAL,
        "Referral": _C.CHILD_IN_NEED,
        # The records of an episode of need (workflow/process.py EPISODE_PROCESSES).
        "Assessment": _C.CHILD_IN_NEED,
        "ChildInNeedPlan": _C.CHILD_IN_NEED,
        "Section47Enquiry": _C.CHILD_PROTECTION,
        "InitialChildProtectionConference": _C.CHILD_PROTECTION,
        "ChildProtectionPlan": _C.CHILD_PROTECTION,
        "PeriodOfCare": _C.LOOKED_AFTER,
        "AdoptionPlan": _C.LOOKED_AFTER,
        # SSDA903 V3/V4: a disabled child is looked after (Children Act 1989 s20(4))
        # during each short break; the records are kept as looked-after records.
        "ShortBreak": _C.LOOKED_AFTER,
    }
)
# What a case or period of care became on the way: a state it reached...
REACHED_STATE_CLASSES: Mapping[str, RecordClass] = MappingProxyType(
    {
        "CARE_LEAVER": _C.CARE_LEAVER,
        "LEAVING_CARE_SERVICES_ENDED": _C.CARE_LEAVER,
        "ADOPTED": _C.ADOPTION,
    }
)
# ... or a step it had.
STEP_KIND_CLASSES: Mapping[str, RecordClass] = MappingProxyType(
    {
        "PATHWAY_PLAN": _C.CARE_LEAVER,
        "CARE_LEAVER_CONTACT": _C.CARE_LEAVER,
    }
)
# SSDA903 REC E11/E12: care ended because the child was adopted, on the day of the order.
_ADOPTED_REASONS_CEASED = frozenset({"E11", "E12"})
# CIN census RC1: the case closed because the child was adopted (the order's date is
# on the adoption plan and the period of care, not the case).
_ADOPTED_REASON_FOR_CLOSURE = "RC1"
# The states in which a journey record no longer keeps the child's case open.
FINISHED_STATES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "Referral": frozenset({"CLOSED", "RECORDED_IN_ERROR"}),
        "Assessment": frozenset({"AUTHORISED", "RECORDED_IN_ERROR"}),
        "Section47Enquiry": frozenset(
            {"CONFERENCE_REQUESTED", "NO_CONFERENCE_NEEDED", "RECORDED_IN_ERROR"}
        ),
        "InitialChildProtectionConference": frozenset(
            {"PLAN_MADE", "NO_PLAN", "RECORDED_IN_ERROR"}
        ),
        "ChildProtectionPlan": frozenset({"ENDED", "RECORDED_IN_ERROR"}),
        "ChildInNeedPlan": frozenset({"ENDED", "RECORDED_IN_ERROR"}),
        "PeriodOfCare": frozenset({"CEASED", "LEAVING_CARE_SERVICES_ENDED"}),
        "AdoptionPlan": frozenset({"ADOPTED", "CEASED", "RECORDED_IN_ERROR"}),
    }
)

# Any other record in one of these states keeps the case open (a contact not yet decided).
_OPEN_STATES = frozenset({"OPEN", "ACTIVE", "IN_PROGRESS", "CURRENT"})
# The dates that mark involvement with the child.
_INVOLVEMENT_DATES = (
    "endDate",
    "closureDate",
    "decisionDate",
    "receivedDate",
    "referralDate",
    "startDate",
)
# The journey's actions that decide on a proposal (workflow/process.py AUTHORISE and
# RETURN_FOR_REWORK), dated the day the manager decided.
_MANAGERS_DECISIONS = frozenset({"authorise", "returnForRework"})
# Where a record's involvement starts, for holds by date ("looked after before 2015").
_START_DATES = ("startDate", "receivedDate", "referralDate", "decisionDate")


@dataclass(frozen=True, slots=True)
class Involvement:
    """One way the child's history counts for retention: a record class, and since when."""

    record_class: RecordClass
    started: date | None


def _labels(item: Mapping[str, Any]) -> Sequence[str]:
    return item.get("labels") or ()


def _base_class(item: Mapping[str, Any]) -> RecordClass | None:
    explicit = item.get("recordClass")
    if explicit:
        try:
            return RecordClass(explicit)
        except ValueError:
            return None
    for label in _labels(item):
        if label in LABEL_RECORD_CLASSES:
            return LABEL_RECORD_CLASSES[label]
    return None


def _first(item: Mapping[str, Any], names: Iterable[str]) -> date | None:
    return next((item[n] for n in names if isinstance(item.get(n), date)), None)


def _earliest(values: Iterable[date | None]) -> date | None:
    dated = [value for value in values if isinstance(value, date)]
    return min(dated) if dated else None


def _latest(values: Iterable[date | None]) -> date | None:
    dated = [value for value in values if isinstance(value, date)]
    return max(dated) if dated else None


def _by_record(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    grouped: defaultdict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.get("recordId") or ""].append(row)
    return grouped


@dataclass(frozen=True, slots=True)
class _Record:
    """One record of the history with its own steps and journey events."""

    item: Mapping[str, Any]
    steps: Sequence[Mapping[str, Any]]
    events: Sequence[Mapping[str, Any]]

    def adoption_order_date(self) -> date | None:
        dates: list[date | None] = [self.item.get("adoptionOrderDate")]
        if self.item.get("reasonCeased") in _ADOPTED_REASONS_CEASED:
            dates.append(self.item.get("endDate"))
        return _latest(dates)

    def adopted(self) -> bool:
        return (
            self.adoption_order_date() is not None
            or self.item.get("closureReason") == _ADOPTED_REASON_FOR_CLOSURE
        )

    def involvements(self) -> list[Involvement]:
        base = _base_class(self.item)
        if base is None:
            return []
        started = _first(self.item, _START_DATES)
        evidence: defaultdict[RecordClass, list[date | None]] = defaultdict(list)
        evidence[base].append(started)
        if self.item.get("status") in REACHED_STATE_CLASSES:
            evidence[REACHED_STATE_CLASSES[self.item["status"]]].append(None)
        for event in self.events:
            reached = REACHED_STATE_CLASSES.get(event.get("toState") or "")
            if reached is not None:
                evidence[reached].append(event.get("occurredOn"))
        for step in self.steps:
            marked = STEP_KIND_CLASSES.get(step.get("kind") or "")
            if marked is not None:
                evidence[marked].append(_first(step, ("startDate", "completedDate")))
        if self.adopted():
            evidence[RecordClass.ADOPTION].append(self.adoption_order_date())
        # A class known only from a state (no dated event or step) counts from the start
        # of the record it belongs to.
        return [
            Involvement(record_class, _earliest(dates) or started)
            for record_class, dates in evidence.items()
        ]

    def is_open(self) -> bool:
        status = self.item.get("status")
        for label in _labels(self.item):
            if label in FINISHED_STATES:
                return status not in FINISHED_STATES[label]
        if status in _OPEN_STATES:
            return True
        # An episode that has started and not ended keeps the case open whatever its status.
        return (
            self.item.get("startDate") is not None
            and self.item.get("endDate") is None
            and self.item.get("closureDate") is None
        )

    def involvement_dates(self) -> Iterable[date | None]:
        yield from (self.item.get(name) for name in _INVOLVEMENT_DATES)
        # A manager's decision on a proposal is not contact with the child: the
        # proposal's own date (a closure date, say) is.
        yield from (
            event.get("occurredOn")
            for event in self.events
            if event.get("action") not in _MANAGERS_DECISIONS
        )
        for step in self.steps:
            yield step.get("startDate")
            yield step.get("completedDate")


def _records(row: Mapping[str, Any]) -> list[_Record]:
    steps = _by_record(row.get("steps") or ())
    events = _by_record(row.get("events") or ())
    return [
        _Record(item, steps.get(item.get("id") or "", []), events.get(item.get("id") or "", []))
        for item in row["history"]
    ]


def involvements_of(row: Mapping[str, Any]) -> list[Involvement]:
    """Every way the history of a `RETENTION_FACTS` row counts, record by record."""
    return [found for record in _records(row) for found in record.involvements()]


def record_classes_of(row: Mapping[str, Any]) -> frozenset[RecordClass]:
    """The record classes of a file: its history's and its documents', and always general."""
    classes = {RecordClass.GENERAL}
    classes.update(involvement.record_class for involvement in involvements_of(row))
    known = {record_class.value for record_class in RecordClass}
    classes.update(RecordClass(value) for value in row["documentClasses"] if value in known)
    return frozenset(classes)


def facts_from_row(row: Mapping[str, Any]) -> RetentionFacts:
    """Turn a `RETENTION_FACTS` row into the facts the retention rules decide on.

    Raises:
        ValueError: the graph holds dates that contradict each other (e.g. a death
            before the birth); the record is then kept until someone corrects them.
    """
    records = _records(row)
    adoption_dates = [row.get("adoptionOrderDate")] + [r.adoption_order_date() for r in records]
    approval_dates = [
        r.item.get("approvalEndedDate") or r.item.get("endDate")
        for r in records
        if _base_class(r.item) is RecordClass.FOSTER_CARER
    ]
    case_open = any(record.is_open() for record in records)
    last_contact = (
        None
        if case_open
        else _latest(day for record in records for day in record.involvement_dates())
    )
    return RetentionFacts(
        record_classes=record_classes_of(row),
        date_of_birth=row.get("dateOfBirth"),
        date_of_death=row.get("dateOfDeath"),
        adoption_order_date=_latest(adoption_dates),
        last_contact_date=last_contact,
        approval_ended_date=_latest(approval_dates),
    )


def _facts_params() -> dict[str, Any]:
    """The parameters `RETENTION_FACTS` and `ALL_RETENTION_FACTS` need besides the scope."""
    return {"recordLabels": list(LABEL_RECORD_CLASSES)}


class HoldCriteria(BaseModel):
    """Which files a hold by query (or a standing hold rule) covers.

    A file matches when its history has a record of `record_class` (any class if not
    given) that started before `started_before` and on or after `started_on_or_after`
    (each bound only if given). "All files of children looked after before 2015" is
    ``HoldCriteria(record_class="looked_after", started_before=date(2015, 1, 1))``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    record_class: RecordClass | None = None
    started_before: date | None = None
    started_on_or_after: date | None = None

    @model_validator(mode="after")
    def _narrow(self) -> Self:
        if self.record_class is None and not (self.started_before or self.started_on_or_after):
            raise ValueError("a hold by query needs a record class or a date range")
        if (
            self.started_before is not None
            and self.started_on_or_after is not None
            and self.started_on_or_after >= self.started_before
        ):
            raise ValueError("startedOnOrAfter must be before startedBefore")
        return self

    def matches(self, row: Mapping[str, Any]) -> bool:
        """Whether the file whose `RETENTION_FACTS` row is given falls under these criteria."""
        for involvement in involvements_of(row):
            if self.record_class is not None and involvement.record_class is not self.record_class:
                continue
            started = involvement.started
            if started is None:
                if self.started_before is None and self.started_on_or_after is None:
                    return True
                continue
            if self.started_before is not None and started >= self.started_before:
                continue
            if self.started_on_or_after is not None and started < self.started_on_or_after:
                continue
            return True
        if self.record_class is not None and self.started_before is None:
            # Without a date bound, a document of the class is evidence enough.
            return self.started_on_or_after is None and self.record_class.value in set(
                row["documentClasses"]
            )
        return False


@dataclass(frozen=True, slots=True)
class StoredRetention:
    """What `recompute_retention` stored on the child's file."""

    file_id: str
    decision: RetentionDecision | None
    problem: str | None
    record_classes: frozenset[RecordClass]
    holds_applied: tuple[str, ...]


async def recompute_retention(
    store: GraphStore,
    scope: AccessScope,
    child_id: str,
    *,
    actor_name: str,
    now_ms: int,
    run_id: str,
    settings: RetentionSettings | None = None,
) -> StoredRetention | None:
    """Recompute and store the retention of the child's file; apply standing holds.

    Call it whenever the child's status changes. Returns None when the child has no
    file yet or is not visible under `scope` (nothing is stored then).

    Args:
        actor_name: who caused the recompute, recorded on any hold applied by rule.
        run_id: a fresh id; the ids of hold applications made by rule derive from it.
    """
    rows = await store.read(
        statements.RETENTION_FACTS, {**scope.params(), **_facts_params(), "ids": [child_id]}
    )
    if not rows:
        return None
    row = rows[0]
    classes = record_classes_of(row)
    decision: RetentionDecision | None
    try:
        decision = retention_until(facts_from_row(row), settings)
        problem = None
    except ValueError as error:
        decision, problem = None, str(error)
    standing = await store.read(statements.STANDING_HOLDS)
    hold_keys: list[str] = []
    for hold in standing:
        criteria = _criteria(hold["hold"].get("criteria"))
        if criteria is not None and criteria.matches(row):
            hold_keys.append(hold["hold"]["key"])
    written = await store.write(
        statements.STORE_RETENTION,
        {
            **scope.params(),
            "now": now_ms,
            "childId": child_id,
            "viewerName": actor_name,
            "runId": run_id,
            "retainUntil": decision.retain_until if decision else None,
            "rule": decision.rule.key if decision else None,
            "citation": decision.rule.citation if decision else None,
            "missing": (
                [trigger.value for trigger in decision.missing] if decision else [problem or ""]
            ),
            "recordClasses": sorted(record_class.value for record_class in classes),
            "holdKeys": hold_keys,
        },
    )
    applied = tuple(written[0]["holdsApplied"]) if written else ()
    return StoredRetention(
        file_id=row["fileId"],
        decision=decision,
        problem=problem,
        record_classes=classes,
        holds_applied=applied,
    )


def _criteria(raw: str | None) -> HoldCriteria | None:
    if not raw:
        return None
    return HoldCriteria.model_validate(json.loads(raw))


async def hold_by_query(
    store: GraphStore,
    scope: AccessScope,
    criteria: HoldCriteria,
    *,
    key: str,
    reason: str,
    standing: bool,
    actor_name: str,
    now_ms: int,
    new_id: Callable[[], str],
) -> list[Row]:
    """Put every open file matching `criteria` under the hold `key`; return the files.

    With `standing`, the hold is also a rule: a file that comes to match later (its
    child's history changes) is put under it when its retention is recomputed.
    """
    rows = await store.read(statements.ALL_RETENTION_FACTS, {**scope.params(), **_facts_params()})
    targets = [
        {"fileId": row["fileId"], "applicationId": new_id(), "outboxId": new_id()}
        for row in rows
        if criteria.matches(row)
    ]
    return await store.write(
        statements.APPLY_HOLD,
        {
            **scope.params(),
            "now": now_ms,
            "viewerName": actor_name,
            "key": key,
            "holdId": new_id(),
            "reason": reason,
            "standing": standing,
            "criteria": criteria.model_dump_json(),
            "via": "QUERY",
            "targets": targets,
        },
    )


@dataclass(frozen=True, slots=True)
class FileDisposal:
    """A disposal that happened: the audit record and the bytes to delete."""

    record: Row
    checksums: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DisposalRefused:
    """Why a file cannot be disposed of now (`held_by` names the holds)."""

    state: str
    reason: str
    held_by: tuple[str, ...] = ()


async def dispose_file(
    store: GraphStore,
    scope: AccessScope,
    file_id: str,
    *,
    reason: str,
    actor_name: str,
    role: str,
    today: date,
    now_ms: int,
    record_id: str,
) -> FileDisposal | DisposalRefused | None:
    """Dispose of a file past its retention date and under no hold, with an audit record.

    Returns None when there is no such file visible under `scope`.
    """
    rows = await store.write(
        statements.DISPOSE_FILE,
        {
            **scope.params(),
            "fileId": file_id,
            "reason": reason,
            "viewerName": actor_name,
            "role": role,
            "today": today,
            "now": now_ms,
            "recordId": record_id,
        },
    )
    if rows:
        checksums = tuple(dict.fromkeys(c for c in rows[0]["checksums"] if c))
        return FileDisposal(record=rows[0]["record"], checksums=checksums)
    state = await store.read(statements.DISPOSAL_STATE, {**scope.params(), "fileId": file_id})
    if not state:
        return None
    current = state[0]
    if current["disposedAt"] is not None:
        return DisposalRefused(state="DISPOSED", reason="the file has already been disposed of")
    if current["heldBy"]:
        held = tuple(sorted(current["heldBy"]))
        return DisposalRefused(
            state="HELD",
            reason=f"the file is under legal hold ({', '.join(held)}); lift every hold first",
            held_by=held,
        )
    until = current["retainUntil"]
    if until is None:
        return DisposalRefused(
            state="RETAINED",
            reason="the file's retention date cannot be computed yet, so it is kept",
        )
    return DisposalRefused(
        state="RETAINED",
        reason=f"the file must be kept until {until.isoformat()}",
    )
