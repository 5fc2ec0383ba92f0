"""Probes of `for_caller`, the access rule cut to the caller's audience at run time: any
caller the rule does not know, or parameters that do not say who is asking, see nothing,
never more. Run against the real engine on the world of tests/auth/test_row_rules.py."""

from __future__ import annotations

from typing import Any

import pytest

from graph import FalkorDBStore
from graph.cypher.access import AccessScope
from graph.errors import GraphError
from graph.migrations import backfill_access_holders
from tests.auth.test_row_rules import NOW, ROOT, VISIBLE, WORLD

pytestmark = pytest.mark.anyio

EVERY_CHILD = {"allocated", "team-child", "stranger", "closed-pupil", "sealed"}


@pytest.fixture
async def world(store: FalkorDBStore) -> FalkorDBStore:
    await store.write(WORLD)
    await backfill_access_holders(store)
    # A record merged into `allocated`, a child with a number of their own whom an EHM
    # record carrying another child's number was wrongly linked to, a child first met
    # without a number whom such a record rightly ties to that number, and pupils whose
    # IES roll at the school has ended or not yet begun.
    await store.write(
        """
        MATCH (kept:Child {id: 'allocated'}), (school:Agency {id: 'school'})
        CREATE (merged:Person:MergedChild {id: 'merged', nhsNumber: '9'})-[:MERGED_INTO]->(kept)
        CREATE (:Referral {id: 'rm', status: 'OPEN'})-[:ABOUT]->(merged)
        CREATE (merged)-[:ATTENDS]->(school)
        CREATE (wrong:Person:Child {id: 'wrongly-linked', nhsNumber: '7'})
        CREATE (:SourceRecord {id: 's1', nhsNumber: '1'})-[:LINKED_TO]->(wrong)
        CREATE (unnumbered:Person:Child {id: 'unnumbered'})
        CREATE (:SourceRecord {id: 's2', nhsNumber: '1'})-[:LINKED_TO]->(unnumbered)
        CREATE (left:Person:Child {id: 'left-school'}), (future:Person:Child {id: 'not-yet'})
        CREATE (:Referral {id: 'rl', status: 'OPEN'})-[:ABOUT]->(left)
        CREATE (:Referral {id: 'rf', status: 'OPEN'})-[:ABOUT]->(future)
        CREATE (:SourceRecord {id: 's3'})-[:LINKED_TO]->(left)
        CREATE (:SourceRecord {id: 's4'})-[:LINKED_TO]->(future)
        WITH school
        MATCH (r3:SourceRecord {id: 's3'}), (r4:SourceRecord {id: 's4'})
        CREATE (r3)-[:ON_ROLL_AT {fromMs: $long, untilMs: $now}]->(school)
        CREATE (r4)-[:ON_ROLL_AT {fromMs: $later}]->(school)
        """,
        {"now": NOW, "long": NOW - 10**10, "later": NOW + 1},
    )
    return store


async def _shown_with(store: FalkorDBStore, params: dict[str, Any]) -> set[str]:
    """Children either statement answers with `params`; an engine error is nothing shown."""
    shown: set[str] = set()
    for statement in (VISIBLE, ROOT):
        try:
            rows = await store.read(statement, params)
        except GraphError:
            continue
        shown |= {row["id"] for row in rows} - {"adult"}
    return shown


def _asking(**changes: Any) -> dict[str, Any]:
    return {**AccessScope("analyst", "team", True, NOW).params(), **changes}


async def test_an_internal_caller_who_may_read_every_record_sees_the_unrestricted_ones(
    world: FalkorDBStore,
) -> None:
    # The baseline the probes below compare with: viewAll is honoured for an insider.
    shown = await _shown_with(world, _asking())
    assert {"allocated", "stranger", "wrongly-linked"} <= shown
    assert not shown & {"sealed", "merged"}


@pytest.mark.parametrize(
    "audience",
    ["", "INTERNAL", "Internal", "internal ", "gateway", "admin", "internal' OR true OR '"],
)
async def test_an_audience_the_rule_does_not_know_sees_nothing_even_with_view_all(
    world: FalkorDBStore, audience: str
) -> None:
    assert await _shown_with(world, _asking(audience=audience, agency="school")) == set()


@pytest.mark.parametrize(
    ("audience", "agency", "identified_by"),
    [
        ("police", "other-force", None),
        ("police", None, None),
        ("education", "other-force", None),
        ("education", None, None),
        ("health", "la", None),
        ("health", "la", "no-such-number"),
    ],
)
async def test_view_all_opens_nothing_to_a_partner(
    world: FalkorDBStore, audience: str, agency: str | None, identified_by: str | None
) -> None:
    params = _asking(audience=audience, agency=agency, identifiedBy=identified_by)
    assert await _shown_with(world, params) == set()


@pytest.mark.parametrize(
    ("audience", "agency", "identified_by", "expected"),
    [
        ("police", "force", None, {"allocated"}),
        ("education", "school", None, {"allocated", "team-child", "ceasing"}),
        ("health", "la", "1", {"allocated", "unnumbered"}),
    ],
)
async def test_view_all_gives_a_partner_no_more_than_its_own_rule(
    world: FalkorDBStore,
    audience: str,
    agency: str | None,
    identified_by: str | None,
    expected: set[str],
) -> None:
    # The same partner with and without viewAll: identical answers. Health asking by `1`
    # never reaches `wrongly-linked` (a number of its own) nor the merged record.
    without = _asking(audience=audience, agency=agency, identifiedBy=identified_by, viewAll=False)
    assert await _shown_with(world, without) == expected
    assert await _shown_with(world, {**without, "viewAll": True}) == expected


@pytest.mark.parametrize(
    "changes",
    [
        {"audience": None},
        {"audience": ["internal"]},
        {"audience": 1},
        {"viewAll": "true", "audience": "police"},
    ],
    ids=["null", "list", "number", "text-view-all-police"],
)
async def test_an_audience_that_is_not_text_sees_nothing(
    world: FalkorDBStore, changes: dict[str, Any]
) -> None:
    assert await _shown_with(world, _asking(**changes)) == set()


async def test_parameters_without_an_audience_see_nothing(world: FalkorDBStore) -> None:
    params = _asking()
    del params["audience"]
    assert await _shown_with(world, params) == set()


async def test_no_audience_ever_reaches_a_merged_record(world: FalkorDBStore) -> None:
    scopes = [
        _asking(),
        _asking(audience="police", agency="force"),
        _asking(audience="education", agency="school"),
        _asking(audience="health", identifiedBy="9"),
    ]
    for params in scopes:
        assert "merged" not in await _shown_with(world, params), params["audience"]


async def test_a_school_sees_a_pupil_only_while_the_ies_roll_says_they_are_on_it(
    world: FalkorDBStore,
) -> None:
    school = _asking(audience="education", agency="school", viewAll=False)
    shown = await _shown_with(world, school)
    assert not shown & {"left-school", "not-yet"}
    # One millisecond before the roll ended the pupil was on it (the probe can fail).
    earlier = await _shown_with(world, {**school, "now": NOW - 1})
    assert "left-school" in earlier
    await world.write("MATCH (:SourceRecord {id: 's3'})-[l:LINKED_TO]->() DELETE l")
    assert "left-school" not in await _shown_with(world, {**school, "now": NOW - 1})
