"""Operation Encompass end to end: police notify, each school sees only its own pupils'
notices and acknowledges, the MASH sees the rest; IES pupils are on a school's roll by URN.

Two schools whose pupils come from IES pupil records (the roll by URN, with dates), a
police officer, the MASH (front door) team and a social worker outside it, through the
real app, tokens and embedded engine.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from auth.tokens import LocalSigningKey, TokenIssuer
from connectors import ies
from connectors.intake import ingest
from graph import FalkorDBStore
from graph.cypher.access import AccessScope
from graph.migrations import MIGRATIONS, backfill_access_holders
from hub.app import create_app, token_settings
from hub.settings import Settings
from tests.connectors.intake.world import RUBY_NHS, add_child, role_headers
from tests.helpers import add_worker, bearer, graphql
from workflow import identifiers
from workflow.calendar import day_starts_ms
from workflow.encompass import NAMED_ONLY_REASON
from workflow.ids import now_ms
from workflow.linking import LinkedRecord, link_record, unlink_record
from workflow.outcomes import NotFound
from workflow.school_days import SCHOOL_TIME_ZONE, TermDatesError, school_calendar

pytestmark = pytest.mark.anyio

TERM_DATES = Path(__file__).parents[1] / "fixtures" / "encompass" / "term_dates_999.json"
CALENDAR = school_calendar(TERM_DATES)
MASH_TEAM = "team-front-door"
SCHOOL_A, SCHOOL_B = "school-urn-100001", "school-urn-100002"


def _upn(serial: str) -> str:
    body = f"999200126{serial}"
    return identifiers.upn_check_letter(body) + body


UPN_RUBY, UPN_OMAR, UPN_LILY, UPN_JACK = (_upn(s) for s in ("001", "002", "003", "004"))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"term_dates": TERM_DATES, "mash_team": MASH_TEAM})


def _token(
    settings: Settings, subject: str, name: str, role: str, agency: str, team: str | None = None
) -> str:
    rules = token_settings(settings)
    return TokenIssuer(rules, LocalSigningKey.load_or_create(rules.key_path)).issue(
        subject, name, role, agency, team
    )


def school_lead(settings: Settings, school: str) -> dict[str, str]:
    token = _token(
        settings, f"dsl-{school}", f"DSL of {school}", "education_safeguarding_lead", school
    )
    return {"Authorization": f"Bearer {token}", "X-Purpose": "OPERATION_ENCOMPASS"}


async def internal(
    store: FalkorDBStore, settings: Settings, subject: str, team: str
) -> dict[str, str]:
    await add_worker(store, subject, "social_worker", team, name=subject)
    token = _token(settings, subject, subject, "social_worker", "agency-la", team)
    return {"Authorization": f"Bearer {token}"}


def _pupil(
    record_id: str, upn: str, urn: str, start: str, end: str | None = None
) -> dict[str, Any]:
    row = {
        "recordType": "PUPIL",
        "recordId": record_id,
        "version": 1,
        "upn": upn,
        "schoolUrn": urn,
        "schoolName": f"School {urn}",
        "yearGroup": "5",
        "startDate": start,
    }
    return {**row, "endDate": end} if end else row


@pytest.fixture
async def county(store: FalkorDBStore) -> None:
    """Ruby at school A, Omar at school B, Lily who left school A in the summer, Jack at
    none; Ruby is allocated to a social worker and in need (so a pupil of school A)."""
    await add_child(store, "C-RUBY", "Ruby", "Newman", date(2017, 5, 4), nhs=RUBY_NHS, upn=UPN_RUBY)
    await add_child(store, "C-OMAR", "Omar", "Hussain", date(2016, 2, 11), sex="M", upn=UPN_OMAR)
    await add_child(store, "C-LILY", "Lily", "Okoro", date(2015, 7, 30), upn=UPN_LILY)
    await add_child(store, "C-JACK", "Jack", "Barton", date(2018, 1, 19), sex="M", upn=UPN_JACK)
    rows = [
        _pupil("P-RUBY", UPN_RUBY, "100001", "2021-09-01"),
        _pupil("P-OMAR", UPN_OMAR, "100002", "2020-09-02"),
        _pupil("P-LILY", UPN_LILY, "100001", "2019-09-04", end="2026-07-22"),
    ]
    report = await ingest(store, list(enumerate(rows, 1)), ies.SOURCE, by="system:ies")
    assert not report.rejected, report.rejected
    await add_worker(store, "worker-sw-demo", "social_worker", "team-safeguarding-north")
    await store.write(
        "MATCH (c:Child {id: 'C-RUBY'}) MATCH (w:Worker {id: 'worker-sw-demo'})"
        " CREATE (c)-[:ALLOCATED_TO]->(w)"
        " CREATE (:Referral {id: 'R-RUBY', status: 'OPEN', referralDate: date('2026-10-01')})"
        "-[:ABOUT]->(c)"
    )
    await backfill_access_holders(store)


NOTIFY = """
mutation ($incident: DomesticAbuseIncidentInput!) {
  notifyDomesticAbuseIncident(incident: $incident) {
    __typename
    ... on IncidentNotified { forceReference occurredAt children { position outcome reason } }
    ... on InvalidInput { problems { field rule } }
    ... on NotAuthorised { reason }
  }
}
"""

NOTICES = """
{ myEncompassNotices { id pupilGivenName pupilFamilyName pupilDateOfBirth upn
    incidentOccurredAt childPresent dueAt schoolDaysToDue overdue schoolDaysOverdue
    acknowledgedAt acknowledgedBy } }
"""

ACKNOWLEDGE = """
mutation ($id: ID!, $readAt: DateTime) {
  acknowledgeEncompassNotice(noticeId: $id, readAt: $readAt) {
    __typename
    ... on EncompassNotice { id acknowledgedAt acknowledgedBy overdue schoolDaysOverdue }
    ... on NotFound { kind id }
    ... on InvalidInput { problems { field rule } }
  }
}
"""

MASH = """
{ mashEncompassNotices { __typename
    ... on MashEncompassNotices { notices { id route childId childName dateOfBirth withheld
        childPresent incidentOccurredAt dueAt overdue schoolDaysOverdue schoolName } }
    ... on NotAuthorised { reason } } }
"""

FRIDAY_NIGHT = "2026-11-06T19:40:00+00:00"
MONDAY_MORNING = datetime(2026, 11, 9, 8, 30, tzinfo=SCHOOL_TIME_ZONE)


def _incident(reference: str, occurred_at: str, *children: dict[str, Any]) -> dict[str, Any]:
    return {
        "incident": {
            "forceReference": reference,
            "occurredAt": occurred_at,
            "children": list(children),
        }
    }


FRIDAY_REPORT = _incident(
    "HC/2026/11/0614",
    FRIDAY_NIGHT,
    {"nhsNumber": RUBY_NHS, "present": True},
    {"upn": UPN_OMAR, "present": False},
    {"givenName": "Jack", "familyName": "Barton", "dateOfBirth": "2018-01-19", "present": True},
    {"givenName": "Nobody", "familyName": "Known", "dateOfBirth": "2019-03-03", "present": True},
    {"upn": UPN_LILY, "present": True},
)


async def _notify(
    client: httpx.AsyncClient, settings: Settings, report: dict[str, Any]
) -> dict[str, Any]:
    data = await graphql(client, bearer(settings, "police"), NOTIFY, report)
    return data["notifyDomesticAbuseIncident"]  # type: ignore[no-any-return]


async def test_police_to_school_to_acknowledgement_and_each_school_sees_only_its_own(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, county: None
) -> None:
    notified = await _notify(client, settings, FRIDAY_REPORT)
    assert notified["__typename"] == "IncidentNotified", notified
    # Police are told the same of a child the authority knows (Jack) and of one it does
    # not (Nobody Known): the advice is about what they sent, not about the records.
    assert [(c["position"], c["outcome"], c["reason"]) for c in notified["children"]] == [
        (0, "RECEIVED", None),
        (1, "RECEIVED", None),
        (2, "RECEIVED", NAMED_ONLY_REASON),
        (3, "RECEIVED", NAMED_ONLY_REASON),
        (4, "RECEIVED", None),
    ]

    school_a, school_b = school_lead(settings, SCHOOL_A), school_lead(settings, SCHOOL_B)
    [ruby] = (await graphql(client, school_a, NOTICES))["myEncompassNotices"]
    [omar] = (await graphql(client, school_b, NOTICES))["myEncompassNotices"]
    assert (ruby["pupilGivenName"], ruby["upn"], ruby["childPresent"]) == ("Ruby", UPN_RUBY, True)
    assert (omar["pupilGivenName"], omar["upn"], omar["childPresent"]) == ("Omar", UPN_OMAR, False)
    # Friday evening: due when school starts on Monday, one school day on.
    assert datetime.fromisoformat(ruby["dueAt"]) == MONDAY_MORNING
    assert ruby["schoolDaysToDue"] == 1
    assert datetime.fromisoformat(ruby["incidentOccurredAt"]) == datetime.fromisoformat(
        FRIDAY_NIGHT
    )
    now = datetime.now(UTC)
    assert ruby["overdue"] is True
    assert ruby["schoolDaysOverdue"] == CALENDAR.school_days_started(MONDAY_MORNING, now) > 0
    assert ruby["acknowledgedAt"] is None

    # School B cannot acknowledge school A's notice: it is absent, as a made-up id is.
    stranger = await graphql(client, school_b, ACKNOWLEDGE, {"id": ruby["id"]})
    made_up = await graphql(client, school_b, ACKNOWLEDGE, {"id": "no-such-notice"})
    assert stranger["acknowledgeEncompassNotice"]["__typename"] == "NotFound"
    assert {**stranger["acknowledgeEncompassNotice"], "id": None} == {
        **made_up["acknowledgeEncompassNotice"],
        "id": None,
    }

    # Read before it was sent: refused, naming the field; nothing changes.
    early = await graphql(
        client, school_a, ACKNOWLEDGE, {"id": ruby["id"], "readAt": "2026-11-01T08:00:00+00:00"}
    )
    assert early["acknowledgeEncompassNotice"]["problems"][0]["field"] == "readAt"

    # Read a moment ago (after the notice was sent), recorded now.
    read = datetime.now(UTC) - timedelta(milliseconds=1)
    done = (
        await graphql(client, school_a, ACKNOWLEDGE, {"id": ruby["id"], "readAt": read.isoformat()})
    )["acknowledgeEncompassNotice"]
    assert done["__typename"] == "EncompassNotice"
    assert done["acknowledgedBy"] == f"DSL of {SCHOOL_A}"
    stated = datetime.fromtimestamp(int(read.timestamp() * 1000) / 1000, UTC)
    assert datetime.fromisoformat(done["acknowledgedAt"]) == stated
    # Acknowledging again keeps the first acknowledgement.
    again = await graphql(client, school_a, ACKNOWLEDGE, {"id": ruby["id"]})
    assert again["acknowledgeEncompassNotice"]["acknowledgedAt"] == done["acknowledgedAt"]
    [stored] = await store.read(
        "MATCH (n:EncompassNotice {id: $id}) RETURN n.acknowledgedBy AS by, n.state AS state",
        {"id": ruby["id"]},
    )
    assert stored == {"by": f"dsl-{SCHOOL_A}", "state": "ACKNOWLEDGED"}

    # Reading a notice is a read of the child's data: audited for the school's lead.
    audited = await store.read(
        "MATCH (e:AuditEvent {subject: $subject})-[:ACCESSED]->(c:Child)"
        " RETURN DISTINCT c.id AS id",
        {"subject": f"dsl-{SCHOOL_A}"},
    )
    assert {row["id"] for row in audited} == {"C-RUBY"}

    # Ruby's social worker hears of the incident in their work list.
    sam = bearer(settings, "social-worker")
    work = await graphql(client, sam, "{ myWork { notices { kind childId } } }")
    assert {"kind": "DOMESTIC_ABUSE_INCIDENT", "childId": "C-RUBY"} in work["myWork"]["notices"]


async def test_the_mash_sees_unacknowledged_past_due_no_school_and_unmatched(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, county: None
) -> None:
    await _notify(client, settings, FRIDAY_REPORT)
    # A report from a minute ago: due at the next school day's start, not yet the MASH's.
    recent = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    fresh = await _notify(
        client, settings, _incident("HC/NOW/1", recent, {"upn": UPN_OMAR, "present": True})
    )
    assert fresh["children"][0]["outcome"] == "RECEIVED"
    school_a = school_lead(settings, SCHOOL_A)
    [ruby] = (await graphql(client, school_a, NOTICES))["myEncompassNotices"]
    await graphql(client, school_a, ACKNOWLEDGE, {"id": ruby["id"]})

    mash = await internal(store, settings, "worker-mash", MASH_TEAM)
    listed = (await graphql(client, mash, MASH))["mashEncompassNotices"]["notices"]
    by_route = {(n["route"], n["childName"]): n for n in listed}
    assert set(by_route) == {
        ("SCHOOL", "Omar Hussain"),  # school B has not acknowledged; it is past due
        ("NO_SCHOOL", "Jack Barton"),  # on no school's roll
        ("NO_SCHOOL", "Lily Okoro"),  # left school A in July: on no roll on the day
        ("NOT_MATCHED", "Nobody Known"),  # what police sent, for the MASH to find
    }
    omar = by_route[("SCHOOL", "Omar Hussain")]
    assert omar["childId"] == "C-OMAR"
    assert omar["schoolName"] == "School 100002"
    assert omar["overdue"] is True
    assert omar["schoolDaysOverdue"] > 0
    unmatched = by_route[("NOT_MATCHED", "Nobody Known")]
    assert (unmatched["childId"], unmatched["dateOfBirth"]) == (None, "2019-03-03")

    # The MASH records what it did: the notice leaves its list.
    follow = (
        "mutation ($id: ID!) { followUpEncompassNotice(noticeId: $id,"
        ' action: "Phoned the school\'s DSL") { __typename } }'
    )
    done = await graphql(client, mash, follow, {"id": omar["id"]})
    assert done["followUpEncompassNotice"]["__typename"] == "EncompassFollowedUp"
    after = (await graphql(client, mash, MASH))["mashEncompassNotices"]["notices"]
    assert omar["id"] not in {n["id"] for n in after}
    assert len(after) == 3

    # A social worker outside the MASH is refused the list and the follow-up.
    sam = bearer(settings, "social-worker")
    assert (await graphql(client, sam, MASH))["mashEncompassNotices"]["__typename"] == (
        "NotAuthorised"
    )
    refused = await graphql(client, sam, follow, {"id": after[0]["id"]})
    assert refused["followUpEncompassNotice"]["__typename"] == "NotAuthorised"


async def test_a_restricted_record_goes_to_the_mash_with_its_name_withheld(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, county: None
) -> None:
    await store.write("MATCH (c:Child {id: 'C-OMAR'}) SET c.restricted = true")
    notified = await _notify(
        client,
        settings,
        _incident("HC/R/1", FRIDAY_NIGHT, {"upn": UPN_OMAR, "present": True}),
    )
    assert notified["children"][0]["outcome"] == "RECEIVED"
    assert (await graphql(client, school_lead(settings, SCHOOL_B), NOTICES)) == {
        "myEncompassNotices": []
    }
    mash = await internal(store, settings, "worker-mash", MASH_TEAM)
    [notice] = (await graphql(client, mash, MASH))["mashEncompassNotices"]["notices"]
    assert notice["route"] == "RESTRICTED_RECORD"
    assert (notice["withheld"], notice["childId"], notice["childName"]) == (True, None, None)


async def test_a_replayed_or_invalid_report_changes_nothing(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, county: None
) -> None:
    first = await _notify(client, settings, FRIDAY_REPORT)
    assert first["__typename"] == "IncidentNotified"
    count = "MATCH (n:EncompassNotice) RETURN count(n) AS n"
    before = (await store.read(count))[0]["n"]
    assert before == 5
    replay = await _notify(client, settings, FRIDAY_REPORT)
    assert replay == {
        "__typename": "InvalidInput",
        "problems": [
            {"field": "forceReference", "rule": "this force has already notified this incident"}
        ],
    }
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    bad = await _notify(
        client,
        settings,
        _incident(
            "HC/BAD/1",
            future,
            {"givenName": "Ruby", "present": True},
            {"nhsNumber": "9990000019", "present": True},
        ),
    )
    assert bad["__typename"] == "InvalidInput"
    # Each problem names the field as police sent it (not the hub's Python names).
    assert {p["field"] for p in bad["problems"]} == {
        "occurredAt",
        "children.0",
        "children.1.nhsNumber",
    }
    assert {(p["field"], p["rule"]) for p in bad["problems"]} >= {
        ("occurredAt", "must not be in the future"),
        (
            "children.0",
            "a child is identified by an NHS number, a UPN, or given name, family name and"
            " date of birth",
        ),
    }
    assert (await store.read(count))[0]["n"] == before


async def test_only_police_notify_and_only_schools_acknowledge(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, county: None
) -> None:
    mash = await internal(store, settings, "worker-mash", MASH_TEAM)
    data = await graphql(client, mash, NOTIFY, FRIDAY_REPORT)
    assert data["notifyDomesticAbuseIncident"]["__typename"] == "NotAuthorised"
    # Police have no acknowledgement in their schema, schools no notification, health
    # no mutation at all: the request fails validation, exactly like an unknown field.
    expected = {
        "police": "Cannot query field 'acknowledgeEncompassNotice' on type 'Mutation'.",
        "education": "Cannot query field 'notifyDomesticAbuseIncident' on type 'Mutation'.",
        "health": "The mutation operation is not supported by the schema.",
    }
    for persona, mutation in (("police", ACKNOWLEDGE), ("education", NOTIFY), ("health", NOTIFY)):
        response = await client.post(
            "/graphql",
            json={"query": mutation, "variables": {"id": "x", **FRIDAY_REPORT}},
            headers=bearer(settings, persona),
        )
        messages = [error["message"] for error in response.json()["errors"]]
        assert expected[persona] in messages, (persona, messages)
    assert (await store.read("MATCH (n:EncompassNotice) RETURN count(n) AS n"))[0]["n"] == 0


PUPILS = "{ myPupils { id givenName } }"


async def test_an_ies_pupil_is_on_the_roll_of_the_school_by_urn_with_dates(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, county: None
) -> None:
    await store.write(
        "MATCH (c:Child) WHERE c.id IN ['C-OMAR', 'C-LILY']"
        " CREATE (:Referral {id: 'R-' + c.id, status: 'OPEN'})-[:ABOUT]->(c)"
    )
    school_a, school_b = school_lead(settings, SCHOOL_A), school_lead(settings, SCHOOL_B)
    # Ruby (on roll, in need) is school A's; Lily left school A in July: no longer its.
    assert (await graphql(client, school_a, PUPILS))["myPupils"] == [
        {"id": "C-RUBY", "givenName": "Ruby"}
    ]
    assert (await graphql(client, school_b, PUPILS))["myPupils"] == [
        {"id": "C-OMAR", "givenName": "Omar"}
    ]
    # Omar moves to school A (a new version of his pupil record): school B loses him.
    moved = {**_pupil("P-OMAR", UPN_OMAR, "100001", "2026-11-02"), "version": 2}
    await ingest(store, [(1, moved)], ies.SOURCE, by="system:ies")
    assert {p["id"] for p in (await graphql(client, school_a, PUPILS))["myPupils"]} == {
        "C-RUBY",
        "C-OMAR",
    }
    assert (await graphql(client, school_b, PUPILS))["myPupils"] == []
    # A replay of the old version changes nothing.
    stale = _pupil("P-OMAR", UPN_OMAR, "100002", "2020-09-02")
    await ingest(store, [(1, stale)], ies.SOURCE, by="system:ies")
    assert (await graphql(client, school_b, PUPILS))["myPupils"] == []
    [school] = await store.read(
        "MATCH (s:Agency {urn: '100001'}) RETURN s.id AS id, s.kind AS kind"
    )
    assert school == {"id": SCHOOL_A, "kind": "SCHOOL"}
    # Her social worker sees the school she is on the roll of.
    school_of = '{ child(id: "C-RUBY") { school { id name kind } } }'
    sam = bearer(settings, "social-worker")
    assert (await graphql(client, sam, school_of))["child"]["school"] == {
        "id": SCHOOL_A,
        "name": "School 100001",
        "kind": "SCHOOL",
    }
    # A wrongly linked pupil record, unlinked: the child is off the school's roll at once.
    [record] = await store.read(
        "MATCH (r:SourceRecord {key: 'IES:PUPIL:P-RUBY'}) RETURN r.id AS id"
    )
    scope = AccessScope(viewer="records-officer", team=None, view_all=True, now_ms=now_ms())
    unlinked = await unlink_record(store, scope, record["id"], "another Ruby Newman")
    assert not isinstance(unlinked, NotFound)
    assert {p["id"] for p in (await graphql(client, school_a, PUPILS))["myPupils"]} == {"C-OMAR"}
    assert (await graphql(client, sam, school_of))["child"]["school"] is None


ROLL_OF_OMAR = """
MATCH (:SourceRecord {key: 'IES:PUPIL:P-OMAR'})-[roll:ON_ROLL_AT]->(school:Agency)
RETURN school.urn AS urn, roll.fromMs AS fromMs, roll.untilMs AS untilMs ORDER BY fromMs
"""


async def _ies_sends(store: FalkorDBStore, version: int, urn: str, admitted: str) -> None:
    row = {**_pupil("P-OMAR", UPN_OMAR, urn, admitted), "version": version}
    report = await ingest(store, [(1, row)], ies.SOURCE, by="system:ies")
    assert not report.rejected, report.rejected


def _roll(*entries: tuple[str, str, str | None]) -> list[dict[str, Any]]:
    return [
        {
            "urn": urn,
            "fromMs": day_starts_ms(date.fromisoformat(admitted)),
            "untilMs": day_starts_ms(date.fromisoformat(until)) if until else None,
        }
        for urn, admitted, until in entries
    ]


async def test_a_move_sent_as_a_new_version_keeps_the_old_school_for_the_days_before_it(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, county: None
) -> None:
    """IES sends a pupil's move as a new version of the same pupil record: the old school's
    days on the roll are history, not replaced. A late report of an incident before the
    move goes to the school the child attends now, which must support them: the school
    they left is told nothing new about a child who is no longer its pupil."""
    await _ies_sends(store, 2, "100001", "2026-11-02")
    assert await store.read(ROLL_OF_OMAR) == _roll(
        ("100002", "2020-09-02", "2026-11-02"), ("100001", "2026-11-02", None)
    )
    before = _incident("HC/LATE/1", "2026-10-29T19:00:00+00:00", {"upn": UPN_OMAR, "present": True})
    after = _incident("HC/LATE/2", "2026-11-03T19:00:00+00:00", {"upn": UPN_OMAR, "present": True})
    for report in (before, after):
        assert (await _notify(client, settings, report))["__typename"] == "IncidentNotified"
    school_a, school_b = school_lead(settings, SCHOOL_A), school_lead(settings, SCHOOL_B)
    assert (await graphql(client, school_b, NOTICES))["myEncompassNotices"] == []
    at_a = (await graphql(client, school_a, NOTICES))["myEncompassNotices"]
    assert [n["incidentOccurredAt"][:10] for n in at_a] == ["2026-11-03", "2026-10-29"]
    # Lily was on school A's roll on the day of an incident in the summer term, reported
    # after she left: on no school's roll now, she is the MASH's, not school A's.
    summer = _incident("HC/LATE/3", "2026-07-01T19:00:00+00:00", {"upn": UPN_LILY, "present": True})
    assert (await _notify(client, settings, summer))["__typename"] == "IncidentNotified"
    assert len((await graphql(client, school_a, NOTICES))["myEncompassNotices"]) == 2
    mash = await internal(store, settings, "worker-mash", MASH_TEAM)
    listed = (await graphql(client, mash, MASH))["mashEncompassNotices"]["notices"]
    assert ("NO_SCHOOL", "Lily Okoro") in {(n["route"], n["childName"]) for n in listed}

    # A later version correcting the day of the move corrects that stay, not the one before.
    await _ies_sends(store, 3, "100001", "2026-11-04")
    assert await store.read(ROLL_OF_OMAR) == _roll(
        ("100002", "2020-09-02", "2026-11-02"), ("100001", "2026-11-04", None)
    )
    # One naming another school from the first admission says the first was wrong.
    await _ies_sends(store, 4, "100001", "2020-09-02")
    assert await store.read(ROLL_OF_OMAR) == _roll(("100001", "2020-09-02", None))


def test_a_broken_term_dates_file_stops_the_start_naming_it(
    settings: Settings, tmp_path: Path
) -> None:
    broken = tmp_path / "terms.json"
    broken.write_text('{"localAuthority": "999", "terms": []}', encoding="utf-8")
    with pytest.raises(TermDatesError, match=r"terms\.json: terms: List should have at least 1"):
        create_app(settings.model_copy(update={"term_dates": broken}), run_outbox=False)


async def test_a_move_ies_reports_ends_an_undated_stay_the_authority_recorded(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, county: None
) -> None:
    """The bulk load records a school (`ATTENDS`) with no dates: a move IES reports ends
    it the day before the admission, so the old school is told nothing after the move."""
    old_school = "agency-school-07"
    await store.write(
        "CREATE (:Agency {id: $school, name: 'Old Park School', kind: 'SCHOOL'})",
        {"school": old_school},
    )
    await store.write(
        "MATCH (c:Child {id: 'C-OMAR'}) MATCH (s:Agency {id: $school}) CREATE (c)-[:ATTENDS]->(s)",
        {"school": old_school},
    )
    await _ies_sends(store, 2, "100001", "2026-11-02")
    [stay] = await store.read(
        "MATCH (:Child {id: 'C-OMAR'})-[a:ATTENDS]->(:Agency {id: $school})"
        " RETURN a.from AS from, toString(a.until) AS until, a.endedByRecord AS by",
        {"school": old_school},
    )
    assert stay == {"from": None, "until": "2026-11-01", "by": "IES:PUPIL:P-OMAR"}
    recent = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    report = _incident("HC/MOVED/1", recent, {"upn": UPN_OMAR, "present": True})
    assert (await _notify(client, settings, report))["__typename"] == "IncidentNotified"
    assert (await graphql(client, school_lead(settings, old_school), NOTICES)) == {
        "myEncompassNotices": []
    }
    [notice] = (await graphql(client, school_lead(settings, SCHOOL_A), NOTICES))[
        "myEncompassNotices"
    ]
    assert notice["pupilGivenName"] == "Omar"


async def test_a_pupil_record_linked_by_hand_ends_the_stay_elsewhere_too(
    store: FalkorDBStore, county: None
) -> None:
    await store.write(
        "MATCH (c:Child {id: 'C-RUBY'})"
        " CREATE (c)-[:ATTENDS]->(:Agency {id: 'agency-school-08', kind: 'SCHOOL'})"
    )
    [record] = await store.read(
        "MATCH (r:SourceRecord {key: 'IES:PUPIL:P-RUBY'}) RETURN r.id AS id"
    )
    scope = AccessScope(viewer="records-officer", team=None, view_all=True, now_ms=now_ms())
    assert not isinstance(await unlink_record(store, scope, record["id"], "checking"), NotFound)
    linked = await link_record(store, scope, record["id"], "C-RUBY", "her record after all")
    assert isinstance(linked, LinkedRecord)
    await ies.on_linked(store, linked.record)
    [until] = await store.read(
        "MATCH (:Child {id: 'C-RUBY'})-[a:ATTENDS]->(:Agency {id: 'agency-school-08'})"
        " RETURN toString(a.until) AS until"
    )
    assert until == {"until": "2021-08-31"}


UNLINK = """mutation ($id: ID!, $reason: String!) {
  unlinkSourceRecord(recordId: $id, reason: $reason) { __typename } }"""

WITHDRAWN = """
MATCH (n:EncompassNotice)-[:FOR_SCHOOL]->(:Agency {id: $school})
RETURN n.state AS state, n.stateWhenWithdrawn AS before, n.withdrawnBy AS by,
       n.withdrawnReason AS reason, n.withdrawnAt IS NOT NULL AS dated
"""


async def test_unlinking_a_wrongly_linked_pupil_record_withdraws_its_notices_and_resends(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, county: None
) -> None:
    """P-RUBY put Ruby on school A's roll by a wrong link: the notices it sent school A
    name a child who was never its pupil. Unlinking it withdraws them from school A (who,
    when, why) and sends each incident where it should have gone."""
    recent = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    for reference in ("HC/WRONG/1", "HC/WRONG/2"):
        report = _incident(reference, recent, {"nhsNumber": RUBY_NHS, "present": True})
        assert (await _notify(client, settings, report))["__typename"] == "IncidentNotified"
    school_a = school_lead(settings, SCHOOL_A)
    first, second = (await graphql(client, school_a, NOTICES))["myEncompassNotices"]
    await graphql(client, school_a, ACKNOWLEDGE, {"id": first["id"]})
    # Ruby's own school, as the authority records it, is school B.
    await store.write(
        "MATCH (c:Child {id: 'C-RUBY'}) MATCH (s:Agency {id: $school})"
        " CREATE (c)-[:ATTENDS {from: date('2021-09-01')}]->(s)",
        {"school": SCHOOL_B},
    )
    [record] = await store.read(
        "MATCH (r:SourceRecord {key: 'IES:PUPIL:P-RUBY'}) RETURN r.id AS id"
    )
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    undone = await graphql(client, officer, UNLINK, {"id": record["id"], "reason": "not her"})
    assert undone["unlinkSourceRecord"]["__typename"] == "SourceRecord"

    assert (await graphql(client, school_a, NOTICES))["myEncompassNotices"] == []
    gone = await graphql(client, school_a, ACKNOWLEDGE, {"id": second["id"]})
    assert gone["acknowledgeEncompassNotice"]["__typename"] == "NotFound"
    withdrawn = await store.read(WITHDRAWN, {"school": SCHOOL_A})
    assert sorted(row["before"] for row in withdrawn) == ["ACKNOWLEDGED", "OPEN"]
    assert {(r["state"], r["by"], r["reason"], r["dated"]) for r in withdrawn} == {
        ("WITHDRAWN", "records-officer-1", "not her", True)
    }
    resent = (await graphql(client, school_lead(settings, SCHOOL_B), NOTICES))["myEncompassNotices"]
    assert [(n["pupilGivenName"], n["acknowledgedAt"]) for n in resent] == [("Ruby", None)] * 2


async def test_a_notice_withdrawn_for_a_child_on_no_roll_goes_to_the_mash(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, county: None
) -> None:
    recent = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    report = _incident("HC/WRONG/3", recent, {"upn": UPN_OMAR, "present": False})
    assert (await _notify(client, settings, report))["__typename"] == "IncidentNotified"
    mash = await internal(store, settings, "worker-mash", MASH_TEAM)
    assert (await graphql(client, mash, MASH))["mashEncompassNotices"]["notices"] == []
    [record] = await store.read(
        "MATCH (r:SourceRecord {key: 'IES:PUPIL:P-OMAR'}) RETURN r.id AS id"
    )
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    await graphql(client, officer, UNLINK, {"id": record["id"], "reason": "another Omar"})
    assert (await graphql(client, school_lead(settings, SCHOOL_B), NOTICES)) == {
        "myEncompassNotices": []
    }
    [notice] = (await graphql(client, mash, MASH))["mashEncompassNotices"]["notices"]
    assert (notice["route"], notice["childName"], notice["childPresent"]) == (
        "NO_SCHOOL",
        "Omar Hussain",
        False,
    )


MERGE = """mutation ($keep: ID!, $merge: ID!) {
  mergeChildren(keep: $keep, merge: $merge, reason: "one child") { __typename } }"""
UNMERGE = """mutation ($merged: ID!) {
  unmergeChildren(merged: $merged, reason: "two children after all") { __typename } }"""


async def test_undoing_a_merge_withdraws_the_notices_sent_through_the_other_child(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, county: None
) -> None:
    """Omar merged into Jack: Omar's pupil record puts Jack on school B's roll, so an
    incident about Jack reaches school B. Undone, Jack was never school B's pupil: the
    notice is withdrawn from it and the incident goes to the MASH (Jack is on no roll)."""
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    merged = await graphql(client, officer, MERGE, {"keep": "C-JACK", "merge": "C-OMAR"})
    assert merged["mergeChildren"]["__typename"] == "ChildMerge", merged
    recent = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    report = _incident("HC/MERGED/1", recent, {"upn": UPN_JACK, "present": True})
    assert (await _notify(client, settings, report))["__typename"] == "IncidentNotified"
    school_b = school_lead(settings, SCHOOL_B)
    [told] = (await graphql(client, school_b, NOTICES))["myEncompassNotices"]
    assert told["pupilGivenName"] == "Jack"

    undone = await graphql(client, officer, UNMERGE, {"merged": "C-OMAR"})
    assert undone["unmergeChildren"]["__typename"] == "ChildMerge", undone
    assert (await graphql(client, school_b, NOTICES))["myEncompassNotices"] == []
    mash = await internal(store, settings, "worker-mash", MASH_TEAM)
    [notice] = (await graphql(client, mash, MASH))["mashEncompassNotices"]["notices"]
    assert (notice["route"], notice["childName"]) == ("NO_SCHOOL", "Jack Barton")
    [withdrawn] = await store.read(WITHDRAWN, {"school": SCHOOL_B})
    assert (withdrawn["state"], withdrawn["by"], withdrawn["reason"]) == (
        "WITHDRAWN",
        "records-officer-1",
        "two children after all",
    )


async def test_ies_correcting_the_school_withdraws_the_notices_the_wrong_school_got(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, county: None
) -> None:
    """A version naming another school from the same admission says the first school was
    wrong: its notices about the child are withdrawn, and the real school is told."""
    recent = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    report = _incident("HC/CORRECTED/1", recent, {"upn": UPN_OMAR, "present": True})
    assert (await _notify(client, settings, report))["__typename"] == "IncidentNotified"
    await _ies_sends(store, 2, "100001", "2020-09-02")
    assert (await graphql(client, school_lead(settings, SCHOOL_B), NOTICES)) == {
        "myEncompassNotices": []
    }
    [notice] = (await graphql(client, school_lead(settings, SCHOOL_A), NOTICES))[
        "myEncompassNotices"
    ]
    assert notice["pupilGivenName"] == "Omar"
    [withdrawn] = await store.read(WITHDRAWN, {"school": SCHOOL_B})
    assert (withdrawn["by"], withdrawn["reason"]) == (
        "system:ies",
        "IES:PUPIL:P-OMAR version 2 corrected the pupil's school",
    )


async def test_the_migration_ends_an_undated_stay_a_pupil_record_moved_the_child_from(
    store: FalkorDBStore, county: None
) -> None:
    """A store written before the rule: Ruby's undated stay at another school, recorded
    after IES admitted her to school A, ends the day before that admission, once."""
    await store.write(
        "MATCH (c:Child {id: 'C-RUBY'})"
        " CREATE (c)-[:ATTENDS]->(:Agency {id: 'agency-school-09', kind: 'SCHOOL'})"
    )
    migration = next(m for m in MIGRATIONS if m.version == 7)
    await migration.apply(store)
    await migration.apply(store)
    [stay] = await store.read(
        "MATCH (:Child {id: 'C-RUBY'})-[a:ATTENDS]->(:Agency {id: 'agency-school-09'})"
        " RETURN toString(a.until) AS until, a.endedByRecord AS by"
    )
    assert stay == {"until": "2021-08-31", "by": "IES:PUPIL:P-RUBY"}


async def test_asked_for_a_virtual_school_a_school_is_told_only_of_pupils_looked_after(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, county: None
) -> None:
    # The purpose narrows every path (graph/cypher/access.py): a notice names its pupil,
    # so a school asking as a virtual school is told of, and acknowledges, only the
    # notices of pupils looked after now.
    await _notify(client, settings, FRIDAY_REPORT)
    virtual_school = {**school_lead(settings, SCHOOL_A), "X-Purpose": "VIRTUAL_SCHOOL"}
    [ruby] = (await graphql(client, school_lead(settings, SCHOOL_A), NOTICES))["myEncompassNotices"]
    assert (await graphql(client, virtual_school, NOTICES))["myEncompassNotices"] == []
    refused = await graphql(client, virtual_school, ACKNOWLEDGE, {"id": ruby["id"]})
    assert refused["acknowledgeEncompassNotice"]["__typename"] == "NotFound", refused
    [open_notice] = (await graphql(client, school_lead(settings, SCHOOL_A), NOTICES))[
        "myEncompassNotices"
    ]
    assert open_notice["acknowledgedAt"] is None

    await store.write(
        "MATCH (c:Child {upn: $upn})"
        " CREATE (:PeriodOfCare {id: 'encompass-care', status: 'LOOKED_AFTER'})-[:ABOUT]->(c)",
        {"upn": UPN_RUBY},
    )
    [told] = (await graphql(client, virtual_school, NOTICES))["myEncompassNotices"]
    assert told["id"] == ruby["id"]
    acknowledged = await graphql(client, virtual_school, ACKNOWLEDGE, {"id": ruby["id"]})
    assert acknowledged["acknowledgeEncompassNotice"]["__typename"] == "EncompassNotice"
