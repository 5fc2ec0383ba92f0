"""A contact recorded in error (on the wrong child, or twice) is withdrawn by a team
manager, before anyone decided it or after (its decision kept as history): it stays on
the child's record as WITHDRAWN with the reason, who and when, the chronology says so,
nothing is due on it and it can no longer be decided. What cannot be withdrawn so (a
referral, withdrawn with its episode) is refused and changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.journey_helpers import (
    CONTACT_FIELDS,
    FILE_DOCUMENTS,
    GENERATE_FORM,
    MISFILED_BEFORE,
    case_now,
    deliver_outbox,
    demo_child,
    demo_county,
    finalised_contact,
    generated_form,
    held_as_misfiled,
    recorded_contact,
)
from tests.helpers import bearer, graphql
from workflow.calendar import today_in_england

pytestmark = pytest.mark.anyio

REASON = "Recorded on her brother's record; the school was calling about her."
WITHDRAW = f"""
mutation ($id: ID!, $version: Int!, $reason: String!) {{
  withdrawContact(contactId: $id, version: $version, reason: $reason) {{
    __typename ... on Contact {{ {CONTACT_FIELDS} withdrawal {{ reason withdrawnBy withdrawnAt }} }}
    ... on InvalidInput {{ problems {{ field rule }} }}
    ... on TransitionRefused {{ currentState allowedNextSteps reason }}
    ... on NotAuthorised {{ reason }} ... on NotFound {{ kind id }} }} }}
"""
FINALISE = """mutation ($id: ID!) { finaliseContact(contactId: $id,
  outcome: NO_FURTHER_ACTION, on: "2026-09-07") { __typename } }"""
CHILD = f"""query ($id: ID!) {{ child(id: $id) {{
  contacts {{ {CONTACT_FIELDS} withdrawal {{ reason withdrawnBy }} }}
  chronology {{ kind title recordId }} }} }}"""


async def withdraw(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    contact: dict[str, Any],
    reason: str = REASON,
) -> dict[str, Any]:
    variables = {"id": contact["id"], "version": contact["version"], "reason": reason}
    return (await graphql(client, headers, WITHDRAW, variables))["withdrawContact"]  # type: ignore[no-any-return]


async def test_a_contact_on_the_wrong_child_is_withdrawn_before_it_is_decided(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    contact = await recorded_contact(client, worker, child_id, date(2026, 9, 7))
    assert contact["status"] == "OPEN", contact

    withdrawn = await withdraw(client, manager, contact)
    assert withdrawn["__typename"] == "Contact", withdrawn
    assert (withdrawn["status"], withdrawn["outcome"], withdrawn["referralId"]) == (
        "WITHDRAWN",
        None,
        None,
    )
    assert withdrawn["version"] == contact["version"] + 1
    withdrawal = withdrawn["withdrawal"]
    assert (withdrawal["reason"], withdrawal["withdrawnBy"]) == (REASON, "worker-tm-demo")
    assert withdrawal["withdrawnAt"] is not None

    child = (await graphql(client, manager, CHILD, {"id": child_id}))["child"]
    [kept] = [k for k in child["contacts"] if k["id"] == contact["id"]]
    assert (kept["status"], kept["withdrawal"]["reason"]) == ("WITHDRAWN", REASON)
    assert [e["title"] for e in child["chronology"] if e["recordId"] == contact["id"]] == [
        "CONTACT_WITHDRAWN"
    ]
    # Withdrawn, it is decided no more, nor withdrawn twice.
    finalised = await graphql(client, worker, FINALISE, {"id": contact["id"]})
    assert finalised["finaliseContact"]["__typename"] == "TransitionRefused", finalised
    again = await withdraw(client, manager, withdrawn)
    assert again["__typename"] == "TransitionRefused", again


async def test_only_a_manager_withdraws_an_undecided_contact_and_a_refusal_changes_nothing(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    contact = await recorded_contact(client, worker, child_id, date(2026, 9, 7))
    referred = await finalised_contact(
        client, worker, child_id, date(2026, 9, 9), "REFERRAL_TO_SOCIAL_CARE"
    )
    before = (await graphql(client, manager, CHILD, {"id": child_id}))["child"]

    not_a_manager = await withdraw(client, worker, contact)
    assert not_a_manager["__typename"] == "NotAuthorised", not_a_manager
    no_reason = await withdraw(client, manager, contact, reason="  ")
    assert [p["field"] for p in no_reason["problems"]] == ["reason"], no_reason
    stale = await withdraw(client, manager, {**contact, "version": contact["version"] + 5})
    assert stale["__typename"] == "TransitionRefused", stale
    assert stale["allowedNextSteps"] == ["withdrawContact"], stale
    referral = await withdraw(client, manager, referred)
    assert referral["__typename"] == "TransitionRefused", referral
    assert "withdrawReferral" in referral["reason"], referral
    assert referred["referralId"] in referral["reason"], referral
    unknown = await withdraw(client, manager, {"id": "no-such-contact", "version": 1})
    assert unknown["__typename"] == "NotFound", unknown

    after = (await graphql(client, manager, CHILD, {"id": child_id}))["child"]
    assert after == before


async def test_a_contact_decided_on_the_wrong_child_is_withdrawn_with_its_decision_kept(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Decided "no further action" before anyone saw it was about her brother: withdrawn,
    # the decision stays as history and the contact no longer counts about her.
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    decided = await finalised_contact(
        client, worker, child_id, date(2026, 9, 8), "NO_FURTHER_ACTION"
    )
    withdrawn = await withdraw(client, manager, decided)
    assert withdrawn["__typename"] == "Contact", withdrawn
    assert (withdrawn["status"], withdrawn["outcome"], withdrawn["decisionDate"]) == (
        "WITHDRAWN",
        "NO_FURTHER_ACTION",
        "2026-09-08",
    )
    assert withdrawn["withdrawal"]["reason"] == REASON
    child = (await graphql(client, manager, CHILD, {"id": child_id}))["child"]
    assert [e["title"] for e in child["chronology"] if e["recordId"] == decided["id"]] == [
        "CONTACT_WITHDRAWN"
    ]
    again = await withdraw(client, manager, withdrawn)
    assert again["__typename"] == "TransitionRefused", again


async def test_a_referral_that_joined_an_episode_is_withdrawn_and_the_episode_goes_on(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # A second referral typed on her record joined her open episode: it is withdrawn on
    # its own, and the episode stands on the contact that opened it, which is not.
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    referral = "REFERRAL_TO_SOCIAL_CARE"
    opened = await finalised_contact(client, worker, child_id, date(2026, 9, 7), referral)
    joined = await finalised_contact(client, worker, child_id, date(2026, 9, 9), referral)
    assert joined["referralId"] == opened["referralId"], joined

    withdrawn = await withdraw(client, manager, joined)
    assert (withdrawn["status"], withdrawn["outcome"]) == ("WITHDRAWN", referral), withdrawn
    case = await case_now(client, manager, opened["referralId"])
    assert (case["status"], case["referralDate"]) == ("OPEN", "2026-09-07"), case
    refused = await withdraw(client, manager, opened)
    assert refused["__typename"] == "TransitionRefused", refused
    assert "withdrawReferral" in refused["reason"], refused


async def test_a_withdrawn_contact_is_no_contact_about_the_child_for_the_birth(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # CIN census rule 8606 reads the first contact about the child: one about the
    # mother's earlier pregnancy, recorded late on this unborn child and withdrawn, must
    # not make the birth "more than 40 weeks after" it.
    await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    received = today_in_england() - timedelta(days=250)
    first = await graphql(
        client,
        worker,
        """mutation ($input: RecordContactInput!) { recordContact(input: $input) {
             __typename ... on Contact { childId } } }""",
        {
            "input": {
                "receivedDate": received.isoformat(),
                "source": "HEALTH_VISITOR",
                "summary": "Midwife concerned before the birth",
                "child": {
                    "givenName": "Baby",
                    "familyName": "Unborn-Kowalczyk",
                    "unborn": True,
                    "expectedDateOfBirth": (received + timedelta(days=200)).isoformat(),
                },
            }
        },
    )
    child_id = first["recordContact"]["childId"]
    in_error = await recorded_contact(client, worker, child_id, received - timedelta(days=60))
    assert (await withdraw(client, manager, in_error))["status"] == "WITHDRAWN"

    born_on = (received + timedelta(days=230)).isoformat()
    born = await graphql(
        client,
        worker,
        """mutation ($input: RecordBirthInput!) { recordBirth(input: $input) {
          __typename ... on ChildFact { on } ... on InvalidInput { problems { field rule } } } }""",
        {"input": {"childId": child_id, "on": born_on}},
    )
    assert born["recordBirth"] == {"__typename": "ChildFact", "on": born_on}


MOVE = f"""
mutation ($id: ID!, $version: Int!, $childId: ID!, $reason: String!) {{
  moveContact(contactId: $id, version: $version, childId: $childId, reason: $reason) {{
    __typename ... on Contact {{ {CONTACT_FIELDS} childId move {{ reason movedBy movedAt }} }}
    ... on InvalidInput {{ problems {{ field rule }} }}
    ... on TransitionRefused {{ currentState allowedNextSteps reason }}
    ... on NotAuthorised {{ reason }} ... on NotFound {{ kind id }} }} }}
"""


async def move(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    contact: dict[str, Any],
    child_id: str,
    reason: str = REASON,
) -> dict[str, Any]:
    variables = {
        "id": contact["id"],
        "version": contact["version"],
        "childId": child_id,
        "reason": reason,
    }
    return (await graphql(client, headers, MOVE, variables))["moveContact"]  # type: ignore[no-any-return]


async def test_a_contact_on_the_wrong_child_moves_to_the_right_one_before_it_is_decided(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    wrong, right = demo_child(world, index=0), demo_child(world, index=1)
    contact = await recorded_contact(client, worker, wrong, date(2026, 9, 7))
    before_right = (await graphql(client, manager, CHILD, {"id": right}))["child"]

    assert (await move(client, worker, contact, right))["__typename"] == "NotAuthorised"
    same = await move(client, manager, contact, wrong)
    assert [p["field"] for p in same["problems"]] == ["childId"], same
    unknown = await move(client, manager, contact, "no-such-child")
    assert unknown == {"__typename": "NotFound", "kind": "Child", "id": "no-such-child"}
    assert (await graphql(client, manager, CHILD, {"id": right}))["child"] == before_right

    moved = await move(client, manager, contact, right)
    assert moved["__typename"] == "Contact", moved
    assert (moved["childId"], moved["status"], moved["version"]) == (
        right,
        "OPEN",
        contact["version"] + 1,
    )
    assert (moved["move"]["reason"], moved["move"]["movedBy"]) == (REASON, "worker-tm-demo")
    # The wrong child's record no longer holds it, nor its chronology; the right one's do.
    on_wrong = (await graphql(client, manager, CHILD, {"id": wrong}))["child"]
    assert contact["id"] not in [k["id"] for k in on_wrong["contacts"]]
    assert contact["id"] not in [e["recordId"] for e in on_wrong["chronology"]]
    on_right = (await graphql(client, manager, CHILD, {"id": right}))["child"]
    assert contact["id"] in [k["id"] for k in on_right["contacts"]]
    assert contact["id"] in [e["recordId"] for e in on_right["chronology"]]
    # Moved, it is decided on the right child, and no longer moved or withdrawn once decided.
    finalised = await graphql(client, worker, FINALISE, {"id": contact["id"]})
    assert finalised["finaliseContact"]["__typename"] == "FinalisedContact", finalised
    decided = {**moved, "version": moved["version"] + 1}
    assert (await move(client, manager, decided, wrong))["__typename"] == "TransitionRefused"


async def test_the_form_of_a_contact_moved_to_the_right_child_leaves_the_wrong_childs_file(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    officer = bearer(settings, "records-officer")
    wrong, right = demo_child(world, index=0), demo_child(world, index=1)
    contact = await recorded_contact(client, worker, wrong, date(2026, 9, 7))
    form = await generated_form(client, worker, wrong, "contact_record", contact["id"])
    assert (await deliver_outbox(store, settings)).failed == 0

    assert (await move(client, manager, contact, right))["__typename"] == "Contact"
    assert (await deliver_outbox(store, settings)).failed == 0

    # The wrong child's file lists it for records staff alone, and Livelink holds it.
    seen = (await graphql(client, worker, FILE_DOCUMENTS, {"id": wrong}))["child"]["file"]
    assert form not in [d["id"] for d in seen["documents"]]
    assert form not in [d["id"] for f in seen["folders"] for d in f["documents"]]
    audited = (await graphql(client, officer, FILE_DOCUMENTS, {"id": wrong}))["child"]["file"]
    [misfiled] = [d["misfiled"] for d in audited["documents"] if d["id"] == form]
    assert misfiled["reason"] == "MOVED"
    assert await held_as_misfiled(settings) == {form}


async def test_no_form_is_made_of_a_contact_withdrawn_as_recorded_in_error(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child = demo_child(world)
    contact = await recorded_contact(client, worker, child, date(2026, 9, 7))
    assert (await withdraw(client, manager, contact))["__typename"] == "Contact"
    before = (await graphql(client, worker, FILE_DOCUMENTS, {"id": child}))["child"]

    variables = {"child": child, "template": "contact_record", "source": contact["id"]}
    refused = await graphql(client, worker, GENERATE_FORM, variables)
    [problem] = refused["generateForm"]["problems"]
    assert problem["field"] == "sourceId"
    assert "recorded in error" in problem["rule"]
    assert (await graphql(client, worker, FILE_DOCUMENTS, {"id": child}))["child"] == before


async def test_a_contact_moved_back_to_the_child_it_was_on_takes_its_form_back_onto_their_file(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Moved to a sibling by mistake, then back: the form made of it on the first child is
    # theirs after all, off the misfiled hold; the form made on the sibling meanwhile is
    # misfiled there in turn.
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    first, sibling = demo_child(world, index=0), demo_child(world, index=1)
    contact = await recorded_contact(client, worker, first, date(2026, 9, 7))
    form = await generated_form(client, worker, first, "contact_record", contact["id"])
    moved = await move(client, manager, contact, sibling)
    assert moved["__typename"] == "Contact", moved
    there = await generated_form(client, worker, sibling, "contact_record", contact["id"])
    assert (await deliver_outbox(store, settings)).failed == 0
    assert await held_as_misfiled(settings) == {form}

    back = await move(client, manager, moved, first)
    assert back["__typename"] == "Contact", back
    assert (await deliver_outbox(store, settings)).failed == 0

    seen = (await graphql(client, worker, FILE_DOCUMENTS, {"id": first}))["child"]["file"]
    assert [d["misfiled"] for d in seen["documents"] if d["id"] == form] == [None]
    assert await held_as_misfiled(settings) == {there}
    # What happened to it stays on the document: misfiled when moved, the child's again
    # when moved back, and by whom (the manager both times).
    history = await graphql(client, worker, MISFILED_BEFORE, {"id": first})
    [past] = [d["misfiledBefore"] for d in history["child"]["file"]["documents"] if d["id"] == form]
    assert [(p["reason"], p["byName"]) for p in past] == [("MOVED", past[0]["endedByName"])]
    assert past[0]["byName"]
    assert past[0]["at"] <= past[0]["endedAt"]

    # Moved away and back a second time: a second entry after the first.
    again = await move(client, manager, back, sibling)
    assert again["__typename"] == "Contact", again
    assert (await move(client, manager, again, first))["__typename"] == "Contact"
    history = await graphql(client, worker, MISFILED_BEFORE, {"id": first})
    [past] = [d["misfiledBefore"] for d in history["child"]["file"]["documents"] if d["id"] == form]
    assert [p["reason"] for p in past] == ["MOVED", "MOVED"]
    assert past[0]["endedAt"] <= past[1]["at"]
