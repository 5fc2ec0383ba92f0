"""A child's date of birth put right: what must still hold, and what falls due anew.

A date of birth given wrongly at the contact (or learnt later) is corrected with a dated
fact (`recordDateOfBirth`). Everything the hub works out from the birth date reads the
child record, so ages, 18th birthdays, the returns and the partner views follow the new
date by themselves; what was *recorded* against the old one is checked here first, and
the steps whose due day was counted from a birthday are counted again. A correction that
would make a recorded step one the hub would have refused is refused, naming the rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from graph.cypher import facts as statements
from workflow.calendar import (
    age_on,
    birthday,
    collection_year_start,
    school_age_in,
    today_in_england,
)
from workflow.care_ages import ending_unfit, legal_status_unfit, move_unfit, too_young_for
from workflow.codes import ReviewParticipation, UPNUnknown
from workflow.facts import FactKind
from workflow.journey import StepKind, StepStatus
from workflow.journey.care import (
    BIRTHDAY_WINDOW,
    STEPS_IN_CARE,
    participation_fits_age,
    under_section_20_5,
    while_supported,
)
from workflow.journey.effects import Refusal
from workflow.matching import PersonDetails, identity_key
from workflow.pregnancy import CIN_8606, before_a_pregnancy
from workflow.process import CareState
from workflow.timescales import TimescaleKey, next_health_assessment_due

if TYPE_CHECKING:
    from graph import GraphStore, Row
    from graph.cypher.access import AccessScope

# A care leaver left care at 16 or over (Children Act 1989, as amended by the Children
# (Leaving Care) Act 2000).
_LEAVERS = (CareState.CARE_LEAVER, CareState.LEAVING_CARE_SERVICES_ENDED)
_REVIEW_HEALTH = (
    TimescaleKey.REVIEW_HEALTH_ASSESSMENT.value,
    TimescaleKey.REVIEW_HEALTH_ASSESSMENT_UNDER_FIVE.value,
)


class BirthDateRefused(Exception):
    """The new date of birth would make something recorded impossible."""

    def __init__(self, rule: str) -> None:
        super().__init__(rule)
        self.rule = rule


async def what_hangs_on_it(store: GraphStore, scope: AccessScope, child_id: str) -> Row:
    """What the child's record holds that a new date of birth must fit (the child is
    known to be visible: the caller read it)."""
    rows = await store.read(statements.BIRTH_DATE_HOLDS, {**scope.params(), "childId": child_id})
    return rows[0]


def _iso(day: date) -> str:
    return day.isoformat()


def _work_before_the_birth(held: Row, born: date) -> None:
    # CIN census rule 8606: no contact or referral more than 40 weeks before the birth;
    # one in those weeks was about the child unborn then (the front door's rule too).
    first = held["firstContact"]
    if first is not None and (rule := before_a_pregnancy(first, born, rule=CIN_8606)):
        raise BirthDateRefused(f"the first contact or referral about the child ({first}) {rule}")
    # CIN census: a child's date of death is never before their date of birth.
    for died in held["diedOn"] or ():
        if died < born:
            raise BirthDateRefused(
                f"the child's death is recorded on {_iso(died)} (RC2 or E2): a death is never"
                " before the birth"
            )


def _care_fits(held: Row, born: date) -> None:
    adult = birthday(born, 18)
    for period in held["periods"]:
        started: date = period["startDate"]
        if started < born:
            raise BirthDateRefused(
                f"the child was looked after from {_iso(started)}: a child is looked after"
                " only once born"
            )
        if started >= adult:
            raise BirthDateRefused(
                f"the young person would have turned 18 on {_iso(adult)}, before care began"
                f" on {_iso(started)} (SSDA903 rule 352)"
            )
        ended = period.get("endDate")
        if period["status"] in _LEAVERS and isinstance(ended, date) and age_on(born, ended) < 16:
            raise BirthDateRefused(
                f"care ended on {_iso(ended)} with the young person a care leaver: only a"
                " young person aged 16 or over leaves care"
            )
        episodes = [s for s in period["steps"] if s["kind"] == StepKind.LOOKED_AFTER_EPISODE]
        last: Mapping[str, Any] = max(episodes, key=lambda s: s["startDate"], default={})
        _moves_fit(episodes, born)
        for step in period["steps"]:
            _step_fits(step, born, adult, under_section_20_5(last))


# The steps of care itself and its episodes, which happen only while the young person is
# a child (the journey's `_still_in_care_on`): not a care leaver's, after care.
_IN_CARE = STEPS_IN_CARE | {StepKind.LOOKED_AFTER_EPISODE}


def _step_fits(step: Mapping[str, Any], born: date, adult: date, section_20_5: bool) -> None:
    kind, on = step["kind"], step.get("startDate") or step.get("completedDate")
    if step.get("status") == StepStatus.CANCELLED or not isinstance(on, date):
        return
    episode_20_5 = kind != StepKind.LOOKED_AFTER_EPISODE or under_section_20_5(step)
    if kind in _IN_CARE and on > adult and not (section_20_5 and episode_20_5):
        # Children Act 1989: nothing new happens in care after the 18th birthday but its
        # end, except accommodation in a community home under s20(5).
        raise BirthDateRefused(
            f"a {kind} of care is recorded on {_iso(on)}, after the 18th birthday"
            f" ({_iso(adult)}): only accommodation under section 20(5) goes on past it"
            " (SSDA903 rule 359)"
        )
    if kind == StepKind.LOOKED_AFTER_EPISODE:
        _episode_fits_age(step, born, on)
    participation = step.get("participation")
    if kind == StepKind.LOOKED_AFTER_REVIEW and participation:
        try:
            participation_fits_age(ReviewParticipation.from_code(participation), born, on)
        except Refusal as refused:
            held = f"the looked-after review of {_iso(on)} was recorded"
            raise BirthDateRefused(f"{held} {participation}: {refused.problems[0][1]}") from None
    # Care Leavers (England) Regulations 2010: an eligible child's plan, from 16.
    sixteenth = birthday(born, 16)
    if kind == StepKind.PATHWAY_PLAN and step.get("status") == StepStatus.DONE and on < sixteenth:
        raise BirthDateRefused(
            f"a pathway plan was made on {_iso(on)}, before the 16th birthday ({_iso(sixteenth)})"
        )


def _moves_fit(episodes: list[Mapping[str, Any]], born: date) -> None:
    """SSDA903 rule 234 (workflow/care_ages.py): each move's reason, on the first day of
    the episode it ended."""
    ordered = sorted(
        (s for s in episodes if s.get("status") != StepStatus.CANCELLED),
        key=lambda s: s["startDate"],
    )
    for left, moved in pairwise(ordered):
        if rule := move_unfit(moved.get("reasonPlaceChange"), born, left["startDate"]):
            raise BirthDateRefused(f"the move of {_iso(moved['startDate'])}: {rule}")


def _episode_fits_age(step: Mapping[str, Any], born: date, on: date) -> None:
    """SSDA903 rules by age (workflow/care_ages.py): the episode's placement and legal
    status on its first day, and the reason care ended on its last."""
    ended = step.get("completedDate")
    rule = too_young_for(step.get("placementType"), born, on) or legal_status_unfit(
        step.get("legalStatus"), born, on
    )
    if rule is None and isinstance(ended, date):
        rule = ending_unfit(step.get("reasonEpisodeCeased"), born, ended)
    if rule is not None:
        raise BirthDateRefused(f"the episode of care from {_iso(on)}: {rule}")


# "Not of school age": UN1, and UN6 (under 6, not yet at school), which the SSDA903
# returns as UN1.
_NOT_OF_SCHOOL_AGE = frozenset(
    {UPNUnknown.UN1_NOT_OF_SCHOOL_AGE.value, UPNUnknown.UN6_UNDER_SIX_NOT_YET_AT_SCHOOL.value}
)


def _upn_reason_fits(held: Row, born: date, previous: date | None, today: date) -> None:
    """The reason the UPN is unknown that last year's and this year's returns carry
    (the latest by each year's end) still describes a child born on `born`, where it
    described one born on `previous` (one it did not is what time did, not the new date)."""
    if held.get("upn"):
        return
    unknown = [f for f in held["facts"] if f.get("kind") == FactKind.UPN_UNKNOWN]
    this_year = collection_year_start(today)
    for year_start in (this_year - 1, this_year):
        by_end = [f for f in unknown if f["on"] <= date(year_start + 1, 3, 31)]
        latest = max(by_end, key=lambda f: (f["on"], f.get("recordedAt") or 0), default=None)
        if latest is None or latest.get("reason") not in _NOT_OF_SCHOOL_AGE:
            continue
        if school_age_in(year_start, born) and not (
            previous is not None and school_age_in(year_start, previous)
        ):
            raise BirthDateRefused(
                f"the UPN is unknown for a child not of school age ({latest['reason']}, recorded"
                f" on {_iso(latest['on'])}), and a child born then is of school age in"
                f" {year_start}-{str(year_start + 1)[2:]} (turned 4 on"
                f" {_iso(birthday(born, 4))}; SSDA903 rule 209, CIN census 8770Q): record the"
                " UPN, or why it is unknown now (recordUpnUnknown), first"
            )


def _retimed(held: Row, born: date, previous: date) -> list[dict[str, Any]]:
    """The care steps whose due day counts from the birth date, due anew: a care
    leaver's contact on the same birthday of the new date (SSDA903 OC3), and an open
    review health assessment 6 months after the last under 5, 12 from 5; a care leaver's
    open contact or pathway plan review that would fall due after the 25th birthday of the
    new date is dropped (status CANCELLED), as it would never have been opened."""
    retimed: list[dict[str, Any]] = []
    for period in held["periods"]:
        steps = [s for s in period["steps"] if s.get("status") != StepStatus.CANCELLED]
        for step in steps:
            due = step.get("dueDate")
            if not isinstance(due, date):
                continue
            if step["kind"] == StepKind.CARE_LEAVER_CONTACT:
                moved = birthday(born, age_on(previous, due))
                if _unsupported(step, born, moved):
                    retimed.append(_dropped(step, moved))
                elif moved != due:
                    _still_counts(step, moved)
                    retimed.append({"id": step["id"], "dueDate": _iso(moved), "dueRule": None})
            elif step["kind"] == StepKind.PATHWAY_PLAN and _unsupported(step, born, due):
                retimed.append(_dropped(step, due))
            elif step["status"] == StepStatus.OPEN and step.get("dueRule") in _REVIEW_HEALTH:
                last = max(
                    (
                        s["completedDate"]
                        for s in steps
                        if s["kind"] == StepKind.HEALTH_ASSESSMENT
                        and s["status"] == StepStatus.DONE
                    ),
                    default=None,
                )
                if last is None:
                    continue
                anew = next_health_assessment_due(born, last, period["startDate"])
                if (anew.due, anew.rule.value) != (due, step["dueRule"]):
                    retimed.append(
                        {"id": step["id"], "dueDate": _iso(anew.due), "dueRule": anew.rule.value}
                    )
    return retimed


def _unsupported(step: Mapping[str, Any], born: date, due: date) -> bool:
    """Whether a care leaver's step still open would fall due after their support ends."""
    return step.get("status") == StepStatus.OPEN and not while_supported(born, due)


def _dropped(step: Mapping[str, Any], due: date) -> dict[str, Any]:
    return {"id": step["id"], "dueDate": _iso(due), "dueRule": None, "status": StepStatus.CANCELLED}


def intake_key(held: Row, born: date, previous: date | None) -> str | None:
    """The front door's key of the child's names and new date of birth, if the one they
    hold is of their names and the old date (None: leave the key as it is)."""
    names = {"given_name": held["givenName"], "family_name": held["familyName"]}
    old = identity_key(PersonDetails(**names, date_of_birth=previous))
    if old is None or held["intakeKey"] != old:
        return None
    return identity_key(PersonDetails(**names, date_of_birth=born))


def _still_counts(contact: Mapping[str, Any], birthday_due: date) -> None:
    """A care leaver's contact made counts for the same birthday of the new date only
    within two months before it (SSDA903 OC3), and later than two months after it only
    with the reason it was late, as when it was recorded."""
    made = contact.get("completedDate")
    if contact.get("status") != StepStatus.DONE or not isinstance(made, date):
        return
    if made < birthday_due - BIRTHDAY_WINDOW:
        raise BirthDateRefused(
            f"the care leaver contact of {_iso(made)} would be more than two months before"
            f" the birthday it counted for ({_iso(birthday_due)}; SSDA903 OC3)"
        )
    if made > birthday_due + BIRTHDAY_WINDOW and not (contact.get("lateReason") or "").strip():
        raise BirthDateRefused(
            f"the care leaver contact of {_iso(made)} would be over two months after the"
            f" birthday it counted for ({_iso(birthday_due)}) with no reason given: record"
            " why on the contact first"
        )


def follow(
    held: Row, born: date, previous: date | None, today: date | None = None
) -> list[dict[str, Any]]:
    """Check that what is recorded about the child fits a birth on `born`, and work out
    the steps that fall due anew (the `$retimedSteps` of the write).

    Raises:
        BirthDateRefused: something recorded would be impossible for a child born then.
    """
    _work_before_the_birth(held, born)
    _care_fits(held, born)
    _upn_reason_fits(held, born, previous, today or today_in_england())
    return [] if previous is None else _retimed(held, born, previous)
