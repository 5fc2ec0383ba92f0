"""The SSDA903 return made from looked-after journeys recorded through GraphQL with the
dates they happened, checked by the DfE's own validator (its published rules, run in
their own interpreter; see conftest.py and dfe_rules.py)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from returns import SSDA903_TABLES, CollectionYear, write_cin_census, write_ssda903
from tests.helpers import bearer, graphql
from tests.returns.conftest import DfeRules
from tests.returns.journeys import Recorder, code, county_to_record_on
from tests.returns.known_broken import (
    KNOWN_BROKEN_CIN_QUERIES,
    excused,
    unexplained_failures,
)
from tests.returns.test_scenario_county import AS_AT, looked_after_in_903
from workflow import codes

pytestmark = pytest.mark.anyio

YEAR = CollectionYear(2026)

COLLEAGUE = """
MATCH (:Worker {id: 'worker-sw-demo'})-[:MEMBER_OF_TEAM]->(t:Team)<-[:MEMBER_OF_TEAM]-(w:Worker)
WHERE w.id <> 'worker-sw-demo' AND w.role = 'social_worker'
RETURN w.id AS id ORDER BY w.id LIMIT 1
"""
ALLOCATE = """mutation ($input: AllocateChildInput!) { allocateChild(input: $input) {
  __typename ... on Allocation { id } ... on InvalidInput { problems { field rule } }
  ... on NotAuthorised { reason } ... on TransitionRefused { reason } } }"""


def read_table(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def rows_of(folder: Path, name: str, child: str, *columns: str) -> list[tuple[str, ...]]:
    return [
        tuple(row[c] for c in columns) for row in read_table(folder, name) if row["CHILD"] == child
    ]


async def record_stories(record: Recorder, children: list[str]) -> dict[str, str]:
    """Nine children's journeys; returns who is who."""
    who = dict(
        zip(
            (
                "moves",
                "twice",
                "settled",
                "leaver19",
                "leaver20",
                "leaver17",
                "reversed",
                "adopted",
                "uasc",
            ),
            children,
            strict=False,
        )
    )
    # Placement changes, a legal status change, a stay in hospital (T1) and back, and
    # missing at the year end (back after 31 March).
    child = who["moves"]
    await record.born(child, "2016-02-14", "M", allocated_from="2025-05-01")
    await record.referred(child, "2025-05-01", "N1")
    care = await record.start(child, "2025-05-12", "C1", "U6")
    care = await record.review(care, "2025-06-06")
    care = await record.move(care, "2025-09-01", "U4", longTermPlacement=True)
    care = await record.review(care, "2025-09-04")
    care = await record.legal_status(care, "2025-11-03", "C2")
    care = await record.move(care, "2025-12-01", "T1", reason="OTHER")
    care = await record.move(care, "2025-12-05", "U4", longTermPlacement=True)
    care = await record.missing(care, "M", "2026-03-20")
    care = await record.missing(care, "M", "2026-03-20", "2026-04-02")

    # Looked after twice: accommodated (V2) and home in 2024, then a care order and a
    # children's home in 2025, away from it for two nights, and home again in January.
    child = who["twice"]
    await record.born(child, "2012-03-03", "F", allocated_from="2024-05-20")
    await record.referred(child, "2024-05-20", "N4")
    care = await record.start(child, "2024-06-03", "V2", "U6")
    care = await record.review(care, "2024-06-28")
    care = await record.cease(care, "2024-12-02", "E4A")
    care = await record.start(child, "2025-07-01", "C1", "K2", "PR4", urn="SC123456")
    care = await record.review(care, "2025-07-25")
    care = await record.missing(care, "A", "2025-10-10", "2025-10-12")
    # Typed a day late both ends: away from the 9th to the 11th.
    away = next(s for s in care["steps"] if s["kind"] == "MISSING_EPISODE")
    care = await record.act(
        "correctMissingEpisode",
        care,
        stepId=away["id"],
        startedOn="2025-10-09",
        returnedOn="2025-10-11",
        reason="The placement's log",
    )
    care = await record.cease(care, "2026-01-15", "E4A")

    # Looked after for years: the OC2 outcomes of a whole year.
    child = who["settled"]
    await record.born(child, "2011-09-03", "F", allocated_from="2023-01-02")
    await record.referred(child, "2023-01-02", "N1")
    care = await record.start(child, "2023-01-10", "C2", "U4")
    care = await record.review(care, "2025-07-10")
    care = await record.review(care, "2026-01-08", "PN2")
    care = await record.act("recordHealthAssessment", care, on="2025-06-02", lateReason="Late.")
    await record.fact("recordDentalCheck", child, on="2025-08-01")
    await record.fact("recordImmunisations", child, on="2025-05-01", upToDate=True)
    await record.fact("recordSdq", child, on="2025-09-01", score=14)
    await record.fact("recordSdq", child, on="2024-09-02", score=16)

    # Care leavers: left at 18, in touch around the 19th birthday; left at 18, the 20th
    # birthday this year; left at 16, the 17th birthday this year.
    for name, born, started, ended, contacts, activity, accom in (
        ("leaver19", "2006-10-05", "2022-09-01", "2024-10-07", ["2025-10-01"], "F2", "D1"),
        (
            "leaver20",
            "2005-06-10",
            "2021-01-05",
            "2023-06-12",
            ["2024-06-03", "2025-06-05"],
            "F5",
            "E1",
        ),
        ("leaver17", "2008-07-20", "2024-03-01", "2025-05-01", ["2025-07-15"], "F2", "B1"),
    ):
        child = who[name]
        sex = "F" if name == "leaver20" else "M"
        await record.born(child, born, sex, allocated_from=started)
        await record.referred(child, started, "N5")
        care = await record.start(child, started, "V2", "U6")
        if name == "leaver17":  # looked after for the whole of 2024-25
            await record.fact("recordSdq", child, on="2024-10-01", score=12)
        care = await record.cease(care, ended, "E5", leaver=True)
        for on in contacts:
            care = await record.contact(care, on, activity, accom)

    # A decision that the child should be placed for adoption, reversed.
    child = who["reversed"]
    await record.born(child, "2022-03-01", "M", allocated_from="2024-10-21", upn=False)
    await record.referred(child, "2024-10-21", "N1")
    care = await record.start(child, "2024-11-01", "C1", "U6")
    care = await record.legal_status(care, "2025-02-03", "C2")
    # SSDA903 OC2: a child who turns 4 in the year needs an SDQ or the reason for none.
    await record.fact("recordSdq", child, on="2025-10-01", reason="SDQ1_OUTSIDE_AGE_RANGE")
    plan = await record.adoption(care, "2025-05-01")
    plan = await record.adopt(
        "ceaseAdoptionPlan", plan, ceasedOn="2025-12-01", reason="RD1_CHILDS_NEEDS_CHANGED"
    )
    await record.authorise_adoption(plan)

    # Adopted: decision, placement order, match, placement and the adoption order.
    child = who["adopted"]
    await record.born(child, "2023-01-15", "F", allocated_from="2024-01-22", upn=False)
    await record.referred(child, "2024-01-22", "N1")
    care = await record.start(child, "2024-02-01", "C1", "U6")
    plan = await record.adoption(care, "2024-09-02")
    plan = await record.adopt("recordPlacementOrder", plan, grantedOn="2024-10-01")
    care = await record.legal_status(care, "2024-10-01", "E1")
    plan = await record.adopt(
        "matchWithAdopters",
        plan,
        matchedOn="2025-02-03",
        adopterSex="MF_MIXED_COUPLE",
        adoptersLegalStatus="L11_MARRIED_DIFFERENT_SEX",
    )
    plan = await record.adopt("placeForAdoption", plan, placedOn="2025-03-03")
    care = await record.move(care, "2025-03-03", "A6")
    plan = await record.adopt("grantAdoptionOrder", plan, grantedOn="2025-09-15")
    care = await record.cease(care, "2025-09-15", "E11")

    # An unaccompanied asylum-seeking child of 16 in supported accommodation.
    child = who["uasc"]
    await record.born(child, "2009-05-01", "M", allocated_from="2025-08-01")
    await record.referred(child, "2025-08-01", "N4")
    await record.fact("recordUascStatus", child, on="2025-08-01")
    care = await record.start(child, "2025-08-01", "V2", "K3", "PR4", home=None, urn="SC654321")
    care = await record.review(care, "2025-08-28")

    # The settled child's social worker changes in the year (SW_REASON MANAGE).
    colleague = await record.store.read(COLLEAGUE, {})
    assert colleague, "the demo team has a second social worker"
    moved = await graphql(
        record.client,
        record.manager,
        ALLOCATE,
        {
            "input": {
                "childId": who["settled"],
                "workerId": colleague[0]["id"],
                "on": "2025-10-01",
                "reason": code(codes.SocialWorkerChangeReason, "MANAGE"),
            }
        },
    )
    assert moved["allocateChild"]["__typename"] == "Allocation", moved
    return who


async def test_ssda903_of_looked_after_journeys_passes_the_dfe_rules(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    record, children = await county_to_record_on(client, settings, store)
    assert len(children) >= 9, children
    who = await record_stories(record, children[:9])

    # An adopted child's record is restricted: no viewer sees it, the DfE still counts it.
    await store.write("MATCH (c:Child {id: $id}) SET c.restricted = true", {"id": who["adopted"]})
    out = tmp_path / "903"
    current, previous = await write_ssda903(store, YEAR, out)
    assert sorted(p.name for p in out.glob("*.csv")) == sorted(f"{t}.csv" for t in SSDA903_TABLES)
    assert sorted(p.name for p in (out / "previous").glob("*.csv")) == sorted(
        f"{t}.csv" for t in SSDA903_TABLES
    )
    columns = ("DECOM", "RNE", "LS", "CIN", "PLACE", "DEC", "REC", "REASON_PLACE_CHANGE")
    assert rows_of(out, "episodes", who["moves"], *columns) == [
        ("12/05/2025", "S", "C1", "N1", "U6", "01/09/2025", "X1", "CARPL"),
        ("01/09/2025", "P", "C1", "N1", "U4", "03/11/2025", "X1", ""),
        ("03/11/2025", "L", "C2", "N1", "U4", "01/12/2025", "X1", ""),
        ("01/12/2025", "P", "C2", "N1", "T1", "05/12/2025", "X1", ""),
        ("05/12/2025", "P", "C2", "N1", "U4", "", "", ""),
    ]
    # Missing on 31 March: the return (2 April) was not known then.
    assert rows_of(out, "missing", who["moves"], "MISSING", "MIS_START", "MIS_END") == [
        ("M", "20/03/2026", "")
    ]
    assert rows_of(out, "missing", who["twice"], "MISSING", "MIS_START", "MIS_END") == [
        ("A", "09/10/2025", "11/10/2025")
    ]
    assert rows_of(out, "episodes", who["twice"], "DECOM", "RNE", "LS", "DEC", "REC") == [
        ("01/07/2025", "S", "C1", "15/01/2026", "E4A")
    ]
    assert rows_of(out / "previous", "episodes", who["twice"], "DECOM", "DEC", "REC") == [
        ("03/06/2024", "02/12/2024", "E4A")
    ]
    assert rows_of(out, "oc2", who["settled"], "SDQ_SCORE", "IMMUNISATIONS", "TEETH_CHECK") == [
        ("14", "1", "1")
    ]
    assert rows_of(out, "oc3", who["leaver19"], "IN_TOUCH", "ACTIV", "ACCOM") == [
        ("YES", "F2", "D1")
    ]
    assert rows_of(out, "oc3", who["leaver17"], "IN_TOUCH", "ACTIV", "ACCOM") == [
        ("YES", "F2", "B1")
    ]
    assert rows_of(
        out, "placed_for_adoption", who["reversed"], "DATE_PLACED", "DATE_PLACED_CEASED"
    ) == [("01/05/2025", "01/12/2025")]
    assert rows_of(out, "ad1", who["adopted"], "DATE_INT", "DATE_MATCH", "SEX_ADOPTR") == [
        ("02/09/2024", "03/02/2025", "MF")
    ]
    # Still UASC on 31 March: the status ceases on the 18th birthday at the latest.
    assert rows_of(out, "uasc", who["uasc"], "DUC") == [("01/05/2027",)]
    workers = rows_of(out, "sw_episodes", who["settled"], "SW_DECOM", "SW_DEC", "SW_REASON")
    assert workers == [("02/01/2023", "01/10/2025", "FCONTA"), ("01/10/2025", "", "MANAGE")]
    assert current.rows["header"] == 9  # every story is in this year's return
    assert previous.rows["header"] > 0

    report = dfe_rules("903", out, year=2026, prev=out / "previous")
    assert report["ran"] >= 300, report  # every table was read: almost no rule skipped
    assert unexplained_failures(report, out, out / "previous", YEAR.end) == {}
    # The known defects do misfire here, on exactly the children they explain: the
    # 20-year-old care leaver (1001, 1002) and the child allocated before care (SW12STG2).
    explained = excused(out, out / "previous", YEAR.end)
    assert explained["1001"] == explained["1002"] == {who["leaver20"]}
    assert explained["SW12STG2"] == {who["moves"]}
    assert set(report["failures"]) == {"1001", "1002", "SW12STG2"}
    assert report["failures"]["1001"]["children"] == [who["leaver20"]]

    # The same children in the CIN census: their referrals, decided and awaiting assessment.
    census = tmp_path / "cin.xml"
    await write_cin_census(store, YEAR, census, "919")
    cin = dfe_rules("cin", census, year=2026)
    assert set(cin["failures"]) == KNOWN_BROKEN_CIN_QUERIES, cin

    last_year = dfe_rules("903", out / "previous", year=2025)
    assert last_year["ran"] >= 250, last_year
    assert (
        unexplained_failures(last_year, out / "previous", out / "previous", date(2025, 3, 31)) == {}
    )


async def test_care_that_ends_on_the_18th_birthday_gives_no_oc3_row_for_it(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # Two young people in touch around their 18th birthday this year: one left care the
    # day before it, one on it (staying put). The DfE asks care leaver information at 17
    # and 18 only of those no longer looked after on the birthday, and rule 1016 refuses
    # it for one whose care ceased on or after it; the hub makes the 19th birthday's
    # contact the first due, keeps the one made on the 18th as a contact, and the young
    # person's first OC3 row is the 19th birthday's.
    record, children = await county_to_record_on(client, settings, store)
    before, on = children[:2]
    for child, left, reason, counted in (
        (before, "2025-08-13", "E5", "2025-08-14"),
        (on, "2025-08-14", "E17", None),
    ):
        await record.born(child, "2007-08-14", "M", allocated_from="2023-05-02")
        await record.referred(child, "2023-05-02", "N5")
        care = await record.start(child, "2023-05-08", "C2", "U6")
        await record.fact("recordSdq", child, on="2024-09-02", score=11)
        care = await record.cease(care, left, reason, leaver=True)
        care = await record.contact(care, "2025-08-14", "F2", "D1")
        due = [
            (s["dueDate"], s["status"]) for s in care["steps"] if s["kind"] == "CARE_LEAVER_CONTACT"
        ]
        assert sorted(due, key=str) == sorted([(counted, "DONE"), ("2026-08-14", "OPEN")], key=str)

    out = tmp_path / "903"
    await write_ssda903(store, YEAR, out)
    assert rows_of(out, "episodes", on, "DEC", "REC") == [("14/08/2025", "E17")]
    assert rows_of(out, "oc3", before, "IN_TOUCH", "ACTIV", "ACCOM") == [("YES", "F2", "D1")]
    assert rows_of(out, "oc3", on, "IN_TOUCH") == []
    report = dfe_rules("903", out, year=2026, prev=out / "previous")
    assert report["ran"] >= 300, report
    assert unexplained_failures(report, out, out / "previous", YEAR.end) == {}

    # The same contact returned for the birthday care ended on is what rule 1016 reports.
    with (out / "oc3.csv").open("a", encoding="utf-8", newline="") as handle:
        handle.write(f"{on},14/08/2007,YES,F2,D1\n")
    refused = dfe_rules("903", out, year=2026, prev=out / "previous")
    assert unexplained_failures(refused, out, out / "previous", YEAR.end) == {
        "1016": {**refused["failures"]["1016"], "children": [on]}
    }


async def test_short_breaks_are_episodes_of_the_ssda903(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # A disabled child accommodated for short breaks is looked after (SSDA903 legal status
    # V3 for each break, V4 for an agreement): each break is an episode that starts (S)
    # and ends (E4A, home as planned) on its days, with no placement postcode or URN
    # (rules 214, 398), and no motherhood or reviews for a child looked after only so
    # (rules 393, 399, 607). A girl's three breaks, one across 1 April and one open on
    # 31 March; a boy's agreement since before the year.
    record, children = await county_to_record_on(client, settings, store)
    breaks, agreement = children[:2]
    household = await record.short_breaks_household("2024-01-10")
    await record.born(breaks, "2014-06-01", "F", allocated_from="2024-03-01")
    await record.referred(breaks, "2024-03-01", "N2")
    await record.fact(
        "recordPreviousPermanence",
        breaks,
        on="2024-03-01",
        permanence=code(codes.PreviousPermanence, "Z1"),
    )
    for started, ended in (
        ("2025-03-28", "2025-04-02"),
        ("2025-07-04", "2025-07-06"),
        ("2026-03-30", "2026-04-01"),
    ):
        await record.short_break(breaks, "V3", started, ended, household)
    await record.born(agreement, "2012-02-10", "M", allocated_from="2024-09-02")
    await record.referred(agreement, "2024-09-02", "N2")
    await record.short_break(agreement, "V4", "2024-10-01", None, household)

    out = tmp_path / "903"
    await write_ssda903(store, YEAR, out)
    columns = ("DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC")
    blank = ("REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN")
    assert rows_of(out, "episodes", breaks, *columns, *blank) == [
        ("28/03/2025", "S", "V3", "N2", "U6", "PR1", "02/04/2025", "E4A", "", "", "", ""),
        ("04/07/2025", "S", "V3", "N2", "U6", "PR1", "06/07/2025", "E4A", "", "", "", ""),
        ("30/03/2026", "S", "V3", "N2", "U6", "PR1", "", "", "", "", "", ""),
    ]
    assert rows_of(out / "previous", "episodes", breaks, *columns) == [
        ("28/03/2025", "S", "V3", "N2", "U6", "PR1", "", "")
    ]
    assert rows_of(out, "episodes", agreement, *columns) == [
        ("01/10/2024", "S", "V4", "N2", "U6", "PR1", "", "")
    ]
    assert rows_of(out, "header", breaks, "SEX", "MOTHER", "MC_DOB") == [("F", "", "")]
    assert rows_of(out, "header", agreement, "SEX") == [("M",)]
    assert rows_of(out, "oc2", agreement, "CHILD") == []
    # Nor are they counted among the children looked after on 31 March, by the return as
    # the DfE counts it or by the analyst's view.
    view = await graphql(client, bearer(settings, "analyst"), AS_AT, {"on": "2026-03-31"})
    assert {c["childId"] for c in view["asAt"]["lookedAfter"]["children"]} == set()
    assert looked_after_in_903(out, YEAR.end) == set()
    report = dfe_rules("903", out, year=2026, prev=out / "previous")
    assert report["ran"] >= 300, report
    assert unexplained_failures(report, out, out / "previous", YEAR.end) == {}


async def test_an_unaccompanied_child_is_uasc_until_the_18th_birthday_in_both_years(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # SSDA903 UASC: DUC is the day the status ceased, and the status of an unaccompanied
    # asylum-seeking child ceases at the latest on the 18th birthday, which is known in
    # advance: a return made while the child is still UASC gives that day (rule 205B
    # checks that last year's DUC of a child UASC in both years is the 18th birthday). A
    # boy who arrived at 16 and turned 18 this year, and a girl granted refugee status
    # at 17 this year, before her 18th birthday.
    record, children = await county_to_record_on(client, settings, store)
    boy, girl = children[:2]
    for child, born, sex, ceased in (
        (boy, "2007-09-15", "M", None),
        (girl, "2008-06-20", "F", "2025-11-03"),
    ):
        await record.born(child, born, sex, allocated_from="2024-02-01")
        await record.referred(child, "2024-02-01", "N4")
        await record.fact("recordUascStatus", child, on="2024-02-01", ceasedOn=ceased)
        care = await record.start(child, "2024-02-01", "V2", "U6", home=None)
        care = await record.review(care, "2024-02-28")
        care = await record.review(care, "2024-08-01")
        care = await record.review(care, "2025-02-01")
        await record.fact("recordSdq", child, on="2024-10-01", score=12)
        care = await record.act("recordHealthAssessment", care, on="2024-06-03", lateReason="Late.")
        if child == boy:
            care = await record.cease(care, "2025-09-15", "E5", leaver=True)
        else:
            care = await record.review(care, "2025-08-01")
            await record.fact("recordSdq", child, on="2025-10-01", score=10)

    out = tmp_path / "903"
    await write_ssda903(store, YEAR, out)
    assert rows_of(out / "previous", "uasc", boy, "DOB", "DUC") == [("15/09/2007", "15/09/2025")]
    assert rows_of(out, "uasc", boy, "DUC") == [("15/09/2025",)]
    assert rows_of(out / "previous", "uasc", girl, "DUC") == [("20/06/2026",)]
    assert rows_of(out, "uasc", girl, "DUC") == [("03/11/2025",)]
    report = dfe_rules("903", out, year=2026, prev=out / "previous")
    assert report["ran"] >= 300, report
    assert unexplained_failures(report, out, out / "previous", YEAR.end) == {}
    last_year = dfe_rules("903", out / "previous", year=2025)
    assert (
        unexplained_failures(last_year, out / "previous", out / "previous", date(2025, 3, 31)) == {}
    )


async def test_a_previous_permanence_order_dated_in_part_is_returned_with_zz(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # SSDA903 DATE_PERM: "one or more elements of the date can be replaced by ZZ if part
    # of the date element is not known" (rule 632), and rule 630 asks a date of every
    # order (P1-P4). Old orders, and orders of a kind nobody now knows (P4), often have
    # only a month or a year on file; the return writes what is known, ZZ for the rest.
    # The order came before care began (632): a year that may still hold the start of
    # care warns until the month is known.
    record, children = await county_to_record_on(client, settings, store)
    known = {
        "ZZ/05/2019": ("P4", {"year": 2019, "month": 5}),
        "ZZ/ZZ/2018": ("P2", {"year": 2018}),
        "ZZ/ZZ/ZZZZ": ("P4", {}),
        "ZZ/04/2025": ("P3", {"year": 2025}),
    }
    for child, (permanence, parts) in zip(children, known.values(), strict=False):
        await record.born(child, "2013-04-20", "F", allocated_from="2025-05-01")
        await record.referred(child, "2025-05-01", "N1")
        await record.start(child, "2025-06-02", "C1", "U6")
        await record.fact(
            "recordPreviousPermanence",
            child,
            on="2025-06-02",
            permanence=code(codes.PreviousPermanence, permanence),
            localAuthority="919",
            orderDateKnown=parts,
        )
    warned = "{ myWork { dataWarnings { code childId } } }"
    listed = (await graphql(client, record.worker, warned))["myWork"]["dataWarnings"]
    # 2025 may be after 2 June, when care began: not yet the order's date the DfE takes.
    assert [(w["code"], w["childId"]) for w in listed] == [("903 632", children[3])]
    await record.fact(
        "recordPreviousPermanence",
        children[3],
        on="2025-06-02",
        permanence=code(codes.PreviousPermanence, "P3"),
        localAuthority="919",
        orderDateKnown={"year": 2025, "month": 4},
    )
    assert (await graphql(client, record.worker, warned))["myWork"]["dataWarnings"] == []

    out = tmp_path / "903"
    await write_ssda903(store, YEAR, out)
    for child, (returned, (permanence, _)) in zip(children, known.items(), strict=False):
        assert rows_of(out, "prev_perm", child, "PREV_PERM", "LA_PERM", "DATE_PERM") == [
            (permanence, "919", returned)
        ]
    # Nobody here was looked after last year: the validator reads no empty last year, so
    # the year-on-year rules do not run.
    report = dfe_rules("903", out, year=2026)
    assert report["ran"] >= 250, report
    assert unexplained_failures(report, out, out / "previous", YEAR.end) == {}
