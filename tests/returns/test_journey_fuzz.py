"""A few fixed seeds of the wild journeys (tests/returns/journey_fuzz.py) through the API,
both returns written and both DfE validators run on them. What the hub refuses at entry is
fine; a GraphQL error is not; and no rule the hub checks as a step is recorded may fire
on what it accepted. Many more seeds are run by hand (see the module)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph import EmbeddedEngine
from returns import CollectionYear
from tests.returns.conftest import DfeRules
from tests.returns.journey_fuzz import _record
from tests.returns.known_broken import KNOWN_BROKEN_CIN_QUERIES
from tests.returns.need_fuzz import wild_need

pytestmark = pytest.mark.anyio

# Seed 61 broke rules 358, 380, 383 and 387 before the hub refused them at entry.
SEEDS = (61,)
CHILDREN = 10
YEAR = CollectionYear(2026)
# The SSDA903 rules the hub refuses at entry (workflow/care_ages.py, the codes of one
# episode in workflow/episode_codes.py, the temporary placement rules of
# workflow/journey/care.py): a wild journey must never break one.
REFUSED_AT_ENTRY = frozenset(
    {
        "222", "234", "358", "371", "372", "373", "374", "375", "376", "378", "379", "380",
        "383", "384", "386", "387", "389", "407", "408", "460", "516", "527", "528", "529",
        "530", "531", "550",
    }
)  # fmt: skip


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize("seed", SEEDS)
async def test_wild_journeys_break_no_rule_the_hub_refuses_at_entry(
    seed: int, engine: EmbeddedEngine, dfe_rules: DfeRules, tmp_path: Path
) -> None:
    assert engine.socket_path is not None
    # A crash (a GraphQL error) fails here, naming the seed, the child and its steps.
    played = (await _record(str(engine.socket_path), seed, CHILDREN, tmp_path)).played
    assert len(played) == CHILDREN
    assert sum(p.refused for p in played) > 0, "the seed tried nothing the hub refuses"
    out = tmp_path / "903"
    reports = (
        dfe_rules("903", out, year=YEAR.end.year, prev=out / "previous"),
        dfe_rules("903", out / "previous", year=YEAR.previous().end.year),
    )
    journeys = {p.child_id.upper(): p.log for p in played}
    fired = {
        code: [journeys.get(child.upper()) for child in failure["children"]]
        for report in reports
        for code, failure in report["failures"].items()
        if code in REFUSED_AT_ENTRY
    }
    assert fired == {}


# Wild episodes of need (tests/returns/need_fuzz.py): one seed of the many run by hand.
# Their findings each have a test of their own (the enquiries' 8890 and the conferences'
# 8875 in tests/e2e/test_journey_cp.py, the census's queries in test_cin_year_end.py);
# this guards what no one has written down yet.
NEED_SEEDS = (17,)


@pytest.mark.parametrize("seed", NEED_SEEDS)
async def test_wild_episodes_of_need_give_a_census_that_queries_only_what_was_warned(
    seed: int, engine: EmbeddedEngine, dfe_rules: DfeRules, tmp_path: Path
) -> None:
    assert engine.socket_path is not None
    recorded = await _record(str(engine.socket_path), seed, CHILDREN, tmp_path, wild_need)
    assert sum(p.refused for p in recorded.played) > 0, "the seed tried nothing the hub refuses"
    report = dfe_rules("cin", tmp_path / "cin.xml", year=YEAR.end.year)
    journeys = {p.child_id.upper(): p.log for p in recorded.played}
    # An error never; a query only for a child the worker was warned of at entry, or the
    # census names (returns/cin_year_end.py).
    unwarned = {
        code: [
            journeys.get(child.upper(), child)
            for child in failure["children"]
            if (child.upper(), code) not in recorded.warned["cin"]
        ]
        or failure.get("return_level")
        for code, failure in report["failures"].items()
        if code not in KNOWN_BROKEN_CIN_QUERIES
    }
    assert {code: found for code, found in unwarned.items() if found} == {}
    assert not report["crashed"], report["crashed"]
