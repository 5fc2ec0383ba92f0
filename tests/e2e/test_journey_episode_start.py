"""The day a period of care, a placement or a legal status began, typed wrong and
corrected through GraphQL: the SSDA903 episodes, the steps due from the start and the
return follow the corrected day; a day that would break what is recorded is refused,
naming the field and the rule, and changes nothing. Hand-checked against the 2026 bank
holidays (Good Friday 3 April, Easter Monday 6 April, 4 and 25 May)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from returns import CollectionYear, write_cin_census, write_ssda903
from tests.e2e.journey_helpers import (
    CARE_FIELDS,
    CHRONOLOGY,
    OUTCOMES,
    act,
    case_now,
    demo_child,
    demo_county,
    referral_for,
    step,
)
from tests.helpers import bearer, graphql
from tests.returns.journeys import DECIDE_ADOPTION
from tests.returns.test_ssda903 import rows_of

pytestmark = pytest.mark.anyio

START = f"""
mutation ($input: StartLookedAfterInput!) {{ startLookedAfter(input: $input) {{
  __typename ... on PeriodOfCare {{ {CARE_FIELDS} }} {OUTCOMES} }} }}
"""
PERIOD = f"query ($id: ID!) {{ periodOfCare(id: $id) {{ {CARE_FIELDS} }} }}"
CORRECT = "correctEpisodeStart"


async def _born(store: FalkorDBStore, child_id: str, born: str) -> None:
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.dateOfBirth = date($born)", {"id": child_id, "born": born}
    )


async def _start(
    client: httpx.AsyncClient, worker: dict[str, str], child_id: str, started_on: str
) -> dict[str, Any]:
    start = {
        "childId": child_id,
        "startedOn": started_on,
        "legalStatus": "C2_FULL_CARE_ORDER",
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
    }
    result = (await graphql(client, worker, START, {"input": start}))["startLookedAfter"]
    assert result["__typename"] == "PeriodOfCare", result
    return result  # type: ignore[no-any-return]


def _problem(result: dict[str, Any]) -> tuple[str, str]:
    assert result["__typename"] == "InvalidInput", result
    problem = result["problems"][0]
    return problem["field"], problem["rule"]


def _episodes(care: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (s["startDate"], s["reasonNewEpisode"], s["completedDate"])
        for s in care["steps"]
        if s["kind"] == "LOOKED_AFTER_EPISODE"
    ]


async def _now(client: httpx.AsyncClient, worker: dict[str, str], care: dict[str, Any]) -> Any:
    return (await graphql(client, worker, PERIOD, {"id": care["id"]}))["periodOfCare"]


async def test_the_start_of_care_a_move_and_a_legal_status_typed_wrong_are_corrected(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=2)
    await _born(store, child_id, "2015-02-01")
    # Looked after from Monday 2 March, typed as the 9th: the first review, health
    # assessment and education plan were due 20 working days after the 9th (8 April,
    # over Easter), the visit within a week.
    care = await _start(client, worker, child_id, "2026-03-09")
    assert step(care, "LOOKED_AFTER_REVIEW")["dueDate"] == "2026-04-08"
    assert step(care, "STATUTORY_VISIT")["dueDate"] == "2026-03-16"

    fix = {"episodeFrom": "2026-03-09", "startedOn": "2026-03-02", "reason": "The order says 2nd"}
    for problem, field, rule in (
        (
            {"episodeFrom": "2026-03-10"},
            "episodeFrom",
            "no episode of this period of care started on 2026-03-10",
        ),
        ({"startedOn": "2026-03-09"}, "startedOn", "is the day already recorded (2026-03-09)"),
        (
            {"startedOn": "2015-01-31"},
            "startedOn",
            "must not be before the child's birth (2015-02-01)",
        ),
        ({"startedOn": "2099-03-02"}, "startedOn", None),
        ({"reason": ""}, "reason", None),
    ):
        refused = await act(client, worker, CORRECT, care, fix | problem)
        assert _problem(refused)[0] == field, (problem, refused)
        if rule is not None:
            assert _problem(refused)[1] == rule
    assert await _now(client, worker, care) == {
        k: v for k, v in care.items() if k not in ("__typename",)
    }

    care = await act(client, worker, CORRECT, care, fix)
    assert care["__typename"] == "PeriodOfCare", care
    first = step(care, "LOOKED_AFTER_EPISODE")
    assert (care["startDate"], first["startDate"], first["reasonNewEpisode"]) == (
        "2026-03-02",
        "2026-03-02",
        "S_STARTED_TO_BE_LOOKED_AFTER",
    )
    assert (
        first["correctedFrom"],
        first["correctionReason"],
        first["correctedBy"],
        first["correctedAt"] is not None,
    ) == ("2026-03-09", "The order says 2nd", "worker-sw-demo", True)
    # 20 working days from 2 March: 30 March; a visit within a week: 9 March.
    for kind in ("LOOKED_AFTER_REVIEW", "HEALTH_ASSESSMENT", "PERSONAL_EDUCATION_PLAN"):
        assert step(care, kind, "OPEN")["dueDate"] == "2026-03-30", kind
    assert step(care, "STATUTORY_VISIT", "OPEN")["dueDate"] == "2026-03-09"

    care = await act(client, worker, "recordStatutoryVisit", care, {"on": "2026-03-06"})
    review = {"heldOn": "2026-03-27", "participation": "PN1_ATTENDS_AND_SPEAKS"}
    care = await act(client, worker, "holdLookedAfterReview", care, review)
    # Care cannot have begun after what was recorded in it.
    again = {"episodeFrom": "2026-03-02", "startedOn": "2026-03-09"}
    later = await act(client, worker, CORRECT, care, fix | again)
    assert _problem(later) == (
        "startedOn",
        "must not be after the statutory visit recorded in care on 2026-03-06",
    )

    # A move to other carers on Monday 4 May (a bank holiday), typed as the 11th: the
    # episode before ends on the 4th, and the visit is due within a week of the move.
    move = {
        "changedOn": "2026-05-11",
        "placementType": "U4_FOSTER_OTHER_CARER_LONG_TERM",
        "placementProvider": "PR4_PRIVATE",
        "reason": "CARPL_CARE_PLAN",
    }
    care = await act(client, worker, "changePlacement", care, move)
    assert step(care, "STATUTORY_VISIT", "OPEN")["dueDate"] == "2026-05-18"
    # The decision for adoption comes before the placement order (SSDA903 rule 553).
    decided = {"periodOfCareId": care["id"], "decidedOn": "2026-05-20"}
    answer = await graphql(client, worker, DECIDE_ADOPTION, {"input": decided})
    assert answer["decideAdoption"]["__typename"] == "AdoptionPlan", answer
    care = await _now(client, worker, care)
    care = await act(
        client,
        worker,
        "changeLegalStatus",
        care,
        {
            "changedOn": "2026-06-01",
            "legalStatus": "E1_PLACEMENT_ORDER",
        },
    )
    moved = {"episodeFrom": "2026-05-11", "startedOn": "2026-05-04", "reason": "Typo"}
    for day, rule in (
        ("2026-03-02", "must be after the start of the episode before it (2026-03-02)"),
        ("2026-06-01", "must be before the start of the episode after it (2026-06-01)"),
    ):
        refused = await act(client, worker, CORRECT, care, moved | {"startedOn": day})
        assert _problem(refused) == ("startedOn", f"{rule}: one episode starts a day")
    care = await act(client, worker, CORRECT, care, moved)
    assert _episodes(care) == [
        ("2026-03-02", "S_STARTED_TO_BE_LOOKED_AFTER", "2026-05-04"),
        ("2026-05-04", "P_PLACEMENT_AND_CARER_CHANGE", "2026-06-01"),
        ("2026-06-01", "L_LEGAL_STATUS_CHANGE", None),
    ]
    assert step(care, "STATUTORY_VISIT", "OPEN")["dueDate"] == "2026-05-11"
    # The placement order was made on 29 May: the move keeps its visits' clock.
    legal = {"episodeFrom": "2026-06-01", "startedOn": "2026-05-29", "reason": "Sealed 29th"}
    care = await act(client, worker, CORRECT, care, legal)
    assert _episodes(care)[1:] == [
        ("2026-05-04", "P_PLACEMENT_AND_CARER_CHANGE", "2026-05-29"),
        ("2026-05-29", "L_LEGAL_STATUS_CHANGE", None),
    ]
    assert step(care, "STATUTORY_VISIT", "OPEN")["dueDate"] == "2026-05-11"

    chronology = (await graphql(client, worker, CHRONOLOGY, {"id": child_id}))["child"]
    titles = " ".join(f"{e['title']} {e['detail']}" for e in chronology["chronology"])
    assert "2026-03-09 corrected to 2026-03-02" in titles, titles

    await write_ssda903(store, CollectionYear(2027), tmp_path)
    assert rows_of(tmp_path, "episodes", child_id, "DECOM", "RNE", "LS", "DEC", "REC") == [
        ("02/03/2026", "S", "C2", "04/05/2026", "X1"),
        ("04/05/2026", "P", "C2", "29/05/2026", "X1"),
        ("29/05/2026", "L", "E1", "", ""),
    ]


async def test_the_start_of_care_stays_after_a_plan_it_ended_and_the_care_before(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=2)
    await _born(store, child_id, "2015-02-01")
    # A first period of care from 2 to 20 March.
    first = await _start(client, worker, child_id, "2026-03-02")
    ending = {"endedOn": "2026-03-20", "reason": "E4A_RETURNED_HOME_AS_PLANNED"}
    first = await act(client, worker, "ceaseLookedAfter", first, ending)
    first = await _decide(client, manager, first)
    assert first["status"] == "CEASED", first
    # Then a child protection plan from 19 June, ended when care began on 15 September.
    case = await referral_for(client, worker, child_id, date(2026, 6, 1))
    conference = {
        "heldOn": "2026-06-19",
        "planRequired": True,
        "categoriesOfAbuse": ["NEG_NEGLECT"],
    }
    case = await act(client, worker, "holdTransferInConference", case, conference)
    plan_id = case["childProtectionPlans"][-1]["id"]
    care = await _start(client, worker, child_id, "2026-09-15")
    assert [
        p["endDate"]
        for p in (await case_now(client, worker, case["id"]))["childProtectionPlans"]
        if p["id"] == plan_id
    ] == ["2026-09-15"]
    fix = {"episodeFrom": "2026-09-15", "reason": "Typo"}
    # Not back over the period of care before it, which cannot end after it ended.
    refused = await act(client, worker, CORRECT, care, fix | {"startedOn": "2026-03-19"})
    assert _problem(refused) == (
        "startedOn",
        "must not be before the end of the previous period of care (2026-03-20)",
    )
    late = {"episodeFrom": "2026-03-02", "startedOn": "2026-03-21", "reason": "Typo"}
    refused = await act(client, worker, CORRECT, first, late)
    assert _problem(refused) == ("startedOn", "must not be after the end of care (2026-03-20)")
    assert (await _now(client, worker, care))["startDate"] == "2026-09-15"


async def _decide(
    client: httpx.AsyncClient, manager: dict[str, str], care: dict[str, Any]
) -> dict[str, Any]:
    query = f"""mutation ($id: ID!, $version: Int!) {{
      authorisePeriodOfCare(periodOfCareId: $id, version: $version) {{ __typename
      ... on PeriodOfCare {{ {CARE_FIELDS} }} {OUTCOMES} }} }}"""
    result = await graphql(client, manager, query, {"id": care["id"], "version": care["version"]})
    return result["authorisePeriodOfCare"]  # type: ignore[no-any-return]


async def _plan_end(store: FalkorDBStore, plan_id: str) -> dict[str, Any]:
    rows = await store.read(
        "MATCH (p:ChildProtectionPlan {id: $id}) RETURN p.endDate AS endDate, "
        "p.endReason AS endReason, p.endDateCorrectedFrom AS correctedFrom, "
        "p.endDateCorrectionReason AS reason, p.endDateCorrectedBy AS correctedBy, "
        "p.endDateCorrectedAt AS correctedAt",
        {"id": plan_id},
    )
    return rows[0]


async def test_the_start_of_care_moves_the_end_of_the_plan_it_ended_with_it(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=2)
    await _born(store, child_id, "2015-02-01")
    # A child protection plan from 19 June, its last visit on 1 September; care began on
    # 10 September, typed as the 15th, which ended the plan on the 15th.
    case = await referral_for(client, worker, child_id, date(2026, 6, 1))
    conference = {
        "heldOn": "2026-06-19",
        "planRequired": True,
        "categoriesOfAbuse": ["NEG_NEGLECT"],
    }
    case = await act(client, worker, "holdTransferInConference", case, conference)
    plan = case["childProtectionPlans"][-1]
    visit = {"visitedOn": "2026-09-01", "seenAlone": True, "lateReason": "Family away"}
    case = await act(client, worker, "recordChildProtectionVisit", plan, visit)
    plan_id = plan["id"]
    care = await _start(client, worker, child_id, "2026-09-15")
    assert (await _plan_end(store, plan_id))["endDate"] == date(2026, 9, 15)

    # Not before the plan's last recorded step: the plan would end before it.
    fix = {"episodeFrom": "2026-09-15", "reason": "The placement began on the 10th"}
    refused = await act(client, worker, CORRECT, care, fix | {"startedOn": "2026-08-31"})
    assert _problem(refused) == (
        "startedOn",
        f"child protection plan {plan_id} ends the day the child became looked after: its "
        "end must not be before the plan's last recorded step (2026-09-01)",
    )
    assert (await _now(client, worker, care))["startDate"] == "2026-09-15"
    assert (await _plan_end(store, plan_id))["endDate"] == date(2026, 9, 15)

    care = await act(client, worker, CORRECT, care, fix | {"startedOn": "2026-09-10"})
    assert care["__typename"] == "PeriodOfCare", care
    assert care["startDate"] == "2026-09-10"
    ended = await _plan_end(store, plan_id)
    assert {k: ended[k] for k in ("endDate", "endReason", "correctedFrom", "reason")} == {
        "endDate": date(2026, 9, 10),
        "endReason": "BECAME_LOOKED_AFTER",
        "correctedFrom": "2026-09-15",
        "reason": "The placement began on the 10th",
    }
    assert ended["correctedBy"] == "worker-sw-demo"
    assert ended["correctedAt"] > 0
    chronology = (await graphql(client, worker, CHRONOLOGY, {"id": child_id}))["child"]
    said = " ".join(f"{e['title']} {e['detail']}" for e in chronology["chronology"])
    assert f"child protection plan {plan_id}'s end moved with it" in said, said

    # The two stay one fact: corrected again, the plan's end follows again.
    again = {"episodeFrom": "2026-09-10", "startedOn": "2026-09-11", "reason": "Typo"}
    care = await act(client, worker, CORRECT, care, again)
    assert care["__typename"] == "PeriodOfCare", care
    assert (await _plan_end(store, plan_id))["endDate"] == date(2026, 9, 11)

    out = tmp_path / "cin.xml"
    await write_cin_census(store, CollectionYear(2027), out, "919")
    child = next(
        c
        for c in ET.parse(out).getroot().iter("Child")  # noqa: S314 - the hub's own output
        if c.findtext("ChildIdentifiers/LAchildID") == child_id
    )
    assert [p.findtext("CPPendDate") for p in child.iter("ChildProtectionPlans")] == ["2026-09-11"]


async def _home_postcode(
    client: httpx.AsyncClient, worker: dict[str, str], child_id: str, on: str, postcode: str
) -> None:
    query = """mutation ($input: RecordHomePostcodeInput!) { recordHomePostcode(input: $input) {
      __typename } }"""
    fact = {"childId": child_id, "on": on, "postcode": postcode}
    result = await graphql(client, worker, query, {"input": fact})
    assert result["recordHomePostcode"]["__typename"] == "ChildFact", result


async def test_the_home_postcode_recorded_with_the_start_of_care_follows_its_correction(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world, index=2)
    await _born(store, child_id, "2015-02-01")
    # An old address, then the one the child came into care from, recorded with the start
    # of care typed as 9 March when care began on the 2nd.
    await _home_postcode(client, worker, child_id, "2025-01-10", "WD17 1AB")
    await _home_postcode(client, worker, child_id, "2026-03-09", "SG1 2AB")
    care = await _start(client, worker, child_id, "2026-03-09")
    fix = {"episodeFrom": "2026-03-09", "startedOn": "2026-03-02", "reason": "Typo"}
    care = await act(client, worker, CORRECT, care, fix)
    assert care["__typename"] == "PeriodOfCare", care

    # SSDA903 392a/392b: the home postcode is the one known when the episode began.
    await write_ssda903(store, CollectionYear(2027), tmp_path)
    assert rows_of(tmp_path, "episodes", child_id, "DECOM", "HOME_POST") == [
        ("02/03/2026", "SG1 2AB")
    ]
    facts = await store.read(
        "MATCH (:Child {id: $id})<-[:ABOUT]-(f:ChildFact {kind: 'HOME_POSTCODE'}) "
        "RETURN f.postcode AS postcode, f.on AS on, f.onCorrectedFrom AS correctedFrom, "
        "f.onCorrectionReason AS reason, f.onCorrectedBy AS correctedBy ORDER BY f.on",
        {"id": child_id},
    )
    assert facts == [
        {
            "postcode": "WD17 1AB",
            "on": date(2025, 1, 10),
            "correctedFrom": None,
            "reason": None,
            "correctedBy": None,
        },
        {
            "postcode": "SG1 2AB",
            "on": date(2026, 3, 2),
            "correctedFrom": "2026-03-09",
            "reason": "Typo",
            "correctedBy": "worker-sw-demo",
        },
    ]
    chronology = (await graphql(client, worker, CHRONOLOGY, {"id": child_id}))["child"]
    said = " ".join(f"{e['title']} {e['detail']}" for e in chronology["chronology"])
    assert "the home postcode recorded that day moved with it" in said, said
