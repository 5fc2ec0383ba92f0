"""The CIN census: one XML message for a collection year, every child with an episode of
need open in it, in the DfE's element order.

The specification is data (`SPECIFICATIONS`): each block's elements in the XSD's order.
A new year's specification is a new entry; the derivation below only says what each
element holds. The message is written a child at a time (ElementTree per child, no whole
document in memory).

Derivation rules (research/statutory.md §4a; DfE CIN census guide 2025-26):
- an episode belongs to the year when referred by 31 March and not closed before 1 April;
- an assessment is returned unless it was authorised before 1 April (rule 8696); its
  factors only once authorised, on the day the manager authorised it; an authorisation
  after 31 March was not known then;
- plans, enquiries and reviews are returned when they touch the year; an enquiry starts
  on its strategy discussion's day, and one that asked for a conference runs until it;
- an ICPC an enquiry led to goes in its Section47 block only (rule 2884); a transfer-in
  conference, with no enquiry, in CINdetails; the CP plan's categories are its single
  category, or MUL for several;
- ReferralNFA is true for a referral closed with no further action at the referral;
- a plan's NumberOfPreviousCPP counts the child's plans here that began before it, in any
  episode, and the plans the child had elsewhere (the PREVIOUS_CHILD_PROTECTION_PLANS fact).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from returns.characteristics import ethnicity_as_returned
from returns.years import CollectionYear
from workflow.facts import FactKind
from workflow.process import AssessmentState, Process

Values = dict[str, Any]


@dataclass(frozen=True, slots=True)
class CensusSpecification:
    """The element order of each block of the census XML, as the year's XSD has it."""

    first_year: int
    header: tuple[str, ...]
    collection: tuple[str, ...]
    source: tuple[str, ...]
    child: tuple[str, ...]
    identifiers: tuple[str, ...]
    characteristics: tuple[str, ...]
    episode: tuple[str, ...]
    assessment: tuple[str, ...]
    plan: tuple[str, ...]
    section47: tuple[str, ...]
    protection_plan: tuple[str, ...]


# CIN census 2024-25 onwards (Sex replaced GenderCurrent); 2025-26 and 2026-27 unchanged.
SPEC_2025 = CensusSpecification(
    first_year=2025,
    header=("CollectionDetails", "Source"),
    collection=("Collection", "Year", "ReferenceDate"),
    source=("SourceLevel", "LEA", "SoftwareCode", "Release", "SerialNo", "DateTime"),
    child=("ChildIdentifiers", "ChildCharacteristics", "CINdetails"),
    identifiers=(
        "LAchildID",
        "UPN",
        "FormerUPN",
        "UPNunknown",
        "PersonBirthDate",
        "ExpectedPersonBirthDate",
        "Sex",
        "PersonDeathDate",
    ),
    characteristics=("Ethnicity", "Disabilities"),
    episode=(
        "CINreferralDate",
        "ReferralSource",
        "PrimaryNeedCode",
        "CINclosureDate",
        "ReasonForClosure",
        "DateOfInitialCPC",
        "Assessments",
        "CINPlanDates",
        "Section47",
        "ReferralNFA",
        "ChildProtectionPlans",
    ),
    assessment=(
        "AssessmentActualStartDate",
        "AssessmentInternalReviewDate",
        "AssessmentAuthorisationDate",
        "FactorsIdentifiedAtAssessment",
    ),
    plan=("CINPlanStartDate", "CINPlanEndDate"),
    section47=("S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired"),
    protection_plan=(
        "CPPstartDate",
        "CPPendDate",
        "InitialCategoryOfAbuse",
        "LatestCategoryOfAbuse",
        "NumberOfPreviousCPP",
        "Reviews",
    ),
)
SPECIFICATIONS = (SPEC_2025,)


def specification_for(year: CollectionYear) -> CensusSpecification:
    """The newest specification that applies to `year`.

    Raises:
        ValueError: the hub has no specification for a year that early.
    """
    found = [s for s in SPECIFICATIONS if s.first_year <= year.end_year]
    if not found:
        raise ValueError(f"year: the hub has no CIN census specification for {year.label}")
    return max(found, key=lambda s: s.first_year)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        # Rule 8540 only recognises lower-case false/0.
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def ordered(parent: ET.Element, order: tuple[str, ...], values: Values) -> ET.Element:
    """Append `values` to `parent` in the specification's `order`; an element the order
    does not name is a programming error, a None value is left out. A value may be an
    Element (a block), a list of Elements or values (repeated), or a plain value."""
    unknown = set(values) - set(order)
    assert not unknown, f"not in the specification's order: {sorted(unknown)}"
    for name in order:
        value = values.get(name)
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, ET.Element):
                parent.append(item)
            else:
                ET.SubElement(parent, name).text = _text(item)
    return parent


def block(name: str, order: tuple[str, ...], values: Values) -> ET.Element:
    return ordered(ET.Element(name), order, values)


def repeated(name: str, item: str, values: list[str]) -> ET.Element:
    element = ET.Element(name)
    for value in values:
        ET.SubElement(element, item).text = value
    return element


@dataclass(slots=True)
class ChildInNeedRecord:
    """One child's record as the census needs it (a row of `CHILDREN_IN_NEED_PAGE`): the
    episodes of need, the records IN_EPISODE of them, the child protection plans' held
    reviews, and the child's statutory facts."""

    child: dict[str, Any]
    episodes: list[dict[str, Any]]
    records: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    facts: list[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ChildInNeedRecord:
        return cls(
            child=row["child"],
            episodes=sorted(row["episodes"], key=lambda e: e["referralDate"]),
            records=row["records"],
            reviews=row["reviews"],
            facts=sorted(row["facts"], key=lambda f: (f["on"], f.get("recordedAt") or 0)),
        )

    def records_of(self, episode_id: str, process: Process, by: str) -> list[dict[str, Any]]:
        """The episode's records of `process`, in order of their `by` date."""
        found = [
            r for r in self.records if r["episodeId"] == episode_id and r["process"] == process
        ]
        return sorted(found, key=lambda r: (r.get(by) or date.max, r.get("createdAt") or 0))

    def protection_plans_before(self, day: date) -> int:
        """How many of the child's child protection plans here, in any episode, began
        before `day` (the read leaves out records withdrawn as started in error)."""
        return sum(
            1
            for r in self.records
            if r["process"] == Process.CHILD_PROTECTION_PLAN
            and r.get("startDate") is not None
            and r["startDate"] < day
        )

    def review_dates(self, plan_id: str) -> list[date]:
        return sorted(r["heldDate"] for r in self.reviews if r["planId"] == plan_id)

    def latest_categories(self, plan: dict[str, Any], known_by: date) -> list[str] | None:
        """The plan's categories as they stood on `known_by`: those of its latest review
        by then that decided any, else the initial ones. (Reviews recorded before reviews
        kept their categories carry none: such a plan's latest are the plan's own.)"""
        reviews = [r for r in self.reviews if r["planId"] == plan["id"]]
        if not any(r.get("categories") for r in reviews):
            return plan.get("latestCategories")
        decided = sorted(
            (r for r in reviews if r.get("categories") and r["heldDate"] <= known_by),
            key=lambda r: r["heldDate"],
        )
        return list(decided[-1]["categories"]) if decided else plan.get("initialCategories")

    def latest_fact(self, kind: FactKind, known_by: date) -> dict[str, Any] | None:
        found = [f for f in self.facts if f["kind"] == kind.value and f["on"] <= known_by]
        return found[-1] if found else None


def _known(value: date | None, year: CollectionYear) -> date | None:
    """A date as known on the reference day: a later one had not happened yet."""
    return value if value is not None and value <= year.end else None


def _unborn(record: ChildInNeedRecord, year: CollectionYear) -> bool:
    """Unborn on the reference day: still unborn, or born after it (a census is made
    from April to July, when a child unborn on 31 March may have been born since)."""
    born = record.child.get("dateOfBirth")
    return bool(record.child.get("unborn")) or (born is not None and born > year.end)


def _identifiers(
    record: ChildInNeedRecord, spec: CensusSpecification, year: CollectionYear
) -> ET.Element:
    child = record.child
    unknown = None if child.get("upn") else record.latest_fact(FactKind.UPN_UNKNOWN, year.end)
    unborn = _unborn(record, year)
    return block(
        "ChildIdentifiers",
        spec.identifiers,
        {
            "LAchildID": child["id"],
            "UPN": child.get("upn") or None,
            "UPNunknown": unknown["reason"] if unknown else None,
            "PersonBirthDate": None if unborn else child.get("dateOfBirth"),
            "ExpectedPersonBirthDate": child.get("expectedDateOfBirth") if unborn else None,
            # Rule 8750: an unborn child's sex is U.
            "Sex": "U" if unborn else child.get("sex") or "U",
            "PersonDeathDate": _death_date(record, year),
        },
    )


def _death_date(record: ChildInNeedRecord, year: CollectionYear) -> date | None:
    """The hub records a child's death as the episode closed for it (RC2, on the day);
    CIN census 8585Q asks for the date of death beside that closure reason."""
    died = [
        e["closureDate"]
        for e in record.episodes
        if str(e.get("closureReason") or "").startswith("RC2")
        and _known(e.get("closureDate"), year) is not None
    ]
    return min(died) if died else None


def _characteristics(
    record: ChildInNeedRecord, spec: CensusSpecification, year: CollectionYear
) -> ET.Element:
    disabilities = record.latest_fact(FactKind.DISABILITIES, year.end)
    return block(
        "ChildCharacteristics",
        spec.characteristics,
        {
            "Ethnicity": ethnicity_as_returned(record.child),
            "Disabilities": (
                repeated("Disabilities", "Disability", list(disabilities["disabilities"]))
                if disabilities
                else None
            ),
        },
    )


def _assessments(
    record: ChildInNeedRecord, episode_id: str, spec: CensusSpecification, year: CollectionYear
) -> list[ET.Element]:
    found = []
    for assessment in record.records_of(episode_id, Process.ASSESSMENT, "startDate"):
        started = _known(assessment.get("startDate"), year)
        if started is None:
            continue
        # The manager's authorisation, on the day it was given; one awaiting it is not
        # returned as authorised, nor one authorised after the reference day.
        authorised = (
            _known(assessment.get("authorisedDate"), year)
            if assessment.get("status") == AssessmentState.AUTHORISED
            else None
        )
        # Rule 8696: an assessment authorised before the year belongs to an earlier census.
        if authorised is not None and authorised < year.start:
            continue
        factors = list(assessment.get("factors") or []) if authorised else []
        found.append(
            block(
                "Assessments",
                spec.assessment,
                {
                    "AssessmentActualStartDate": started,
                    "AssessmentAuthorisationDate": authorised,
                    "FactorsIdentifiedAtAssessment": (
                        repeated("FactorsIdentifiedAtAssessment", "AssessmentFactors", factors)
                        if factors
                        else None
                    ),
                },
            )
        )
    return found


def _touches(start: date | None, end: date | None, year: CollectionYear) -> bool:
    return year.covers(start, _known(end, year))


def _plans(
    record: ChildInNeedRecord, episode_id: str, spec: CensusSpecification, year: CollectionYear
) -> list[ET.Element]:
    return [
        block(
            "CINPlanDates",
            spec.plan,
            {
                "CINPlanStartDate": plan["startDate"],
                "CINPlanEndDate": _known(plan.get("endDate"), year),
            },
        )
        for plan in record.records_of(episode_id, Process.CHILD_IN_NEED_PLAN, "startDate")
        if _touches(plan.get("startDate"), plan.get("endDate"), year)
    ]


def _enquiries(
    record: ChildInNeedRecord, episode_id: str, spec: CensusSpecification, year: CollectionYear
) -> list[ET.Element]:
    conferences = record.records_of(episode_id, Process.INITIAL_CONFERENCE, "heldDate")
    found = []
    for enquiry in record.records_of(episode_id, Process.SECTION_47_ENQUIRY, "startDate"):
        started = _known(enquiry.get("startDate"), year)
        if started is None:
            continue
        conference = next(
            (c for c in conferences if c.get("section47EnquiryId") == enquiry["id"]), None
        )
        held = _known(conference.get("heldDate"), year) if conference else None
        concluded = _known(enquiry.get("endDate"), year)
        not_required = concluded is not None and enquiry.get("conferenceRequired") is False
        # An enquiry that asked for a conference runs, for the census, until it is held.
        ended = concluded if not_required else held
        if not _touches(started, ended, year):
            continue
        found.append(
            block(
                "Section47",
                spec.section47,
                {
                    # The strategy discussion's day (the enquiry's startDate).
                    "S47ActualStartDate": started,
                    "InitialCPCtarget": enquiry.get("conferenceTarget"),
                    "DateOfInitialCPC": held,
                    "ICPCnotRequired": not_required,
                },
            )
        )
    return found


def _transfer_in_conference(
    record: ChildInNeedRecord, episode_id: str, year: CollectionYear
) -> date | None:
    """The day of the episode's latest transfer-in conference held in the year: with no
    section 47 enquiry behind it, the DfE guide puts its date in CINdetails (rule 2884
    forbids it there only for a conference an enquiry led to)."""
    held = [
        c["heldDate"]
        for c in record.records_of(episode_id, Process.INITIAL_CONFERENCE, "heldDate")
        if c.get("transferIn") and c.get("heldDate") and year.start <= c["heldDate"] <= year.end
    ]
    return held[-1] if held else None


def _category(codes: list[str] | None) -> str | None:
    if not codes:
        return None
    return codes[0] if len(codes) == 1 else "MUL"


def _protection_plans(
    record: ChildInNeedRecord, episode_id: str, spec: CensusSpecification, year: CollectionYear
) -> list[ET.Element]:
    elsewhere = record.latest_fact(FactKind.PREVIOUS_CHILD_PROTECTION_PLANS, year.end)
    found = []
    for plan in record.records_of(episode_id, Process.CHILD_PROTECTION_PLAN, "startDate"):
        start, end = plan.get("startDate"), _known(plan.get("endDate"), year)
        if start is None or not _touches(start, end, year):
            continue
        held = [
            d
            for d in record.review_dates(plan["id"])
            if start <= d <= (end or year.end) and d >= year.start
        ]
        found.append(
            block(
                "ChildProtectionPlans",
                spec.protection_plan,
                {
                    "CPPstartDate": start,
                    "CPPendDate": end,
                    "InitialCategoryOfAbuse": _category(plan.get("initialCategories")),
                    "LatestCategoryOfAbuse": _category(
                        record.latest_categories(plan, end or year.end)
                    ),
                    # CIN census guide (N00106): the plans the child was subject to before
                    # this one, here (in this or an earlier episode) and elsewhere.
                    "NumberOfPreviousCPP": record.protection_plans_before(start)
                    + (elsewhere["numberOfPlans"] if elsewhere else 0),
                    # The DfE's XSD: at most one Reviews group a plan, every date in it.
                    "Reviews": (
                        repeated("Reviews", "CPPreviewDate", [d.isoformat() for d in held])
                        if held
                        else None
                    ),
                },
            )
        )
    return found


def _episode(
    record: ChildInNeedRecord,
    episode: dict[str, Any],
    spec: CensusSpecification,
    year: CollectionYear,
) -> ET.Element:
    closed = _closed_on(episode, year)
    episode_id = episode["id"]
    return block(
        "CINdetails",
        spec.episode,
        {
            "CINreferralDate": episode["referralDate"],
            "ReferralSource": episode.get("source"),
            # N0 "not stated": a referral not yet decided has no primary need recorded.
            "PrimaryNeedCode": episode.get("primaryNeed") or "N0",
            "CINclosureDate": closed,
            "ReasonForClosure": episode.get("closureReason") if closed else None,
            "DateOfInitialCPC": _transfer_in_conference(record, episode_id, year),
            "Assessments": _assessments(record, episode_id, spec, year) or None,
            "CINPlanDates": _plans(record, episode_id, spec, year) or None,
            "Section47": _enquiries(record, episode_id, spec, year) or None,
            # Closed at the referral with no further action (closeWithNoFurtherAction).
            "ReferralNFA": closed is not None and bool(episode.get("noFurtherAction")),
            "ChildProtectionPlans": _protection_plans(record, episode_id, spec, year) or None,
        },
    )


def _closed_on(episode: dict[str, Any], year: CollectionYear) -> date | None:
    """The episode's closure day as known on the reference day (a closure awaiting its
    manager has none yet: the engine writes it when the closure is authorised)."""
    return _known(episode.get("closureDate"), year)


def child_element(
    record: ChildInNeedRecord, spec: CensusSpecification, year: CollectionYear
) -> ET.Element | None:
    """The child's `Child` element, or None when no episode of need touches the year."""
    episodes = [
        e
        for e in record.episodes
        if e.get("referralDate") and _touches(e["referralDate"], _closed_on(e, year), year)
    ]
    if not episodes:
        return None
    return block(
        "Child",
        spec.child,
        {
            "ChildIdentifiers": _identifiers(record, spec, year),
            "ChildCharacteristics": _characteristics(record, spec, year),
            "CINdetails": [_episode(record, e, spec, year) for e in episodes],
        },
    )


def header_element(
    spec: CensusSpecification, year: CollectionYear, la_number: str, made_at: datetime
) -> ET.Element:
    return block(
        "Header",
        spec.header,
        {
            "CollectionDetails": block(
                "CollectionDetails",
                spec.collection,
                {"Collection": "CIN", "Year": year.end_year, "ReferenceDate": year.end},
            ),
            "Source": block(
                "Source",
                spec.source,
                {
                    "SourceLevel": "L",
                    "LEA": la_number,
                    "SoftwareCode": "LCS-HUB",
                    "Release": "1",
                    "SerialNo": "001",
                    "DateTime": made_at,
                },
            ),
        },
    )


def to_text(element: ET.Element, level: int) -> str:
    """The element as indented XML text at `level` (two spaces a level)."""
    ET.indent(element, space="  ", level=level)
    return "  " * level + ET.tostring(element, encoding="unicode") + "\n"
