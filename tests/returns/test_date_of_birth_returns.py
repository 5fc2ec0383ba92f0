"""A date of birth put right after care: the birthdays counted from it move (a care
leaver's contacts, SSDA903 OC3), both returns carry the new date and pass the DfE's
validators, and a date that would make recorded care impossible is refused."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from returns import CollectionYear, write_cin_census, write_ssda903
from tests.helpers import clock_at, graphql
from tests.returns.conftest import DfeRules
from tests.returns.journeys import county_to_record_on
from tests.returns.known_broken import KNOWN_BROKEN_CIN_QUERIES, unexplained_failures
from tests.returns.test_ssda903 import rows_of
from workflow import calendar

pytestmark = pytest.mark.anyio

YEAR = CollectionYear(2026)
CORRECT = """mutation ($input: RecordDateOfBirthInput!) { recordDateOfBirth(input: $input) {
  __typename ... on ChildFact { dateOfBirth previousDateOfBirth }
  ... on InvalidInput { problems { field rule } } } }"""
HEALTH_DUE = """query ($id: ID!) { child(id: $id) { periodsOfCare { steps {
  kind status dueDate dueRule } } } }"""
CARE_STEPS = """query ($id: ID!) { child(id: $id) { periodsOfCare { steps {
  kind status dueDate completedDate } } } }"""


async def _correct(
    client: httpx.AsyncClient, worker: dict[str, str], child: str, born: str, on: str = "2025-09-01"
) -> dict[str, Any]:
    data = {"childId": child, "dateOfBirth": born, "on": on}
    found = await graphql(client, worker, CORRECT, {"input": data})
    return found["recordDateOfBirth"]  # type: ignore[no-any-return]


async def _contacts_due(
    client: httpx.AsyncClient, worker: dict[str, str], child: str
) -> list[tuple[str, str]]:
    found = await graphql(client, worker, CARE_STEPS, {"id": child})
    return sorted(
        (step["dueDate"], step["status"])
        for period in found["child"]["periodsOfCare"]
        for step in period["steps"]
        if step["kind"] == "CARE_LEAVER_CONTACT"
    )


async def test_a_care_leaver_s_birthdays_follow_the_corrected_date_into_both_returns(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # Recorded as born on 14 August 2007; he left care on 13 August 2025 and his
    # personal adviser saw him on the 14th, the 18th birthday's contact. His birth
    # certificate says 24 August: the contact (ten days before) is the one for that
    # birthday, and the next falls due on 24 August 2026.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2007-08-14", "M", allocated_from="2023-05-02")
    await record.referred(child, "2023-05-02", "N5")
    care = await record.start(child, "2023-05-08", "C2", "U6")
    await record.fact("recordSdq", child, on="2024-09-02", score=11)
    care = await record.cease(care, "2025-08-13", "E5", leaver=True)
    care = await record.contact(care, "2025-08-14", "F2", "D1")
    assert await _contacts_due(client, record.worker, child) == [
        ("2025-08-14", "DONE"),
        ("2026-08-14", "OPEN"),
    ]

    # Born on 1 May 2005 he would have been 18 before care began (SSDA903 rule 352).
    refused = await _correct(client, record.worker, child, "2005-05-01")
    assert refused["problems"] == [
        {
            "field": "dateOfBirth",
            "rule": "the young person would have turned 18 on 2023-05-01, before care began"
            " on 2023-05-08 (SSDA903 rule 352)",
        }
    ]
    # Born in 2010, he would have left care at 15, too young to be a care leaver.
    refused = await _correct(client, record.worker, child, "2010-01-01")
    assert refused["problems"][0]["field"] == "dateOfBirth", refused
    assert "only a young person aged 16 or over leaves care" in refused["problems"][0]["rule"]
    assert await _contacts_due(client, record.worker, child) == [
        ("2025-08-14", "DONE"),
        ("2026-08-14", "OPEN"),
    ]

    # Born on 20 October, the contact of 14 August would be over two months before the
    # 18th birthday it counted for (SSDA903 OC3 counts one within two months).
    refused = await _correct(client, record.worker, child, "2007-10-20")
    assert refused["problems"] == [
        {
            "field": "dateOfBirth",
            "rule": "the care leaver contact of 2025-08-14 would be more than two months before"
            " the birthday it counted for (2025-10-20; SSDA903 OC3)",
        }
    ]
    corrected = await _correct(client, record.worker, child, "2007-08-24")
    assert corrected == {
        "__typename": "ChildFact",
        "dateOfBirth": "2007-08-24",
        "previousDateOfBirth": "2007-08-14",
    }
    assert await _contacts_due(client, record.worker, child) == [
        ("2025-08-24", "DONE"),
        ("2026-08-24", "OPEN"),
    ]

    out = tmp_path / "903"
    await write_ssda903(store, YEAR, out)
    for table in ("header", "sw_episodes", "oc3"):
        assert rows_of(out, table, child, "DOB") == [("24/08/2007",)], table
    assert rows_of(out, "oc3", child, "IN_TOUCH", "ACTIV", "ACCOM") == [("YES", "F2", "D1")]
    assert rows_of(out / "previous", "header", child, "DOB") == [("24/08/2007",)]
    report = dfe_rules("903", out, year=2026, prev=out / "previous")
    assert report["ran"] >= 300, report
    assert unexplained_failures(report, out, out / "previous", YEAR.end) == {}

    census = tmp_path / "cin.xml"
    await write_cin_census(store, YEAR, census, "919")
    returned = {
        c.findtext("ChildIdentifiers/LAchildID"): c
        for c in ET.parse(census).getroot().iter("Child")  # noqa: S314 - the hub's own output
    }
    assert returned[child].findtext("ChildIdentifiers/PersonBirthDate") == "2007-08-24"
    cin = dfe_rules("cin", census, year=2026)
    assert set(cin["failures"]) <= KNOWN_BROKEN_CIN_QUERIES, cin["failures"]


async def test_a_review_s_participation_code_holds_the_corrected_age(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # A review on 6 June 2025 recorded PN1 (the child, then 4, attended and spoke). Born
    # a year later the child would have been under 4, whose code is PN0 (SSDA903 rule 441).
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2021-02-14", "F", allocated_from="2025-05-01", upn=False)
    await record.referred(child, "2025-05-01", "N1")
    care = await record.start(child, "2025-05-12", "C1", "U6")
    await record.review(care, "2025-06-06", "PN1")
    refused = await _correct(client, record.worker, child, "2022-02-14")
    assert refused["problems"][0]["field"] == "dateOfBirth", refused
    assert refused["problems"][0]["rule"].startswith(
        "the looked-after review of 2025-06-06 was recorded PN1:"
    ), refused
    assert "SSDA903 rule 441" in refused["problems"][0]["rule"], refused
    fine = await _correct(client, record.worker, child, "2021-01-14")
    assert fine["__typename"] == "ChildFact", fine


async def test_nothing_in_care_after_18_nor_a_death_before_the_birth(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Looked after in foster care from 12 May 2025, reviewed on 6 June. Born on 20 May
    # 2007 she would have been 18 at the review: nothing happens in care after the 18th
    # birthday but accommodation under section 20(5) (SSDA903 rule 359).
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2010-05-20", "F", allocated_from="2025-05-01")
    await record.referred(child, "2025-05-01", "N1")
    care = await record.start(child, "2025-05-12", "C1", "U6")
    await record.review(care, "2025-06-06")
    refused = await _correct(client, record.worker, child, "2007-05-20")
    assert refused["problems"] == [
        {
            "field": "dateOfBirth",
            "rule": "a LOOKED_AFTER_REVIEW of care is recorded on 2025-06-06, after the 18th"
            " birthday (2025-05-20): only accommodation under section 20(5) goes on past it"
            " (SSDA903 rule 359)",
        }
    ]

    # A child in need who died on 5 October 2025 (the episode closed RC2) was born before.
    other = children[1]
    await record.born(other, "2015-01-10", "M", allocated_from="2025-05-01")
    case = await record.referral(other, "2025-06-02")
    await record.closed(case, "2025-10-05", "RC2_DIED")
    refused = await _correct(client, record.worker, other, "2025-10-10", on="2025-12-01")
    assert refused["problems"] == [
        {
            "field": "dateOfBirth",
            "rule": "the child's death is recorded on 2025-10-05 (RC2 or E2): a death is never"
            " before the birth",
        }
    ]


async def test_the_next_review_health_assessment_follows_the_age_the_new_date_gives(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Health assessed on 20 May 2025 when, as recorded, she was 4: the next within 6
    # months. Born in May 2020 she was 5 that day, and the next is due within 12.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    # (With a UPN: born in May 2020 she was of school age in 2025-26, so "not of school
    # age", UN1, would have to be put right first.)
    await record.born(child, "2021-01-10", "F", allocated_from="2025-05-01")
    await record.referred(child, "2025-05-01", "N1")
    care = await record.start(child, "2025-05-12", "C1", "U6")
    care = await record.act("recordHealthAssessment", care, on="2025-05-20")
    due = await graphql(client, record.worker, HEALTH_DUE, {"id": child})
    open_steps = [
        (s["dueDate"], s["dueRule"])
        for p in due["child"]["periodsOfCare"]
        for s in p["steps"]
        if s["kind"] == "HEALTH_ASSESSMENT" and s["status"] == "OPEN"
    ]
    assert open_steps == [("2025-11-20", "review_health_assessment_under_five")]
    fact = await _correct(client, record.worker, child, "2020-05-01")
    assert fact["__typename"] == "ChildFact", fact
    due = await graphql(client, record.worker, HEALTH_DUE, {"id": child})
    open_steps = [
        (s["dueDate"], s["dueRule"])
        for p in due["child"]["periodsOfCare"]
        for s in p["steps"]
        if s["kind"] == "HEALTH_ASSESSMENT" and s["status"] == "OPEN"
    ]
    assert open_steps == [("2026-05-20", "review_health_assessment")]


async def test_a_care_leaver_s_reviews_and_contacts_end_at_the_25th_birthday_of_the_new_date(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Recorded as born on 10 October 2001, he left care at 18 and his pathway plan was
    # reviewed on 2 March 2026: the next review is due on 2 September, before his 25th
    # birthday. His passport says 1 July 2001: support ends on 1 July 2026 (Children Act
    # 1989 s23CZB), so no review falls due after it, and the contact due on the 25th
    # birthday moves to the new one.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2001-10-10", "M", allocated_from="2016-12-01")
    await record.referred(child, "2016-12-01", "N5")
    care = await record.start(child, "2017-01-02", "C2", "U6")
    care = await record.cease(care, "2019-10-10", "E5", leaver=True)
    care = await record.contact(care, "2025-10-10", "F2", "D1")
    late = {"lateReason": "Written up from the personal adviser's notes."}
    care = await record.act("recordPathwayPlan", care, on="2026-03-02", **late)

    async def open_steps() -> list[tuple[str, str]]:
        found = await graphql(client, record.worker, CARE_STEPS, {"id": child})
        return sorted(
            (step["kind"], step["dueDate"])
            for period in found["child"]["periodsOfCare"]
            for step in period["steps"]
            if step["status"] == "OPEN" and step["kind"] in ("PATHWAY_PLAN", "CARE_LEAVER_CONTACT")
        )

    assert await open_steps() == [
        ("CARE_LEAVER_CONTACT", "2026-10-10"),
        ("PATHWAY_PLAN", "2026-09-02"),
    ]
    corrected = await _correct(client, record.worker, child, "2001-07-01", on="2026-04-01")
    assert corrected["__typename"] == "ChildFact", corrected
    assert await open_steps() == [("CARE_LEAVER_CONTACT", "2026-07-01")]


async def test_a_date_of_birth_that_makes_a_child_recorded_not_of_school_age_school_age(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Corrected in March 2026: the returns still to be made are 2024-25's and 2025-26's.
    monkeypatch.setattr(calendar, "datetime", clock_at(datetime(2026, 3, 20, 12, tzinfo=UTC)))
    # Recorded as born on 10 January 2022, looked after from April 2025, her UPN unknown
    # because she is not of school age (UN1). Born on 10 January 2020 she turned 4 before
    # 31 August 2024 and started school that September: the 2025-26 SSDA903 would return
    # UN1 for a child of school age (rule 209; the CIN census queries it, 8770Q). The UPN,
    # or another reason it is unknown, comes first; the correction then stands.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2022-01-10", "F", allocated_from="2025-04-01", upn=False)
    await record.referred(child, "2025-04-01", "N1")
    await record.start(child, "2025-04-07", "C2", "U6")
    refused = await _correct(client, record.worker, child, "2020-01-10")
    assert refused["__typename"] == "InvalidInput", refused
    ((field, rule),) = [(p["field"], p["rule"]) for p in refused["problems"]]
    assert field == "dateOfBirth"
    assert "(UN1, recorded on 2022-01-10)" in rule, rule
    assert "of school age in 2025-26" in rule, rule
    # Born on 1 September 2020 she was 4 on 1 September 2024 and began school in
    # September 2025: not of school age in 2025-26 by the DfE's reading.
    accepted = await _correct(client, record.worker, child, "2020-09-01")
    assert accepted["__typename"] == "ChildFact", accepted
    await record.fact("recordUpnUnknown", child, on="2025-09-01", reason="UN4_UPN_NOT_YET_KNOWN")
    accepted = await _correct(client, record.worker, child, "2020-01-10")
    assert accepted["__typename"] == "ChildFact", accepted


async def test_not_of_school_age_recorded_at_birth_is_warned_once_the_child_is_of_school_age(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # UN1 ("not of school age") recorded at the birth was true then; the child turned 4
    # on 1 June 2024, before the 31 August the 2025-26 return reads (SSDA903 rule 209),
    # with nothing saved since: time made it stale, so no save could refuse it, and the
    # return tells the analyst which child's UPN to record.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2020-06-01", "M", allocated_from="2025-05-27", upn=False)
    await record.referred(child, "2025-05-27", "N1")
    await record.start(child, "2025-06-02", "C1", "U6")

    out = tmp_path / "903"
    this_year, last_year = await write_ssda903(store, YEAR, out)
    assert rows_of(out, "header", child, "UPN") == [("UN1",)]
    assert dfe_rules("903", out, year=2026, prev=out / "previous")["failures"]["209"][
        "children"
    ] == [child]
    assert [(w.child_id, w.code) for w in this_year.warnings] == [(child, "903 209")]
    assert "turned 4 on 2024-06-01" in this_year.warnings[0].message
    assert last_year.warnings == []

    # Why the UPN is unknown now recorded (applied for, not issued yet), the return
    # carries it and warns of nothing.
    await record.fact("recordUpnUnknown", child, on="2025-09-01", reason="UN4_UPN_NOT_YET_KNOWN")
    again = tmp_path / "again"
    this_year, _ = await write_ssda903(store, YEAR, again)
    assert this_year.warnings == []
    report = dfe_rules("903", again, year=2026, prev=again / "previous")
    assert unexplained_failures(report, again, again / "previous", YEAR.end) == {}


UPN_UNKNOWN = """mutation ($input: RecordUpnUnknownInput!) { recordUpnUnknown(input: $input) {
  __typename ... on InvalidInput { problems { field rule } } } }"""


async def test_un6_is_refused_for_a_child_of_school_age_as_un1_is_and_warned_once_stale(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # The CIN census's UN6 (under 6, not yet at school) is the 903's UN1 (not of school
    # age): the DfE's rule 209 reads a child who turned 4 by the 31 August before the
    # year as of school age in it. Recorded in such a year it is refused, as UN1 is;
    # recorded in a year before, it was true then, and the return warns once it is not.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2020-06-01", "M", allocated_from="2025-01-27", upn=False)
    await record.referred(child, "2025-01-27", "N1")
    await record.start(child, "2025-04-07", "C1", "U6")
    data = {"childId": child, "reason": "UN6_UNDER_SIX_NOT_YET_AT_SCHOOL", "on": "2025-09-01"}
    found = (await graphql(client, record.worker, UPN_UNKNOWN, {"input": data}))["recordUpnUnknown"]
    assert found["__typename"] == "InvalidInput", found
    ((field, rule),) = [(p["field"], p["rule"]) for p in found["problems"]]
    assert field == "reason"
    assert rule.startswith("UN6 is returned in the SSDA903 as UN1 (not of school age)"), rule
    assert "turned 4 on 2024-06-01" in rule, rule
    assert "SSDA903 rule 209" in rule, rule

    # In 2024-25 the child was not of school age: UN6 was true.
    await record.fact(
        "recordUpnUnknown", child, on="2025-03-03", reason="UN6_UNDER_SIX_NOT_YET_AT_SCHOOL"
    )
    out = tmp_path / "903"
    this_year, last_year = await write_ssda903(store, YEAR, out)
    assert rows_of(out, "header", child, "UPN") == [("UN1",)]
    assert dfe_rules("903", out, year=2026, prev=out / "previous")["failures"]["209"][
        "children"
    ] == [child]
    assert [(w.child_id, w.code) for w in this_year.warnings] == [(child, "903 209")]
    assert last_year.warnings == []
