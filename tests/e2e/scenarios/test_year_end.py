"""The scenario county's year (tests/e2e/scenarios/county.py), played once per module
through the GraphQL API; then the performance analyst's "as at" view at the year end
(31 March 2026) and mid-year must count exactly the children the DfE would, and each
scenario whose point is a fact must read back with that fact."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest

from graph import EmbeddedEngine, FalkorDBStore
from hub.settings import Settings
from tests.e2e.scenarios.county import MID_YEAR, SCENARIOS, YEAR_END, play_all
from tests.e2e.scenarios.driver import Child, bearer_for
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

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


@dataclass
class County:
    client: httpx.AsyncClient
    settings: Settings
    store: FalkorDBStore
    children: dict[str, Child]

    def analyst(self) -> dict[str, str]:
        return bearer_for(self.settings, "analyst-county", "performance_analyst")

    async def ask(self, query: str, variables: dict[str, Any], persona: str = "") -> Any:
        headers = bearer(self.settings, persona) if persona else self.analyst()
        return await graphql(self.client, headers, query, variables)


# The county is played once for the module: the whole year takes a few seconds, and the
# tests below only read it.
@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def county_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var = tmp_path_factory.mktemp("county") / "var"
    return Settings(var_dir=var, rate_limit="1000000/second", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture(scope="module")
async def county(engine: EmbeddedEngine, county_settings: Settings) -> AsyncIterator[County]:
    from connectors.livelink.embedded_store import EmbeddedContentStore
    from hub.app import create_app

    assert engine.socket_path is not None
    store = FalkorDBStore(engine.socket_path, f"test-county-{uuid.uuid4().hex}")
    await store.apply_schema()
    content = await EmbeddedContentStore.open(county_settings.content_dir)
    app = create_app(county_settings, store=store, content_store=content, run_outbox=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        children = await play_all(client, county_settings, store)
        yield County(client, county_settings, store, children)
    await content.aclose()
    await store.drop()
    await store.close()


def test_the_county_has_every_journey_in_at_least_forty_children() -> None:
    assert len(SCENARIOS) >= 40
    assert len({s.name for s in SCENARIOS}) == len(SCENARIOS)


@pytest.mark.parametrize(("on", "column"), [(MID_YEAR, "mid_year"), (YEAR_END, "year_end")])
async def test_the_as_at_view_counts_the_year_from_the_dates_things_happened(
    county: County, on: date, column: str
) -> None:
    view = (await county.ask(AS_AT, {"on": on.isoformat()}))["asAt"]
    assert view["on"] == on.isoformat()
    for letter, category in CATEGORIES.items():
        expected = sorted(
            (county.children[s.name].child_id, s.name)
            for s in SCENARIOS
            if letter in getattr(s, column)
        )
        found = view[category]
        assert sorted((c["childId"], c["name"]) for c in found["children"]) == expected, (
            on,
            category,
        )
        assert found["count"] == len(expected)


async def test_the_as_at_view_is_for_performance_staff_and_not_the_future(
    county: County,
) -> None:
    refused = await county.ask(AS_AT, {}, persona="social-worker")
    assert refused["asAt"]["__typename"] == "NotAuthorised"
    tomorrow = date.fromordinal(date.today().toordinal() + 1)
    future = await county.ask(AS_AT, {"on": tomorrow.isoformat()})
    assert future["asAt"]["problems"] == [{"field": "on", "rule": "must not be in the future"}]
