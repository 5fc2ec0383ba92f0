"""A records officer merges two records of one child: one record with both histories,
audited, reversible exactly, the strictest restriction carried over; the merged record
comes out of no read."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import httpx
import pytest

from connectors import ehm, ies
from connectors.intake import ingest
from connectors.livelink.embedded_store import EmbeddedContentStore
from connectors.livelink.outbox import OutboxWorker
from demo import county
from graph import FalkorDBStore, drain_audit_journal
from graph.cypher import partners
from graph.cypher.merging import CHILD_RELATIONSHIPS
from hub.app import form_store_from_settings
from hub.settings import Settings
from tests.connectors.intake.world import add_child, role_headers
from tests.helpers import bearer, graphql
from workflow.calendar import today_in_england
from workflow.ids import now_ms

pytestmark = pytest.mark.anyio

MERGE = """mutation ($keep: ID!, $merge: ID!, $reason: String!, $on: Date) {
  mergeChildren(keep: $keep, merge: $merge, reason: $reason, on: $on) {
    __typename
    ... on ChildMerge { id keptChildId mergedChildId reason mergedOn recordedBy recordedAt
                        movedRelationships undoneBy undoReason restoredRelationships }
    ... on TransitionRefused { currentState allowedNextSteps reason }
    ... on NotFound { kind id }
    ... on NotAuthorised { reason }
    ... on InvalidInput { problems { field rule } }
  } }"""
UNMERGE = """mutation ($merged: ID!, $reason: String!) {
  unmergeChildren(merged: $merged, reason: $reason) {
    __typename
    ... on ChildMerge { id undoneBy undoReason restoredRelationships }
    ... on TransitionRefused { currentState reason }
    ... on NotFound { kind id }
    ... on NotAuthorised { reason }
  } }"""
RECORD_CONTACT = """mutation ($input: RecordContactInput!) { recordContact(input: $input) {
  __typename ... on Contact { id childId } } }"""
CHILD = """query ($id: ID!) { child(id: $id) { id givenName contacts { id } caseNotes { text }
  cases { id } file { id } } }"""
FILES = "query ($id: ID!) { child(id: $id) { file { id } files { id } } }"
GENERATE = """mutation ($child: ID!, $source: ID) { generateForm(childId: $child,
  templateKey: "contact_record", sourceId: $source) {
  ... on GeneratedForm { version { id } } } }"""
SUSPECTED = """{ suspectedDuplicateChildren { ... on SuspectedDuplicateList {
  pairs { first { childId } second { childId } } } } }"""
CPIS = "query ($n: String!) { cpisRecord(nhsNumber: $n) { nhsNumber } }"
ALL_TYPES = {kind for kind, _ in CHILD_RELATIONSHIPS}
# Reads during the test add audit events; the rest must come back exactly.
MOVED_TYPES = ALL_TYPES - {"ACCESSED"}
# What is around a record, in both directions: type, direction, the other end, properties.
AROUND = """
MATCH (c {id: $id})-[r]->(o) RETURN type(r) AS type, 'OUT' AS direction, o.id AS other,
       properties(r) AS properties
UNION ALL
MATCH (c {id: $id})<-[r]-(o) RETURN type(r) AS type, 'IN' AS direction, o.id AS other,
       properties(r) AS properties
"""
OFFICER = "worker-ro-demo"


@pytest.fixture
async def demo(store: FalkorDBStore) -> county.County:
    world = county.generate("tiny", today=date(2026, 11, 2))
    await county.load(store, world, show_progress=False)
    return world


async def _around(store: FalkorDBStore, child_id: str, types: set[str]) -> list[tuple[Any, ...]]:
    # Every relationship, the audit's `ACCESSED` too: the journaled reads are written first.
    await drain_audit_journal(store)
    rows = await store.read(AROUND, {"id": child_id})
    return sorted(
        (row["type"], row["direction"], row["other"], sorted(row["properties"].items()))
        for row in rows
        if row["type"] in types
    )


async def _merge(
    client: httpx.AsyncClient, officer: dict[str, str], keep: str, merge: str
) -> dict[str, Any]:
    answer = await graphql(
        client,
        officer,
        MERGE,
        {"keep": keep, "merge": merge, "reason": "One child: GP confirms", "on": None},
    )
    merged: dict[str, Any] = answer["mergeChildren"]
    return merged


async def _new_record(
    client: httpx.AsyncClient, worker: dict[str, str], child: dict[str, Any]
) -> dict[str, Any]:
    answer = await graphql(
        client,
        worker,
        RECORD_CONTACT,
        {
            "input": {
                "receivedDate": "2026-11-20",
                "source": "SCHOOLS",
                "summary": "Arrived hungry three days running",
                "child": child,
                "confirmNewChild": True,
            }
        },
    )
    contact: dict[str, Any] = answer["recordContact"]
    assert contact["__typename"] == "Contact", contact
    return contact


async def _recorded_again_with_a_typo(
    client: httpx.AsyncClient, worker: dict[str, str], demo: county.County
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A child of the worker's caseload, and the contact that recorded the same child again
    at the front door as a new child, the first name mistyped."""
    kept_id = next(row["child"] for row in demo.allocations if row["worker"] == "worker-sw-demo")
    kept = next(child for child in demo.children if child["id"] == kept_id)
    typo = {
        "givenName": kept["givenName"] + "e",
        "familyName": kept["familyName"],
        "dateOfBirth": str(kept["dateOfBirth"]),
        "sex": kept["sex"],
    }
    return kept, await _new_record(client, worker, typo)


async def _grant_the_sealed_record_to_the_officer(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    """An administrator grants the demo records officer the restricted C-SEALED, to merge
    it (nobody grants themselves a restricted record)."""
    granted = await graphql(
        client,
        bearer(settings, "administrator"),
        """mutation ($on: Date!) { grantRecordAccess(childId: "C-SEALED",
             workerId: "worker-ro-demo", expiresOn: $on,
             reason: "To merge two records of one child") { __typename } }""",
        {"on": today_in_england().isoformat()},
    )
    assert granted == {"grantRecordAccess": {"__typename": "AccessGrant"}}


async def test_a_merge_keeps_both_histories_and_unmerging_puts_both_records_back_exactly(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, demo: county.County
) -> None:
    worker, officer = bearer(settings, "social-worker"), bearer(settings, "records-officer")
    kept, contact = await _recorded_again_with_a_typo(client, worker, demo)
    kept_id, merged_id = kept["id"], contact["childId"]
    note = await graphql(
        client,
        worker,
        """mutation ($input: AddCaseNoteInput!) { addCaseNote(input: $input) { __typename } }""",
        {
            "input": {
                "childId": merged_id,
                "type": "PHONE_CALL",
                "text": "School rang again",
                "occurredAt": "2026-11-21T10:00:00Z",
            }
        },
    )
    assert note == {"addCaseNote": {"__typename": "CaseNote"}}
    finalised = await graphql(
        client,
        worker,
        """mutation ($id: ID!) { finaliseContact(contactId: $id, outcome: REFERRAL_TO_SOCIAL_CARE,
             on: "2026-11-20") { __typename } }""",
        {"id": contact["id"]},
    )
    assert finalised == {"finaliseContact": {"__typename": "FinalisedContact"}}
    generated = await graphql(
        client, worker, GENERATE, {"child": merged_id, "source": contact["id"]}
    )
    version_id = generated["generateForm"]["version"]["id"]
    # The kept record has a Livelink file of its own too.
    kept_contact = (await graphql(client, worker, CHILD, {"id": kept_id}))["child"]["contacts"][0]
    await graphql(client, worker, GENERATE, {"child": kept_id, "source": kept_contact["id"]})
    before_kept = (await graphql(client, worker, CHILD, {"id": kept_id}))["child"]
    kept_files = (await graphql(client, worker, FILES, {"id": kept_id}))["child"]
    merged_files = (await graphql(client, worker, FILES, {"id": merged_id}))["child"]
    assert kept_files["file"] is not None
    assert merged_files["file"] is not None
    suspected_before = await graphql(client, officer, SUSPECTED)
    kept_around = await _around(store, kept_id, MOVED_TYPES)
    merged_around = await _around(store, merged_id, MOVED_TYPES)
    merged_everything = await _around(store, merged_id, ALL_TYPES)

    done = await _merge(client, officer, kept_id, merged_id)

    assert done["__typename"] == "ChildMerge"
    assert (done["keptChildId"], done["mergedChildId"], done["recordedBy"]) == (
        kept_id,
        merged_id,
        OFFICER,
    )
    assert (done["reason"], done["mergedOn"]) == (
        "One child: GP confirms",
        today_in_england().isoformat(),
    )
    # One record with both histories.
    after_kept = (await graphql(client, worker, CHILD, {"id": kept_id}))["child"]
    assert {c["id"] for c in after_kept["contacts"]} == {
        c["id"] for c in before_kept["contacts"]
    } | {contact["id"]}
    assert {"text": "School rang again"} in after_kept["caseNotes"]
    # Two Livelink files (Livelink keeps them apart): the kept record's own is its file.
    assert (await graphql(client, worker, FILES, {"id": kept_id}))["child"] == {
        "file": kept_files["file"],
        "files": [kept_files["file"], merged_files["file"]],
    }
    assert len(after_kept["cases"]) == len(before_kept["cases"]) + 1
    # The merged record's documents are read through the record kept.
    document = await graphql(
        client,
        worker,
        """query ($id: ID!) { documentContent(versionId: $id, format: HTML) {
             __typename } }""",
        {"id": version_id},
    )
    assert document == {"documentContent": {"__typename": "DocumentContent"}}
    # The merged record comes out of no read, for anyone.
    for reader in (worker, officer):
        assert (await graphql(client, reader, CHILD, {"id": merged_id})) == {"child": None}
        found = await graphql(
            client,
            reader,
            "query ($t: String!) { searchChildren(term: $t) { id } }",
            {"t": kept["familyName"]},
        )
        assert merged_id not in {c["id"] for c in found["searchChildren"]}
    # Nothing is left on it but the merge itself (and what the kept record already had).
    left = await _around(store, merged_id, ALL_TYPES)
    assert {(kind, direction) for kind, direction, _, _ in left} <= {
        ("MEMBER_OF", "OUT"),
        ("RESPONSIBLE_TEAM", "OUT"),
    }
    assert done["movedRelationships"] == len(merged_everything) - len(left)
    # A relationship type the merge does not know would be left behind here.
    kinds = {row["type"] for row in await store.read(AROUND, {"id": merged_id})}
    assert kinds <= {"MERGED_INTO", "MERGED", "MEMBER_OF", "RESPONSIBLE_TEAM"}
    pairs = lambda listed: [  # noqa: E731
        {p["first"]["childId"], p["second"]["childId"]}
        for p in listed["suspectedDuplicateChildren"]["pairs"]
    ]
    assert {kept_id, merged_id} in pairs(suspected_before)
    assert {kept_id, merged_id} not in pairs(await graphql(client, officer, SUSPECTED))
    merges = await graphql(
        client,
        officer,
        """query ($id: ID!) { childMerges(childId: $id) {
             ... on ChildMergeList { merges { id } } } }""",
        {"id": kept_id},
    )
    assert merges == {"childMerges": {"merges": [{"id": done["id"]}]}}

    undone = (
        await graphql(client, officer, UNMERGE, {"merged": merged_id, "reason": "Twins after all"})
    )["unmergeChildren"]

    assert undone == {
        "__typename": "ChildMerge",
        "id": done["id"],
        "undoneBy": OFFICER,
        "undoReason": "Twins after all",
        # With the two reads naming the merged record while it stood (the merge's answer
        # and childMerges), audited against it and so given back to it.
        "restoredRelationships": done["movedRelationships"] + 2,
    }
    assert await _around(store, kept_id, MOVED_TYPES) == kept_around
    assert await _around(store, merged_id, MOVED_TYPES) == merged_around
    again = (await graphql(client, worker, CHILD, {"id": merged_id}))["child"]
    assert [c["id"] for c in again["contacts"]] == [contact["id"]]
    assert (await graphql(client, worker, CHILD, {"id": kept_id}))["child"] == before_kept
    assert (await graphql(client, worker, FILES, {"id": kept_id}))["child"] == kept_files
    assert (await graphql(client, worker, FILES, {"id": merged_id}))["child"] == merged_files


async def test_a_restricted_record_merged_into_an_open_one_keeps_the_child_restricted(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, demo: county.County
) -> None:
    officer = bearer(settings, "records-officer")
    nhs = (await store.read(partners.NHS_NUMBERS_ON_PLANS, {"limit": 1}))[0]["nhsNumber"]
    open_id = (await store.read("MATCH (c:Child {nhsNumber: $n}) RETURN c.id AS id", {"n": nhs}))[
        0
    ]["id"]
    allocated = (
        await store.read(
            "MATCH (:Child {id: $id})-[:ALLOCATED_TO]->(w:Worker) RETURN w.id AS id",
            {"id": open_id},
        )
    )[0]["id"]
    worker = await role_headers(store, settings, "social_worker", allocated)
    police, health = bearer(settings, "police"), bearer(settings, "health")
    opened = await graphql(
        client,
        worker,
        """mutation ($c: ID!) { openMultiAgencyEnquiry(childIds: [$c], kind: MASH,
             agencyIds: ["agency-police"], reason: "Domestic incident") { __typename } }""",
        {"c": open_id},
    )
    assert opened == {"openMultiAgencyEnquiry": {"__typename": "MultiAgencyEnquiry"}}
    # The same child's second record, sealed (an adoption): only a grant opens it.
    await add_child(store, "C-SEALED", "Sealed", "Record", date(2015, 1, 1))
    restricted = await graphql(
        client,
        officer,
        """mutation { restrictRecord(childId: "C-SEALED", restricted: true,
             reason: "Adoption order") { __typename } }""",
    )
    assert restricted == {"restrictRecord": {"__typename": "RecordRestriction"}}

    async def views() -> tuple[bool, bool, bool]:
        seen = await graphql(
            client, worker, "query ($id: ID!) { child(id: $id) { id } }", {"id": open_id}
        )
        cpis = await graphql(client, health, CPIS, {"n": nhs})
        enquiry = await graphql(client, police, "{ enquiryChildren { id } }")
        return (
            seen["child"] is not None,
            cpis["cpisRecord"] is not None,
            open_id in {c["id"] for c in enquiry["enquiryChildren"]},
        )

    assert await views() == (True, True, True)
    # Without a grant the officer cannot see the sealed record, so cannot merge it.
    refused = (
        await graphql(
            client, officer, MERGE, {"keep": open_id, "merge": "C-SEALED", "reason": "same"}
        )
    )["mergeChildren"]
    assert refused == {"__typename": "NotFound", "kind": "Child", "id": "C-SEALED"}
    # Another person grants it (nobody grants themselves a restricted record).
    await _grant_the_sealed_record_to_the_officer(client, settings)

    merged = (
        await graphql(
            client, officer, MERGE, {"keep": open_id, "merge": "C-SEALED", "reason": "same"}
        )
    )["mergeChildren"]

    assert merged["__typename"] == "ChildMerge"
    # Nobody without a grant sees the child now: not the allocated worker, not health,
    # not the police in the open enquiry.
    assert await views() == (False, False, False)
    assert (await graphql(client, officer, CHILD, {"id": open_id}))["child"]["id"] == open_id
    kept = await store.read(
        "MATCH (c:Child {id: $id}) RETURN c.restricted AS restricted,"
        " c.restrictionReason AS reason",
        {"id": open_id},
    )
    assert kept == [{"restricted": True, "reason": "Adoption order"}]

    undone = (
        await graphql(client, officer, UNMERGE, {"merged": "C-SEALED", "reason": "Not one child"})
    )["unmergeChildren"]

    assert undone["__typename"] == "ChildMerge"
    assert await views() == (True, True, True)
    sealed = await store.read("MATCH (c:Child {id: 'C-SEALED'}) RETURN c.restricted AS restricted")
    assert sealed == [{"restricted": True}]
    assert (await graphql(client, worker, CHILD, {"id": "C-SEALED"})) == {"child": None}


async def test_merges_that_break_a_rule_are_refused_naming_it_and_change_nothing(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    officer = await role_headers(store, settings, "records_officer", OFFICER)
    await add_child(store, "C-A", "Ruby", "Newman", date(2019, 5, 4), nhs="9434765919")
    await add_child(store, "C-B", "Rubie", "Newman", date(2019, 5, 4), nhs="9434765870")
    await add_child(store, "C-C", "Ruby", "Newman", date(2019, 4, 5))
    await add_child(store, "C-D", "Ruby", "Newmann", date(2019, 5, 4))

    async def merge(headers: dict[str, str], keep: str, into: str) -> dict[str, Any]:
        answer = await graphql(client, headers, MERGE, {"keep": keep, "merge": into, "reason": "x"})
        return answer["mergeChildren"]  # type: ignore[no-any-return]

    same = await merge(officer, "C-A", "C-A")
    conflicting = await merge(officer, "C-A", "C-B")
    social_worker = await role_headers(store, settings, "social_worker", "sw-1")
    not_allowed = await merge(social_worker, "C-A", "C-C")
    first = await merge(officer, "C-A", "C-C")
    again = await merge(officer, "C-D", "C-C")
    unknown = await merge(officer, "C-A", "C-NONE")
    not_merged = (await graphql(client, officer, UNMERGE, {"merged": "C-D", "reason": "x"}))[
        "unmergeChildren"
    ]
    later = await merge(officer, "C-D", "C-A")
    out_of_order = (await graphql(client, officer, UNMERGE, {"merged": "C-C", "reason": "x"}))[
        "unmergeChildren"
    ]
    future = await graphql(
        client, officer, MERGE, {"keep": "C-A", "merge": "C-D", "reason": "x", "on": "2099-01-01"}
    )

    assert same == {
        "__typename": "InvalidInput",
        "problems": [{"field": "input", "rule": "merge must be another record than keep"}],
    }
    assert conflicting["__typename"] == "TransitionRefused"
    assert conflicting["currentState"] == "CONFLICTING_NHS_NUMBERS"
    assert not_allowed == {
        "__typename": "NotAuthorised",
        "reason": "the social_worker role cannot merge records: a records officer does",
    }
    assert first["__typename"] == "ChildMerge"
    assert again["__typename"] == "TransitionRefused"
    assert (again["currentState"], again["allowedNextSteps"]) == ("MERGED", ["unmergeChildren"])
    assert unknown == {"__typename": "NotFound", "kind": "Child", "id": "C-NONE"}
    assert not_merged["__typename"] == "TransitionRefused"
    assert not_merged["currentState"] == "NOT_MERGED"
    assert later["__typename"] == "ChildMerge"
    assert out_of_order["__typename"] == "TransitionRefused"
    assert out_of_order["reason"].endswith("undo that later merge first")
    assert future["mergeChildren"] == {
        "__typename": "InvalidInput",
        "problems": [{"field": "on", "rule": "must not be in the future"}],
    }
    # The refused merges wrote nothing: one merge event, the two NHS numbers where they were.
    events = await store.read(
        "MATCH (e:MergeEvent) RETURN e.mergedId AS merged, e.undoneAt AS undone ORDER BY merged"
    )
    assert events == [{"merged": "C-A", "undone": None}, {"merged": "C-C", "undone": None}]
    numbers = await store.read(
        "MATCH (c:Child) WHERE c.id IN ['C-B', 'C-D'] RETURN c.id AS id, c.nhsNumber AS nhs"
        " ORDER BY id"
    )
    # C-D took C-A's number when C-A was merged into it; C-B kept its own.
    assert numbers == [{"id": "C-B", "nhs": "9434765870"}, {"id": "C-D", "nhs": "9434765919"}]


async def test_racing_merges_of_two_records_into_each_other_leave_one_child(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    officer = await role_headers(store, settings, "records_officer", OFFICER)
    await add_child(store, "C-X", "Ruby", "Newman", date(2019, 5, 4))
    await add_child(store, "C-Y", "Rubie", "Newman", date(2019, 5, 4))

    answers = await asyncio.gather(
        *(
            graphql(client, officer, MERGE, {"keep": keep, "merge": gone, "reason": "same"})
            for keep, gone in [("C-X", "C-Y"), ("C-Y", "C-X")] * 5
        )
    )

    kinds = sorted(answer["mergeChildren"]["__typename"] for answer in answers)
    assert kinds == ["ChildMerge"] + ["TransitionRefused"] * 9
    children = await store.read("MATCH (c:Child) WHERE c.id IN ['C-X', 'C-Y'] RETURN count(c) AS n")
    assert children == [{"n": 1}]


# What is open on each record, what the refusal names, and how the duplicate's is closed.
OPEN_ON_BOTH = {
    # One child at a time in one episode of need (CIN census rule 8820).
    "episode": (
        "CREATE (:Referral {id: 'R-' + $child, status: 'OPEN', referralDate: date($on)})",
        "TWO_OPEN_EPISODES",
        "rule 8820",
        "MATCH (r:Referral {id: 'R-C-F'}) SET r.status = 'CLOSED',"
        " r.closureDate = date('2026-11-02')",
    ),
    # Looked after in one period of care at a time (SSDA903 episodes never overlap).
    "period of care": (
        "CREATE (:PeriodOfCare {id: 'P-' + $child, status: 'LOOKED_AFTER', startDate: date($on)})",
        "TWO_OPEN_PERIODS_OF_CARE",
        "never overlap",
        "MATCH (p:PeriodOfCare {id: 'P-C-F'}) SET p.status = 'CEASED'",
    ),
}


@pytest.mark.parametrize("open_on_both", sorted(OPEN_ON_BOTH))
async def test_two_records_each_with_one_open_are_not_merged_until_one_is_closed(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, open_on_both: str
) -> None:
    opened, state, rule, close = OPEN_ON_BOTH[open_on_both]
    officer = await role_headers(store, settings, "records_officer", OFFICER)
    await add_child(store, "C-E", "Amir", "Haddad", date(2016, 3, 2))
    await add_child(store, "C-F", "Amir", "Hadad", date(2016, 3, 2))
    for child, on in (("C-E", "2026-09-01"), ("C-F", "2026-11-02")):
        await store.write(
            f"MATCH (c:Child {{id: $child}}) {opened}-[:ABOUT]->(c)", {"child": child, "on": on}
        )
    variables = {"keep": "C-E", "merge": "C-F", "reason": "GP confirms one child"}

    refused = (await graphql(client, officer, MERGE, variables))["mergeChildren"]

    assert refused["__typename"] == "TransitionRefused"
    assert refused["currentState"] == state
    assert rule in refused["reason"]
    assert await store.read("MATCH (e:MergeEvent) RETURN e.id AS id") == []
    children = "MATCH (c:Child) WHERE c.id IN ['C-E', 'C-F'] RETURN c.id AS id ORDER BY id"
    assert await store.read(children) == [{"id": "C-E"}, {"id": "C-F"}]

    await store.write(close)
    merged = (await graphql(client, officer, MERGE, variables))["mergeChildren"]
    assert merged["__typename"] == "ChildMerge"


ALLOCATE = """mutation ($input: AllocateChildInput!) { allocateChild(input: $input) {
  __typename ... on Allocation { id } ... on InvalidInput { problems { field rule } } } }"""
ALLOCATIONS = """query ($id: ID!) { allocations(childId: $id) {
  id workerId startDate endDate endedBy } }"""
ALLOCATION_NODES = """
MATCH (a:Allocation)-[:ABOUT]->(c:Child) WHERE c.id IN $ids
RETURN a.id AS id, c.id AS child, properties(a) AS properties ORDER BY id
"""


async def test_of_two_allocated_records_the_kept_allocation_stands_and_undoing_reopens_the_other(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, demo: county.County
) -> None:
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    officer = bearer(settings, "records-officer")
    kept_id = next(row["child"] for row in demo.allocations if row["worker"] == "worker-sw-demo")
    kept = next(child for child in demo.children if child["id"] == kept_id)
    contact = await _new_record(
        client,
        worker,
        {
            "givenName": kept["givenName"],
            "familyName": kept["familyName"] + "s",
            "dateOfBirth": str(kept["dateOfBirth"]),
            "sex": kept["sex"],
        },
    )
    merged_id = contact["childId"]
    allocated = await graphql(
        client,
        manager,
        ALLOCATE,
        {
            "input": {
                "childId": merged_id,
                "workerId": "team-safeguarding-south-sw1",
                "reason": "FCONTA_FIRST_CONTACT_OR_REREFERRAL",
            }
        },
    )
    assert allocated["allocateChild"]["__typename"] == "Allocation", allocated
    other_allocation = allocated["allocateChild"]["id"]
    around = {child: await _around(store, child, MOVED_TYPES) for child in (kept_id, merged_id)}
    allocations_before = await store.read(ALLOCATION_NODES, {"ids": [kept_id, merged_id]})

    done = await _merge(client, officer, kept_id, merged_id)
    assert done["__typename"] == "ChildMerge", done

    # One allocated worker: the kept record's. The other allocation is in the history,
    # ended by the merge on its date, and gives no access through the kept record.
    listed = (await graphql(client, manager, ALLOCATIONS, {"id": kept_id}))["allocations"]
    still_open = [a["workerId"] for a in listed if a["endDate"] is None]
    assert still_open == ["worker-sw-demo"]
    ended = next(a for a in listed if a["id"] == other_allocation)
    assert (ended["workerId"], ended["endDate"], ended["endedBy"]) == (
        "team-safeguarding-south-sw1",
        today_in_england().isoformat(),
        OFFICER,
    )
    holders = await _around(store, kept_id, {"ALLOCATED_TO"})
    assert [other for _, _, other, _ in holders] == ["worker-sw-demo"]
    seen = await graphql(
        client,
        manager,
        "query ($id: ID!) { child(id: $id) { allocatedWorker { id } } }",
        {"id": kept_id},
    )
    assert seen == {"child": {"allocatedWorker": {"id": "worker-sw-demo"}}}

    undone = (
        await graphql(client, officer, UNMERGE, {"merged": merged_id, "reason": "Two children"})
    )["unmergeChildren"]
    assert undone["__typename"] == "ChildMerge", undone
    # Both records as they were, the other allocation open again.
    for child, before in around.items():
        assert await _around(store, child, MOVED_TYPES) == before
    assert await store.read(ALLOCATION_NODES, {"ids": [kept_id, merged_id]}) == allocations_before


RUBI_UPN = "E938200112001"
RUBI = {"givenName": "Ruby", "familyName": "Newman", "dateOfBirth": "2019-05-04", "upn": RUBI_UPN}
PUPIL = {
    "recordType": "PUPIL",
    "recordId": "P1",
    "version": 1,
    **RUBI,
    "schoolUrn": "117000",
    "schoolName": "Oak Primary",
    "yearGroup": "2",
    "startDate": "2024-09-04",
}
STEP_UP = {
    "recordType": "STEP_UP",
    "recordId": "P1",
    "version": 1,
    **RUBI,
    "startDate": "2026-11-02",
    "episodeId": "EP-1",
    "reason": "Neglect concerns growing",
}


@pytest.mark.parametrize(
    ("record", "key", "contacts"),
    [(PUPIL, "IES:PUPIL:P1", []), (STEP_UP, "EHM:STEP_UP:P1", ["WITHDRAWN"])],
)
async def test_undoing_a_merge_unlinks_what_linked_through_the_other_record_s_number(
    client: httpx.AsyncClient,
    store: FalkorDBStore,
    settings: Settings,
    record: dict[str, Any],
    key: str,
    contacts: list[str],
) -> None:
    # While two records were merged the kept one carried the other's UPN, and IES's pupil
    # record with that UPN linked to it. Undoing the merge (two children after all) gives
    # the UPN back: the pupil record must not stay on the kept child, or the school would
    # count that child as its pupil. It goes to a person, with the reason in its trail.
    # An EHM step up so linked takes its undecided contact off the kept child with it.
    await add_child(store, "C-RUBY", "Ruby", "Newman", date(2019, 5, 4), nhs="9434765919")
    await add_child(store, "C-RUBI", "Rubi", "Newman", date(2019, 5, 4), upn=RUBI_UPN)
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    done = await _merge(client, officer, "C-RUBY", "C-RUBI")
    assert done["__typename"] == "ChildMerge", done
    source, by = (ies.SOURCE, "system:ies") if record is PUPIL else (ehm.SOURCE, "system:ehm")
    linked = await ingest(store, [(1, record)], source, by=by)
    assert linked.results[0].child_id == "C-RUBY"

    undone = (
        await graphql(client, officer, UNMERGE, {"merged": "C-RUBI", "reason": "Twins after all"})
    )["unmergeChildren"]

    assert undone["__typename"] == "ChildMerge", undone
    unlinked = (
        await store.read(
            "MATCH (r:SourceRecord {key: $key}) RETURN r.linkState AS state,"
            " [(r)-[:LINKED_TO]->(c:Child) | c.id] AS children, r.reviewCandidates AS candidates",
            {"key": key},
        )
    )[0]
    assert (unlinked["state"], unlinked["children"]) == ("REVIEW", [])
    assert "C-RUBI" in unlinked["candidates"]
    events = await store.read(
        "MATCH (e:LinkEvent {recordKey: $key}) RETURN e.action AS action,"
        " e.childId AS childId, e.by AS by, e.reason AS reason ORDER BY e.at, e.action",
        {"key": key},
    )
    assert [(e["action"], e["childId"], e["by"]) for e in events] == [
        ("LINK", "C-RUBY", by),
        ("UNLINK", "C-RUBY", "records-officer-1"),
    ]
    assert "merge" in events[1]["reason"]
    left = await store.read(
        "MATCH (:Child {id: 'C-RUBY'})<-[:ABOUT]-(k:Contact) RETURN k.status AS status"
    )
    assert [row["status"] for row in left] == contacts


async def test_a_form_made_again_after_a_merge_is_the_next_version_of_the_same_document(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, demo: county.County
) -> None:
    # The contact record of a contact on the merged record was generated before the merge.
    # Generated again through the record kept, it is version 2 of that document, in the
    # file it was filed in, and undoing the merge takes it back with its contact.
    worker, officer = bearer(settings, "social-worker"), bearer(settings, "records-officer")
    kept, contact = await _recorded_again_with_a_typo(client, worker, demo)
    kept_id, merged_id = kept["id"], contact["childId"]
    versions = """mutation ($child: ID!, $source: ID) { generateForm(childId: $child,
      templateKey: "contact_record", sourceId: $source) {
      ... on GeneratedForm { document { id childId } version { version } } } }"""
    first = (
        await graphql(client, worker, versions, {"child": merged_id, "source": contact["id"]})
    )["generateForm"]
    assert (await _merge(client, officer, kept_id, merged_id))["__typename"] == "ChildMerge"

    again = (await graphql(client, worker, versions, {"child": kept_id, "source": contact["id"]}))[
        "generateForm"
    ]

    assert again["document"]["id"] == first["document"]["id"]
    assert again["version"]["version"] == 2
    documents = await store.read(
        "MATCH (d:Document {sourceId: $source}) RETURN d.id AS id", {"source": contact["id"]}
    )
    assert [row["id"] for row in documents] == [first["document"]["id"]]
    undone = await graphql(client, officer, UNMERGE, {"merged": merged_id, "reason": "Twins"})
    assert undone["unmergeChildren"]["__typename"] == "ChildMerge"
    held = await store.read(
        "MATCH (c:Child)-[:HAS_FILE]->(:File)-[:HAS_FOLDER]->(:Folder)-[:HOLDS]->"
        "(d:Document {id: $id})-[:HAS_VERSION]->(v) RETURN c.id AS child, count(v) AS versions",
        {"id": first["document"]["id"]},
    )
    assert held == [{"child": merged_id, "versions": 2}]


async def test_a_form_first_made_during_a_merge_goes_back_with_its_contact_when_undone(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, demo: county.County
) -> None:
    # The merged record's contact had no form before the merge. Made through the record
    # kept, the form is filed in the merged record's file (opened for it, carried by the
    # merge), so undoing the merge takes it back to that record and Livelink files it there.
    worker, officer = bearer(settings, "social-worker"), bearer(settings, "records-officer")
    kept, contact = await _recorded_again_with_a_typo(client, worker, demo)
    kept_id, merged_id = kept["id"], contact["childId"]
    kept_file = (await graphql(client, worker, FILES, {"id": kept_id}))["child"]["file"]
    assert (await _merge(client, officer, kept_id, merged_id))["__typename"] == "ChildMerge"
    made = """mutation ($child: ID!, $source: ID) { generateForm(childId: $child,
      templateKey: "contact_record", sourceId: $source) {
      ... on GeneratedForm { document { id childId } version { version } } } }"""
    form = (await graphql(client, worker, made, {"child": kept_id, "source": contact["id"]}))[
        "generateForm"
    ]
    assert form["version"]["version"] == 1
    assert form["document"]["childId"] == merged_id
    # While merged, the record kept shows the merged record's file among its files, and
    # as its own file only the one it had (none here, until it opens one).
    during = (await graphql(client, worker, FILES, {"id": kept_id}))["child"]
    assert during["file"] == kept_file
    assert len(during["files"]) == (2 if kept_file else 1)
    content = await EmbeddedContentStore.open(settings.content_dir)
    try:
        worker_run = OutboxWorker(store, content, form_store=form_store_from_settings(settings))
        await worker_run.deliver_due(now_ms() + 1)
    finally:
        await content.aclose()
    filed = await store.read(
        "MATCH (:Document {id: $id})-[:HAS_VERSION]->(v) RETURN v.remoteNodeId AS node",
        {"id": form["document"]["id"]},
    )
    assert filed == [{"node": f"{merged_id}/referral_and_assessment/{form['document']['id']}"}]

    undone = await graphql(client, officer, UNMERGE, {"merged": merged_id, "reason": "Twins"})

    assert undone["unmergeChildren"]["__typename"] == "ChildMerge"
    held = await store.read(
        "MATCH (c:Child)-[:HAS_FILE]->(f:File)-[:HAS_FOLDER]->(:Folder)-[:HOLDS]->"
        "(d:Document {id: $id}) RETURN c.id AS child, f.childId AS file, d.childId AS document",
        {"id": form["document"]["id"]},
    )
    assert held == [{"child": merged_id, "file": merged_id, "document": merged_id}]
    # The record kept has the file it had before the merge, and no other.
    assert (await graphql(client, worker, FILES, {"id": kept_id}))["child"] == {
        "file": kept_file,
        "files": [kept_file] if kept_file else [],
    }


MERGES = """query ($id: ID!) { childMerges(childId: $id) { __typename
  ... on ChildMergeList { merges { id keptChildId mergedChildId undoneBy } } } }"""


async def _merged_and_undone(
    client: httpx.AsyncClient, officer: dict[str, str], keep: str, merge: str
) -> dict[str, Any]:
    """`merge` merged into `keep` and taken out again; returns the merge."""
    merged = await graphql(client, officer, MERGE, {"keep": keep, "merge": merge, "reason": "same"})
    assert merged["mergeChildren"]["__typename"] == "ChildMerge", merged
    undone = await graphql(client, officer, UNMERGE, {"merged": merge, "reason": "Not one child"})
    assert undone["unmergeChildren"]["__typename"] == "ChildMerge", undone
    return merged["mergeChildren"]  # type: ignore[no-any-return]


async def test_an_undone_merge_of_a_restricted_record_is_not_named_to_an_officer_without_a_grant(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, demo: county.County
) -> None:
    """Once the merge is undone the sealed record is a restricted child of its own again:
    the kept record's merges say a record was merged and taken out again, not which."""
    officer = bearer(settings, "records-officer")
    other = await role_headers(store, settings, "records_officer", "records-officer-2")
    await add_child(store, "C-OPEN", "Open", "Record", date(2015, 1, 1))
    await add_child(store, "C-SEALED", "Sealed", "Record", date(2015, 1, 1))
    restricted = await graphql(
        client,
        officer,
        """mutation { restrictRecord(childId: "C-SEALED", restricted: true,
             reason: "Adoption order") { __typename } }""",
    )
    assert restricted == {"restrictRecord": {"__typename": "RecordRestriction"}}
    await _grant_the_sealed_record_to_the_officer(client, settings)
    merged = await _merged_and_undone(client, officer, "C-OPEN", "C-SEALED")

    seen_by_other = await client.post(
        "/graphql", json={"query": MERGES, "variables": {"id": "C-OPEN"}}, headers=other
    )
    seen_by_granted = await graphql(client, officer, MERGES, {"id": "C-OPEN"})

    [merge] = seen_by_other.json()["data"]["childMerges"]["merges"]
    assert (merge["id"], merge["keptChildId"], merge["undoneBy"]) == (
        merged["id"],
        "C-OPEN",
        "worker-ro-demo",
    )
    assert merge["mergedChildId"] is None
    assert "C-SEALED" not in seen_by_other.text
    # The officer holding the grant is still told which record it was.
    [known] = seen_by_granted["childMerges"]["merges"]
    assert known["mergedChildId"] == "C-SEALED"


async def test_reading_a_child_s_merges_is_audited_against_each_record_it_names(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, demo: county.County
) -> None:
    """A merge names the records it joined and says why they are one child: read through
    childMerges (or answered by mergeChildren and unmergeChildren) it is a read of each
    record it names, audited as any other."""
    officer = bearer(settings, "records-officer")
    reader = await role_headers(store, settings, "records_officer", "records-officer-2")
    await add_child(store, "C-KEPT", "Kept", "Record", date(2015, 1, 1))
    await add_child(store, "C-TWICE", "Kept", "Record", date(2015, 1, 1), sex="M")
    await _merged_and_undone(client, officer, "C-KEPT", "C-TWICE")
    read = await graphql(client, reader, MERGES, {"id": "C-KEPT"})
    [merge] = read["childMerges"]["merges"]
    assert (merge["keptChildId"], merge["mergedChildId"]) == ("C-KEPT", "C-TWICE")

    await drain_audit_journal(store)
    audited = await store.read(
        "MATCH (e:AuditEvent {subject: $subject})-[:ACCESSED]->(c:Child)"
        " RETURN c.id AS id, e.fields AS fields",
        {"subject": "records-officer-2"},
    )
    assert {row["id"]: sorted(row["fields"]) for row in audited} == {
        child: ["id", "keptChildId", "mergedChildId", "undoneBy"] for child in ("C-KEPT", "C-TWICE")
    }


async def test_a_merge_that_would_date_a_contact_before_the_kept_child_s_pregnancy_is_refused(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # CIN census rule 8606: no referral more than 40 weeks before the child's birth. The
    # record merged was first contacted in 2015; the record kept says born in 2019: merged,
    # that contact would be about a child not yet conceived. One date of birth is wrong:
    # it is corrected first, or the other record is kept.
    officer = await role_headers(store, settings, "records_officer", OFFICER)
    await add_child(store, "C-NEW", "Ruby", "Newman", date(2019, 5, 4))
    await add_child(store, "C-OLD", "Ruby", "Newman", date(2014, 5, 4))
    await store.write(
        "MATCH (c:Child {id: 'C-OLD'}) CREATE (:Contact {id: 'K-2015', status: 'FINALISED',"
        " receivedDate: date('2015-02-02')})-[:ABOUT]->(c)"
    )

    async def merge(keep: str, into: str) -> dict[str, Any]:
        answer = await graphql(client, officer, MERGE, {"keep": keep, "merge": into, "reason": "x"})
        return answer["mergeChildren"]  # type: ignore[no-any-return]

    refused = await merge("C-NEW", "C-OLD")

    assert refused == {
        "__typename": "InvalidInput",
        "problems": [
            {
                "field": "keep",
                "rule": "the first contact about the record merged (2015-02-02) is more than"
                " 40 weeks before the child's date of birth (2019-05-04; CIN census rule 8606):"
                " correct the date of birth first, or keep the other record",
            }
        ],
    }
    assert await store.read("MATCH (e:MergeEvent) RETURN e.id AS id") == []
    about = await store.read("MATCH (:Contact {id: 'K-2015'})-[:ABOUT]->(c) RETURN c.id AS id")
    assert about == [{"id": "C-OLD"}]
    # Kept the other way, the contact stands well after the birth: the merge is made.
    assert (await merge("C-OLD", "C-NEW"))["__typename"] == "ChildMerge"


async def test_merges_undone_in_turn_after_a_chain_put_each_record_back_exactly(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, demo: county.County
) -> None:
    # A first record merged into a second, the second then merged into a third: undoing
    # the second merge and then the first must give each record back its own history,
    # not leave the first record's on the second.
    worker, officer = bearer(settings, "social-worker"), bearer(settings, "records-officer")
    kept, middle_contact = await _recorded_again_with_a_typo(client, worker, demo)
    first_contact = await _new_record(
        client,
        worker,
        {
            "givenName": kept["givenName"] + "y",
            "familyName": kept["familyName"],
            "dateOfBirth": str(kept["dateOfBirth"]),
            "sex": kept["sex"],
        },
    )
    kept_id, middle_id, first_id = kept["id"], middle_contact["childId"], first_contact["childId"]
    note = await graphql(
        client,
        worker,
        """mutation ($input: AddCaseNoteInput!) { addCaseNote(input: $input) { __typename } }""",
        {
            "input": {
                "childId": first_id,
                "type": "PHONE_CALL",
                "text": "Health visitor rang",
                "occurredAt": "2026-11-21T10:00:00Z",
            }
        },
    )
    assert note == {"addCaseNote": {"__typename": "CaseNote"}}
    records = (kept_id, middle_id, first_id)
    before = [await _around(store, record, MOVED_TYPES) for record in records]

    assert (await _merge(client, officer, middle_id, first_id))["__typename"] == "ChildMerge"
    assert (await _merge(client, officer, kept_id, middle_id))["__typename"] == "ChildMerge"
    chained = (await graphql(client, worker, CHILD, {"id": kept_id}))["child"]
    assert {"text": "Health visitor rang"} in chained["caseNotes"]

    for merged_id in (middle_id, first_id):
        undone = await graphql(
            client, officer, UNMERGE, {"merged": merged_id, "reason": "Three children"}
        )
        assert undone["unmergeChildren"]["__typename"] == "ChildMerge", undone

    assert [await _around(store, record, MOVED_TYPES) for record in records] == before
    first = (await graphql(client, worker, CHILD, {"id": first_id}))["child"]
    assert first["caseNotes"] == [{"text": "Health visitor rang"}]
    assert [c["id"] for c in first["contacts"]] == [first_contact["id"]]
