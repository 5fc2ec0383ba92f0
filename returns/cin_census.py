"""The CIN census: one XML message for a collection year, every child with an episode of
need open in it, in the DfE's element order.

The specification is data (`SPECIFICATIONS`): each block's elements in the XSD's order.
A new year's specification is a new entry; the derivation below only says what each
element holds. The message is written a child at a time (ElementTree per child, no whole
document in memory).

Derivation rules (research/statutory.md §4a; DfE CIN census guide 2025-26):
- an episode belongs to the year when referred by 31 March and not closed before 1 April;
- an assessment is returned unless it was authorised before 1 April (rule 8696); its
  factors only once authorised; an authorisation after 31 March was not known then (the
  authorisation's day is the completion's: see `_authorised_on`);
- plans, enquiries and reviews are returned when they touch the year;
- the ICPC goes in its Section47 block only (rule 2884); the CP plan's categories are
  its single category, or MUL for several;
- ReferralNFA is true for a referral closed with nothing done after it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from returns.years import CollectionYear
from workflow.facts import FactKind
from workflow.journey.effects import StepKind, StepStatus
from workflow.process import CaseState

Values = dict[str, Any]
_AWAITING = CaseState.ASSESSMENT_AWAITING_AUTHORISATION.value


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
    """One child's record as the census needs it (a row of `CHILDREN_IN_NEED_PAGE`)."""

    child: dict[str, Any]
    episodes: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    facts: list[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ChildInNeedRecord:
        return cls(
            child=row["child"],
            episodes=sorted(row["episodes"], key=lambda e: e["referralDate"]),
            steps=[s for s in row["steps"] if s.get("status") != StepStatus.CANCELLED],
            facts=sorted(row["facts"], key=lambda f: (f["on"], f.get("recordedAt") or 0)),
        )

    def steps_of(self, episode_id: str, kind: StepKind) -> list[dict[str, Any]]:
        found = [s for s in self.steps if s["episodeId"] == episode_id and s["kind"] == kind]
        return sorted(found, key=lambda s: s.get("startDate") or s.get("dueDate") or date.min)

    def latest_fact(self, kind: FactKind, known_by: date) -> dict[str, Any] | None:
        found = [f for f in self.facts if f["kind"] == kind.value and f["on"] <= known_by]
        return found[-1] if found else None


def _known(value: date | None, year: CollectionYear) -> date | None:
    """A date as known on the reference day: a later one had not happened yet."""
    return value if value is not None and value <= year.end else None


def _identifiers(
    record: ChildInNeedRecord, spec: CensusSpecification, year: CollectionYear
) -> ET.Element:
    child = record.child
    unknown = None if child.get("upn") else record.latest_fact(FactKind.UPN_UNKNOWN, year.end)
    unborn = bool(child.get("unborn"))
    return block(
        "ChildIdentifiers",
        spec.identifiers,
        {
            "LAchildID": child["id"],
            "UPN": child.get("upn") or None,
            "UPNunknown": unknown["reason"] if unknown else None,
            "PersonBirthDate": None if unborn else child.get("dateOfBirth"),
            "ExpectedPersonBirthDate": child.get("expectedDateOfBirth") if unborn else None,
            "Sex": child.get("sex") or "U",
        },
    )


def _characteristics(
    record: ChildInNeedRecord, spec: CensusSpecification, year: CollectionYear
) -> ET.Element:
    disabilities = record.latest_fact(FactKind.DISABILITIES, year.end)
    return block(
        "ChildCharacteristics",
        spec.characteristics,
        {
            # NOBT, "information not yet obtained": what the DfE asks for an unborn child.
            "Ethnicity": record.child.get("ethnicity")
            or ("NOBT" if record.child.get("unborn") else None),
            "Disabilities": (
                repeated("Disabilities", "Disability", list(disabilities["disabilities"]))
                if disabilities
                else None
            ),
        },
    )


def _authorised_on(step: dict[str, Any], episode_status: str | None) -> date | None:
    """The day an authorised assessment was concluded. Main stamps `authorisedDate` with
    the day the completion was recorded, which for a record made after the event is not
    the day it happened; the completion date is, and a manager's authorisation settles
    it (an assessment awaiting authorisation is not returned as authorised)."""
    if step.get("status") != StepStatus.DONE or episode_status == _AWAITING:
        return None
    completed = step.get("completedDate")
    return completed if isinstance(completed, date) else None


def _assessments(
    record: ChildInNeedRecord,
    episode_id: str,
    episode_status: str | None,
    spec: CensusSpecification,
    year: CollectionYear,
) -> list[ET.Element]:
    found = []
    for step in record.steps_of(episode_id, StepKind.ASSESSMENT):
        started = _known(step.get("startDate"), year)
        if started is None:
            continue
        authorised = _known(_authorised_on(step, episode_status), year)
        # Rule 8696: an assessment authorised before the year belongs to an earlier census.
        if authorised is not None and authorised < year.start:
            continue
        factors = list(step.get("factors") or []) if authorised else []
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
                "CINPlanStartDate": step["startDate"],
                "CINPlanEndDate": _known(step.get("completedDate"), year),
            },
        )
        for step in record.steps_of(episode_id, StepKind.CHILD_IN_NEED_PLAN)
        if _touches(step.get("startDate"), step.get("completedDate"), year)
    ]


def _enquiries(
    record: ChildInNeedRecord, episode_id: str, spec: CensusSpecification, year: CollectionYear
) -> list[ET.Element]:
    conferences = record.steps_of(episode_id, StepKind.INITIAL_CHILD_PROTECTION_CONFERENCE)
    found = []
    for step in record.steps_of(episode_id, StepKind.SECTION_47_ENQUIRY):
        started = step.get("startDate")
        # The conference the enquiry led to: the first one due after it began.
        conference = next(
            (c for c in conferences if c.get("dueDate") and started and c["dueDate"] >= started),
            None,
        )
        held = _known(conference.get("completedDate"), year) if conference else None
        concluded = _known(step.get("completedDate"), year)
        if not _touches(started, held or concluded, year):
            continue
        not_required = concluded is not None and step.get("outcome") == "NO_CONFERENCE"
        found.append(
            block(
                "Section47",
                spec.section47,
                {
                    "S47ActualStartDate": started,
                    "InitialCPCtarget": conference.get("dueDate") if conference else None,
                    "DateOfInitialCPC": held,
                    "ICPCnotRequired": not_required,
                },
            )
        )
    return found


def _category(codes: list[str] | None) -> str | None:
    if not codes:
        return None
    return codes[0] if len(codes) == 1 else "MUL"


def _protection_plans(
    record: ChildInNeedRecord, episode_id: str, spec: CensusSpecification, year: CollectionYear
) -> list[ET.Element]:
    previous = record.latest_fact(FactKind.PREVIOUS_CHILD_PROTECTION_PLANS, year.end)
    reviews = [
        s["completedDate"]
        for s in record.steps_of(episode_id, StepKind.CHILD_PROTECTION_REVIEW)
        if s.get("status") == StepStatus.DONE and s.get("completedDate")
    ]
    found = []
    for step in record.steps_of(episode_id, StepKind.CHILD_PROTECTION_PLAN):
        start, end = step.get("startDate"), _known(step.get("completedDate"), year)
        if not _touches(start, end, year):
            continue
        held = [d for d in reviews if start <= d <= (end or year.end) and d >= year.start]
        found.append(
            block(
                "ChildProtectionPlans",
                spec.protection_plan,
                {
                    "CPPstartDate": start,
                    "CPPendDate": end,
                    "InitialCategoryOfAbuse": _category(step.get("initialCategories")),
                    "LatestCategoryOfAbuse": _category(step.get("latestCategories")),
                    "NumberOfPreviousCPP": previous["numberOfPlans"] if previous else 0,
                    "Reviews": [repeated("Reviews", "CPPreviewDate", [d.isoformat()]) for d in held]
                    or None,
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
    closed = _known(episode.get("closureDate"), year)
    assessments = _assessments(record, episode["id"], episode.get("status"), spec, year)
    plans = _plans(record, episode["id"], spec, year)
    enquiries = _enquiries(record, episode["id"], spec, year)
    protection = _protection_plans(record, episode["id"], spec, year)
    worked = [s for s in record.steps if s["episodeId"] == episode["id"] and s.get("startDate")]
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
            "Assessments": assessments or None,
            "CINPlanDates": plans or None,
            "Section47": enquiries or None,
            # A referral closed with nothing begun after it needed no further action.
            "ReferralNFA": closed is not None and not worked,
            "ChildProtectionPlans": protection or None,
        },
    )


def child_element(
    record: ChildInNeedRecord, spec: CensusSpecification, year: CollectionYear
) -> ET.Element | None:
    """The child's `Child` element, or None when no episode of need touches the year."""
    episodes = [
        e
        for e in record.episodes
        if e.get("referralDate") and _touches(e["referralDate"], e.get("closureDate"), year)
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
