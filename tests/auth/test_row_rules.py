"""The row rule of each audience, on a small world: who may be shown which child."""

from __future__ import annotations

import pytest

from graph import FalkorDBStore
from graph.cypher.access import AccessScope, child_visible, only_visible

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
    return store


async def _shown(store: FalkorDBStore, scope: AccessScope) -> set[str]:
    people = {row["id"] for row in await store.read(VISIBLE, scope.params())}
    children = {row["id"] for row in await store.read(ROOT, scope.params())}
    # Adults pass the child rule; the root clause keeps children only.
    assert people - children <= {"adult"}
    return children


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (AccessScope("sam", "team", False, NOW), {"allocated", "team-child"}),
        # Line management up the reporting chain; no team given.
        (AccessScope("manager", None, False, NOW), {"allocated"}),
        (
            AccessScope("analyst", None, True, NOW),
            {"allocated", "team-child", "stranger", "closed-pupil"},
        ),
        (AccessScope("nobody", None, False, NOW), set()),
        (AccessScope("pc", None, False, NOW, "police", "force"), {"allocated"}),
        (AccessScope("pc", None, False, NOW, "police", "other-force"), set()),
        (
            AccessScope("dsl", None, False, NOW, "education", "school"),
            {"allocated", "team-child"},
        ),
        (AccessScope("gp", None, False, NOW, "health", "la", "3"), {"stranger"}),
        (AccessScope("gp", None, False, NOW, "health", "la", "4"), set()),
        (AccessScope("gp", None, False, NOW, "health", "la"), set()),
        # An audience the rule does not know sees nothing.
        (AccessScope("x", "team", True, NOW, "gateway"), set()),
    ],
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
    assert "sealed" not in await _shown(world, AccessScope("manager", None, False, NOW))
    # A grant never opens a restricted record to a partner.
    assert "sealed" not in await _shown(
        world, AccessScope("pc", None, False, NOW, "police", "force")
    )
    assert "sealed" not in await _shown(world, AccessScope("sam", "team", False, NOW + 1))
