"""A contact finalised with the wrong outcome (no further action clicked for a referral,
advice for a step down) is corrected by a team manager: the decision keeps its day, the
outcome given in error is kept with the reason, who and when, and a referral opens the
child's episode of need dated the day the contact came in, under the rules of a first
finalisation. What cannot be corrected so is refused and changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.journey_helpers import (
    AS_AT,
    CONTACT_FIELDS,
    MY_WORK,
    RC8,
    act,
    case_now,
    decide,
    demo_child,
    demo_county,
    finalised_contact,
    referral_for,
)
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

NFA = "NO_FURTHER_ACTION"
REFERRAL = "REFERRAL_TO_SOCIAL_CARE"
REASON = "No further action was clicked; the manager had decided on a referral."
CORRECT = f"""
mutation ($id: ID!, $version: Int!, $outcome: ContactOutcome!, $reason: String!) {{
  correctContactOutcome(contactId: $id, version: $version, outcome: $outcome,
                        reason: $reason) {{
    __typename ... on FinalisedContact {{ joinedOpenEpisode contact {{ {CONTACT_FIELDS} }} }}
    ... on InvalidInput {{ problems {{ field rule }} }}
    ... on TransitionRefused {{ currentState allowedNextSteps reason }}
    ... on NotAuthorised {{ reason }} ... on NotFound {{ kind id }} }} }}
"""
CONTACTS = f"""query ($id: ID!) {{ child(id: $id) {{ contacts {{ {CONTACT_FIELDS} }}
  cases {{ id referralDate status }} }} }}"""


async def correct(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    contact: dict[str, Any],
    outcome: str,
    reason: str = REASON,
) -> dict[str, Any]:
    variables = {
        "id": contact["id"],
        "version": contact["version"],
        "outcome": outcome,
        "reason": reason,
    }
    result = await graphql(client, headers, CORRECT, variables)
    return result["correctContactOutcome"]  # type: ignore[no-any-return]


async def child_now(client: httpx.AsyncClient, headers: dict[str, str], child_id: str) -> Any:
    return (await graphql(client, headers, CONTACTS, {"id": child_id}))["child"]


async def test_no_further_action_in_error_becomes_the_referral_it_was(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    analyst = bearer(settings, "analyst")
    child_id = demo_child(world)
    contact = await finalised_contact(client, worker, child_id, date(2026, 9, 7), NFA)
    assert (contact["outcome"], contact["referralId"]) == (NFA, None)

    corrected = await correct(client, manager, contact, REFERRAL)
    assert corrected["__typename"] == "FinalisedContact", corrected
    assert corrected["joinedOpenEpisode"] is False
    fixed = corrected["contact"]
    # The decision keeps its day; the outcome given in error is kept, with who and why.
    assert (fixed["outcome"], fixed["decisionDate"], fixed["status"]) == (
        REFERRAL,
        "2026-09-07",
        "FINALISED",
    )
    correction = fixed["outcomeCorrection"]
    assert (correction["previousOutcome"], correction["reason"], correction["correctedBy"]) == (
        NFA,
        REASON,
        "worker-tm-demo",
    )
    assert correction["correctedAt"] is not None
    # The episode of need it opens is dated the day the contact came in; its decision is
    # due (and overdue) from then, in the worker's list.
    case = await case_now(client, worker, fixed["referralId"])
    assert (case["referralDate"], case["status"], case["decisionDue"]) == (
        "2026-09-07",
        "OPEN",
        "2026-09-08",
    )
    work = (await graphql(client, worker, MY_WORK))["myWork"]
    assert [i["kind"] for i in work["items"] if i["recordId"] == case["id"]] == [
        "REFERRAL_DECISION"
    ]
    view = (await graphql(client, analyst, AS_AT, {"on": "2026-09-10"}))["asAt"]
    assert child_id in [c["childId"] for c in view["openEpisodes"]["children"]]
    # Corrected once: it is a referral now, not corrected again.
    again = await correct(client, manager, fixed, NFA)
    assert again["__typename"] == "TransitionRefused", again


async def test_only_a_manager_corrects_and_what_cannot_be_corrected_changes_nothing(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    contact = await finalised_contact(client, worker, child_id, date(2026, 9, 7), NFA)
    before = await child_now(client, manager, child_id)

    not_a_manager = await correct(client, worker, contact, REFERRAL)
    assert not_a_manager["__typename"] == "NotAuthorised", not_a_manager
    no_reason = await correct(client, manager, contact, REFERRAL, reason="  ")
    assert [p["field"] for p in no_reason["problems"]] == ["reason"], no_reason
    same = await correct(client, manager, contact, NFA)
    assert [p["field"] for p in same["problems"]] == ["outcome"], same
    stale = await correct(client, manager, {**contact, "version": contact["version"] - 1}, REFERRAL)
    assert stale["__typename"] == "TransitionRefused", stale
    # A referral has opened an episode: it is closed with no further action, not undone.
    referred = await finalised_contact(client, worker, child_id, date(2026, 9, 8), REFERRAL)
    undone = await correct(client, manager, referred, NFA)
    assert undone["__typename"] == "TransitionRefused", undone
    assert "closeWithNoFurtherAction" in undone["reason"]
    after = await child_now(client, manager, child_id)
    assert [c for c in after["contacts"] if c["id"] == contact["id"]] == [
        c for c in before["contacts"] if c["id"] == contact["id"]
    ]
    assert len(after["cases"]) == len(before["cases"]) + 1


async def test_a_correction_to_a_referral_keeps_one_episode_at_a_time(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    # The child's episode ran from 1 September to 1 October; a contact received on
    # 15 September, given no further action, came in while it was open.
    await closed_episode(client, worker, manager, child_id)
    contact = await finalised_contact(client, worker, child_id, date(2026, 9, 15), NFA)
    before = await child_now(client, manager, child_id)
    refused = await correct(client, manager, contact, REFERRAL)
    assert refused["__typename"] == "TransitionRefused", refused
    assert "8820" in refused["reason"]
    assert await child_now(client, manager, child_id) == before
    # Advice instead is corrected as it is: no episode.
    advice = await correct(client, manager, contact, "INFORMATION_AND_ADVICE")
    assert advice["contact"]["outcome"] == "INFORMATION_AND_ADVICE", advice
    assert advice["contact"]["referralId"] is None


async def closed_episode(
    client: httpx.AsyncClient, worker: dict[str, str], manager: dict[str, str], child_id: str
) -> dict[str, Any]:
    case = await referral_for(client, worker, child_id, date(2026, 9, 1))
    case = await act(client, worker, "closeCase", case, {"closedOn": "2026-10-01", "reason": RC8})
    case = await decide(client, manager, "authoriseCase", case, on="2026-10-01")
    assert case["status"] == "CLOSED", case
    return case


async def test_advice_in_error_becomes_the_step_down_it_was(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    advice = "INFORMATION_AND_ADVICE"
    contact = await finalised_contact(client, worker, demo_child(world), date(2026, 9, 7), advice)
    corrected = await correct(client, manager, contact, "STEP_DOWN_TO_EARLY_HELP")
    assert corrected["contact"]["outcome"] == "STEP_DOWN_TO_EARLY_HELP", corrected
    # EHM is sent the request, dated the day the front door decided.
    sent = await store.read(
        "MATCH (:Contact {id: $id})-[:STEPPED_DOWN_TO]->(h:EarlyHelpRequest)"
        "<-[:DELIVERS]-(o:OutboxItem) RETURN h.happenedOn AS on, o.state AS state",
        {"id": contact["id"]},
    )
    assert sent == [{"on": date(2026, 9, 7), "state": "PENDING"}]
