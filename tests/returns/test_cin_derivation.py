"""The CIN census derivation on hand-made records of the remodelled episode of need: what
a year's message holds, as the record stood on 31 March."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

from returns.cin_census import SPEC_2025, ChildInNeedRecord, child_element
from returns.years import CollectionYear

YEAR = CollectionYear(2026)


def day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def episode(referred: str, *, closed: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": "e1",
        "referralDate": day(referred),
        "source": "1A",
        "primaryNeed": "N1",
        "status": "CLOSED" if closed else "ACCEPTED",
        "closureDate": day(closed),
        "closureReason": "RC1" if closed else None,
        **extra,
    }


def in_episode(process: str, record_id: str, **fields: Any) -> dict[str, Any]:
    dates = {k: day(v) if k.endswith(("Date", "Target")) else v for k, v in fields.items()}
    return {"id": record_id, "process": process, "episodeId": "e1", **dates}


def census(
    records: list[dict[str, Any]],
    *,
    episodes: list[dict[str, Any]] | None = None,
    reviews: list[dict[str, Any]] | None = None,
    facts: list[dict[str, Any]] | None = None,
) -> ET.Element | None:
    child = ChildInNeedRecord.from_row(
        {
            "child": {"id": "C1", "sex": "F", "dateOfBirth": date(2015, 6, 1), "upn": "X"},
            "episodes": episodes or [episode("2025-05-06")],
            "records": records,
            "reviews": reviews or [],
            "facts": facts or [],
        }
    )
    return child_element(child, SPEC_2025, YEAR)


def details(records: list[dict[str, Any]], **kwargs: Any) -> ET.Element:
    child = census(records, **kwargs)
    assert child is not None
    found = child.find("CINdetails")
    assert found is not None
    return found


def test_an_assessment_awaiting_authorisation_is_returned_with_its_start_only() -> None:
    # As the graph holds it: the completion waits on the record for the manager.
    found = details(
        [
            in_episode(
                "ASSESSMENT",
                "a1",
                status="AWAITING_AUTHORISATION",
                startDate="2025-05-06",
                pendingAction="completeAssessment",
            )
        ]
    )
    assessment = found.find("Assessments")
    assert assessment is not None
    assert [(e.tag, e.text) for e in assessment] == [("AssessmentActualStartDate", "2025-05-06")]


def test_an_assessment_is_authorised_on_the_managers_day_and_not_after_31_march() -> None:
    authorised = in_episode(
        "ASSESSMENT",
        "a1",
        status="AUTHORISED",
        startDate="2025-05-06",
        completedDate="2025-06-01",
        authorisedDate="2025-06-04",
        factors=["16A", "17A"],
    )
    found = details([authorised])
    assert found.findtext("Assessments/AssessmentAuthorisationDate") == "2025-06-04"
    assert [f.text for f in found.iter("AssessmentFactors")] == ["16A", "17A"]
    later = details([{**authorised, "authorisedDate": date(2026, 4, 2)}])
    assert later.find("Assessments/AssessmentAuthorisationDate") is None
    assert later.find("Assessments/FactorsIdentifiedAtAssessment") is None
    # Rule 8696: authorised before the year, it belongs to an earlier census.
    earlier = details(
        [{**authorised, "startDate": date(2025, 1, 6), "authorisedDate": date(2025, 3, 20)}],
        episodes=[episode("2025-01-06")],
    )
    assert earlier.find("Assessments") is None


def test_an_enquiry_waiting_for_its_conference_and_one_needing_none() -> None:
    waiting = in_episode(
        "SECTION_47_ENQUIRY",
        "s1",
        status="CONFERENCE_REQUESTED",
        startDate="2026-03-10",
        conferenceTarget="2026-03-31",
        endDate="2026-03-20",
        conferenceRequired=True,
    )
    conference = in_episode(
        "INITIAL_CONFERENCE",
        "i1",
        status="PLAN_MADE",
        transferIn=False,
        section47EnquiryId="s1",
        dueDate="2026-03-31",
        heldDate="2026-04-02",
    )
    found = details([waiting, conference])
    block = found.find("Section47")
    assert block is not None
    # The conference on 2 April had not happened on the reference day.
    assert [(e.tag, e.text) for e in block] == [
        ("S47ActualStartDate", "2026-03-10"),
        ("InitialCPCtarget", "2026-03-31"),
        ("ICPCnotRequired", "false"),
    ]
    none_needed = {
        **waiting,
        "status": "NO_CONFERENCE_NEEDED",
        "conferenceRequired": False,
    }
    assert details([none_needed]).findtext("Section47/ICPCnotRequired") == "true"
    # An enquiry whose conference was held before the year is not this year's.
    old = details(
        [
            {**waiting, "startDate": date(2025, 2, 3), "endDate": date(2025, 2, 10)},
            {**conference, "heldDate": date(2025, 2, 14)},
        ],
        episodes=[episode("2025-02-03")],
    )
    assert old.find("Section47") is None


def test_a_transfer_in_conference_is_dated_in_the_episode_only_in_its_year() -> None:
    conference = in_episode(
        "INITIAL_CONFERENCE", "i1", status="PLAN_MADE", transferIn=True, heldDate="2025-06-16"
    )
    plan = in_episode(
        "CHILD_PROTECTION_PLAN",
        "p1",
        status="ACTIVE",
        startDate="2025-06-16",
        transferIn=True,
        initialCategories=["NEG", "PHY"],
        latestCategories=["NEG"],
    )
    reviews = [
        {"planId": "p1", "heldDate": date(2025, 9, 1)},
        {"planId": "p1", "heldDate": date(2026, 4, 1)},
    ]
    found = details([conference, plan], reviews=reviews)
    assert found.findtext("DateOfInitialCPC") == "2025-06-16"
    assert found.find("Section47") is None
    cp = found.find("ChildProtectionPlans")
    assert cp is not None
    assert (cp.findtext("InitialCategoryOfAbuse"), cp.findtext("LatestCategoryOfAbuse")) == (
        "MUL",
        "NEG",
    )
    assert [r.text for r in cp.iter("CPPreviewDate")] == ["2025-09-01"]
    earlier = details(
        [{**conference, "heldDate": date(2025, 3, 3)}, {**plan, "startDate": date(2025, 3, 3)}],
        episodes=[episode("2025-03-03")],
    )
    assert earlier.find("DateOfInitialCPC") is None
    assert earlier.findtext("ChildProtectionPlans/CPPstartDate") == "2025-03-03"


def test_referral_nfa_only_for_an_episode_closed_with_no_further_action() -> None:
    nfa = details([], episodes=[episode("2025-10-06", closed="2025-10-07", noFurtherAction=True)])
    assert (nfa.findtext("CINclosureDate"), nfa.findtext("ReferralNFA")) == (
        "2025-10-07",
        "true",
    )
    proposed = details(
        [],
        episodes=[{**episode("2025-10-06"), "status": "NO_FURTHER_ACTION_AWAITING_AUTHORISATION"}],
    )
    # Not yet authorised: the episode is open, and not an NFA referral.
    assert (proposed.find("CINclosureDate"), proposed.findtext("ReferralNFA")) == (None, "false")
    closed = details([], episodes=[episode("2025-10-06", closed="2025-12-01")])
    assert closed.findtext("ReferralNFA") == "false"


def test_a_child_in_need_plan_ended_before_the_year_is_left_out() -> None:
    plans = [
        in_episode(
            "CHILD_IN_NEED_PLAN", "c1", status="ENDED", startDate="2025-01-06", endDate="2025-03-28"
        ),
        in_episode(
            "CHILD_IN_NEED_PLAN", "c2", status="ENDED", startDate="2025-03-31", endDate="2026-04-20"
        ),
    ]
    found = details(plans, episodes=[episode("2025-01-06")])
    assert [
        (p.findtext("CINPlanStartDate"), p.findtext("CINPlanEndDate"))
        for p in found.iter("CINPlanDates")
    ] == [("2025-03-31", None)]


def test_no_episode_in_the_year_no_child() -> None:
    assert census([], episodes=[episode("2024-05-06", closed="2025-03-01")]) is None


def test_previous_plans_count_the_childs_earlier_plans_here_and_those_elsewhere() -> None:
    def plan(record_id: str, episode_id: str, started: str, ended: str | None) -> dict[str, Any]:
        return {
            **in_episode("CHILD_PROTECTION_PLAN", record_id, startDate=started, endDate=ended),
            "episodeId": episode_id,
            "status": "ENDED" if ended else "ACTIVE",
            "initialCategories": ["NEG"],
            "latestCategories": ["NEG"],
        }

    # A plan in an episode closed in 2024, then in this year's episode a plan that ended
    # at a review and a second plan after new concerns.
    earlier = {**episode("2023-09-04", closed="2024-07-01"), "id": "e0"}
    plans = [
        plan("p0", "e0", "2023-10-02", "2024-06-28"),
        plan("p1", "e1", "2025-05-19", "2025-09-15"),
        plan("p2", "e1", "2025-12-08", None),
    ]

    def previous(facts: list[dict[str, Any]] | None = None) -> list[tuple[str, str]]:
        child = census(plans, episodes=[earlier, episode("2025-05-06")], facts=facts)
        assert child is not None
        return [
            (p.findtext("CPPstartDate") or "", p.findtext("NumberOfPreviousCPP") or "")
            for p in child.iter("ChildProtectionPlans")
        ]

    assert previous() == [("2025-05-19", "1"), ("2025-12-08", "2")]
    # Two plans in another authority before the child moved here.
    elsewhere = {"kind": "PREVIOUS_CHILD_PROTECTION_PLANS", "on": date(2023, 9, 4)}
    assert previous([{**elsewhere, "numberOfPlans": 2}]) == [
        ("2025-05-19", "3"),
        ("2025-12-08", "4"),
    ]
