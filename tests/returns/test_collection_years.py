"""Each collection year's SSDA903 written to that year's specification (its tables, its
code lists), and checked by that year's DfE rules: a placement recorded in today's codes
in a year whose list had another, and a county whose records begin in the year."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from returns import CollectionYear, write_ssda903
from tests.helpers import graphql
from tests.returns.conftest import DfeRules
from tests.returns.journeys import county_to_record_on
from tests.returns.known_broken import unexplained_failures
from tests.returns.test_ssda903 import rows_of

pytestmark = pytest.mark.anyio

YEAR = CollectionYear(2026)


async def test_an_other_placement_is_z1_in_2024_25_and_its_own_code_from_2025_26(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # Placed in November 2024 in an "other placement" the worker records as Z12 (the
    # 2025-26 list, the one the hub keeps) and home in June 2025. The 2024-25 list has
    # one code for all of them, Z1 (Z12 fails its rule 146); 2025-26 has Z11-Z14, and its
    # rule 503D accepts last year's open Z1 beside this year's Z12.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2010-02-02", "M", allocated_from="2024-10-28")
    await record.referred(child, "2024-10-28", "N4")
    care = await record.start(child, "2024-11-04", "V2", "Z12")
    care = await record.review(care, "2024-11-29")
    await record.cease(care, "2025-06-30", "E4A")

    out = tmp_path / "903"
    await write_ssda903(store, YEAR, out)
    columns = ("DECOM", "PLACE", "PLACE_PROVIDER", "DEC")
    assert rows_of(out / "previous", "episodes", child, *columns) == [("04/11/2024", "Z1", "", "")]
    assert rows_of(out, "episodes", child, *columns) == [("04/11/2024", "Z12", "", "30/06/2025")]
    last = dfe_rules("903", out / "previous", year=2025)
    assert unexplained_failures(last, out / "previous", out / "previous", date(2025, 3, 31)) == {}
    report = dfe_rules("903", out, year=2026, prev=out / "previous")
    assert unexplained_failures(report, out, out / "previous", YEAR.end) == {}


async def test_a_county_s_first_year_of_returns_passes_the_dfe_rules(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # The hub's record begins in 2025-26: nobody was looked after in 2024-25 as far as
    # it knows. Last year's tables would have no rows, which the DfE's validator cannot
    # read (its ingress fails on an empty header beside a UASC table), so there are none,
    # as for a county whose return has no last year to compare with.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2016-02-14", "M", allocated_from="2025-05-01")
    await record.referred(child, "2025-05-01", "N1")
    care = await record.start(child, "2025-05-12", "C1", "U6")
    await record.review(care, "2025-06-06")

    out = tmp_path / "903"
    current, previous = await write_ssda903(store, YEAR, out)
    assert (current.rows["header"], previous.rows["header"]) == (1, 0)
    assert not (out / "previous").exists()
    report = dfe_rules("903", out, year=2026, prev=out / "previous")
    assert report["ran"] >= 270, report
    assert unexplained_failures(report, out, out / "previous", YEAR.end) == {}


DEPRIVE = """mutation ($input: RecordDeprivationOfLibertyInput!) {
  recordDeprivationOfLiberty(input: $input) { __typename
    ... on ChildFact { factKind on ceasedOn recordedBy recordedAt }
    ... on InvalidInput { problems { field rule } } } }"""


async def test_the_2026_27_903_has_the_orders_depriving_children_of_liberty(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # Accommodated in April 2026 in a children's home; the High Court deprived her of her
    # liberty there from 4 May to 28 August, and again from 5 October (still in force).
    # The 2026-27 specification adds a DoLo table; 2025-26 has none.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2011-03-03", "F", allocated_from="2026-04-13")
    await record.referred(child, "2026-04-13", "N1")
    care = await record.start(child, "2026-04-20", "C1", "K2", "PR4", urn="SC123456")
    await record.review(care, "2026-05-15")
    first = {"childId": child, "on": "2026-05-04"}
    recorded = await graphql(client, record.worker, DEPRIVE, {"input": first})
    order = recorded["recordDeprivationOfLiberty"]
    assert (order["factKind"], order["on"], order["ceasedOn"]) == (
        "DEPRIVATION_OF_LIBERTY",
        "2026-05-04",
        None,
    ), order
    assert order["recordedBy"] == "worker-sw-demo", order
    assert order["recordedAt"] is not None, order
    # The order ends: the same order (the day it began) recorded again with its end.
    ended = {**first, "ceasedOn": "2026-08-28"}
    recorded = await graphql(client, record.worker, DEPRIVE, {"input": ended})
    assert recorded["recordDeprivationOfLiberty"]["ceasedOn"] == "2026-08-28", recorded
    # An end on or before its start is refused, naming the field, and records nothing.
    wrong = {"childId": child, "on": "2026-10-05", "ceasedOn": "2026-10-05"}
    refused = await graphql(client, record.worker, DEPRIVE, {"input": wrong})
    assert refused["recordDeprivationOfLiberty"] == {
        "__typename": "InvalidInput",
        "problems": [{"field": "ceasedOn", "rule": "must be after the day the order began (on)"}],
    }
    await record.fact("recordDeprivationOfLiberty", child, on="2026-10-05")
    # A second order cannot begin while this one is in force (903 rule 705), nor the
    # first be extended over the second: each refused naming the field, nothing kept.
    overlapping = {"childId": child, "on": "2026-11-02"}
    refused = await graphql(client, record.worker, DEPRIVE, {"input": overlapping})
    assert refused["recordDeprivationOfLiberty"] == {
        "__typename": "InvalidInput",
        "problems": [
            {
                "field": "on",
                "rule": "the order of 2026-10-05 is in force then: record its end first",
            }
        ],
    }
    extended = {**first, "ceasedOn": "2026-10-06"}
    refused = await graphql(client, record.worker, DEPRIVE, {"input": extended})
    assert refused["recordDeprivationOfLiberty"] == {
        "__typename": "InvalidInput",
        "problems": [
            {
                "field": "ceasedOn",
                "rule": "the order of 2026-10-05 is in force then: end this one before it begins",
            }
        ],
    }
    # Ordered in hospital five days before he was accommodated, still in force when he
    # went home: the 903 has the part while he was looked after (rule 707).
    other = children[1]
    await record.born(other, "2012-06-06", "M", allocated_from="2026-04-13")
    await record.referred(other, "2026-04-13", "N1")
    await record.fact("recordDeprivationOfLiberty", other, on="2026-04-15")
    care = await record.start(other, "2026-04-20", "C1", "K2", "PR4", urn="SC123456")
    care = await record.review(care, "2026-05-15")
    await record.cease(care, "2026-09-30", "E4A")

    out = tmp_path / "903"
    await write_ssda903(store, CollectionYear(2027), out)
    assert rows_of(out, "dolo", child, "DOLO_START", "DOLO_END") == [
        ("04/05/2026", "28/08/2026"),
        ("05/10/2026", ""),
    ]
    assert rows_of(out, "dolo", other, "DOLO_START", "DOLO_END") == [("20/04/2026", "30/09/2026")]
    report = dfe_rules("903", out, year=2027, prev=out / "previous")
    # Every DoLo rule read the table (706, 709 and 710 crash on any input: known_broken).
    assert {f"70{n}" for n in range(9)} & set(report["skipped"]) == set(), report["skipped"]
    assert unexplained_failures(report, out, out / "previous", date(2027, 3, 31)) == {}
    # The 2025-26 return has no DoLo table.
    earlier = tmp_path / "903-2026"
    await write_ssda903(store, YEAR, earlier)
    assert not (earlier / "dolo.csv").exists()
