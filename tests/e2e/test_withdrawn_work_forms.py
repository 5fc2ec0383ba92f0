"""The forms of an episode's work withdrawn on its own as recorded in error (an
assessment, a section 47 enquiry, a child in need plan, an initial conference and the
plan it made), the referral standing, are misfiled on the child's file as a withdrawn
referral's are: marked once the manager authorises the withdrawal, held in Livelink
(filed already, or filed later), listed for records staff alone, and made no more."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.journey_helpers import (
    FILE_DOCUMENTS,
    GENERATE_FORM,
    WITHDRAWALS,
    act,
    decide,
    deliver_outbox,
    demo_child,
    demo_county,
    generated_form,
    held_as_misfiled,
    latest,
    referral_for,
    step,
)
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

CONTACTS = "query ($id: ID!) { child(id: $id) { contacts { id referralId } } }"
WITHDRAWN = {"withdrawnOn": "2026-10-14", "reason": "Recorded on the wrong child"}


async def _with_work(
    client: httpx.AsyncClient, worker: dict[str, str], child_id: str, kind: str
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A referral of 5 October 2026 with its work of `kind`; returns the case and the
    forms to make of that work (template, source step)."""
    case = await referral_for(client, worker, child_id, date(2026, 10, 5))
    if kind == "assessments":
        case = await act(client, worker, "startAssessment", case, {"startedOn": "2026-10-06"})
        return case, [("child_and_family_assessment", step(latest(case, kind), "ASSESSMENT")["id"])]
    if kind == "childInNeedPlans":
        case = await act(client, worker, "startChildInNeedPlan", case, {"startDate": "2026-10-06"})
        return case, [("child_in_need_plan", latest(case, kind)["id"])]
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-10-06"})
    enquiry = latest(case, "section47Enquiries")
    forms = [
        ("strategy_discussion_record", step(enquiry, "STRATEGY_DISCUSSION")["id"]),
        ("section_47_enquiry_outcome", step(enquiry, "SECTION_47_ENQUIRY")["id"]),
    ]
    concluded = {"concludedOn": "2026-10-08"}
    case = await act(client, worker, "requestInitialConference", enquiry, concluded)
    conference = step(latest(case, "initialConferences"), "INITIAL_CHILD_PROTECTION_CONFERENCE")
    if kind == "section47Enquiries":
        # The conference it asked for, still due, goes with it.
        return case, [*forms, ("icpc_minutes", conference["id"])]
    held = {"heldOn": "2026-10-12", "planRequired": True, "categoriesOfAbuse": ["NEG_NEGLECT"]}
    case = await act(client, worker, "holdInitialConference", latest(case, kind), held)
    # The plan the conference made goes with it.
    plan = latest(case, "childProtectionPlans")
    return case, [("icpc_minutes", conference["id"]), ("child_protection_plan", plan["id"])]


async def _listed(client: httpx.AsyncClient, headers: dict[str, str], child_id: str) -> set[str]:
    file = (await graphql(client, headers, FILE_DOCUMENTS, {"id": child_id}))["child"]["file"]
    return {d["id"] for d in file["documents"]} if file else set()


@pytest.mark.parametrize("kind", list(WITHDRAWALS))
async def test_the_forms_of_work_withdrawn_in_error_are_taken_off_the_childs_file(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, kind: str
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    officer = bearer(settings, "records-officer")
    child_id = demo_child(world)
    case, forms = await _with_work(client, worker, child_id, kind)
    [contact] = [
        k
        for k in (await graphql(client, worker, CONTACTS, {"id": child_id}))["child"]["contacts"]
        if k["referralId"] == case["id"]
    ]
    # The referral stands: the form of the contact that made it stays the child's.
    await generated_form(client, worker, child_id, "contact_record", contact["id"])
    made = [await generated_form(client, worker, child_id, *forms[0])]
    # Filed before the withdrawal; a second form is still waiting to be filed after it.
    assert (await deliver_outbox(store, settings)).failed == 0
    made += [await generated_form(client, worker, child_id, *form) for form in forms[1:]]
    kept = await _listed(client, worker, child_id) - set(made)

    withdraw, authorise = WITHDRAWALS[kind]
    record_id = latest(case, kind)["id"]
    case = await act(client, worker, withdraw, latest(case, kind), WITHDRAWN)
    # Proposed, not done: still this child's record until a manager authorises it.
    assert await _listed(client, worker, child_id) == kept | set(made)
    proposed = next(record for record in case[kind] if record["id"] == record_id)
    case = await decide(client, manager, authorise, proposed, on="2026-10-14")
    assert next(r for r in case[kind] if r["id"] == record_id)["status"] == "RECORDED_IN_ERROR"

    report = await deliver_outbox(store, settings)
    assert report.failed == 0, report
    # In Livelink (the embedded store here) each form is under the misfiled hold.
    assert await held_as_misfiled(settings) == set(made)
    # The child's file lists them for records staff alone, with why.
    assert await _listed(client, worker, child_id) == kept
    audited = (await graphql(client, officer, FILE_DOCUMENTS, {"id": child_id}))["child"]["file"]
    misfiled = {d["id"]: d["misfiled"] for d in audited["documents"] if d["misfiled"]}
    assert set(misfiled) == set(made)
    assert {m["reason"] for m in misfiled.values()} == {"RECORDED_IN_ERROR"}
    # And no form is made of the withdrawn work any more.
    for template, source in forms:
        variables = {"child": child_id, "template": template, "source": source}
        refused = (await graphql(client, worker, GENERATE_FORM, variables))["generateForm"]
        assert refused["__typename"] == "InvalidInput", refused
        assert [p["field"] for p in refused["problems"]] == ["sourceId"], refused


RECOMPUTE = """mutation ($child: ID!) { recomputeRetention(childId: $child) { __typename
    ... on RetentionRecomputed { rule recordClasses } } }"""


async def test_work_withdrawn_in_error_and_its_forms_set_no_retention_of_the_childs_file(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # An enquiry and the conference it asked for, recorded on the wrong child: what never
    # happened to this child keeps their file no longer (child protection records are
    # kept 35 years after the last contact, others to the 25th birthday).
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    case, forms = await _with_work(client, worker, child_id, "section47Enquiries")
    for form in forms:
        await generated_form(client, worker, child_id, *form)
    withdraw, authorise = WITHDRAWALS["section47Enquiries"]
    case = await act(client, worker, withdraw, latest(case, "section47Enquiries"), WITHDRAWN)
    await decide(client, manager, authorise, latest(case, "section47Enquiries"), on="2026-10-14")

    after = (await graphql(client, worker, RECOMPUTE, {"child": child_id}))["recomputeRetention"]
    # The referral stands: a child in need record, to the 25th birthday.
    assert after == {
        "__typename": "RetentionRecomputed",
        "rule": "child_in_need",
        "recordClasses": ["child_in_need", "general"],
    }
