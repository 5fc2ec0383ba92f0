"""The SSDA903 return (children looked after): its eleven CSV tables for a collection year.

Every table is derived from what the record holds with the dates things happened, as the
record stood on the year's 31 March: an episode that ended after that day is returned
open, with no end date or reason, exactly as it was known then. That is also how last
year's tables are made, which the DfE's year-on-year rules compare with this year's.

The column sets are the DfE's (the validators recognise a table by its exact columns);
dates are dd/mm/YYYY; every table is written, header-only when it has no rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from returns.characteristics import ethnicity_as_returned
from returns.years import CollectionYear
from workflow import liberty
from workflow.calendar import age_on, birthday
from workflow.codes import LegalStatus, PreviousPermanence, ReasonEpisodeCeased, ReasonNewEpisode
from workflow.episode_codes import NO_PROVIDER as _NO_PROVIDER
from workflow.episode_codes import NO_URN
from workflow.episode_codes import TEMPORARY as _TEMPORARY
from workflow.facts import FactKind, PartialDate
from workflow.journey.care import BIRTHDAY_WINDOW
from workflow.journey.effects import StepKind, StepStatus
from workflow.process import CareState

Row = list[str]

# SSDA903 2025-26 technical specification: table → its columns, in order.
TABLES: dict[str, tuple[str, ...]] = {
    "header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "episodes": (
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ),
    "reviews": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    "uasc": ("CHILD", "SEX", "DOB", "DUC"),
    "oc2": (
        "CHILD",
        "DOB",
        "SDQ_SCORE",
        "SDQ_REASON",
        "CONVICTED",
        "HEALTH_CHECK",
        "IMMUNISATIONS",
        "TEETH_CHECK",
        "HEALTH_ASSESSMENT",
        "SUBSTANCE_MISUSE",
        "INTERVENTION_RECEIVED",
        "INTERVENTION_OFFERED",
    ),
    "oc3": ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    "ad1": (
        "CHILD",
        "DOB",
        "DATE_INT",
        "DATE_MATCH",
        "FOSTER_CARE",
        "NB_ADOPTR",
        "SEX_ADOPTR",
        "LS_ADOPTR",
    ),
    "placed_for_adoption": (
        "CHILD",
        "DOB",
        "DATE_PLACED",
        "DATE_PLACED_CEASED",
        "REASON_PLACED_CEASED",
    ),
    "prev_perm": ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
    "missing": ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    "sw_episodes": ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
}
# SSDA903 2026-27: deprivation of liberty orders (DoLOs) of children looked after.
DOLO_TABLE: dict[str, tuple[str, ...]] = {"dolo": ("CHILD", "DOB", "DOLO_START", "DOLO_END")}


@dataclass(frozen=True, slots=True)
class Ssda903Specification:
    """One year's SSDA903 technical specification, as data: the tables its return has
    (the DfE's validator knows a table by its exact columns) and the placement codes its
    list has in place of the ones the hub records (the newest list), so a past year's
    return is written in that year's codes."""

    first_year: int
    tables: dict[str, tuple[str, ...]]
    placement_codes: dict[str, str] = field(default_factory=dict)

    def placement(self, code: str) -> str:
        """The year's code for a placement type the hub records."""
        return self.placement_codes.get(code, code)


# 2024-25 has one "other placement" code, Z1, which 2025-26 split into Z11-Z14 (903 rule
# 146 of each year; 503D of 2025-26 accepts last year's Z1 beside this year's Z11-Z14).
SPEC_2025 = Ssda903Specification(2025, TABLES, {f"Z1{n}": "Z1" for n in range(1, 5)})
SPEC_2026 = Ssda903Specification(2026, TABLES)
# 2026-27 adds the DoLo table (903 rules 700-710).
SPEC_2027 = Ssda903Specification(2027, TABLES | DOLO_TABLE)
SPECIFICATIONS = (SPEC_2025, SPEC_2026, SPEC_2027)


def specification_for(year: CollectionYear) -> Ssda903Specification:
    """The newest specification that applies to `year`.

    Raises:
        ValueError: a year before 2024-25. The DfE coded sex 1/2 until then and had other
            placement codes (H5, P2, Z1, no K3); the hub records in today's and does not
            write a return in a coding it never kept.
    """
    found = [s for s in SPECIFICATIONS if s.first_year <= year.end_year]
    if not found:
        first = CollectionYear(SPECIFICATIONS[0].first_year)
        raise ValueError(
            f"year: the hub writes the SSDA903 from {first.label} (the M/F/U sex coding and"
            f" the placement codes it records in): {year.label} is not written"
        )
    return max(found, key=lambda s: s.first_year)


def last_year_specification(year: CollectionYear) -> Ssda903Specification:
    """The specification of last year's tables beside `year`'s return: last year's own,
    or, beside the first year the hub writes, this year's (the DfE's year-on-year rules
    compare the two years' values, which one coding keeps comparable)."""
    if year.previous().end_year < SPECIFICATIONS[0].first_year:
        return specification_for(year)
    return specification_for(year.previous())


# The 903 CIN column: the child's category of need, N1-N8 (N0 and N9 are the CIN census's).
_CATEGORIES_OF_NEED = frozenset(f"N{n}" for n in range(1, 9))
_ADOPTED = frozenset(
    {
        ReasonEpisodeCeased.E11_ADOPTED_UNOPPOSED.value,
        ReasonEpisodeCeased.E12_ADOPTED_CONSENT_DISPENSED_WITH.value,
    }
)
# RNE codes of a new episode that moved the child (P, T, B, U; L is legal status alone).
_PLACEMENT_MOVES = frozenset(
    code.value
    for code in ReasonNewEpisode
    if code is not ReasonNewEpisode.L_LEGAL_STATUS_CHANGE
    and code is not ReasonNewEpisode.S_STARTED_TO_BE_LOOKED_AFTER
)
# Short breaks (respite): a break (V3) or an agreement for a series of them (V4).
_SHORT_BREAKS = frozenset(
    {LegalStatus.V3_SHORT_BREAKS_EPISODES.value, LegalStatus.V4_SHORT_BREAKS_AGREEMENTS.value}
)
_NO_URN_NEEDED = frozenset({"A3", "A4", "A5", "A6"} | {f"U{n}" for n in range(1, 7)})
# SSDA903: a care leaver's contact is reported for the birthdays from 17 to 21.
_OC3_AGES = range(17, 22)
# Social Work England numbers start "SW"; the DfE asks for "XX" and a local id otherwise.
_REGISTERED = "SW"
_UNREGISTERED = "XX"


def dmy(value: date | None) -> str:
    """A 903 date: dd/mm/YYYY, blank when there is none."""
    return value.strftime("%d/%m/%Y") if value is not None else ""


def _flag(value: bool | None) -> str:
    return "" if value is None else ("1" if value else "0")


@dataclass(slots=True)
class LookedAfterRecord:
    """One child's record as the 903 needs it (a row of `LOOKED_AFTER_PAGE`)."""

    child: dict[str, Any]
    periods: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    adoptions: list[dict[str, Any]]
    facts: list[dict[str, Any]]
    allocations: list[dict[str, Any]]
    referrals: list[dict[str, Any]]
    short_breaks: list[dict[str, Any]] = field(default_factory=list)
    _by_kind: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> LookedAfterRecord:
        record = cls(
            child=row["child"],
            periods=sorted(row["periods"], key=lambda p: p["startDate"]),
            steps=[s for s in row["steps"] if s.get("status") != StepStatus.CANCELLED],
            adoptions=row["adoptions"],
            facts=sorted(row["facts"], key=lambda f: (f["on"], f.get("recordedAt") or 0)),
            allocations=sorted(row["allocations"], key=lambda a: a["startDate"]),
            referrals=row["referrals"],
            short_breaks=row.get("shortBreaks") or [],
        )
        for step in record.steps:
            record._by_kind.setdefault(step["kind"], []).append(step)
        return record

    @property
    def id(self) -> str:
        return str(self.child["id"])

    @property
    def born(self) -> date | None:
        value = self.child.get("dateOfBirth")
        return value if isinstance(value, date) else None

    def steps_of(self, kind: StepKind) -> list[dict[str, Any]]:
        return self._by_kind.get(kind.value, [])

    def facts_of(self, kind: FactKind, known_by: date) -> list[dict[str, Any]]:
        """The facts of `kind` that had happened by `known_by`, oldest first."""
        return [f for f in self.facts if f["kind"] == kind.value and f["on"] <= known_by]

    def latest_fact(self, kind: FactKind, known_by: date) -> dict[str, Any] | None:
        found = self.facts_of(kind, known_by)
        return found[-1] if found else None


@dataclass(frozen=True, slots=True)
class Episode:
    """An SSDA903 episode as known on the reference date."""

    period_id: str
    start: date
    end: date | None
    step: dict[str, Any]

    @property
    def reason_ceased(self) -> str | None:
        return self.step.get("reasonEpisodeCeased") if self.end is not None else None

    @property
    def short_break(self) -> bool:
        return self.step.get("legalStatus") in _SHORT_BREAKS


def _short_break_step(brk: dict[str, Any]) -> dict[str, Any]:
    """A short break (its own record, not a period of care) as an episode's step: each
    break, or each agreement, starts to be looked after (S) and ends with the child home
    as planned (E4A), as the DfE's guide to the return asks of short breaks."""
    return {
        "legalStatus": brk["legalStatus"],
        "placementType": brk.get("placementType"),
        "placementProvider": brk.get("placementProvider"),
        "reasonNewEpisode": ReasonNewEpisode.S_STARTED_TO_BE_LOOKED_AFTER.value,
        "reasonEpisodeCeased": ReasonEpisodeCeased.E4A_RETURNED_HOME_AS_PLANNED.value,
    }


def episodes_known(record: LookedAfterRecord, year: CollectionYear) -> list[Episode]:
    """Every episode begun by the year's 31 March, in order; one that ended after that
    day is open, as it was then."""
    found = []
    for step in record.steps_of(StepKind.LOOKED_AFTER_EPISODE):
        start = step["startDate"]
        if start > year.end:
            continue
        ended = step.get("completedDate")
        end = ended if ended is not None and ended <= year.end else None
        found.append(Episode(step["periodId"], start, end, step))
    for brk in record.short_breaks:
        start = brk["startDate"]
        if start > year.end:
            continue
        ended = brk.get("endDate")
        end = ended if ended is not None and ended <= year.end else None
        found.append(Episode(brk["id"], start, end, _short_break_step(brk)))
    return sorted(found, key=lambda e: e.start)


def _category_of_need(record: LookedAfterRecord, period_start: date) -> str:
    """The need the child was referred for when the period of care began (903 CIN): the
    latest referral by then, or the first one after; one value for the whole period."""
    referrals = sorted(
        (
            r
            for r in record.referrals
            if r.get("primaryNeed") in _CATEGORIES_OF_NEED and r.get("referralDate")
        ),
        key=lambda r: r["referralDate"],
    )
    before = [r for r in referrals if r["referralDate"] <= period_start]
    chosen = before[-1] if before else (referrals[0] if referrals else None)
    return str(chosen["primaryNeed"]) if chosen else ""


def home_postcode_as_returned(
    record: LookedAfterRecord, episode: Episode, year: CollectionYear
) -> str:
    """The HOME_POST of `episode` in `year`'s return: the child's home postcode on the day
    it began, blank where the DfE asks for none (or none is recorded by then)."""
    # SSDA903 rule 398: no postcodes (the distance) for a short break.
    if episode.short_break:
        return ""
    # SSDA903 rule 406: a child who is or was an unaccompanied asylum seeker has no home
    # postcode in the return (the distance the DfE derives from it means nothing for them).
    if record.facts_of(FactKind.UASC, year.end):
        return ""
    fact = record.latest_fact(FactKind.HOME_POSTCODE, episode.start)
    return str(fact["postcode"]) if fact else ""


def _reason_for_change(episode: Episode, following: Episode | None) -> str:
    """SSDA903: the reason for a placement change sits on the episode the move ended,
    not the one it began, and not where either placement is temporary (T0-T4)."""
    if (
        following is None
        or episode.reason_ceased != ReasonEpisodeCeased.X1_NEW_EPISODE_SAME_DAY.value
    ):
        return ""
    if following.step.get("reasonNewEpisode") not in _PLACEMENT_MOVES:
        return ""
    if {episode.step.get("placementType"), following.step.get("placementType")} & _TEMPORARY:
        return ""
    return str(following.step.get("reasonPlaceChange") or "")


def _reason_new_episode(episode: Episode, before: Episode | None) -> str:
    """SSDA903 rule 383: the return from a temporary placement (T0-T4) is a change of
    placement (P), even to the same carer, whom the hub's step records as T."""
    reason = str(episode.step.get("reasonNewEpisode") or "")
    if (
        reason == "T"
        and before is not None
        and before.period_id == episode.period_id
        and before.step.get("placementType") in _TEMPORARY
    ):
        return "P"
    return reason


def provider_as_returned(step: dict[str, Any]) -> str:
    """The episode's PLACE_PROVIDER as the return writes it."""
    # SSDA903 rule 213: no provider for a temporary (T0-T4) or "other" (Z11-Z14) placement.
    if step.get("placementType") in _NO_PROVIDER:
        return ""
    return str(step.get("placementProvider") or "")


def urn_as_returned(step: dict[str, Any]) -> str:
    """The episode's URN as the return writes it."""
    if step.get("urn"):
        return str(step["urn"])
    # SSDA903 rule 242: XXXXXXX (no URN) is for adoption and foster placements only; any
    # other placement without a recorded URN is left blank for the DfE's rules to report.
    return NO_URN if step.get("placementType") in _NO_URN_NEEDED else ""


def _episode_rows(
    record: LookedAfterRecord,
    known: list[Episode],
    year: CollectionYear,
    spec: Ssda903Specification,
) -> list[Row]:
    starts = {p["id"]: p["startDate"] for p in record.periods}
    rows = []
    for index, episode in enumerate(known):
        if not year.covers(episode.start, episode.end):
            continue
        following = known[index + 1] if index + 1 < len(known) else None
        step = episode.step
        rows.append(
            [
                record.id,
                dmy(episode.start),
                _reason_new_episode(episode, known[index - 1] if index else None),
                step.get("legalStatus") or "",
                _category_of_need(record, starts.get(episode.period_id, episode.start)),
                spec.placement(step.get("placementType") or ""),
                provider_as_returned(step),
                dmy(episode.end),
                episode.reason_ceased or "",
                _reason_for_change(episode, following),
                home_postcode_as_returned(record, episode, year),
                step.get("placementPostcode") or "",
                # SSDA903 rule 214: no placement location for a short break.
                "" if episode.short_break else urn_as_returned(step),
            ]
        )
    return rows


# The CIN census's UN6 (under 6, not yet at school) has no code of its own in the 903,
# whose header takes UN1-UN5 only (rule 168): it is the 903's UN1, "not of school age".
# For a child of school age the DfE's rule 209 then asks for the UPN, which is right: a
# looked-after child of school age is on a school roll. UN7 (a referral with no further
# action) cannot describe a child looked after and is left for rule 168 to report.
_UPN_UNKNOWN_IN_THE_903 = {"UN6": "UN1"}


def upn_as_returned(upn: str | None, unknown: dict[str, Any] | None) -> str:
    """The header's UPN: the child's, or the code of the latest reason it is unknown."""
    if upn:
        return upn
    if not unknown:
        return ""
    return _UPN_UNKNOWN_IN_THE_903.get(str(unknown["reason"]), str(unknown["reason"]))


def header_upn(record: LookedAfterRecord, year: CollectionYear) -> str:
    """The header's UPN in `year`'s return: the child's, or why it is unknown as the
    latest reason by the year's end says."""
    return upn_as_returned(
        record.child.get("upn"), record.latest_fact(FactKind.UPN_UNKNOWN, year.end)
    )


def _header_row(record: LookedAfterRecord, year: CollectionYear, looked_after: bool) -> Row:
    sex = record.child.get("sex") or ""
    mother, baby = "", ""
    # SSDA903 rule 628: motherhood is asked of girls looked after in the year only.
    if sex == "F" and looked_after:
        # She is a mother from the day her baby was born, however late that is recorded
        # (rule 626 compares this year's MOTHER with last year's); MC_DOB is the birth of
        # her first child (rules 625, 626).
        births = sorted(
            born
            for f in record.facts
            if f["kind"] == FactKind.MOTHERHOOD.value
            and (born := f.get("babyBornOn")) is not None
            and born <= year.end
        )
        mother = "1" if births else "0"
        baby = dmy(births[0]) if births else ""
    return [
        record.id,
        sex,
        dmy(record.born),
        ethnicity_as_returned(record.child),
        header_upn(record, year),
        mother,
        baby,
    ]


def _reviews(record: LookedAfterRecord, year: CollectionYear, dob: str) -> list[Row]:
    held = [
        s
        for s in record.steps_of(StepKind.LOOKED_AFTER_REVIEW)
        if s.get("status") == StepStatus.DONE and year.start <= s["completedDate"] <= year.end
    ]
    return [
        [record.id, dob, dmy(s["completedDate"]), s.get("participation") or ""]
        for s in sorted(held, key=lambda s: s["completedDate"])
    ]


def _missing(record: LookedAfterRecord, year: CollectionYear, dob: str) -> list[Row]:
    # Missing or away from placement: a child who returned after care ended was missing
    # from it until it ended (rule 577: no episode ends after its period of care).
    care_ended = {period["id"]: period.get("endDate") for period in record.periods}
    rows = []
    for s in sorted(record.steps_of(StepKind.MISSING_EPISODE), key=lambda s: s["startDate"]):
        returned = s.get("completedDate")
        ended = care_ended.get(s.get("periodId"))
        if isinstance(returned, date) and isinstance(ended, date):
            returned = min(returned, ended)
        if not year.covers(s["startDate"], returned):
            continue
        back = returned if returned is not None and returned <= year.end else None
        rows.append([record.id, dob, s.get("missingType") or "", dmy(s["startDate"]), dmy(back)])
    return rows


def _uasc(record: LookedAfterRecord, year: CollectionYear, dob: str) -> list[Row]:
    # The UASC table lists the children who were unaccompanied asylum seekers in the
    # year, with the day that status ceased (DUC): the day recorded if it had ceased by
    # 31 March, else the 18th birthday, when it ceases at the latest and which is known in
    # advance (rule 205B: a child UASC in both years has last year's DUC on the birthday).
    eighteenth = birthday(record.born, 18) if record.born is not None else None
    for fact in reversed(record.facts_of(FactKind.UASC, year.end)):
        ceased = fact.get("ceasedOn")
        if ceased is None or ceased > year.end:
            ceased = eighteenth
        if year.covers(fact["on"], ceased):
            return [[record.id, record.child.get("sex") or "", dob, dmy(ceased)]]
    return []


def _deprivations_of_liberty(
    record: LookedAfterRecord, year: CollectionYear, dob: str
) -> list[Row]:
    """The orders depriving the child of liberty (DoLOs) in the year, each as the part of
    it while the child was looked after (903 rule 707: none starts before a period of
    care, or runs on after it), begun by 31 March; one that ended after that day is open,
    as it was then. An order recorded again (the same day it began) is the same order,
    as the latest record of it says."""
    rows = []
    for began, ceased in liberty.orders(record.facts_of(FactKind.DEPRIVATION_OF_LIBERTY, year.end)):
        for period in record.periods:
            start = max(began, period["startDate"])
            ends = [day for day in (ceased, period.get("endDate")) if day is not None]
            end = min(ends, default=None)
            if (end is not None and end <= start) or not year.covers(start, end):
                continue
            known = end if end is not None and end <= year.end else None
            rows.append([record.id, dob, dmy(start), dmy(known)])
    return rows


def continuously_looked_after(record: LookedAfterRecord, year: CollectionYear) -> bool:
    """Looked after for the whole year (the OC2 cohort: 12 months at 31 March)."""
    return any(
        p["startDate"] <= year.start and (p.get("endDate") is None or p["endDate"] >= year.end)
        for p in record.periods
    )


def outcomes_asked(record: LookedAfterRecord, year: CollectionYear, in_year: list[Episode]) -> bool:
    """Whether `year`'s OC2 has the child's row: looked after all year, and (the DfE's
    "looked after continuously for 12 months" leaves them out) no short break (V3, V4) in
    it among the episodes `in_year`."""
    respite = any(e.short_break for e in in_year)
    return not respite and continuously_looked_after(record, year)


def _in_year(record: LookedAfterRecord, kind: FactKind, year: CollectionYear) -> list[Any]:
    return [f for f in record.facts_of(kind, year.end) if f["on"] >= year.start]


def sdq_of(record: LookedAfterRecord, year: CollectionYear) -> dict[str, Any] | None:
    """The SDQ the OC2 returns for `year`: the latest recorded in it (a score, or why none)."""
    sdq = _in_year(record, FactKind.SDQ, year)
    return sdq[-1] if sdq else None


def _oc2(record: LookedAfterRecord, year: CollectionYear, dob: str) -> list[Row]:
    sdq = sdq_of(record, year)
    sdq_score = "" if sdq is None or sdq.get("score") is None else str(sdq["score"])
    sdq_reason = (sdq.get("reason") or "") if sdq is not None else ""
    age = age_on(record.born, year.end) if record.born is not None else None
    under_five = age is not None and age < 5
    under_ten = age is not None and age < 10
    # HEALTH_CHECK (development assessment) is only for children under 5 at 31 March.
    health_check = _flag(bool(_in_year(record, FactKind.DEVELOPMENT_CHECK, year)))
    immunisations = record.latest_fact(FactKind.IMMUNISATIONS, year.end)
    assessed = any(
        s.get("status") == StepStatus.DONE and year.start <= s["completedDate"] <= year.end
        for s in record.steps_of(StepKind.HEALTH_ASSESSMENT)
    )
    misuse = _in_year(record, FactKind.SUBSTANCE_MISUSE, year)
    received = misuse[-1].get("interventionReceived") if misuse else None
    offered = misuse[-1].get("interventionOffered") if misuse else None
    return [
        [
            record.id,
            dob,
            sdq_score,
            sdq_reason,
            # SSDA903 rule 542: no conviction information under the age of 10.
            "" if under_ten else _flag(bool(_in_year(record, FactKind.CONVICTION, year))),
            health_check if under_five else "",
            _flag(bool(immunisations and immunisations.get("upToDate"))),
            _flag(bool(_in_year(record, FactKind.DENTAL_CHECK, year))),
            _flag(assessed),
            _flag(bool(misuse)),
            _flag(received) if misuse else "",
            # SSDA903 rule 158: whether an intervention was offered is asked only of a
            # young person who did not receive one.
            _flag(offered) if misuse and not received else "",
        ]
    ]


def _left_care_as_leaver(record: LookedAfterRecord, before: date) -> bool:
    # SSDA903 rules 1007 and 1016: care leaver information at 17 and 18 is for a young
    # person no longer looked after on the birthday; care that ceased on the birthday
    # (DEC on it, as at 18) has no row for it, and the 19th birthday's is the first.
    leaver_states = (CareState.CARE_LEAVER.value, CareState.LEAVING_CARE_SERVICES_ENDED.value)
    return any(
        p.get("status") in leaver_states and p.get("endDate") is not None and p["endDate"] < before
        for p in record.periods
    )


def _looked_after_on(record: LookedAfterRecord, day: date) -> bool:
    # A period that ended on the day is over: the young person left care that day.
    return any(
        p["startDate"] <= day and (p.get("endDate") is None or p["endDate"] > day)
        for p in record.periods
    )


def care_leaver_rows(record: LookedAfterRecord, year: CollectionYear, dob: str) -> list[Row]:
    """The care leaver's OC3 row for the birthday in `year`, if one is asked for: the
    contact that counted for it, or blank where none is recorded (rules 131-133 report
    it: whether the authority was in touch is what the row is for)."""
    born = record.born
    if born is None:
        return []
    for age in _OC3_AGES:
        day = birthday(born, age)
        if not year.start <= day <= year.end or not _left_care_as_leaver(record, day):
            continue
        # SSDA903 rule 1007: a care leaver back in care on the birthday (a new period)
        # is looked after then, and has no care leaver information for it.
        if _looked_after_on(record, day):
            continue
        # The contact that counted for this birthday: made around it (within the window),
        # whichever due step it closed (one made around the 18th birthday may close the
        # 17th's, overdue), else the one that closed its own due step by 31 March. The
        # window runs past 31 March for a birthday late in the year, and the return is
        # made after it has closed: a contact made in it after 31 March is the birthday's.
        done = [
            s
            for s in record.steps_of(StepKind.CARE_LEAVER_CONTACT)
            if s.get("status") == StepStatus.DONE
        ]
        around = [s for s in done if abs(s["completedDate"] - day) <= BIRTHDAY_WINDOW]
        contact = min(
            around,
            key=lambda s: abs(s["completedDate"] - day),
            default=next(
                (s for s in done if s.get("dueDate") == day and s["completedDate"] <= year.end),
                None,
            ),
        )
        if contact is None:
            return [[record.id, dob, "", "", ""]]
        return [
            [
                record.id,
                dob,
                contact.get("inTouch") or "",
                contact.get("activity") or "",
                contact.get("accommodation") or "",
            ]
        ]
    return []


def header_written(record: LookedAfterRecord, year: CollectionYear) -> bool:
    """Whether `year`'s return has a header row for the child: an episode in the year, or
    a care leaver's OC3 row (tables_for)."""
    in_year = any(year.covers(e.start, e.end) for e in episodes_known(record, year))
    return in_year or bool(care_leaver_rows(record, year, dmy(record.born)))


@dataclass(frozen=True, slots=True)
class AdoptionDecision:
    """A decision that the child should be placed for adoption (a PlacedAdoption row):
    the day it was made (DATE_PLACED) and the day it was reversed (DATE_PLACED_CEASED)."""

    made: date
    reversed_on: date | None

    @classmethod
    def of(cls, plan: dict[str, Any]) -> AdoptionDecision:
        return cls(plan["decisionDate"], plan.get("ceasedDate"))

    def reversed_by(self, day: date) -> bool:
        return self.reversed_on is not None and self.reversed_on <= day

    def returned_in(self, year: CollectionYear) -> bool:
        """Whether `year`'s PlacedAdoption table has its row: made by the year's end and
        not reversed before the year began."""
        return self.made <= year.end and not (
            self.reversed_on is not None and self.reversed_on < year.start
        )


def placement_order_without_decision(
    start: date, end: date | None, decisions: list[AdoptionDecision], year: CollectionYear
) -> bool:
    """SSDA903 rule 553 on an episode under a placement order (E1) from `start` to `end`,
    as `year`'s return holds it: the order needs a decision that the child should be
    placed for adoption in the year's PlacedAdoption table and, while the episode is still
    open on 31 March, the latest of them not reversed by then. A placement order stands
    until the court revokes it, so a decision reversed before the order's end is real; the
    return still reports it."""
    if not year.covers(start, end):
        return False
    returned = [d for d in decisions if d.returned_in(year)]
    if not returned:
        return True
    open_at_end = end is None or end > year.end
    return open_at_end and max(returned, key=lambda d: d.made).reversed_by(year.end)


def _adoption_rows(
    record: LookedAfterRecord, year: CollectionYear, dob: str, episodes: list[Episode]
) -> tuple[list[Row], list[Row]]:
    ad1: list[Row] = []
    placed: list[Row] = []
    adopted_in_year = any(
        e.end is not None and e.end >= year.start and e.reason_ceased in _ADOPTED for e in episodes
    )
    for plan in sorted(record.adoptions, key=lambda p: p["decisionDate"]):
        decision = AdoptionDecision.of(plan)
        if not decision.returned_in(year):
            continue
        decided = decision.made
        ceased = decision.reversed_on if decision.reversed_by(year.end) else None
        adopted = plan.get("adoptionOrderDate")
        placed.append(
            [
                record.id,
                dob,
                dmy(decided),
                dmy(ceased),
                (plan.get("ceasedReason") or "") if ceased else "",
            ]
        )
        if adopted_in_year and adopted is not None and adopted <= year.end:
            ad1.append(
                [
                    record.id,
                    dob,
                    dmy(decided),
                    dmy(plan.get("matchedDate")),
                    _flag(plan.get("adoptedByFosterCarer")),
                    str(plan.get("numberOfAdopters") or ""),
                    plan.get("adopterSex") or "",
                    plan.get("adoptersLegalStatus") or "",
                ]
            )
    return ad1, placed


def care_began_in(year: CollectionYear, episodes: list[Episode]) -> date | None:
    """The day care began in `year` (an episode of `episodes` with RNE S), if it did: the
    PrevPerm table asks the previous permanence of that child (SSDA903 rule 630)."""
    return next(
        (
            e.start
            for e in episodes
            if e.step.get("reasonNewEpisode") == "S" and year.start <= e.start
        ),
        None,
    )


def _previous_permanence(
    record: LookedAfterRecord, year: CollectionYear, dob: str, episodes: list[Episode]
) -> list[Row]:
    fact = record.latest_fact(FactKind.PREVIOUS_PERMANENCE, year.end)
    if care_began_in(year, episodes) is None or fact is None:
        return []
    return [
        [
            record.id,
            dob,
            fact.get("permanence") or "",
            fact.get("localAuthority") or "",
            date_perm(fact),
        ]
    ]


def permanence_complete(fact: dict[str, Any] | None) -> bool:
    """Whether a previous permanence fact is all rule 630 asks: Z1 (none), or the order's
    local authority and date (DATE_PERM, in part where only part is known)."""
    if fact is None:
        return False
    return fact.get("permanence") == PreviousPermanence.Z1_NONE.value or bool(
        fact.get("localAuthority") and date_perm(fact)
    )


def date_perm(fact: dict[str, Any]) -> str:
    """The previous permanence order's DATE_PERM: dd/mm/YYYY, each part not known as ZZ
    (ZZZZ for a year), or blank when no date is recorded."""
    if fact.get("orderDateKnown"):
        known = PartialDate.from_text(str(fact["orderDateKnown"]))
        day = "ZZ" if known.day is None else f"{known.day:02d}"
        month = "ZZ" if known.month is None else f"{known.month:02d}"
        year = "ZZZZ" if known.year is None else f"{known.year:04d}"
        return f"{day}/{month}/{year}"
    return dmy(fact.get("orderDate"))


def _social_worker_id(allocation: dict[str, Any]) -> str:
    number = str(allocation.get("registrationNumber") or "").replace(" ", "").upper()
    if number.startswith(_REGISTERED):
        return number
    local = "".join(ch for ch in str(allocation["workerId"]).upper() if ch.isalnum())
    return _UNREGISTERED + local[:18]


def allocations_in(record: LookedAfterRecord, year: CollectionYear) -> list[dict[str, Any]]:
    """The child's allocations to a social worker in `year` (its SWEpisodes rows)."""
    return [a for a in record.allocations if year.covers(a["startDate"], a.get("endDate"))]


def _social_workers(record: LookedAfterRecord, year: CollectionYear, dob: str) -> list[Row]:
    rows = []
    for allocation in allocations_in(record, year):
        start, end = allocation["startDate"], allocation.get("endDate")
        ended = end if end is not None and end <= year.end else None
        rows.append(
            [
                record.id,
                dob,
                _social_worker_id(allocation),
                dmy(start),
                dmy(ended),
                allocation.get("reason") or "",
            ]
        )
    return rows


def tables_for(
    record: LookedAfterRecord, year: CollectionYear, spec: Ssda903Specification | None = None
) -> dict[str, list[Row]]:
    """The child's rows in each table of `year`'s return (none if not looked after in it),
    in `spec` (the year's own by default)."""
    known = episodes_known(record, year)
    in_year = [e for e in known if year.covers(e.start, e.end)]
    dob = dmy(record.born)
    spec = spec or specification_for(year)
    tables: dict[str, list[Row]] = {name: [] for name in spec.tables}
    oc3 = care_leaver_rows(record, year, dob)
    if not in_year and not oc3:
        return tables
    # SSDA903 rules 393, 399 and 607: motherhood is not asked of a child looked after
    # only for short breaks.
    looked_after = any(not e.short_break for e in in_year)
    tables["header"] = [_header_row(record, year, looked_after)]
    tables["oc3"] = oc3
    if not in_year:
        return tables
    tables["episodes"] = _episode_rows(record, known, year, spec)
    tables["reviews"] = _reviews(record, year, dob)
    tables["uasc"] = _uasc(record, year, dob)
    tables["oc2"] = _oc2(record, year, dob) if outcomes_asked(record, year, in_year) else []
    tables["ad1"], tables["placed_for_adoption"] = _adoption_rows(record, year, dob, in_year)
    # SSDA903 rule 187: of the OC2 cohort, looked after all year (care that ended on
    # 31 March counts as care all year), the DfE asks no adoption details, so a child
    # adopted on 31 March has no AD1 row.
    if tables["oc2"]:
        tables["ad1"] = []
    tables["prev_perm"] = _previous_permanence(record, year, dob, in_year)
    tables["missing"] = _missing(record, year, dob)
    tables["sw_episodes"] = _social_workers(record, year, dob)
    if "dolo" in spec.tables:
        tables["dolo"] = _deprivations_of_liberty(record, year, dob)
    return tables
