"""What the SSDA903 allows in care only from, or only before, a birthday.

The DfE's validator flags an episode whose placement, legal status or reason for ending
does not fit the child's age on its first or last day (or, for a move into custody, on
the first day of the episode it ended), so the hub refuses one at entry:
starting care, a move, a legal status change, a placement corrected, the end of care, and
a date of birth put right after them (workflow/birth_date.py) all ask here. Each rule is
one row: the code, the age, which side of the birthday is allowed, the rule's number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workflow.calendar import birthday
from workflow.codes import LegalStatus, PlacementType, ReasonEpisodeCeased, ReasonPlaceChange


@dataclass(frozen=True, slots=True)
class AgeRule:
    """`code` is allowed from the `age`th birthday (`from_age`), or only before it, on
    the day it applies; `on_the_birthday` says which side the birthday itself is on."""

    age: int
    rule: int
    from_age: bool = True
    on_the_birthday: bool = True

    def breaks(self, born: date, on: date) -> date | None:
        """The birthday `on` is on the wrong side of, or None."""
        turns = birthday(born, self.age)
        if self.from_age:
            allowed = on >= turns if self.on_the_birthday else on > turns
        else:
            allowed = on <= turns if self.on_the_birthday else on < turns
        return None if allowed else turns


# SSDA903 2024-25 onwards (unchanged in 2025-26 and 2026-27). The DfE counts the birthday
# as old enough (DECOM < DOB + age is the error) for rules 371 to 374.
PLACEMENT_FROM: dict[str, AgeRule] = {
    PlacementType.K3_REGISTERED_SUPPORTED_ACCOMMODATION.value: AgeRule(16, 371),
    PlacementType.R5_YOUNG_OFFENDER_INSTITUTION.value: AgeRule(10, 372),
    PlacementType.S1_RESIDENTIAL_SCHOOL.value: AgeRule(4, 373),
    PlacementType.P3_RESIDENTIAL_EMPLOYMENT.value: AgeRule(14, 374),
}
# Rule 358: remand, PACE accommodation and a youth rehabilitation order are for a child
# over 10 (the age of criminal responsibility): DECOM <= DOB + 10 is the error.
_OVER_TEN = AgeRule(10, 358, on_the_birthday=False)
LEGAL_STATUS_FROM: dict[str, AgeRule] = {
    LegalStatus.J1_REMAND.value: _OVER_TEN,
    LegalStatus.J2_POLICE_AND_CRIMINAL_EVIDENCE_ACT_ACCOMMODATION.value: _OVER_TEN,
    LegalStatus.J3_YOUTH_REHABILITATION_ORDER.value: _OVER_TEN,
}
_ADOPTED = AgeRule(18, 386, from_age=False, on_the_birthday=False)
_SPECIAL_GUARDIANSHIP = AgeRule(18, 407, from_age=False)
ENDED_FROM: dict[str, AgeRule] = {
    # Rule 386: adoption is of a child (DEC >= the 18th birthday is the error).
    ReasonEpisodeCeased.E11_ADOPTED_UNOPPOSED.value: _ADOPTED,
    ReasonEpisodeCeased.E12_ADOPTED_CONSENT_DISPENSED_WITH.value: _ADOPTED,
    # Rule 407: a special guardianship order is made for a child (DEC > the 18th).
    ReasonEpisodeCeased.E45_SPECIAL_GUARDIANSHIP_FORMER_FOSTER_CARER_RELATIVE_OR_FRIEND.value: (
        _SPECIAL_GUARDIANSHIP
    ),
    ReasonEpisodeCeased.E46_SPECIAL_GUARDIANSHIP_FORMER_FOSTER_CARER_OTHER.value: (
        _SPECIAL_GUARDIANSHIP
    ),
    ReasonEpisodeCeased.E47_SPECIAL_GUARDIANSHIP_OTHER_CARER_RELATIVE_OR_FRIEND.value: (
        _SPECIAL_GUARDIANSHIP
    ),
    ReasonEpisodeCeased.E48_SPECIAL_GUARDIANSHIP_OTHER_CARER_OTHER.value: _SPECIAL_GUARDIANSHIP,
    # Rule 387: independent living from 14; rule 389: adult social care from 16; rule
    # 460: staying with carers at 18 (staying put) from the 18th birthday.
    ReasonEpisodeCeased.E5_INDEPENDENT_LIVING_WITH_SUPPORT.value: AgeRule(14, 387),
    ReasonEpisodeCeased.E6_INDEPENDENT_LIVING_WITHOUT_SUPPORT.value: AgeRule(14, 387),
    ReasonEpisodeCeased.E7_ADULT_RESIDENTIAL_CARE.value: AgeRule(16, 389),
    ReasonEpisodeCeased.E17_STAYED_WITH_CARERS_AT_18.value: AgeRule(18, 460),
}


# Rule 234: a move into custody (CUSTOD) is of a child over the age of criminal
# responsibility. The DfE reads the age on the first day of the episode the move ended
# (where the return writes the reason): DECOM < DOB + 10 is the error.
MOVED_FROM: dict[str, AgeRule] = {ReasonPlaceChange.CUSTOD_CUSTODY.value: AgeRule(10, 234)}


def _said(kind: str, code: str, rule: AgeRule, turns: date) -> str:
    who = {
        (True, True): f"aged {rule.age} or over",
        (True, False): f"over {rule.age}",
        (False, True): f"up to the {rule.age}th birthday",
        (False, False): f"under {rule.age}",
    }[(rule.from_age, rule.on_the_birthday)]
    return (
        f"{kind} {code} is for a child {who}: the child turns {rule.age} on"
        f" {turns.isoformat()} (SSDA903 rule {rule.rule})"
    )


def _check(
    table: dict[str, AgeRule], kind: str, code: object, born: date | None, on: date
) -> str | None:
    value = getattr(code, "value", code)
    rule = table.get(str(value)) if value else None
    if rule is None or born is None or (turns := rule.breaks(born, on)) is None:
        return None
    return _said(kind, str(value), rule, turns)


def too_young_for(placement: object, born: date | None, start: date) -> str | None:
    """Why a child born on `born` cannot begin an episode in `placement` on `start`."""
    return _check(PLACEMENT_FROM, "the placement", placement, born, start)


def legal_status_unfit(status: object, born: date | None, start: date) -> str | None:
    """Why a child born on `born` cannot begin an episode under `status` on `start`."""
    return _check(LEGAL_STATUS_FROM, "the legal status", status, born, start)


def ending_unfit(reason: object, born: date | None, ended: date) -> str | None:
    """Why a period of care of a child born on `born` cannot end for `reason` on `ended`."""
    return _check(ENDED_FROM, "the reason care ended", reason, born, ended)


def move_unfit(reason: object, born: date | None, left_from: date) -> str | None:
    """Why a child born on `born` cannot move for `reason` out of an episode that began
    on `left_from`."""
    return _check(MOVED_FROM, "the reason for the move", reason, born, left_from)
