"""Journeys whose start of care, placement moves, legal status changes and end of care
were typed with the wrong days and corrected through GraphQL (correctEpisodeStart,
correctEndOfCare), checked by the DfE's own validators: the 903 episodes begin and end on
the corrected days, in care and once care has ended, and both returns pass as they do
for a journey typed right."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from returns import CollectionYear, write_cin_census, write_ssda903
from returns.year_end import upn_as_said
from tests.e2e.journey_helpers import act
from tests.helpers import graphql
from tests.returns.conftest import DfeRules
from tests.returns.journeys import HOME, Recorder, county_to_record_on
from tests.returns.known_broken import KNOWN_BROKEN_CIN_QUERIES, unexplained_failures
from tests.returns.test_ssda903 import rows_of

pytestmark = pytest.mark.anyio

YEAR = CollectionYear(2026)


async def _corrected(
    record: Recorder, care: dict[str, Any], typed: str, happened: str
) -> dict[str, Any]:
    return await record.act(
        "correctEpisodeStart",
        care,
        episodeFrom=typed,
        startedOn=happened,
        reason="Typed from the court order",
    )


async def test_episodes_corrected_to_their_days_pass_the_dfe_rules(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    record, children = await county_to_record_on(client, settings, store)
    staying, left = children[:2]

    # Looked after from 7 October 2024 on an interim order, typed as the 14th (the home
    # postcode known from the referral); moved on 4 August 2025 (typed the 11th); a full
    # care order on 3 November (typed the 10th).
    await record.born(staying, "2016-04-10", "M", allocated_from="2024-09-30")
    await record.referred(staying, "2024-09-30", "N1")
    await record.fact("recordHomePostcode", staying, on="2024-09-30", postcode=HOME)
    care = await record.start(staying, "2024-10-14", "C1", "U6", home=None)
    care = await _corrected(record, care, "2024-10-14", "2024-10-07")
    care = await record.review(care, "2024-11-01")
    care = await record.review(care, "2025-02-03")
    care = await record.move(care, "2025-08-11", "U4")
    care = await _corrected(record, care, "2025-08-11", "2025-08-04")
    care = await record.legal_status(care, "2025-11-10", "C2")
    care = await _corrected(record, care, "2025-11-10", "2025-11-03")
    care = await record.review(care, "2025-11-03")
    # Looked after for the whole year: its OC2 outcomes.
    care = await record.act("recordHealthAssessment", care, on="2025-06-02", lateReason="Late.")
    await record.fact("recordDentalCheck", staying, on="2025-08-01")
    await record.fact("recordImmunisations", staying, on="2025-05-01", upToDate=True)
    await record.fact("recordSdq", staying, on="2025-09-01", score=14)

    # Accommodated from 2 June 2025, moved to a children's home on 1 September, home
    # on 15 January 2026: the move's day corrected once care had ended.
    await record.born(left, "2012-03-03", "F", allocated_from="2024-05-27")
    await record.referred(left, "2025-05-27", "N4")
    care = await record.start(left, "2025-06-02", "V2", "U6")
    care = await record.review(care, "2025-06-27")
    care = await record.move(care, "2025-09-01", "U4")
    care = await record.cease(care, "2026-01-15", "E4A")
    care = await _corrected(record, care, "2025-09-01", "2025-08-26")
    # And care ended on the 12th, typed as the 15th: the manager corrects it.
    ended = await act(
        record.client,
        record.manager,
        "correctEndOfCare",
        care,
        {"endedOn": "2026-01-12", "reason": "The placement's log"},
    )
    assert ended["__typename"] == "PeriodOfCare", ended

    out = tmp_path / "903"
    await write_ssda903(store, YEAR, out)
    columns = ("DECOM", "RNE", "LS", "PLACE", "DEC", "REC")
    assert rows_of(out, "episodes", staying, *columns) == [
        ("07/10/2024", "S", "C1", "U6", "04/08/2025", "X1"),
        ("04/08/2025", "P", "C1", "U4", "03/11/2025", "X1"),
        ("03/11/2025", "L", "C2", "U4", "", ""),
    ]
    assert rows_of(out, "episodes", left, *columns) == [
        ("02/06/2025", "S", "V2", "U6", "26/08/2025", "X1"),
        ("26/08/2025", "P", "V2", "U4", "12/01/2026", "E4A"),
    ]
    report = dfe_rules("903", out, year=2026, prev=out / "previous")
    assert report["ran"] >= 300, report
    assert unexplained_failures(report, out, out / "previous", YEAR.end) == {}
    last = dfe_rules("903", out / "previous", year=2025)
    assert unexplained_failures(last, out / "previous", out / "previous", date(2025, 3, 31)) == {}

    census = tmp_path / "cin.xml"
    await write_cin_census(store, YEAR, census, "919")
    cin = dfe_rules("cin", census, year=2026)
    assert cin["crashed"] == {}, cin["crashed"]
    assert set(cin["failures"]) <= KNOWN_BROKEN_CIN_QUERIES, cin["failures"]


async def test_a_start_of_care_corrected_before_the_home_postcode_is_warned_until_it_is_recorded(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # Fuzz seed 61: the start of care corrected to a month before the day the child's
    # home postcode is known from, the 903's first episode has no home postcode (the
    # child's home on that day is not known), and the DfE's rules 392a and 392b flag it.
    # Nothing a save breaks: what is missing is recorded later. (A postcode recorded on
    # the very day care was typed as starting moves with the correction: it is the home
    # the child came into care from; one known from another day stays on its day.)
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2014-02-11", "F", allocated_from="2025-04-01")
    await record.referred(child, "2025-04-01", "N1")
    await record.fact("recordHomePostcode", child, on="2025-05-02", postcode=HOME)
    care = await record.start(child, "2025-05-09", "C1", "U6", home=None)
    care = await _corrected(record, care, "2025-05-09", "2025-04-07")

    out = tmp_path / "903"
    this_year, _ = await write_ssda903(store, YEAR, out)
    assert rows_of(out, "episodes", child, "DECOM", "HOME_POST") == [("07/04/2025", "")]
    fired = dfe_rules("903", out, year=2026, prev=out / "previous")["failures"]
    assert {code: fired[code]["children"] for code in ("392a", "392b")} == {
        "392a": [child],
        "392b": [child],
    }
    warned = [(w.child_id, w.code) for w in this_year.warnings]
    assert warned == [(child, "903 392b"), (child, "903 392a")]
    assert "recordHomePostcode on or before 2025-04-07" in this_year.warnings[0].message

    # Recorded as the child's home on the day care began, the return has it.
    await record.fact("recordHomePostcode", child, on="2025-04-07", postcode=HOME)
    again = tmp_path / "again"
    this_year, _ = await write_ssda903(store, YEAR, again)
    assert rows_of(again, "episodes", child, "DECOM", "HOME_POST") == [("07/04/2025", HOME)]
    assert this_year.warnings == []
    report = dfe_rules("903", again, year=2026, prev=again / "previous")
    assert unexplained_failures(report, again, again / "previous", YEAR.end) == {}


CORRECT_ALLOCATION = """mutation ($input: CorrectAllocationInput!) {
  correctAllocation(input: $input) { __typename
    ... on InvalidInput { problems { field rule } } } }"""
# What a start of care corrected into last year asks of each year's return: this year's
# outcomes of a child looked after all of it (an SDQ at 4 to 16, SSDA903 186; at 4 or 17,
# 197B), and last year's previous permanence and social worker (630, SW12STG2).
ASKED = {"903": ("186", "197B"), "903-previous": ("630", "SW12STG2")}


async def _fired_and_warned(
    store: FalkorDBStore, dfe_rules: DfeRules, out: Path, asked: dict[str, tuple[str, ...]]
) -> dict[str, tuple[set[str], set[str]]]:
    """Per return ("903", "903-previous") and rule `asked`, the children the DfE's rule
    names and those the return's year-end warnings name for it."""
    this_year, last_year = await write_ssda903(store, YEAR, out)
    reports = {
        "903": dfe_rules("903", out, year=2026, prev=out / "previous"),
        "903-previous": dfe_rules("903", out / "previous", year=2025),
    }
    written = {"903": this_year, "903-previous": last_year}
    return {
        f"{kind} {rule}": (
            set(reports[kind]["failures"].get(rule, {}).get("children", [])),
            {w.child_id for w in written[kind].warnings if w.code == f"903 {rule}"},
        )
        for kind, rules in asked.items()
        for rule in rules
    }


async def test_a_start_of_care_corrected_into_last_year_names_the_child_for_what_it_asks(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # Fuzz seed 94: care typed as starting on 14 April 2025 began on 18 March (the
    # referral on 10 March, the social worker's allocation typed from April). The child
    # is now looked after all of 2025-26, so its 903 asks for an SDQ, and in last year's
    # return from 18 March, which asks for the previous permanence and the social worker
    # known by 31 March. All true, all recorded since with later days: no save breaks a
    # rule, so the return's year-end warnings name the child for each, until recorded.
    record, children = await county_to_record_on(client, settings, store)
    nine, sixteen = children[:2]
    for child, born in ((nine, "2015-06-01"), (sixteen, "2008-09-01")):
        await record.born(child, born, "F", allocated_from="2025-04-10")
        await record.referred(child, "2025-03-10", "N1")
        care = await record.start(child, "2025-04-14", "C1", "U6")
        await _corrected(record, care, "2025-04-14", "2025-03-18")

    assert await _fired_and_warned(store, dfe_rules, tmp_path / "903", ASKED) == {
        "903 186": ({nine}, {nine}),
        "903 197B": ({sixteen}, {sixteen}),
        "903-previous 630": ({nine, sixteen}, {nine, sixteen}),
        "903-previous SW12STG2": ({nine, sixteen}, {nine, sixteen}),
    }

    # Recorded: the SDQs, the permanence known when care began, the allocation's day.
    for child in (nine, sixteen):
        await record.fact("recordSdq", child, on="2025-09-01", score=14)
        await record.fact("recordPreviousPermanence", child, on="2025-03-18", permanence="Z1_NONE")
        fix = {"childId": child, "startedOn": "2025-03-18", "reason": "The referral's day"}
        found = await graphql(client, record.manager, CORRECT_ALLOCATION, {"input": fix})
        assert found["correctAllocation"]["__typename"] == "Allocation", found
    again = await _fired_and_warned(store, dfe_rules, tmp_path / "again", ASKED)
    assert again == {f"{kind} {rule}": (set(), set()) for kind in ASKED for rule in ASKED[kind]}


async def test_a_child_with_a_short_break_in_the_year_is_not_asked_an_sdq(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # The DfE's "looked after continuously for 12 months" leaves out a child with a short
    # break in the year: no OC2 row, so no SDQ is asked (186), and none is warned of.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2015-06-01", "F", allocated_from="2024-09-30")
    await record.referred(child, "2024-09-30", "N1")
    await record.start(child, "2024-10-07", "C2", "U6")
    household = await record.short_breaks_household("2025-01-06")
    await record.short_break(child, "V3", "2025-06-02", "2025-06-03", household)

    out = tmp_path / "903"
    this_year, _ = await write_ssda903(store, YEAR, out)
    assert rows_of(out, "oc2", child, "SDQ_SCORE") == []
    report = dfe_rules("903", out, year=2026, prev=out / "previous")
    assert child not in report["failures"].get("186", {}).get("children", [])
    assert [w.code for w in this_year.warnings if w.code == "903 186"] == []


async def test_a_start_of_care_corrected_into_last_year_names_a_child_without_a_upn_then(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # Fuzz seed 167: a baby without a UPN, "not of school age" (UN1) recorded the day care
    # was typed as starting, 18 April 2025; care began on 26 March. Last year's return has
    # no UPN nor why (442), and this year's UN1 after last year's blank is a change the
    # DfE's rule 208 rejects. The reason was true all along: recorded as known from the
    # day care began, both returns carry it.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2024-10-22", "M", allocated_from="2025-03-10")
    await store.write("MATCH (c:Child {id: $id}) SET c.upn = null", {"id": child})
    await record.referred(child, "2025-03-10", "N1")
    unknown = {"reason": "UN1_NOT_OF_SCHOOL_AGE"}
    await record.fact("recordUpnUnknown", child, on="2025-04-18", **unknown)
    care = await record.start(child, "2025-04-18", "C1", "U6")
    await _corrected(record, care, "2025-04-18", "2025-03-26")
    asked = {"903": ("208",), "903-previous": ("442",)}
    assert await _fired_and_warned(store, dfe_rules, tmp_path / "903", asked) == {
        "903 208": ({child}, {child}),
        "903-previous 442": ({child}, {child}),
    }

    await record.fact("recordUpnUnknown", child, on="2025-03-26", **unknown)
    assert await _fired_and_warned(store, dfe_rules, tmp_path / "again", asked) == {
        "903 208": (set(), set()),
        "903-previous 442": (set(), set()),
    }


def test_the_upn_warning_names_only_the_dfe_codes_never_a_childs_upn() -> None:
    # Rule 208's warning says what the header held each year: a UPN is the child's
    # personal identifier and goes neither into a job's answer nor onto a terminal.
    assert upn_as_said("H801200001001") == "a UPN"
    assert upn_as_said("UN1") == "UN1"
    assert upn_as_said("UN4") == "UN4"
    assert upn_as_said("") == "none recorded"


async def _left_care_before_the_year(
    record: Recorder, child: str, began: str, left: str, contact: str
) -> None:
    """Accommodated (V2) from `began`, left care as a care leaver on `left`, last year;
    in touch around the birthday of this year on `contact`: this year's return holds the
    child's header for the OC3 row alone."""
    await record.referred(child, began, "N5")
    care = await record.start(child, began, "V2", "U6")
    care = await record.cease(care, left, "E5", leaver=True)
    await record.contact(care, contact, "F2", "D1")


async def test_the_upn_rules_name_a_care_leaver_whose_header_is_for_the_contact_alone(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # Two care leavers who left care last year: this year's return holds their header and
    # the OC3 row for the birthday alone, and the DfE's rules 208 and 209 read every
    # header. CHANGED left at 18 in October 2024; the UPN was not yet known (UN4) then,
    # and the reason recorded since is UN3 (educated outside England): both headers carry
    # the child, and rule 208 rejects UN4 to UN3. STALE left at 16 in January 2025 still
    # "not of school age" (UN1), true when it was recorded at the birth (rule 209).
    record, children = await county_to_record_on(client, settings, store)
    changed, stale = children[:2]
    await record.born(changed, "2006-10-05", "M", allocated_from="2022-09-01")
    await store.write("MATCH (c:Child {id: $id}) SET c.upn = null", {"id": changed})
    unknown = {"reason": "UN4_UPN_NOT_YET_KNOWN"}
    await record.fact("recordUpnUnknown", changed, on="2022-09-01", **unknown)
    await _left_care_before_the_year(record, changed, "2022-09-01", "2024-10-07", "2025-10-01")
    await record.fact(
        "recordUpnUnknown", changed, on="2025-06-02", reason="UN3_EDUCATED_OUTSIDE_ENGLAND"
    )
    await record.born(stale, "2008-07-20", "M", allocated_from="2024-03-01", upn=False)
    await _left_care_before_the_year(record, stale, "2024-03-01", "2025-01-15", "2025-07-15")

    assert await _fired_and_warned(store, dfe_rules, tmp_path / "903", {"903": ("208", "209")}) == {
        "903 208": ({changed}, {changed}),
        "903 209": ({stale}, {stale}),
    }
