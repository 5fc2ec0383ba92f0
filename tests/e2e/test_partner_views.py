"""Partner agencies see their own dataset, nothing else; every read tells the worker."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import httpx
import pytest
from graphql import GraphQLObjectType

from auth.principal import Audience
from demo import county, personas
from graph import FalkorDBStore
from graph.cypher.partners import NHS_NUMBERS_ON_PLANS
from graph.migrations import backfill_access_holders
from hub.settings import Settings
from schema.build import build_schema
from tests.e2e.journey_helpers import act, referral_for
from tests.e2e.schema_walk import required, unwrap
from tests.helpers import PUPILS_WITH_OPEN_EPISODES, bearer, clock_at, graphql
from workflow import calendar

if TYPE_CHECKING:
    from graphql import GraphQLSchema

pytestmark = pytest.mark.anyio

DEMO = personas.DEMO_SCHOOL
MY_PUPILS = "{ myPupils { id openEpisodes } }"
POLICE_VIEW = """{ enquiryChildren { id givenName familyName dateOfBirth openEpisodes
  address { line1 postcode } family { members { householdRole person { givenName } } }
  allocatedWorker { name phone email } } }"""


@pytest.fixture
async def demo(store: FalkorDBStore) -> county.County:
    world = county.generate("tiny", today=date(2026, 11, 2))
    await county.load(store, world, show_progress=False)
    return world


async def test_police_see_only_children_in_their_open_enquiries(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    enquiry = demo.enquiries[0]
    data = await graphql(client, bearer(settings, "police"), POLICE_VIEW)
    children = data["enquiryChildren"]
    assert {child["id"] for child in children} == set(enquiry["childIds"])
    assert all(child["allocatedWorker"]["name"] for child in children)
    # The referral was about the first child of the family: theirs is the open episode.
    referred = next(c["childId"] for c in demo.contacts if c["childId"] in enquiry["childIds"])
    episodes = {child["id"]: child["openEpisodes"] for child in children}
    assert episodes.pop(referred) == ["CHILD_IN_NEED"]
    assert all(types == [] for types in episodes.values())
    # Closing the enquiry ends the view.
    rows = await store.read("MATCH (e:MultiAgencyEnquiry) RETURN e.id AS id")
    closed = await graphql(
        client,
        bearer(settings, "social-worker"),
        "mutation ($id: ID!) { closeMultiAgencyEnquiry(enquiryId: $id) { __typename } }",
        {"id": rows[0]["id"]},
    )
    assert closed["closeMultiAgencyEnquiry"]["__typename"] == "ClosedEnquiry"
    assert (await graphql(client, bearer(settings, "police"), POLICE_VIEW))["enquiryChildren"] == []


async def test_another_force_sees_nothing(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    from auth.tokens import LocalSigningKey, TokenIssuer
    from hub.app import token_settings

    rules = token_settings(settings)
    issuer = TokenIssuer(rules, LocalSigningKey.load_or_create(rules.key_path))
    token = issuer.issue("pc-2", "PC Other", "police_officer", "agency-other-force")
    headers = {"Authorization": f"Bearer {token}", "X-Purpose": "MASH_RESEARCH"}
    assert (await graphql(client, headers, POLICE_VIEW))["enquiryChildren"] == []


async def test_police_cannot_ask_for_notes_or_health_detail(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    for field in ("caseNotes { text }", "nhsNumber", "contacts { id }", "upn", "file { id }"):
        response = await client.post(
            "/graphql",
            json={"query": f"{{ enquiryChildren {{ id {field} }} }}"},
            headers=bearer(settings, "police"),
        )
        message = response.json()["errors"][0]["message"]
        assert message.startswith("Cannot query field"), message


async def test_a_school_sees_its_own_pupils_with_their_status_and_worker(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    pupils = {row["child"] for row in demo.school_places if row["school"] == personas.DEMO_SCHOOL}
    rows = await store.read(PUPILS_WITH_OPEN_EPISODES, {"school": personas.DEMO_SCHOOL})
    own = {row["id"] for row in rows}
    # Pupils with no open episode exist and stay out of the school's view.
    assert own < pupils
    data = await graphql(
        client,
        bearer(settings, "education"),
        "{ myPupils { id upn givenName openEpisodes allocatedWorker { name email phone } } }",
    )
    assert {pupil["id"] for pupil in data["myPupils"]} == own
    assert all(pupil["upn"] for pupil in data["myPupils"])


async def test_a_school_stops_seeing_a_pupil_whose_only_referral_is_withdrawn_in_error(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    # A referral typed on the wrong pupil made them a child in need, so their school saw
    # them; withdrawn as recorded in error, it never did, and the school no longer does.
    pupils = {row["child"] for row in demo.school_places if row["school"] == personas.DEMO_SCHOOL}
    seen = {r["id"] for r in await store.read(PUPILS_WITH_OPEN_EPISODES, {"school": DEMO})}
    pupil = sorted(pupils - seen)[0]
    await store.write(
        "MATCH (c:Child {id: $child}), (t:Team {id: $team}) CREATE (c)-[:RESPONSIBLE_TEAM]->(t)",
        {"child": pupil, "team": personas.SAFEGUARDING_TEAM},
    )
    await backfill_access_holders(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    school = bearer(settings, "education")
    case = await referral_for(client, worker, pupil, date(2026, 10, 5))
    assert pupil in {p["id"] for p in (await graphql(client, school, MY_PUPILS))["myPupils"]}

    withdrawn = await act(client, manager, "withdrawReferral", case, {"reason": "Wrong pupil."})
    assert withdrawn["status"] == "RECORDED_IN_ERROR", withdrawn
    assert pupil not in {p["id"] for p in (await graphql(client, school, MY_PUPILS))["myPupils"]}


async def test_every_partner_read_is_audited_and_notifies_the_allocated_worker(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    await graphql(
        client, bearer(settings, "police"), "query Research { enquiryChildren { id givenName } }"
    )
    events = await store.read(
        "MATCH (e:AuditEvent {audience: 'police'})-[:ACCESSED]->(c:Child)"
        " RETURN c.id AS child, e.purpose AS purpose, e.operation AS operation"
    )
    assert {e["child"] for e in events} == set(demo.enquiries[0]["childIds"])
    assert {(e["purpose"], e["operation"]) for e in events} == {("MASH_RESEARCH", "Research")}
    notices = await graphql(
        client,
        bearer(settings, "social-worker"),
        "{ myPartnerAccessNotices { childId audience agency reader purpose } }",
    )
    assert {n["childId"] for n in notices["myPartnerAccessNotices"]} == set(
        demo.enquiries[0]["childIds"]
    )
    assert {
        (n["audience"], n["reader"], n["purpose"]) for n in notices["myPartnerAccessNotices"]
    } == {("police", "DC Jo Reid", "MASH_RESEARCH")}


async def test_a_notice_limit_outside_1_to_500_is_refused_naming_it_not_answered_as_another(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    await graphql(client, bearer(settings, "police"), "{ enquiryChildren { id } }")
    worker = bearer(settings, "social-worker")
    query = "query ($n: Int!) { myPartnerAccessNotices(limit: $n) { childId } }"
    for limit in (0, -1, 501, 10**9):
        response = await client.post(
            "/graphql", json={"query": query, "variables": {"n": limit}}, headers=worker
        )
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["argument"] == "limit"
        assert error["message"] == (
            f"myPartnerAccessNotices(limit:) must be between 1 and 500; got {limit}"
        )
    one = await graphql(client, worker, "{ myPartnerAccessNotices(limit: 1) { childId } }")
    assert len(one["myPartnerAccessNotices"]) == 1


# Each read of a child: its query (SELECTION selects the field), and the field it selects.
READS_OF_A_CHILD = {
    "police": ("police", "{ enquiryChildren { SELECTION } }", "id"),
    "education": ("education", "{ myPupils { SELECTION } }", "givenName"),
    "health": ("health", '{ cpisRecord(nhsNumber: "NHS") { SELECTION } }', "nhsNumber"),
    "internal-entities": (
        "social-worker",
        '{ _entities(representations: [{__typename: "Child", id: "CHILD"}]) { SELECTION } }',
        "... on Child { id }",
    ),
}


@pytest.mark.parametrize("read", sorted(READS_OF_A_CHILD))
async def test_a_read_of_nothing_but_the_type_is_audited_and_notified_too(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    demo: county.County,
    read: str,
) -> None:
    """`__typename` alone says the child is there: for health, that a child is on a plan
    or looked after, the whole of what CP-IS tells. Audited against the same children as
    a read of a field, and a partner's read tells the allocated worker."""
    [on_plan] = await store.read(NHS_NUMBERS_ON_PLANS, {"limit": 1})
    seen = sorted(row["child"] for row in demo.allocations if row["worker"] == "worker-sw-demo")
    persona, template, field = READS_OF_A_CHILD[read]
    query = template.replace("NHS", on_plan["nhsNumber"]).replace("CHILD", seen[0])
    audited = "MATCH (e:AuditEvent)-[:ACCESSED]->(c:Child) RETURN c.id AS child, e.fields AS fields"
    partner_notices = "MATCH (n:Notice {kind: 'PARTNER_ACCESS'}) RETURN count(n) AS n"

    await graphql(client, bearer(settings, persona), query.replace("SELECTION", field))
    children = {row["child"] for row in await store.read(audited)}
    notices = await store.read(partner_notices)
    await store.write("MATCH (n) WHERE n:AuditEvent OR n:Notice DETACH DELETE n")
    await graphql(client, bearer(settings, persona), query.replace("SELECTION", "__typename"))

    assert children, "the read must reach some children to mean anything"
    assert (notices[0]["n"] > 0) is (persona != "social-worker")
    rows = await store.read(audited)
    assert {row["child"] for row in rows} == children
    assert all(row["fields"] == ["__typename"] for row in rows), rows
    assert await store.read(partner_notices) == notices


async def test_health_finds_nothing_for_a_child_without_a_plan(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    child = demo.children[0]
    query = "query ($n: String!) { cpisRecord(nhsNumber: $n) { nhsNumber } }"
    known = await graphql(client, bearer(settings, "health"), query, {"n": child["nhsNumber"]})
    unknown = await graphql(client, bearer(settings, "health"), query, {"n": "9434765919"})
    assert known == unknown == {"cpisRecord": None}


async def test_health_sees_the_cpis_dataset_of_a_child_on_a_plan_and_the_worker_is_told(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    from tests.e2e.journey_helpers import (
        act,
        assessed,
        demo_child,
        demo_county,
        latest,
        referral_for,
    )

    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=1)
    nhs_number = next(c["nhsNumber"] for c in world.children if c["id"] == child_id)
    case = await referral_for(client, worker, child_id, date(2026, 3, 2))
    case = await assessed(
        client, worker, manager, case, decided_on=date(2026, 3, 3), completed_on=date(2026, 4, 20)
    )
    query = """query ($n: String!) { cpisRecord(nhsNumber: $n) { nhsNumber
      plans { type startDate endDate }
      responsibleAuthority { name officeHoursPhone outOfHoursPhone } } }"""
    # Assessed but not on a plan: CP-IS has nothing to say.
    before = await graphql(client, bearer(settings, "health"), query, {"n": nhs_number})
    assert before == {"cpisRecord": None}
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-05-22"})
    case = await act(
        client,
        worker,
        "requestInitialConference",
        latest(case, "section47Enquiries"),
        {"concludedOn": "2026-06-01"},
    )
    case = await act(
        client,
        worker,
        "holdInitialConference",
        latest(case, "initialConferences"),
        {"heldOn": "2026-06-12", "planRequired": True, "categoriesOfAbuse": ["NEG_NEGLECT"]},
    )
    assert latest(case, "childProtectionPlans")["status"] == "ACTIVE"
    spaced = f"{nhs_number[:3]} {nhs_number[3:6]} {nhs_number[6:]}"
    found = await graphql(client, bearer(settings, "health"), query, {"n": spaced})
    assert found == {
        "cpisRecord": {
            "nhsNumber": nhs_number,
            "plans": [
                {"type": "CHILD_PROTECTION_PLAN", "startDate": "2026-06-12", "endDate": None}
            ],
            "responsibleAuthority": {
                "name": "Hertfordshire County Council",
                "officeHoursPhone": "0300 123 4043",
                "outOfHoursPhone": "0300 123 4040",
            },
        }
    }
    notices = await graphql(
        client, worker, "{ myPartnerAccessNotices { childId audience purpose } }"
    )
    assert {"childId": child_id, "audience": "health", "purpose": "UNSCHEDULED_CARE"} in notices[
        "myPartnerAccessNotices"
    ]
    # Health cannot ask for anything CP-IS does not hold.
    for field in ("childId", "categoriesOfAbuse", "caseNotes { text }", "address { line1 }"):
        response = await client.post(
            "/graphql",
            json={"query": f'{{ cpisRecord(nhsNumber: "{nhs_number}") {{ {field} }} }}'},
            headers=bearer(settings, "health"),
        )
        assert response.json()["errors"][0]["message"].startswith("Cannot query field")


@pytest.mark.parametrize(
    ("ended_on", "shown"),
    [(date(2027, 3, 1), True), (date(2027, 2, 28), False)],
    ids=["twelve-months-ago", "a-day-earlier"],
)
async def test_cpis_shows_plans_ended_within_the_previous_twelve_months_in_england(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    demo: county.County,
    monkeypatch: pytest.MonkeyPatch,
    ended_on: date,
    shown: bool,
) -> None:
    """On 1 March 2028 in England, a plan that ended on 1 March 2027 ended within the
    previous twelve months (366 days in a leap year, not 365); one that ended on
    28 February 2027 did not."""
    child = demo.children[0]
    await store.write(
        "MATCH (c:Child {id: $id}) CREATE (:ChildProtectionPlan {id: 'cpis-ended',"
        " status: 'ENDED', startDate: date('2026-06-12'), endDate: date($ended)})-[:ABOUT]->(c)",
        {"id": child["id"], "ended": ended_on.isoformat()},
    )
    monkeypatch.setattr(calendar, "datetime", clock_at(datetime(2028, 3, 1, 0, 30, tzinfo=UTC)))
    query = "query ($n: String!) { cpisRecord(nhsNumber: $n) { plans { endDate } } }"

    found = await graphql(client, bearer(settings, "health"), query, {"n": child["nhsNumber"]})

    plans = (found["cpisRecord"] or {"plans": []})["plans"]
    assert ({"endDate": ended_on.isoformat()} in plans) is shown


CPIS_LOOKUP = """query ($n: String!) { cpisLookup(nhsNumber: $n) { __typename
  ... on CpisRecord { nhsNumber plans { type } }
  ... on NoCpisRecord { nhsNumber }
  ... on InvalidInput { problems { field rule } } } }"""


@pytest.mark.parametrize(
    ("typed", "rule"),
    [
        # 9434765919 with its last two digits swapped: the check digit catches it.
        ("9434765991", "the NHS number fails its modulus-11 check digit"),
        ("943476591", "an NHS number is 10 digits"),
        ("94347659l9", "an NHS number is 10 digits"),
    ],
    ids=["transposed", "short", "letter"],
)
async def test_a_mistyped_nhs_number_is_answered_as_one_not_as_no_plan(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, typed: str, rule: str
) -> None:
    """A&E must not read a typing slip as "not on a plan": the look-up names the field
    and the rule, and nothing is read, so nothing is audited."""
    found = await graphql(client, bearer(settings, "health"), CPIS_LOOKUP, {"n": typed})

    assert found == {
        "cpisLookup": {
            "__typename": "InvalidInput",
            "problems": [{"field": "nhsNumber", "rule": rule}],
        }
    }
    assert await store.read("MATCH (e:AuditEvent) RETURN e.id AS id") == []


async def test_a_valid_nhs_number_without_a_plan_says_so_the_same_known_or_not(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    child = demo.children[0]
    health = bearer(settings, "health")
    spaced = f"{child['nhsNumber'][:3]} {child['nhsNumber'][3:6]}-{child['nhsNumber'][6:]}"
    known = await graphql(client, health, CPIS_LOOKUP, {"n": spaced})
    unknown = await graphql(client, health, CPIS_LOOKUP, {"n": "9434765919"})

    assert known == {"cpisLookup": {"__typename": "NoCpisRecord", "nhsNumber": child["nhsNumber"]}}
    assert unknown == {"cpisLookup": {"__typename": "NoCpisRecord", "nhsNumber": "9434765919"}}


async def test_the_look_up_answers_a_plan_as_the_old_field_did_and_the_old_one_points_to_it(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    [on_plan] = await store.read(NHS_NUMBERS_ON_PLANS, {"limit": 1})
    health = bearer(settings, "health")
    old = await graphql(
        client,
        health,
        "query ($n: String!) { cpisRecord(nhsNumber: $n) { nhsNumber plans { type } } }",
        {"n": on_plan["nhsNumber"]},
    )
    new = await graphql(client, health, CPIS_LOOKUP, {"n": on_plan["nhsNumber"]})
    assert old["cpisRecord"]["plans"]
    assert new == {"cpisLookup": {"__typename": "CpisRecord", **old["cpisRecord"]}}

    fields = await graphql(
        client,
        health,
        '{ __type(name: "Query") { fields(includeDeprecated: true)'
        " { name isDeprecated deprecationReason } } }",
    )
    by_name = {field["name"]: field for field in fields["__type"]["fields"]}
    assert by_name["cpisLookup"]["isDeprecated"] is False
    assert by_name["cpisRecord"]["isDeprecated"] is True
    assert "cpisLookup" in by_name["cpisRecord"]["deprecationReason"]


async def test_a_number_typed_in_full_width_digits_finds_the_plan(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    """A clinician typing through an East Asian input method sends full-width digits: the
    same number, which must not read as "not on a plan"."""
    [on_plan] = await store.read(NHS_NUMBERS_ON_PLANS, {"limit": 1})
    typed = "".join(chr(ord(digit) + 0xFEE0) for digit in on_plan["nhsNumber"])

    found = await graphql(client, bearer(settings, "health"), CPIS_LOOKUP, {"n": typed})

    assert found["cpisLookup"]["__typename"] == "CpisRecord"
    assert found["cpisLookup"]["nhsNumber"] == on_plan["nhsNumber"]
    # The deprecated field reads a number the same way, hyphens as typed included.
    old = "query ($n: String!) { cpisRecord(nhsNumber: $n) { nhsNumber } }"
    hyphenated = f"{typed[:3]}-{typed[3:6]}-{typed[6:]}"
    for number in (typed, hyphenated):
        found = await graphql(client, bearer(settings, "health"), old, {"n": number})
        assert found == {"cpisRecord": {"nhsNumber": on_plan["nhsNumber"]}}, number


SCHOOL_VIEW = "{ myPupils { id openEpisodes personalEducationPlan { inPlace lastCompleted } } }"


async def test_a_care_leaver_is_not_looked_after_now_for_their_school(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    """A school sees its pupils in need, on a plan or looked after now: a care leaver is
    a former looked-after child, and what care they had is not the school's to learn
    (no `CARE_LEAVER` episode, no personal education plan of the care that ended)."""
    leaver = next(j["childId"] for j in demo.journeys if j["kind"] == "CARE_LEAVER")
    await store.write(
        "MATCH (c:Child {id: $id}), (s:Agency {id: $school}) MERGE (c)-[:ATTENDS]->(s)",
        {"id": leaver, "school": personas.DEMO_SCHOOL},
    )
    school = bearer(settings, "education")

    pupils = (await graphql(client, school, SCHOOL_VIEW))["myPupils"]

    assert leaver not in {pupil["id"] for pupil in pupils}
    assert pupils, "the school must see some pupils to mean anything"
    # In need again: the school sees the child in need, and nothing of the care before.
    await referral_for(client, bearer(settings, "social-worker"), leaver, date(2026, 10, 5))
    again = (await graphql(client, school, SCHOOL_VIEW))["myPupils"]
    [seen] = [pupil for pupil in again if pupil["id"] == leaver]
    assert seen == {"id": leaver, "openEpisodes": ["CHILD_IN_NEED"], "personalEducationPlan": None}
    # Internal staff still see the care leaver's episode.
    internal = await graphql(
        client,
        bearer(settings, "social-worker"),
        "query ($id: ID!) { child(id: $id) { openEpisodes } }",
        {"id": leaver},
    )
    assert internal["child"]["openEpisodes"] == ["CHILD_IN_NEED", "CARE_LEAVER"]


def _every_field(schema: GraphQLSchema, type_name: str) -> str:
    """A selection of every field of `type_name` in the audience's schema, and of the
    objects below it (fields taking no required argument): what a partner could ask."""
    graphql_type = schema.type_map[type_name]
    assert isinstance(graphql_type, GraphQLObjectType)
    parts = []
    for name, graphql_field in graphql_type.fields.items():
        if any(required(argument) for argument in graphql_field.args.values()):
            continue
        inner = unwrap(graphql_field.type)
        parts.append(
            f"{name} {{ {_every_field(schema, inner.name)} }}"
            if isinstance(inner, GraphQLObjectType)
            else name
        )
    return " ".join(parts)


async def test_a_virtual_school_is_told_of_a_pupil_s_care_and_of_nothing_else_open(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    """Asked for a virtual school (a looked-after pupil's personal education plan), a
    school is shown its pupils looked after now: that the pupil is also in need, or on a
    child protection plan, is the designated safeguarding lead's to learn, not the
    virtual school's, on any field it may ask for."""
    looked_after = next(j["childId"] for j in demo.journeys if j["kind"] == "LOOKED_AFTER")
    worker = bearer(settings, "social-worker")
    open_cases = await store.read(
        "MATCH (c:Child {id: $id})<-[:ABOUT]-(r:Referral) WHERE r.status <> 'CLOSED'"
        " RETURN count(r) AS n",
        {"id": looked_after},
    )
    if open_cases[0]["n"] == 0:
        await referral_for(client, worker, looked_after, date(2026, 10, 5))
    selection = _every_field(build_schema(Audience.EDUCATION)._schema, "Child")
    query = f"{{ myPupils {{ {selection} }} }}"
    school = bearer(settings, "education")
    virtual_school = {**school, "X-Purpose": "VIRTUAL_SCHOOL"}

    safeguarding = (await graphql(client, school, query))["myPupils"]
    told = (await graphql(client, virtual_school, query))["myPupils"]

    [seen] = [pupil for pupil in safeguarding if pupil["id"] == looked_after]
    assert seen["openEpisodes"] == ["CHILD_IN_NEED", "LOOKED_AFTER"], seen
    [shown] = [pupil for pupil in told if pupil["id"] == looked_after]
    assert shown == {**seen, "openEpisodes": ["LOOKED_AFTER"]}
    assert {"CHILD_IN_NEED", "CHILD_PROTECTION"}.isdisjoint(
        kind for pupil in told for kind in pupil["openEpisodes"]
    ), told
