"""The day of the decision on a referral, typed wrongly and authorised, corrected by a
team manager with `correctReferralDecisionDate`: the decision is on the corrected day,
late or not by the day it was due (a working day after the referral: Friday 1 May 2026,
Monday 4 May a bank holiday, so due Tuesday 5 May), its late reason taken away on time,
asked for when late; the day typed, why, who and when are kept and the chronology says
so. A day before the referral, after the closure, in the future or the same is refused
naming `decidedOn` and changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from graph.migrations import MIGRATIONS
from hub.settings import Settings
from tests.e2e.journey_helpers import (
    CHRONOLOGY,
    act,
    case_now,
    decide,
    demo_child,
    demo_county,
    referral_for,
)
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

CORRECT = "correctReferralDecisionDate"
DECISION = (
    "query ($id: ID!) { case(id: $id) { decisionDate decisionDue decisionLateReason"
    " decisionLateReasonRecordedBy } }"
)


def _problem(result: dict[str, Any]) -> tuple[str, str]:
    assert result["__typename"] == "InvalidInput", result
    problem = result["problems"][0]
    return problem["field"], problem["rule"]


async def _decision(
    client: httpx.AsyncClient, headers: dict[str, str], case_id: str
) -> dict[str, Any]:
    return (await graphql(client, headers, DECISION, {"id": case_id}))["case"]  # type: ignore[no-any-return]


async def test_the_day_of_an_authorised_referral_decision_is_corrected(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=2)
    case = await referral_for(client, worker, child_id, date(2026, 5, 1))
    assert (case["referralDate"], case["status"]) == ("2026-05-01", "OPEN"), case
    # Decided on Tuesday 5 May, typed as the 12th with a reason it was late.
    decision = {
        "decidedOn": "2026-05-12",
        "primaryNeed": "N1_ABUSE_OR_NEGLECT",
        "lateReason": "Paper",
    }
    case = await act(client, worker, "decideReferral", case, decision)
    case = await decide(client, manager, "authoriseCase", case, on="2026-05-12")
    assert (case["status"], case["decisionDate"]) == ("ACCEPTED", "2026-05-12"), case

    fix = {"reason": "The decision is dated the 5th on the form"}
    for day, rule in (
        ("2026-05-12", "is the day already recorded (2026-05-12)"),
        ("2026-04-30", "must not be before the referral (2026-05-01)"),
    ):
        refused = await act(client, manager, CORRECT, case, fix | {"decidedOn": day})
        assert _problem(refused) == ("decidedOn", rule), refused
    future = await act(client, manager, CORRECT, case, fix | {"decidedOn": "2099-01-01"})
    assert _problem(future)[0] == "decidedOn"
    assert await case_now(client, worker, case["id"]) == {"__typename": "Case", **case}
    # The worker does not correct what a manager authorised.
    refused = await act(client, worker, CORRECT, case, fix | {"decidedOn": "2026-05-05"})
    assert refused["__typename"] == "NotAuthorised", refused

    # On time by its due day: the reason it was late goes.
    case = await act(client, manager, CORRECT, case, fix | {"decidedOn": "2026-05-05"})
    assert case["__typename"] == "Case", case
    assert await _decision(client, manager, case["id"]) == {
        "decisionDate": "2026-05-05",
        "decisionDue": "2026-05-05",
        "decisionLateReason": None,
        "decisionLateReasonRecordedBy": None,
    }
    kept = await store.read(
        "MATCH (r:Referral {id: $id}) RETURN r.decisionDateCorrectedFrom AS was, "
        "r.decisionDateCorrectionReason AS why, r.decisionDateCorrectedBy AS by, "
        "r.decisionDateCorrectedAt AS at",
        {"id": case["id"]},
    )
    assert kept[0]["was"] == "2026-05-12"
    assert kept[0]["why"] == fix["reason"]
    assert kept[0]["by"] == "worker-tm-demo"
    assert kept[0]["at"] > 0
    chronology = (await graphql(client, manager, CHRONOLOGY, {"id": child_id}))["child"]
    said = " ".join(f"{e['title']} {e['detail']}" for e in chronology["chronology"])
    assert "Referral decision of 2026-05-12 corrected to 2026-05-05" in said, said

    # Late by it, with no reason now: the reason is asked for, and then kept.
    case = await act(client, manager, CORRECT, case, fix | {"decidedOn": "2026-05-07"})
    assert case["__typename"] == "Case", case
    chronology = (await graphql(client, manager, CHRONOLOGY, {"id": child_id}))["child"]
    said = " ".join(f"{e['title']} {e['detail']}" for e in chronology["chronology"])
    assert "(late: due by 2026-05-05, its reason to record)" in said, said
    why = {"reason": "The referral came on paper"}
    case = await act(client, worker, "recordDecisionLateReason", case, why)
    assert case["__typename"] == "Case", case
    now = await _decision(client, manager, case["id"])
    assert (now["decisionDate"], now["decisionLateReason"]) == (
        "2026-05-07",
        "The referral came on paper",
    )

    # Not after the episode closed.
    closing = {"closedOn": "2026-05-20", "reason": "RC7_SERVICES_CEASED_FOR_ANY_OTHER_REASON"}
    case = await act(client, worker, "closeCase", case, closing)
    case = await decide(client, manager, "authoriseCase", case, on="2026-05-20")
    assert case["status"] == "CLOSED", case
    refused = await act(client, manager, CORRECT, case, fix | {"decidedOn": "2026-05-21"})
    assert _problem(refused) == (
        "decidedOn",
        "must not be after its episode of need closed (2026-05-20)",
    )


AUTHORISED = (
    "query ($id: ID!) { case(id: $id) { decisionDate decisionAuthorisedOn"
    " decisionDateCorrection { previousDate reason correctedBy correctedAt } } }"
)


async def test_the_corrected_day_is_not_after_the_manager_authorised_the_decision(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world, index=2)
    case = await referral_for(client, worker, child_id, date(2026, 5, 1))
    decision = {"decidedOn": "2026-05-05", "primaryNeed": "N1_ABUSE_OR_NEGLECT"}
    case = await act(client, worker, "decideReferral", case, decision)
    case = await decide(client, manager, "authoriseCase", case, on="2026-05-07")
    shown = (await graphql(client, manager, AUTHORISED, {"id": case["id"]}))["case"]
    assert shown == {
        "decisionDate": "2026-05-05",
        "decisionAuthorisedOn": "2026-05-07",
        "decisionDateCorrection": None,
    }

    # A decision is made before a manager authorises it, not after.
    fix = {"reason": "The decision is dated the 6th on the form", "decidedOn": "2026-05-08"}
    refused = await act(client, manager, CORRECT, case, fix)
    assert _problem(refused) == (
        "decidedOn",
        "must not be after a manager authorised the decision (2026-05-07)",
    )
    assert await case_now(client, worker, case["id"]) == {"__typename": "Case", **case}
    case = await act(client, manager, CORRECT, case, fix | {"decidedOn": "2026-05-06"})
    assert case["__typename"] == "Case", case
    shown = (await graphql(client, manager, AUTHORISED, {"id": case["id"]}))["case"]
    correction = shown.pop("decisionDateCorrection")
    assert shown == {"decisionDate": "2026-05-06", "decisionAuthorisedOn": "2026-05-07"}
    assert (correction["previousDate"], correction["reason"], correction["correctedBy"]) == (
        "2026-05-05",
        fix["reason"],
        "worker-tm-demo",
    )
    assert correction["correctedAt"]

    # A case authorised before the hub kept the day: nothing is made up, the correction
    # is not checked against it, and the chronology says so.
    await store.write(
        "MATCH (r:Referral {id: $id}) REMOVE r.decisionAuthorisedDate", {"id": case["id"]}
    )
    case = await case_now(client, worker, case["id"])
    case = await act(client, manager, CORRECT, case, fix)
    assert case["__typename"] == "Case", case
    shown = (await graphql(client, manager, AUTHORISED, {"id": case["id"]}))["case"]
    assert (shown["decisionDate"], shown["decisionAuthorisedOn"]) == ("2026-05-08", None)
    chronology = (await graphql(client, manager, CHRONOLOGY, {"id": child_id}))["child"]
    said = " ".join(f"{e['title']} {e['detail']}" for e in chronology["chronology"])
    assert "the day a manager authorised it is not recorded" in said, said


async def test_no_further_action_keeps_the_day_a_manager_authorised_it(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await referral_for(client, worker, demo_child(world, index=2), date(2026, 5, 1))
    case = await act(client, worker, "closeWithNoFurtherAction", case, {"on": "2026-05-05"})
    case = await decide(client, manager, "authoriseCase", case, on="2026-05-07")
    assert case["status"] == "CLOSED", case
    shown = (await graphql(client, manager, AUTHORISED, {"id": case["id"]}))["case"]
    assert (shown["decisionDate"], shown["decisionAuthorisedOn"]) == ("2026-05-05", "2026-05-07")

    # Reopened, no further action was never the decision: the decision is due again, and
    # neither its day nor its authorisation stands.
    reopen = {"reopenedOn": "2026-05-11", "reason": "The NFA was for her sister"}
    case = await act(client, manager, "reopenCase", case, reopen)
    assert case["status"] == "OPEN", case
    shown = (await graphql(client, manager, AUTHORISED, {"id": case["id"]}))["case"]
    assert (shown["decisionDate"], shown["decisionAuthorisedOn"]) == (None, None)


async def test_a_decision_authorised_before_the_hub_kept_the_day_has_it_from_the_chronology(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    decided, undecided = [
        await referral_for(client, worker, demo_child(world, index=index), date(2026, 5, 1))
        for index in (2, 3)
    ]
    decision = {"decidedOn": "2026-05-05", "primaryNeed": "N1_ABUSE_OR_NEGLECT"}
    # Returned once (a manager's decision that is no authorisation), then authorised; the
    # episode closed since (an authorisation of another step).
    decided = await act(client, worker, "decideReferral", decided, decision)
    returned = {"on": "2026-05-06", "reason": "Say which need"}
    decided = await decide(client, manager, "returnCaseForRework", decided, **returned)
    decided = await act(client, worker, "decideReferral", decided, decision)
    decided = await decide(client, manager, "authoriseCase", decided, on="2026-05-07")
    closing = {"closedOn": "2026-05-20", "reason": "RC7_SERVICES_CEASED_FOR_ANY_OTHER_REASON"}
    decided = await act(client, worker, "closeCase", decided, closing)
    decided = await decide(client, manager, "authoriseCase", decided, on="2026-05-21")
    nfa = await act(client, worker, "closeWithNoFurtherAction", undecided, {"on": "2026-05-05"})
    nfa = await decide(client, manager, "authoriseCase", nfa, on="2026-05-06")
    # As code before the hub kept the day left them.
    await store.write(
        "MATCH (r:Referral) WHERE r.id IN $ids REMOVE r.decisionAuthorisedDate",
        {"ids": [decided["id"], nfa["id"]]},
    )
    migration = next(m for m in MIGRATIONS if "authorised" in m.name and "decision" in m.name)
    for _ in range(2):  # idempotent
        await migration.apply(store)
        shown = [
            (await graphql(client, manager, AUTHORISED, {"id": case["id"]}))["case"]
            for case in (decided, nfa)
        ]
        assert [(s["decisionDate"], s["decisionAuthorisedOn"]) for s in shown] == [
            ("2026-05-05", "2026-05-07"),
            ("2026-05-05", "2026-05-06"),
        ]

    # The correction is checked against it again.
    fix = {"reason": "The decision is dated the 8th on the form", "decidedOn": "2026-05-08"}
    refused = await act(
        client, manager, CORRECT, await case_now(client, worker, decided["id"]), fix
    )
    assert _problem(refused) == (
        "decidedOn",
        "must not be after a manager authorised the decision (2026-05-07)",
    )
