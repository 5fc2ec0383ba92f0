"""Finding the child a record is about, and linking or unlinking it by hand.

The front door, the EHM and IES intake and the records officers' review queue all find
candidates the same way (graph/cypher/linking.py) and decide with `workflow.matching`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from graph import ConstraintViolation
from graph.cypher import contacts as contact_statements
from graph.cypher import linking as statements
from workflow.ids import new_child_id, new_id
from workflow.matching import (
    REVIEW_THRESHOLD,
    Candidate,
    Decision,
    Match,
    PersonDetails,
    Rule,
    Score,
    decide,
    name_parts,
    same_identity,
    score,
)
from workflow.outcomes import FieldProblem, InvalidInput, NotFound, TransitionRefused
from workflow.pregnancy import CIN_8606, before_a_pregnancy, latest_birth

if TYPE_CHECKING:
    from graph import GraphStore, Row
    from graph.cypher.access import AccessScope


def _birth_dates(born: date | None) -> list[date]:
    if born is None:
        return []
    dates = [born]
    if born.day <= 12 and born.day != born.month:
        dates.append(born.replace(month=born.day, day=born.month))
    return dates


def _family_name_keys(family_name: str | None) -> list[str]:
    """The spellings a family name may be stored under (names are kept exactly as given)."""
    if not family_name:
        return []
    whole = family_name.strip()
    keys = {whole, whole.title(), whole.upper(), whole.lower()}
    keys.update(part.title() for part in name_parts(whole))
    return sorted(keys)


def _candidate(row: Row) -> Candidate:
    child = row["child"]
    linked = row["linked"]
    return Candidate(
        child_id=row["id"],
        details=PersonDetails(
            given_name=child.get("givenName"),
            family_name=child.get("familyName"),
            date_of_birth=child.get("dateOfBirth"),
            sex=child.get("sex"),
            nhs_number=child.get("nhsNumber"),
            upn=child.get("upn"),
        ),
        nhs_numbers=frozenset(
            n for n in [child.get("nhsNumber"), *(r.get("nhsNumber") for r in linked)] if n
        ),
        upns=frozenset(u for u in [child.get("upn"), *(r.get("upn") for r in linked)] if u),
        postcodes=frozenset(
            p for p in [*row["addressPostcodes"], *(r.get("postcode") for r in linked)] if p
        ),
    )


async def find_candidates(
    store: GraphStore, details: PersonDetails, scope: AccessScope | None = None
) -> list[Candidate]:
    """Children who might be the person `details` describes.

    Args:
        scope: whose eyes the candidates are for; None when the system matches (a
            restricted child must still be found, or a second record of them is made).
    """
    ids = await store.read(
        statements.CANDIDATE_IDS,
        {
            "nhsNumbers": [details.nhs_number] if details.nhs_number else [],
            "upns": [details.upn] if details.upn else [],
            # As text: children are sought by their birth date's text key (graph/vocabulary.py).
            "birthDates": [born.isoformat() for born in _birth_dates(details.date_of_birth)],
            "familyNames": _family_name_keys(details.family_name),
        },
    )
    if not ids:
        return []
    found = sorted({row["id"] for row in ids})
    if scope is None:
        rows = await store.read(statements.CANDIDATES, {"ids": found})
    else:
        rows = await store.read(statements.VISIBLE_CANDIDATES, {**scope.params(), "ids": found})
    return [_candidate(row) for row in rows]


async def match_person(store: GraphStore, details: PersonDetails) -> Match:
    """Decide whether `details` is a child the hub knows: auto-link, review or new person."""
    return decide(details, await find_candidates(store, details))


@dataclass(frozen=True, slots=True)
class LinkedRecord:
    """A record after a person linked or unlinked it."""

    record: Row
    child_id: str


def record_row(row: Row) -> Row:
    """A stored record with its details parsed back from JSON text."""
    details = row.get("details")
    return {**row, "details": json.loads(details) if details else {}}


async def before_the_child(
    store: GraphStore, started: date, child_id: str, scope: AccessScope | None = None
) -> str | None:
    """Why a record that started on `started` is not about the child `child_id`, or None:
    it is dated more than 40 weeks before their (expected) birth (CIN census rule 8606;
    a step up would be a contact the front door refuses). With `scope`, only a child the
    caller may see is read (the answer names the child's date of birth)."""
    if scope is None:
        found = await store.read(statements.CHILD_BORN, {"childId": child_id})
    else:
        found = await store.read(
            contact_statements.CHILD_BIRTH, {**scope.params(), "childId": child_id}
        )
    if not found or found[0]["born"] is None:
        return None
    rule = before_a_pregnancy(started, found[0]["born"], unborn=found[0]["unborn"], rule=CIN_8606)
    return f"the record's startDate ({started.isoformat()}) {rule}" if rule else None


async def link_record(
    store: GraphStore, scope: AccessScope, record_id: str, child_id: str, reason: str
) -> LinkedRecord | NotFound | TransitionRefused | InvalidInput:
    """Link an unlinked record to a child the caller may see (rule MANUAL), audited; never
    to a child born more than 40 weeks after the record started (CIN census rule 8606)."""
    current = await store.read(statements.RECORD_BY_ID, {"recordId": record_id})
    if not current:
        return NotFound(kind="SourceRecord", id=record_id)
    if (refused := _not_linkable(current[0])) is not None:
        return refused
    details = record_row(current[0]["record"])
    scored = decide(_person(details), await find_candidates(store, _person(details)))
    child_score = next(
        (found.score for found in scored.candidates if found.child_id == child_id), None
    )
    rows = await store.write(
        statements.LINK_RECORD,
        {
            **scope.params(),
            "recordId": record_id,
            "childId": child_id,
            "eventId": new_id(),
            "score": child_score,
            "reason": reason,
            "latestBirth": latest_birth(details["startDate"]),
        },
    )
    if not rows:
        # The child is not one the caller may see, a racing link got there first, or the
        # record started before the child's pregnancy.
        again = await store.read(statements.RECORD_BY_ID, {"recordId": record_id})
        if again and (refused := _not_linkable(again[0])) is not None:
            return refused
        if early := await before_the_child(store, details["startDate"], child_id, scope):
            return InvalidInput(problems=(FieldProblem("childId", early),))
        return NotFound(kind="Child", id=child_id)
    return await _after_change(store, record_id, rows[0]["childId"])


async def link_record_to_new_child(
    store: GraphStore, scope: AccessScope, record_id: str, reason: str
) -> LinkedRecord | NotFound | TransitionRefused:
    """A person says the record is about a child the hub has not met: create and link."""
    current = await store.read(statements.RECORD_BY_ID, {"recordId": record_id})
    if not current:
        return NotFound(kind="SourceRecord", id=record_id)
    if (refused := _not_linkable(current[0])) is not None:
        return refused
    try:
        rows = await store.write(
            statements.LINK_RECORD_TO_NEW_CHILD,
            {
                **scope.params(),
                "recordId": record_id,
                "childId": new_child_id(),
                "eventId": new_id(),
                "reason": reason,
            },
        )
    except ConstraintViolation:
        return _already_linked(
            "a child with this record's NHS number is already recorded; link the record to them"
        )
    if not rows:
        again = await store.read(statements.RECORD_BY_ID, {"recordId": record_id})
        refused = _not_linkable(again[0]) if again else None
        return refused or _already_linked("the record was linked by somebody else meanwhile")
    return await _after_change(store, record_id, rows[0]["childId"])


def _already_linked(reason: str) -> TransitionRefused:
    return TransitionRefused(current_state="LINKED", allowed=("unlinkSourceRecord",), reason=reason)


def _not_linkable(current: Row) -> TransitionRefused | None:
    """Why a person may not link a record as it stands (RECORD_BY_ID's row), if they may not."""
    if current["record"].get("linkState") == "WITHDRAWN":
        return TransitionRefused(
            current_state="WITHDRAWN",
            allowed=(),
            reason="the source withdrew this record (sent in error); it is about nobody"
            " until the source sends it again",
        )
    if current["link"] is not None:
        return _already_linked("the record is already linked to a child; unlink it first")
    return None


async def _after_change(store: GraphStore, record_id: str, child_id: str) -> LinkedRecord:
    found = await record_with_link(store, record_id)
    # The record was just written; it is there (records are never deleted).
    assert not isinstance(found, NotFound)
    return LinkedRecord(record=found, child_id=child_id)


async def unlink_record(
    store: GraphStore, scope: AccessScope, record_id: str, reason: str
) -> LinkedRecord | NotFound:
    """Undo a record's link (back to the review queue); the link's history is kept."""
    rows = await store.write(
        statements.UNLINK_RECORD,
        {**scope.params(), "recordId": record_id, "eventId": new_id(), "reason": reason},
    )
    if not rows:
        return NotFound(kind="LinkedRecord", id=record_id)
    return await _after_change(store, record_id, rows[0]["childId"])


def _person(record: Row) -> PersonDetails:
    return PersonDetails(
        given_name=record.get("givenName"),
        family_name=record.get("familyName"),
        date_of_birth=record.get("dateOfBirth"),
        sex=record.get("sex"),
        postcode=record.get("postcode"),
        nhs_number=record.get("nhsNumber"),
        upn=record.get("upn"),
    )


@dataclass(frozen=True, slots=True)
class RecordCandidates:
    """A record, what matching decides for it, and who each candidate child is."""

    record: Row
    match: Match
    children: dict[str, PersonDetails]


async def candidates_for_record(
    store: GraphStore, scope: AccessScope, record_id: str
) -> RecordCandidates | NotFound:
    """A record and its scored candidates among the children the caller may see."""
    found = await record_with_link(store, record_id)
    if isinstance(found, NotFound):
        return found
    person = _person(found)
    candidates = await find_candidates(store, person, scope)
    # The record goes out too: its link and stored review candidates name children only
    # as `sourceRecord` does (a restricted child counted, never named).
    [seen] = await as_seen_by(store, scope, [found])
    return RecordCandidates(
        record=seen,
        match=decide(person, candidates),
        children={candidate.child_id: candidate.details for candidate in candidates},
    )


async def record_with_link(store: GraphStore, record_id: str) -> Row | NotFound:
    """A record with its current link (None when it has none)."""
    rows = await store.read(statements.RECORD_BY_ID, {"recordId": record_id})
    if not rows:
        return NotFound(kind="SourceRecord", id=record_id)
    return {**record_row(rows[0]["record"]), "link": rows[0]["link"]}


async def as_seen_by(store: GraphStore, scope: AccessScope, records: list[Row]) -> list[Row]:
    """`records` with every child the caller may not see left unnamed.

    Matching finds restricted children too (or a record about one would make a second,
    unrestricted record of them), so a review candidate the caller may not see is counted
    in `hiddenCandidates` instead of named; a link or link event to such a child keeps no
    child id (`linkedChildId` and `possibleChildIds` keep them for the read audit only).
    One statement for the whole page.
    """
    named = {
        child
        for record in records
        for child in [
            *(record.get("reviewCandidates") or []),
            *([record["link"]["childId"]] if record.get("link") else []),
            *(event["childId"] for event in record.get("history") or []),
        ]
        if child
    }
    visible = (
        {
            row["childId"]
            for row in await store.read(
                statements.VISIBLE_CHILD_IDS, {**scope.params(), "ids": sorted(named)}
            )
        }
        if named
        else set()
    )
    seen = []
    for record in records:
        candidates = record.get("reviewCandidates") or []
        scores = record.get("reviewScores") or []
        shown = [i for i, child in enumerate(candidates) if child in visible]
        link = record.get("link")
        seen.append(
            {
                **record,
                "reviewCandidates": [candidates[i] for i in shown],
                "reviewScores": [scores[i] for i in shown if i < len(scores)],
                "hiddenCandidates": len(candidates) - len(shown),
                # Never shown: whose data the record carries, for the read audit (a record
                # linked to a child the caller may not see still tells them about her; one
                # in review is about one of its candidates, named or counted).
                "linkedChildId": link["childId"] if link else None,
                "possibleChildIds": list(candidates),
                "link": {**link, "childId": link["childId"] if link["childId"] in visible else None}
                if link
                else None,
                "history": [
                    {**event, "childId": event["childId"] if event["childId"] in visible else None}
                    for event in record.get("history") or []
                ],
            }
        )
    return seen


async def review_queue(store: GraphStore, limit: int, recorded_by: str | None = None) -> list[Row]:
    """Records waiting for a person to say which child they are about, oldest first.

    Args:
        recorded_by: only the records last sent by this sender (None: every record).
    """
    rows = await store.read(statements.REVIEW_QUEUE, {"limit": limit, "recordedBy": recorded_by})
    return [record_row(row["record"]) for row in rows]


async def records_of_child(store: GraphStore, scope: AccessScope, child_id: str) -> list[Row]:
    """The EHM and IES records linked to a child the caller may see, latest first."""
    rows = await store.read(statements.RECORDS_OF, {**scope.params(), "ids": [child_id]})
    return [
        {**record_row(row["record"]), "link": {**row["link"], "childId": row["childId"]}}
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class SuspectedDuplicate:
    """Two children who may be one child recorded twice, and why."""

    first: Row
    second: Row
    score: Score


async def suspected_duplicates(
    store: GraphStore, scope: AccessScope, limit: int
) -> list[SuspectedDuplicate]:
    """Pairs of visible children the matcher would not tell apart without a person.

    Pairs are looked for among children born on the same day (or with day and month
    swapped), and among children tied by one NHS number through the EHM and IES records
    linked to them; the strongest first.
    """
    found: dict[frozenset[str], SuspectedDuplicate] = {}
    for group in await store.read(statements.NHS_NUMBER_GROUPS, scope.params()):
        # The number is each record's, whether on the child or on a record linked to it.
        children = [{**child, "nhsNumber": group["nhsNumber"]} for child in group["children"]]
        for first, second in _pairs(children):
            pair = score(_person(first), _as_candidate(second))
            found[frozenset((first["id"], second["id"]))] = SuspectedDuplicate(first, second, pair)
    for group in await store.read(statements.BIRTH_DATE_GROUPS, scope.params()):
        for first, second in _pairs(group["children"]):
            pair = score(_person(first), _as_candidate(second))
            if pair.rule is not Rule.SCORE or pair.score >= REVIEW_THRESHOLD:
                found.setdefault(
                    frozenset((first["id"], second["id"])), SuspectedDuplicate(first, second, pair)
                )
    ranked = sorted(
        found.values(), key=lambda pair: (pair.score.rule is Rule.SCORE, -pair.score.score)
    )
    return ranked[:limit]


def _pairs(children: list[Row]) -> list[tuple[Row, Row]]:
    return [
        (first, second) for index, first in enumerate(children) for second in children[index + 1 :]
    ]


def _as_candidate(child: Row) -> Candidate:
    return Candidate(
        child_id=child["id"],
        details=_person(child),
        nhs_numbers=frozenset({child["nhsNumber"]} if child.get("nhsNumber") else set()),
        upns=frozenset({child["upn"]} if child.get("upn") else set()),
    )


async def link_history(store: GraphStore, record_id: str) -> list[Row]:
    """Every link and unlink of a record, oldest first."""
    rows = await store.read(statements.LINK_HISTORY, {"recordId": record_id})
    return [row["event"] for row in rows]


def details_json(details: dict[str, Any]) -> str:
    """A record's kind-specific details as the JSON text the graph keeps."""
    return json.dumps(details, sort_keys=True, default=str)


@dataclass(frozen=True, slots=True)
class PossibleDuplicates:
    """The hub may already know this child: nothing was created.

    `candidates` are those the caller may see (best first); `hidden` counts the others, so a
    worker learns to ask rather than make a second record of a child they cannot see.
    """

    candidates: tuple[Row, ...]
    hidden: int
    reason: str


async def duplicates_of(
    store: GraphStore, scope: AccessScope, details: PersonDetails, *, confirmed: bool
) -> PossibleDuplicates | None:
    """Children a new child may already be, or None when recording them as new is safe.

    Args:
        confirmed: the worker has seen the scored candidates and says this is somebody
            else; an NHS number or UPN already on a child, or the same names and date of
            birth, still refuse (one child, one record).
    """
    # The system looks through every record: a restricted child must not get a twin.
    match = decide(details, await find_candidates(store, details))
    by_identifier = [found for found in match.candidates if found.rule is not Rule.SCORE]
    same_person = [found for found in match.candidates if same_identity(found)]
    if by_identifier:
        strong = by_identifier
        reason = f"a child with this {by_identifier[0].rule.value} is already recorded"
    elif confirmed and same_person:
        # Confirming does not make a second record of the same names and birth date (the
        # identity key is unique): the worker records the contact on the child found.
        strong = same_person
        reason = (
            "a child with these names and date of birth is already recorded; record the"
            " contact on them (childId)"
        )
    elif confirmed or details.date_of_birth is None or match.decision is Decision.NEW_PERSON:
        # An unborn child has no birth date to tell siblings apart: identifiers only.
        return None
    else:
        strong = [found for found in match.candidates if found.score >= REVIEW_THRESHOLD]
        reason = "children with these details are already recorded; confirm it is nobody of them"
    return await _shown(store, scope, strong, reason)


async def holder_of_identity(
    store: GraphStore, scope: AccessScope, details: PersonDetails, key: str
) -> PossibleDuplicates | None:
    """The child already holding identity key `key` (names and birth or due date), if any.

    The matcher cannot find an unborn child by birth date; the unique key still says a
    racing or repeated contact recorded them first.
    """
    holders = await store.read(statements.CHILD_WITH_IDENTITY_KEY, {"key": key})
    if not holders:
        return None
    rows = await store.read(statements.CANDIDATES, {"ids": [row["id"] for row in holders]})
    found = [score(details, _candidate(row)) for row in rows]
    reason = (
        "a child with these names and date of birth (or expected date of birth) is already"
        " recorded; record the contact on them (childId), or name unborn twins apart"
    )
    return await _shown(store, scope, found, reason)


async def _shown(
    store: GraphStore, scope: AccessScope, strong: list[Score], reason: str
) -> PossibleDuplicates:
    """The children found, as far as the caller may see them; the others counted."""
    visible = await store.read(
        statements.VISIBLE_CANDIDATES,
        {**scope.params(), "ids": [found.child_id for found in strong]},
    )
    shown = {row["id"]: row for row in visible}
    candidates = tuple(
        {
            **shown[found.child_id]["child"],
            "id": found.child_id,
            "score": found.score,
            "rule": found.rule.value,
        }
        for found in strong
        if found.child_id in shown
    )
    return PossibleDuplicates(
        candidates=candidates, hidden=len(strong) - len(candidates), reason=reason
    )
