"""What the SSDA903 allows in care only from, or before, a birthday (workflow/care_ages.py):
placements (rules 371 to 374: registered supported accommodation, K3, from 16; a young
offender institution, R5, from 10; a residential school, S1, from 4; residential
employment, P3, from 14), remand and youth justice legal statuses over 10 (358), and the
reasons care ends (386 adoption and 407 special guardianship of a child under 18, 387
independent living from 14, 389 adult social care from 16, 460 staying put from 18). The
DfE's validator flags an episode that breaks one, so the hub refuses it as it is recorded
(starting care, a move, a legal status change, a correction of the placement, the end of
care, or a date of birth put right afterwards), naming the field and the rule, and writes
nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.journey_helpers import act
from tests.helpers import graphql
from tests.returns.journeys import PLACEMENT, START, code, county_to_record_on
from workflow import codes

pytestmark = pytest.mark.anyio

EPISODES = """MATCH (:Child {id: $id})<-[:ABOUT]-(:PeriodOfCare)<-[:PART_OF]-
  (s:Step {kind: 'LOOKED_AFTER_EPISODE'}) RETURN s.startDate AS start, s.placementType AS place
  ORDER BY start"""
CORRECT_BIRTH = """mutation ($input: RecordDateOfBirthInput!) { recordDateOfBirth(input: $input) {
  __typename ... on InvalidInput { problems { field rule } } } }"""
K3_RULE = (
    "the placement K3 is for a child aged 16 or over: the child turns 16 on {} (SSDA903 rule 371)"
)


def _refused(result: dict[str, Any]) -> tuple[str, str]:
    assert result["__typename"] == "InvalidInput", result
    problem = result["problems"][0]
    return problem["field"], problem["rule"]


def _placement(place: str) -> dict[str, Any]:
    registered = place in ("K3", "K2", "S1")
    return {
        "placementType": code(codes.PlacementType, place),
        "placementProvider": code(codes.PlacementProvider, "PR4" if registered else "PR1"),
        "placementPostcode": PLACEMENT,
        **({"urn": "SC123456"} if registered else {}),
    }


async def test_a_placement_for_older_children_is_refused_before_its_birthday(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Born 10 June 2010, 16 on 10 June 2026: in care from April in foster care.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2010-06-10", "F", allocated_from="2026-04-13")
    await record.referred(child, "2026-04-13", "N1")
    start = {
        "childId": child,
        "startedOn": "2026-04-20",
        "legalStatus": code(codes.LegalStatus, "V2"),
        **_placement("K3"),
    }
    started = (await graphql(client, record.worker, START, {"input": start}))["startLookedAfter"]
    assert _refused(started) == ("placementType", K3_RULE.format("2026-06-10"))
    assert await store.read(EPISODES, {"id": child}) == []

    care = await record.start(child, "2026-04-20", "V2", "U6")
    move = {"changedOn": "2026-06-09", "reason": code(codes.ReasonPlaceChange, "CARPL")}
    field, rule = _refused(
        await act(client, record.worker, "changePlacement", care, {**move, **_placement("K3")})
    )
    assert (field, rule) == ("placementType", K3_RULE.format("2026-06-10"))
    before = await store.read(EPISODES, {"id": child})
    assert [row["place"] for row in before] == ["U6"]
    # On the birthday itself the move is fine.
    moved = await act(
        client,
        record.worker,
        "changePlacement",
        care,
        {**move, "changedOn": "2026-06-10", **_placement("K3")},
    )
    assert moved["__typename"] == "PeriodOfCare", moved

    # Her birth certificate says 10 July: she was 15 when she moved to K3.
    corrected = await graphql(
        client,
        record.worker,
        CORRECT_BIRTH,
        {"input": {"childId": child, "dateOfBirth": "2010-07-10", "on": "2026-07-01"}},
    )
    field, rule = _refused(corrected["recordDateOfBirth"])
    assert field == "dateOfBirth"
    assert rule == "the episode of care from 2026-06-10: " + K3_RULE.format("2026-07-10")

    # The first episode corrected to K3 (it began at 15) is refused too.
    corrected = await act(
        client,
        record.worker,
        "correctPlacement",
        moved,
        {**_placement("K3"), "episodeFrom": "2026-04-20"},
    )
    assert _refused(corrected) == ("placementType", K3_RULE.format("2026-06-10"))
    assert [row["place"] for row in await store.read(EPISODES, {"id": child})] == ["U6", "K3"]


async def test_a_young_child_is_not_placed_in_a_school_or_a_young_offender_institution(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2022-09-01", "M", allocated_from="2026-04-13")
    await record.referred(child, "2026-04-13", "N1")
    care = await record.start(child, "2026-04-20", "C1", "U6")
    move = {"changedOn": "2026-05-04", "reason": code(codes.ReasonPlaceChange, "CARPL")}
    for place, rule, turns in (
        ("S1", 373, "2026-09-01"),
        ("R5", 372, "2032-09-01"),
        ("P3", 374, "2036-09-01"),
    ):
        field, said = _refused(
            await act(client, record.worker, "changePlacement", care, {**move, **_placement(place)})
        )
        assert field == "placementType"
        assert f"(SSDA903 rule {rule})" in said, said
        assert f"on {turns}" in said, said
    assert [row["place"] for row in await store.read(EPISODES, {"id": child})] == ["U6"]


async def test_remand_is_for_a_child_over_ten_and_care_ends_for_reasons_fit_for_the_age(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Born 5 May 2016, 10 on 5 May 2026: remanded to care that day is too soon (the DfE
    # reads DECOM <= DOB + 10 as an error, rule 358); the day after is fine.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2016-05-05", "M", allocated_from="2026-04-13")
    await record.referred(child, "2026-04-13", "N1")
    care = await record.start(child, "2026-04-20", "V2", "U6")
    status = {"legalStatus": code(codes.LegalStatus, "J1")}
    refused = await act(
        client, record.worker, "changeLegalStatus", care, {"changedOn": "2026-05-05", **status}
    )
    assert _refused(refused) == (
        "legalStatus",
        "the legal status J1 is for a child over 10: the child turns 10 on 2026-05-05"
        " (SSDA903 rule 358)",
    )
    care = await record.legal_status(care, "2026-05-06", "J1")
    # Staying put at 18 (E17) is not a reason care ends for a boy of 10.
    ended = await act(
        client,
        record.worker,
        "ceaseLookedAfter",
        care,
        {"endedOn": "2026-06-01", "reason": code(codes.ReasonEpisodeCeased, "E17")},
    )
    assert _refused(ended) == (
        "reason",
        "the reason care ended E17 is for a child aged 18 or over: the child turns 18 on"
        " 2034-05-05 (SSDA903 rule 460)",
    )
    # Remanded on 6 May, a birth certificate saying 7 May 2016 would make him 9 then.
    corrected = await graphql(
        client,
        record.worker,
        CORRECT_BIRTH,
        {"input": {"childId": child, "dateOfBirth": "2016-05-07", "on": "2026-06-01"}},
    )
    field, rule = _refused(corrected["recordDateOfBirth"])
    assert field == "dateOfBirth"
    assert rule == (
        "the episode of care from 2026-05-06: the legal status J1 is for a child over 10:"
        " the child turns 10 on 2026-05-07 (SSDA903 rule 358)"
    )
    assert [row["place"] for row in await store.read(EPISODES, {"id": child})] == ["U6", "U6"]


async def test_a_move_into_custody_is_of_a_child_ten_when_the_placement_left_began(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # SSDA903 rule 234: the reason for a move (CUSTOD) sits on the episode it ended, and
    # the DfE reads the child's age on that episode's first day. Born 1 May 2016, 10 on
    # 1 May 2026: fostered from 20 April, so a move to custody out of that placement is
    # refused; out of one begun on the birthday, it stands.
    record, children = await county_to_record_on(client, settings, store)
    child = children[0]
    await record.born(child, "2016-05-01", "M", allocated_from="2026-04-13")
    await record.referred(child, "2026-04-13", "N1")
    care = await record.start(child, "2026-04-20", "C2", "U6")
    custody = {
        "changedOn": "2026-05-11",
        **_placement("Z11"),
        "reason": code(codes.ReasonPlaceChange, "CUSTOD"),
    }
    field, rule = _refused(await act(client, record.worker, "changePlacement", care, custody))
    assert (field, rule) == (
        "reason",
        "the reason for the move CUSTOD is for a child aged 10 or over: the child turns 10 on"
        " 2026-05-01 (SSDA903 rule 234)",
    )
    # The same day as a legal status change, the move ends the episode before it.
    care = await record.legal_status(care, "2026-05-11", "J1")
    field, _ = _refused(await act(client, record.worker, "changePlacement", care, custody))
    assert field == "reason"
    assert [row["place"] for row in await store.read(EPISODES, {"id": child})] == ["U6", "U6"]
    care = await record.move(care, "2026-05-12", "U4", longTermPlacement=True)
    moved = await act(
        client, record.worker, "changePlacement", care, {**custody, "changedOn": "2026-05-20"}
    )
    assert moved["__typename"] == "PeriodOfCare", moved
    # Born a month later he would have been 9 when the placement he left began.
    corrected = {"childId": child, "dateOfBirth": "2016-06-01", "on": "2026-05-25"}
    found = await graphql(client, record.worker, CORRECT_BIRTH, {"input": corrected})
    field, rule = _refused(found["recordDateOfBirth"])
    assert (field, rule.startswith("the move of 2026-05-20: ")) == ("dateOfBirth", True), rule
