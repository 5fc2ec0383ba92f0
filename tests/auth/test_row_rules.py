"""The row rule of each audience, on a small world: who may be shown which child."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from falkordb import FalkorDB

import graph.cypher
from graph import EmbeddedEngine, FalkorDBStore
from graph.cypher.access import AccessScope, child_visible, for_caller, only_visible
from graph.cypher.children import SCHOOLS_OF
from graph.migrations import backfill_access_holders
from graph.store import encode_params

pytestmark = pytest.mark.anyio

NOW = 1_800_000_000_000

WORLD = """
CREATE (la:Agency {id: 'la'}), (force:Agency {id: 'force'}), (other:Agency {id: 'other-force'}),
       (school:Agency {id: 'school'}), (team:Team {id: 'team'}), (elsewhere:Team {id: 'elsewhere'}),
       (manager:Worker {id: 'manager'}), (sam:Worker {id: 'sam'})-[:REPORTS_TO]->(manager),
       (kim:Worker {id: 'kim'})
CREATE (allocated:Person:Child {id: 'allocated', nhsNumber: '1'})-[:ALLOCATED_TO]->(sam),
       (teamChild:Person:Child {id: 'team-child', nhsNumber: '2'})-[:RESPONSIBLE_TEAM]->(team),
       (stranger:Person:Child {id: 'stranger', nhsNumber: '3'})-[:ALLOCATED_TO]->(kim),
       (sealed:Person:Child {id: 'sealed', nhsNumber: '4', restricted: true}),
       (closed:Person:Child {id: 'closed-pupil', nhsNumber: '5'}),
       (leaver:Person:Child {id: 'care-leaver', nhsNumber: '11'}),
       (ceasing:Person:Child {id: 'ceasing', nhsNumber: '12'}),
       (adult:Person {id: 'adult'})
CREATE (stranger)-[:RESPONSIBLE_TEAM]->(elsewhere), (sealed)-[:ALLOCATED_TO]->(sam)
CREATE (open:MultiAgencyEnquiry {id: 'e1', status: 'OPEN'})-[:PARTY]->(force),
       (open)-[:CONCERNS]->(allocated), (open)-[:CONCERNS]->(sealed),
       (shut:MultiAgencyEnquiry {id: 'e2', status: 'CLOSED'})-[:PARTY]->(force),
       (shut)-[:CONCERNS]->(stranger)
CREATE (allocated)-[:ATTENDS]->(school), (sealed)-[:ATTENDS]->(school),
       (closed)-[:ATTENDS]->(school), (teamChild)-[:ATTENDS]->(school),
       (:Referral {id: 'r1', status: 'OPEN'})-[:ABOUT]->(allocated),
       (:Referral {id: 'r2', status: 'OPEN'})-[:ABOUT]->(sealed),
       (:Referral {id: 'r3', status: 'CLOSED'})-[:ABOUT]->(closed),
       (:PeriodOfCare {id: 'p1', status: 'LOOKED_AFTER'})-[:ABOUT]->(teamChild)
// A former looked-after pupil (care over, leaving care services going on), and one whose
// care is ceasing, awaiting a manager: looked after until it is authorised.
CREATE (leaver)-[:ATTENDS]->(school), (ceasing)-[:ATTENDS]->(school),
       (:PeriodOfCare {id: 'p2', status: 'CARE_LEAVER'})-[:ABOUT]->(leaver),
       (:PeriodOfCare {id: 'p3', status: 'CEASING_AWAITING_AUTHORISATION'})-[:ABOUT]->(ceasing)
"""

VISIBLE = f"""
MATCH (c:Person)
WITH c, {child_visible("c")} AS shown
WHERE shown
RETURN c.id AS id ORDER BY id
"""

ROOT = f"""
MATCH (c:Child)
{only_visible("c")}
RETURN c.id AS id ORDER BY id
"""


@pytest.fixture
async def world(store: FalkorDBStore) -> FalkorDBStore:
    await store.write(WORLD)
    await backfill_access_holders(store)
    return store


async def _shown(store: FalkorDBStore, scope: AccessScope) -> set[str]:
    people = {row["id"] for row in await store.read(VISIBLE, scope.params())}
    children = {row["id"] for row in await store.read(ROOT, scope.params())}
    # Adults pass the child rule; the root clause keeps children only.
    assert people - children <= {"adult"}
    return children


SCOPES = [
    (AccessScope("sam", "team", False, NOW), {"allocated", "team-child"}),
    # Line management up the reporting chain (read with the worker record); no team given.
    (AccessScope("manager", None, False, NOW, reports=("sam",)), {"allocated"}),
    # Without the reports read from the record, a manager is a stranger.
    (AccessScope("manager", None, False, NOW), set()),
    (
        AccessScope("analyst", None, True, NOW),
        {"allocated", "team-child", "stranger", "closed-pupil", "care-leaver", "ceasing"},
    ),
    (AccessScope("nobody", None, False, NOW), set()),
    (AccessScope("pc", None, False, NOW, "police", "force"), {"allocated"}),
    (AccessScope("pc", None, False, NOW, "police", "other-force"), set()),
    (
        AccessScope("dsl", None, False, NOW, "education", "school"),
        {"allocated", "team-child", "ceasing"},
    ),
    (AccessScope("gp", None, False, NOW, "health", "la", "3"), {"stranger"}),
    (AccessScope("gp", None, False, NOW, "health", "la", "4"), set()),
    (AccessScope("gp", None, False, NOW, "health", "la"), set()),
    # An audience the rule does not know sees nothing.
    (AccessScope("x", "team", True, NOW, "gateway"), set()),
]


@pytest.mark.parametrize(
    ("scope", "expected"),
    SCOPES,
    ids=lambda value: "" if isinstance(value, set) else f"{value.audience}-{value.viewer}",
)
async def test_each_audience_sees_only_its_children(
    world: FalkorDBStore, scope: AccessScope, expected: set[str]
) -> None:
    assert await _shown(world, scope) == expected


async def test_a_grant_opens_a_restricted_record_to_one_internal_worker_until_it_expires(
    world: FalkorDBStore,
) -> None:
    await world.write(
        "MATCH (c:Child {id: 'sealed'}) CREATE (:Grant {id: 'g', workerId: 'sam',"
        " expiresAt: $until})-[:GRANTS_ACCESS_TO]->(c)"
        " CREATE (:Grant {id: 'g2', workerId: 'pc', expiresAt: $until})-[:GRANTS_ACCESS_TO]->(c)",
        {"until": NOW + 1},
    )
    assert "sealed" in await _shown(world, AccessScope("sam", "team", False, NOW))
    assert "sealed" not in await _shown(
        world, AccessScope("manager", None, False, NOW, reports=("sam",))
    )
    # A grant never opens a restricted record to a partner.
    assert "sealed" not in await _shown(
        world, AccessScope("pc", None, False, NOW, "police", "force")
    )
    assert "sealed" not in await _shown(world, AccessScope("sam", "team", False, NOW + 1))


DATED_PUPILS = """
MATCH (c:Child)-[attends:ATTENDS]->(:Agency)
WHERE attends.from IS NOT NULL OR attends.until IS NOT NULL
RETURN c.id AS id
"""

# 00:30 on 23 July 2026 in England, still 22 July in UTC.
AFTER_MIDNIGHT_IN_SUMMER = 1_784_763_000_000


@pytest.mark.parametrize(
    ("now", "shown"),
    [
        (NOW, {"leaving-today", "admitted-today"}),
        (AFTER_MIDNIGHT_IN_SUMMER, {"left-yesterday", "leaving-today", "summer-starter"}),
    ],
    ids=["15-january-2027", "23-july-2026-00-30-in-england"],
)
async def test_a_school_sees_a_child_the_authority_records_as_attending_only_on_its_days(
    world: FalkorDBStore, now: int, shown: set[str]
) -> None:
    """The authority's own record of a school (`ATTENDS`) may carry the days the child
    attends from and until (a leaver, from the old system); a child is the school's from
    the start of the first to the end of the last, as days in England."""
    await world.write(
        "MATCH (school:Agency {id: 'school'})"
        " UNWIND [['left-yesterday', null, '2027-01-14'], ['leaving-today', null, '2027-01-15'],"
        "         ['admitted-today', '2027-01-15', null],"
        "         ['admitted-tomorrow', '2027-01-16', null],"
        "         ['summer-leaver', null, '2026-07-22'],"
        "         ['summer-starter', '2026-07-23', '2026-12-31']] AS dated"
        " CREATE (c:Person:Child {id: dated[0]})-[attends:ATTENDS]->(school)"
        " CREATE (:Referral {id: 'r-' + dated[0], status: 'OPEN'})-[:ABOUT]->(c)"
        " FOREACH (day IN CASE WHEN dated[1] IS NULL THEN [] ELSE [dated[1]] END |"
        "          SET attends.from = date(day))"
        " FOREACH (day IN CASE WHEN dated[2] IS NULL THEN [] ELSE [dated[2]] END |"
        "          SET attends.until = date(day))"
    )
    school = AccessScope("dsl", None, False, now, "education", "school")
    undated = {"allocated", "team-child", "ceasing"}
    assert await _shown(world, school) == undated | shown
    # Staff see the school a child attends now on the same days.
    dated = [row["id"] for row in await world.read(DATED_PUPILS)]
    schools = await world.read(
        SCHOOLS_OF, {"ids": dated, "now": now, "todayInEngland": school.today_in_england()}
    )
    assert {row["childId"] for row in schools} == shown


@pytest.mark.parametrize(
    "scope", [scope for scope, _ in SCOPES], ids=lambda scope: f"{scope.audience}-{scope.viewer}"
)
async def test_the_rule_cut_to_the_callers_audience_answers_as_the_whole_rule(
    engine: EmbeddedEngine, world: FalkorDBStore, scope: AccessScope
) -> None:
    # Grants too, so the restricted branch is compared for insiders and partners alike.
    await world.write(
        "MATCH (c:Child {id: 'sealed'}) CREATE (:Grant {id: 'g', workerId: $viewer,"
        " expiresAt: $until})-[:GRANTS_ACCESS_TO]->(c)",
        {"viewer": scope.viewer, "until": NOW + 1},
    )
    # The whole rule, every audience's branch, run as written (the store would cut it).
    raw = FalkorDB(unix_socket_path=engine.socket_path).select_graph(world.graph_name)
    whole = raw.ro_query(VISIBLE, encode_params(scope.params())).result_set
    cut = await world.read(VISIBLE, scope.params())
    assert for_caller(VISIBLE, scope.params()) != VISIBLE
    assert [row["id"] for row in cut] == [row[0] for row in whole]


def _statements_with_the_rule() -> dict[str, str]:
    found = {}
    for module_info in pkgutil.iter_modules(graph.cypher.__path__):
        module = importlib.import_module(f"{graph.cypher.__name__}.{module_info.name}")
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str) and "WHEN $audience = 'police'" in value:
                found[f"{module_info.name}.{name}"] = value
    return found


@pytest.mark.parametrize("audience", ["internal", "police", "education", "health", "gateway"])
@pytest.mark.parametrize("view_all", [False, True])
def test_every_statement_runs_with_the_callers_branch_of_the_rule_only(
    audience: str, view_all: bool
) -> None:
    statements = _statements_with_the_rule()
    assert len(statements) > 20
    for name, statement in statements.items():
        cut = for_caller(statement, {"audience": audience, "viewAll": view_all})
        for other in {"internal", "police", "education", "health"} - {audience}:
            assert f"WHEN $audience = '{other}' THEN" not in cut, (name, audience)


# A line of six: w1 reports to w2, ..., w5 to top; each allocated a child of their own.
CHAIN = """
CREATE (top:Worker {id: 'top', role: 'team_manager', name: 'Top'})
WITH top
UNWIND range(1, 5) AS level
CREATE (:Worker {id: 'w' + toString(level), role: 'social_worker', name: 'W'})
WITH count(*) AS made
MATCH (lower:Worker), (upper:Worker)
WHERE lower.id STARTS WITH 'w' AND upper.id STARTS WITH 'w'
  AND toInteger(substring(upper.id, 1)) = toInteger(substring(lower.id, 1)) + 1
CREATE (lower)-[:REPORTS_TO]->(upper)
WITH count(*) AS linked
MATCH (w5:Worker {id: 'w5'}), (top:Worker {id: 'top'})
CREATE (w5)-[:REPORTS_TO]->(top)
WITH count(*) AS done
UNWIND range(1, 5) AS level
MATCH (w:Worker {id: 'w' + toString(level)})
CREATE (:Person:Child {id: 'child-of-w' + toString(level)})-[:ALLOCATED_TO]->(w)
"""


async def test_a_manager_sees_the_children_of_workers_up_to_four_lines_below_them(
    store: FalkorDBStore,
) -> None:
    # Through the path every request takes: the worker record, then the caller's scope.
    from auth.authority import principal_on_record
    from auth.capabilities import access_scope
    from auth.principal import Principal

    await store.write(CHAIN)
    await backfill_access_holders(store)
    caller = Principal(subject="top", name="Top", role="team_manager", agency_id="la", token_id="t")
    on_record = await principal_on_record(store, caller)
    # w5 reports to top directly, w1 through four others.
    assert on_record.reports == ("w2", "w3", "w4", "w5")
    shown = {row["id"] for row in await store.read(ROOT, access_scope(on_record).params())}
    assert shown == {"child-of-w2", "child-of-w3", "child-of-w4", "child-of-w5"}
    # A social worker has no reports and sees their own allocated child only.
    worker = await principal_on_record(
        store, Principal(subject="w3", name="W", role="social_worker", agency_id="la", token_id="t")
    )
    assert worker.reports == ("w1", "w2")
