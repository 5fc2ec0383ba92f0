"""Records management on the graph: retention from the child's history, holds, disposal.

The child's history is read from the graph (`graph/cypher/records.py`), turned into
`RetentionFacts` here, decided by the rules in `retention.py`, and stored on the File
with the citation of the winning rule. `recompute_retention` is what other areas call
whenever a child's status changes (an episode starts or ends, an adoption order is
made, a death is recorded).

How a record about the child counts: a node `ABOUT` the child belongs to the record
class its `recordClass` property names, or else the class of its label in
`LABEL_RECORD_CLASSES`. Documents filed in the child's file count with their own record
class. Every file is at least a general children's social care record.
"""

from __future__ import annotations

import json
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
    "LABEL_RECORD_CLASSES",
    "DisposalRefused",
    "FileDisposal",
    "HoldCriteria",
    "StoredRetention",
    "dispose_file",
    "facts_from_row",
    "hold_by_query",
    "recompute_retention",
    "record_classes_of",
]

_C = RecordClass
LABEL_RECORD_CLASSES: Mapping[str, RecordClass] = MappingProxyType(
    {
        "Contact": _C.GENERAL,
        "Referral": _C.GENERAL,
        "SingleServiceRequest": _C.GENERAL,
        "Case": _C.GENERAL,
        "Assessment": _C.CHILD_IN_NEED,
        "ChildInNeedPlan": _C.CHILD_IN_NEED,
        "StrategyDiscussion": _C.CHILD_PROTECTION,
        "Section47Enquiry": _C.CHILD_PROTECTION,
        "ChildProtectionConference": _C.CHILD_PROTECTION,
        "ChildProtectionPlan": _C.CHILD_PROTECTION,
        "LookedAfterEpisode": _C.LOOKED_AFTER,
        "LookedAfterReview": _C.LOOKED_AFTER,
        "Placement": _C.LOOKED_AFTER,
        "CareLeaver": _C.CARE_LEAVER,
        "PathwayPlan": _C.CARE_LEAVER,
        "AdoptionDecision": _C.ADOPTION,
        "PlacementOrder": _C.ADOPTION,
        "AdoptionOrder": _C.ADOPTION,
        "FosterCarerApproval": _C.FOSTER_CARER,
    }
)

# A record in one of these states keeps the case open, so there is no "last contact" yet.
_OPEN_STATES = frozenset({"OPEN", "ACTIVE", "IN_PROGRESS", "CURRENT"})
# The dates that mark involvement with the child, latest first in importance.
_INVOLVEMENT_DATES = (
    "endDate",
    "closureDate",
    "decisionDate",
    "receivedDate",
    "referralDate",
    "startDate",
)


def _class_of(item: Mapping[str, Any]) -> RecordClass | None:
    explicit = item.get("recordClass")
    if explicit:
        try:
            return RecordClass(explicit)
        except ValueError:
            return None
    for label in item.get("labels") or ():
        if label in LABEL_RECORD_CLASSES:
            return LABEL_RECORD_CLASSES[label]
    return None


def _is_open(item: Mapping[str, Any]) -> bool:
    if item.get("status") in _OPEN_STATES:
        return True
    # An episode that has started and not ended keeps the case open whatever its status.
    return (
        item.get("startDate") is not None
        and item.get("endDate") is None
        and item.get("closureDate") is None
    )


def _latest(values: Iterable[date | None]) -> date | None:
    dated = [value for value in values if isinstance(value, date)]
    return max(dated) if dated else None


def record_classes_of(row: Mapping[str, Any]) -> frozenset[RecordClass]:
    """The record classes of a file: its history's and its documents', and always general."""
    classes = {RecordClass.GENERAL}
    for item in row["history"]:
        record_class = _class_of(item)
        if record_class is not None:
            classes.add(record_class)
    known = {record_class.value for record_class in RecordClass}
    classes.update(RecordClass(value) for value in row["documentClasses"] if value in known)
    return frozenset(classes)


def facts_from_row(row: Mapping[str, Any]) -> RetentionFacts:
    """Turn a `RETENTION_FACTS` row into the facts the retention rules decide on.

    Raises:
        ValueError: the graph holds dates that contradict each other (e.g. a death
            before the birth); the record is then kept until someone corrects them.
    """
    history: Sequence[Mapping[str, Any]] = row["history"]
    classified = [(item, _class_of(item)) for item in history]
    adoption_dates = [row.get("adoptionOrderDate")] + [i.get("adoptionOrderDate") for i in history]
    approval_dates = [
        item.get("approvalEndedDate") or item.get("endDate")
        for item, record_class in classified
        if record_class is RecordClass.FOSTER_CARER
    ]
    case_open = any(_is_open(item) for item in history)
    last_contact = (
        None
        if case_open
        else _latest(item.get(name) for item in history for name in _INVOLVEMENT_DATES)
    )
    return RetentionFacts(
        record_classes=record_classes_of(row),
        date_of_birth=row.get("dateOfBirth"),
        date_of_death=row.get("dateOfDeath"),
        adoption_order_date=_latest(adoption_dates),
        last_contact_date=last_contact,
        approval_ended_date=_latest(approval_dates),
    )


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
        for item in row["history"]:
            if self.record_class is not None and _class_of(item) is not self.record_class:
                continue
            started = item.get("startDate") or item.get("receivedDate") or item.get("referralDate")
            if not isinstance(started, date):
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
    rows = await store.read(statements.RETENTION_FACTS, {**scope.params(), "ids": [child_id]})
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
    rows = await store.read(statements.ALL_RETENTION_FACTS, scope.params())
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
