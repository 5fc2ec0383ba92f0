"""Who sees what, inside the authority: audit, restricted records, the training gate."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from auth.tokens import LocalSigningKey, TokenIssuer
from connectors import ehm
from connectors.intake import ingest
from demo import county
from graph import FalkorDBStore
from graph.cypher.access import AccessScope
from graph.cypher.linking import VISIBLE_CHILD_IDS
from hub.app import token_settings
from hub.settings import Settings
from tests.helpers import add_worker, bearer, graphql
from workflow.calendar import today_in_england
from workflow.enquiries import EnquiryKind, OpenEnquiry, open_enquiry
from workflow.ids import now_ms
from workflow.outcomes import NotFound

pytestmark = pytest.mark.anyio


@pytest.fixture
async def demo(store: FalkorDBStore) -> county.County:
    world = county.generate("tiny", today=date(2026, 11, 2))
    await county.load(store, world, show_progress=False)
    return world


def _token(settings: Settings, subject: str, role: str, team: str | None = None) -> dict[str, str]:
    rules = token_settings(settings)
    issuer = TokenIssuer(rules, LocalSigningKey.load_or_create(rules.key_path))
    token = issuer.issue(subject, f"{role} {subject}", role, "agency-la", team)
    return {"Authorization": f"Bearer {token}"}


def _sams_children(world: county.County) -> list[str]:
    return [row["child"] for row in world.allocations if row["worker"] == "worker-sw-demo"]


async def _audited(store: FalkorDBStore, subject: str) -> dict[str, list[str]]:
    rows = await store.read(
        "MATCH (e:AuditEvent {subject: $s})-[a:ACCESSED]->(c:Child) RETURN c.id AS child, e.fields"
        " AS fields",
        {"s": subject},
    )
    return {row["child"]: row["fields"] for row in rows}


async def test_every_child_returned_is_audited_with_its_fields(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    children = _sams_children(demo)
    headers = bearer(settings, "social-worker")
    await graphql(
        client,
        headers,
        "query Look($id: ID!) { child(id: $id) { id givenName family { members { person {"
        " id givenName } } } } }",
        {"id": children[0]},
    )
    audited = await _audited(store, "worker-sw-demo")
    assert set(audited[children[0]]) == {"id", "givenName", "family"}
    # Siblings named in the household left the hub too.
    siblings = {c for c in children if c != children[0] and c[:6] == children[0][:6]}
    for sibling in siblings:
        assert set(audited[sibling]) == {"id", "givenName"}
    events = await store.read("MATCH (e:AuditEvent) RETURN e.operation AS op, e.role AS role")
    assert {(e["op"], e["role"]) for e in events} == {("Look", "social_worker")}


async def test_list_results_audit_each_child_and_empty_reads_write_nothing(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    headers = bearer(settings, "social-worker")
    family_name = next(p["familyName"] for p in demo.children if p["id"] in _sams_children(demo))
    found = await graphql(
        client,
        headers,
        "query ($t: String!) { searchChildren(term: $t) { id } }",
        {"t": family_name},
    )
    assert found["searchChildren"]
    audited = await _audited(store, "worker-sw-demo")
    assert set(audited) == {child["id"] for child in found["searchChildren"]}
    before = await store.read("MATCH (e:AuditEvent) RETURN count(e) AS n")
    await graphql(client, headers, '{ me { id } child(id: "nobody") { id } }')
    assert await store.read("MATCH (e:AuditEvent) RETURN count(e) AS n") == before


async def test_restricted_records_need_an_unexpired_grant(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    child_id = _sams_children(demo)[0]
    sam = bearer(settings, "social-worker")
    manager = bearer(settings, "team-manager")
    await add_worker(store, "records-1", "records_officer")
    records = _token(settings, "records-1", "records_officer")
    query = "query ($id: ID!) { child(id: $id) { id } }"
    restrict = await graphql(
        client,
        manager,
        'mutation ($id: ID!) { restrictRecord(childId: $id, restricted: true, reason: "adoption")'
        " { __typename } }",
        {"id": child_id},
    )
    assert restrict["restrictRecord"]["__typename"] == "RecordRestriction"
    for who in (sam, manager, records):
        assert (await graphql(client, who, query, {"id": child_id}))["child"] is None
    # A grant does not need the granter to see the record, and opens it to one worker;
    # nobody grants themselves one (they could read and lift the restriction alone).
    grant_to = (
        "mutation ($id: ID!, $to: ID!, $on: Date!) { grantRecordAccess(childId: $id,"
        ' workerId: $to, expiresOn: $on, reason: "allocated worker") { __typename'
        " ... on AccessGrant { id } } }"
    )
    until = (today_in_england() + timedelta(days=30)).isoformat()
    own = await graphql(client, records, grant_to, {"id": child_id, "to": "records-1", "on": until})
    assert own["grantRecordAccess"]["__typename"] == "NotAuthorised"
    assert (await graphql(client, records, query, {"id": child_id}))["child"] is None
    grant = await graphql(
        client, records, grant_to, {"id": child_id, "to": "worker-sw-demo", "on": until}
    )
    assert grant["grantRecordAccess"]["__typename"] == "AccessGrant"
    assert (await graphql(client, sam, query, {"id": child_id}))["child"] == {"id": child_id}
    assert (await graphql(client, manager, query, {"id": child_id}))["child"] is None
    # An expired grant opens nothing.
    await store.write("MATCH (g:Grant) SET g.expiresAt = 1")
    assert (await graphql(client, sam, query, {"id": child_id}))["child"] is None


def _next(month: int, day: int) -> date:
    """The next such day, from tomorrow: inside the year a grant may run."""
    tomorrow = today_in_england() + timedelta(days=1)
    this_year = date(tomorrow.year, month, day)
    return this_year if this_year >= tomorrow else date(tomorrow.year + 1, month, day)


@pytest.mark.parametrize(
    "last_day", [_next(6, 5), _next(1, 15)], ids=["british-summer-time", "greenwich-mean-time"]
)
async def test_a_grant_ends_at_midnight_in_england_on_its_last_day(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    demo: county.County,
    last_day: date,
) -> None:
    """`expiresOn` names a day in England: the grant opens the record until that day
    ends there (23:00 UTC in summer time), not an hour into the next."""
    child_id = _sams_children(demo)[0]
    await store.write("MATCH (c:Child {id: $id}) SET c.restricted = true", {"id": child_id})
    await add_worker(store, "records-1", "records_officer")
    granted = await graphql(
        client,
        _token(settings, "records-1", "records_officer"),
        "mutation ($id: ID!, $on: Date!) { grantRecordAccess(childId: $id,"
        ' workerId: "worker-sw-demo", expiresOn: $on, reason: "allocated worker") {'
        " ... on AccessGrant { expiresAt } } }",
        {"id": child_id, "on": last_day.isoformat()},
    )

    ends = datetime.combine(last_day + timedelta(days=1), time(0), ZoneInfo("Europe/London"))
    assert datetime.fromisoformat(granted["grantRecordAccess"]["expiresAt"]) == ends
    ends_ms = int(ends.timestamp() * 1000)
    sam = AccessScope(viewer="worker-sw-demo", team=None, view_all=False, now_ms=ends_ms - 1)
    shown = await store.read(VISIBLE_CHILD_IDS, {**sam.params(), "ids": [child_id]})
    assert shown == [{"childId": child_id}]
    next_day = replace(sam, now_ms=ends_ms)
    assert await store.read(VISIBLE_CHILD_IDS, {**next_day.params(), "ids": [child_id]}) == []


async def test_the_training_gate_blocks_writes_until_the_last_module(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    await add_worker(store, "admin-1", "system_administrator")
    admin = _token(settings, "admin-1", "system_administrator")
    sam = bearer(settings, "social-worker")
    csv = (
        "Role,Team,Module\n"
        "Social Worker,team-safeguarding-north,LCS Child in Need\n"
        "Social Worker,All,Information Governance\n"
        "Team Manager,All,LCS Authorisations\n"
    )
    imported = await graphql(
        client,
        admin,
        "mutation ($csv: String!) { importTrainingMatrix(csv: $csv) { __typename"
        " ... on TrainingMatrixImported { requirements } } }",
        {"csv": csv},
    )
    assert imported["importTrainingMatrix"]["requirements"] == 3
    note = (
        'mutation ($id: ID!) { addCaseNote(input: {childId: $id, type: VISIT, text: "seen",'
        ' occurredAt: "2026-11-01T10:00:00Z"}) { __typename ... on NotAuthorised {'
        " missingTrainingModules } } }"
    )
    child_id = _sams_children(demo)[0]
    blocked = await graphql(client, sam, note, {"id": child_id})
    assert blocked["addCaseNote"] == {
        "__typename": "NotAuthorised",
        "missingTrainingModules": ["Information Governance", "LCS Child in Need"],
    }
    # Reading is still allowed.
    assert (
        await graphql(client, sam, "query ($id: ID!) { child(id: $id) { id } }", {"id": child_id})
    )["child"]
    complete = (
        'mutation ($m: String!) { recordTrainingCompletion(workerId: "worker-sw-demo",'
        ' module: $m, completedOn: "2026-11-20") { __typename } }'
    )
    await graphql(client, admin, complete, {"m": "information_governance"})
    still = await graphql(client, sam, note, {"id": child_id})
    assert still["addCaseNote"]["missingTrainingModules"] == ["LCS Child in Need"]
    await graphql(client, admin, complete, {"m": "lcs_child_in_need"})
    allowed = await graphql(client, sam, note, {"id": child_id})
    assert allowed["addCaseNote"]["__typename"] == "CaseNote"


async def test_the_access_trail_is_for_managers_and_records_officers(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    child_id = _sams_children(demo)[0]
    trail = "query ($id: ID!) { accessTrail(childId: $id) { __typename ... on AccessTrail {"
    trail += " events { subject role audience operation fields } } } }"
    await graphql(
        client,
        bearer(settings, "social-worker"),
        "query Visit($id: ID!) { child(id: $id) { givenName } }",
        {"id": child_id},
    )
    refused = await graphql(client, bearer(settings, "social-worker"), trail, {"id": child_id})
    assert refused["accessTrail"]["__typename"] == "NotAuthorised"
    seen = await graphql(client, bearer(settings, "team-manager"), trail, {"id": child_id})
    events = seen["accessTrail"]["events"]
    assert {
        "subject": "worker-sw-demo",
        "role": "social_worker",
        "audience": "internal",
        "operation": "Visit",
        "fields": ["givenName"],
    } in events
    missing = await graphql(client, bearer(settings, "team-manager"), trail, {"id": "nobody"})
    assert missing["accessTrail"]["__typename"] == "NotFound"


async def test_partners_must_state_an_allowed_purpose(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    headers = bearer(settings, "health")
    ok = await client.post("/graphql", json={"query": "{ me { purpose } }"}, headers=headers)
    assert ok.json() == {"data": {"me": {"purpose": "UNSCHEDULED_CARE"}}}
    for purpose in (None, "MASH_RESEARCH", "curiosity"):
        attempt = {k: v for k, v in headers.items() if k != "X-Purpose"}
        if purpose:
            attempt["X-Purpose"] = purpose
        refused = await client.post("/graphql", json={"query": "{ me { id } }"}, headers=attempt)
        assert refused.status_code == 403
        assert "UNSCHEDULED_CARE" in refused.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("role", "sees_notes"), [("support_officer", False), ("social_worker", True)]
)
async def test_the_case_narrative_needs_its_capability(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    demo: county.County,
    role: str,
    sees_notes: bool,
) -> None:
    child_id = next(c["childId"] for c in demo.contacts if c["outcome"])
    worker = next(c["worker"] for c in demo.contacts if c["childId"] == child_id)
    team = next(w["team"] for w in demo.workers if w["id"] == worker)
    # A colleague in the allocated worker's team, with the role under test on record.
    await add_worker(store, f"colleague-{role}", role, team)
    headers = _token(settings, f"colleague-{role}", role, team)
    data = await graphql(
        client,
        headers,
        "query ($id: ID!) { child(id: $id) { id caseNotes { text } contacts { summary }"
        " chronology { title } } }",
        {"id": child_id},
    )
    assert data["child"]["id"] == child_id
    assert bool(data["child"]["caseNotes"]) is sees_notes
    assert bool(data["child"]["chronology"]) is sees_notes
    summaries = [contact["summary"] for contact in data["child"]["contacts"]]
    assert summaries
    assert all(bool(summary) is sees_notes for summary in summaries)


async def test_reading_a_childs_records_elsewhere_in_the_schema_is_audited_too(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    child_id = next(c["childId"] for c in demo.contacts if c["outcome"])
    headers = bearer(settings, "social-worker")
    referral = await store.read(
        "MATCH (r:Referral)-[:ABOUT]->(:Child {id: $id}) RETURN r.id AS id", {"id": child_id}
    )
    await graphql(
        client,
        headers,
        "query Case($id: ID!) { case(id: $id) { id status } }",
        {"id": referral[0]["id"]},
    )
    audited = await _audited(store, "worker-sw-demo")
    assert set(audited[child_id]) >= {"id", "status"}


# ---- authority from the record, not the token ----------------------------------------

WHO_AND_WHAT = (
    "query ($id: ID!, $t: String!) { me { role teamId } child(id: $id) { id }"
    " searchChildren(term: $t) { id } }"
)


async def test_a_subject_with_no_worker_record_reads_nothing(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    child_id = _sams_children(demo)[0]
    family_name = next(p["familyName"] for p in demo.children if p["id"] == child_id)
    # The token claims Sam's team and a role that reads everything; no worker record backs it.
    for role in ("social_worker", "performance_analyst"):
        headers = _token(settings, "stranger", role, "team-safeguarding-north")
        data = await graphql(client, headers, WHO_AND_WHAT, {"id": child_id, "t": family_name})
        assert data["child"] is None
        assert data["searchChildren"] == []
        assert data["me"]["teamId"] is None


async def test_team_and_role_claims_are_not_trusted(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    child_id = _sams_children(demo)[0]
    family_name = next(p["familyName"] for p in demo.children if p["id"] == child_id)
    # A front-door social worker claiming Sam's team and a manager's role.
    headers = _token(settings, "team-front-door-sw1", "team_manager", "team-safeguarding-north")
    data = await graphql(client, headers, WHO_AND_WHAT, {"id": child_id, "t": family_name})
    assert data["me"] == {"role": "social_worker", "teamId": "team-front-door"}
    assert data["child"] is None
    assert child_id not in {child["id"] for child in data["searchChildren"]}


CLOSE = (
    "mutation ($id: ID!) { closeMultiAgencyEnquiry(enquiryId: $id) { __typename"
    " ... on ClosedEnquiry { id } } }"
)


async def test_closing_an_enquiry_needs_the_relationship_reading_needs(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    [enquiry] = await store.read("MATCH (e:MultiAgencyEnquiry) RETURN e.id AS id")
    police = bearer(settings, "police")
    listed = "{ enquiryChildren { id } }"
    stranger = _token(settings, "team-front-door-sw1", "social_worker")
    refused = await graphql(client, stranger, CLOSE, {"id": enquiry["id"]})
    assert refused["closeMultiAgencyEnquiry"] == {"__typename": "NotFound"}
    assert (await graphql(client, police, listed))["enquiryChildren"]
    closed = await graphql(client, bearer(settings, "social-worker"), CLOSE, {"id": enquiry["id"]})
    assert closed["closeMultiAgencyEnquiry"] == {
        "__typename": "ClosedEnquiry",
        "id": enquiry["id"],
    }
    assert (await graphql(client, police, listed))["enquiryChildren"] == []


async def test_the_analyst_reads_no_narrative_through_summaries_or_forms(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    child_id = next(c["childId"] for c in demo.contacts if c["worker"] == "worker-sw-demo")
    [contact] = await store.read(
        "MATCH (k:Contact)-[:ABOUT]->(:Child {id: $id}) RETURN k.id AS id LIMIT 1", {"id": child_id}
    )
    generated = await graphql(
        client,
        bearer(settings, "social-worker"),
        'mutation ($c: ID!, $k: ID) { generateForm(childId: $c, templateKey: "contact_record",'
        " sourceId: $k) { __typename ... on GeneratedForm { version { id } } } }",
        {"c": child_id, "k": contact["id"]},
    )
    version = generated["generateForm"]["version"]["id"]
    download = (
        "query Download($v: ID!) { documentContent(versionId: $v) { __typename"
        " ... on DocumentContent { contentBase64 } } }"
    )
    sam = await graphql(client, bearer(settings, "social-worker"), download, {"v": version})
    assert sam["documentContent"]["__typename"] == "DocumentContent"
    # The download is in the child's access trail, with every other read of the record.
    trail = (
        "query ($id: ID!) { accessTrail(childId: $id) { ... on AccessTrail {"
        " events { subject operation fields } } } }"
    )
    events = (await graphql(client, bearer(settings, "team-manager"), trail, {"id": child_id}))[
        "accessTrail"
    ]["events"]
    assert {
        "subject": "worker-sw-demo",
        "operation": "Download",
        "fields": ["contentBase64"],
    } in events
    await add_worker(store, "analyst-1", "performance_analyst")
    analyst = _token(settings, "analyst-1", "performance_analyst")
    refused = await graphql(client, analyst, download, {"v": version})
    assert refused["documentContent"] == {"__typename": "NotAuthorised"}
    seen = await graphql(
        client,
        analyst,
        "query ($id: ID!) { child(id: $id) { id contacts { receivedDate summary } } }",
        {"id": child_id},
    )
    contacts = seen["child"]["contacts"]
    assert contacts
    assert all(contact["summary"] is None and contact["receivedDate"] for contact in contacts)


async def test_why_a_record_was_withdrawn_is_read_with_the_case_notes_capability(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    """A withdrawal reason is free text that names people ("opened on the wrong child:
    this was about her brother"): a performance analyst, who reads every record but not
    the narrative, is shown the withdrawal and not why, as with a contact's summary."""
    why = "Opened on the wrong child: this was about her brother"
    [withdrawn] = await store.write(
        "MATCH (a:Assessment)-[:ABOUT]->(c:Child)-[:ALLOCATED_TO]->(:Worker {id: $worker})"
        " WITH a, c ORDER BY a.id LIMIT 1"
        " SET a.status = 'RECORDED_IN_ERROR', a.withdrawnReason = $why"
        " RETURN c.id AS child",
        {"worker": "worker-sw-demo", "why": why},
    )
    query = (
        "query ($id: ID!) { child(id: $id) { cases { assessments { status withdrawnReason } } } }"
    )
    await add_worker(store, "analyst-1", "performance_analyst")
    readers = {"analyst": _token(settings, "analyst-1", "performance_analyst")}
    readers["worker"] = bearer(settings, "social-worker")

    seen = {
        reader: [
            (assessment["status"], assessment["withdrawnReason"])
            for case in (await graphql(client, headers, query, {"id": withdrawn["child"]}))[
                "child"
            ]["cases"]
            for assessment in case["assessments"]
            if assessment["status"] == "RECORDED_IN_ERROR"
        ]
        for reader, headers in readers.items()
    }

    assert seen == {
        "analyst": [("RECORDED_IN_ERROR", None)],
        "worker": [("RECORDED_IN_ERROR", why)],
    }


async def test_opening_an_enquiry_shares_only_children_the_opener_may_see(
    store: FalkorDBStore, demo: county.County
) -> None:
    # The statement itself refuses, whatever a resolver checked before it.
    stranger = AccessScope(
        viewer="team-front-door-sw1", team="team-front-door", view_all=False, now_ms=now_ms()
    )
    data = OpenEnquiry(
        child_ids=[_sams_children(demo)[0]],
        kind=EnquiryKind.MASH,
        agency_ids=["agency-police"],
        reason="research",
    )
    refused = await open_enquiry(store, stranger, data)
    assert isinstance(refused, NotFound)
    sam = AccessScope(viewer="worker-sw-demo", team=None, view_all=False, now_ms=now_ms())
    opened = await open_enquiry(store, sam, data)
    assert not isinstance(opened, NotFound)
    assert opened["parties"] == 1


async def test_why_a_record_was_linked_or_a_step_down_recalled_needs_the_case_notes_capability(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    """Why a records officer linked an early help record to a child, and why a manager
    recalled a step down (the reason the contact was withdrawn or corrected), are free
    text that names people: an analyst reads that the record is linked and the step down
    recalled, not why, as with a withdrawal's reason on the contact itself."""
    child = next(c for c in demo.children if c["id"] in _sams_children(demo))
    report = await ingest(
        store,
        [
            (
                1,
                {
                    "recordType": "EARLY_HELP_EPISODE",
                    "recordId": "EHM-WHY-1",
                    "version": 1,
                    # Misspelt, with no NHS number: it waits for a person to link it.
                    "givenName": child["givenName"] + "e",
                    "familyName": child["familyName"],
                    "dateOfBirth": str(child["dateOfBirth"]),
                    "startDate": "2026-09-01",
                    "reason": "Parenting support",
                },
            )
        ],
        ehm.SOURCE,
        by="system:ehm",
    )
    assert not report.rejected, report.rejected
    [record] = await store.read("MATCH (r:SourceRecord {recordId: 'EHM-WHY-1'}) RETURN r.id AS id")
    linked_why = "Mother confirmed at the visit that Jo is the same child; new surname"
    linked = await graphql(
        client,
        bearer(settings, "records-officer"),
        "mutation ($r: ID!, $c: ID!, $why: String!) { linkSourceRecord(recordId: $r,"
        " childId: $c, reason: $why) { __typename ... on SourceRecord { linkReason"
        " history { reason } } } }",
        {"r": record["id"], "c": child["id"], "why": linked_why},
    )
    assert linked["linkSourceRecord"]["linkReason"] == linked_why
    recalled_why = "The referral was about her brother, not her: recorded on the wrong child"
    await store.write(
        "MATCH (c:Child {id: $c}) CREATE (:EarlyHelpRequest {id: 'ehr-why', childId: c.id,"
        " origin: 'CONTACT', originId: 'contact-why', reasonCode: 'CONTACT_STEP_DOWN',"
        " reasonDescription: 'Stepped down to early help', happenedOn: date('2026-10-01'),"
        " requestedBy: 'worker-sw-demo', recordedAt: $at, recalledAt: $at,"
        " recalledOn: date('2026-10-05'), recalledBy: 'worker-tm-demo', recallReason: $why})"
        "-[:ABOUT]->(c)",
        {"c": child["id"], "at": now_ms(), "why": recalled_why},
    )
    query = (
        "query ($id: ID!) { childSourceRecords(childId: $id) { linkState linkReason }"
        " child(id: $id) { earlyHelpRequests { recall { recalledOn reason } } } }"
    )
    await add_worker(store, "analyst-1", "performance_analyst")
    readers = {
        "analyst": _token(settings, "analyst-1", "performance_analyst"),
        "worker": bearer(settings, "social-worker"),
    }

    seen = {
        reader: await graphql(client, headers, query, {"id": child["id"]})
        for reader, headers in readers.items()
    }

    def answer(link_reason: str | None, recall_reason: str | None) -> dict[str, Any]:
        return {
            "childSourceRecords": [{"linkState": "LINKED", "linkReason": link_reason}],
            "child": {
                "earlyHelpRequests": [
                    {"recall": {"recalledOn": "2026-10-05", "reason": recall_reason}}
                ]
            },
        }

    assert seen == {"analyst": answer(None, None), "worker": answer(linked_why, recalled_why)}
