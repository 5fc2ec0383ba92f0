"""Edge-case journeys a real county has, recorded through GraphQL with the dates they
happened, and both returns made from them checked by the DfE's own validators: a legal
status and placement changed the same day (RNE B, U), a care leaver's contact made in the
birthday's window after 31 March, a care leaver of 21, an asylum seeker leaving care on
the 18th birthday, care begun years before the hub; a plan for several categories whose
latest is one, a conference that made no plan, an enquiry that needed none, a special
guardianship order (RC4), two episodes of need in a year."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from returns import CollectionYear, write_cin_census, write_ssda903
from tests.e2e.journey_helpers import (
    act,
    case_now,
    decide,
)
from tests.helpers import graphql
from tests.returns.conftest import DfeRules
from tests.returns.journeys import code, county_to_record_on
from tests.returns.known_broken import KNOWN_BROKEN_CIN_QUERIES, unexplained_failures
from tests.returns.test_ssda903 import (
    ALLOCATE,
    rows_of,
)
from workflow import codes

pytestmark = pytest.mark.anyio

YEAR = CollectionYear(2026)


async def test_edge_journeys_of_care_pass_the_dfe_rules(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    record, children = await county_to_record_on(client, settings, store)
    both, window, aged21, uasc18, migrated = children[:5]

    # Legal status and placement changed the same day: RNE B, then U (same carer).
    await record.born(both, "2012-02-02", "M", allocated_from="2025-04-02")
    await record.referred(both, "2025-04-02", "N1")
    care = await record.start(both, "2025-04-10", "V2", "U6")
    care = await record.review(care, "2025-05-02")
    care = await record.move(
        care, "2025-10-01", "U6", postcode="SG13 8DE", legalStatus=code(codes.LegalStatus, "C1")
    )
    care = await record.review(care, "2025-11-03")
    care = await record.move(
        care,
        "2026-01-12",
        "U4",
        sameCarer=True,
        longTermPlacement=True,
        legalStatus=code(codes.LegalStatus, "C2"),
    )

    # Left care the day before the 18th birthday; the 19th birthday's contact made ten
    # days after it, within the DfE's window, after 31 March.
    await record.born(window, "2007-03-28", "M", allocated_from="2022-01-04")
    await record.referred(window, "2022-01-04", "N5")
    care = await record.start(window, "2022-01-10", "C2", "U4")
    await record.fact("recordSdq", window, on="2024-09-02", score=11)
    care = await record.cease(care, "2025-03-27", "E5", leaver=True)
    care = await record.contact(care, "2025-03-28", "F2", "D1")
    care = await record.contact(care, "2026-04-07", "F2", "D1")

    # A care leaver whose 21st birthday is in the year.
    await record.born(aged21, "2005-01-15", "F", allocated_from="2020-01-06")
    await record.referred(aged21, "2020-01-06", "N5")
    care = await record.start(aged21, "2020-01-13", "C2", "U4")
    care = await record.cease(care, "2023-01-14", "E5", leaver=True)
    for on in ("2023-01-16", "2024-01-10", "2025-01-14", "2026-01-10"):
        care = await record.contact(care, on, "F1", "D1")

    # An unaccompanied asylum seeker who turns 18 in the year and leaves care that day.
    await record.born(uasc18, "2007-11-20", "M", allocated_from="2024-06-03")
    await record.referred(uasc18, "2024-06-03", "N4")
    await record.fact("recordUascStatus", uasc18, on="2024-06-03")
    care = await record.start(uasc18, "2024-06-03", "V2", "K3", "PR4", home=None, urn="SC654321")
    care = await record.review(care, "2024-06-28")
    care = await record.cease(care, "2025-11-20", "E5", leaver=True)

    # Looked after since long before the hub, the period recorded from the paper file.
    await record.born(migrated, "2010-06-01", "F", allocated_from="2016-02-20")
    await record.referred(migrated, "2016-02-20", "N1")
    care = await record.start(migrated, "2016-03-01", "C2", "U4")
    care = await record.review(care, "2025-07-10")
    care = await record.act("recordHealthAssessment", care, on="2025-06-02", lateReason="Late.")
    await record.fact("recordDentalCheck", migrated, on="2025-08-01")
    await record.fact("recordImmunisations", migrated, on="2025-05-01", upToDate=True)
    await record.fact("recordSdq", migrated, on="2025-09-01", score=14)
    await record.fact("recordSdq", migrated, on="2024-09-02", score=16)

    out = tmp_path / "903"
    await write_ssda903(store, YEAR, out)
    assert rows_of(out, "episodes", both, "DECOM", "RNE", "LS", "PLACE", "DEC", "REC") == [
        ("10/04/2025", "S", "V2", "U6", "01/10/2025", "X1"),
        ("01/10/2025", "B", "C1", "U6", "12/01/2026", "X1"),
        ("12/01/2026", "U", "C2", "U4", "", ""),
    ]
    # The 19th birthday's contact, made in its window after 31 March (a blank row fails
    # rules 131-133); last year's row is the 18th birthday's.
    assert rows_of(out, "oc3", window, "IN_TOUCH", "ACTIV", "ACCOM") == [("YES", "F2", "D1")]
    assert rows_of(out / "previous", "oc3", window, "IN_TOUCH") == [("YES",)]
    assert rows_of(out, "oc3", aged21, "IN_TOUCH", "ACTIV", "ACCOM") == [("YES", "F1", "D1")]
    assert rows_of(out, "uasc", uasc18, "DUC") == [("20/11/2025",)]
    assert rows_of(out, "episodes", uasc18, "DEC", "REC", "HOME_POST") == [("20/11/2025", "E5", "")]
    # Care begun before the hub: the whole year's outcomes, and no previous permanence
    # row (care did not start in the year).
    assert rows_of(out, "oc2", migrated, "SDQ_SCORE", "HEALTH_ASSESSMENT") == [("14", "1")]
    assert rows_of(out, "episodes", migrated, "DECOM", "RNE") == [("01/03/2016", "S")]
    assert rows_of(out, "prev_perm", migrated, "PREV_PERM") == []

    report = dfe_rules("903", out, year=2026, prev=out / "previous")
    assert report["ran"] >= 300, report
    assert unexplained_failures(report, out, out / "previous", YEAR.end) == {}
    last = dfe_rules("903", out / "previous", year=2025)
    assert unexplained_failures(last, out / "previous", out / "previous", date(2025, 3, 31)) == {}


async def test_edge_journeys_of_need_pass_the_dfe_rules(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    record, free = await county_to_record_on(client, settings, store, forget_care=False)
    mul, noplan, nocon, sgo, twice = free[:5]
    for child, born in (
        (mul, "2014-05-10"),
        (noplan, "2015-05-10"),
        (nocon, "2016-05-10"),
        (sgo, "2017-05-10"),
        (twice, "2013-05-10"),
    ):
        await record.child_of_the_year(child, born, "M")

    # A plan for neglect and emotional abuse (MUL), physical abuse alone at its review.
    case = await record.in_need(mul, "2025-05-04", "2025-05-05", "2025-05-20")
    case = await record.enquiry(
        case,
        discussed="2025-05-22",
        concluded="2025-06-01",
        conference="2025-06-12",
        categories=("NEG_NEGLECT", "EMO_EMOTIONAL_ABUSE"),
    )
    case = await record.review_conference(case, "2025-09-10", ("PHY_PHYSICAL_ABUSE",))
    case = await record.review_conference(case, "2026-03-04")

    # An enquiry whose conference made no plan.
    case = await record.in_need(noplan, "2025-05-04", "2025-05-05", "2025-05-20")
    case = await record.enquiry(
        case, discussed="2025-05-22", concluded="2025-06-01", conference="2025-06-12", plan=False
    )
    case = await record.on_case("startChildInNeedPlan", case, startDate="2025-06-13")

    # An enquiry that needed no conference.
    case = await record.in_need(nocon, "2025-05-04", "2025-05-05", "2025-05-20")
    case = await record.enquiry(case, discussed="2025-05-22", concluded="2025-06-01")

    # A child in need plan that ends with a special guardianship order (RC4).
    case = await record.in_need(sgo, "2025-05-04", "2025-05-05", "2025-05-20")
    case = await record.on_case("startChildInNeedPlan", case, startDate="2025-05-21")
    case = await record.closed(case, "2025-12-01", "RC4_SPECIAL_GUARDIANSHIP_ORDER")

    # Two episodes in the year: closed after assessment, referred again in September.
    case = await record.in_need(twice, "2025-04-14", "2025-04-15", "2025-05-02")
    case = await record.on_case("startChildInNeedPlan", case, startDate="2025-05-05")
    case = await record.closed(case, "2025-07-01", "RC7_SERVICES_CEASED_FOR_ANY_OTHER_REASON")
    case = await record.in_need(twice, "2025-09-01", "2025-09-02", "2025-09-20")

    out = tmp_path / "cin.xml"
    assert (await write_cin_census(store, YEAR, out, "919")).children == 5
    children = {
        c.findtext("ChildIdentifiers/LAchildID"): c
        for c in ET.parse(out).getroot().iter("Child")  # noqa: S314 - the hub's own output
    }
    plan = children[mul].find("CINdetails/ChildProtectionPlans")
    assert plan is not None
    assert (plan.findtext("InitialCategoryOfAbuse"), plan.findtext("LatestCategoryOfAbuse")) == (
        "MUL",
        "PHY",
    )
    # The DfE's XSD: one Reviews group a plan, holding every review date (1..n).
    assert [[d.text for d in r] for r in plan.iter("Reviews")] == [["2025-09-10", "2026-03-04"]]
    no_plan = children[noplan].find("CINdetails")
    assert no_plan is not None
    assert (
        no_plan.findtext("Section47/DateOfInitialCPC"),
        no_plan.findtext("Section47/ICPCnotRequired"),
        no_plan.find("ChildProtectionPlans"),
        no_plan.findtext("CINPlanDates/CINPlanStartDate"),
    ) == ("2025-06-12", "false", None, "2025-06-13")
    assert children[nocon].findtext("CINdetails/Section47/ICPCnotRequired") == "true"
    assert children[nocon].findtext("CINdetails/Section47/DateOfInitialCPC") is None
    assert children[sgo].findtext("CINdetails/ReasonForClosure") == "RC4"
    assert [
        (e.findtext("CINreferralDate"), e.findtext("ReasonForClosure"))
        for e in children[twice].iter("CINdetails")
    ] == [("2025-04-14", "RC7"), ("2025-09-01", None)]

    report = dfe_rules("cin", out, year=2026)
    assert report["crashed"] == {}, report["crashed"]
    assert set(report["failures"]) == KNOWN_BROKEN_CIN_QUERIES, report["failures"]


NEW_CHILD = """mutation ($input: RecordContactInput!) { recordContact(input: $input) {
  __typename ... on Contact { id childId } } }"""
FINALISE = """mutation ($id: ID!) { finaliseContact(contactId: $id,
  outcome: REFERRAL_TO_SOCIAL_CARE, on: "2025-06-02") {
  __typename ... on FinalisedContact { contact { referralId } } } }"""


async def test_a_child_whose_ethnicity_is_not_yet_known_is_nobt_in_both_returns(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # A child new to the hub, recorded with the police's contact before anyone could ask
    # the family their ethnicity, referred, and accommodated the next week. Both returns
    # ask for an ethnicity (the CIN census XSD requires the element): the DfE's code for
    # one not asked yet is NOBT, "information not yet obtained". Neither return carries
    # the child's name or the contact's words.
    record, _ = await county_to_record_on(client, settings, store)
    given, family, summary = "Zoë-Åsa", "O'Brien Nguyễn", "Found alone at the station."
    recorded = await graphql(
        client,
        record.worker,
        NEW_CHILD,
        {
            "input": {
                "receivedDate": "2025-06-02",
                "source": code(codes.ReferralSource, "6"),
                "summary": summary,
                "child": {
                    "givenName": given,
                    "familyName": family,
                    "dateOfBirth": "2021-02-11",
                    "sex": "F",
                },
                "confirmNewChild": True,
            }
        },
    )
    contact = recorded["recordContact"]
    assert contact["__typename"] == "Contact", contact
    child = contact["childId"]
    finalised = await graphql(client, record.worker, FINALISE, {"id": contact["id"]})
    assert finalised["finaliseContact"]["__typename"] == "FinalisedContact", finalised
    case = await case_now(
        client, record.worker, finalised["finaliseContact"]["contact"]["referralId"]
    )
    allocated = await graphql(
        client,
        record.manager,
        ALLOCATE,
        {
            "input": {
                "childId": child,
                "workerId": "worker-sw-demo",
                "on": "2025-06-02",
                "reason": code(codes.SocialWorkerChangeReason, "FCONTA"),
            }
        },
    )
    assert allocated["allocateChild"]["__typename"] == "Allocation", allocated
    await record.fact(
        "recordUpnUnknown", child, on="2025-06-02", reason=code(codes.UPNUnknown, "UN1")
    )
    await record.fact(
        "recordDisabilities", child, on="2025-06-02", disabilities=[code(codes.Disability, "NONE")]
    )
    case = await act(
        client,
        record.worker,
        "decideReferral",
        case,
        {"decidedOn": "2025-06-02", "primaryNeed": code(codes.PrimaryNeedCode, "N1")},
    )
    case = await decide(client, record.manager, "authoriseCase", case, on="2025-06-02")
    care = await record.start(child, "2025-06-09", "V2", "U6")
    await record.review(care, "2025-07-04")

    out = tmp_path / "903"
    await write_ssda903(store, YEAR, out)
    census = tmp_path / "cin.xml"
    await write_cin_census(store, YEAR, census, "919")
    assert rows_of(out, "header", child, "ETHNIC") == [("NOBT",)]
    returned = {
        c.findtext("ChildIdentifiers/LAchildID"): c
        for c in ET.parse(census).getroot().iter("Child")  # noqa: S314 - the hub's own output
    }
    assert returned[child].findtext("ChildCharacteristics/Ethnicity") == "NOBT"
    for written in [census, *out.rglob("*.csv")]:
        text = written.read_text(encoding="utf-8")
        assert [w for w in (given, family, summary) if w in text] == [], written

    # Nobody was looked after last year here: there are no last year's tables.
    assert not (out / "previous").exists()
    report = dfe_rules("903", out, year=2026, prev=out / "previous")
    assert unexplained_failures(report, out, out / "previous", YEAR.end) == {}
    cin = dfe_rules("cin", census, year=2026)
    assert set(cin["failures"]) == KNOWN_BROKEN_CIN_QUERIES, cin["failures"]


async def test_a_move_recorded_after_a_legal_status_change_the_same_day_is_one_episode(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # The court makes a care order in the morning and the child moves to new carers in
    # the afternoon; the worker records the order, then the move. The 903 has one episode
    # for both that day (RNE B; U with the same carer): the move joins the episode the
    # order began (an L episode whose placement changed is rule 434's error).
    # Recorded the other way round (the move first), the same.
    record, children = await county_to_record_on(client, settings, store)
    moved, same, moved_first, same_first = children[:4]
    for child in (moved, same, moved_first, same_first):
        await record.born(child, "2012-02-02", "M", allocated_from="2025-04-02")
        await record.referred(child, "2025-04-02", "N1")
        care = await record.start(child, "2025-04-10", "V2", "U6")
        care = await record.review(care, "2025-05-02")
        carer = {"sameCarer": child in (same, same_first)}
        if child in (moved, same):
            care = await record.legal_status(care, "2025-10-01", "C1")
        care = await record.move(care, "2025-10-01", "U4", postcode="SG13 8DE", **carer)
        if child in (moved_first, same_first):
            care = await record.legal_status(care, "2025-10-01", "C1")
        assert [s["startDate"] for s in care["steps"] if s["kind"] == "LOOKED_AFTER_EPISODE"] == [
            "2025-04-10",
            "2025-10-01",
        ], care
        care = await record.review(care, "2025-11-03")

    out = tmp_path / "903"
    await write_ssda903(store, YEAR, out)
    columns = ("DECOM", "RNE", "LS", "PLACE", "PL_POST", "DEC", "REC", "REASON_PLACE_CHANGE")
    for child, rne in ((moved, "B"), (same, "U"), (moved_first, "B"), (same_first, "U")):
        assert rows_of(out, "episodes", child, *columns) == [
            ("10/04/2025", "S", "V2", "U6", "SG2 0JU", "01/10/2025", "X1", "CARPL"),
            ("01/10/2025", rne, "C1", "U4", "SG13 8DE", "", "", ""),
        ]
    report = dfe_rules("903", out, year=2026)
    assert unexplained_failures(report, out, out / "previous", YEAR.end) == {}


async def test_journeys_at_the_year_s_end_pass_the_dfe_rules(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # Missing across 31 March 2025 and back in April; a move on 31 March 2026 (the old
    # placement ends that day, the new one begins it); home on 31 March 2026; a child of
    # school age with no UPN, who has never been to a maintained school in England (UN2).
    record, children = await county_to_record_on(client, settings, store)
    across, moved, home, unknown = children[:4]
    await record.born(across, "2011-04-04", "F", allocated_from="2024-05-28")
    await record.referred(across, "2024-05-28", "N1")
    care = await record.start(across, "2024-06-03", "C1", "U6")
    care = await record.review(care, "2024-06-28")
    care = await record.missing(care, "M", "2025-03-25", "2025-04-04")
    await record.cease(care, "2025-09-30", "E4A")

    for child in (moved, home):
        await record.born(child, "2013-09-09", "M", allocated_from="2025-05-01")
        await record.referred(child, "2025-05-01", "N4")
        care = await record.start(child, "2025-05-12", "V2", "U6")
        care = await record.review(care, "2025-06-06")
        if child == moved:
            await record.move(care, "2026-03-31", "U4", longTermPlacement=True)
        else:
            await record.cease(care, "2026-03-31", "E4A")

    await record.born(unknown, "2014-01-20", "M", allocated_from="2025-07-01", upn=False)
    await record.fact(
        "recordUpnUnknown", unknown, on="2025-07-01", reason=code(codes.UPNUnknown, "UN2")
    )
    await record.referred(unknown, "2025-07-01", "N4")
    care = await record.start(unknown, "2025-07-07", "V2", "U6")
    await record.review(care, "2025-08-01")

    out = tmp_path / "903"
    await write_ssda903(store, YEAR, out)
    missing = ("MISSING", "MIS_START", "MIS_END")
    assert rows_of(out / "previous", "missing", across, *missing) == [("M", "25/03/2025", "")]
    assert rows_of(out, "missing", across, *missing) == [("M", "25/03/2025", "04/04/2025")]
    columns = ("DECOM", "RNE", "PLACE", "DEC", "REC", "REASON_PLACE_CHANGE")
    assert rows_of(out, "episodes", moved, *columns) == [
        ("12/05/2025", "S", "U6", "31/03/2026", "X1", "CARPL"),
        ("31/03/2026", "P", "U4", "", "", ""),
    ]
    assert rows_of(out, "episodes", home, "DEC", "REC") == [("31/03/2026", "E4A")]
    assert rows_of(out, "header", unknown, "UPN") == [("UN2",)]

    report = dfe_rules("903", out, year=2026, prev=out / "previous")
    assert unexplained_failures(report, out, out / "previous", YEAR.end) == {}
    last = dfe_rules("903", out / "previous", year=2025)
    assert unexplained_failures(last, out / "previous", out / "previous", date(2025, 3, 31)) == {}


async def test_a_care_leaver_s_birthday_without_a_contact_is_warned_until_one_is_recorded(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # Left care the day before the 18th birthday; nobody recorded a contact around the
    # 19th (28 March 2026). The 903 has the birthday's OC3 row, blank: the DfE's rules
    # 131-133 flag it, rightly (in touch or not is what the row is for), and the return
    # names the young person so the contact is recorded, as no save could refuse it.
    record, children = await county_to_record_on(client, settings, store)
    leaver = children[0]
    await record.born(leaver, "2007-03-28", "M", allocated_from="2022-01-04")
    await record.referred(leaver, "2022-01-04", "N5")
    care = await record.start(leaver, "2022-01-10", "C2", "U4")
    await record.fact("recordSdq", leaver, on="2024-09-02", score=11)
    care = await record.cease(care, "2025-03-27", "E5", leaver=True)
    care = await record.contact(care, "2025-03-28", "F2", "D1")

    out = tmp_path / "903"
    this_year, _ = await write_ssda903(store, YEAR, out)
    assert rows_of(out, "oc3", leaver, "IN_TOUCH", "ACTIV", "ACCOM") == [("", "", "")]
    fired = dfe_rules("903", out, year=2026, prev=out / "previous")["failures"]
    assert {code: fired[code]["children"] for code in ("131", "132", "133")} == {
        "131": [leaver],
        "132": [leaver],
        "133": [leaver],
    }
    warned = [(w.child_id, w.code) for w in this_year.warnings]
    assert warned == [(leaver, "903 131"), (leaver, "903 132"), (leaver, "903 133")]
    assert "around the birthday of 2026-03-28 (aged 19)" in this_year.warnings[0].message

    # The contact made ten days after it, within the DfE's window, recorded late.
    care = await record.contact(care, "2026-04-07", "F2", "D1")
    again = tmp_path / "again"
    this_year, _ = await write_ssda903(store, YEAR, again)
    assert rows_of(again, "oc3", leaver, "IN_TOUCH", "ACTIV", "ACCOM") == [("YES", "F2", "D1")]
    assert this_year.warnings == []
    report = dfe_rules("903", again, year=2026, prev=again / "previous")
    assert unexplained_failures(report, again, again / "previous", YEAR.end) == {}
