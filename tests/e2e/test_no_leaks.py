"""Leak probes: denial looks like absence at every path, and partners get only their rows.

The partner probe builds, from each partner's own schema, a query selecting every field
it may see to depth 4 below each root, runs it on the demo county, and checks every
child in the answer is one the partner's admission rule allows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as default
from datetime import date, timedelta
from functools import partial
from itertools import product
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_client_schema,
    get_introspection_query,
)

from auth.principal import Audience
from connectors import ehm, ies
from connectors.intake import ingest
from demo import county, personas
from graph import FalkorDBStore
from graph.cypher.partners import NHS_NUMBERS_ON_PLANS
from graph.migrations import backfill_access_holders
from hub.settings import Settings
from schema.build import ENTITY_TYPES, build_schema
from tests.e2e.schema_walk import SchemaWalk, required, unwrap
from tests.helpers import PUPILS_WITH_OPEN_EPISODES, add_worker, bearer, graphql, worker_bearer
from workflow.calendar import today_in_england
from workflow.ids import now_ms

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The walks below ask for every field of a child at once, far over the cost bound a
    # caller gets (the bound itself is tested in tests/hub/).
    return settings.model_copy(update={"max_cost": 10_000_000})


@pytest.fixture
async def demo(store: FalkorDBStore) -> county.County:
    world = county.generate("tiny", today=date(2026, 11, 2))
    await county.load(store, world, show_progress=False)
    return world


def _unwrap(graphql_type: Any) -> Any:
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        graphql_type = graphql_type.of_type
    return graphql_type


def _select_all(graphql_type: GraphQLObjectType, depth: int) -> str:
    parts = ["__typename"]
    for name, field in graphql_type.fields.items():
        if any(isinstance(arg.type, GraphQLNonNull) for arg in field.args.values()):
            continue
        inner = _unwrap(field.type)
        if isinstance(inner, GraphQLObjectType):
            if depth > 0:
                parts.append(f"{name} {{ {_select_all(inner, depth - 1)} }}")
        elif isinstance(inner, GraphQLUnionType):
            if depth > 0:
                members = " ".join(
                    f"... on {member.name} {{ {_select_all(member, depth - 1)} }}"
                    for member in inner.types
                )
                parts.append(f"{name} {{ {members} }}")
        else:
            parts.append(name)
    return " ".join(parts)


def _children_in(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        if value.get("__typename") == "Child":
            found.add(value["id"])
        if value.get("__typename") == "Person" and value.get("kind") == "CHILD":
            found.add(value["id"])
        for item in value.values():
            found |= _children_in(item)
    elif isinstance(value, list):
        for item in value:
            found |= _children_in(item)
    return found


def _household_of(world: county.County, child_ids: set[str]) -> set[str]:
    families = {p["family"] for p in world.children if p["id"] in child_ids}
    return {p["id"] for p in world.children if p["family"] in families}


@pytest.mark.parametrize(
    ("persona", "audience", "root"),
    [("police", Audience.POLICE, "enquiryChildren"), ("education", Audience.EDUCATION, "myPupils")],
)
async def test_partners_receive_only_children_their_rule_admits(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    demo: county.County,
    persona: str,
    audience: Audience,
    root: str,
) -> None:
    schema = build_schema(audience)._schema
    query_type = schema.query_type
    assert query_type is not None
    child_type = _unwrap(query_type.fields[root].type)
    query = f"{{ {root} {{ {_select_all(child_type, 4)} }} }}"
    data = await graphql(client, bearer(settings, persona), query)
    returned = _children_in(data)
    if audience is Audience.POLICE:
        admitted = set(demo.enquiries[0]["childIds"])
        # The household members police may see include the enquiry children's siblings.
        assert returned <= _household_of(demo, admitted)
        assert {c["id"] for c in data[root]} == admitted
    else:
        rows = await store.read(PUPILS_WITH_OPEN_EPISODES, {"school": personas.DEMO_SCHOOL})
        admitted = {row["id"] for row in rows}
        assert returned == admitted
    assert returned, "the probe must see some children to mean anything"


async def test_internal_denial_is_indistinguishable_from_absence_at_every_path(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    allocated = {row["child"]: row["team"] for row in demo.allocations}
    forbidden = next(
        c for c in demo.children if allocated.get(c["id"]) not in (None, personas.SAFEGUARDING_TEAM)
    )
    headers = bearer(settings, "social-worker")
    probes = [
        ("query ($v: ID!) { child(id: $v) { id givenName } }", "id"),
        ("query ($v: String!) { searchChildren(term: $v) { id } }", "nhsNumber"),
        (
            "query ($v: _Any!) { _entities(representations: [$v]) {"
            " ... on Child { id givenName } } }",
            "entity",
        ),
        ("query ($v: ID!) { accessTrail(childId: $v) { __typename } }", "id"),
    ]
    for query, kind in probes:
        answers = []
        for child in (
            forbidden,
            {"id": "C9999999", "nhsNumber": "9434765919", "familyName": "Zzyzx"},
        ):
            value: Any = {
                "id": child["id"],
                "nhsNumber": child["nhsNumber"],
                "entity": {"__typename": "Child", "id": child["id"]},
            }[kind]
            answers.append(await graphql(client, headers, query, {"v": value}))
        assert answers[0] == answers[1], (query, answers)


# A gateway sends `{__typename, id}` per entity; a crafted body may send anything `_Any`
# lets through. Each is refused on its own, naming the rule, never as an internal error.
MALFORMED_REPRESENTATIONS = {
    "not an object": lambda typename, key: key,
    "no __typename": lambda typename, key: {"id": key},
    "not an entity": lambda typename, key: {"__typename": "CaseNote", "id": key},
    "a root type": lambda typename, key: {"__typename": "Query", "id": key},
    "no id": lambda typename, key: {"__typename": typename},
    "an id that is a list": lambda typename, key: {"__typename": typename, "id": [key]},
    "an id that is an object": lambda typename, key: {"__typename": typename, "id": {"id": key}},
}


async def test_a_malformed_entity_representation_is_refused_as_bad_input(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    """For every entity type and shape: refused the same whether the key names a child the
    caller sees or nobody, with the other representations of the request answered."""
    headers = bearer(settings, "social-worker")
    seen = sorted(row["child"] for row in demo.allocations if row["worker"] == "worker-sw-demo")[0]
    query = "query ($r: [_Any!]!) { _entities(representations: $r) { ... on Child { id } } }"
    for typename, shape in product([t.__name__ for t in ENTITY_TYPES], MALFORMED_REPRESENTATIONS):
        answers = []
        for key in (seen, "C9999999"):
            bad = MALFORMED_REPRESENTATIONS[shape](typename, key)
            response = await client.post(
                "/graphql",
                json={
                    "query": query,
                    "variables": {"r": [{"__typename": "Child", "id": seen}, bad]},
                },
                headers=headers,
            )
            body = response.json()
            assert body["data"] == {"_entities": [{"id": seen}, None]}, (typename, shape, body)
            [error] = body["errors"]
            assert error["path"] == ["_entities", 1]
            assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "representations"}
            answers.append(error["message"])
        assert answers[0] == answers[1], (typename, shape)
        assert answers[0].startswith("representations[1]: "), (typename, shape)


async def test_an_entity_representation_s_fields_beyond_its_key_are_ignored(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    """A router may send more than the key; only the key finds the entity."""
    headers = bearer(settings, "social-worker")
    seen = sorted(row["child"] for row in demo.allocations if row["worker"] == "worker-sw-demo")[0]
    query = "query ($r: [_Any!]!) { _entities(representations: $r) { ... on Child { id } } }"
    extra = {"__typename": "Child", "id": seen, "restricted": False, "givenName": "x"}

    data = await graphql(client, headers, query, {"r": [extra]})

    assert data == {"_entities": [{"id": seen}]}


async def test_every_internal_field_of_a_child_resolves_for_its_social_worker(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    """Execution of every field internal staff may see on a child, to depth 3, with no
    errors; and every child the answer names is audited for the worker."""
    schema = build_schema(Audience.INTERNAL)._schema
    child_type = schema.type_map["Child"]
    assert isinstance(child_type, GraphQLObjectType)
    child_id = next(c["childId"] for c in demo.contacts if c["outcome"])
    query = f"query ($id: ID!) {{ child(id: $id) {{ {_select_all(child_type, 3)} }} }}"
    data = await graphql(client, bearer(settings, "social-worker"), query, {"id": child_id})
    assert data["child"]["id"] == child_id
    audited = await store.read(
        "MATCH (e:AuditEvent {subject: 'worker-sw-demo'})-[:ACCESSED]->(c:Child)"
        " RETURN DISTINCT c.id AS id"
    )
    assert {row["id"] for row in audited} >= _children_in(data)


# ---- relatives: the row rule holds on every path, not only at the roots ----------------

ENQUIRY_FAMILY = "query { enquiryChildren { __typename id family { members { person {"
ENQUIRY_FAMILY += " __typename id givenName dateOfBirth kind } } } } }"
SIBLINGS_OF = "query ($id: ID!) { child(id: $id) { id family { members { person { id"
SIBLINGS_OF += " givenName dateOfBirth } } } relationships { type person { id givenName } } } }"
RESTRICT = (
    'mutation ($id: ID!) { restrictRecord(childId: $id, restricted: true, reason: "adoption")'
    " { __typename } }"
)


def _enquiry_children(world: county.County) -> list[str]:
    return list(world.enquiries[0]["childIds"])


async def test_a_restricted_sibling_is_not_named_to_police_through_a_family(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    shown, restricted = _enquiry_children(demo)[0], _enquiry_children(demo)[-1]
    police = bearer(settings, "police")
    before = await graphql(client, police, ENQUIRY_FAMILY)
    assert restricted in _children_in(before), "the sibling is visible before the restriction"
    done = await graphql(client, bearer(settings, "team-manager"), RESTRICT, {"id": restricted})
    assert done["restrictRecord"]["__typename"] == "RecordRestriction"
    after = await graphql(client, police, ENQUIRY_FAMILY)
    assert restricted not in _children_in(after)
    assert shown in {child["id"] for child in after["enquiryChildren"]}
    # The adults of the household are still there: only the restricted child is omitted.
    members = [m["person"] for c in after["enquiryChildren"] for m in c["family"]["members"]]
    assert any(person["kind"] == "ADULT" for person in members)
    assert restricted not in str(after)


async def test_police_see_siblings_only_while_they_are_in_the_enquiry(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    inside, outside = _enquiry_children(demo)[0], _enquiry_children(demo)[-1]
    await store.write(
        "MATCH (:MultiAgencyEnquiry)-[r:CONCERNS]->(:Child {id: $id}) DELETE r", {"id": outside}
    )
    data = await graphql(client, bearer(settings, "police"), ENQUIRY_FAMILY)
    assert inside in _children_in(data)
    assert outside not in _children_in(data)


async def test_a_worker_who_loses_a_child_does_not_see_it_through_a_sibling(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    sibling, moved = _enquiry_children(demo)[0], _enquiry_children(demo)[-1]
    sam = bearer(settings, "social-worker")
    before = await graphql(client, sam, SIBLINGS_OF, {"id": sibling})
    assert moved in _children_in_people(before)
    # Transferred to a worker in another team: Sam's relationship with the child ends.
    await store.write(
        "MATCH (c:Child {id: $id})-[a:ALLOCATED_TO|RESPONSIBLE_TEAM]->() DELETE a"
        " WITH DISTINCT c MATCH (w:Worker {id: 'team-front-door-sw1'})"
        " MATCH (t:Team {id: 'team-front-door'})"
        " CREATE (c)-[:ALLOCATED_TO]->(w) CREATE (c)-[:RESPONSIBLE_TEAM]->(t)",
        {"id": moved},
    )
    await backfill_access_holders(store)
    lost = await graphql(client, sam, "query ($id: ID!) { child(id: $id) { id } }", {"id": moved})
    assert lost["child"] is None
    after = await graphql(client, sam, SIBLINGS_OF, {"id": sibling})
    assert after["child"]["id"] == sibling
    assert moved not in _children_in_people(after)
    assert moved not in str(after)


async def test_a_grant_that_expires_mid_session_closes_every_path(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    sibling, restricted = _enquiry_children(demo)[0], _enquiry_children(demo)[-1]
    sam = bearer(settings, "social-worker")
    await graphql(client, bearer(settings, "team-manager"), RESTRICT, {"id": restricted})
    assert restricted not in _children_in_people(
        await graphql(client, sam, SIBLINGS_OF, {"id": sibling})
    )
    await store.write(
        "MATCH (c:Child {id: $id}) CREATE (:Grant {id: 'g-1', workerId: 'worker-sw-demo',"
        " expiresAt: $until})-[:GRANTS_ACCESS_TO]->(c)",
        {"id": restricted, "until": 4_102_444_800_000},
    )
    granted = await graphql(client, sam, SIBLINGS_OF, {"id": sibling})
    assert restricted in _children_in_people(granted)
    await store.write("MATCH (g:Grant {id: 'g-1'}) SET g.expiresAt = 1")
    expired = await graphql(client, sam, SIBLINGS_OF, {"id": sibling})
    assert restricted not in _children_in_people(expired)
    assert restricted not in str(expired)


def _children_in_people(value: Any) -> set[str]:
    """Every person id in an answer (the internal probe selects no `kind`)."""
    found: set[str] = set()
    if isinstance(value, dict):
        if "id" in value:
            found.add(value["id"])
        for item in value.values():
            found |= _children_in_people(item)
    elif isinstance(value, list):
        for item in value:
            found |= _children_in_people(item)
    return found


# ---- the generated matrix: every schema path that can reach a child ---------------------
#
# The paths are generated from each audience's schema (introspection), not listed by hand
# (tests/e2e/schema_walk.py): from every query root and every mutation's payload, every
# field that leads within `_DEPTH` levels to a Child, a Person (who may be a child) or a
# leaf that identifies a child (an id, a name, a UPN or NHS number), through union members
# and interface implementations, nested required arguments given values made from their
# types. Each root is called with every scenario value its required arguments can take,
# each mutation with every value naming a child (or their record, file or form) the caller
# may not see; every child an answer names must be one the audience's rule, as written
# independently below, admits at that moment, a mutation called so writes nothing, and a
# type reachable from a root that the walk never looked into fails the test.

_DEPTH = 5
RESTRICTED = "C0000100"  # has a contact (so a form), in the police enquiry
OUT_OF_ENQUIRY = "C0000102"  # a sibling taken out of the enquiry
TRANSFERRED = "C0000002"  # a sibling of Sam's children, moved to another team
SCENARIO_FAMILIES = ("family-00000", "family-00001", "family-00002")

# Written apart from graph/cypher/access.py, as the rules read in the issue.
SAMS_CHILDREN = """
MATCH (c:Child)
WHERE (c)-[:ALLOCATED_TO]->(:Worker {id: 'worker-sw-demo'})
   OR (c)-[:RESPONSIBLE_TEAM]->(:Team {id: 'team-safeguarding-north'})
RETURN c.id AS id, coalesce(c.restricted, false) AS restricted
"""
FORCE_CHILDREN = """
MATCH (:Agency {id: 'agency-police'})<-[:PARTY]-(e:MultiAgencyEnquiry)-[:CONCERNS]->(c:Child)
WHERE e.status = 'OPEN'
RETURN DISTINCT c.id AS id, coalesce(c.restricted, false) AS restricted
"""
# A school's pupils in need, on a plan or looked after now (a care leaver is not), on its
# roll today: the authority's record of the school on the days it names, or an IES pupil
# record's stay (DOMAIN, README).
_ON_THE_SCHOOL_S_ROLL = """
WITH DISTINCT c
WITH c, [(c)-[a:ATTENDS]->(:Agency {id: $school}) | [a.from, a.until]] AS attends,
     [(c)<-[:LINKED_TO]-(:SourceRecord)-[stay:ON_ROLL_AT]->(:Agency {id: $school})
      | [stay.fromMs, stay.untilMs]] AS stays
WITH c, [d IN attends WHERE (d[0] IS NULL OR d[0] <= date($today))
                        AND (d[1] IS NULL OR d[1] >= date($today))] AS attending,
     [d IN stays WHERE d[0] <= $now AND (d[1] IS NULL OR d[1] > $now)] AS onRoll
WHERE size(attending) + size(onRoll) > 0
RETURN c.id AS id, coalesce(c.restricted, false) AS restricted
"""
SCHOOL_PUPILS = f"""
MATCH (c:Child)<-[:ABOUT]-(r)
WHERE (r:Referral AND r.status <> 'CLOSED')
   OR (r:PeriodOfCare AND r.status IN ['LOOKED_AFTER', 'CEASING_AWAITING_AUTHORISATION'])
{_ON_THE_SCHOOL_S_ROLL}"""
# Asking for a virtual school (a looked-after pupil's personal education plan, DOMAIN
# "Who sees what"), a school is shown only its pupils looked after now, on every path.
LOOKED_AFTER_PUPILS = f"""
MATCH (c:Child)<-[:ABOUT]-(r:PeriodOfCare)
WHERE r.status IN ['LOOKED_AFTER', 'CEASING_AWAITING_AUTHORISATION']
{_ON_THE_SCHOOL_S_ROLL}"""
DEMO_SCHOOL_URN, OTHER_SCHOOL_URN = "999001", "999002"
# Other staff, each by their own relationship (or a role that reads every record), each
# with a grant to the restricted child until it ends: a support officer and a social
# worker of Sam's team (his colleagues), an adult worker of the front door, the front
# door's manager (a worker there reports to them) and an analyst. A grant lifts the
# restriction, never gives a relationship: the front door sees her with one no more.
STAFF_CHILDREN = """
MATCH (c:Child)
WHERE $readsAll
   OR (c)-[:ALLOCATED_TO]->(:Worker {id: $worker})
   OR (c)-[:RESPONSIBLE_TEAM]->(:Team {id: $team})
   OR (c)-[:ALLOCATED_TO]->(:Worker)-[:REPORTS_TO*1..4]->(:Worker {id: $worker})
RETURN c.id AS id, coalesce(c.restricted, false) AS restricted
"""
OTHER_STAFF = {
    "support officer": ("leak-support", "support_officer", "team-safeguarding-north"),
    "team colleague": ("leak-colleague", "social_worker", "team-safeguarding-north"),
    "adult worker": ("leak-adult", "adult_worker", personas.FRONT_DOOR_TEAM),
    "front door manager": ("leak-manager", "team_manager", personas.FRONT_DOOR_TEAM),
    "analyst": ("worker-pa-demo", "performance_analyst", None),
    # Walks the mutations only (`MUTATION_WALKERS`): linking and merging answer with the
    # children a record may be about.
    "records officer": ("leak-records", "records_officer", None),
}
GRANTS = """
MATCH (g:Grant {workerId: $worker})-[:GRANTS_ACCESS_TO]->(c:Child)
WHERE g.expiresAt > $now
RETURN c.id AS id
"""
# Every walker's grant to the restricted child, ended between the walks.
END_GRANTS = "MATCH (g:Grant) WHERE g.id STARTS WITH 'g-matrix' SET g.expiresAt = 1"


def _paths(selection: str) -> set[str]:
    """The dotted paths of a selection, type conditions left out (what the walk covers)."""
    found: set[str] = set()
    stack: list[str] = []
    last = ""
    condition = False
    selection = re.sub(r"\([^)]*\)", "", selection)
    for token in selection.replace("{", " { ").replace("}", " } ").split():
        if token == "{":
            stack.append(last)
        elif token == "}":
            stack.pop()
        elif token == "...":
            continue
        elif token == "on":
            condition = True
        elif condition:
            last, condition = "", False
        else:
            last = token
            found.add(".".join(part for part in [*stack, token] if part))
    return found


def _children_named(value: Any) -> tuple[set[str], set[tuple[str, str]]]:
    """The ids of the children an answer names, and what else in it identifies a child
    (a name, a UPN, an NHS number), read by the field names `identifies_a_child` walks."""
    ids = _children_in(value)
    mentions: set[tuple[str, str]] = set()

    def walk(item: Any) -> None:
        if isinstance(item, dict):
            for key, inner in item.items():
                lowered = key.lower()
                if lowered.endswith(("childid", "childids")):
                    ids.update(v for v in (inner if isinstance(inner, list) else [inner]) if v)
                elif lowered.endswith("childname") and inner:
                    mentions.add(("name", inner))
                elif lowered.endswith(("upn", "nhsnumber")) and inner:
                    mentions.add((lowered[-3:] if lowered.endswith("upn") else "nhs", inner))
                elif lowered.endswith("givenname") and inner:
                    prefix = key[: -len("givenName")]
                    family = item.get(f"{prefix}familyName") or item.get(f"{prefix}FamilyName")
                    if family:
                        mentions.add(("name", f"{inner} {family}"))
                walk(inner)
        elif isinstance(item, list):
            for inner in item:
                walk(inner)

    walk(value)
    return ids, mentions


async def _scenario_values(store: FalkorDBStore, world: county.County) -> dict[str, list[Any]]:
    children = [c for c in world.children if c["family"] in SCENARIO_FAMILIES]
    ids = [c["id"] for c in children]
    records = await store.read(
        "UNWIND $ids AS id MATCH (:Child {id: id})<-[:ABOUT]-(r) WHERE r.id IS NOT NULL"
        " RETURN DISTINCT r.id AS id",
        {"ids": ids},
    )
    versions = await store.read(
        "UNWIND $ids AS id MATCH (:File {childId: id})-[:HAS_FOLDER]->()-[:HOLDS]->()"
        "-[:HAS_VERSION]->(v) RETURN v.id AS id",
        {"ids": ids},
    )
    record_ids = [row["id"] for row in records]
    # An early help record about each child, linked by NHS number: the linking roots
    # (sourceRecord, candidates, childSourceRecords) are paths to a child too.
    rows = [
        (
            line,
            {
                "recordType": "EARLY_HELP_EPISODE",
                "recordId": f"leak-{child['id']}",
                "version": 1,
                "nhsNumber": child["nhsNumber"],
                "givenName": child["givenName"],
                "familyName": child["familyName"],
                "dateOfBirth": str(child["dateOfBirth"]),
                "startDate": "2025-09-01",
            },
        )
        for line, child in enumerate(children, 1)
        if child.get("nhsNumber")
    ]
    report = await ingest(store, rows, ehm.SOURCE, by="system:leak-probe")
    assert not report.rejected, report.rejected
    sources = await store.read(
        "UNWIND $ids AS id MATCH (:Child {id: id})<-[:LINKED_TO]-(r:SourceRecord)"
        " RETURN r.id AS id",
        {"ids": ids},
    )
    return {
        "recordId": [row["id"] for row in sources],
        "id": ids + record_ids,
        "childId": ids,
        "versionId": [row["id"] for row in versions],
        "term": sorted({c["familyName"] for c in children} | {c["nhsNumber"] for c in children}),
        "nhsNumber": [c["nhsNumber"] for c in children],
        "representations": [
            [{"__typename": typename, "id": item}]
            for typename in ("Child", "Person", "Family", "Case", "Document")
            for item in ids + record_ids
        ],
    }


@dataclass
class _Walked:
    named: set[str] = default(default_factory=set)
    mentions: set[tuple[str, str]] = default(default_factory=set)
    covered: set[str] = default(default_factory=set)
    unvisited: set[str] = default(default_factory=set)
    visited: set[str] = default(default_factory=set)

    def add(self, answer: Any, asked: dict[str, Any]) -> None:
        ids, mentions = _children_named(answer)
        self.named |= ids
        # A number or name the caller gave, said back (a CP-IS lookup's "no record for
        # this number"), tells them nothing they did not know.
        given = json.dumps(asked)
        self.mentions |= {mention for mention in mentions if json.dumps(mention[1]) not in given}


async def _schema_of(client: httpx.AsyncClient, headers: dict[str, str]) -> GraphQLSchema:
    """The schema as this caller's introspection describes it: what they can actually ask."""
    return build_client_schema(await graphql(client, headers, get_introspection_query()))  # type: ignore[arg-type]


async def _walk(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    audience: Audience,
    values: dict[str, list[Any]],
    forbidden: dict[str, list[Any]] | None = None,
    store: FalkorDBStore | None = None,
) -> _Walked:
    """Every child named by every root's answer, the paths the walk selected, and the
    types reachable from a root the walk never looked into. With `forbidden` (values
    naming children and records the caller may not see), every mutation is called with
    them too: its payload is walked, and with `store` nothing may be written."""
    schema = await _schema_of(client, headers)
    query_type = schema.query_type
    assert query_type is not None
    assert audience is Audience.INTERNAL or "_entities" not in query_type.fields
    walk = SchemaWalk(schema, values)
    walked = _Walked()
    for root, root_field in query_type.fields.items():
        walk.variables = {}
        selection = walk.selection(unwrap(root_field.type), _DEPTH)
        arguments = [(name, arg) for name, arg in root_field.args.items() if required(arg)]
        if selection is None:
            # A partner's types may carry a child without naming one (a CP-IS record, a
            # school's notice): the read audit is the witness of whose data left, so each
            # such root is asked too, for `__typename`, with every value it can take.
            if audience is Audience.INTERNAL:
                continue
            selection = "__typename"
        walked.covered |= {f"{root}.{path}" for path in _paths(selection)}
        # The root's own arguments take every scenario value they can; nested ones the
        # first (SchemaWalk.value).
        choices = max((len(values.get(name, [])) for name, _ in arguments), default=1) or 1
        for choice in range(choices):
            nested = dict(walk.variables)
            walk.variables = {}
            passed = walk.arguments(root_field, choice, prefix="root")
            walk.variables |= nested
            query = f"query {walk.declared()} {{ {root}{passed} {{ {selection} }} }}"
            variables = {name: value for name, (_, value) in walk.variables.items()}
            walked.add(await graphql(client, headers, query, variables), variables)
            walk.variables = nested
    if forbidden is not None and schema.mutation_type is not None:
        await _walk_mutations(client, headers, SchemaWalk(schema, forbidden), walked, store)
        walk.visited |= walked.visited
    walked.unvisited = walk.reachable(forbidden is not None) - walk.visited
    walked.unvisited -= {"Query", "Mutation"}
    return walked


# What a refused or absent-minded mutation may leave behind that is no write about a
# child: the read audit (every read of a record is audited, refusals too).
_NOT_A_WRITE = "NOT n:AuditEvent"
# Taken between every two mutations, so the engine's own node ids stand for the ends of an
# edge (the maps of both ends made the snapshot three times slower); a failure names the
# nodes by their labels and properties.
SNAPSHOT_NODES = (
    f"MATCH (n) WHERE {_NOT_A_WRITE}"
    " RETURN id(n) AS node, labels(n) AS labels, properties(n) AS p ORDER BY node"
)
SNAPSHOT_EDGES = (
    f"MATCH (n)-[r]->(m) WHERE {_NOT_A_WRITE}"
    " RETURN id(r) AS edge, type(r) AS type, properties(r) AS p, id(n) AS start, id(m) AS end"
    " ORDER BY edge"
)


@dataclass(frozen=True)
class _Snapshot:
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]

    def changed_since(self, before: _Snapshot) -> list[str]:
        """What differs from `before`: each node or edge added, removed or changed."""

        def lines(snapshot: _Snapshot) -> set[str]:
            names = {row["node"]: f"{row['labels']} {row['p']}" for row in snapshot.nodes}
            return {f"node {name}" for name in names.values()} | {
                f"edge {names[row['start']]} -[{row['type']} {row['p']}]-> {names[row['end']]}"
                for row in snapshot.edges
            }

        was, now = lines(before), lines(self)
        return sorted(f"- {line}" for line in was - now) + sorted(f"+ {line}" for line in now - was)


async def _snapshot(store: FalkorDBStore) -> _Snapshot:
    return _Snapshot(await store.read(SNAPSHOT_NODES), await store.read(SNAPSHOT_EDGES))


def _mutation_calls(
    walk: SchemaWalk, walked: _Walked
) -> Iterator[tuple[str, list[tuple[str, dict[str, Any]]]]]:
    """Each mutation with its calls: one per value its arguments can take (the
    `choice`-th of each, cycling), the rest of its arguments made from their types, the
    payload selected as a query's answer is."""
    mutation_type = walk.schema.mutation_type
    assert mutation_type is not None
    choices = max(len(options) for options in walk.values.values())
    for name, mutation in mutation_type.fields.items():
        walk.variables = {}
        selection = walk.selection(unwrap(mutation.type), _DEPTH) or "__typename"
        walked.covered |= {f"{name}.{path}" for path in _paths(selection)}
        nested = dict(walk.variables)
        calls = []
        for choice in range(choices):
            walk.variables = {}
            passed = walk.arguments(mutation, choice, prefix="root")
            walk.variables |= nested
            operation = f"mutation {walk.declared()} {{ {name}{passed} {{ {selection} }} }}"
            calls.append((operation, {key: value for key, (_, value) in walk.variables.items()}))
        yield name, calls
    walked.visited |= walk.visited


async def _call(
    client: httpx.AsyncClient, headers: dict[str, str], name: str, call: tuple[str, Any]
) -> Any:
    """The mutation's answer: a refusal (bad input, not found, not authorised) is data
    or an error naming the argument; either way only what it names is walked."""
    operation, variables = call
    response = await client.post(
        "/graphql", json={"query": operation, "variables": variables}, headers=headers
    )
    body = response.json()
    assert response.status_code in (200, 400), (name, response.status_code, body)
    return body.get("data")


async def _walk_mutations(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    walk: SchemaWalk,
    walked: _Walked,
    store: FalkorDBStore | None,
) -> None:
    """Every mutation, called with each forbidden value its arguments can take (an id of
    a child the caller may not see, of a record or file of theirs): the payload, walked
    as a query's answer is, names no such child, and (with `store`) the graph is as it
    was after each mutation's calls, so a failure names the mutation that wrote."""
    before = await _snapshot(store) if store is not None else None
    written: dict[str, list[str]] = {}
    for name, calls in _mutation_calls(walk, walked):
        for call in calls:
            walked.add(await _call(client, headers, name, call), call[1])
        if before is not None and store is not None:
            after = await _snapshot(store)
            if after != before:
                written[name] = after.changed_since(before)[:5]
            before = after
    assert not written, ("written", written)


async def _walk_mutations_allowed(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    walk: SchemaWalk,
    walked: _Walked,
    store: FalkorDBStore,
    rule: Callable[[], Awaitable[set[str]]],
) -> set[str]:
    """Every mutation, called with each value naming a child the caller may see (or a
    record, file or notice of theirs): what it answers may name a relative, a household
    member, a record's other children. Each call may change what the caller may see (an
    allocation ended, a record restricted), so every child its payload names or
    identifies must be admitted by `rule` just before or just after it. Returns every
    child admitted at some point (what the read audit may hold)."""
    allowed = await rule()
    ever = set(allowed)
    leaks: dict[str, list[str]] = {}

    for name, calls in _mutation_calls(walk, walked):
        for call in calls:
            answer = await _call(client, headers, name, call)
            walked.add(answer, call[1])
            ids, mentions = _children_named(answer)
            given = json.dumps(call[1])
            mentions = {mention for mention in mentions if json.dumps(mention[1]) not in given}
            named = ids | (await _identified(store, mentions, allowed) if mentions else set())
            if named <= allowed:
                continue
            # Read the rule again only when the answer names someone it did not admit:
            # the call itself may have let the caller see them.
            after = await rule()
            ever |= after
            if named - allowed - after:
                leaks.setdefault(name, []).append(f"{sorted(named - allowed - after)} {call[1]}")
            allowed = after
        # What the mutation's calls changed, for the next one's answers and the audit.
        allowed = await rule()
        ever |= allowed
    assert not leaks, ("named a child the caller may not see", leaks)
    return ever


async def _identified(
    store: FalkorDBStore, mentions: set[tuple[str, str]], allowed: set[str]
) -> set[str]:
    """The children a name, UPN or NHS number in an answer can only be: one shared with
    a child the caller may see (or an adult of the same name) is not counted."""
    rows = await store.read(
        "MATCH (c:Child) RETURN c.id AS id, c.givenName + ' ' + c.familyName AS name,"
        " c.upn AS upn, c.nhsNumber AS nhs"
    )
    found: set[str] = set()
    for kind, value in mentions:
        candidates = {row["id"] for row in rows if row[kind] == value}
        if not candidates & allowed:
            found |= candidates
    return found


async def _forbidden_values(
    store: FalkorDBStore, values: dict[str, list[Any]], allowed: set[str]
) -> dict[str, list[Any]]:
    """The scenario's values that name a child the caller may not see, or a record, file
    or notice of theirs: what every mutation is called with."""
    return await _values_about(
        store, [child for child in values["childId"] if child not in allowed]
    )


async def _values_about(store: FalkorDBStore, children: list[str]) -> dict[str, list[Any]]:
    """The values naming `children`, or a record, file or notice of theirs."""
    rows = await store.read(
        "UNWIND $ids AS id MATCH (c:Child {id: id})"
        " RETURN c.id AS child, c.nhsNumber AS nhs, c.upn AS upn,"
        " [(c)<-[:ABOUT]-(r) WHERE r.id IS NOT NULL | [labels(r)[0], r.id]] AS records",
        {"ids": children},
    )
    # One record of each kind first, so a walk that takes only the first few values
    # still calls each kind's mutations with one of its own.
    kinds: dict[str, list[str]] = {}
    for row in rows:
        for kind, record in row["records"]:
            kinds.setdefault(kind, []).append(record)
    records = [
        record
        for depth in range(max(map(len, kinds.values()), default=0))
        for found in kinds.values()
        if depth < len(found)
        for record in found[depth : depth + 1]
    ]
    files = await store.read(
        "UNWIND $ids AS id MATCH (f:File {childId: id})"
        " OPTIONAL MATCH (f)-[:HAS_FOLDER]->()-[:HOLDS]->()-[:HAS_VERSION]->(v)"
        " RETURN f.id AS file, collect(v.id) AS versions",
        {"ids": children},
    )
    sources = await store.read(
        "UNWIND $ids AS id MATCH (:Child {id: id})<-[:LINKED_TO]-(r:SourceRecord)"
        " RETURN r.id AS id",
        {"ids": children},
    )
    return {
        "childId": children,
        "recordId": [row["id"] for row in sources] or ["R-none"],
        "id": children + records,
        "fileId": [row["file"] for row in files] or ["F-none"],
        "versionId": [version for row in files for version in row["versions"]] or ["V-none"],
        "nhsNumber": [row["nhs"] for row in rows if row["nhs"]],
        "upn": [row["upn"] for row in rows if row["upn"]],
        "term": [row["nhs"] for row in rows if row["nhs"]],
        # Values that pass validation, so the call reaches the rule about the child.
        "templateKey": ["contact_record"],
        "postcode": ["SG13 8DQ"],
        "score": [12],
    }


AUDITED = "MATCH (:AuditEvent)-[:ACCESSED]->(c:Child) RETURN DISTINCT c.id AS id"


async def _school_scenario(store: FalkorDBStore) -> tuple[str, str, str]:
    """Three pupils of the demo school in need: one who left it last summer (the
    authority's own record, dated), and two whose place IES keeps instead (the
    authority's record taken away): one moved away by a new version of the pupil record,
    one still on the roll. Returns (left, moved away, on the roll)."""
    await store.write(
        "MATCH (s:Agency {id: $school}) SET s.urn = $urn",
        {"school": personas.DEMO_SCHOOL, "urn": DEMO_SCHOOL_URN},
    )
    pupils = await store.read(PUPILS_WITH_OPEN_EPISODES, {"school": personas.DEMO_SCHOOL})
    left_school, moved_id, staying_id = sorted(
        row["id"] for row in pupils if row["id"] not in (RESTRICTED, OUT_OF_ENQUIRY)
    )[:3]
    await store.write(
        "MATCH (:Child {id: $id})-[a:ATTENDS]->(:Agency {id: $school})"
        " SET a.from = date('2019-09-04'), a.until = date('2025-07-22')",
        {"id": left_school, "school": personas.DEMO_SCHOOL},
    )
    moved, staying = (
        row["child"]
        for row in await store.write(
            "UNWIND $ids AS id MATCH (c:Child {id: id})-[a:ATTENDS]->(:Agency {id: $school})"
            " DELETE a"
            " RETURN c {.id, .upn, .nhsNumber, .givenName, .familyName, .dateOfBirth} AS child"
            " ORDER BY child.id",
            {"ids": [moved_id, staying_id], "school": personas.DEMO_SCHOOL},
        )
    )
    rows = [
        (version, {**_ies_pupil(child), "version": version, "schoolUrn": urn, "startDate": day})
        for child, version, urn, day in (
            (moved, 1, DEMO_SCHOOL_URN, "2024-09-02"),
            (staying, 1, DEMO_SCHOOL_URN, "2024-09-02"),
            (moved, 2, OTHER_SCHOOL_URN, "2025-09-03"),
        )
    ]
    for line, row in rows:
        report = await ingest(store, [(line, row)], ies.SOURCE, by="system:leak-probe")
        assert not report.rejected, report.rejected
    return left_school, moved_id, staying_id


def _ies_pupil(child: dict[str, Any]) -> dict[str, Any]:
    return {
        "recordType": "PUPIL",
        "recordId": f"leak-pupil-{child['id']}",
        "upn": child["upn"],
        "nhsNumber": child["nhsNumber"],
        "givenName": child["givenName"],
        "familyName": child["familyName"],
        "dateOfBirth": str(child["dateOfBirth"]),
        "schoolName": "A school",
        "yearGroup": "5",
    }


# Who walks: (persona, audience, purpose); a purpose naming OTHER_STAFF is that worker.
Walker = tuple[str, Audience, str | None]

SAM_AND_PARTNERS: tuple[Walker, ...] = (
    ("social-worker", Audience.INTERNAL, None),
    ("police", Audience.POLICE, None),
    ("education", Audience.EDUCATION, None),
    ("education", Audience.EDUCATION, "VIRTUAL_SCHOOL"),
    ("health", Audience.HEALTH, None),
)
OTHER_STAFF_WALKERS: tuple[Walker, ...] = tuple(
    ("staff", Audience.INTERNAL, who) for who in OTHER_STAFF if who != "records officer"
)
# Of the other staff, the mutations are walked with their own ids by the manager of
# another team (a worker there holds the sibling of Sam's children) and the records
# officer (each internal walker takes minutes).
MUTATION_WALKERS: tuple[Walker, ...] = SAM_AND_PARTNERS + tuple(
    ("staff", Audience.INTERNAL, who) for who in ("front door manager", "records officer")
)


async def test_every_path_that_reaches_a_child_keeps_to_the_audience_rule(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    # The other staff walk the same scenario in test_no_leaks_staff.py: a file of their
    # own, so the test run can walk both at once.
    await walk_every_path(client, settings, store, demo, SAM_AND_PARTNERS)


@dataclass
class _Scene:
    """The scenario every walk runs on (`_set_scene`): the values the roots and mutations
    take, and the pupils whose school the walks check by name."""

    values: dict[str, list[Any]]
    left_school: str
    moved_away: str
    on_ies_roll: str
    leaver: str
    # The force's enquiry closed between the walks, its children, and their sibling
    # whose own enquiry stays open.
    closing_enquiry: str
    leaving_enquiry: list[str]
    still_in_enquiry: list[str]


async def _set_scene(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> _Scene:
    """The demo county with a restricted child (a form of hers filed, Sam holding a grant
    to her), a sibling out of the police enquiry, one moved to another team, a school's
    leaver and pupils IES keeps, a care leaver on the roll, and the other staff."""
    sam = bearer(settings, "social-worker")
    [contact] = await store.read(
        "MATCH (k:Contact)-[:ABOUT]->(:Child {id: $id}) RETURN k.id AS id", {"id": RESTRICTED}
    )
    form = await graphql(
        client,
        sam,
        'mutation ($c: ID!, $k: ID) { generateForm(childId: $c, templateKey: "contact_record",'
        " sourceId: $k) { __typename } }",
        {"c": RESTRICTED, "k": contact["id"]},
    )
    assert form["generateForm"]["__typename"] == "GeneratedForm"
    await graphql(client, bearer(settings, "team-manager"), RESTRICT, {"id": RESTRICTED})
    await store.write(
        "MATCH (:MultiAgencyEnquiry)-[r:CONCERNS]->(:Child {id: $id}) DELETE r",
        {"id": OUT_OF_ENQUIRY},
    )
    await store.write(
        "MATCH (c:Child {id: $id})-[a:ALLOCATED_TO|RESPONSIBLE_TEAM]->() DELETE a"
        " WITH DISTINCT c MATCH (w:Worker {id: 'team-front-door-sw1'})"
        " MATCH (t:Team {id: 'team-front-door'})"
        " CREATE (c)-[:ALLOCATED_TO]->(w) CREATE (c)-[:RESPONSIBLE_TEAM]->(t)",
        {"id": TRANSFERRED},
    )
    await backfill_access_holders(store)
    await store.write(
        "MATCH (c:Child {id: $id}) UNWIND $workers AS worker"
        " CREATE (:Grant {id: 'g-matrix-' + worker, workerId: worker,"
        " expiresAt: $until})-[:GRANTS_ACCESS_TO]->(c)",
        {
            "id": RESTRICTED,
            "until": 4_102_444_800_000,
            "workers": ["worker-sw-demo", *(who[0] for who in OTHER_STAFF.values())],
        },
    )
    left_school, moved_away, on_ies_roll = await _school_scenario(store)
    # A former looked-after pupil (a care leaver) on the school's roll.
    leaver = next(j["childId"] for j in demo.journeys if j["kind"] == "CARE_LEAVER")
    await store.write(
        "MATCH (c:Child {id: $id}), (s:Agency {id: $school}) MERGE (c)-[:ATTENDS]->(s)",
        {"id": leaver, "school": personas.DEMO_SCHOOL},
    )
    values = await _scenario_values(store, demo)
    assert values["versionId"], "the restricted child's form must be among the probes"
    # Health looks up children on a plan, the restricted child among them.
    on_plans = await store.read(NHS_NUMBERS_ON_PLANS, {"limit": 5})
    [restricted] = await store.read(
        "MATCH (c:Child {id: $id}) RETURN c.nhsNumber AS n", {"id": RESTRICTED}
    )
    values["nhsNumber"] += [row["nhsNumber"] for row in on_plans] + [restricted["n"]]

    for subject, role, team in OTHER_STAFF.values():
        if subject.startswith("leak-"):
            await add_worker(store, subject, role, team)
    await store.write(
        "MATCH (w:Worker {id: 'team-front-door-sw1'}), (m:Worker {id: 'leak-manager'})"
        " CREATE (w)-[:REPORTS_TO]->(m)"
    )
    # Two more enquiries the force is party to, about a household of Sam's: one about
    # all its children but one, closed between the walks, and one about that one, which
    # stays open: their household is a path back to the others once theirs has closed.
    household = sorted(
        c["id"]
        for c in demo.children
        if c["family"] == SCENARIO_FAMILIES[2] and c["id"] not in (RESTRICTED, TRANSFERRED)
    )
    closing, staying = household[1:], household[:1]
    enquiries = []
    for children in (closing, staying):
        opened = await graphql(
            client,
            sam,
            "mutation ($c: [ID!]!) { openMultiAgencyEnquiry(childIds: $c, kind: MASH,"
            ' agencyIds: ["agency-police", "agency-la"], reason: "leak probe")'
            " { __typename ... on MultiAgencyEnquiry { id } } }",
            {"c": children},
        )
        assert opened["openMultiAgencyEnquiry"]["__typename"] == "MultiAgencyEnquiry", opened
        enquiries.append(opened["openMultiAgencyEnquiry"]["id"])
    return _Scene(
        values, left_school, moved_away, on_ies_roll, leaver, enquiries[0], closing, staying
    )


async def _admitted(
    store: FalkorDBStore, values: dict[str, list[Any]], audience: Audience, purpose: str | None
) -> set[str]:
    """The children the walker's rule, as written apart above, admits now."""
    if purpose in OTHER_STAFF:
        subject, role, team = OTHER_STAFF[purpose]
        rows = await store.read(
            STAFF_CHILDREN,
            {
                "readsAll": role in ("performance_analyst", "records_officer"),
                "worker": subject,
                "team": team,
            },
        )
    elif audience is Audience.INTERNAL:
        subject = "worker-sw-demo"
        rows = await store.read(SAMS_CHILDREN)
    if audience is Audience.INTERNAL:
        granted = {r["id"] for r in await store.read(GRANTS, {"worker": subject, "now": now_ms()})}
        return {r["id"] for r in rows if not r["restricted"] or r["id"] in granted}
    if audience is Audience.POLICE:
        rows = await store.read(FORCE_CHILDREN)
    elif audience is Audience.HEALTH:
        rows = await store.read(
            "MATCH (c:Child) WHERE c.nhsNumber IN $numbers"
            " RETURN c.id AS id, coalesce(c.restricted, false) AS restricted",
            {"numbers": values["nhsNumber"]},
        )
    else:
        rows = await store.read(
            LOOKED_AFTER_PUPILS if purpose == "VIRTUAL_SCHOOL" else SCHOOL_PUPILS,
            {
                "school": personas.DEMO_SCHOOL,
                "today": today_in_england().isoformat(),
                "now": now_ms(),
            },
        )
    return {r["id"] for r in rows if not r["restricted"]}


def _headers(
    settings: Settings, persona: str, audience: Audience, purpose: str | None
) -> dict[str, str]:
    if purpose in OTHER_STAFF:
        return worker_bearer(settings, *OTHER_STAFF[purpose])
    headers = bearer(settings, persona)
    if purpose is not None and audience is not Audience.INTERNAL:
        headers["X-Purpose"] = purpose
    return headers


async def walk_every_path(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    demo: county.County,
    walks: tuple[Walker, ...],
) -> None:
    """Every path of each walker's schema, queries and mutations, before and after a grant
    ends: every child named, identified or audited is one the walker's rule admits."""
    scene = await _set_scene(client, settings, store, demo)
    values = scene.values
    left_school, moved_away, on_ies_roll = scene.left_school, scene.moved_away, scene.on_ies_roll
    leaver = scene.leaver
    # Who saw the restricted child, by phase: someone with a grant, no one once it ended.
    saw_restricted: dict[str, set[str | None]] = {}

    for phase in ("grant active", "grant expired"):
        school_named: set[str] = set()
        for persona, audience, purpose in walks:
            await store.write("MATCH (e:AuditEvent) DETACH DELETE e")
            headers = _headers(settings, persona, audience, purpose)
            allowed = await _admitted(store, values, audience, purpose)
            # Once the grant has ended, every mutation too, with what the caller may not see.
            forbidden = None
            if phase == "grant expired":
                forbidden = await _forbidden_values(store, values, allowed)
            walked = await _walk(client, headers, audience, values, forbidden, store)
            audited = {row["id"] for row in await store.read(AUDITED)}
            case = (phase, audience, purpose)
            assert walked.unvisited == set(), (*case, "reachable, never walked")
            named, covered = walked.named, walked.covered
            identified = await _identified(store, walked.mentions, allowed)
            assert identified <= allowed, (*case, sorted(identified - allowed))
            assert named <= allowed, (*case, sorted(named - allowed))
            assert named <= audited, (*case, sorted(named - audited))
            assert audited <= allowed, (*case, sorted(audited - allowed))
            assert audited, (*case, "the walk must see some children to mean anything")
            if audience is Audience.INTERNAL:
                assert (RESTRICTED in named) is (RESTRICTED in allowed), case
                if RESTRICTED in named:
                    saw_restricted.setdefault(phase, set()).add(purpose)
            if purpose in OTHER_STAFF:
                continue
            if purpose == "VIRTUAL_SCHOOL":
                # Narrower than the school's own safeguarding view, not another name for it
                # (once the pupil in need has left, the looked-after one may be all).
                assert named < school_named or phase == "grant expired", case
                assert named <= school_named, case
                continue
            if audience is Audience.EDUCATION:
                school_named = named
                # The pupil IES keeps on the roll leaves between the walks.
                assert (on_ies_roll in named) is (phase == "grant active"), case
                assert left_school not in named
                assert moved_away not in named
                assert leaver not in named
            if audience is Audience.HEALTH:
                assert RESTRICTED not in audited
            if audience is Audience.INTERNAL:
                # Relatives, entities, work lists and documents are among the generated paths.
                assert {
                    "child.family.members.person.id",
                    "child.relationships.person.id",
                    "_entities.id",
                    "myWork.items.childId",
                    "searchChildren.family.members.person.kind",
                } <= covered, sorted(covered)
                assert (RESTRICTED in named) is (phase == "grant active")
                assert TRANSFERRED not in named
            if audience is Audience.POLICE:
                assert "enquiryChildren.family.members.person.id" in covered
                assert OUT_OF_ENQUIRY not in named
                assert RESTRICTED not in named
                # An enquiry closes between the walks: its children drop out of every
                # path, their sibling's household included.
                closed = set(scene.leaving_enquiry)
                assert closed <= named if phase == "grant active" else not closed & named, case
                assert set(scene.still_in_enquiry) <= named, case
        if phase == "grant active":
            await _between_the_walks(client, settings, store, scene)
    if any(purpose in OTHER_STAFF for _, _, purpose in walks):
        # A colleague, the support officer and the analyst saw her with their grants.
        assert saw_restricted.get("grant active", set()) >= {
            "team colleague",
            "support officer",
            "analyst",
        }, saw_restricted
    assert "grant expired" not in saw_restricted, saw_restricted


async def _between_the_walks(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, scene: _Scene
) -> None:
    """An enquiry the force is party to is closed by the worker who opened it, every grant to the
    restricted child ends, and the pupil IES keeps on the school's roll leaves (a new
    version of the pupil record, leaving yesterday)."""
    closed = await graphql(
        client,
        bearer(settings, "social-worker"),
        "mutation ($e: ID!) { closeMultiAgencyEnquiry(enquiryId: $e) { __typename } }",
        {"e": scene.closing_enquiry},
    )
    assert closed["closeMultiAgencyEnquiry"]["__typename"] == "ClosedEnquiry", closed
    # Ended after the close: closing an enquiry needs what reading its children needs.
    await store.write(END_GRANTS)
    [child] = await store.read(
        "MATCH (c:Child {id: $id})"
        " RETURN c {.id, .upn, .nhsNumber, .givenName, .familyName, .dateOfBirth} AS child",
        {"id": scene.on_ies_roll},
    )
    left = {
        **_ies_pupil(child["child"]),
        "version": 2,
        "schoolUrn": DEMO_SCHOOL_URN,
        "startDate": "2024-09-02",
        "endDate": (today_in_england() - timedelta(days=1)).isoformat(),
    }
    report = await ingest(store, [(1, left)], ies.SOURCE, by="system:leak-probe")
    assert not report.rejected, report.rejected


_MOST_CHOICES = 12


async def walk_mutations_with_allowed_ids(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    demo: county.County,
    walks: tuple[Walker, ...],
) -> None:
    """Every mutation of each walker's schema, called with what the walker may see (their
    own children, records and files): once the grant has ended, the children of the
    scenario's families sit beside a restricted sibling, one moved to another team and
    one taken out of the police enquiry. The walkers run one after another on the same
    graph, so what one changes the next one's rule is read with."""
    scene = await _set_scene(client, settings, store, demo)
    await store.write(END_GRANTS)
    for persona, audience, purpose in walks:
        await store.write("MATCH (e:AuditEvent) DETACH DELETE e")
        headers = _headers(settings, persona, audience, purpose)
        schema = await _schema_of(client, headers)
        if schema.mutation_type is None:
            continue
        rule = partial(_admitted, store, scene.values, audience, purpose)
        allowed = await rule()
        # The scenario's families first: their relatives are the ones the walker may not see.
        children = [child for child in scene.values["childId"] if child in allowed]
        permitted = await _values_about(store, children or sorted(allowed)[:4])
        # The children, then one record of each kind (a mutation takes the kind it names):
        # the calls grow with the longest list, and this keeps the walk to minutes.
        permitted = {name: options[:_MOST_CHOICES] for name, options in permitted.items()}
        walked = _Walked()
        ever = await _walk_mutations_allowed(
            client, headers, SchemaWalk(schema, permitted), walked, store, rule
        )
        audited = {row["id"] for row in await store.read(AUDITED)}
        case = (audience, purpose)
        assert audited <= ever, (*case, sorted(audited - ever))
        if audience is Audience.INTERNAL:
            assert walked.named & ever, (*case, "the walk must name some children to mean anything")


async def test_health_finds_no_restricted_child_by_nhs_number(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    [row] = await store.read(NHS_NUMBERS_ON_PLANS, {"limit": 1})
    health = bearer(settings, "health")
    lookup = "query ($n: String!) { cpisRecord(nhsNumber: $n) { nhsNumber plans { type } } }"
    assert (await graphql(client, health, lookup, {"n": row["nhsNumber"]}))["cpisRecord"]
    await store.write(
        "MATCH (c:Child {nhsNumber: $n}) SET c.restricted = true", {"n": row["nhsNumber"]}
    )
    restricted = await graphql(client, health, lookup, {"n": row["nhsNumber"]})
    missing = await graphql(client, health, lookup, {"n": "9434765919"})
    assert restricted == missing == {"cpisRecord": None}
