"""A referral recorded in error (the wrong child, a duplicate, a test record) is withdrawn
by a team manager: it stays in the child's history as RECORDED_IN_ERROR with why, who
and when, the contacts that led to it are withdrawn with it, and it is no episode of need
any more (not open, not in the as-at view, in nobody's way). Its work is withdrawn first;
until then, and for anyone but a manager, it is refused and changes nothing."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.journey_helpers import (
    AS_AT,
    CONTACT_FIELDS,
    FILE_DOCUMENTS,
    act,
    case_now,
    decide,
    deliver_outbox,
    demo_child,
    demo_county,
    generated_form,
    held_as_misfiled,
    referral_for,
    withdraw_in_error,
)
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

REASON = "A test record typed on a real child's file."
WITHDRAWAL = "withdrawal { reason withdrawnOn withdrawnBy withdrawnAt }"
CHILD = f"""query ($id: ID!) {{ child(id: $id) {{ openEpisodes
  contacts {{ {CONTACT_FIELDS} withdrawal {{ reason withdrawnBy }} }}
  cases {{ id status {WITHDRAWAL} }} chronology {{ kind title recordId }} }} }}"""


async def test_a_referral_closed_with_no_further_action_is_withdrawn_as_recorded_in_error(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    analyst = bearer(settings, "analyst")
    child_id = demo_child(world)
    case = await referral_for(client, worker, child_id, date(2026, 10, 5))
    case = await act(client, worker, "closeWithNoFurtherAction", case, {"on": "2026-10-06"})
    case = await decide(client, manager, "authoriseCase", case, on="2026-10-06")
    assert (case["status"], case["noFurtherAction"]) == ("CLOSED", True), case

    withdrawn = await act(
        client, manager, "withdrawReferral", case, {"withdrawnOn": "2026-10-08", "reason": REASON}
    )
    assert withdrawn["__typename"] == "Case", withdrawn
    assert (withdrawn["status"], withdrawn["allowedActions"]) == ("RECORDED_IN_ERROR", [])
    # Kept as it was, with the withdrawal beside it.
    assert (withdrawn["referralDate"], withdrawn["closureDate"]) == ("2026-10-05", "2026-10-06")
    child = (await graphql(client, manager, CHILD, {"id": child_id}))["child"]
    [kept] = [c for c in child["cases"] if c["id"] == case["id"]]
    withdrawal = kept["withdrawal"]
    assert {k: v for k, v in withdrawal.items() if k != "withdrawnAt"} == {
        "reason": REASON,
        "withdrawnOn": "2026-10-08",
        "withdrawnBy": "worker-tm-demo",
    }
    assert withdrawal["withdrawnAt"] is not None
    # The contact that became the referral was recorded in error with it.
    [contact] = [k for k in child["contacts"] if k["referralId"] == case["id"]]
    assert (contact["status"], contact["withdrawal"]["reason"]) == ("WITHDRAWN", REASON)
    assert [e["title"] for e in child["chronology"] if e["recordId"] == contact["id"]] == [
        "CONTACT_WITHDRAWN"
    ]
    titles = [e["title"] for e in child["chronology"] if e["kind"] == "JOURNEY"]
    assert titles[-1] == "withdrawReferral"
    view = (await graphql(client, analyst, AS_AT, {"on": "2026-10-05"}))["asAt"]
    assert child_id not in [c["childId"] for c in view["openEpisodes"]["children"]]

    # It is in nobody's way: the concern about this child that came in before it is a
    # referral of its own (an episode of need would have overlapped it, CIN census 8820).
    earlier = await referral_for(client, worker, child_id, date(2026, 10, 1))
    assert (earlier["status"], earlier["referralDate"]) == ("OPEN", "2026-10-01"), earlier


async def test_an_open_referral_is_withdrawn_once_its_work_is(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    case = await referral_for(client, worker, child_id, date(2026, 10, 5))
    case = await act(client, worker, "startAssessment", case, {"startedOn": "2026-10-06"})
    assessment = case["assessments"][0]

    refusals = (
        (worker, {"reason": REASON}, "NotAuthorised", None),
        (manager, {"reason": ""}, "InvalidInput", "reason"),
        (manager, {"reason": REASON, "withdrawnOn": "2999-01-01"}, "InvalidInput", "withdrawnOn"),
        (manager, {"reason": REASON, "withdrawnOn": "2026-10-04"}, "InvalidInput", "withdrawnOn"),
        (manager, {"reason": REASON}, "TransitionRefused", None),
    )
    for headers, data, typename, field in refusals:
        refused = await act(client, headers, "withdrawReferral", case, data)
        assert refused["__typename"] == typename, refused
        if field is not None:
            assert [p["field"] for p in refused["problems"]] == [field], refused
    # The refusal names the work still recorded and how it is withdrawn.
    assert assessment["id"] in refused["reason"], refused
    assert "withdrawAssessment" in refused["reason"], refused
    assert await case_now(client, manager, case["id"]) == {"__typename": "Case", **case}

    case = await withdraw_in_error(client, worker, manager, case, "assessments", "2026-10-07")
    withdrawn = await act(client, manager, "withdrawReferral", case, {"reason": REASON})
    assert withdrawn["status"] == "RECORDED_IN_ERROR", withdrawn
    # Not open to anyone any more, partners included (they read the same open episodes).
    child = (await graphql(client, manager, CHILD, {"id": child_id}))["child"]
    assert child["openEpisodes"] == [], child
    # Nothing is due on it: its decision is off the work list.
    work = (await graphql(client, worker, "{ myWork { items { recordId } } }"))["myWork"]
    assert case["id"] not in [item["recordId"] for item in work["items"]]
    # A new referral about the child opens an episode of its own, not joining this one.
    again = await referral_for(client, worker, child_id, date(2026, 10, 9))
    assert (again["status"], again["id"] == case["id"]) == ("OPEN", False), again


async def test_the_forms_of_a_withdrawn_referral_are_taken_off_the_childs_file(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    officer = bearer(settings, "records-officer")
    child_id = demo_child(world)
    before = (await graphql(client, worker, FILE_DOCUMENTS, {"id": child_id}))["child"]["file"]
    kept = {d["id"] for d in before["documents"]} if before else set()
    case = await referral_for(client, worker, child_id, date(2026, 10, 5))
    case = await act(client, worker, "closeWithNoFurtherAction", case, {"on": "2026-10-06"})
    case = await decide(client, manager, "authoriseCase", case, on="2026-10-06")
    [contact] = [
        k
        for k in (await graphql(client, worker, CHILD, {"id": child_id}))["child"]["contacts"]
        if k["referralId"] == case["id"]
    ]
    made = {
        await generated_form(client, worker, child_id, "contact_record", contact["id"]),
        await generated_form(client, worker, child_id, "case_closure_summary", case["id"]),
    }
    assert (await deliver_outbox(store, settings)).failed == 0

    withdrawn = await act(
        client, manager, "withdrawReferral", case, {"withdrawnOn": "2026-10-08", "reason": REASON}
    )
    assert withdrawn["__typename"] == "Case", withdrawn
    report = await deliver_outbox(store, settings)
    assert (report.delivered, report.failed) == (2, 0)
    # Replayed, the withdrawal's marks are not made twice.
    assert (await deliver_outbox(store, settings)).delivered == 0

    # In Livelink (the embedded store here) each form is under the misfiled hold.
    assert await held_as_misfiled(settings) == made
    # The child's file lists them for records staff alone, with who marked them.
    seen = (await graphql(client, worker, FILE_DOCUMENTS, {"id": child_id}))["child"]["file"]
    assert {d["id"] for d in seen["documents"]} == kept
    assert {d["id"] for f in seen["folders"] for d in f["documents"]} == kept
    audited = (await graphql(client, officer, FILE_DOCUMENTS, {"id": child_id}))["child"]["file"]
    misfiled = {d["id"]: d["misfiled"] for d in audited["documents"] if d["misfiled"]}
    assert set(misfiled) == made
    assert {m["reason"] for m in misfiled.values()} == {"RECORDED_IN_ERROR"}
