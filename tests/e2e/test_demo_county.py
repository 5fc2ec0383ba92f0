"""The demo county's case journeys, seen through GraphQL by each persona who relies on them."""

from __future__ import annotations

import contextlib
import statistics
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from demo import county, personas
from graph import EmbeddedEngine, FalkorDBStore
from graph.observe import unwatch_store, watch_store
from hub.settings import Settings
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

TODAY = date(2026, 11, 2)


@pytest.fixture
async def demo(store: FalkorDBStore) -> county.County:
    world = county.generate("tiny", today=TODAY)
    await county.load(store, world, show_progress=False)
    return world


def _journey(world: county.County, kind: str) -> dict[str, str]:
    return next(j for j in world.journeys if j["kind"] == kind)


def _nhs(world: county.County, child_id: str) -> str:
    return str(next(p["nhsNumber"] for p in world.people if p["id"] == child_id))


async def test_the_demo_school_has_pupils_in_need_on_a_plan_and_looked_after(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    data = await graphql(client, bearer(settings, "education"), "{ myPupils { id openEpisodes } }")
    episodes = {pupil["id"]: pupil["openEpisodes"] for pupil in data["myPupils"]}
    assert episodes[_journey(demo, "CIN")["childId"]] == ["CHILD_IN_NEED"]
    assert episodes[_journey(demo, "CP")["childId"]] == ["CHILD_IN_NEED", "CHILD_PROTECTION"]
    # A looked-after child keeps the child in need episode the referral opened.
    assert episodes[_journey(demo, "LOOKED_AFTER")["childId"]] == [
        "CHILD_IN_NEED",
        "LOOKED_AFTER",
    ]
    places = {row["child"]: row["school"] for row in demo.school_places}
    assert all(places[child] == personas.DEMO_SCHOOL for child in episodes)


async def test_health_finds_plans_by_nhs_number_including_a_pre_birth_plan(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    query = """query ($n: String!) { cpisRecord(nhsNumber: $n) {
        plans { type startDate endDate } responsibleAuthority { name } } }"""
    health = bearer(settings, "health")
    protected = _journey(demo, "CP")["childId"]
    record = (await graphql(client, health, query, {"n": _nhs(demo, protected)}))["cpisRecord"]
    assert [plan["type"] for plan in record["plans"]] == ["CHILD_PROTECTION_PLAN"]
    assert record["plans"][0]["endDate"] is None
    looked_after = _journey(demo, "LOOKED_AFTER")["childId"]
    record = (await graphql(client, health, query, {"n": _nhs(demo, looked_after)}))["cpisRecord"]
    assert [plan["type"] for plan in record["plans"]] == ["LOOKED_AFTER"]
    unborn = _journey(demo, "PRE_BIRTH")
    record = (await graphql(client, health, query, {"n": unborn["nhsNumber"]}))["cpisRecord"]
    assert [plan["type"] for plan in record["plans"]] == ["UNBORN_CHILD_PROTECTION_PLAN"]
    assert record["responsibleAuthority"]["name"] == "Hertfordshire County Council"


CHILD = """query ($id: ID!) { child(id: $id) { unborn openEpisodes
  cases { status assessments { status startDate authorisedDate }
    section47Enquiries { status strategyDiscussionDate }
    initialConferences { status heldDate }
    childProtectionPlans { status startDate reviewDates
      steps { kind status dueDate completedDate } } }
  periodsOfCare { status legalStatus placementType steps { kind status dueDate } }
  childProtectionPlan { startDate endDate } chronology { kind title } } }"""


async def test_the_demo_worker_sees_each_journey_with_its_due_dates(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    worker = bearer(settings, "social-worker")

    async def child(kind: str) -> dict[str, object]:
        found = await graphql(client, worker, CHILD, {"id": _journey(demo, kind)["childId"]})
        return found["child"]  # type: ignore[no-any-return]

    protected = await child("CP")
    (case,) = protected["cases"]  # type: ignore[misc]
    assert case["status"] == "ACCEPTED"
    # The strategy discussion and the assessment started the same day, side by side; the
    # conference made the plan before the assessment was authorised.
    (assessment,) = case["assessments"]
    (enquiry,) = case["section47Enquiries"]
    (conference,) = case["initialConferences"]
    (plan,) = case["childProtectionPlans"]
    assert assessment["startDate"] == enquiry["strategyDiscussionDate"]
    assert conference["status"] == "PLAN_MADE"
    assert conference["heldDate"] < assessment["authorisedDate"]
    assert (plan["status"], plan["startDate"]) == ("ACTIVE", conference["heldDate"])
    # The first review was held when it fell due; the next is due 6 months after it.
    assert len(plan["reviewDates"]) == 1
    review = next(
        s for s in plan["steps"] if s["kind"] == "CHILD_PROTECTION_REVIEW" and s["status"] == "OPEN"
    )
    assert review["dueDate"] > TODAY.isoformat()

    unborn = await child("PRE_BIRTH")
    assert unborn["unborn"] is True
    assert unborn["openEpisodes"] == ["CHILD_IN_NEED", "CHILD_PROTECTION"]

    care = await child("LOOKED_AFTER")
    (period,) = care["periodsOfCare"]  # type: ignore[misc]
    assert (period["status"], period["legalStatus"], period["placementType"]) == (
        "LOOKED_AFTER",
        "C2_FULL_CARE_ORDER",
        "U4_FOSTER_OTHER_CARER_LONG_TERM",
    )
    open_kinds = {s["kind"] for s in period["steps"] if s["status"] == "OPEN"}
    assert {"LOOKED_AFTER_REVIEW", "STATUTORY_VISIT", "HEALTH_ASSESSMENT"} <= open_kinds
    titles = [entry["title"] for entry in care["chronology"] if entry["kind"] == "JOURNEY"]
    assert "changePlacement" in titles
    assert "holdLookedAfterReview" in titles

    leaver = await child("CARE_LEAVER")
    assert leaver["openEpisodes"] == ["CARE_LEAVER"]
    assert leaver["periodsOfCare"][0]["status"] == "CARE_LEAVER"  # type: ignore[index]

    adopted = await graphql(
        client,
        worker,
        """query ($id: ID!) { child(id: $id) { adoptionPlans { status placementOrderDate }
           periodsOfCare { legalStatus placementType } } }""",
        {"id": _journey(demo, "ADOPTION")["childId"]},
    )
    assert adopted["child"]["adoptionPlans"][0]["status"] == "PLACED"
    assert adopted["child"]["periodsOfCare"][0]["legalStatus"] == "E1_PLACEMENT_ORDER"
    breaks = await graphql(
        client,
        worker,
        "query ($id: ID!) { child(id: $id) { shortBreaks { legalStatus householdName } } }",
        {"id": _journey(demo, "SHORT_BREAKS")["childId"]},
    )
    assert (
        breaks["child"]["shortBreaks"]
        == [{"legalStatus": "V3_SHORT_BREAKS_EPISODES", "householdName": "The Okafor household"}]
        * 2
    )

    work = await graphql(client, worker, "{ myWork { items { childId kind dueDate } } }")
    journey_children = {j["childId"] for j in demo.journeys}
    kinds = {i["kind"] for i in work["myWork"]["items"] if i["childId"] in journey_children}
    assert {
        "CHILD_IN_NEED_PLAN_REVIEW",
        "CHILD_PROTECTION_REVIEW",
        "LOOKED_AFTER_REVIEW",
        "PATHWAY_PLAN",
    } <= kinds


class _StatementCount:
    """Counts the statements the store runs while it watches."""

    def __init__(self) -> None:
        self.statements = 0

    @contextlib.contextmanager
    def statement(self, name: str, *, read_only: bool, engine: str) -> Iterator[None]:
        self.statements += 1
        yield

    def pool_wait(self, seconds: float, *, timed_out: bool, engine: str) -> None:
        pass


async def _statements_to_load(engine: EmbeddedEngine, world: county.County) -> int:
    assert engine.socket_path is not None
    store = FalkorDBStore(engine.socket_path, f"load-{uuid.uuid4().hex}")
    await store.apply_schema()
    counted = _StatementCount()
    watch_store(counted)
    try:
        await county.load(store, world, show_progress=False)
    finally:
        unwatch_store(counted)
        await store.drop()
        await store.close()
    return counted.statements


async def test_the_demo_loads_people_and_relationships_in_bulk(engine: EmbeddedEngine) -> None:
    # Tests load the tiny county often, so its load must stay cheap: people, families and
    # relationships go in bulk, and only the journeys, contacts and notes are played one
    # statement at a time. Counted in statements, not timed: a busy machine cannot fail it.
    tiny = county.generate("tiny", today=TODAY)
    small = county.generate("small", today=TODAY)
    grown = await _statements_to_load(engine, small) - await _statements_to_load(engine, tiny)
    assert len(small.people) > 4 * len(tiny.people)
    assert grown < len(small.people) - len(tiny.people)


async def test_a_partner_access_notice_is_acknowledged_from_my_work(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    protected = _journey(demo, "CP")["childId"]
    lookup = "query ($n: String!) { cpisRecord(nhsNumber: $n) { nhsNumber } }"
    await graphql(client, bearer(settings, "health"), lookup, {"n": _nhs(demo, protected)})
    my_work = "{ myWork { notices { id kind childId acknowledged } } }"
    (notice,) = (await graphql(client, worker, my_work))["myWork"]["notices"]
    assert (notice["kind"], notice["childId"], notice["acknowledged"]) == (
        "PARTNER_ACCESS",
        protected,
        False,
    )
    acknowledge = """mutation ($id: ID!) { acknowledgeNotice(noticeId: $id) { __typename
      ... on WorkNotice { id childId acknowledged } ... on NotFound { kind id } } }"""
    # Someone else's notice is not theirs to acknowledge: it is not found.
    theirs = await graphql(client, manager, acknowledge, {"id": notice["id"]})
    assert theirs["acknowledgeNotice"] == {
        "__typename": "NotFound",
        "kind": "Notice",
        "id": notice["id"],
    }
    done = await graphql(client, worker, acknowledge, {"id": notice["id"]})
    assert done["acknowledgeNotice"] == {
        "__typename": "WorkNotice",
        "id": notice["id"],
        "childId": protected,
        "acknowledged": True,
    }
    assert (await graphql(client, worker, my_work))["myWork"]["notices"] == []
    trail = await graphql(client, worker, "{ myPartnerAccessNotices { id acknowledged } }")
    assert trail["myPartnerAccessNotices"] == [{"id": notice["id"], "acknowledged": True}]
    # Acknowledging again changes nothing and is not an error.
    again = await graphql(client, worker, acknowledge, {"id": notice["id"]})
    assert again["acknowledgeNotice"]["acknowledged"] is True


def _caseloads(world: county.County) -> tuple[Counter[str], Counter[str]]:
    """Children allocated to each social worker, and social workers in each team."""
    team_of = {w["id"]: w["team"] for w in world.workers if w["role"] == "social_worker"}
    caseloads = Counter({worker: 0 for worker in team_of})
    caseloads.update(row["worker"] for row in world.allocations)
    return caseloads, Counter(team_of.values())


def test_the_workforce_grows_with_the_county_to_real_caseloads_and_teams() -> None:
    caseloads, team_sizes = _caseloads(county.generate("large", today=TODAY))
    # ~15-25 children each (chance spreads them: a few hold more or fewer); teams of 6-10.
    assert 15 <= statistics.median(caseloads.values()) <= 25
    assert max(caseloads.values()) < 4 * county.CASELOAD
    assert set(team_sizes.values()) <= set(range(6, 11))
    assert len(team_sizes) > 20


def test_the_demo_keeps_its_four_teams_of_three() -> None:
    _, team_sizes = _caseloads(county.generate("small", today=TODAY))
    assert sorted(team_sizes.values()) == [3, 3, 3, 3]
