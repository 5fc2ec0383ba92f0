"""The front door: recording a contact and deciding what happens next.

Working Together to Safeguard Children 2023: a decision on a contact or referral
within one working day of receiving it.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Final, Self

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from connectors.livelink import FILE_PLAN
from graph import ConstraintViolation, name_key_fields
from graph.cypher import contacts as statements
from workflow import identifiers
from workflow.calendar import WorkingDayCalendar, today_in_england
from workflow.codes import Ethnicity, ReferralSource
from workflow.early_help import StepDownOrigin, step_down_recall, step_down_request
from workflow.ids import new_child_id, new_id
from workflow.linking import PossibleDuplicates, duplicates_of, holder_of_identity
from workflow.matching import PersonDetails, identity_key, unborn_identity_key
from workflow.outcomes import FieldProblem, InvalidInput, NotAuthorised, NotFound, TransitionRefused
from workflow.pregnancy import CIN_8606, before_a_pregnancy, latest_birth
from workflow.timescales import TimescaleKey, check_late_completion
from workflow.validation import FieldRuleBroken, Input

if TYPE_CHECKING:
    from graph import GraphStore, Row
    from graph.cypher.access import AccessScope


# As long as any other late reason may be (workflow/journey/inputs.py).
LATE_REASON_LIMIT = 2_000


class ContactOutcome(enum.StrEnum):
    """What the front door decided."""

    NO_FURTHER_ACTION = "NO_FURTHER_ACTION"
    INFORMATION_AND_ADVICE = "INFORMATION_AND_ADVICE"
    STEP_DOWN_TO_EARLY_HELP = "STEP_DOWN_TO_EARLY_HELP"
    REFERRAL_TO_SOCIAL_CARE = "REFERRAL_TO_SOCIAL_CARE"


class Sex(enum.StrEnum):
    """CIN census / SSDA903 sex codes (since 2024-25)."""

    M = "M"
    F = "F"
    U = "U"


def _not_in_future(value: date | None) -> date | None:
    if value is not None and value > today_in_england():
        raise ValueError("must not be in the future")
    return value


# The earliest day anything the hub records can have happened, a grandparent's birth and
# the old system's oldest record included: a year typed 0025 or 1025 for 2025 is refused,
# not kept to skew due dates, ages and the returns.
EARLIEST_DAY = date(1900, 1, 1)


def _not_before_the_earliest_day(value: date | None) -> date | None:
    if value is not None and value < EARLIEST_DAY:
        raise ValueError("must not be before 1 January 1900: is the year mistyped?")
    return value


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _written_as_a_date(value: object) -> object:
    # pydantic would also read a number (or a string of digits) as a Unix timestamp:
    # a sender's 0 would become 1 January 1970. A date is a date, or YYYY-MM-DD.
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("a date is written YYYY-MM-DD")


PastDate = Annotated[
    date,
    BeforeValidator(_written_as_a_date),
    AfterValidator(_not_in_future),
    AfterValidator(_not_before_the_earliest_day),
]

# Characters no name is written with: control codes (NUL, which the engine cannot store
# and turns into U+FFFD, a newline, a terminal escape) and the bidirectional embeddings,
# overrides and isolates that make a name display as something else. Joiners (U+200C,
# U+200D), which Persian and Indic names need, are not among them.
_BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))


def _written_name(value: str) -> str:
    for character in value:
        if unicodedata.category(character) == "Cc" or character in _BIDI_CONTROLS:
            raise ValueError(f"must not contain the control character U+{ord(character):04X}")
    # Kept exactly as given otherwise: no trimming, folding or normalising.
    return value


# The longest given or family name the hub keeps.
MOST_NAME_CHARS: Final = 100
Name = Annotated[
    str, Field(min_length=1, max_length=MOST_NAME_CHARS), AfterValidator(_written_name)
]


def _ethnicity_code(value: str) -> str:
    # Both returns carry it as given (CIN census Ethnicity, SSDA903 ETHNIC, rule 103).
    return Ethnicity.from_code(value).code


EthnicityCode = Annotated[str, AfterValidator(_ethnicity_code)]


class NewChild(Input):
    """A child the hub has not met before, recorded with the contact about them."""

    given_name: Name
    family_name: Name
    date_of_birth: PastDate | None = None
    expected_date_of_birth: date | None = None
    sex: Sex = Sex.U
    ethnicity: EthnicityCode | None = None
    nhs_number: Annotated[str, AfterValidator(identifiers.nhs_number)] | None = None
    upn: Annotated[str, AfterValidator(identifiers.upn)] | None = None
    unborn: bool = False

    @model_validator(mode="after")
    def _birth_dates(self) -> Self:
        if self.unborn and (self.expected_date_of_birth is None or self.date_of_birth):
            raise ValueError("an unborn child has an expected date of birth and no date of birth")
        if not self.unborn and self.date_of_birth is None:
            raise ValueError("a born child needs a date of birth")
        return self


class RecordContact(Input):
    """A contact: who it is about, when it came in, from whom, and what was said."""

    child_id: str | None = None
    child: NewChild | None = None
    # The worker has seen the children the hub suggested and says this one is new.
    confirm_new_child: bool = False
    received_date: PastDate
    source: ReferralSource
    summary: Annotated[str, Field(min_length=1, max_length=20_000)]

    @model_validator(mode="after")
    def _one_child(self) -> Self:
        if (self.child_id is None) == (self.child is None):
            raise ValueError("give exactly one of childId (a known child) or child (a new one)")
        return self

    @model_validator(mode="after")
    def _within_a_pregnancy(self) -> Self:
        child = self.child
        if child is None:
            return self
        born = child.date_of_birth or child.expected_date_of_birth
        if born is not None and (
            rule := referred_too_early(self.received_date, born, unborn=child.unborn)
        ):
            raise FieldRuleBroken("receivedDate", rule)
        return self


def referred_too_early(received: date, born: date, *, unborn: bool) -> str | None:
    """CIN census rule 8606: nobody refers a child more than 40 weeks before their
    (expected) date of birth."""
    return before_a_pregnancy(received, born, unborn=unborn, rule=CIN_8606)


async def _before_a_pregnancy(
    store: GraphStore, scope: AccessScope, child_id: str | None, received: date, field: str
) -> InvalidInput | None:
    """Whether a contact on a known child wrote nothing because it came in more than 40
    weeks before the child's (expected) birth."""
    found = await store.read(statements.CHILD_BIRTH, {**scope.params(), "childId": child_id})
    if not found or found[0]["born"] is None:
        return None
    rule = referred_too_early(received, found[0]["born"], unborn=bool(found[0]["unborn"]))
    return InvalidInput(problems=(FieldProblem(field, rule),)) if rule else None


NO_WORKER_RECORD = NotAuthorised(
    reason="you have no worker record in the hub, so nothing you record could say who "
    "recorded it; ask an administrator to add you as a worker (nothing was written)"
)


async def _no_worker_record(store: GraphStore, scope: AccessScope) -> bool:
    return not await store.read(statements.WORKER_EXISTS, {"viewer": scope.viewer})


async def record_contact(
    store: GraphStore, scope: AccessScope, data: RecordContact, calendar: WorkingDayCalendar
) -> Row | NotFound | NotAuthorised | InvalidInput | PossibleDuplicates:
    """Record a contact; its decision is due one working day after it was received.

    The contact (and, for a new child, the child) is written in one statement or not at
    all: a caller with no worker record gets `NotAuthorised` and nothing is created. One
    child, one record: a "new" child the hub may already know is not created; the answer
    is the children it may be (`PossibleDuplicates`). A child with the same names and
    date of birth is the same child even when the worker confirms a new one, so a repeated
    or racing contact never makes a second record.
    """
    params: dict[str, Any] = {
        **scope.params(),
        "contactId": new_id(),
        "receivedDate": data.received_date,
        "decisionDue": calendar.add_working_days(data.received_date, 1),
        "source": data.source.value,
        "summary": data.summary,
    }
    # Set for a new child: who they are, and the key their names and birthday make.
    person: PersonDetails | None = None
    key: str | None = None
    if data.child is not None:
        person = _person(data.child)
        if found := await duplicates_of(store, scope, person, confirmed=data.confirm_new_child):
            return found
        child = data.child.model_dump(by_alias=True, mode="json")
        child.update(name_key_fields(data.child.family_name))
        key = _identity_key(data.child, person)
        try:
            rows = await store.write(
                statements.RECORD_CONTACT_FOR_NEW_CHILD,
                {
                    **params,
                    "childId": new_child_id(),
                    "child": child,
                    "identityKey": key,
                    "heldKey": key or "",
                    "identified": bool(person.nhs_number or person.upn),
                    "confirmed": data.confirm_new_child,
                },
            )
        except ConstraintViolation:
            # A racing contact recorded this child first: its NHS number, or its names and
            # birth date, are unique on a child. The answer is that child, as if this
            # contact had come second.
            raced = await duplicates_of(store, scope, person, confirmed=True)
            if raced is None and key is not None:
                raced = await holder_of_identity(store, scope, person, key)
            if raced is None:
                raise
            return raced
    else:
        rows = await store.write(
            statements.RECORD_CONTACT_FOR_CHILD,
            {
                **params,
                "childId": data.child_id,
                "latestBirth": latest_birth(data.received_date),
            },
        )
        if not rows and (
            late := await _before_a_pregnancy(
                store, scope, data.child_id, data.received_date, "receivedDate"
            )
        ):
            return late
    if not rows:
        if person is not None and key is not None:
            # A numbered child whose names and birthday a child already holds (made
            # since the duplicate check above, by a racing contact): that child.
            held = await holder_of_identity(store, scope, person, key)
            if held is not None:
                return held
        if await _no_worker_record(store, scope):
            return NO_WORKER_RECORD
        return NotFound(kind="Child", id=data.child_id or "")
    return {**rows[0]["contact"], "childId": rows[0]["childId"]}


def _identity_key(child: NewChild, person: PersonDetails) -> str | None:
    # Names and birthday (or due date) are the identity of a child without an NHS number
    # or UPN. A child recorded with one takes the key too, if no child holds it yet: a
    # contact without the number racing one with it then meets that child instead of
    # making a second. Two children may share names and a birthday when their numbers
    # say so, so a numbered child whose key is taken is recorded without one.
    if child.unborn and child.expected_date_of_birth is not None:
        return unborn_identity_key(
            child.given_name, child.family_name, child.expected_date_of_birth
        )
    return identity_key(person)


def _person(child: NewChild) -> PersonDetails:
    return PersonDetails(
        given_name=child.given_name,
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
        sex=child.sex.value,
        nhs_number=child.nhs_number,
        upn=child.upn,
    )


def _finalised_with(outcome: ContactOutcome, decided_on: date) -> dict[str, Any]:
    """What a finalisation may create: the referral, the child's file with its folders
    and the outbox item that opens it, a step down's request to early help."""
    folders = [
        {"id": new_id(), "key": folder.key, "name": folder.name, "position": position}
        for position, folder in enumerate(FILE_PLAN)
    ]
    early_help = (
        step_down_request(
            StepDownOrigin.CONTACT,
            "CONTACT_STEP_DOWN",
            "Contact finalised: step down to early help",
            decided_on,
            summary=None,
        )
        if outcome is ContactOutcome.STEP_DOWN_TO_EARLY_HELP
        else None
    )
    return {
        "outcome": outcome.value,
        "referralId": new_id(),
        "fileId": new_id(),
        "outboxId": new_id(),
        "folders": folders,
        "earlyHelp": early_help,
    }


def _finalised(row: Row) -> Row:
    return {
        **row["contact"],
        "childId": row["childId"],
        "referralId": row["referralId"],
        "fileCreated": row["fileCreated"],
        "joinedOpenEpisode": row["joinedOpenEpisode"],
    }


async def finalise_contact(
    store: GraphStore,
    scope: AccessScope,
    contact_id: str,
    outcome: ContactOutcome,
    version: int | None,
    decided_on: date,
    late_reason: str | None = None,
) -> Row | NotFound | TransitionRefused | NotAuthorised | InvalidInput:
    """Finalise a contact with its outcome, opening the child's Livelink file the first time.

    `decided_on` is the day the front door decided (the contact's decision date, and the
    day a referral's episode of need is accepted); never before the contact came in.
    Decided after its due date (one working day after it came in), it needs
    `late_reason`, as every late step does.

    A child has one episode of need at a time: a referral about a child whose episode is
    still open joins that episode as a further contact (`joinedOpenEpisode`), and a new
    episode may not overlap an earlier one (`TransitionRefused`, nothing written).
    """
    if decided_on > today_in_england():
        return InvalidInput(problems=(FieldProblem("on", "must not be in the future"),))
    late_reason = late_reason.strip() if late_reason else None
    if late_reason and len(late_reason) > LATE_REASON_LIMIT:
        rule = f"at most {LATE_REASON_LIMIT} characters"
        return InvalidInput(problems=(FieldProblem("lateReason", rule),))
    rows = await store.write(
        statements.FINALISE_CONTACT,
        {
            **scope.params(),
            **_finalised_with(outcome, decided_on),
            "contactId": contact_id,
            "version": version,
            "decidedOn": decided_on,
            "lateReason": late_reason or None,
        },
    )
    if rows:
        return _finalised(rows[0])
    state = await store.read(statements.CONTACT_STATE, {**scope.params(), "contactId": contact_id})
    if not state:
        return NotFound(kind="Contact", id=contact_id)
    current = state[0]
    if current["status"] == "OPEN" and decided_on < current["receivedDate"]:
        rule = f"must not be before the contact was received ({current['receivedDate']})"
        return InvalidInput(problems=(FieldProblem("on", rule),))
    if await _no_worker_record(store, scope):
        return NO_WORKER_RECORD
    if current["status"] != "OPEN":
        return TransitionRefused(
            current_state=current["status"],
            allowed=(),
            reason="the contact is already finalised; its outcome cannot be changed"
            if current["status"] == "FINALISED"
            else "the contact was withdrawn as recorded in error (by a manager, or early "
            "help withdrew the step up it came from)",
        )
    if refused := _no_episode(current, outcome, "finaliseContact"):
        return refused
    due = current["decisionDue"]
    if due is not None and (
        late := check_late_completion(TimescaleKey.REFERRAL_DECISION, due, decided_on, late_reason)
    ):
        return InvalidInput(problems=(FieldProblem("lateReason", late.message),))
    return TransitionRefused(
        current_state=current["status"],
        allowed=("finaliseContact",),
        reason=(
            f"the contact changed since you loaded it (version {version}, now "
            f"{current['version']}); reload it and decide again"
        ),
    )


def _no_episode(current: Row, outcome: ContactOutcome, action: str) -> TransitionRefused | None:
    """Why the contact, as read in `current`, may not be a referral: the child's death
    is recorded on or before it came in, or its episode would overlap another."""
    if outcome is not ContactOutcome.REFERRAL_TO_SOCIAL_CARE:
        return None
    died = min(current["diedOn"] or (), default=None)
    if died is not None and died <= current["receivedDate"]:
        return TransitionRefused(
            current_state=current["status"],
            allowed=(action,),
            reason=(
                f"the child's death on {died} is recorded (an episode closed RC2 or care "
                "ended E2): a contact received since opens no episode of need; finalise it "
                "with another outcome (nothing was written)"
            ),
        )
    overlapped = _overlapped_episode(current["episodes"], current["receivedDate"])
    if overlapped is not None:
        return TransitionRefused(
            current_state=current["status"],
            allowed=(action,),
            reason=_overlap_reason(overlapped, current["receivedDate"]),
        )
    return None


# The outcomes a manager may correct: a referral has opened (or joined) an episode of
# need, which is closed with no further action at referral (RC7) instead; a step down
# has sent the family to early help, which steps them up again.
CORRECTABLE_OUTCOMES: Final = (
    ContactOutcome.NO_FURTHER_ACTION,
    ContactOutcome.INFORMATION_AND_ADVICE,
)


async def correct_contact_outcome(
    store: GraphStore,
    scope: AccessScope,
    contact_id: str,
    outcome: ContactOutcome,
    version: int,
    reason: str,
) -> Row | NotFound | TransitionRefused | NotAuthorised | InvalidInput:
    """A manager corrects the outcome a finalised contact was given in error (no further
    action chosen for a referral, or advice for a step down): the decision keeps its
    day, the outcome chosen in error is kept with the reason, who and when, and a
    referral opens (or joins) the child's episode of need, dated the day the contact came
    in, under the rules a first finalisation keeps."""
    reason = reason.strip()
    if problem := _no_reason(reason, "the outcome was wrong"):
        return problem
    state = await store.read(statements.CONTACT_STATE, {**scope.params(), "contactId": contact_id})
    if not state:
        return NotFound(kind="Contact", id=contact_id)
    current = state[0]
    if current["status"] != "FINALISED" or current["outcome"] not in CORRECTABLE_OUTCOMES:
        return TransitionRefused(
            current_state=current["status"],
            allowed=("finaliseContact",) if current["status"] == "OPEN" else (),
            reason=f"the contact is {current['status']} with outcome {current['outcome']}: "
            "only an outcome of "
            + " or ".join(CORRECTABLE_OUTCOMES)
            + " is corrected (a referral's episode is closed with closeWithNoFurtherAction; "
            "a family stepped down is stepped up again by early help)",
        )
    if outcome == current["outcome"]:
        return InvalidInput(problems=(FieldProblem("outcome", "is already the contact's outcome"),))
    if refused := _no_episode(current, outcome, "correctContactOutcome"):
        return refused
    if await _no_worker_record(store, scope):
        return NO_WORKER_RECORD
    decided: date = current["decisionDate"]
    rows = await store.write(
        statements.CORRECT_CONTACT_OUTCOME,
        {
            **scope.params(),
            **_finalised_with(outcome, decided),
            "contactId": contact_id,
            "version": version,
            "reason": reason,
            "correctable": list(CORRECTABLE_OUTCOMES),
        },
    )
    if rows:
        return _finalised(rows[0])
    return TransitionRefused(
        current_state=current["status"],
        allowed=("correctContactOutcome",),
        reason=(
            f"the contact or the child's episodes changed since you loaded it (version "
            f"{version}, now {current['version']}); reload it and correct it again"
        ),
    )


def _no_reason(reason: str, what: str) -> InvalidInput | None:
    if reason and len(reason) <= LATE_REASON_LIMIT:
        return None
    rule = f"say why {what}, in 1 to {LATE_REASON_LIMIT} characters"
    return InvalidInput(problems=(FieldProblem("reason", rule),))


# The decisions a contact withdrawn after it was decided takes with it: nothing was made
# from no further action or advice, and a step down is recalled from EHM. A referral
# opened (or joined) an episode of need: withdrawReferral withdraws it with its contacts.
WITHDRAWN_WITH_THEIR_DECISION: Final = (
    ContactOutcome.NO_FURTHER_ACTION,
    ContactOutcome.INFORMATION_AND_ADVICE,
    ContactOutcome.STEP_DOWN_TO_EARLY_HELP,
)


async def withdraw_contact(
    store: GraphStore, scope: AccessScope, contact_id: str, version: int, reason: str
) -> Row | NotFound | TransitionRefused | NotAuthorised | InvalidInput:
    """A manager withdraws a contact recorded in error (on the wrong child, or twice):
    it stays on the child's record as WITHDRAWN with the reason, who and when, its
    decision no longer due, or, decided, its decision kept as history and standing no
    more (a step down is recalled from EHM). The concern about the right child is a
    contact of its own."""
    reason = reason.strip()
    current = await _contact_put_right(
        store, scope, contact_id, reason, "the contact was recorded in error", _not_withdrawable
    )
    if not isinstance(current, dict):
        return current
    if await _no_worker_record(store, scope):
        return NO_WORKER_RECORD
    rows = await store.write(
        statements.WITHDRAW_CONTACT,
        {
            **scope.params(),
            "contactId": contact_id,
            "version": version,
            "reason": reason,
            "withdrawable": list(WITHDRAWN_WITH_THEIR_DECISION),
            "earlyHelpRecall": step_down_recall(reason, today_in_england()),
        },
    )
    if rows:
        return {**rows[0]["contact"], "childId": rows[0]["childId"]}
    return _stale(current, version, "withdrawContact")


async def move_contact(
    store: GraphStore,
    scope: AccessScope,
    contact_id: str,
    version: int,
    child_id: str,
    reason: str,
) -> Row | NotFound | TransitionRefused | NotAuthorised | InvalidInput:
    """A manager moves a contact recorded on the wrong child (siblings, two children of
    one name) to the child it is about, before anyone decided it: the wrong child's
    record no longer holds it (nothing else was made from it), and the contact keeps
    why, who and when. It must fit the right child as a new contact would (CIN census
    rule 8606)."""
    reason = reason.strip()
    current = await _contact_put_right(
        store, scope, contact_id, reason, "the contact was on the wrong child", _not_undecided
    )
    if not isinstance(current, dict):
        return current
    if current["childId"] == child_id:
        return InvalidInput(problems=(FieldProblem("childId", "is the child it is about already"),))
    if await _no_worker_record(store, scope):
        return NO_WORKER_RECORD
    rows = await store.write(
        statements.MOVE_CONTACT,
        {
            **scope.params(),
            "contactId": contact_id,
            "version": version,
            "childId": child_id,
            "reason": reason,
            "latestBirth": latest_birth(current["receivedDate"]),
        },
    )
    if rows:
        return {**rows[0]["contact"], "childId": rows[0]["childId"]}
    if not await store.read(statements.CHILD_BIRTH, {**scope.params(), "childId": child_id}):
        return NotFound(kind="Child", id=child_id)
    if late := await _before_a_pregnancy(
        store, scope, child_id, current["receivedDate"], "childId"
    ):
        return late
    return _stale(current, version, "moveContact")


async def _contact_put_right(
    store: GraphStore,
    scope: AccessScope,
    contact_id: str,
    reason: str,
    why: str,
    refused: Callable[[Row], TransitionRefused | None],
) -> Row | NotFound | TransitionRefused | InvalidInput:
    """The contact a manager withdraws or moves, as the caller sees it, or why it is not
    one: no reason given (`why` says what the reason is for), not found, or `refused` by
    its state (`_not_withdrawable`, `_not_undecided`)."""
    if problem := _no_reason(reason, why):
        return problem
    state = await store.read(statements.CONTACT_STATE, {**scope.params(), "contactId": contact_id})
    if not state:
        return NotFound(kind="Contact", id=contact_id)
    return refused(state[0]) or state[0]


def _not_withdrawable(current: Row) -> TransitionRefused | None:
    """Why the contact, as read in `current`, is not withdrawn: stepped up and undecided
    (it follows its EHM record), already withdrawn, or decided as the referral that
    opened its episode (withdrawReferral takes it with its episode)."""
    if current["status"] == "FINALISED" and (
        current["outcome"] in WITHDRAWN_WITH_THEIR_DECISION or current["joinedEpisode"]
    ):
        # A referral that joined an episode standing on another contact takes nothing
        # with it: the episode goes on.
        return None
    if current["status"] == "WITHDRAWN":
        return TransitionRefused(
            current_state=current["status"],
            allowed=(),
            reason="the contact is already withdrawn (nothing was written)",
        )
    if current["status"] == "FINALISED":
        return TransitionRefused(
            current_state=current["status"],
            allowed=(),
            reason=f"the contact is {current['status']} with outcome {current['outcome']}: it "
            f"opened the episode of need {current['referralId']}, which a manager withdraws "
            "with withdrawReferral, its contacts with it (nothing was written)",
        )
    return _not_undecided(current)


def _not_undecided(current: Row) -> TransitionRefused | None:
    """Only a contact no one has decided, and not a stepped-up one, is moved (or, but for
    a decision `_not_withdrawable` allows, withdrawn)."""
    if current["status"] == "OPEN" and not current["steppedUp"]:
        return None
    return TransitionRefused(
        current_state=current["status"],
        allowed=(),
        reason=f"the contact is {current['status']}: "
        + (
            "a stepped-up contact follows its early help record (EHM withdraws the "
            "step up, or its link is moved to the right child)"
            if current["steppedUp"]
            else "only a contact not yet decided is moved (a decision given in error is "
            "corrected with correctContactOutcome; a contact on the wrong child is withdrawn)"
        )
        + " (nothing was written)",
    )


def _stale(current: Row, version: int, action: str) -> TransitionRefused:
    return TransitionRefused(
        current_state=current["status"],
        allowed=(action,),
        reason=(
            f"the contact changed since you loaded it (version {version}, now "
            f"{current['version']}); reload it and try again"
        ),
    )


def _overlapped_episode(episodes: list[Row], received: date) -> Row | None:
    """The child's earlier episode a new one, referred on `received`, would overlap.

    DfE CIN census rule 8820: a child's episodes of need may not overlap; one may start on
    the day the previous one closed. A new episode is open, so it also overlaps any
    episode referred on or after its day. With an episode open the referral joins it,
    unless it came in while an episode since closed was open: it belongs to that one.
    None when no episode is in the way.
    """
    # As the guard reads it (graph/cypher/contacts.py FINALISE_CONTACT): an episode with
    # no status is not an open one.
    if any(episode.get("status") not in (None, "CLOSED") for episode in episodes):
        in_the_way = [
            episode
            for episode in episodes
            if episode.get("referralDate") is not None
            and episode["referralDate"] <= received
            and episode.get("closureDate") is not None
            and episode["closureDate"] > received
        ]
        return max(in_the_way, key=lambda episode: str(episode["referralDate"]), default=None)
    in_the_way = [
        episode
        for episode in episodes
        if (episode.get("referralDate") is not None and episode["referralDate"] >= received)
        or (episode.get("closureDate") is not None and episode["closureDate"] > received)
    ]
    return max(in_the_way, key=lambda episode: str(episode.get("referralDate")), default=None)


def _overlap_reason(episode: Row, received: date) -> str:
    closed = f", closed {episode['closureDate']}" if episode.get("closureDate") else ""
    return (
        f"a referral received on {received} would overlap the child's episode of need "
        f"{episode['id']} (referred {episode.get('referralDate')}{closed}): a child's "
        "episodes of need must not overlap: a new one starts on or after the day the "
        "previous one closed (DfE CIN census rule 8820). This contact came in while that "
        "episode was open (or before it): finalise it with another outcome; a concern "
        "received after the closure is a contact of its own (nothing was written)"
    )
