"""A county's year of casework (2025-26), child by child, through the GraphQL API only,
with the dates things happened; then the performance analyst's "as at" view at the year
end (31 March 2026) and mid-year must count exactly the children the DfE would.

Each scenario says which of the four as-at categories its child is in on each date:
E an open episode of need, P a child protection plan, N a child in need plan, L looked
after. A record that ends on a date no longer counts on that date (the DfE's 31 March).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.scenarios.driver import Child
from tests.helpers import graphql

pytestmark = pytest.mark.anyio

YEAR_END = date(2026, 3, 31)
MID_YEAR = date(2025, 9, 30)
D = date
RC7 = "RC7_SERVICES_CEASED_FOR_ANY_OTHER_REASON"


@pytest.fixture
async def seeded(store: FalkorDBStore) -> FalkorDBStore:
    """The demo personas' worker and manager, in one team, and nothing else."""
    await store.write(
        "MERGE (t:Team {id: 'team-safeguarding-north'})"
        " MERGE (w:Worker {id: 'worker-sw-demo'}) SET w.name = 'Sam Patel'"
        " MERGE (w)-[:MEMBER_OF_TEAM]->(t)"
        " MERGE (m:Worker {id: 'worker-tm-demo'}) SET m.name = 'Alex Morgan'"
        " MERGE (m)-[:MEMBER_OF_TEAM]->(t)"
        " MERGE (w)-[:REPORTS_TO]->(m)"
    )
    return store


Scenario = Callable[[Child], Awaitable[object]]


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
    await c.enquiry_concluded(D(2025, 5, 20), conference=True)
    await c.conference(D(2025, 6, 2), "NEG_NEGLECT")
    await c.review_conference(D(2025, 8, 29))
    await c.protection_plan_ended(D(2026, 2, 27))
    await c.child_in_need_plan(D(2026, 2, 27))


async def protection_plan_ended_on_the_year_end(c: Child) -> None:
    await c.referred(D(2025, 9, 1))
    await c.accepted(D(2025, 9, 2))
    await c.strategy_discussion(D(2025, 9, 2))
    await c.enquiry_concluded(D(2025, 9, 9), conference=True)
    await c.conference(D(2025, 9, 19), "SAB_SEXUAL_ABUSE")
    await c.review_conference(D(2025, 12, 12))
    await c.protection_plan_ended(D(2026, 3, 31))


async def enquiry_without_conference(c: Child) -> None:
    await c.referred(D(2026, 1, 12), "SCHOOLS")
    await c.accepted(D(2026, 1, 13))
    await c.strategy_discussion(D(2026, 1, 13))
    await c.assessment_started(D(2026, 1, 13))
    await c.enquiry_concluded(D(2026, 1, 21), conference=False)


async def conference_without_a_plan_then_closed(c: Child) -> None:
    await c.referred(D(2025, 6, 9))
    await c.accepted(D(2025, 6, 10))
    await c.strategy_discussion(D(2025, 6, 10))
    await c.enquiry_concluded(D(2025, 6, 17), conference=True)
    await c.conference(D(2025, 6, 27))
    await c.closed(D(2025, 7, 4), RC7)


async def protection_plan_ends_when_looked_after(c: Child) -> None:
    await c.referred(D(2025, 8, 18))
    await c.accepted(D(2025, 8, 19))
    await c.strategy_discussion(D(2025, 8, 19))
    await c.enquiry_concluded(D(2025, 8, 26), conference=True)
    await c.conference(D(2025, 9, 5), "NEG_NEGLECT")
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


async def unborn_child_on_a_pre_birth_plan(c: Child) -> None:
    await c.referred(D(2026, 1, 5), "OTHER_HEALTH_SERVICES")
    await c.accepted(D(2026, 1, 6))
    await c.strategy_discussion(D(2026, 1, 6))
    await c.assessment_started(D(2026, 1, 6))
    await c.enquiry_concluded(D(2026, 1, 13), conference=True)
    await c.conference(D(2026, 1, 26), "NEG_NEGLECT")


async def second_protection_plan_after_the_first_ended(c: Child) -> None:
    await c.referred(D(2025, 4, 1))
    await c.accepted(D(2025, 4, 2))
    await c.strategy_discussion(D(2025, 4, 2))
    await c.enquiry_concluded(D(2025, 4, 9), conference=True)
    await c.conference(D(2025, 4, 22), "PHY_PHYSICAL_ABUSE")
    await c.protection_plan_ended(D(2025, 7, 18))
    await c.strategy_discussion(D(2026, 1, 7))
    await c.enquiry_concluded(D(2026, 1, 14), conference=True)
    await c.conference(D(2026, 1, 27), "MUL_MULTIPLE")


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
    await c.enquiry_concluded(D(2025, 5, 23), conference=False)
    await c.looked_after(D(2025, 5, 23), "L1_POLICE_PROTECTION")


async def assessment_still_open_at_year_end(c: Child) -> None:
    await c.referred(D(2026, 3, 9), "GENERAL_PRACTITIONER")
    await c.accepted(D(2026, 3, 10), "N3_PARENTAL_DISABILITY_OR_ILLNESS")
    await c.assessment_started(D(2026, 3, 11))


async def enquiry_and_conference_due_at_year_end(c: Child) -> None:
    await c.referred(D(2026, 3, 16), "POLICE")
    await c.strategy_discussion(D(2026, 3, 16))
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
    await c.review_conference(D(2025, 8, 15))
    await c.review_conference(D(2026, 2, 13))


async def child_in_need_plan_the_day_after_protection_ends(c: Child) -> None:
    await c.referred(D(2025, 7, 14))
    await c.accepted(D(2025, 7, 15))
    await c.strategy_discussion(D(2025, 7, 15))
    await c.enquiry_concluded(D(2025, 7, 22), conference=True)
    await c.conference(D(2025, 8, 1), "NEG_NEGLECT")
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


# Each scenario: the child, what they were on 30 September 2025 and on 31 March 2026.
SCENARIOS: list[tuple[Scenario, str, D, str, str]] = [
    (nfa_at_referral, "Ava Allen", D(2016, 3, 1), "", ""),
    (closed_before_assessment, "Ben Brook", D(2012, 7, 9), "", ""),
    (assessed_then_closed_nfa, "Cara Cole", D(2019, 1, 20), "", ""),
    (child_in_need_at_year_end, "Dan Dale", D(2014, 11, 2), "EN", "EN"),
    (child_in_need_closed_in_year, "Eve Ellis", D(2011, 5, 5), "EN", ""),
    (referred_last_year_still_open, "Finn Ford", D(2010, 2, 14), "EN", "EN"),
    (concurrent_enquiry_and_assessment, "Gia Grant", D(2020, 8, 30), "", "EP"),
    (child_in_need_plan_ended_by_protection_plan, "Hal Hart", D(2013, 4, 4), "EN", "EP"),
    (transfer_in_on_a_plan, "Ivy Innes", D(2018, 12, 12), "", "EP"),
    (protection_plan_stepped_down_in_year, "Jay Jones", D(2017, 6, 6), "EP", "EN"),
    (protection_plan_ended_on_the_year_end, "Kit King", D(2015, 9, 9), "EP", "E"),
    (enquiry_without_conference, "Lia Lowe", D(2009, 10, 10), "", "E"),
    (conference_without_a_plan_then_closed, "Max Moss", D(2021, 2, 2), "", ""),
    (protection_plan_ends_when_looked_after, "Nia Nash", D(2022, 1, 1), "EP", "EL"),
    (looked_after_and_home_again, "Oli Owen", D(2010, 12, 24), "EL", ""),
    (referred_after_the_year_end, "Pip Park", D(2016, 1, 31), "", ""),
    (second_episode_in_the_year, "Rae Reid", D(2012, 3, 3), "", "E"),
    (second_protection_plan_after_the_first_ended, "Sam Shaw", D(2019, 4, 19), "E", "EP"),
    (referral_awaiting_its_decision_at_year_end, "Tia Todd", D(2013, 8, 8), "", "E"),
    (child_in_need_plan_ended_episode_still_open, "Uma Usher", D(2008, 6, 30), "EN", "E"),
    (transfer_in_without_a_plan, "Vic Vale", D(2011, 11, 11), "", "E"),
    (closed_before_year_end_authorised_after, "Wyn Webb", D(2014, 4, 14), "", ""),
    (closure_proposed_but_not_agreed_at_year_end, "Xan Young", D(2015, 5, 15), "E", "E"),
    (closed_on_the_year_end, "Yas Zane", D(2016, 6, 16), "", ""),
    (looked_after_from_an_open_episode, "Zoe Abbot", D(2009, 9, 19), "EL", "EL"),
    (assessment_still_open_at_year_end, "Abe Baker", D(2012, 1, 12), "", "E"),
    (enquiry_and_conference_due_at_year_end, "Bea Carter", D(2018, 2, 28), "", "E"),
    (protection_plan_across_the_whole_year, "Cal Dixon", D(2020, 3, 3), "EP", "EP"),
    # The CP plan ended on 30 September: not on a plan that day; a CIN plan from the next.
    (child_in_need_plan_the_day_after_protection_ends, "Dee Evans", D(2014, 4, 1), "E", "EN"),
    (closed_and_referred_again_the_same_year, "Eli Frost", D(2011, 10, 31), "", "EN"),
]
# Unborn at the referral: the expected date of birth is after the year end.
UNBORN: list[tuple[Scenario, str, D, str, str]] = [
    (unborn_child_on_a_pre_birth_plan, "Baby Cross", D(2026, 5, 20), "", "EP"),
]
CATEGORIES = {
    "E": "openEpisodes",
    "P": "childProtectionPlans",
    "N": "childInNeedPlans",
    "L": "lookedAfter",
}
AS_AT = """query ($on: Date) { asAt(on: $on) { __typename ... on AsAt { on
  openEpisodes { count children { childId name } }
  childProtectionPlans { count children { childId name } }
  childInNeedPlans { count children { childId name } }
  lookedAfter { count children { childId name } } }
  ... on NotAuthorised { reason } ... on InvalidInput { problems { field rule } } } }"""


def analyst(settings: Settings) -> dict[str, str]:
    from auth.tokens import LocalSigningKey, TokenIssuer
    from hub.app import token_settings

    rules = token_settings(settings)
    issuer = TokenIssuer(rules, LocalSigningKey.load_or_create(rules.key_path))
    token = issuer.issue("analyst-1", "Pat Analyst", "performance_analyst", "agency-la")
    return {"Authorization": f"Bearer {token}"}


async def test_the_as_at_view_counts_the_year_from_the_dates_things_happened(
    client: httpx.AsyncClient, settings: Settings, seeded: FalkorDBStore
) -> None:
    children: dict[str, Child] = {}
    for scenario, name, born, _, _ in SCENARIOS:
        child = Child(client, settings, name, born)
        await scenario(child)
        children[name] = child
    for scenario, name, due, _, _ in UNBORN:
        child = Child(client, settings, name, due, unborn=True)
        await scenario(child)
        children[name] = child
    everyone = [*SCENARIOS, *UNBORN]
    for on, column in ((MID_YEAR, 3), (YEAR_END, 4)):
        view = (await graphql(client, analyst(settings), AS_AT, {"on": on.isoformat()}))["asAt"]
        assert view["on"] == on.isoformat()
        for letter, category in CATEGORIES.items():
            expected = sorted(
                (children[row[1]].child_id, row[1]) for row in everyone if letter in row[column]
            )
            found = view[category]
            assert sorted((c["childId"], c["name"]) for c in found["children"]) == expected, (
                on,
                category,
            )
            assert found["count"] == len(expected)


async def test_the_as_at_view_is_for_performance_staff_and_not_the_future(
    client: httpx.AsyncClient, settings: Settings, seeded: FalkorDBStore
) -> None:
    from tests.helpers import bearer

    refused = await graphql(client, bearer(settings, "social-worker"), AS_AT, {})
    assert refused["asAt"]["__typename"] == "NotAuthorised"
    tomorrow = D.today().toordinal() + 1
    future = await graphql(
        client, analyst(settings), AS_AT, {"on": D.fromordinal(tomorrow).isoformat()}
    )
    assert future["asAt"]["problems"] == [{"field": "on", "rule": "must not be in the future"}]
    today = await graphql(client, analyst(settings), AS_AT, {})
    assert today["asAt"]["openEpisodes"] == {"count": 0, "children": []}
