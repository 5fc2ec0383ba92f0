"""The scenario county: a year of casework (2025-26) of some fifty children, each told the
way a practitioner would tell it and played through the GraphQL API only, with the dates
things happened (tests/e2e/scenarios/driver.py).

Every journey of ../shared/research/statutory.md is here: the CIN and child protection
side (NFA at referral, concurrent section 47 enquiry and assessment, transfer-in
conferences, a pre-birth plan and an unborn child born in the year), the looked-after
side (placement and legal status changes, temporary placements, missing episodes, a
second period of care, UASC and its end, care leavers aged 17 to 21 with their birthday
contacts, an adoption decision reversed and an adoption), and reallocations of the
allocated social worker.

Each scenario says which of the four as-at categories its child is in on the mid-year
date and at the year end: E an open episode of need, P a child protection plan, N a child
in need plan, L looked after. A record that ends on a date no longer counts on that date
(the DfE's 31 March). `play_all` builds the whole county into a store, so the statutory
returns can be built from it and checked against the same expectations.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import httpx

from tests.e2e.scenarios.driver import Child, staff_the_county
from tests.returns.journeys import hertfordshire_upn

if TYPE_CHECKING:
    from graph import GraphStore
    from hub.settings import Settings

YEAR_END = date(2026, 3, 31)
MID_YEAR = date(2025, 9, 30)
D = date
RC7 = "RC7_SERVICES_CEASED_FOR_ANY_OTHER_REASON"


async def nfa_at_referral(c: Child) -> None:
    await (await c.referred(D(2025, 6, 2), "POLICE")).no_further_action(D(2025, 6, 3))


async def closed_before_assessment(c: Child) -> None:
    await (await c.referred(D(2025, 8, 4))).closed(
        D(2025, 8, 11), "RC5_TRANSFERRED_TO_ANOTHER_LOCAL_AUTHORITY"
    )


async def assessed_then_closed_nfa(c: Child) -> None:
    await c.referred(D(2025, 7, 1))
    await c.accepted(D(2025, 7, 2))
    await c.assessment_started(D(2025, 7, 2))
    await c.assessment_authorised(D(2025, 8, 20), D(2025, 8, 22), ("NO_FACTORS_IDENTIFIED",))
    await c.closed(D(2025, 8, 22), "RC8_CLOSED_AFTER_ASSESSMENT_NO_FURTHER_ACTION")


async def child_in_need_at_year_end(c: Child) -> None:
    await c.referred(D(2025, 7, 7))
    await c.accepted(D(2025, 7, 8), "N4_FAMILY_IN_ACUTE_STRESS")
    await c.assessment_started(D(2025, 7, 9))
    await c.assessment_authorised(D(2025, 8, 29), D(2025, 9, 1))
    await c.child_in_need_plan(D(2025, 9, 8))
    await c.visited(D(2025, 10, 13), "childInNeedPlans")
    await c.child_in_need_plan_reviewed(D(2025, 12, 8))


async def child_in_need_closed_in_year(c: Child) -> None:
    await c.referred(D(2025, 5, 6))
    await c.accepted(D(2025, 5, 7))
    await c.assessment_started(D(2025, 5, 7))
    await c.assessment_authorised(D(2025, 6, 20), D(2025, 6, 23))
    await c.child_in_need_plan(D(2025, 6, 30))
    await c.closed(D(2026, 1, 16), RC7, D(2026, 1, 19))


async def referred_last_year_still_open(c: Child) -> None:
    await c.referred(D(2025, 2, 3))
    await c.accepted(D(2025, 2, 4))
    await c.assessment_started(D(2025, 2, 4))
    await c.assessment_authorised(D(2025, 3, 14), D(2025, 3, 17))
    await c.child_in_need_plan(D(2025, 3, 24))


async def concurrent_enquiry_and_assessment(c: Child) -> None:
    # The strategy discussion, the enquiry and the assessment on the day of referral; the
    # conference before the assessment is authorised.
    await c.referred(D(2025, 10, 6), "POLICE")
    await c.strategy_discussion(D(2025, 10, 6))
    await c.assessment_started(D(2025, 10, 6))
    await c.accepted(D(2025, 10, 6))
    await c.enquiry_concluded(D(2025, 10, 14), conference=True)
    await c.conference(D(2025, 10, 24), "PHY_PHYSICAL_ABUSE")
    # Working Together 2023: the first core group within 10 working days of the ICPC.
    await c.core_group(D(2025, 11, 6))
    await c.visited(D(2025, 11, 7))
    await c.assessment_authorised(D(2025, 11, 28), D(2025, 12, 1))
    await c.review_conference(D(2026, 1, 23))


async def child_in_need_plan_ended_by_protection_plan(c: Child) -> None:
    await c.referred(D(2025, 4, 14))
    await c.accepted(D(2025, 4, 15))
    await c.assessment_started(D(2025, 4, 15))
    await c.assessment_authorised(D(2025, 5, 30), D(2025, 6, 2))
    await c.child_in_need_plan(D(2025, 6, 9))
    await c.strategy_discussion(D(2025, 11, 3))
    await c.enquiry_concluded(D(2025, 11, 10), conference=True)
    await c.conference(D(2025, 11, 17), "NEG_NEGLECT")


async def transfer_in_on_a_plan(c: Child) -> None:
    await c.referred(D(2026, 2, 2), "LOCAL_AUTHORITY_EXTERNAL")
    await c.accepted(D(2026, 2, 3))
    await c.transfer_in_conference(D(2026, 2, 16), "EMO_EMOTIONAL_ABUSE")


async def protection_plan_stepped_down_in_year(c: Child) -> None:
    await c.referred(D(2025, 5, 12))
    await c.accepted(D(2025, 5, 13))
    await c.strategy_discussion(D(2025, 5, 13))
    await c.assessment_started(D(2025, 5, 13))
    await c.enquiry_concluded(D(2025, 5, 20), conference=True)
    await c.conference(D(2025, 6, 2), "NEG_NEGLECT")
    await c.assessment_authorised(D(2025, 7, 4), D(2025, 7, 7))
    await c.review_conference(D(2025, 8, 29))
    await c.protection_plan_ended(D(2026, 2, 27))
    await c.child_in_need_plan(D(2026, 2, 27))


async def protection_plan_ended_on_the_year_end(c: Child) -> None:
    await c.referred(D(2025, 9, 1))
    await c.accepted(D(2025, 9, 2))
    await c.strategy_discussion(D(2025, 9, 2))
    await c.assessment_started(D(2025, 9, 2))
    await c.enquiry_concluded(D(2025, 9, 9), conference=True)
    await c.conference(D(2025, 9, 19), "SAB_SEXUAL_ABUSE")
    await c.assessment_authorised(D(2025, 10, 24), D(2025, 10, 27))
    await c.review_conference(D(2025, 12, 12))
    await c.protection_plan_ended(D(2026, 3, 31))


async def enquiry_without_conference(c: Child) -> None:
    await c.referred(D(2026, 1, 12), "SCHOOLS")
    await c.accepted(D(2026, 1, 13))
    await c.strategy_discussion(D(2026, 1, 13))
    await c.assessment_started(D(2026, 1, 13))
    await c.enquiry_concluded(D(2026, 1, 21), conference=False)
    await c.assessment_authorised(D(2026, 3, 6), D(2026, 3, 9))


async def conference_without_a_plan_then_closed(c: Child) -> None:
    await c.referred(D(2025, 6, 9))
    await c.accepted(D(2025, 6, 10))
    await c.strategy_discussion(D(2025, 6, 10))
    await c.assessment_started(D(2025, 6, 10))
    await c.enquiry_concluded(D(2025, 6, 17), conference=True)
    await c.conference(D(2025, 6, 27))
    await c.assessment_authorised(D(2025, 7, 1), D(2025, 7, 2))
    await c.closed(D(2025, 7, 4), RC7)


async def protection_plan_ends_when_looked_after(c: Child) -> None:
    await c.referred(D(2025, 8, 18))
    await c.accepted(D(2025, 8, 19))
    await c.strategy_discussion(D(2025, 8, 19))
    await c.assessment_started(D(2025, 8, 19))
    await c.enquiry_concluded(D(2025, 8, 26), conference=True)
    await c.conference(D(2025, 9, 5), "NEG_NEGLECT")
    await c.assessment_authorised(D(2025, 10, 10), D(2025, 10, 13))
    await c.looked_after(D(2025, 12, 8))
    # The plan ends by itself the day the child becomes looked after.
    plan = (await c.refreshed())["childProtectionPlans"][-1]
    assert (plan["status"], plan["endDate"], plan["endReason"]) == (
        "ENDED",
        "2025-12-08",
        "BECAME_LOOKED_AFTER",
    )
    assert not [step for step in plan["steps"] if step["status"] == "OPEN"]


async def looked_after_and_home_again(c: Child) -> None:
    await c.referred(D(2025, 4, 7))
    await c.accepted(D(2025, 4, 8))
    await c.looked_after(D(2025, 4, 9), "V2_SINGLE_PERIOD_OF_ACCOMMODATION")
    await c.care_ceased(D(2026, 2, 13))
    await c.closed(D(2026, 2, 20), RC7)


async def referred_after_the_year_end(c: Child) -> None:
    await c.referred(D(2026, 4, 13))
    await c.accepted(D(2026, 4, 14))


async def second_episode_in_the_year(c: Child) -> None:
    await (await c.referred(D(2025, 4, 22))).no_further_action(D(2025, 4, 23))
    await c.referred(D(2025, 11, 24), "HEALTH_VISITOR")
    await c.accepted(D(2025, 11, 25))
    await c.assessment_started(D(2025, 11, 25))
    await c.assessment_authorised(D(2026, 1, 16), D(2026, 1, 19))


async def unborn_child_on_a_pre_birth_plan(c: Child) -> None:
    await c.referred(D(2026, 1, 5), "OTHER_HEALTH_SERVICES")
    await c.accepted(D(2026, 1, 6))
    await c.strategy_discussion(D(2026, 1, 6))
    await c.assessment_started(D(2026, 1, 6))
    await c.enquiry_concluded(D(2026, 1, 13), conference=True)
    await c.conference(D(2026, 1, 26), "NEG_NEGLECT")
    await c.assessment_authorised(D(2026, 2, 27), D(2026, 3, 2))


async def second_protection_plan_after_the_first_ended(c: Child) -> None:
    await c.referred(D(2025, 4, 1))
    await c.accepted(D(2025, 4, 2))
    await c.strategy_discussion(D(2025, 4, 2))
    await c.assessment_started(D(2025, 4, 2))
    await c.enquiry_concluded(D(2025, 4, 9), conference=True)
    await c.conference(D(2025, 4, 22), "PHY_PHYSICAL_ABUSE")
    await c.assessment_authorised(D(2025, 5, 30), D(2025, 6, 2))
    await c.protection_plan_ended(D(2025, 7, 18))
    await c.strategy_discussion(D(2026, 1, 7))
    await c.assessment_started(D(2026, 1, 7))
    await c.enquiry_concluded(D(2026, 1, 14), conference=True)
    await c.conference(D(2026, 1, 27), "MUL_MULTIPLE")
    await c.assessment_authorised(D(2026, 3, 6), D(2026, 3, 9))


async def referral_awaiting_its_decision_at_year_end(c: Child) -> None:
    await c.referred(D(2026, 3, 30), "ANONYMOUS")
    await c.decision_proposed(D(2026, 3, 31))


async def child_in_need_plan_ended_episode_still_open(c: Child) -> None:
    await c.referred(D(2025, 6, 16))
    await c.accepted(D(2025, 6, 17))
    await c.assessment_started(D(2025, 6, 17))
    await c.assessment_authorised(D(2025, 7, 25), D(2025, 7, 28))
    await c.child_in_need_plan(D(2025, 8, 4))
    await c.child_in_need_plan_ended(D(2026, 3, 2))


async def transfer_in_without_a_plan(c: Child) -> None:
    await c.referred(D(2025, 11, 3), "LOCAL_AUTHORITY_EXTERNAL")
    await c.accepted(D(2025, 11, 4))
    await c.transfer_in_conference(D(2025, 11, 17))


async def closed_before_year_end_authorised_after(c: Child) -> None:
    # The closure happened on 20 March; the manager agreed on 3 April, after the year
    # end: the episode was closed at 31 March (the date it happened decides).
    await c.referred(D(2025, 10, 20))
    await c.accepted(D(2025, 10, 21))
    await c.assessment_started(D(2025, 10, 21))
    await c.assessment_authorised(D(2025, 12, 10), D(2025, 12, 12))
    await c.closed(
        D(2026, 3, 20), "RC9_CLOSED_AFTER_ASSESSMENT_REFERRED_TO_EARLY_HELP", D(2026, 4, 3)
    )


async def closure_proposed_but_not_agreed_at_year_end(c: Child) -> None:
    # Proposed, not authorised: the episode is still open; nothing is closed until a
    # manager agrees.
    await c.referred(D(2025, 9, 15))
    await c.accepted(D(2025, 9, 16))
    await c.assessment_started(D(2025, 9, 16))
    await c.assessment_authorised(D(2025, 11, 14), D(2025, 11, 17))
    await c.closure_proposed(D(2026, 3, 27), RC7)


async def closed_on_the_year_end(c: Child) -> None:
    await c.referred(D(2026, 1, 19))
    await c.accepted(D(2026, 1, 20))
    await c.assessment_started(D(2026, 1, 20))
    await c.assessment_returned(D(2026, 3, 13), D(2026, 3, 16))
    await c.assessment_authorised(
        D(2026, 3, 20), D(2026, 3, 23), ("ALCOHOL_MISUSE_PARENT_OR_CARER",)
    )
    await c.closed(D(2026, 3, 31), "RC8_CLOSED_AFTER_ASSESSMENT_NO_FURTHER_ACTION")


async def looked_after_from_an_open_episode(c: Child) -> None:
    await c.referred(D(2025, 5, 19), "POLICE")
    await c.accepted(D(2025, 5, 19))
    await c.strategy_discussion(D(2025, 5, 19))
    await c.assessment_started(D(2025, 5, 19))
    await c.enquiry_concluded(D(2025, 5, 23), conference=False)
    await c.looked_after(D(2025, 5, 23), "L1_POLICE_PROTECTION")
    # Police protection lasts 72 hours at most: an interim care order two days later.
    await c.legal_status_changed(D(2025, 5, 25), "C1_INTERIM_CARE_ORDER")
    await c.assessment_authorised(D(2025, 7, 11), D(2025, 7, 14))


async def assessment_still_open_at_year_end(c: Child) -> None:
    await c.referred(D(2026, 3, 9), "GENERAL_PRACTITIONER")
    await c.accepted(D(2026, 3, 10), "N3_PARENTAL_DISABILITY_OR_ILLNESS")
    await c.assessment_started(D(2026, 3, 11))


async def enquiry_and_conference_due_at_year_end(c: Child) -> None:
    await c.referred(D(2026, 3, 16), "POLICE")
    await c.strategy_discussion(D(2026, 3, 16))
    await c.assessment_started(D(2026, 3, 16))
    await c.accepted(D(2026, 3, 17))
    await c.enquiry_concluded(D(2026, 3, 24), conference=True)


async def protection_plan_across_the_whole_year(c: Child) -> None:
    await c.referred(D(2024, 11, 4))
    await c.accepted(D(2024, 11, 5))
    await c.strategy_discussion(D(2024, 11, 5))
    await c.assessment_started(D(2024, 11, 5))
    await c.enquiry_concluded(D(2024, 11, 12), conference=True)
    await c.conference(D(2024, 11, 25), "EMO_EMOTIONAL_ABUSE")
    await c.assessment_authorised(D(2024, 12, 20), D(2024, 12, 23))
    await c.review_conference(D(2025, 2, 21))
    await c.review_conference(D(2025, 8, 15), "EMO_EMOTIONAL_ABUSE", "NEG_NEGLECT")
    await c.core_group(D(2025, 9, 12))
    await c.visited(D(2025, 9, 26))
    await c.review_conference(D(2026, 2, 13), "MUL_MULTIPLE")
    plan = c.case["childProtectionPlans"][-1]
    assert (plan["initialCategoriesOfAbuse"], plan["latestCategoriesOfAbuse"]) == (
        ["EMO_EMOTIONAL_ABUSE"],
        ["MUL_MULTIPLE"],
    )


async def child_in_need_plan_the_day_after_protection_ends(c: Child) -> None:
    await c.referred(D(2025, 7, 14))
    await c.accepted(D(2025, 7, 15))
    await c.strategy_discussion(D(2025, 7, 15))
    await c.assessment_started(D(2025, 7, 15))
    await c.enquiry_concluded(D(2025, 7, 22), conference=True)
    await c.conference(D(2025, 8, 1), "NEG_NEGLECT")
    await c.assessment_authorised(D(2025, 9, 5), D(2025, 9, 8))
    await c.protection_plan_ended(D(2025, 9, 30))
    await c.child_in_need_plan(D(2025, 10, 1))


async def closed_and_referred_again_the_same_year(c: Child) -> None:
    await c.referred(D(2025, 5, 27))
    await c.accepted(D(2025, 5, 28))
    await c.assessment_started(D(2025, 5, 28))
    await c.assessment_authorised(D(2025, 7, 4), D(2025, 7, 7))
    await c.child_in_need_plan(D(2025, 7, 14))
    await c.closed(D(2025, 9, 1), "RC3_CHILD_ARRANGEMENTS_ORDER")
    await c.referred(D(2026, 2, 9), "HOUSING")
    await c.accepted(D(2026, 2, 10))
    await c.child_in_need_plan(D(2026, 3, 2))


# Looked after: the SSDA903 side of the year.


async def placements_and_legal_status_change(c: Child) -> None:
    # An interim care order, a move to a long-term foster carer, the full care order, then
    # a children's home (Ofsted URN and postcode) after the carer asked for an end.
    await c.referred(D(2025, 4, 28), "SCHOOLS")
    await c.accepted(D(2025, 4, 28))
    await c.strategy_discussion(D(2025, 4, 28))
    await c.assessment_started(D(2025, 4, 28))
    await c.enquiry_concluded(D(2025, 5, 2), conference=False)
    await c.looked_after_in(D(2025, 5, 2), "C1_INTERIM_CARE_ORDER", "U6_FOSTER_OTHER_CARER_OTHER")
    await c.statutory_visit(D(2025, 5, 8))
    await c.health_assessment(D(2025, 5, 20))
    await c.personal_education_plan(D(2025, 5, 27))
    await c.looked_after_review(D(2025, 5, 28), "PN1_ATTENDS_AND_SPEAKS")
    await c.assessment_authorised(D(2025, 6, 20), D(2025, 6, 23))
    await c.placement_changed(
        D(2025, 7, 14), "U4_FOSTER_OTHER_CARER_LONG_TERM", "PR4_PRIVATE", longTermPlacement=True
    )
    await c.legal_status_changed(D(2025, 10, 20), "C2_FULL_CARE_ORDER")
    await c.placement_changed(
        D(2026, 2, 9),
        "K2_CHILDRENS_HOME",
        "PR4_PRIVATE",
        "CREQB_CARER_REQUEST_CHILD_BEHAVIOUR",
        urn="SC483921",
        placementPostcode="SG1 2AB",
    )
    episodes = [s for s in c.care["steps"] if s["kind"] == "LOOKED_AFTER_EPISODE"]
    assert [
        (s["startDate"], s["legalStatus"], s["placementType"], s["reasonNewEpisode"])
        for s in episodes
    ] == [
        (
            "2025-05-02",
            "C1_INTERIM_CARE_ORDER",
            "U6_FOSTER_OTHER_CARER_OTHER",
            "S_STARTED_TO_BE_LOOKED_AFTER",
        ),
        (
            "2025-07-14",
            "C1_INTERIM_CARE_ORDER",
            "U4_FOSTER_OTHER_CARER_LONG_TERM",
            "P_PLACEMENT_AND_CARER_CHANGE",
        ),
        (
            "2025-10-20",
            "C2_FULL_CARE_ORDER",
            "U4_FOSTER_OTHER_CARER_LONG_TERM",
            "L_LEGAL_STATUS_CHANGE",
        ),
        ("2026-02-09", "C2_FULL_CARE_ORDER", "K2_CHILDRENS_HOME", "P_PLACEMENT_AND_CARER_CHANGE"),
    ]
    assert (episodes[-1]["urn"], episodes[-1]["placementPostcode"]) == ("SC483921", "SG1 2AB")


async def second_period_of_care(c: Child) -> None:
    # Accommodated under section 20, home in July; back in care on an interim order in
    # December: two periods of care in one year.
    await c.referred(D(2025, 4, 10), "POLICE")
    await c.accepted(D(2025, 4, 10), "N5_FAMILY_DYSFUNCTION")
    await c.looked_after_in(
        D(2025, 4, 11), "V2_SINGLE_PERIOD_OF_ACCOMMODATION", "U3_FOSTER_RELATIVE_OR_FRIEND_OTHER"
    )
    await c.left_care(D(2025, 7, 11), "E4A_RETURNED_HOME_AS_PLANNED")
    await c.assessment_started(D(2025, 7, 14))
    await c.assessment_authorised(D(2025, 8, 29), D(2025, 9, 1))
    await c.child_in_need_plan(D(2025, 9, 8))
    await c.child_in_need_plan_ended(D(2025, 12, 1))
    await c.looked_after_in(D(2025, 12, 1), "C1_INTERIM_CARE_ORDER", "U6_FOSTER_OTHER_CARER_OTHER")


async def temporary_placements(c: Child) -> None:
    # In hospital (T1) over the mid-year date, then a respite week with another carer (T4):
    # still looked after throughout, back with the foster carer after each.
    await c.referred(D(2025, 5, 5), "ACCIDENT_AND_EMERGENCY")
    await c.accepted(D(2025, 5, 5))
    await c.looked_after_in(D(2025, 5, 6), "C1_INTERIM_CARE_ORDER", "U6_FOSTER_OTHER_CARER_OTHER")
    await c.placement_changed(
        D(2025, 9, 26), "T1_TEMPORARY_HOSPITAL", "PR3_OTHER_PUBLIC", "OTHER_REASON"
    )
    await c.placement_changed(D(2025, 10, 10), "U6_FOSTER_OTHER_CARER_OTHER", sameCarer=True)
    await c.placement_changed(
        D(2026, 1, 19), "T4_TEMPORARY_SEVEN_DAYS_OR_LESS", reason="OTHER_REASON"
    )
    await c.placement_changed(D(2026, 1, 24), "U6_FOSTER_OTHER_CARER_OTHER", sameCarer=True)
    placements = [
        s["placementType"] for s in c.care["steps"] if s["kind"] == "LOOKED_AFTER_EPISODE"
    ]
    assert placements == [
        "U6_FOSTER_OTHER_CARER_OTHER",
        "T1_TEMPORARY_HOSPITAL",
        "U6_FOSTER_OTHER_CARER_OTHER",
        "T4_TEMPORARY_SEVEN_DAYS_OR_LESS",
        "U6_FOSTER_OTHER_CARER_OTHER",
    ]


async def missing_at_the_year_end(c: Child) -> None:
    # Away overnight in August; missing since 28 March and still missing on 31 March.
    await c.referred(D(2025, 6, 23), "POLICE")
    await c.accepted(D(2025, 6, 23), "N6_SOCIALLY_UNACCEPTABLE_BEHAVIOUR")
    await c.looked_after_in(
        D(2025, 6, 24),
        "V2_SINGLE_PERIOD_OF_ACCOMMODATION",
        "K2_CHILDRENS_HOME",
        "PR4_PRIVATE",
        urn="SC771204",
    )
    await c.went_missing(D(2025, 8, 9), D(2025, 8, 10), "A_AWAY")
    await c.went_missing(D(2026, 3, 28))
    episodes = [s for s in c.care["steps"] if s["kind"] == "MISSING_EPISODE"]
    assert [
        (s["missingType"], s["status"], s["startDate"], s["completedDate"]) for s in episodes
    ] == [
        ("A_AWAY", "DONE", "2025-08-09", "2025-08-10"),
        ("M_MISSING", "OPEN", "2026-03-28", None),
    ]


async def missing_and_the_return_recorded_later(c: Child) -> None:
    await c.referred(D(2025, 3, 3), "SCHOOLS")
    await c.accepted(D(2025, 3, 4))
    await c.looked_after_in(D(2025, 3, 4), "C2_FULL_CARE_ORDER", "U6_FOSTER_OTHER_CARER_OTHER")
    # Looked after for a year by 31 March: a strengths and difficulties questionnaire.
    await c.fact("recordSdq", score=14, on=D(2026, 2, 9))
    await c.went_missing(D(2025, 9, 27))
    # Found on 2 October: the return closes the same episode, it is not a second one.
    await c.went_missing(D(2025, 9, 27), D(2025, 10, 2))
    episodes = [s for s in c.care["steps"] if s["kind"] == "MISSING_EPISODE"]
    assert [(s["status"], s["startDate"], s["completedDate"]) for s in episodes] == [
        ("DONE", "2025-09-27", "2025-10-02")
    ]


async def unaccompanied_asylum_seeker_turns_18(c: Child) -> None:
    # Arrived at 17 in June, accommodated under section 20; UASC until the 18th birthday
    # (20 January 2026), when care ended and leaving-care services began.
    await c.referred(D(2025, 6, 16), "POLICE")
    await c.accepted(D(2025, 6, 16), "N8_ABSENT_PARENTING")
    await c.looked_after_in(
        D(2025, 6, 16),
        "V2_SINGLE_PERIOD_OF_ACCOMMODATION",
        "K3_REGISTERED_SUPPORTED_ACCOMMODATION",
        "PR4_PRIVATE",
        urn="2045781",
    )
    await c.fact("recordUascStatus", on=D(2025, 6, 16))
    await c.fact("recordUpnUnknown", reason="UN3_EDUCATED_OUTSIDE_ENGLAND", on=D(2025, 6, 16))
    await c.fact("recordUascStatus", on=D(2025, 6, 16), ceasedOn=D(2026, 1, 20))
    await c.left_care(D(2026, 1, 20), "E5_INDEPENDENT_LIVING_WITH_SUPPORT", care_leaver=True)
    await c.closed(D(2026, 1, 23), RC7)
    assert c.care["status"] == "CARE_LEAVER"


async def unaccompanied_asylum_seeker_still_in_care(c: Child) -> None:
    await c.referred(D(2025, 11, 10), "OTHER_LEGAL_AGENCY")
    await c.accepted(D(2025, 11, 10), "N8_ABSENT_PARENTING")
    await c.looked_after_in(
        D(2025, 11, 10), "V2_SINGLE_PERIOD_OF_ACCOMMODATION", "U6_FOSTER_OTHER_CARER_OTHER"
    )
    await c.fact("recordUascStatus", on=D(2025, 11, 10))
    await c.fact("recordUpnUnknown", reason="UN3_EDUCATED_OUTSIDE_ENGLAND", on=D(2025, 11, 10))


async def care_leaver_aged_17(c: Child) -> None:
    # Left care at 16 for supported lodgings (a relevant child); in touch at 17.
    await c.referred(D(2023, 1, 30), "SCHOOLS")
    await c.accepted(D(2023, 1, 31), "N5_FAMILY_DYSFUNCTION")
    await c.looked_after_in(D(2023, 2, 6), "C2_FULL_CARE_ORDER", "U6_FOSTER_OTHER_CARER_OTHER")
    # The 903 asks each year for the SDQ of a child in care a year (rules 186, 197B).
    await c.fact("recordSdq", score=12, on=D(2024, 10, 14))
    await c.left_care(D(2025, 7, 4), "E5_INDEPENDENT_LIVING_WITH_SUPPORT", care_leaver=True)
    await c.closed(D(2025, 7, 4), RC7)
    await c.care_leaver_contact(D(2025, 10, 1), accommodation="E1_SUPPORTED_LODGINGS_SUITABLE")


async def care_leaver_aged_18_staying_put(c: Child) -> None:
    await c.referred(D(2021, 2, 22), "POLICE")
    await c.accepted(D(2021, 2, 22))
    await c.looked_after_in(D(2021, 3, 1), "C2_FULL_CARE_ORDER", "U4_FOSTER_OTHER_CARER_LONG_TERM")
    # The 903 asks each year for the SDQ of a child in care a year (rules 186, 197B).
    await c.fact("recordSdq", score=9, on=D(2024, 9, 9))
    await c.left_care(D(2025, 6, 20), "E17_STAYED_WITH_CARERS_AT_18", care_leaver=True)
    await c.closed(D(2025, 6, 27), RC7)
    # Care ended on the 18th birthday: the 19th's contact is the first due (SSDA903 rules
    # 1007, 1016); the one around the 18th is kept as a contact.
    await c.care_leaver_contact(D(2025, 7, 2), "F4_FULL_TIME_APPRENTICESHIP")


async def care_leaver_aged_19(c: Child) -> None:
    await c.referred(D(2020, 9, 1), "SCHOOLS")
    await c.accepted(D(2020, 9, 2))
    await c.looked_after_in(D(2020, 9, 7), "C2_FULL_CARE_ORDER", "U6_FOSTER_OTHER_CARER_OTHER")
    await c.left_care(D(2024, 8, 12), "E5_INDEPENDENT_LIVING_WITH_SUPPORT", care_leaver=True)
    await c.closed(D(2024, 8, 16), RC7)
    await c.care_leaver_contact(D(2024, 8, 12))
    await c.care_leaver_contact(D(2025, 8, 11), "F5_FULL_TIME_TRAINING_OR_EMPLOYMENT")


async def care_leaver_aged_21(c: Child) -> None:
    # In touch around each birthday, the 21st in November 2025.
    await c.referred(D(2016, 5, 3), "HEALTH_VISITOR")
    await c.accepted(D(2016, 5, 4))
    await c.looked_after_in(D(2016, 5, 9), "C2_FULL_CARE_ORDER", "U6_FOSTER_OTHER_CARER_OTHER")
    await c.left_care(D(2022, 11, 15), "E17_STAYED_WITH_CARERS_AT_18", care_leaver=True)
    await c.closed(D(2022, 11, 18), RC7)
    await c.care_leaver_contact(
        D(2022, 11, 15), accommodation="B1_WITH_PARENTS_OR_RELATIVES_SUITABLE"
    )
    await c.care_leaver_contact(D(2023, 11, 14))
    await c.care_leaver_contact(D(2024, 11, 18), "G5_NEET_OTHER")
    await c.care_leaver_contact(D(2025, 11, 13), "F1_FULL_TIME_HIGHER_EDUCATION")
    done = [
        (s["completedDate"], s["dueDate"])
        for s in c.care["steps"]
        if s["kind"] == "CARE_LEAVER_CONTACT" and s["status"] == "DONE"
    ]
    # Care ended on the 18th birthday: the contact that day counts for no birthday.
    assert done == [
        ("2022-11-15", None),
        ("2023-11-14", "2023-11-15"),
        ("2024-11-18", "2024-11-15"),
        ("2025-11-13", "2025-11-15"),
    ]


async def adoption_decision_reversed(c: Child) -> None:
    # Should be placed for adoption (May 2025), a placement order in August, no adopters
    # found: the decision reversed in January (SSDA903 RD3); long-term fostering instead.
    await c.referred(D(2024, 8, 27), "HEALTH_VISITOR")
    await c.accepted(D(2024, 8, 27))
    await c.looked_after_in(D(2024, 9, 2), "C1_INTERIM_CARE_ORDER", "U6_FOSTER_OTHER_CARER_OTHER")
    await c.adoption_decided(D(2025, 5, 12))
    await c.adoption_step("recordPlacementOrder", grantedOn=D(2025, 8, 18))
    await c.legal_status_changed(D(2025, 8, 18), "E1_PLACEMENT_ORDER")
    await c.adoption_plan_ceased(D(2026, 1, 26), "RD3_NO_ADOPTERS_FOUND", D(2026, 1, 28))
    # The court revokes the placement order and makes a care order (DfE rule 553: no
    # placement order stands once the decision to place for adoption has ceased).
    await c.legal_status_changed(D(2026, 1, 28), "C2_FULL_CARE_ORDER")
    await c.placement_changed(
        D(2026, 2, 2), "U4_FOSTER_OTHER_CARER_LONG_TERM", sameCarer=True, longTermPlacement=True
    )
    plan = c.adoption_plan
    assert (plan["status"], plan["ceasedDate"], plan["ceasedReason"]) == (
        "CEASED",
        "2026-01-26",
        "RD3_NO_ADOPTERS_FOUND",
    )


async def adopted_in_the_year(c: Child) -> None:
    await c.referred(D(2024, 2, 26), "HEALTH_VISITOR")
    await c.accepted(D(2024, 2, 27))
    await c.looked_after_in(D(2024, 3, 4), "C1_INTERIM_CARE_ORDER", "U6_FOSTER_OTHER_CARER_OTHER")
    await c.adoption_decided(D(2024, 11, 4))
    await c.adoption_step("recordPlacementOrder", grantedOn=D(2025, 2, 10))
    await c.legal_status_changed(D(2025, 2, 10), "E1_PLACEMENT_ORDER")
    await c.adoption_step(
        "matchWithAdopters",
        matchedOn=D(2025, 5, 19),
        adopterSex="MF_MIXED_COUPLE",
        adoptersLegalStatus="L11_MARRIED_DIFFERENT_SEX",
    )
    await c.adoption_step("placeForAdoption", placedOn=D(2025, 6, 9))
    await c.placement_changed(
        D(2025, 6, 9),
        "A6_PLACED_FOR_ADOPTION_WITH_PLACEMENT_ORDER_NOT_WITH_CURRENT_FOSTER_CARER",
    )
    await c.adoption_step("grantAdoptionOrder", grantedOn=D(2025, 12, 8))
    await c.left_care(D(2025, 12, 8), "E11_ADOPTED_UNOPPOSED", authorised=D(2025, 12, 9))
    await c.closed(D(2025, 12, 8), "RC1_ADOPTED", D(2025, 12, 9))
    assert (c.adoption_plan["status"], c.adoption_plan["adoptionOrderDate"]) == (
        "ADOPTED",
        "2025-12-08",
    )


async def special_guardianship_order(c: Child) -> None:
    await c.referred(D(2024, 10, 7))
    await c.accepted(D(2024, 10, 8))
    await c.looked_after_in(
        D(2024, 10, 14), "C1_INTERIM_CARE_ORDER", "U3_FOSTER_RELATIVE_OR_FRIEND_OTHER"
    )
    await c.legal_status_changed(D(2025, 4, 22), "C2_FULL_CARE_ORDER")
    await c.left_care(
        D(2025, 11, 17), "E45_SPECIAL_GUARDIANSHIP_FORMER_FOSTER_CARER_RELATIVE_OR_FRIEND"
    )
    await c.closed(D(2025, 11, 17), "RC4_SPECIAL_GUARDIANSHIP_ORDER")


async def left_care_on_the_year_end(c: Child) -> None:
    # Care ends on 31 March: not looked after that day, as the DfE counts.
    await c.referred(D(2025, 10, 13))
    await c.accepted(D(2025, 10, 13))
    await c.looked_after_in(
        D(2025, 10, 14), "V2_SINGLE_PERIOD_OF_ACCOMMODATION", "U6_FOSTER_OTHER_CARER_OTHER"
    )
    await c.left_care(D(2026, 3, 31), "E4A_RETURNED_HOME_AS_PLANNED")


async def looked_after_on_the_year_end(c: Child) -> None:
    # Police protection on 31 March itself: looked after on the day.
    await c.referred(D(2026, 3, 31), "POLICE")
    await c.strategy_discussion(D(2026, 3, 31))
    await c.assessment_started(D(2026, 3, 31))
    await c.accepted(D(2026, 3, 31))
    await c.looked_after_in(
        D(2026, 3, 31), "L1_POLICE_PROTECTION", "U6_FOSTER_OTHER_CARER_OTHER", "PR4_PRIVATE"
    )


async def looked_after_girl_becomes_a_mother(c: Child) -> None:
    # Looked after for over a year at 31 March: the outcome facts of SSDA903 OC2, and a
    # baby born in November.
    await c.referred(D(2023, 5, 15), "SCHOOL_NURSE")
    await c.accepted(D(2023, 5, 16))
    await c.looked_after_in(
        D(2023, 6, 5), "C2_FULL_CARE_ORDER", "K2_CHILDRENS_HOME", "PR4_PRIVATE", urn="SC104477"
    )
    # The 903 asks each year for the SDQ of a child in care a year (rules 186, 197B).
    await c.fact("recordSdq", score=17, on=D(2024, 9, 16))
    await c.health_assessment(D(2025, 6, 2))
    await c.fact("recordDentalCheck", on=D(2025, 7, 21))
    await c.fact("recordImmunisations", upToDate=True, on=D(2025, 6, 2))
    await c.fact("recordSdq", score=19, on=D(2025, 9, 15))
    await c.fact(
        "recordSubstanceMisuse",
        interventionOffered=True,
        interventionReceived=True,
        on=D(2025, 8, 4),
    )
    await c.fact("recordMotherhood", babyBornOn=D(2025, 11, 2), on=D(2025, 11, 3))
    await c.placement_changed(
        D(2025, 11, 3),
        "R3_FAMILY_CENTRE_OR_MOTHER_AND_BABY_UNIT",
        "PR5_VOLUNTARY",
        urn="SC671204",  # an Ofsted-registered mother and baby unit
    )


async def convicted_while_looked_after(c: Child) -> None:
    await c.referred(D(2024, 1, 8), "OTHER_LEGAL_AGENCY")
    await c.accepted(D(2024, 1, 8), "N6_SOCIALLY_UNACCEPTABLE_BEHAVIOUR")
    await c.looked_after_in(
        D(2024, 1, 15), "C2_FULL_CARE_ORDER", "K2_CHILDRENS_HOME", "PR4_PRIVATE", urn="SC552310"
    )
    # The 903 asks each year for the SDQ of a child in care a year (rules 186, 197B).
    await c.fact("recordSdq", score=15, on=D(2024, 10, 7))
    await c.fact("recordConviction", on=D(2025, 8, 20))
    await c.fact("recordSdq", reason="SDQ5_CHILD_REFUSED", on=D(2025, 10, 6))
    await c.fact(
        "recordDisabilities", disabilities=["BEH_BEHAVIOUR", "LD_LEARNING"], on=D(2024, 3, 1)
    )


async def unborn_child_born_during_the_year(c: Child) -> None:
    # Referred before the birth, on a pre-birth protection plan; born in September on the
    # same record, the plan carrying on.
    await c.referred(D(2025, 6, 30), "OTHER_HEALTH_SERVICES")
    await c.accepted(D(2025, 7, 1))
    await c.strategy_discussion(D(2025, 7, 1))
    await c.assessment_started(D(2025, 7, 1))
    await c.enquiry_concluded(D(2025, 7, 8), conference=True)
    await c.conference(D(2025, 7, 22), "NEG_NEGLECT")
    born = await c.fact("recordBirth", on=D(2025, 9, 12), sex="M")
    assert (born["factKind"], born["on"], born["sex"]) == ("BIRTH", "2025-09-12", "M")
    await c.fact("recordUpnUnknown", reason="UN1_NOT_OF_SCHOOL_AGE", on=D(2025, 9, 12))
    await c.assessment_authorised(D(2025, 8, 29), D(2025, 9, 1))
    await c.review_conference(D(2025, 10, 17))


# Reallocations: the allocated social worker (SSDA903 social worker episodes).


async def reallocated_for_absence_cover_and_back(c: Child) -> None:
    await c.referred(D(2025, 6, 2), "SCHOOLS")
    await c.allocated_to("worker-sw-demo", D(2025, 6, 2), "FCONTA_FIRST_CONTACT_OR_REREFERRAL")
    await c.accepted(D(2025, 6, 3), "N3_PARENTAL_DISABILITY_OR_ILLNESS")
    await c.assessment_started(D(2025, 6, 3))
    await c.assessment_authorised(D(2025, 7, 11), D(2025, 7, 14))
    await c.child_in_need_plan(D(2025, 7, 21))
    await c.allocated_to("worker-sw-cover", D(2025, 10, 6), "ABSENC_ABSENCE_COVER")
    await c.allocated_to("worker-sw-demo", D(2025, 12, 1), "ABSENC_ABSENCE_COVER")


async def reallocated_when_the_worker_left(c: Child) -> None:
    await c.referred(D(2025, 4, 14), "POLICE")
    await c.allocated_to("worker-sw-leaver", D(2025, 4, 14), "FCONTA_FIRST_CONTACT_OR_REREFERRAL")
    await c.accepted(D(2025, 4, 14))
    await c.looked_after_in(D(2025, 4, 15), "C1_INTERIM_CARE_ORDER", "U6_FOSTER_OTHER_CARER_OTHER")
    await c.allocated_to("worker-sw-cover", D(2025, 11, 28), "LEFTRL_SOCIAL_WORKER_LEFT_ROLE")
    await c.allocated_to("worker-sw-demo", D(2026, 2, 16), "MANAGE_MANAGING_CASELOADS")


async def emergency_protection_then_a_move_on_the_interim_order(c: Child) -> None:
    # An emergency protection order; a week later the interim care order and a move to an
    # aunt the same day: one new episode for both (SSDA903 RNE B).
    await c.referred(D(2025, 8, 4), "ACCIDENT_AND_EMERGENCY")
    await c.strategy_discussion(D(2025, 8, 4))
    await c.assessment_started(D(2025, 8, 4))
    await c.accepted(D(2025, 8, 4))
    await c.looked_after_in(
        D(2025, 8, 5), "L2_EMERGENCY_PROTECTION_ORDER", "U6_FOSTER_OTHER_CARER_OTHER"
    )
    await c.placement_changed(
        D(2025, 8, 12),
        "U3_FOSTER_RELATIVE_OR_FRIEND_OTHER",
        legalStatus="C1_INTERIM_CARE_ORDER",
    )
    await c.enquiry_concluded(D(2025, 8, 12), conference=False)
    await c.assessment_authorised(D(2025, 9, 26), D(2025, 9, 29))
    # The full care order months later, with the aunt as the same carer (RNE U).
    await c.placement_changed(
        D(2026, 2, 23),
        "U1_FOSTER_RELATIVE_OR_FRIEND_LONG_TERM",
        sameCarer=True,
        longTermPlacement=True,
        legalStatus="C2_FULL_CARE_ORDER",
    )
    episodes = [s for s in c.care["steps"] if s["kind"] == "LOOKED_AFTER_EPISODE"]
    assert [(s["startDate"], s["legalStatus"], s["reasonNewEpisode"]) for s in episodes] == [
        ("2025-08-05", "L2_EMERGENCY_PROTECTION_ORDER", "S_STARTED_TO_BE_LOOKED_AFTER"),
        ("2025-08-12", "C1_INTERIM_CARE_ORDER", "B_LEGAL_STATUS_PLACEMENT_AND_CARER_CHANGE"),
        (
            "2026-02-23",
            "C2_FULL_CARE_ORDER",
            "U_LEGAL_STATUS_AND_PLACEMENT_CHANGE_SAME_CARER",
        ),
    ]


async def born_and_looked_after_from_hospital(c: Child) -> None:
    # A pre-birth plan; born on 14 January and looked after from hospital the next day:
    # the protection plan ends the day care begins.
    await c.referred(D(2025, 11, 3), "OTHER_HEALTH_SERVICES")
    await c.accepted(D(2025, 11, 3))
    await c.strategy_discussion(D(2025, 11, 3))
    await c.assessment_started(D(2025, 11, 3))
    await c.enquiry_concluded(D(2025, 11, 10), conference=True)
    await c.conference(D(2025, 11, 24), "NEG_NEGLECT")
    await c.assessment_authorised(D(2025, 12, 15), D(2025, 12, 17))
    await c.fact("recordBirth", on=D(2026, 1, 14), sex="F")
    await c.fact("recordUpnUnknown", reason="UN1_NOT_OF_SCHOOL_AGE", on=D(2026, 1, 14))
    await c.looked_after_in(
        D(2026, 1, 15), "L2_EMERGENCY_PROTECTION_ORDER", "U6_FOSTER_OTHER_CARER_OTHER"
    )
    await c.legal_status_changed(D(2026, 1, 22), "C1_INTERIM_CARE_ORDER")
    plan = (await c.refreshed())["childProtectionPlans"][-1]
    assert (plan["endDate"], plan["endReason"]) == ("2026-01-15", "BECAME_LOOKED_AFTER")


async def transferred_in_and_out_on_a_plan(c: Child) -> None:
    await c.referred(D(2025, 6, 2), "LOCAL_AUTHORITY_EXTERNAL")
    await c.accepted(D(2025, 6, 2))
    await c.transfer_in_conference(D(2025, 6, 12), "NEG_NEGLECT")
    await c.protection_plan_ended(D(2025, 10, 1), "TRANSFERRED_OUT")
    await c.closed(D(2025, 10, 1), "RC5_TRANSFERRED_TO_ANOTHER_LOCAL_AUTHORITY")


async def remanded_to_local_authority_accommodation(c: Child) -> None:
    await c.referred(D(2025, 7, 1), "POLICE")
    await c.accepted(D(2025, 7, 1), "N6_SOCIALLY_UNACCEPTABLE_BEHAVIOUR")
    await c.looked_after_in(
        D(2025, 7, 2), "J1_REMAND", "K2_CHILDRENS_HOME", "PR4_PRIVATE", urn="SC123456"
    )
    await c.left_care(D(2025, 8, 20), "E14_REMAND_ENDED")


async def placed_for_adoption_with_the_foster_carer(c: Child) -> None:
    # Fostering for adoption: the carer adopts, so the move to A5 is a change of status
    # only, with the same carer; placed at the year end.
    await c.referred(D(2024, 5, 1), "HEALTH_VISITOR")
    await c.accepted(D(2024, 5, 1))
    await c.looked_after_in(
        D(2024, 5, 2), "C1_INTERIM_CARE_ORDER", "U5_FOSTER_OTHER_CARER_FOSTERING_FOR_ADOPTION"
    )
    await c.adoption_decided(D(2025, 1, 6))
    await c.adoption_step("recordPlacementOrder", grantedOn=D(2025, 4, 7))
    await c.legal_status_changed(D(2025, 4, 7), "E1_PLACEMENT_ORDER")
    await c.adoption_step(
        "matchWithAdopters",
        matchedOn=D(2025, 6, 2),
        adopterSex="F1_SINGLE_FEMALE",
        adoptedByFosterCarer=True,
    )
    await c.adoption_step("placeForAdoption", placedOn=D(2025, 6, 16))
    await c.placement_changed(
        D(2025, 6, 16),
        "A5_PLACED_FOR_ADOPTION_WITH_PLACEMENT_ORDER_WITH_CURRENT_FOSTER_CARER",
        reason="PLACE_STATUS_CHANGE_ONLY",
        sameCarer=True,
    )
    assert (c.adoption_plan["status"], c.adoption_plan["numberOfAdopters"]) == ("PLACED", 1)


async def adoption_disrupted_after_placement(c: Child) -> None:
    # Placed with adopters in April; the placement broke down in August (RD1) and the
    # child went back to foster care; a new decision in November.
    await c.referred(D(2024, 5, 1), "HEALTH_VISITOR")
    await c.accepted(D(2024, 5, 1))
    await c.looked_after_in(D(2024, 5, 2), "C1_INTERIM_CARE_ORDER", "U6_FOSTER_OTHER_CARER_OTHER")
    await c.adoption_decided(D(2024, 10, 1))
    await c.adoption_step("recordPlacementOrder", grantedOn=D(2025, 1, 6))
    # Recorded as a placement change "in status only" to the same carer: nothing about
    # the placement changed, so the new episode is a change of legal status (RNE L, 903
    # rule 436), not U.
    await c.placement_changed(
        D(2025, 1, 6),
        "U6_FOSTER_OTHER_CARER_OTHER",
        reason="PLACE_STATUS_CHANGE_ONLY",
        sameCarer=True,
        legalStatus="E1_PLACEMENT_ORDER",
    )
    episode = [s for s in c.care["steps"] if s["kind"] == "LOOKED_AFTER_EPISODE"][-1]
    assert (episode["legalStatus"], episode["reasonNewEpisode"]) == (
        "E1_PLACEMENT_ORDER",
        "L_LEGAL_STATUS_CHANGE",
    )
    await c.adoption_step(
        "matchWithAdopters",
        matchedOn=D(2025, 3, 3),
        adopterSex="MM_MALE_COUPLE",
        adoptersLegalStatus="L12_MARRIED_SAME_SEX",
    )
    await c.adoption_step("placeForAdoption", placedOn=D(2025, 4, 14))
    await c.placement_changed(
        D(2025, 4, 14),
        "A6_PLACED_FOR_ADOPTION_WITH_PLACEMENT_ORDER_NOT_WITH_CURRENT_FOSTER_CARER",
    )
    await c.adoption_plan_ceased(D(2025, 8, 4), "RD1_CHILDS_NEEDS_CHANGED", D(2025, 8, 5))
    await c.placement_changed(
        D(2025, 8, 4), "U6_FOSTER_OTHER_CARER_OTHER", reason="CREQO_CARER_REQUEST_OTHER"
    )
    assert (c.adoption_plan["status"], c.adoption_plan["placedDate"]) == ("CEASED", "2025-04-14")
    await c.adoption_decided(D(2025, 11, 3))
    assert c.adoption_plan["status"] == "SHOULD_BE_PLACED"


async def died_while_looked_after(c: Child) -> None:
    await c.referred(D(2025, 5, 1), "ACCIDENT_AND_EMERGENCY")
    await c.accepted(D(2025, 5, 1), "N2_CHILD_DISABILITY")
    await c.fact("recordDisabilities", disabilities=["MOB_MOBILITY", "CON_CONSCIOUSNESS"])
    await c.looked_after_in(
        D(2025, 5, 2),
        "V2_SINGLE_PERIOD_OF_ACCOMMODATION",
        "R2_NHS_OR_HEALTH_TRUST",
        "PR3_OTHER_PUBLIC",
    )
    await c.left_care(D(2025, 10, 3), "E2_DIED")
    await c.closed(D(2025, 10, 3), "RC2_DIED")


async def care_leaver_aged_20_not_in_touch(c: Child) -> None:
    await c.referred(D(2020, 5, 1), "POLICE")
    await c.accepted(D(2020, 5, 1))
    await c.looked_after_in(D(2020, 5, 2), "C2_FULL_CARE_ORDER", "U6_FOSTER_OTHER_CARER_OTHER")
    await c.left_care(
        D(2024, 1, 10),
        "E13_LEFT_TO_LIVE_WITH_PERSON_WITHOUT_PARENTAL_RESPONSIBILITY",
        care_leaver=True,
    )
    await c.closed(D(2024, 1, 12), RC7)
    await c.care_leaver_contact(
        D(2024, 6, 3), "G5_NEET_OTHER", "B1_WITH_PARENTS_OR_RELATIVES_SUITABLE"
    )
    await c.care_leaver_contact(D(2025, 6, 2), "NOT_KNOWN", "NOT_KNOWN", "NO_NOT_IN_TOUCH")
    await c.care_leaver_contact(D(2026, 1, 9), "NOT_KNOWN", "NOT_KNOWN", "REFU_REFUSES_CONTACT")


@dataclass(frozen=True)
class Scenario:
    """A child, their year, and what they were on the mid-year date and at the year end
    (letters of E, P, N, L); an unborn child is referred with `born` as the expected date."""

    play: Callable[[Child], Awaitable[object]]
    name: str
    born: date
    mid_year: str
    year_end: str
    unborn: bool = False
    # A UPN, if of school age; a scenario without one records the reason itself.
    upn: bool = True


S = Scenario
SCENARIOS: tuple[Scenario, ...] = (
    S(nfa_at_referral, "Ava Allen", D(2016, 3, 1), "", ""),
    S(closed_before_assessment, "Ben Brook", D(2012, 7, 9), "", ""),
    S(assessed_then_closed_nfa, "Cara Cole", D(2019, 1, 20), "", ""),
    S(child_in_need_at_year_end, "Dan Dale", D(2014, 11, 2), "EN", "EN"),
    S(child_in_need_closed_in_year, "Eve Ellis", D(2011, 5, 5), "EN", ""),
    S(referred_last_year_still_open, "Finn Ford", D(2010, 2, 14), "EN", "EN"),
    S(concurrent_enquiry_and_assessment, "Gia Grant", D(2020, 8, 30), "", "EP"),
    S(child_in_need_plan_ended_by_protection_plan, "Hal Hart", D(2013, 4, 4), "EN", "EP"),
    S(transfer_in_on_a_plan, "Ivy Innes", D(2018, 12, 12), "", "EP"),
    S(protection_plan_stepped_down_in_year, "Jay Jones", D(2017, 6, 6), "EP", "EN"),
    S(protection_plan_ended_on_the_year_end, "Kit King", D(2015, 9, 9), "EP", "E"),
    S(enquiry_without_conference, "Lia Lowe", D(2009, 10, 10), "", "E"),
    S(conference_without_a_plan_then_closed, "Max Moss", D(2021, 2, 2), "", ""),
    S(protection_plan_ends_when_looked_after, "Nia Nash", D(2022, 1, 1), "EP", "EL"),
    S(looked_after_and_home_again, "Oli Owen", D(2010, 12, 24), "EL", ""),
    S(referred_after_the_year_end, "Pip Park", D(2016, 1, 31), "", ""),
    S(second_episode_in_the_year, "Rae Reid", D(2012, 3, 3), "", "E"),
    S(second_protection_plan_after_the_first_ended, "Sam Shaw", D(2019, 4, 19), "E", "EP"),
    S(referral_awaiting_its_decision_at_year_end, "Tia Todd", D(2013, 8, 8), "", "E"),
    S(child_in_need_plan_ended_episode_still_open, "Uma Usher", D(2008, 6, 30), "EN", "E"),
    S(transfer_in_without_a_plan, "Vic Vale", D(2011, 11, 11), "", "E"),
    S(closed_before_year_end_authorised_after, "Wyn Webb", D(2014, 4, 14), "", ""),
    S(closure_proposed_but_not_agreed_at_year_end, "Xan Young", D(2015, 5, 15), "E", "E"),
    S(closed_on_the_year_end, "Yas Zane", D(2016, 6, 16), "", ""),
    S(looked_after_from_an_open_episode, "Zoe Abbot", D(2009, 9, 19), "EL", "EL"),
    S(assessment_still_open_at_year_end, "Abe Baker", D(2012, 1, 12), "", "E"),
    S(enquiry_and_conference_due_at_year_end, "Bea Carter", D(2018, 2, 28), "", "E"),
    S(protection_plan_across_the_whole_year, "Cal Dixon", D(2020, 3, 3), "EP", "EP"),
    # The CP plan ended on 30 September: not on a plan that day; a CIN plan from the next.
    S(child_in_need_plan_the_day_after_protection_ends, "Dee Evans", D(2014, 4, 1), "E", "EN"),
    S(closed_and_referred_again_the_same_year, "Eli Frost", D(2011, 10, 31), "", "EN"),
    # Unborn at the referral: the expected date of birth is after the year end.
    S(unborn_child_on_a_pre_birth_plan, "Baby Cross", D(2026, 5, 20), "", "EP", unborn=True),
    S(placements_and_legal_status_change, "Fay Gill", D(2013, 2, 11), "EL", "EL"),
    # Home in July, a CIN plan, back in care in December.
    S(second_period_of_care, "Gus Hale", D(2011, 7, 19), "EN", "EL"),
    S(temporary_placements, "Hana Iqbal", D(2010, 3, 3), "EL", "EL"),
    S(missing_at_the_year_end, "Ian Jacks", D(2009, 12, 1), "EL", "EL"),
    S(missing_and_the_return_recorded_later, "Jo Kemp", D(2012, 9, 9), "EL", "EL"),
    S(unaccompanied_asylum_seeker_turns_18, "Karim Nouri", D(2008, 1, 20), "EL", "", upn=False),
    S(unaccompanied_asylum_seeker_still_in_care, "Luca Marin", D(2010, 4, 4), "", "EL", upn=False),
    # Care leavers are neither looked after nor in an episode of need.
    S(care_leaver_aged_17, "Mia North", D(2008, 10, 3), "", ""),
    S(care_leaver_aged_18_staying_put, "Ned Oakes", D(2007, 6, 20), "", ""),
    S(care_leaver_aged_19, "Ola Pike", D(2006, 8, 12), "", ""),
    S(care_leaver_aged_21, "Pam Quinn", D(2004, 11, 15), "", ""),
    S(adoption_decision_reversed, "Remy Ross", D(2023, 2, 10), "EL", "EL"),
    S(adopted_in_the_year, "Suki Tran", D(2022, 6, 1), "EL", ""),
    S(special_guardianship_order, "Ted Upton", D(2019, 5, 5), "EL", ""),
    S(left_care_on_the_year_end, "Una Vine", D(2014, 8, 8), "", "E"),
    S(looked_after_on_the_year_end, "Vera Wild", D(2017, 1, 17), "", "EL"),
    S(looked_after_girl_becomes_a_mother, "Wren Xu", D(2009, 4, 30), "EL", "EL"),
    S(convicted_while_looked_after, "Xavi Yates", D(2010, 11, 11), "EL", "EL"),
    # Expected on 20 September, born on 12 September.
    S(unborn_child_born_during_the_year, "Baby Zeal", D(2025, 9, 20), "EP", "EP", unborn=True),
    S(reallocated_for_absence_cover_and_back, "Yara Zorn", D(2015, 3, 12), "EN", "EN"),
    S(reallocated_when_the_worker_left, "Zak Ames", D(2016, 7, 7), "EL", "EL"),
    S(emergency_protection_then_a_move_on_the_interim_order, "Amy Bell", D(2019, 2, 2), "EL", "EL"),
    # Expected on 20 January, born on 14 January.
    S(born_and_looked_after_from_hospital, "Baby Frey", D(2026, 1, 20), "", "EL", unborn=True),
    S(transferred_in_and_out_on_a_plan, "Cody Dunn", D(2014, 6, 6), "EP", ""),
    S(remanded_to_local_authority_accommodation, "Dev Egan", D(2009, 3, 17), "E", "E"),
    S(placed_for_adoption_with_the_foster_carer, "Elsie Finch", D(2023, 9, 9), "EL", "EL"),
    S(adoption_disrupted_after_placement, "Fox Gray", D(2023, 1, 1), "EL", "EL"),
    S(died_while_looked_after, "Gwen Holt", D(2012, 2, 2), "EL", ""),
    S(care_leaver_aged_20_not_in_touch, "Hugo Ince", D(2005, 6, 1), "", ""),
)


@asynccontextmanager
async def served(store: GraphStore, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the hub's GraphQL API over `store`, in process (no server, no outbox)."""
    from connectors.livelink.embedded_store import EmbeddedContentStore
    from hub.app import create_app

    content = await EmbeddedContentStore.open(settings.content_dir)
    app = create_app(settings, store=store, content_store=content, run_outbox=False)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            yield client
    finally:
        await content.aclose()


async def build_county(store: GraphStore, settings: Settings) -> dict[str, Child]:
    """The whole scenario county in an empty store (e.g. to build the returns from it)."""
    async with served(store, settings) as client:
        return await play_all(client, settings, store)


# Who the children are, as the returns ask (the DfE rules report a county of unknown sex,
# ethnicity and UPN): sex by the given name, the county's mix of ethnicities in turn, and a
# Hertfordshire UPN for every child of school age at the year end.
GIRLS = {
    "Ava",
    "Cara",
    "Eve",
    "Gia",
    "Ivy",
    "Lia",
    "Nia",
    "Rae",
    "Tia",
    "Uma",
    "Yas",
    "Zoe",
    "Bea",
    "Dee",
    "Fay",
    "Hana",
    "Jo",
    "Mia",
    "Ola",
    "Pam",
    "Suki",
    "Una",
    "Vera",
    "Wren",
    "Yara",
    "Amy",
    "Elsie",
    "Gwen",
}
ETHNICITIES = ("WBRI", "WBRI", "WIRI", "MWBC", "AIND", "BCRB", "BAFR", "WOTH", "MOTH", "CHNE")
SCHOOL_AGE = 5


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def new_child(
    client: httpx.AsyncClient, settings: Settings, scenario: Scenario, number: int
) -> Child:
    """The scenario's child as the first contact records them."""
    school_age = not scenario.unborn and _age(scenario.born, YEAR_END) >= SCHOOL_AGE
    young = not scenario.unborn and not school_age
    return Child(
        client,
        settings,
        scenario.name,
        scenario.born,
        unborn=scenario.unborn,
        sex="F" if scenario.name.split()[0] in GIRLS else "M",
        ethnicity=ETHNICITIES[number % len(ETHNICITIES)],
        upn=hertfordshire_upn(scenario.name) if school_age and scenario.upn else None,
        upn_unknown="UN1_NOT_OF_SCHOOL_AGE" if young else None,
    )


async def play_all(
    client: httpx.AsyncClient, settings: Settings, store: GraphStore
) -> dict[str, Child]:
    """Staff an empty store and play every scenario into it; the children by name."""
    await staff_the_county(client, settings, store)
    children: dict[str, Child] = {}
    for number, scenario in enumerate(SCENARIOS):
        child = new_child(client, settings, scenario, number)
        await scenario.play(child)
        children[scenario.name] = child
    return children
