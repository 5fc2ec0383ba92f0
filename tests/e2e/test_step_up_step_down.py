"""Step up and step down, round trip: EHM escalates a child, the front door decides,
and EHM is sent one request for early help for that child, however often anything is
replayed.

EHM pushes its records (`POST /ingest/ehm`) with a STEP_UP among them: the front door
has a contact carrying the early help history, linked to the child the records are
about. The worker finalises it as a step down (or a referral goes on to an episode that
closes RC9): the outbox's EHM port delivers the request to a conformant fake EHM.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.ehm.client import EhmClient, EhmSettings
from connectors.ehm.delivery import EarlyHelpRequests
from connectors.livelink.content_store import DocumentPlace, LegalHold
from connectors.livelink.embedded_store import EmbeddedContentStore
from connectors.livelink.outbox import OutboxPolicy, OutboxWorker
from graph import FalkorDBStore
from graph.migrations import backfill_access_holders
from hub.settings import Settings
from tests.connectors.ehm.fake_ehm import FakeEhm
from tests.connectors.intake.world import (
    add_child,
    link,
    relink,
    role_headers,
    system_client_headers,
    unlink,
)
from tests.e2e.journey_helpers import (
    FILE_DOCUMENTS,
    MISFILED_BEFORE,
    act,
    case_now,
    decide,
    deliver_outbox,
    finalised_contact,
    generated_form,
    held_as_misfiled,
)
from tests.helpers import add_worker, graphql
from workflow.ids import now_ms

pytestmark = pytest.mark.anyio

HOUR = 3_600_000
NHS = "9434765919"
TEAM = "T-MASH"
WHO = {"nhsNumber": NHS, "givenName": "Kai", "familyName": "Brennan", "dateOfBirth": "2015-06-01"}
EPISODE = {
    "recordType": "EARLY_HELP_EPISODE",
    "recordId": "EH-EP-7",
    "version": 1,
    **WHO,
    "startDate": "2025-09-01",
    "reason": "Parenting support after a bereavement",
    "leadProfessional": "Priya Shah",
}
TEAM_AROUND = {
    "recordType": "TEAM_AROUND_THE_FAMILY",
    "recordId": "EH-TAF-7",
    "version": 1,
    **WHO,
    "startDate": "2025-09-15",
    "episodeId": "EH-EP-7",
    "leadProfessional": "Priya Shah",
    "members": ["School nurse", "Family support worker"],
}
ASSESSMENT = {
    "recordType": "EARLY_HELP_ASSESSMENT",
    "recordId": "EH-AS-7",
    "version": 1,
    **WHO,
    "startDate": "2025-09-20",
    "episodeId": "EH-EP-7",
    "completedDate": "2025-10-10",
    "outcome": "REFER_TO_SOCIAL_CARE",
    "needs": ["Emotional health", "Home conditions"],
}
STEP_UP = {
    "recordType": "STEP_UP",
    "recordId": "EH-SU-7",
    "version": 1,
    **WHO,
    "startDate": "2026-11-02",
    "episodeId": "EH-EP-7",
    "reason": "Neglect concerns growing despite the early help plan",
}
CONTACTS = """
query ($id: ID!) { child(id: $id) { contacts { id status outcome source receivedDate
    decisionDue summary recordedBy steppedUpFrom
    earlyHelpHistory { kind recordId startDate details { name value } } } } }
"""
FINALISE = """
mutation ($id: ID!, $outcome: ContactOutcome!, $on: Date) {
  finaliseContact(contactId: $id, outcome: $outcome, on: $on) {
    __typename ... on FinalisedContact { fileOpened contact { status outcome referralId } } } }
"""
JSON_LINES = {"Content-Type": "application/x-ndjson"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        var_dir=tmp_path / "var", rate_limit="1000000/second", step_up_team=TEAM, _env_file=None
    )


async def push(client: httpx.AsyncClient, headers: dict[str, str], *rows: dict[str, Any]) -> Any:
    body = "\n".join(json.dumps(row) for row in rows)
    response = await client.post("/ingest/ehm", content=body, headers={**headers, **JSON_LINES})
    assert response.status_code == 200, response.text
    return response.json()


async def front_door(store: FalkorDBStore, settings: Settings) -> tuple[dict[str, str], ...]:
    """A front door team (MASH) with a social worker and a manager; EHM's system client."""
    worker = await role_headers(store, settings, "social_worker", "sw-mash")
    manager = await role_headers(store, settings, "team_manager", "tm-mash")
    await add_worker(store, "sw-mash", "social_worker", team=TEAM, name="Ola Worker")
    await add_worker(store, "tm-mash", "team_manager", team=TEAM, name="Tam Manager")
    await store.write("MATCH (t:Team {id: $team}) SET t.name = 'MASH'", {"team": TEAM})
    return worker, manager, await system_client_headers(store, settings)


async def sees(client: httpx.AsyncClient, headers: dict[str, str], child_id: str) -> bool:
    """Whether the caller may see the child (a step up withdrawn, moved or taken off in
    error leaves its front door team no relationship with the child)."""
    found = await graphql(
        client, headers, "query ($id: ID!) { child(id: $id) { id } }", {"id": child_id}
    )
    return found["child"] is not None


def ehm_worker(store: FalkorDBStore, fake: FakeEhm) -> tuple[OutboxWorker, EhmClient]:
    ehm = EhmClient(
        EhmSettings(base_url="http://ehm.test", timeout_seconds=0.5),
        transport=httpx.ASGITransport(app=fake.app),
    )
    return OutboxWorker(store, ports=[EarlyHelpRequests(store, ehm)], monotonic=lambda: 0.0), ehm


async def stepped_up_contact(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> tuple[dict[str, Any], dict[str, str], dict[str, str], dict[str, str]]:
    """Kai is known; EHM pushes his early help and steps him up; the MASH sees the contact."""
    await add_child(store, "C-KAI", "Kai", "Brennan", date(2015, 6, 1), sex="M", nhs=NHS)
    worker, manager, system = await front_door(store, settings)
    report = await push(client, system, EPISODE, TEAM_AROUND, ASSESSMENT, STEP_UP)
    assert report["created"] == 4
    assert {r["childId"] for r in report["records"]} == {"C-KAI"}
    contacts = (await graphql(client, worker, CONTACTS, {"id": "C-KAI"}))["child"]["contacts"]
    assert len(contacts) == 1
    return contacts[0], worker, manager, system


async def test_a_step_up_becomes_one_contact_with_the_early_help_history_and_steps_down_once(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    contact, worker, _, system = await stepped_up_contact(client, store, settings)

    assert {k: contact[k] for k in ("status", "source", "receivedDate", "decisionDue")} == {
        "status": "OPEN",
        "source": "LOCAL_AUTHORITY_EARLY_HELP",
        "receivedDate": "2026-11-02",
        "decisionDue": "2026-11-03",
    }
    assert contact["steppedUpFrom"] == "EH-SU-7"
    assert contact["recordedBy"] == "system:ehm-system"
    assert contact["summary"] == (
        "Stepped up from early help: Neglect concerns growing despite the early help plan"
    )
    history = [(r["kind"], r["recordId"]) for r in contact["earlyHelpHistory"]]
    assert history == [
        ("EARLY_HELP_EPISODE", "EH-EP-7"),
        ("TEAM_AROUND_THE_FAMILY", "EH-TAF-7"),
        ("EARLY_HELP_ASSESSMENT", "EH-AS-7"),
        ("STEP_UP", "EH-SU-7"),
    ]
    assessment = contact["earlyHelpHistory"][2]["details"]
    assert {"name": "outcome", "value": "REFER_TO_SOCIAL_CARE"} in assessment

    # Replays (the same batch; a corrected version of the step up) make no second contact.
    again = await push(client, system, EPISODE, TEAM_AROUND, ASSESSMENT, STEP_UP)
    assert again["unchanged"] == 4
    await push(client, system, {**STEP_UP, "version": 2, "reason": "Corrected wording"})
    contacts = (await graphql(client, worker, CONTACTS, {"id": "C-KAI"}))["child"]["contacts"]
    assert [c["id"] for c in contacts] == [contact["id"]]

    finalised = await graphql(
        client,
        worker,
        FINALISE,
        {"id": contact["id"], "outcome": "STEP_DOWN_TO_EARLY_HELP", "on": "2026-11-03"},
    )
    assert finalised["finaliseContact"]["contact"] == {
        "status": "FINALISED",
        "outcome": "STEP_DOWN_TO_EARLY_HELP",
        "referralId": None,
    }
    refused = await graphql(
        client, worker, FINALISE, {"id": contact["id"], "outcome": "STEP_DOWN_TO_EARLY_HELP"}
    )
    assert refused["finaliseContact"]["__typename"] == "TransitionRefused"

    fake = FakeEhm()
    fake.fail_next(1, 503)
    outbox, ehm = ehm_worker(store, fake)
    async with ehm:
        delivered = [(await outbox.deliver_due(now_ms() + n * HOUR)).delivered for n in range(4)]
    assert delivered == [0, 1, 0, 0]
    [request] = fake.requests.values()
    assert request["origin"] == "CONTACT"
    assert request["originId"] == contact["id"]
    assert request["happenedOn"] == "2026-11-03"
    assert request["child"]["lcsChildId"] == "C-KAI"
    assert request["child"]["nhsNumber"] == NHS
    assert request["worker"]["id"] == "sw-mash"
    assert request["worker"]["team"] == "MASH"
    assert request["earlyHelpRecordIds"] == ["EH-AS-7", "EH-EP-7", "EH-SU-7", "EH-TAF-7"]
    on_record = await graphql(
        client,
        worker,
        """query ($id: ID!) { child(id: $id) { earlyHelpRequests { id origin originId
             reasonCode happenedOn requestedBy deliveryState ehmReference } } }""",
        {"id": "C-KAI"},
    )
    assert on_record["child"]["earlyHelpRequests"] == [
        {
            "id": request["requestId"],
            "origin": "CONTACT",
            "originId": contact["id"],
            "reasonCode": "CONTACT_STEP_DOWN",
            "happenedOn": "2026-11-03",
            "requestedBy": "sw-mash",
            "deliveryState": "DELIVERED",
            "ehmReference": "EH-00001",
        }
    ]

    # Replaying EHM's batch after the round trip changes nothing on either side.
    await push(client, system, EPISODE, TEAM_AROUND, ASSESSMENT, STEP_UP)
    contacts = (await graphql(client, worker, CONTACTS, {"id": "C-KAI"}))["child"]["contacts"]
    assert [(c["id"], c["status"]) for c in contacts] == [(contact["id"], "FINALISED")]
    outbox, ehm = ehm_worker(store, fake)
    async with ehm:
        assert (await outbox.deliver_due(now_ms() + 10 * HOUR)).delivered == 0
    assert (len(fake.requests), fake.calls) == (1, 2)


async def rc9_closure_proposed(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """Kai's stepped-up contact referred on 3 November, the episode's closure RC9 on the
    4th proposed for the manager: the case, the worker and the manager."""
    contact, worker, manager, _ = await stepped_up_contact(client, store, settings)
    finalised = await graphql(
        client,
        worker,
        FINALISE,
        {"id": contact["id"], "outcome": "REFERRAL_TO_SOCIAL_CARE", "on": "2026-11-03"},
    )
    referral_id = finalised["finaliseContact"]["contact"]["referralId"]
    case = await case_now(client, worker, referral_id)
    case = await act(
        client,
        worker,
        "closeCase",
        case,
        {"closedOn": "2026-11-04", "reason": "RC9_CLOSED_AFTER_ASSESSMENT_REFERRED_TO_EARLY_HELP"},
    )
    assert case["status"] == "CLOSURE_AWAITING_AUTHORISATION", case
    return case, worker, manager


async def test_a_referral_closed_rc9_after_assessment_steps_down_once(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    case, _, manager = await rc9_closure_proposed(client, store, settings)
    referral_id = case["id"]
    fake = FakeEhm()
    outbox, ehm = ehm_worker(store, fake)
    async with ehm:
        # Proposed is not decided: nothing goes to EHM until a manager authorises.
        assert (await outbox.deliver_due(now_ms())).delivered == 0
        case = await decide(client, manager, "authoriseCase", case, on="2026-11-05")
        assert case["status"] == "CLOSED", case
        assert (await outbox.deliver_due(now_ms() + HOUR)).delivered == 1
        assert (await outbox.deliver_due(now_ms() + 2 * HOUR)).delivered == 0
    [request] = fake.requests.values()
    assert (request["origin"], request["originId"]) == ("CASE_CLOSURE", referral_id)
    assert request["reason"]["code"] == "RC9"
    assert request["happenedOn"] == "2026-11-04"
    assert request["worker"]["id"] == "tm-mash"


WITHDRAW = """mutation ($id: ID!, $version: Int!, $reason: String!) {
  withdrawContact(contactId: $id, version: $version, reason: $reason) {
    __typename ... on Contact { status outcome } ... on TransitionRefused { reason } } }"""
REQUESTS = """query ($id: ID!) { child(id: $id) { earlyHelpRequests { id deliveryState
    recall { recalledOn reason recalledBy deliveryState ehmReference } } } }"""
REOPENED = "Closed RC9 in error: the family declined early help and the assessment goes on."


# The two corrections after which an RC9 closure's step down no longer stands, each with
# the state it leaves the episode in.
CORRECTIONS = [
    ("reopenCase", {"reopenedOn": "2026-11-06", "reason": REOPENED}, "OPEN"),
    ("withdrawReferral", {"withdrawnOn": "2026-11-06", "reason": REOPENED}, "RECORDED_IN_ERROR"),
]


@pytest.mark.parametrize(("correction", "data", "status"), CORRECTIONS)
async def test_an_rc9_closure_corrected_recalls_the_step_down_ehm_has(
    client: httpx.AsyncClient,
    store: FalkorDBStore,
    settings: Settings,
    correction: str,
    data: dict[str, str],
    status: str,
) -> None:
    case, worker, manager = await rc9_closure_proposed(client, store, settings)
    fake = FakeEhm()
    outbox, ehm = ehm_worker(store, fake)
    async with ehm:
        case = await decide(client, manager, "authoriseCase", case, on="2026-11-05")
        assert (await outbox.deliver_due(now_ms() + HOUR)).delivered == 1
        [request_id] = fake.requests
        case = await act(client, manager, correction, case, data)
        assert case["status"] == status, case
        # The recall goes through the same port, once; replays send nothing more.
        assert (await outbox.deliver_due(now_ms() + 2 * HOUR)).delivered == 1
        assert (await outbox.deliver_due(now_ms() + 3 * HOUR)).delivered == 0
    recall = fake.recalls[request_id]
    assert (recall["kind"], recall["recalledOn"], recall["reason"]) == (
        "STEP_DOWN_RECALLED",
        "2026-11-06",
        REOPENED,
    )
    assert recall["worker"]["id"] == "tm-mash"
    requests = (await graphql(client, worker, REQUESTS, {"id": "C-KAI"}))["child"]
    assert requests["earlyHelpRequests"] == [
        {
            "id": request_id,
            "deliveryState": "DELIVERED",
            "recall": {
                "recalledOn": "2026-11-06",
                "reason": REOPENED,
                "recalledBy": "tm-mash",
                "deliveryState": "DELIVERED",
                "ehmReference": "EH-R-00001",
            },
        }
    ]


async def test_a_step_down_reopened_before_it_went_out_is_never_sent(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    case, worker, manager = await rc9_closure_proposed(client, store, settings)
    case = await decide(client, manager, "authoriseCase", case, on="2026-11-05")
    case = await act(client, manager, "reopenCase", case, {"reason": REOPENED})
    assert case["status"] == "OPEN", case
    fake = FakeEhm()
    outbox, ehm = ehm_worker(store, fake)
    async with ehm:
        # The request and its recall settle without a call: EHM never had the step down.
        assert (await outbox.deliver_due(now_ms() + HOUR)).delivered == 2
    assert (fake.calls, fake.requests) == (0, {})
    [request] = (await graphql(client, worker, REQUESTS, {"id": "C-KAI"}))["child"][
        "earlyHelpRequests"
    ]
    assert request["recall"]["deliveryState"] == "DELIVERED", request
    assert request["recall"]["ehmReference"] is None, request


async def test_a_step_down_on_the_wrong_child_withdrawn_is_recalled_from_ehm(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # A contact about Kai's cousin typed on Kai's record and stepped down to early help:
    # withdrawn as recorded in error, EHM is told the step down no longer stands.
    await add_child(store, "C-KAI", "Kai", "Brennan", date(2015, 6, 1), sex="M", nhs=NHS)
    worker, manager, _ = await front_door(store, settings)
    await store.write(
        "MATCH (c:Child {id: 'C-KAI'}), (t:Team {id: $team}) CREATE (c)-[:RESPONSIBLE_TEAM]->(t)",
        {"team": TEAM},
    )
    await backfill_access_holders(store)
    contact = await finalised_contact(
        client, worker, "C-KAI", date(2026, 11, 2), "STEP_DOWN_TO_EARLY_HELP"
    )
    fake = FakeEhm()
    outbox, ehm = ehm_worker(store, fake)
    async with ehm:
        assert (await outbox.deliver_due(now_ms() + HOUR)).delivered == 1
        [request_id] = fake.requests
        withdrawn = await graphql(
            client,
            manager,
            WITHDRAW,
            {"id": contact["id"], "version": contact["version"], "reason": REOPENED},
        )
        assert withdrawn["withdrawContact"] == {
            "__typename": "Contact",
            "status": "WITHDRAWN",
            "outcome": "STEP_DOWN_TO_EARLY_HELP",
        }
        assert (await outbox.deliver_due(now_ms() + 2 * HOUR)).delivered == 1
    assert fake.recalls[request_id]["reason"] == REOPENED
    [request] = (await graphql(client, worker, REQUESTS, {"id": "C-KAI"}))["child"][
        "earlyHelpRequests"
    ]
    assert (request["recall"]["recalledBy"], request["recall"]["deliveryState"]) == (
        "tm-mash",
        "DELIVERED",
    )


async def test_a_decided_step_up_withdrawn_in_error_stays_withdrawn_when_ehm_sends_it_again(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # Decided "no further action" and then found to be about another child: a manager
    # withdraws it, and EHM replaying its batch does not open it again.
    contact, worker, manager, system = await stepped_up_contact(client, store, settings)
    finalised = await graphql(
        client,
        worker,
        FINALISE,
        {"id": contact["id"], "outcome": "NO_FURTHER_ACTION", "on": "2026-11-02"},
    )
    assert finalised["finaliseContact"]["contact"]["status"] == "FINALISED", finalised
    versions = "query ($id: ID!) { child(id: $id) { contacts { version } } }"
    [decided] = (await graphql(client, manager, versions, {"id": "C-KAI"}))["child"]["contacts"]
    withdrawn = await graphql(
        client,
        manager,
        WITHDRAW,
        {"id": contact["id"], "version": decided["version"], "reason": REOPENED},
    )
    assert withdrawn["withdrawContact"]["status"] == "WITHDRAWN", withdrawn
    await push(client, system, EPISODE, TEAM_AROUND, ASSESSMENT, STEP_UP)
    await push(client, system, {**STEP_UP, "version": 2, "reason": "Sent again"})
    # The MASH held Kai through the step up alone: withdrawn in error, it holds him no more.
    assert not await sees(client, worker, "C-KAI")
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    contacts = (await graphql(client, officer, CONTACTS, {"id": "C-KAI"}))["child"]["contacts"]
    assert [(c["id"], c["status"], c["outcome"]) for c in contacts] == [
        (contact["id"], "WITHDRAWN", "NO_FURTHER_ACTION")
    ]


async def test_a_step_up_ehm_withdraws_takes_its_contacts_form_off_the_childs_file(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # EHM stepped up the wrong child: the form made of the contact it made is another
    # child's record on this child's file, as a contact a manager withdraws is.
    contact, worker, _, system = await stepped_up_contact(client, store, settings)
    form = await generated_form(client, worker, "C-KAI", "contact_record", contact["id"])
    assert (await deliver_outbox(store, settings)).failed == 0
    wrong = {**STEP_UP, "version": 2, "withdrawn": "true", "withdrawnReason": "Wrong child"}
    await push(client, system, wrong)
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    [withdrawn] = (await graphql(client, officer, CONTACTS, {"id": "C-KAI"}))["child"]["contacts"]
    assert withdrawn["status"] == "WITHDRAWN", withdrawn

    assert (await deliver_outbox(store, settings)).failed == 0
    assert await held_as_misfiled(settings) == {form}
    # The MASH held Kai through the step up alone: neither he nor the form is theirs now.
    assert not await sees(client, worker, "C-KAI")
    audited = (await graphql(client, officer, FILE_DOCUMENTS, {"id": "C-KAI"}))["child"]["file"]
    assert [(d["id"], d["misfiled"]["reason"]) for d in audited["documents"]] == [
        (form, "RECORDED_IN_ERROR")
    ]

    # EHM sends it again: the contact is Kai's after all, open again, and so is its form,
    # on his file for the worker and off the misfiled hold in Livelink.
    await push(client, system, {**STEP_UP, "version": 3})
    [again] = (await graphql(client, worker, CONTACTS, {"id": "C-KAI"}))["child"]["contacts"]
    assert again["status"] == "OPEN", again
    assert (await deliver_outbox(store, settings)).failed == 0
    assert await held_as_misfiled(settings) == set()
    seen = (await graphql(client, worker, FILE_DOCUMENTS, {"id": "C-KAI"}))["child"]["file"]
    assert [(d["id"], d["misfiled"]) for d in seen["documents"]] == [(form, None)]
    # Its time off the file stays on it: misfiled and found Kai's again, both by EHM's
    # client (no person's name).
    history = await graphql(client, worker, MISFILED_BEFORE, {"id": "C-KAI"})
    [past] = [d["misfiledBefore"] for d in history["child"]["file"]["documents"]]
    assert [(p["reason"], p["byName"], p["endedByName"]) for p in past] == [
        ("RECORDED_IN_ERROR", None, None)
    ]
    assert past[0]["at"] <= past[0]["endedAt"]
    # Withdrawn by EHM once more, it is misfiled and held once more.
    await push(client, system, {**wrong, "version": 4})
    assert (await deliver_outbox(store, settings)).failed == 0
    assert await held_as_misfiled(settings) == {form}
    assert not await sees(client, worker, "C-KAI")


async def test_a_step_up_relinked_to_the_right_child_leaves_its_form_misfiled_on_the_wrong_one(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # EHM's step up was linked to Kai, but it is about his sister: a records officer
    # moves the link and the undecided contact moves with it, as moveContact would move
    # it. The form made of it on Kai's file shows the contact as his: misfiled there.
    contact, worker, _, _ = await stepped_up_contact(client, store, settings)
    await add_child(store, "C-KIA", "Kia", "Brennan", date(2017, 2, 3))
    form = await generated_form(client, worker, "C-KAI", "contact_record", contact["id"])
    assert (await deliver_outbox(store, settings)).failed == 0
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    [record] = await store.read("MATCH (r:SourceRecord {recordId: 'EH-SU-7'}) RETURN r.id AS id")
    await relink(client, officer, record["id"], "C-KIA")
    moved = (await graphql(client, officer, CONTACTS, {"id": "C-KIA"}))["child"]["contacts"]
    assert [c["id"] for c in moved] == [contact["id"]], moved

    assert (await deliver_outbox(store, settings)).failed == 0
    assert await held_as_misfiled(settings) == {form}
    assert not await sees(client, worker, "C-KAI")
    audited = (await graphql(client, officer, FILE_DOCUMENTS, {"id": "C-KAI"}))["child"]["file"]
    assert [(d["id"], d["misfiled"]["reason"]) for d in audited["documents"]] == [(form, "MOVED")]

    # It was Kai after all: linked back, the contact and its form are his again.
    await relink(client, officer, record["id"], "C-KAI")
    assert (await deliver_outbox(store, settings)).failed == 0
    assert await held_as_misfiled(settings) == set()
    seen = (await graphql(client, worker, FILE_DOCUMENTS, {"id": "C-KAI"}))["child"]["file"]
    assert [(d["id"], d["misfiled"]) for d in seen["documents"]] == [(form, None)]


@pytest.mark.parametrize(("about", "kai_after"), [("C-KIA", []), ("C-KAI", ["OPEN"])])
async def test_a_step_up_unlinked_takes_its_undecided_contact_off_the_childs_case(
    client: httpx.AsyncClient,
    store: FalkorDBStore,
    settings: Settings,
    about: str,
    kai_after: list[str],
) -> None:
    # A records officer takes EHM's step up off Kai, not yet knowing whom it is about: its
    # undecided contact is not about Kai, so it leaves his front door work (withdrawn, its
    # form misfiled on his file). Linked to the child it is about, it is theirs and open.
    contact, worker, _, _ = await stepped_up_contact(client, store, settings)
    await add_child(store, "C-KIA", "Kia", "Brennan", date(2017, 2, 3))
    form = await generated_form(client, worker, "C-KAI", "contact_record", contact["id"])
    assert (await deliver_outbox(store, settings)).failed == 0
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    [record] = await store.read("MATCH (r:SourceRecord {recordId: 'EH-SU-7'}) RETURN r.id AS id")
    await unlink(client, officer, record["id"])
    withdrawn = CONTACTS.replace("steppedUpFrom", "steppedUpFrom withdrawal { reason withdrawnBy }")
    left = (await graphql(client, officer, withdrawn, {"id": "C-KAI"}))["child"]["contacts"]
    assert [(c["id"], c["status"], c["withdrawal"]) for c in left] == [
        (
            contact["id"],
            "WITHDRAWN",
            {"reason": "Not this child", "withdrawnBy": "records-officer-1"},
        )
    ], left
    assert (await deliver_outbox(store, settings)).failed == 0
    assert await held_as_misfiled(settings) == {form}
    assert not await sees(client, worker, "C-KAI")

    await link(client, officer, record["id"], about)
    found = (await graphql(client, worker, CONTACTS, {"id": about}))["child"]["contacts"]
    assert [(c["id"], c["status"]) for c in found] == [(contact["id"], "OPEN")], found
    kai = (await graphql(client, officer, CONTACTS, {"id": "C-KAI"}))["child"]["contacts"]
    assert [c["status"] for c in kai] == kai_after, kai
    # The MASH holds Kai again only if the step up is about him.
    assert await sees(client, worker, "C-KAI") == bool(kai_after)
    assert (await deliver_outbox(store, settings)).failed == 0
    assert await held_as_misfiled(settings) == ({form} if kai_after == [] else set())


async def test_a_hold_overtaken_by_ehm_sending_the_step_up_again_is_released_after_all(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    contact, worker, _, system = await stepped_up_contact(client, store, settings)
    form = await generated_form(client, worker, "C-KAI", "contact_record", contact["id"])
    assert (await deliver_outbox(store, settings)).failed == 0
    wrong = {**STEP_UP, "version": 2, "withdrawn": "true", "withdrawnReason": "Wrong child"}
    await push(client, system, wrong)

    class SentAgainMeanwhile(EmbeddedContentStore):
        """Livelink putting the form on hold while EHM sends the step up again."""

        async def hold_document(self, place: DocumentPlace, hold: LegalHold) -> bool:
            held = await super().hold_document(place, hold)
            await push(client, system, {**STEP_UP, "version": 3})
            return held

    await deliver_outbox(store, settings, content_store=SentAgainMeanwhile)
    assert await held_as_misfiled(settings) == {form}
    # Not taken as delivered: once its lease runs out, it is delivered as it is now.
    later = int(OutboxPolicy().lease_seconds * 1000) + 1
    assert (await deliver_outbox(store, settings, later_ms=later)).failed == 0
    assert await held_as_misfiled(settings) == set()


CONTACT_HISTORY = CONTACTS.replace(
    "steppedUpFrom",
    "steppedUpFrom version withdrawal { reason withdrawnBy withdrawnAt }"
    " reopened { withdrawnReason withdrawnBy withdrawnAt reopenedBy reopenedAt }",
)
STORED_WITHDRAWAL = """MATCH (k:Contact {id: $id})
RETURN k.withdrawnReason AS reason, k.withdrawnBy AS by, k.withdrawnAt AS at"""


async def test_a_step_up_contact_reopened_keeps_its_withdrawal_as_history_not_as_current(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # EHM withdraws its step up and sends it again; then a records officer takes it off
    # Kai and links it back: each time the contact is open again, its withdrawal is what
    # happened before (who, when, why), not the contact's withdrawal now.
    contact, worker, _, system = await stepped_up_contact(client, store, settings)
    wrong = {**STEP_UP, "version": 2, "withdrawn": "true", "withdrawnReason": "Wrong child"}
    await push(client, system, wrong)
    await push(client, system, {**STEP_UP, "version": 3})
    [again] = (await graphql(client, worker, CONTACT_HISTORY, {"id": "C-KAI"}))["child"]["contacts"]
    assert (again["status"], again["withdrawal"]) == ("OPEN", None), again
    reopened = again["reopened"]
    assert (reopened["withdrawnReason"], reopened["withdrawnBy"], reopened["reopenedBy"]) == (
        "Wrong child",
        "system:ehm-system",
        "system:ehm-system",
    )
    assert reopened["withdrawnAt"] <= reopened["reopenedAt"], reopened
    assert await store.read(STORED_WITHDRAWAL, {"id": contact["id"]}) == [
        {"reason": None, "by": None, "at": None}
    ]

    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    [record] = await store.read("MATCH (r:SourceRecord {recordId: 'EH-SU-7'}) RETURN r.id AS id")
    await relink(client, officer, record["id"], "C-KAI")
    [back] = (await graphql(client, worker, CONTACT_HISTORY, {"id": "C-KAI"}))["child"]["contacts"]
    assert (back["status"], back["withdrawal"]) == ("OPEN", None), back
    assert (
        back["reopened"]["withdrawnReason"],
        back["reopened"]["withdrawnBy"],
        back["reopened"]["reopenedBy"],
    ) == ("Not this child", "records-officer-1", "records-officer-1")

    # Withdrawn by EHM once more, the withdrawal is this one, the last reopening history.
    await push(client, system, {**wrong, "version": 4, "withdrawnReason": "Sent twice"})
    assert not await sees(client, worker, "C-KAI")
    [gone] = (await graphql(client, officer, CONTACT_HISTORY, {"id": "C-KAI"}))["child"]["contacts"]
    assert (gone["status"], gone["withdrawal"]["reason"]) == ("WITHDRAWN", "Sent twice"), gone
    assert gone["reopened"]["withdrawnReason"] == "Not this child"
