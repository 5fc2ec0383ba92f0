"""Codes no lawful journey puts together in one SSDA903 episode (workflow/episode_codes.py):
a placement against its provider (903 rules 527-531, 550), a URN on a placement Ofsted
registers none for (222), a placement against the legal status (378, 408). The hub
refuses them at entry, whichever code is recorded last, naming the field and the rule,
and writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from returns import CollectionYear, write_ssda903
from tests.e2e.journey_helpers import act, decide
from tests.helpers import graphql
from tests.returns.conftest import DfeRules
from tests.returns.journeys import (
    PLACEMENT,
    SHORT_BREAK,
    START,
    Recorder,
    code,
    county_to_record_on,
)
from tests.returns.known_broken import unexplained_failures
from tests.returns.test_ssda903 import rows_of
from workflow import codes

pytestmark = pytest.mark.anyio

YEAR = CollectionYear(2026)

EPISODES = """MATCH (:Child {id: $id})<-[:ABOUT]-(:PeriodOfCare)<-[:PART_OF]-
  (s:Step {kind: 'LOOKED_AFTER_EPISODE'})
  RETURN s.startDate AS start, s.legalStatus AS status, s.placementType AS place,
         s.placementProvider AS provider, s.urn AS urn ORDER BY start"""


def _refused(result: dict[str, Any]) -> tuple[str, str]:
    assert result["__typename"] == "InvalidInput", result
    (problem,) = result["problems"]
    return problem["field"], problem["rule"]


def _placement(on: str, place: str, provider: str, **more: Any) -> dict[str, Any]:
    return {
        "changedOn": on,
        "placementType": code(codes.PlacementType, place),
        "placementProvider": code(codes.PlacementProvider, provider),
        "reason": code(codes.ReasonPlaceChange, "CARPL"),
        "placementPostcode": PLACEMENT,
        **more,
    }


async def _in_care(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> tuple[Recorder, str, dict[str, Any]]:
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2012-03-03", "F", allocated_from="2026-04-13")
    await record.referred(child, "2026-04-13", "N1")
    care = await record.start(child, "2026-04-20", "C2", "U6", "PR1")
    return record, child, care


@pytest.mark.parametrize(
    ("place", "provider", "rule"),
    [
        ("R2", "PR1", "527"),
        ("R5", "PR2", "528"),
        ("U6", "PR3", "529"),
        ("P1", "PR4", "530"),
        ("P1", "PR5", "531"),
        ("U4", "PR0", "550"),
    ],
)
async def test_a_provider_that_cannot_provide_the_placement_is_refused(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    place: str,
    provider: str,
    rule: str,
) -> None:
    record, child, care = await _in_care(client, settings, store)
    before = await store.read(EPISODES, {"id": child})
    moved = await act(
        client, record.worker, "changePlacement", care, _placement("2026-05-04", place, provider)
    )
    field, why = _refused(moved)
    assert (field, f"(SSDA903 rule {rule})" in why) == ("placementProvider", True), why
    # A correction of the episode's placement is refused the same way.
    fixed = {
        "placementType": code(codes.PlacementType, place),
        "placementProvider": code(codes.PlacementProvider, provider),
    }
    field, why = _refused(await act(client, record.worker, "correctPlacement", care, fixed))
    assert (field, f"(SSDA903 rule {rule})" in why) == ("placementProvider", True), why
    assert await store.read(EPISODES, {"id": child}) == before


async def test_starting_care_with_codes_that_do_not_go_together_is_refused(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2012-03-03", "F", allocated_from="2026-04-13")
    await record.referred(child, "2026-04-13", "N1")
    start = {
        "childId": child,
        "startedOn": "2026-04-20",
        "legalStatus": code(codes.LegalStatus, "V2"),
        "placementType": code(codes.PlacementType, "P1"),
        "placementProvider": code(codes.PlacementProvider, "PR0"),
    }
    found = (await graphql(client, record.worker, START, {"input": start}))["startLookedAfter"]
    field, why = _refused(found)
    assert (field, "(SSDA903 rule 378)" in why) == ("placementType", True), why
    with_urn = {**start, "legalStatus": code(codes.LegalStatus, "C2"), "urn": "SC123456"}
    found = (await graphql(client, record.worker, START, {"input": with_urn}))["startLookedAfter"]
    assert _refused(found) == (
        "urn",
        "an Ofsted unique reference number (URN) is not recorded for placements P1, P3, R1,"
        " R2, R5, T0 to T4 or Z11 to Z14 (SSDA903 rule 222)",
    )
    assert await store.read(EPISODES, {"id": child}) == []


async def test_a_legal_status_that_does_not_fit_the_placement_is_refused_either_way(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Home to parents (P1) on a care order; accommodation for a single period under
    # section 20 (V2) does not go with it, whether the move or the status comes last.
    record, child, care = await _in_care(client, settings, store)
    care = await record.act("changePlacement", care, **_placement("2026-05-04", "P1", "PR0"))
    before = await store.read(EPISODES, {"id": child})
    v2 = {"changedOn": "2026-05-18", "legalStatus": code(codes.LegalStatus, "V2")}
    field, why = _refused(await act(client, record.worker, "changeLegalStatus", care, v2))
    assert (field, "(SSDA903 rule 378)" in why) == ("legalStatus", True), why
    # The same day as the move: the status joins the move's episode, and is refused too.
    same_day = {**v2, "changedOn": "2026-05-04"}
    field, why = _refused(await act(client, record.worker, "changeLegalStatus", care, same_day))
    assert (field, "(SSDA903 rule 378)" in why) == ("legalStatus", True), why
    assert await store.read(EPISODES, {"id": child}) == before


async def test_placed_for_adoption_with_an_order_needs_the_placement_order(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    record, child, care = await _in_care(client, settings, store)
    decided = await graphql(
        client,
        record.worker,
        """mutation ($input: DecideAdoptionInput!) { decideAdoption(input: $input) {
             __typename } }""",
        {"input": {"periodOfCareId": care["id"], "decidedOn": "2026-05-01"}},
    )
    assert decided["decideAdoption"]["__typename"] == "AdoptionPlan", decided
    a6 = _placement("2026-05-04", "A6", "PR1")
    field, why = _refused(await act(client, record.worker, "changePlacement", care, a6))
    assert (field, "(SSDA903 rule 408)" in why) == ("placementType", True), why
    # With the placement order the same day, the move stands; the order is then not
    # replaced while the child stays placed with it.
    care = await record.act(
        "changePlacement", care, **a6, legalStatus=code(codes.LegalStatus, "E1")
    )
    before = await store.read(EPISODES, {"id": child})
    c2 = {"changedOn": "2026-06-01", "legalStatus": code(codes.LegalStatus, "C2")}
    field, why = _refused(await act(client, record.worker, "changeLegalStatus", care, c2))
    assert (field, "(SSDA903 rule 408)" in why) == ("legalStatus", True), why
    assert await store.read(EPISODES, {"id": child}) == before


async def test_a_short_break_is_checked_as_any_episode_is(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # A short break is an SSDA903 episode (V3, V4): its placement fits the child's age
    # (903 rules 371-374, workflow/care_ages.py) and its provider (527-531, 550) as any
    # other episode's must.
    record, children = await county_to_record_on(client, settings, store)
    household = await record.short_breaks_household("2025-01-06")
    child = children[0]
    await record.born(child, "2014-03-03", "M", allocated_from="2026-04-13")
    data = {
        "childId": child,
        "legalStatus": code(codes.LegalStatus, "V3"),
        "startedOn": "2026-06-05",
        "endedOn": "2026-06-07",
        "placementType": code(codes.PlacementType, "K3"),
        "placementProvider": code(codes.PlacementProvider, "PR4"),
        "householdId": household,
    }
    found = (await graphql(client, record.worker, SHORT_BREAK, {"input": data}))["recordShortBreak"]
    assert _refused(found) == (
        "placementType",
        "the placement K3 is for a child aged 16 or over: the child turns 16 on 2030-03-03"
        " (SSDA903 rule 371)",
    )
    foster_by_parents = {**data, "placementType": code(codes.PlacementType, "U6")}
    foster_by_parents["placementProvider"] = code(codes.PlacementProvider, "PR0")
    found = (await graphql(client, record.worker, SHORT_BREAK, {"input": foster_by_parents}))[
        "recordShortBreak"
    ]
    field, why = _refused(found)
    assert (field, "(SSDA903 rule 550)" in why) == ("placementProvider", True), why
    assert await store.read("MATCH (b:ShortBreak) RETURN count(b) AS n") == [{"n": 0}]
    fine = {**foster_by_parents, "placementProvider": code(codes.PlacementProvider, "PR1")}
    found = (await graphql(client, record.worker, SHORT_BREAK, {"input": fine}))["recordShortBreak"]
    assert found["__typename"] == "ShortBreak", found


async def test_special_guardianship_by_former_foster_carers_ends_a_foster_placement(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # SSDA903 rule 516: care ended by a special guardianship order to the former foster
    # carers (E45, E46) ends an episode with them (U1-U6), whichever is recorded last.
    record, child, care = await _in_care(client, settings, store)
    care = await record.act("changePlacement", care, **_placement("2026-05-04", "R1", "PR4"))
    sgo = {"endedOn": "2026-06-01", "reason": code(codes.ReasonEpisodeCeased, "E46")}
    field, why = _refused(await act(client, record.worker, "ceaseLookedAfter", care, sgo))
    assert (field, "(SSDA903 rule 516)" in why) == ("reason", True), why
    care = await record.act("changePlacement", care, **_placement("2026-05-11", "U6", "PR1"))
    care = await record.act("ceaseLookedAfter", care, **sgo)
    care = await decide(client, record.manager, "authorisePeriodOfCare", care)
    assert care["status"] == "CEASED", care
    before = await store.read(EPISODES, {"id": child})
    home = {
        "placementType": code(codes.PlacementType, "R1"),
        "placementProvider": code(codes.PlacementProvider, "PR4"),
    }
    field, why = _refused(await act(client, record.worker, "correctPlacement", care, home))
    assert (field, "(SSDA903 rule 516)" in why) == ("placementType", True), why
    assert await store.read(EPISODES, {"id": child}) == before


async def test_a_placement_corrected_is_corrected_across_legal_status_changes(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # SSDA903 rule 434: an episode begun by a legal status change alone (RNE L) keeps the
    # placement it followed. A correction of the placement, named by any of its episodes,
    # corrects each episode of that placement, and no other.
    record, child, care = await _in_care(client, settings, store)
    care = await record.legal_status(care, "2026-05-04", "C1")
    care = await record.act("changePlacement", care, **_placement("2026-05-18", "U4", "PR1"))
    care = await record.legal_status(care, "2026-06-01", "C2")
    relative = {
        "placementType": code(codes.PlacementType, "U3"),
        "placementProvider": code(codes.PlacementProvider, "PR1"),
        "placementPostcode": PLACEMENT,
    }
    care = await record.act("correctPlacement", care, **relative, episodeFrom="2026-05-04")
    places = [
        (row["start"].isoformat(), row["place"])
        for row in await store.read(EPISODES, {"id": child})
    ]
    assert places == [
        ("2026-04-20", "U3"),
        ("2026-05-04", "U3"),
        ("2026-05-18", "U4"),
        ("2026-06-01", "U4"),
    ]
    # The current placement: the move's episode and the legal status change after it.
    care = await record.act(
        "correctPlacement", care, **{**relative, "placementType": code(codes.PlacementType, "U6")}
    )
    places = [row["place"] for row in await store.read(EPISODES, {"id": child})]
    assert places == ["U3", "U3", "U6", "U6"]


def _corrected(place: str, provider: str, **more: Any) -> dict[str, Any]:
    return {
        "placementType": code(codes.PlacementType, place),
        "placementProvider": code(codes.PlacementProvider, provider),
        "placementPostcode": PLACEMENT,
        **more,
    }


NO_MOVE_435 = (
    "the episode from 2025-10-03 began with a move (RNE T) from the placement of the"
    " episode from 2025-04-07, and would have that placement in every SSDA903 field"
    " (placement, provider, postcode, URN): record what the child moved to (SSDA903 rule"
    " 435)"
)


async def test_a_placement_corrected_to_the_one_its_move_left_is_refused(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # Fuzz seed 80: a move with the same carer (RNE T) from U6 to Z12, then the current
    # placement corrected to U6: the 903's episode begins with a move that moved nothing,
    # which the DfE's rule 435 (436 for RNE B and U) rejects; refused whichever of the
    # two placements the correction makes the same as the other.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2012-03-03", "F", allocated_from="2025-04-01")
    await record.referred(child, "2025-04-01", "N1")
    care = await record.start(child, "2025-04-07", "C2", "U6", "PR1")
    care = await record.move(care, "2025-10-03", "Z12", sameCarer=True)
    worker = record.worker
    current = await act(client, worker, "correctPlacement", care, _corrected("U6", "PR1"))
    assert _refused(current) == ("placementType", NO_MOVE_435)
    first = _corrected("Z12", "PR1", episodeFrom="2025-04-07")
    earlier = await act(client, worker, "correctPlacement", care, first)
    assert _refused(earlier) == ("placementType", NO_MOVE_435)
    found = await store.read(EPISODES, {"id": child})
    assert [(r["place"], r["provider"]) for r in found] == [("U6", "PR1"), ("Z12", "PR1")]

    # Another provider is another placement: the correction is taken, the return passes.
    care = await record.act("correctPlacement", care, **_corrected("U6", "PR4"))
    out = tmp_path / "903"
    await write_ssda903(store, YEAR, out)
    assert rows_of(out, "episodes", child, "RNE", "PLACE", "PLACE_PROVIDER") == [
        ("S", "U6", "PR1"),
        ("T", "U6", "PR4"),
    ]
    report = dfe_rules("903", out, year=2026, prev=out / "previous")
    assert unexplained_failures(report, out, out / "previous", YEAR.end) == {}


async def test_a_move_to_the_same_carer_in_the_same_placement_is_refused(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # A move with the same carer (RNE T) that changes none of the placement's SSDA903
    # fields moved nothing: rule 435 rejects the episode it would begin. With a legal
    # status it is the legal status change alone (RNE L, rule 436), as before.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2012-03-03", "F", allocated_from="2025-04-01")
    await record.referred(child, "2025-04-01", "N1")
    care = await record.start(child, "2025-04-07", "C1", "U6", "PR1")
    worker = record.worker
    moved = await act(
        client,
        worker,
        "changePlacement",
        care,
        _placement("2025-10-03", "U6", "PR1", sameCarer=True),
    )
    assert _refused(moved) == (
        "placementType",
        "is already the child's placement in every SSDA903 field (placement, provider,"
        " postcode, URN): nothing moved (SSDA903 rule 435)",
    )
    found = await store.read(EPISODES, {"id": child})
    assert [r["start"].isoformat() for r in found] == ["2025-04-07"]
    status = _placement("2025-10-03", "U6", "PR1", sameCarer=True, legalStatus="C2_FULL_CARE_ORDER")
    care = await record.act("changePlacement", care, **status)
    out = tmp_path / "903"
    await write_ssda903(store, YEAR, out)
    assert rows_of(out, "episodes", child, "RNE", "LS", "PLACE") == [
        ("S", "C1", "U6"),
        ("L", "C2", "U6"),
    ]
    report = dfe_rules("903", out, year=2026, prev=out / "previous")
    assert unexplained_failures(report, out, out / "previous", YEAR.end) == {}


async def test_a_move_to_another_carer_the_return_cannot_tell_from_the_last_is_refused(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    tmp_path: Path,
    dfe_rules: DfeRules,
) -> None:
    # Fuzz seed 147: a move to another carer (RNE P) in the same placement, provider and
    # postcode, no URN: the 903's episode is the last one in every field it writes, which
    # the DfE's rule 435 (436 with a legal status, RNE B) rejects. Refused, naming the
    # postcode (the field a move to another carer changes), and nothing is written.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2012-03-03", "F", allocated_from="2025-04-01")
    await record.referred(child, "2025-04-01", "N1")
    care = await record.start(child, "2025-04-07", "C1", "U6", "PR1")
    worker = record.worker
    for more, rule in (({}, "435"), ({"legalStatus": "C2_FULL_CARE_ORDER"}, "436")):
        moved = await act(
            client, worker, "changePlacement", care, _placement("2025-10-03", "U6", "PR1", **more)
        )
        assert _refused(moved) == (
            "placementPostcode",
            "the new carer's placement is the child's placement in every SSDA903 field"
            " (placement, provider, postcode, URN), so the return cannot tell the move"
            f" (SSDA903 rule {rule}): record the new placement's postcode",
        )
    found = await store.read(EPISODES, {"id": child})
    assert [r["start"].isoformat() for r in found] == ["2025-04-07"]
    # The new carer's postcode recorded, the move is taken and the return passes.
    care = await record.move(care, "2025-10-03", "U6", postcode="SG13 8DE")
    out = tmp_path / "903"
    await write_ssda903(store, YEAR, out)
    assert rows_of(out, "episodes", child, "RNE", "PLACE", "PL_POST") == [
        ("S", "U6", PLACEMENT),
        ("P", "U6", "SG13 8DE"),
    ]
    report = dfe_rules("903", out, year=2026, prev=out / "previous")
    assert unexplained_failures(report, out, out / "previous", YEAR.end) == {}
