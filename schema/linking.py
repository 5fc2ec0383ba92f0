"""EHM and IES records and the child each is about: candidates, link, unlink, review queue."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers import linking as linking_resolvers
from resolvers.context import HubContext
from schema.audit import HidesItsChild
from schema.outcomes import InvalidInput, NotAuthorised, NotFound, TransitionRefused, answer

if TYPE_CHECKING:
    from workflow import linking
    from workflow.matching import PersonDetails, Score


def _instant(epoch_ms: int | None) -> datetime | None:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC) if epoch_ms is not None else None


@strawberry.type(description="How a record was linked to its child, and by whom")
class RecordLink:
    child_id: strawberry.ID | None = strawberry.field(
        description="The child, or null when the caller may not see them (restricted)"
    )
    rule: str = strawberry.field(
        description="NHS_NUMBER, UPN, SCORE (matched automatically), NEW_PERSON or MANUAL"
    )
    score: float | None
    linked_by: str
    linked_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> RecordLink:
        return cls(
            child_id=strawberry.ID(row["childId"]) if row.get("childId") else None,
            rule=row["rule"],
            score=row.get("score"),
            linked_by=row["by"],
            linked_at=_instant(row.get("at")),
        )


@strawberry.type(description="One link or unlink of a record: the audit trail of its links")
class LinkEvent:
    action: str = strawberry.field(
        description="LINK, UNLINK (a person), or WITHDRAW (the source withdrew the record)"
    )
    rule: str | None
    score: float | None
    child_id: strawberry.ID | None = strawberry.field(
        description="The child, or null when the caller may not see them (restricted)"
    )
    by: str
    at: datetime | None
    reason: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> LinkEvent:
        return cls(
            action=row["action"],
            rule=row.get("rule"),
            score=row.get("score"),
            child_id=strawberry.ID(row["childId"]) if row.get("childId") else None,
            by=row["by"],
            at=_instant(row.get("at")),
            reason=row.get("reason"),
        )


@strawberry.type(description="A value particular to the kind of record (e.g. a school's URN)")
class RecordDetail:
    name: str
    value: str

    @classmethod
    def of(cls, name: str, value: Any) -> RecordDetail:
        return cls(name=name, value=_text(value))


@strawberry.type(description="A record taken in from EHM or IES, and the child it is linked to")
class SourceRecord(HidesItsChild):
    id: strawberry.ID
    source: str = strawberry.field(description="EHM or IES")
    kind: str = strawberry.field(description="The record type, e.g. EARLY_HELP_EPISODE, PUPIL")
    record_id: str = strawberry.field(description="The source system's own id")
    version: int
    start_date: date
    end_date: date | None
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    postcode: str | None
    nhs_number: str | None
    upn: str | None
    link_state: str = strawberry.field(
        description="LINKED, REVIEW: waiting for a person, or WITHDRAWN: the source took it"
        " back as sent in error (linkReason says why)"
    )
    link_reason: str | None
    candidate_child_ids: list[strawberry.ID] = strawberry.field(
        description="While in review: the children it may be about that you may see, best first"
    )
    hidden_candidates: int = strawberry.field(
        description="While in review: how many more children it may be about are records you"
        " may not see (restricted): ask for a grant before deciding it is a new person"
    )
    details: list[RecordDetail]
    link: RecordLink | None
    history: list[LinkEvent] | None = strawberry.field(
        description="Every link and unlink, oldest first: answered by sourceRecord(recordId) "
        "and the link and unlink mutations; null where records are listed (read the record)"
    )
    child_id: strawberry.ID | None = strawberry.field(
        description="The child the record is linked to (reads of a linked record are audited)"
    )

    @classmethod
    def from_row(
        cls,
        row: dict[str, Any],
        link: dict[str, Any] | None = None,
        history: list[dict[str, Any]] | None = None,
    ) -> SourceRecord:
        record = cls(
            id=strawberry.ID(row["id"]),
            source=row["source"],
            kind=row["kind"],
            record_id=row["recordId"],
            version=row["version"],
            start_date=row["startDate"],
            end_date=row.get("endDate"),
            given_name=row.get("givenName"),
            family_name=row.get("familyName"),
            date_of_birth=row.get("dateOfBirth"),
            postcode=row.get("postcode"),
            nhs_number=row.get("nhsNumber"),
            upn=row.get("upn"),
            link_state=row.get("linkState") or "REVIEW",
            link_reason=row.get("linkReason"),
            candidate_child_ids=[strawberry.ID(i) for i in row.get("reviewCandidates") or []],
            hidden_candidates=row.get("hiddenCandidates") or 0,
            details=[
                RecordDetail.of(name, value)
                for name, value in sorted((row.get("details") or {}).items())
            ],
            link=RecordLink.from_row(link) if link else None,
            history=None if history is None else [LinkEvent.from_row(e) for e in history],
            child_id=strawberry.ID(link["childId"]) if link and link.get("childId") else None,
        )
        # A record linked to a child the caller may not see names no child, but what it
        # says is about her: the read is in her audit all the same. A record in review is
        # linked to nobody yet, and what it says is about one of the children it may be
        # about: the read is in the audit of each (the restricted ones too).
        record.__dict__["_possible_children"] = tuple(row.get("possibleChildIds") or ())
        linked = row.get("linkedChildId") or (link or {}).get("childId")
        return record.of_child(linked) if linked else record

    @property
    def audited_child_ids(self) -> list[str]:
        """The children whose data the record may carry: the one it is linked to, and
        the candidates of a record in review."""
        linked = self.audited_child_id
        possible = self.__dict__.get("_possible_children", ())
        return [*([linked] if linked else []), *(c for c in possible if c != linked)]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


@strawberry.type(description="How well one field of the record agrees with the child")
class FieldAgreement:
    field: str
    level: str = strawberry.field(
        description="EXACT, PART, SWAPPED, TYPO, PHONETIC, PARTIAL, DIFFERENT or MISSING"
    )


@strawberry.type(description="A child a record may be about, with the evidence")
class LinkCandidate:
    child_id: strawberry.ID
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    score: float
    rule: str
    agreement: list[FieldAgreement]

    @classmethod
    def of(cls, found: Score, child: PersonDetails) -> LinkCandidate:
        return cls(
            child_id=strawberry.ID(found.child_id),
            given_name=child.given_name,
            family_name=child.family_name,
            date_of_birth=child.date_of_birth,
            score=found.score,
            rule=found.rule.value,
            agreement=[
                FieldAgreement(field=name, level=level.value)
                for name, level in found.levels.items()
            ],
        )


@strawberry.type(description="A record, the children it may be about, and what matching says")
class RecordCandidates:
    record: SourceRecord
    decision: str = strawberry.field(description="AUTO_LINK, REVIEW or NEW_PERSON")
    reason: str
    candidates: list[LinkCandidate]

    @classmethod
    def of(cls, found: linking.RecordCandidates) -> RecordCandidates:
        match = found.match
        return cls(
            record=SourceRecord.from_row(found.record, found.record.get("link")),
            decision=match.decision.value,
            reason=match.reason,
            candidates=[
                LinkCandidate.of(score, found.children[score.child_id])
                for score in match.candidates
            ],
        )


@strawberry.type(description="Records waiting for a person to say which child they are about")
class LinkReviewQueue:
    records: list[SourceRecord]


def _linked(result: linking.LinkedRecord) -> SourceRecord:
    record = result.record
    # The child the record was linked to or just unlinked from: an unlinked record names
    # no child, but what it answers with was, until this step, the hub's record of her,
    # so the answer is in her read audit all the same.
    return SourceRecord.from_row(record, record.get("link"), record.get("history")).of_child(
        result.child_id
    )


@strawberry.type(description="A child the hub already has who may be the one you are recording")
class DuplicateCandidate:
    child_id: strawberry.ID
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    score: float
    rule: str = strawberry.field(description="NHS_NUMBER, UPN or SCORE")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DuplicateCandidate:
        return cls(
            child_id=strawberry.ID(row["id"]),
            given_name=row.get("givenName"),
            family_name=row.get("familyName"),
            date_of_birth=row.get("dateOfBirth"),
            score=row["score"],
            rule=row["rule"],
        )


@strawberry.type(
    description="The hub may already know this child; nothing was recorded. Record the "
    "contact with the child's id, or confirm a new child"
)
class PossibleDuplicates:
    reason: str
    candidates: list[DuplicateCandidate]
    hidden_matches: int = strawberry.field(
        description="Matching children you may not see: ask their team before going on"
    )

    @classmethod
    def of(cls, found: linking.PossibleDuplicates) -> PossibleDuplicates:
        return cls(
            reason=found.reason,
            candidates=[DuplicateCandidate.from_row(row) for row in found.candidates],
            hidden_matches=found.hidden,
        )


@strawberry.type(description="Two children who may be one child recorded twice")
class SuspectedDuplicate:
    first: DuplicateCandidate
    second: DuplicateCandidate
    score: float
    rule: str = strawberry.field(description="NHS_NUMBER or UPN (the same on both), or SCORE")
    agreement: list[FieldAgreement]

    @classmethod
    def of(cls, pair: linking.SuspectedDuplicate) -> SuspectedDuplicate:
        found = pair.score
        return cls(
            first=DuplicateCandidate.from_row(
                {**pair.first, "score": found.score, "rule": found.rule.value}
            ),
            second=DuplicateCandidate.from_row(
                {**pair.second, "score": found.score, "rule": found.rule.value}
            ),
            score=found.score,
            rule=found.rule.value,
            agreement=[
                FieldAgreement(field=name, level=level.value)
                for name, level in found.levels.items()
            ],
        )


@strawberry.type(description="Children who may be recorded twice, the strongest first")
class SuspectedDuplicateList:
    pairs: list[SuspectedDuplicate]


def contact_or_duplicates(result: Any, contact: Callable[[dict[str, Any]], Any]) -> Any:
    """recordContact's answer: the contact, or the children the new one may already be."""
    return contact(result) if isinstance(result, dict) else PossibleDuplicates.of(result)


SourceRecordResult = Annotated[
    SourceRecord | NotFound | NotAuthorised, strawberry.union("SourceRecordResult")
]
RecordCandidatesResult = Annotated[
    RecordCandidates | NotFound | NotAuthorised, strawberry.union("RecordCandidatesResult")
]
SuspectedDuplicatesResult = Annotated[
    SuspectedDuplicateList | NotAuthorised | InvalidInput,
    strawberry.union("SuspectedDuplicatesResult"),
]
LinkReviewQueueResult = Annotated[
    LinkReviewQueue | NotAuthorised | InvalidInput, strawberry.union("LinkReviewQueueResult")
]
LinkSourceRecordResult = Annotated[
    SourceRecord | NotFound | TransitionRefused | NotAuthorised | InvalidInput,
    strawberry.union("LinkSourceRecordResult"),
]
UnlinkSourceRecordResult = Annotated[
    SourceRecord | NotFound | NotAuthorised | InvalidInput,
    strawberry.union("UnlinkSourceRecordResult"),
]


@strawberry.type
class LinkingQueries:
    @strawberry.field(description="An EHM or IES record, its link and the history of its links")
    async def source_record(
        self, info: Info[HubContext, None], record_id: strawberry.ID
    ) -> SourceRecordResult:
        result = await linking_resolvers.source_record(info.context, record_id)
        return answer(
            result,
            lambda found: SourceRecord.from_row(found[0], found[0].get("link"), found[1]),
        )

    @strawberry.field(description="A child's early help (EHM) and education (IES) records")
    async def child_source_records(
        self, info: Info[HubContext, None], child_id: strawberry.ID
    ) -> list[SourceRecord]:
        rows = await linking_resolvers.records_of_child(info.context, child_id)
        return [SourceRecord.from_row(row, row["link"]) for row in rows]

    @strawberry.field(description="The children a record may be about, scored (records officers)")
    async def source_record_candidates(
        self, info: Info[HubContext, None], record_id: strawberry.ID
    ) -> RecordCandidatesResult:
        result = await linking_resolvers.candidates(info.context, record_id)
        return answer(result, RecordCandidates.of)

    @strawberry.field(description="Children who may be one child recorded twice (records officers)")
    async def suspected_duplicate_children(
        self, info: Info[HubContext, None], limit: int = 100
    ) -> SuspectedDuplicatesResult:
        result = await linking_resolvers.suspected_duplicates(info.context, limit)
        return answer(
            result,
            lambda pairs: SuspectedDuplicateList(pairs=[SuspectedDuplicate.of(p) for p in pairs]),
        )

    @strawberry.field(description="Records waiting for a person to decide their child")
    async def link_review_queue(
        self, info: Info[HubContext, None], limit: int = 100
    ) -> LinkReviewQueueResult:
        result = await linking_resolvers.review_queue(info.context, limit)
        return answer(
            result, lambda rows: LinkReviewQueue(records=[SourceRecord.from_row(r) for r in rows])
        )


@strawberry.type
class LinkingMutations:
    @strawberry.mutation(description="Link a record to a child by hand; audited, undoable")
    async def link_source_record(
        self,
        info: Info[HubContext, None],
        record_id: strawberry.ID,
        child_id: strawberry.ID,
        reason: str,
    ) -> LinkSourceRecordResult:
        result = await linking_resolvers.link(info.context, record_id, child_id, reason)
        return answer(result, _linked)

    @strawberry.mutation(
        description="Say the record is about a child the hub has not met: the child is "
        "created from the record and linked; audited, undoable"
    )
    async def link_source_record_to_new_child(
        self, info: Info[HubContext, None], record_id: strawberry.ID, reason: str
    ) -> LinkSourceRecordResult:
        result = await linking_resolvers.link_to_new_child(info.context, record_id, reason)
        return answer(result, _linked)

    @strawberry.mutation(description="Undo a record's link; it goes back to the review queue")
    async def unlink_source_record(
        self, info: Info[HubContext, None], record_id: strawberry.ID, reason: str
    ) -> UnlinkSourceRecordResult:
        result = await linking_resolvers.unlink(info.context, record_id, reason)
        return answer(result, _linked)
