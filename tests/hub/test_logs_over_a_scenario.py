"""No personal data in the logs over a whole scenario, names in several scripts.

Children whose names are written in Latin with diacritics, Cyrillic, Arabic and Han are
recorded (and refused for bad input), taken in from EHM and IES (good records and garbage
quoting them), filed to a Content Server that fails with its own text quoting the child's
name (retried, then refused for good), and read; every log line the hub writes meanwhile
is captured and must carry none of their names, dates of birth, NHS numbers or addresses.
"""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.livelink.content_server import ContentServerSettings, ContentServerStore
from demo import county
from graph import FalkorDBStore
from hub.settings import Settings
from tests.connectors.livelink.conftest import CATEGORY
from tests.connectors.livelink.fake_content_server import (
    FAKE_PASSWORD,
    FAKE_USERNAME,
    FakeContentServer,
)
from tests.helpers import bearer, graphql
from tests.hub.test_no_personal_data_in_logs import captured

pytestmark = pytest.mark.anyio

__all__ = ["captured"]

CHILDREN = [
    {"givenName": "Zofia-Łucja", "familyName": "Wrzesińska", "dateOfBirth": "2018-03-14"},
    {"givenName": "Ярослава", "familyName": "Бережная", "dateOfBirth": "2017-07-29"},
    {"givenName": "نور", "familyName": "الحسيني", "dateOfBirth": "2019-11-02"},
    {"givenName": "明珠", "familyName": "欧阳", "dateOfBirth": "2016-01-23"},
]
NHS_NUMBER = "9434765919"
ADDRESS = {"line1": "17 Quxbury Lane", "town": "Wrexhamptonshire", "postcode": "ZZ9 9QX"}
RECORD_CONTACT = """mutation ($input: RecordContactInput!) { recordContact(input: $input) {
  __typename ... on Contact { id childId } ... on InvalidInput { problems { field rule } } } }"""
FINALISE = """mutation ($id: ID!) { finaliseContact(contactId: $id,
  outcome: REFERRAL_TO_SOCIAL_CARE, lateReason: "Decided after its working day") {
  __typename } }"""
GENERATE = """mutation ($child: ID!, $source: ID) {
  generateForm(childId: $child, templateKey: "contact_record", sourceId: $source) {
  __typename } }"""
CHILD = "query ($id: ID!) { child(id: $id) { givenName familyName dateOfBirth } }"


def _identifiers() -> set[str]:
    values = {NHS_NUMBER, *ADDRESS.values()}
    for child in CHILDREN:
        values |= set(child.values())
    return values


async def test_a_scenario_in_several_scripts_leaves_no_personal_data_in_the_logs(
    store: FalkorDBStore, tmp_path: Path, captured: io.StringIO
) -> None:
    from hub.app import create_app

    await county.load(store, county.generate("tiny"), show_progress=False)
    # The scenario is one fast client; the per-client rate limit has its own tests (a
    # quick machine sent more than the default 20 a second and was told to slow down).
    settings = Settings(  # type: ignore[call-arg]
        var_dir=tmp_path / "var",
        rate_limit="1000000/second",
        outbox_poll_seconds=0.1,
        outbox_backoff_base_seconds=0.05,
        outbox_backoff_cap_seconds=0.1,
        outbox_breaker_cooldown_seconds=0,
        _env_file=None,
    )
    fake = FakeContentServer()
    fake.define_category(CATEGORY.category_id, "LCS hub document", range(2, 8))
    root = fake.add_folder(2000, "Children's Social Care")
    content = ContentServerStore(
        ContentServerSettings(
            base_url="http://otcs.test/otcs/cs.exe/",
            username=FAKE_USERNAME,
            password=FAKE_PASSWORD,
            root_folder_id=root,
            category=CATEGORY,
            timeout_seconds=5,
        ),
        transport=httpx.ASGITransport(app=fake.app),
    )
    # Content Server's own error text quotes what it was given: the child's name.
    quoted = " ".join(f"{c['givenName']} {c['familyName']}" for c in CHILDREN)
    fake.fail_next(3, 500, message=f"could not create '{quoted}' at {ADDRESS['line1']}")
    fake.fail_next(1, 400, message=f"the name '{quoted}' is not allowed")
    app = create_app(settings, store=store, content_store=content, run_outbox=True)
    worker = bearer(settings, "social-worker")
    ehm = {**bearer(settings, "ehm-system"), "Content-Type": "application/x-ndjson"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub.test"
        ) as http,
    ):
        contacts = await _record_and_file(http, worker)
        await _take_in_feeds(http, ehm)
        for contact in contacts:
            read = await graphql(http, worker, CHILD, {"id": contact["childId"]})
            assert read["child"]["givenName"] in {c["givenName"] for c in CHILDREN}
        # Bounded: the outbox retries every 0.1 s; each fault is used once.
        for _ in range(300):
            if not fake._faults:
                break
            await asyncio.sleep(0.1)
        assert not fake._faults, "the outbox did not call Content Server"
    await content.aclose()

    log = captured.getvalue()
    assert log.count("\n") > 20
    for line in log.splitlines():
        json.loads(line)
    # As written, or escaped as JSON writes it when told to keep to ASCII.
    forms = {form: value for value in _identifiers() for form in (value, json.dumps(value)[1:-1])}
    leaked = sorted({value for form, value in forms.items() if form in log})
    assert leaked == [], f"personal data in the log: {leaked}"


async def _record_and_file(http: httpx.AsyncClient, worker: dict[str, str]) -> list[Any]:
    contacts = []
    for number, child in enumerate(CHILDREN):
        person = {**child, **({"nhsNumber": NHS_NUMBER} if number == 0 else {})}
        contact = {
            "receivedDate": "2026-10-27",
            "source": "SCHOOLS",
            "summary": f"{child['givenName']} seen at {ADDRESS['line1']}",
            "child": person,
        }
        # Bad input first: GraphQL's own refusal quotes the value (a name where a date
        # goes); a birth in the future, an NHS number that fails its check.
        quoting = await http.post(
            "/graphql",
            json={
                "query": RECORD_CONTACT,
                "variables": {
                    "input": {**contact, "child": {**person, "dateOfBirth": child["familyName"]}}
                },
            },
            headers=worker,
        )
        assert child["familyName"] in quoting.json()["errors"][0]["message"]
        for wrong in ({"dateOfBirth": "2099-01-01"}, {"nhsNumber": "9434765918"}):
            refused = await graphql(
                http,
                worker,
                RECORD_CONTACT,
                {"input": {**contact, "child": {**person, **wrong}}},
            )
            assert refused["recordContact"]["__typename"] == "InvalidInput"
        recorded = (await graphql(http, worker, RECORD_CONTACT, {"input": contact}))[
            "recordContact"
        ]
        assert recorded["__typename"] == "Contact", recorded
        await graphql(http, worker, FINALISE, {"id": recorded["id"]})
        await graphql(
            http, worker, GENERATE, {"child": recorded["childId"], "source": recorded["id"]}
        )
        contacts.append(recorded)
    return contacts


async def _take_in_feeds(http: httpx.AsyncClient, ehm: dict[str, str]) -> None:
    rows: list[str] = []
    for number, child in enumerate(CHILDREN):
        record = {
            "recordType": "EARLY_HELP_EPISODE",
            "recordId": f"EP-LOG-{number}",
            "version": 1,
            **child,
            "startDate": "2025-09-01",
            "address": ADDRESS,
        }
        rows += [
            json.dumps(record),
            json.dumps(
                {**record, "recordId": f"EP-BAD-{number}", "dateOfBirth": child["givenName"]}
            ),
            json.dumps(
                {**record, "recordId": f"EP-BAD2-{number}", "startDate": child["familyName"]}
            ),
            '{"givenName": "' + child["givenName"] + '", ',
        ]
    taken = await http.post("/ingest/ehm", content="\n".join(rows), headers=ehm)
    assert taken.status_code == 200, taken.text
    assert taken.json()["rejected"] >= len(CHILDREN) * 3
    pupils = [
        json.dumps(
            {
                "recordType": "PUPIL",
                "recordId": f"P-LOG-{number}",
                "version": 1,
                **child,
                "upn": child["givenName"],
                "address": ADDRESS,
            }
        )
        for number, child in enumerate(CHILDREN)
    ]
    answer = await http.post("/ingest/ies", content="\n".join(pupils), headers=ehm)
    assert answer.status_code == 200, answer.text
