"""What a return finds wrong that no save could refuse, because time did it: a short
order (police protection, an emergency protection or child assessment order, PACE
accommodation) still open on 31 March past its length, care still open past the 18th
birthday outside section 20(5), or a placement order (E1) still standing on 31 March after
the decision for adoption was reversed. The SSDA903 returns the episode as lasting to
that day, which the DfE's rules 361-364, 359 and 553 reject; the return tells the analyst
which child to send back to the worker. So too a child recorded as not of school age (UN1)
who has become of school age in the year (rule 209), and what is not recorded yet: a care
leaver's contact around the birthday in the year (rules 131-133), an episode
without the child's home postcode on the day it began, or its placement's postcode (a
start of care corrected to before the day the home postcode was recorded for), which the
DfE's rules 392a and 392b reject. A start of care corrected into an earlier year leaves
more unrecorded, and no save could refuse the truth: the SDQ of a child now looked after
all year (rules 186, 197B), the previous permanence known when care began (630), a
social worker allocated by then (SW12STG2), and the UPN or why it is unknown (442; 208
where last year's return then differs from this year's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from returns.ssda903 import (
    AdoptionDecision,
    allocations_in,
    care_began_in,
    care_leaver_rows,
    dmy,
    episodes_known,
    header_upn,
    header_written,
    home_postcode_as_returned,
    outcomes_asked,
    permanence_complete,
    placement_order_without_decision,
    sdq_of,
)
from workflow.calendar import age_on, birthday, school_age_in
from workflow.codes import (
    LegalStatus,
    ReasonEpisodeCeased,
    ReasonNewEpisode,
    UPNUnknown,
)
from workflow.facts import FactKind
from workflow.journey.care import under_section_20_5
from workflow.short_orders import under_short_order

if TYPE_CHECKING:
    from returns.ssda903 import Episode, LookedAfterRecord
    from returns.years import CollectionYear


@dataclass(frozen=True, slots=True)
class ReturnWarning:
    """A DfE rule the return breaks for one child, and what to record to put it right."""

    child_id: str
    code: str
    message: str

    def params(self) -> dict[str, str]:
        return {"childId": self.child_id, "code": self.code, "message": self.message}


def ssda903_warnings(record: LookedAfterRecord, year: CollectionYear) -> list[ReturnWarning]:
    """The child's short order open on `year`'s 31 March past its length, care open then
    past the 18th birthday, a placement order then without a decision for adoption in
    force, UN1 for a child of school age in the year, a care leaver's birthday in it with
    no contact recorded, an episode in it without its postcodes, and, for care that a
    start corrected into an earlier year leaves unrecorded, a child looked after all year
    without an SDQ, care begun in it without the previous permanence, a spell of care
    without a social worker, and a header without a UPN or changed from last year's as
    the DfE does not allow, if any."""
    known = [e for e in episodes_known(record, year) if not e.short_break]
    found = _upn_warnings(record, year) + _upn_missing_warnings(record, year, known)
    found += _placement_order_warnings(record, year, known)
    found += _postcode_warnings(record, year, known) + _contact_warnings(record, year)
    # The OC2 and PrevPerm tables read every episode of the year, short breaks too.
    in_year = [e for e in episodes_known(record, year) if year.covers(e.start, e.end)]
    found += _sdq_warnings(record, year, in_year) + _permanence_warnings(record, year, in_year)
    found += _social_worker_warnings(record, year, known)
    open_at_end = [e for e in known if e.end is None]
    if not open_at_end:
        return found
    period = open_at_end[-1].period_id
    under = under_short_order(e.step for e in known if e.period_id == period)
    rule = under.carried_to(year.end) if under is not None else None
    if under is not None and rule is not None:
        found.append(
            ReturnWarning(
                record.id,
                f"903 {under.order.code}",
                f"{rule}, and is still under it on {year.end.isoformat()}: record the order"
                f" that followed it, or the end of care, by {under.lapses_on.isoformat()},"
                " and make the return again",
            )
        )
    turned = birthday(record.born, 18) if record.born is not None else None
    if turned is not None and turned < year.end and not under_section_20_5(open_at_end[-1].step):
        found.append(
            ReturnWarning(
                record.id,
                "903 359",
                f"the young person turned 18 on {turned.isoformat()} and is still looked after"
                f" on {year.end.isoformat()} outside a community home under section 20(5)"
                " (V2 in K2; SSDA903 rule 359): record the end of care, on the 18th birthday"
                " at the latest, and make the return again",
            )
        )
    return found


def _placement_order_warnings(
    record: LookedAfterRecord, year: CollectionYear, known: list[Episode]
) -> list[ReturnWarning]:
    decisions = [AdoptionDecision.of(plan) for plan in record.adoptions]
    if not any(
        placement_order_without_decision(e.start, e.end, decisions, year)
        for e in known
        if e.step.get("legalStatus") == LegalStatus.E1_PLACEMENT_ORDER.value
    ):
        return []
    reversed_on = max(
        (d.reversed_on for d in decisions if d.reversed_on and d.reversed_on <= year.end),
        default=None,
    )
    why = (
        "the decision that the child should be placed for adoption was reversed on"
        f" {reversed_on.isoformat()}"
        if reversed_on is not None
        else "no decision that the child should be placed for adoption is recorded"
    )
    return [
        ReturnWarning(
            record.id,
            "903 553",
            f"the child is under a placement order (E1) in {year.label} but {why} (SSDA903"
            " rule 553): if the order was revoked by 31 March, record the legal status that"
            " followed it from the day it was and make the return again; a placement order"
            " stands until revoked, so otherwise tell the DfE why",
        )
    ]


def _postcode_warnings(
    record: LookedAfterRecord, year: CollectionYear, known: list[Episode]
) -> list[ReturnWarning]:
    # SSDA903 rules 392a, 392b: every episode but a short break carries the child's home
    # postcode on the day it began and the placement's, and the DfE derives the distance
    # between them; not for a child who is or was an unaccompanied asylum seeker (406).
    if record.facts_of(FactKind.UASC, year.end):
        return []
    for episode in known:
        if not year.covers(episode.start, episode.end):
            continue
        began = episode.start.isoformat()
        if not home_postcode_as_returned(record, episode, year):
            missing = (
                f"the child's home postcode on {began}, the day the episode began, is not"
                f" recorded: record it (recordHomePostcode on or before {began})"
            )
        elif not episode.step.get("placementPostcode"):
            missing = (
                f"the postcode of the placement the episode from {began} is in is not"
                " recorded: record it (correctPlacement)"
            )
        else:
            continue
        return [
            ReturnWarning(
                record.id,
                f"903 {rule}",
                f"{missing} and make the return again (SSDA903 rule {rule}: {what})",
            )
            for rule, what in (
                ("392b", "no postcodes"),
                ("392a", "no distance from home to the placement"),
            )
        ]
    return []


def _upn_warnings(record: LookedAfterRecord, year: CollectionYear) -> list[ReturnWarning]:
    # SSDA903 rule 209 (CIN census 8770Q): "not of school age" (UN1) was true when it was
    # recorded; a child who has turned 4 by the 31 August before the year began is of
    # school age in it, and on a school roll. The rule reads every header, a care
    # leaver's written for the OC3 row alone too.
    born = record.born
    if (
        born is None
        or not header_written(record, year)
        or header_upn(record, year) != UPNUnknown.UN1_NOT_OF_SCHOOL_AGE.value
        or not school_age_in(year.start.year, born)
    ):
        return []
    return [
        ReturnWarning(
            record.id,
            "903 209",
            "the UPN is unknown for a child not of school age (UN1), and the child turned 4"
            f" on {birthday(born, 4).isoformat()}, so is of school age in {year.label}"
            " (SSDA903 rule 209): record the UPN, or why it is unknown now"
            " (recordUpnUnknown), and make the return again",
        )
    ]


def _contact_warnings(record: LookedAfterRecord, year: CollectionYear) -> list[ReturnWarning]:
    # SSDA903 rules 131-133: the care leaver's OC3 row for the birthday in the year says
    # whether the authority was in touch, and if so what they do and where they live.
    born = record.born
    rows = care_leaver_rows(record, year, dmy(born))
    if born is None or not rows or any(rows[0][2:]):
        return []
    age = age_on(born, year.end)
    turned = birthday(born, age).isoformat()
    return [
        ReturnWarning(
            record.id,
            f"903 {rule}",
            f"no contact with the care leaver is recorded around the birthday of {turned}"
            f" (aged {age}), so the 903 cannot say {what} (SSDA903 rule {rule}): record the"
            " contact made within two months of it, or that the authority was not in touch"
            " (recordCareLeaverContact), and make the return again",
        )
        for rule, what in (
            ("131", "whether the authority was in touch"),
            ("132", "their activity"),
            ("133", "their accommodation"),
        )
    ]


def _sdq_warnings(
    record: LookedAfterRecord, year: CollectionYear, in_year: list[Episode]
) -> list[ReturnWarning]:
    # SSDA903 rules 186 and 197B: the OC2 of a child looked after all year carries an SDQ
    # score, or why there is none, for a child aged 4 to 16 all year (186) and one who
    # turns 4 or 17 in it (197B). A start of care corrected into last year makes a child
    # looked after all year whose SDQ nobody was asked for.
    born = record.born
    if born is None or not outcomes_asked(record, year, in_year):
        return []
    sdq = sdq_of(record, year)
    if sdq is not None and (sdq.get("score") is not None or sdq.get("reason")):
        return []
    four, seventeen = birthday(born, 4), birthday(born, 17)
    rules = []
    if four <= year.start and seventeen > year.end:
        rules.append(("186", "aged 4 to 16 all year"))
    if year.start <= four <= year.end or year.start <= seventeen <= year.end:
        rules.append(("197B", "turning 4 or 17 in it"))
    return [
        ReturnWarning(
            record.id,
            f"903 {rule}",
            f"the child is looked after all of {year.label}, {age}, and no SDQ score or"
            f" reason there is none is recorded in it (SSDA903 rule {rule}): record the SDQ,"
            f" or why none was done (recordSdq, on a day in {year.label}), and make the"
            " return again",
        )
        for rule, age in rules
    ]


def _permanence_warnings(
    record: LookedAfterRecord, year: CollectionYear, in_year: list[Episode]
) -> list[ReturnWarning]:
    # SSDA903 rule 630: care begun in the year asks the previous permanence known by its
    # 31 March: Z1, or the order's local authority and date. A start of care corrected
    # into an earlier year comes before the day it was recorded for.
    began = care_began_in(year, in_year)
    if began is None:
        return []
    fact = record.latest_fact(FactKind.PREVIOUS_PERMANENCE, year.end)
    if permanence_complete(fact):
        return []
    what = (
        f"no previous permanence is recorded by {year.end.isoformat()}"
        if fact is None
        else "the previous permanence recorded names no local authority or date of the order"
    )
    return [
        ReturnWarning(
            record.id,
            "903 630",
            f"the child began to be looked after on {began.isoformat()} and {what}"
            " (SSDA903 rule 630): record it as known when care began (recordPreviousPermanence"
            f" on or before {began.isoformat()}: Z1 if none), and make the return again",
        )
    ]


def _social_worker_warnings(
    record: LookedAfterRecord, year: CollectionYear, known: list[Episode]
) -> list[ReturnWarning]:
    # SSDA903 rule SW12STG2: the social worker episodes of the year cover the child's care:
    # one begins by the end of each spell of care in it (31 March if still open) or, for
    # care begun in the year, on or after its first day. A start of care corrected into
    # an earlier year can come before any allocation. (An episode that ended X1 is not a
    # spell's end: the DfE's rule misreads those, tests/returns/known_broken.py; a spell
    # with no allocation at all is named by its last episode, which never ends X1. One
    # allocation covering an episode is enough, though the rule flags an episode beside
    # any other it does not: one after care ended, say, which is a misfire of its own.)
    starts = [a["startDate"] for a in allocations_in(record, year)]
    for episode in known:
        if episode.short_break or not year.covers(episode.start, episode.end):
            continue
        if episode.reason_ceased == ReasonEpisodeCeased.X1_NEW_EPISODE_SAME_DAY.value:
            continue
        until = episode.end or year.end
        began_care = (
            episode.step.get("reasonNewEpisode")
            == ReasonNewEpisode.S_STARTED_TO_BE_LOOKED_AFTER.value
        )
        if any(day <= until or (began_care and day >= episode.start) for day in starts):
            continue
        return [
            ReturnWarning(
                record.id,
                "903 SW12STG2",
                f"the child is looked after from {episode.start.isoformat()} to"
                f" {until.isoformat()} and no allocation to a social worker is recorded by"
                f" then in {year.label} (SSDA903 rule SW12STG2): record the allocation from"
                " the day it began (correctAllocation startedOn, or allocateChild), and make"
                " the return again",
            )
        ]
    return []


_UPN_UNKNOWN_BUT_NOT_OF_SCHOOL_AGE = frozenset({"UN2", "UN3", "UN4", "UN5"})


def upn_as_said(upn: str) -> str:
    """A header UPN as a warning may say it: a UPN is the child's personal identifier,
    never written where the warning goes (a job's answer, the command's output), while
    the DfE's codes for an unknown one (UN1-UN5) are said as they are."""
    if not upn:
        return "none recorded"
    return upn if upn in {reason.value for reason in UPNUnknown} else "a UPN"


def _upn_change_rejected(last: str, now: str) -> bool:
    """SSDA903 rule 208 on the header's UPN last year and now (blank when none): the same,
    or a change the rule allows (from UN1 or blank to UN2-UN5, from unknown to a UPN)."""
    unknown = _UPN_UNKNOWN_BUT_NOT_OF_SCHOOL_AGE | {UPNUnknown.UN1_NOT_OF_SCHOOL_AGE.value}
    if last == now:
        return False
    if last in ("", UPNUnknown.UN1_NOT_OF_SCHOOL_AGE.value) and (
        now in _UPN_UNKNOWN_BUT_NOT_OF_SCHOOL_AGE
    ):
        return False
    return not ((last in unknown or not last) and now and now not in unknown)


def _upn_missing_warnings(
    record: LookedAfterRecord, year: CollectionYear, known: list[Episode]
) -> list[ReturnWarning]:
    # SSDA903 rules 442 and 208: the header carries the UPN or why it is unknown as
    # recorded by 31 March, the same from one year to the next but for the changes 208
    # allows. A start of care corrected into an earlier year puts the child in that
    # year's return before the reason was recorded. Rule 208 reads every child in both
    # years' headers, a care leaver's written for the OC3 row alone too.
    if not header_written(record, year):
        return []
    starts_in_year = [e.start for e in known if year.covers(e.start, e.end)]
    began = min(starts_in_year, default=year.start)
    record_it = (
        f"record the UPN, or why it is unknown as known from {began.isoformat()}"
        " (recordUpnUnknown), and make the return again"
    )
    found = []
    now = header_upn(record, year)
    if not now and starts_in_year:
        found.append(
            ReturnWarning(
                record.id,
                "903 442",
                f"no UPN, nor why it is unknown, is recorded for the child by"
                f" {year.end.isoformat()} (SSDA903 rule 442): {record_it}",
            )
        )
    last_year = year.previous()
    last = header_upn(record, last_year)
    if header_written(record, last_year) and _upn_change_rejected(last, now):
        found.append(
            ReturnWarning(
                record.id,
                "903 208",
                f"the UPN in {year.label} ({upn_as_said(now)}) is not the one in"
                f" {last_year.label}'s return ({upn_as_said(last)}) by a change the DfE"
                " allows (SSDA903 rule 208):"
                f" {record_it.replace('the return', 'both returns')}",
            )
        )
    return found
