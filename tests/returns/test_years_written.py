"""The years the hub writes: each return from the first year whose specification it keeps
(2024-25: the SSDA903's and the CIN census's M/F/U sex coding, the codes it records in).
An earlier year is refused naming the year, never written in a later year's coding; a
2024-25 return's last-year tables, which only the year-on-year rules read, are in its own."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from returns import CollectionYear, ReturnKind, refused_year, write_ssda903
from tests.helpers import add_worker, bearer, graphql
from tests.returns.conftest import DfeRules
from tests.returns.journeys import county_to_record_on
from tests.returns.known_broken import unexplained_failures
from tests.returns.test_ssda903 import rows_of

pytestmark = pytest.mark.anyio

START = """mutation ($kind: StatutoryReturn!, $year: Int!) { startReturn(kind: $kind, year: $year) {
  __typename ... on InvalidInput { problems { field rule } } } }"""


def test_a_year_before_2024_25_is_one_the_hub_does_not_write() -> None:
    assert refused_year(ReturnKind.SSDA903, CollectionYear(2024)) == (
        "the hub writes the SSDA903 from 2024-25 (the M/F/U sex coding and the placement"
        " codes it records in): 2023-24 is not written"
    )
    assert refused_year(ReturnKind.CIN_CENSUS, CollectionYear(2024)) == (
        "the hub has no CIN census specification for 2023-24"
    )
    for kind in ReturnKind:
        assert refused_year(kind, CollectionYear(2025)) is None


async def test_an_earlier_year_is_refused_naming_the_year_and_writes_nothing(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    out = tmp_path / "903"
    with pytest.raises(ValueError, match=r"^year: the hub writes the SSDA903 from 2024-25"):
        await write_ssda903(store, CollectionYear(2024), out)
    assert not out.exists()
    await add_worker(store, "worker-pa-demo", "performance_analyst")
    analyst = bearer(settings, "analyst")
    for kind in ("SSDA903", "CIN"):
        found = await graphql(client, analyst, START, {"kind": kind, "year": 2024})
        refused = found["startReturn"]
        assert refused["__typename"] == "InvalidInput", refused
        assert [p["field"] for p in refused["problems"]] == ["year"], refused
        assert "2023-24" in refused["problems"][0]["rule"], refused
    assert await store.read("MATCH (j:ReturnJob) RETURN j.id AS id") == []


async def test_the_2024_25_return_compares_with_last_year_in_its_own_coding(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # Looked after since November 2023 in an other placement (the hub records Z12): the
    # 2024-25 return and its last-year tables both write it as that year's Z1.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2010-02-02", "M", allocated_from="2023-10-30")
    await record.referred(child, "2023-10-30", "N4")
    care = await record.start(child, "2023-11-06", "V2", "Z12")
    await record.review(care, "2023-12-01")
    await record.fact("recordSdq", child, on="2024-09-02", score=11)
    out = tmp_path / "903"
    await write_ssda903(store, CollectionYear(2025), out)
    assert rows_of(out / "previous", "header", child, "SEX") == [("M",)]
    assert rows_of(out / "previous", "episodes", child, "PLACE") == [("Z1",)]
    assert rows_of(out, "episodes", child, "PLACE") == [("Z1",)]
    report = dfe_rules("903", out, year=2025, prev=out / "previous")
    assert unexplained_failures(report, out, out / "previous", date(2025, 3, 31)) == {}
