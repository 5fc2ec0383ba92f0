"""Livelink records on the real case journey, through GraphQL: the file a finalised
contact opens, forms generated from journey steps and filed to their subfolders, and
the retention that follows the child's status as the journey moves.

The outbox worker is run in the test (the app's own worker is off) so each delivery
can be observed.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date
from typing import Any

import httpx
import pytest

from connectors.livelink import FILE_PLAN
from connectors.livelink.embedded_store import EmbeddedContentStore
from connectors.livelink.outbox import OutboxWorker
from connectors.livelink.retention import add_years
from graph import FalkorDBStore
from hub.app import form_store_from_settings
from hub.settings import Settings
from tests.connectors.intake.world import role_headers
from tests.e2e.journey_helpers import (
    CARE_FIELDS,
    OUTCOMES,
    act,
    assessed,
    case_now,
    decide,
    latest,
    step,
)
from tests.helpers import bearer, graphql
from workflow.codes import AssessmentFactor
from workflow.ids import now_ms

pytestmark = pytest.mark.anyio

GENERATE = """
mutation ($child: ID!, $template: String!, $source: ID) {
  generateForm(childId: $child, templateKey: $template, sourceId: $source) {
    __typename
    ... on GeneratedForm { fileOpened document { id folderKey sourceId childId }
                           version { id version checksumPdf checksumHtml } }
    ... on NotFound { kind id }
  }
}
"""
FILE = """
query ($id: ID!) { child(id: $id) { file {
  id openedBy
  folders { key }
  retention { retainUntil rule citation recordClasses missing computedAt }
  documents { id folderKey versions { id version checksumPdf filingState remoteNodeId
                                      remoteVersion } } } } }
"""
DOWNLOAD = """
query ($id: ID!) { documentContent(versionId: $id, format: HTML) {
  ... on DocumentContent { contentBase64 } } }
"""
START_CARE = f"""
mutation ($input: StartLookedAfterInput!) {{ startLookedAfter(input: $input) {{
  __typename ... on PeriodOfCare {{ {CARE_FIELDS} }} {OUTCOMES} }} }}
"""
BORN = date(2015, 2, 10)


@pytest.fixture
async def seeded(store: FalkorDBStore) -> FalkorDBStore:
    """The demo personas' worker and manager, in one team, and nothing else."""
    await store.write(
        "MERGE (t:Team {id: 'team-safeguarding-north'})"
        " MERGE (w:Worker {id: 'worker-sw-demo'}) SET w.name = 'Sam Patel',"
        "   w.role = 'social_worker' MERGE (w)-[:MEMBER_OF_TEAM]->(t)"
        " MERGE (m:Worker {id: 'worker-tm-demo'}) SET m.name = 'Alex Morgan',"
        "   m.role = 'team_manager' MERGE (m)-[:MEMBER_OF_TEAM]->(t)"
        " MERGE (w)-[:REPORTS_TO]->(m)"
    )
    return store


async def _new_child_referred(
    client: httpx.AsyncClient, worker: dict[str, str], received: date
) -> tuple[str, dict[str, Any], bool]:
    """A contact about a child the hub has not met, finalised as a referral."""
    recorded = await graphql(
        client,
        worker,
        """mutation ($input: RecordContactInput!) { recordContact(input: $input) {
             __typename ... on Contact { id childId } } }""",
        {
            "input": {
                "child": {
                    "givenName": "Ruby",
                    "familyName": "Newman",
                    "dateOfBirth": BORN.isoformat(),
                    "sex": "F",
                },
                "receivedDate": received.isoformat(),
                "source": "SCHOOLS",
                "summary": "Teacher saw bruising on her arm.",
            }
        },
    )
    contact = recorded["recordContact"]
    finalised = (
        await graphql(
            client,
            worker,
            """mutation ($id: ID!) { finaliseContact(contactId: $id,
                 outcome: REFERRAL_TO_SOCIAL_CARE, lateReason: "Decided after its working day") {
                 __typename ... on FinalisedContact {
                 fileOpened contact { referralId } } } }""",
            {"id": contact["id"]},
        )
    )["finaliseContact"]
    case = await case_now(client, worker, finalised["contact"]["referralId"])
    return contact["childId"], case, finalised["fileOpened"]


async def _file(client: httpx.AsyncClient, headers: dict[str, str], child: str) -> dict[str, Any]:
    file: dict[str, Any] = (await graphql(client, headers, FILE, {"id": child}))["child"]["file"]
    return file


async def test_a_contact_opens_one_file_and_a_journey_step_files_its_form_in_versions(
    client: httpx.AsyncClient, settings: Settings, seeded: FalkorDBStore
) -> None:
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child, case, opened = await _new_child_referred(client, worker, date(2026, 9, 1))

    # Finalising the contact opened exactly one file, with the whole plan, and set its
    # retention: an open child in need case, to the 25th birthday.
    assert opened is True
    files = await seeded.read(
        "MATCH (:Child {id: $id})-[r:HAS_FILE]->(f:File) RETURN count(r) AS files", {"id": child}
    )
    assert files == [{"files": 1}]
    file = await _file(client, worker, child)
    assert [folder["key"] for folder in file["folders"]] == [f.key for f in FILE_PLAN]
    assert file["openedBy"] == "CONTACT"
    assert file["retention"]["rule"] == "child_in_need"
    assert file["retention"]["retainUntil"] == "2040-02-10"
    assert file["retention"]["recordClasses"] == ["child_in_need", "general"]

    case = await assessed(
        client, worker, manager, case, decided_on=date(2026, 9, 1), completed_on=date(2026, 9, 30)
    )
    assessment = step(latest(case, "assessments"), "ASSESSMENT")
    variables = {"child": child, "template": "child_and_family_assessment"}
    first = (await graphql(client, worker, GENERATE, {**variables, "source": assessment["id"]}))[
        "generateForm"
    ]
    assert first["__typename"] == "GeneratedForm", first
    assert first["fileOpened"] is False
    assert first["document"]["folderKey"] == "referral_and_assessment"
    assert first["document"]["sourceId"] == assessment["id"]
    assert first["document"]["childId"] == child
    assert first["version"]["version"] == 1

    # The form shows the journey's facts: the referral date from the case, the factor
    # in words, and the manager who authorised the assessment.
    html = base64.b64decode(
        (await graphql(client, worker, DOWNLOAD, {"id": first["version"]["id"]}))[
            "documentContent"
        ]["contentBase64"]
    ).decode()
    assert "1 September 2026" in html
    assert "2 September 2026" in html
    assert AssessmentFactor.NEGLECT.description in html
    assert "Alex Morgan" in html

    # A step of another kind is not an assessment: the form is refused, nothing written.
    wrong = await graphql(
        client,
        worker,
        GENERATE,
        {"child": child, "template": "strategy_discussion_record", "source": assessment["id"]},
    )
    assert wrong["generateForm"] == {
        "__typename": "NotFound",
        "kind": "Step",
        "id": assessment["id"],
    }

    content = await EmbeddedContentStore.open(settings.content_dir)
    try:
        worker_run = OutboxWorker(seeded, content, form_store=form_store_from_settings(settings))
        # The file's OPEN_FILE item and the form's FILE_DOCUMENT item.
        assert (await worker_run.deliver_due(now_ms() + 1)).delivered == 2
        [document] = (await _file(client, worker, child))["documents"]
        [filed] = document["versions"]
        remote = f"{child}/referral_and_assessment/{document['id']}"
        assert (filed["filingState"], filed["remoteNodeId"], filed["remoteVersion"]) == (
            "DELIVERED",
            remote,
            1,
        )
        copy = await content.fetch_document(remote, 1)
        assert hashlib.sha256(copy).hexdigest() == first["version"]["checksumPdf"]

        second = (
            await graphql(client, worker, GENERATE, {**variables, "source": assessment["id"]})
        )["generateForm"]
        assert second["document"]["id"] == first["document"]["id"]
        assert second["version"]["version"] == 2
        assert second["version"]["checksumPdf"] != first["version"]["checksumPdf"]
        assert (await worker_run.deliver_due(now_ms() + 1)).delivered == 1
        versions = (await _file(client, worker, child))["documents"][0]["versions"]
        assert [(v["version"], v["filingState"], v["remoteVersion"]) for v in versions] == [
            (2, "DELIVERED", 2),
            (1, "DELIVERED", 1),
        ]
        copy = await content.fetch_document(remote, 2)
        assert hashlib.sha256(copy).hexdigest() == second["version"]["checksumPdf"]
    finally:
        await content.aclose()


async def test_becoming_looked_after_keeps_the_file_to_the_75th_birthday(
    client: httpx.AsyncClient, settings: Settings, seeded: FalkorDBStore
) -> None:
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child, case, _ = await _new_child_referred(client, worker, date(2026, 9, 1))
    case = await assessed(
        client, worker, manager, case, decided_on=date(2026, 9, 1), completed_on=date(2026, 9, 30)
    )
    before = (await _file(client, worker, child))["retention"]
    assert (before["rule"], before["retainUntil"]) == ("child_in_need", "2040-02-10")

    care = (
        await graphql(
            client,
            worker,
            START_CARE,
            {
                "input": {
                    "childId": child,
                    "startedOn": "2026-10-20",
                    "legalStatus": "C1_INTERIM_CARE_ORDER",
                    "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
                    "placementProvider": "PR1_OWN_PROVISION",
                }
            },
        )
    )["startLookedAfter"]
    assert care["__typename"] == "PeriodOfCare", care
    retention = (await _file(client, worker, child))["retention"]
    assert (retention["retainUntil"], retention["rule"]) == ("2090-02-10", "looked_after")
    assert (
        "Care Planning, Placement and Case Review (England) Regulations 2010, reg 50"
        in (retention["citation"])
    )
    assert retention["recordClasses"] == ["child_in_need", "general", "looked_after"]

    # Care ends (once authorised) and the case closes (once authorised): each change of
    # status recomputes, and the looked-after period still decides.
    care = await act(
        client,
        worker,
        "ceaseLookedAfter",
        care,
        {"endedOn": "2026-11-02", "reason": "E4A_RETURNED_HOME_AS_PLANNED"},
    )
    proposed = (await _file(client, worker, child))["retention"]
    # A proposal is not yet a change of status: nothing was recomputed.
    assert proposed["computedAt"] == retention["computedAt"]
    care = await decide(client, manager, "authorisePeriodOfCare", care)
    assert care["status"] == "CEASED", care
    ceased = (await _file(client, worker, child))["retention"]
    assert ceased["computedAt"] > retention["computedAt"]
    case = await act(
        client,
        worker,
        "closeCase",
        case,
        {"closedOn": "2026-11-16", "reason": "RC7_SERVICES_CEASED_FOR_ANY_OTHER_REASON"},
    )
    case = await decide(client, manager, "authoriseCase", case)
    assert case["status"] == "CLOSED", case
    closed = (await _file(client, worker, child))["retention"]
    assert (closed["retainUntil"], closed["rule"], closed["missing"]) == (
        "2090-02-10",
        "looked_after",
        [],
    )
    assert closed["computedAt"] > ceased["computedAt"]


async def test_closing_a_child_protection_case_starts_its_35_years_from_the_closure(
    client: httpx.AsyncClient, settings: Settings, seeded: FalkorDBStore
) -> None:
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child, case, _ = await _new_child_referred(client, worker, date(2026, 9, 1))
    case = await assessed(
        client, worker, manager, case, decided_on=date(2026, 9, 1), completed_on=date(2026, 9, 30)
    )
    case = await act(client, worker, "holdStrategyDiscussion", case, {"heldOn": "2026-10-05"})
    case = await act(
        client,
        worker,
        "requestInitialConference",
        latest(case, "section47Enquiries"),
        {"concludedOn": "2026-10-09"},
    )
    case = await act(
        client,
        worker,
        "holdInitialConference",
        latest(case, "initialConferences"),
        {"heldOn": "2026-10-16", "planRequired": True, "categoriesOfAbuse": ["NEG_NEGLECT"]},
    )
    case = await act(
        client,
        worker,
        "endChildProtectionPlan",
        latest(case, "childProtectionPlans"),
        {"endedOn": "2026-11-13", "reason": "AT_REVIEW_CONFERENCE"},
    )
    case = await act(
        client,
        worker,
        "closeCase",
        case,
        {"closedOn": "2026-11-16", "reason": "RC7_SERVICES_CEASED_FOR_ANY_OTHER_REASON"},
    )
    # Proposed, not yet closed: the case is still open.
    retention = (await _file(client, worker, child))["retention"]
    assert retention["retainUntil"] is None
    case = await decide(client, manager, "authoriseCase", case)
    retention = (await _file(client, worker, child))["retention"]
    # 35 years from the last contact: the later of the closure and the front door's
    # decision on the contact (made the day the test runs), never the day a manager
    # authorised something.
    contacts = await graphql(
        client,
        worker,
        "query ($id: ID!) { child(id: $id) { contacts { decisionDate } } }",
        {"id": child},
    )
    decided = date.fromisoformat(contacts["child"]["contacts"][0]["decisionDate"])
    last_contact = max(date(2026, 11, 16), decided)
    assert retention["retainUntil"] == add_years(last_contact, 35).isoformat()
    assert retention["rule"] == "child_protection"


ADOPTION_INPUTS = {
    "recordPlacementOrder": ("RecordPlacementOrderInput", {"grantedOn": "2026-10-22"}),
    "matchWithAdopters": (
        "MatchWithAdoptersInput",
        {"matchedOn": "2026-10-23", "adopterSex": "MF_MIXED_COUPLE"},
    ),
    "placeForAdoption": ("PlaceForAdoptionInput", {"placedOn": "2026-10-26"}),
    "grantAdoptionOrder": ("GrantAdoptionOrderInput", {"grantedOn": "2026-11-02"}),
}


async def test_an_adoption_order_keeps_the_file_100_years_from_the_order(
    client: httpx.AsyncClient, settings: Settings, seeded: FalkorDBStore
) -> None:
    worker = bearer(settings, "social-worker")
    child, _, _ = await _new_child_referred(client, worker, date(2026, 9, 1))
    start = {
        "childId": child,
        "startedOn": "2026-10-20",
        "legalStatus": "C1_INTERIM_CARE_ORDER",
        "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
        "placementProvider": "PR1_OWN_PROVISION",
    }
    care = (await graphql(client, worker, START_CARE, {"input": start}))["startLookedAfter"]
    plan = (
        await graphql(
            client,
            worker,
            """mutation ($input: DecideAdoptionInput!) { decideAdoption(input: $input) {
                 __typename ... on AdoptionPlan { id version status } } }""",
            {"input": {"periodOfCareId": care["id"], "decidedOn": "2026-10-21"}},
        )
    )["decideAdoption"]
    assert plan["status"] == "SHOULD_BE_PLACED", plan
    # A plan for adoption is part of the looked-after record until an order is made.
    retention = (await _file(client, worker, child))["retention"]
    assert (retention["rule"], retention["retainUntil"]) == ("looked_after", "2090-02-10")
    for action, (input_type, data) in ADOPTION_INPUTS.items():
        query = (
            f"mutation ($id: ID!, $version: Int!, $input: {input_type}!) {{ {action}("
            f"adoptionPlanId: $id, version: $version, input: $input) {{ __typename"
            f" ... on AdoptionPlan {{ id version status }} }} }}"
        )
        variables = {"id": plan["id"], "version": plan["version"], "input": data}
        plan = (await graphql(client, worker, query, variables))[action]
    assert plan["status"] == "ADOPTED", plan
    retention = (await _file(client, worker, child))["retention"]
    assert (retention["rule"], retention["retainUntil"]) == ("adoption", "2126-11-02")
    assert "adoption" in retention["recordClasses"]
    assert "100 years from the date of the adoption order" in retention["citation"]


ENTITIES = """
query ($representations: [_Any!]!) { _entities(representations: $representations) {
  __typename
  ... on Case { id childId status }
  ... on Document { id childId title versions { version } }
} }
"""


def _stranger(settings: Settings) -> dict[str, str]:
    """A social worker of another team, with no relationship to the child."""
    from auth.tokens import LocalSigningKey, TokenIssuer
    from hub.app import token_settings

    rules = token_settings(settings)
    key = LocalSigningKey.load_or_create(rules.key_path)
    token = TokenIssuer(rules, key).issue(
        "worker-elsewhere", "Kim Other", "social_worker", "agency-la", "team-elsewhere"
    )
    return {"Authorization": f"Bearer {token}"}


async def test_entities_resolve_cases_and_documents_only_for_those_who_may_see_the_child(
    client: httpx.AsyncClient, settings: Settings, seeded: FalkorDBStore
) -> None:
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child, case, _ = await _new_child_referred(client, worker, date(2026, 9, 1))
    case = await assessed(
        client, worker, manager, case, decided_on=date(2026, 9, 1), completed_on=date(2026, 9, 30)
    )
    generated = (
        await graphql(
            client,
            worker,
            GENERATE,
            {
                "child": child,
                "template": "child_and_family_assessment",
                "source": step(latest(case, "assessments"), "ASSESSMENT")["id"],
            },
        )
    )["generateForm"]
    document_id = generated["document"]["id"]
    references = [
        {"__typename": "Case", "id": case["id"]},
        {"__typename": "Document", "id": document_id},
    ]

    seen = await graphql(client, worker, ENTITIES, {"representations": references})
    assert seen["_entities"] == [
        {"__typename": "Case", "id": case["id"], "childId": child, "status": "ACCEPTED"},
        {
            "__typename": "Document",
            "id": document_id,
            "childId": child,
            "title": "Child and Family assessment",
            "versions": [{"version": 1}],
        },
    ]

    # Someone who may not see the child gets exactly what a missing id gives: null,
    # with no error to tell the two apart.
    async def answer(headers: dict[str, str], representations: list[dict[str, str]]) -> Any:
        response = await client.post(
            "/graphql",
            json={"query": ENTITIES, "variables": {"representations": representations}},
            headers=headers,
        )
        assert response.status_code == 200
        return response.json()

    stranger = _stranger(settings)
    hidden = await answer(stranger, references)
    missing = await answer(
        stranger,
        [{"__typename": "Case", "id": "no-such-case"}, {"__typename": "Document", "id": "nope"}],
    )
    assert hidden == missing == {"data": {"_entities": [None, None]}}

    # The references that did resolve were audited against the child, as any read is.
    audited = await seeded.read(
        "MATCH (e:AuditEvent)-[:ACCESSED]->(:Child {id: $id})"
        " WHERE e.subject = 'worker-sw-demo' AND e.operation = 'query'"
        " RETURN e.fields AS fields",
        {"id": child},
    )
    assert any({"childId", "status", "title"} <= set(row["fields"]) for row in audited), audited


MERGE = """mutation ($keep: ID!, $merge: ID!) { mergeChildren(keep: $keep, merge: $merge,
  reason: "One child: the GP confirms", on: "2026-11-05") { __typename } }"""
UNMERGE = """mutation ($merged: ID!) { unmergeChildren(merged: $merged,
  reason: "Two children after all") { __typename } }"""
RETENTIONS = """query ($id: ID!) { child(id: $id) { files { id
  retention { retainUntil rule recordClasses } } } }"""


async def test_a_merge_recomputes_the_retention_of_every_file_of_the_child_and_so_does_undoing(
    client: httpx.AsyncClient, settings: Settings, seeded: FalkorDBStore
) -> None:
    # Ruby is looked after; a second record of her (first name mistyped) was opened at the
    # front door, its file kept as a general record. Once merged, she is one child who was
    # looked after: every file of hers is kept to her 75th birthday, or the second file
    # could be listed for disposal decades early.
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    officer = await role_headers(seeded, settings, "records_officer", "records-officer-1")
    looked_after, case, _ = await _new_child_referred(client, worker, date(2026, 9, 1))
    case = await assessed(
        client, worker, manager, case, decided_on=date(2026, 9, 1), completed_on=date(2026, 9, 30)
    )
    care = (
        await graphql(
            client,
            worker,
            START_CARE,
            {
                "input": {
                    "childId": looked_after,
                    "startedOn": "2026-10-20",
                    "legalStatus": "C1_INTERIM_CARE_ORDER",
                    "placementType": "U6_FOSTER_OTHER_CARER_OTHER",
                    "placementProvider": "PR1_OWN_PROVISION",
                }
            },
        )
    )["startLookedAfter"]
    assert care["__typename"] == "PeriodOfCare", care
    recorded = (
        await graphql(
            client,
            worker,
            """mutation ($input: RecordContactInput!) { recordContact(input: $input) {
                 __typename ... on Contact { id childId } } }""",
            {
                "input": {
                    "child": {
                        "givenName": "Rubie",
                        "familyName": "Newman",
                        "dateOfBirth": BORN.isoformat(),
                        "sex": "F",
                    },
                    "receivedDate": "2026-10-01",
                    "source": "SCHOOLS",
                    "summary": "Asked about Ruby",
                    "confirmNewChild": True,
                }
            },
        )
    )["recordContact"]
    second = recorded["childId"]
    finalised = await graphql(
        client,
        worker,
        """mutation ($id: ID!) { finaliseContact(contactId: $id, outcome: NO_FURTHER_ACTION,
             on: "2026-10-01") { __typename } }""",
        {"id": recorded["id"]},
    )
    assert finalised == {"finaliseContact": {"__typename": "FinalisedContact"}}
    generated = (
        await graphql(
            client,
            worker,
            GENERATE,
            {"child": second, "template": "contact_record", "source": recorded["id"]},
        )
    )["generateForm"]
    assert generated["__typename"] == "GeneratedForm", generated
    [own] = (await graphql(client, worker, RETENTIONS, {"id": second}))["child"]["files"]
    assert "looked_after" not in own["retention"]["recordClasses"]
    [theirs] = (await graphql(client, worker, RETENTIONS, {"id": looked_after}))["child"]["files"]

    merged = await graphql(client, officer, MERGE, {"keep": second, "merge": looked_after})

    assert merged == {"mergeChildren": {"__typename": "ChildMerge"}}
    files = (await graphql(client, worker, RETENTIONS, {"id": second}))["child"]["files"]
    assert [file["id"] for file in files] == [own["id"], theirs["id"]]
    for file in files:
        retention = file["retention"]
        assert (retention["retainUntil"], retention["rule"]) == ("2090-02-10", "looked_after")

    undone = await graphql(client, officer, UNMERGE, {"merged": looked_after})

    assert undone == {"unmergeChildren": {"__typename": "ChildMerge"}}
    [back] = (await graphql(client, worker, RETENTIONS, {"id": second}))["child"]["files"]
    assert back["retention"] == own["retention"]
    [kept] = (await graphql(client, worker, RETENTIONS, {"id": looked_after}))["child"]["files"]
    assert (kept["retention"]["retainUntil"], kept["retention"]["rule"]) == (
        "2090-02-10",
        "looked_after",
    )
