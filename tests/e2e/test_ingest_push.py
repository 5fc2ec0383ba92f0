"""`POST /ingest/ehm|ies`: integrators push records with a system client's token."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from demo import county
from graph import FalkorDBStore
from hub.settings import Settings
from tests.connectors.intake.world import counts, role_headers, stored, system_client_headers
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

EPISODE = {
    "recordType": "EARLY_HELP_EPISODE",
    "recordId": "EP1",
    "version": 1,
    "givenName": "Amir",
    "familyName": "Haddad",
    "dateOfBirth": "2017-02-20",
    "startDate": "2025-09-01",
}
JSON_LINES = {"Content-Type": "application/x-ndjson"}
README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _lines(*rows: dict[str, object] | str) -> str:
    return "\n".join(row if isinstance(row, str) else json.dumps(row) for row in rows)


async def test_a_push_lands_good_records_reports_bad_lines_and_replays_as_a_no_op(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    headers = {**await system_client_headers(store, settings), **JSON_LINES}
    body = _lines(EPISODE, {**EPISODE, "recordId": "EP2", "version": 0}, "{not json")

    response = await client.post("/ingest/ehm", content=body, headers=headers)

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["created"], report["rejected"]) == (1, 2)
    assert [(p["line"], p["problems"][0]["field"]) for p in report["problems"]] == [
        (2, "version"),
        (3, "row"),
    ]
    child_id = report["records"][0]["childId"]
    assert child_id is not None
    record = await stored(store, "EHM:EARLY_HELP_EPISODE:EP1")
    assert (record["childId"], record["link"]["by"]) == (child_id, "system:ehm-system")
    before = await counts(store)

    again = await client.post("/ingest/ehm", content=body, headers=headers)

    assert again.json()["unchanged"] == 1
    assert await counts(store) == before


async def test_the_readme_push_runs_as_the_demo_ehm_account_on_the_demo_county(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # `make run` prints a token for `ehm-system`: an integrator tries the push at once.
    (lines,) = re.findall(r"^```jsonl\n(.*?)^```", README, re.MULTILINE | re.DOTALL)
    (path,) = re.findall(r"http://127\.0\.0\.1:8000(/ingest/\w+)", README)
    await county.load(store, county.generate("small"), show_progress=False)
    headers = {**bearer(settings, "ehm-system"), **JSON_LINES}

    first = await client.post(path, content=lines, headers=headers)
    again = await client.post(path, content=lines, headers=headers)

    assert first.status_code == 200, first.text
    rows = lines.strip().count("\n") + 1
    assert (first.json()["created"], first.json()["rejected"]) == (rows, 0), first.json()
    assert (again.json()["unchanged"], again.json()["created"]) == (rows, 0), again.json()


async def test_csv_and_json_arrays_are_accepted_too(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    csv_body = "recordType,recordId,version,givenName,familyName,dateOfBirth,startDate\n" + (
        "EARLY_HELP_EPISODE,EP1,1,Amir,Haddad,2017-02-20,2025-09-01\n"
    )
    as_csv = await client.post(
        "/ingest/ehm",
        content=csv_body,
        headers={**await system_client_headers(store, settings), "Content-Type": "text/csv"},
    )
    as_array = await client.post(
        "/ingest/ehm",
        json=[{**EPISODE, "version": 2}],
        headers=await system_client_headers(store, settings),
    )

    assert as_csv.json()["created"] == 1
    assert as_array.json()["updated"] == 1
    assert (await stored(store, "EHM:EARLY_HELP_EPISODE:EP1"))["record"]["version"] == 2


async def test_a_push_may_be_larger_than_a_graphql_request_up_to_its_own_bound(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # The hub's 1 MiB bound is a GraphQL request's; a batch of records may be 5 MiB
    # (hub/push.py). JSON may be padded with whitespace: the size is the body's.
    headers = {**await system_client_headers(store, settings), "Content-Type": "application/json"}
    padded = "[" + " " * (2 * 1024 * 1024) + json.dumps(EPISODE) + "]"
    landed = await client.post("/ingest/ehm", content=padded, headers=headers)
    assert landed.status_code == 200, landed.text[:300]
    assert landed.json()["created"] == 1
    too_big = "[" + " " * (6 * 1024 * 1024) + json.dumps(EPISODE) + "]"
    refused = await client.post("/ingest/ehm", content=too_big, headers=headers)
    assert refused.status_code == 413
    assert "5242880" in refused.text


@pytest.mark.parametrize("media_type", ["application/x-ndjson", "application/json"])
async def test_a_push_of_more_records_than_its_bound_is_refused_whole_and_changes_nothing(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, media_type: str
) -> None:
    # Three bytes a row ("{}") made a 1 MiB push answer 56 MB of problems, the hub holding
    # every one: the rows a push carries are bounded, as its bytes are.
    from hub.push import MOST_ROWS

    headers = {**await system_client_headers(store, settings), "Content-Type": media_type}
    rows = [EPISODE, *([{}] * MOST_ROWS)]
    body = json.dumps(rows) if media_type == "application/json" else _lines(*rows)
    before = await counts(store)
    refused = await client.post("/ingest/ehm", content=body, headers=headers)
    assert refused.status_code == 413, refused.text[:300]
    assert refused.json() == {
        "error": f"a push is at most {MOST_ROWS} records; send a bulk file",
        "code": "REQUEST_TOO_LARGE",
    }
    assert await counts(store) == before
    # As many as the bound: taken in, each bad row reported.
    landed = await client.post(
        "/ingest/ehm", content=_lines(*rows[:MOST_ROWS]), headers={**headers, **JSON_LINES}
    )
    assert landed.status_code == 200, landed.text[:300]
    assert (landed.json()["created"], landed.json()["rejected"]) == (1, MOST_ROWS - 1)


@pytest.mark.parametrize("persona", ["social-worker", "records-officer", "education"])
async def test_only_a_system_client_may_push(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, persona: str
) -> None:
    person = (
        await role_headers(store, settings, "records_officer", "records-officer")
        if persona == "records-officer"
        else bearer(settings, persona)
    )
    headers = {**person, **JSON_LINES}
    response = await client.post("/ingest/ehm", content=_lines(EPISODE), headers=headers)

    assert (response.status_code, response.json()["code"]) == (403, "FORBIDDEN")
    assert (await counts(store))["records"] == 0


async def test_no_token_no_push_and_unknown_sources_or_media_types_are_refused(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    anonymous = await client.post("/ingest/ehm", content=_lines(EPISODE), headers=JSON_LINES)
    elsewhere = await client.post(
        "/ingest/lcs",
        content=_lines(EPISODE),
        headers={**await system_client_headers(store, settings), **JSON_LINES},
    )
    as_xml = await client.post(
        "/ingest/ies",
        content="<pupil/>",
        headers={**await system_client_headers(store, settings), "Content-Type": "application/xml"},
    )
    not_an_array = await client.post(
        "/ingest/ies",
        json={"recordType": "PUPIL"},
        headers=await system_client_headers(store, settings),
    )

    assert (anonymous.status_code, elsewhere.status_code) == (401, 404)
    assert (as_xml.status_code, not_an_array.status_code) == (415, 400)
    assert (await counts(store))["records"] == 0


async def test_a_record_is_one_line_whatever_unicode_calls_a_line_break_inside_its_text(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # JSON and CSV records end at a newline only. Text pasted into EHM keeps characters
    # Python's str.splitlines also breaks on (U+2028 LINE SEPARATOR, U+0085 NEXT LINE,
    # form feed); such a record is one record, kept exactly, and the lines after it keep
    # their numbers.
    reason = "Mum says:\u2028 school refusal since May\x85 sleeps\x0cbadly"
    headers = await system_client_headers(store, settings)
    episode = {**EPISODE, "givenName": "Zoë", "reason": reason}
    # As EHM's encoder writes it: every character as itself, not as a \u escape.
    as_lines = "\n".join(
        json.dumps(row, ensure_ascii=False)
        for row in (episode, {**EPISODE, "recordId": "EP2", "version": 0})
    )
    pushed = await client.post(
        "/ingest/ehm", content=as_lines.encode(), headers={**headers, **JSON_LINES}
    )
    csv_body = (
        "recordType,recordId,version,givenName,familyName,dateOfBirth,startDate,reason\n"
        f"EARLY_HELP_EPISODE,EP3,1,Zoë,Haddad,2017-02-20,2025-09-01,{reason}\n"
        "EARLY_HELP_EPISODE,EP4,0,Zoë,Haddad,2017-02-20,2025-09-01,x\n"
    )
    as_csv = await client.post(
        "/ingest/ehm", content=csv_body.encode(), headers={**headers, "Content-Type": "text/csv"}
    )

    for response, created, bad_line in ((pushed, "EP1", 2), (as_csv, "EP3", 3)):
        report = response.json()
        assert (report["created"], report["rejected"]) == (1, 1), report
        assert [p["line"] for p in report["problems"]] == [bad_line]
        record = await stored(store, f"EHM:EARLY_HELP_EPISODE:{created}")
        assert json.loads(record["record"]["details"])["reason"] == reason


async def test_json_nested_past_the_decoders_depth_is_a_bad_line_or_a_400_not_a_500(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # 200 KB, well inside the bound: Python's JSON decoder gave up with a RecursionError,
    # which neither the line report nor the body check caught.
    nested = "[" * 100_000 + "]" * 100_000
    headers = await system_client_headers(store, settings)

    lines = await client.post(
        "/ingest/ehm", content=_lines(EPISODE, nested), headers={**headers, **JSON_LINES}
    )
    array = await client.post(
        "/ingest/ehm", content=nested, headers={**headers, "Content-Type": "application/json"}
    )

    assert lines.status_code == 200, lines.text
    report = lines.json()
    assert (report["created"], report["rejected"]) == (1, 1)
    assert [(p["line"], p["problems"][0]["field"]) for p in report["problems"]] == [(2, "row")]
    assert (array.status_code, array.json()["code"]) == (400, "BAD_REQUEST")
    assert "nested" in array.json()["error"]


CSV_HEAD = "recordType,recordId,version,givenName,familyName,dateOfBirth,startDate,reason\n"


def _csv_row(record_id: str, reason: str) -> str:
    return f"EARLY_HELP_EPISODE,{record_id},1,Amir,Haddad,2017-02-20,2025-09-01,{reason}\n"


async def test_a_csv_cell_longer_than_the_csv_module_reads_is_a_bad_row_naming_its_field(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # Python's csv refuses a cell over 131,072 characters with its own error: the push
    # answered 500 and took nothing in. The cell is the field's, whose rule refuses it.
    headers = {**await system_client_headers(store, settings), "Content-Type": "text/csv"}
    body = CSV_HEAD + _csv_row("EP1", "ok") + _csv_row("EP2", '"' + "x" * 200_000 + '"')
    body += _csv_row("EP3", "ok")

    response = await client.post("/ingest/ehm", content=body, headers=headers)

    assert response.status_code == 200, response.text[:300]
    report = response.json()
    assert (report["created"], report["rejected"]) == (2, 1)
    assert report["problems"] == [
        {
            "line": 3,
            "recordId": "EP2",
            "problems": [{"field": "reason", "rule": "String should have at most 2000 characters"}],
        }
    ]


async def test_a_csv_quote_never_closed_is_a_bad_row_not_the_rest_of_the_batch_in_one_cell(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # An unclosed quote ran to the end of the body: the rows after it became one record's
    # reason and were silently lost, and the report said every row landed.
    headers = {**await system_client_headers(store, settings), "Content-Type": "text/csv"}
    body = CSV_HEAD + _csv_row("EP1", "ok") + _csv_row("EP2", '"never closed')
    body += _csv_row("EP3", "ok")

    response = await client.post("/ingest/ehm", content=body, headers=headers)

    assert response.status_code == 200, response.text[:300]
    report = response.json()
    assert (report["rows"], report["created"], report["rejected"]) == (2, 1, 1)
    [problem] = report["problems"]
    assert (problem["line"], problem["problems"][0]["field"]) == (3, "row")
    assert "quote" in problem["problems"][0]["rule"]
    assert (await counts(store))["records"] == 1


async def test_a_version_is_a_graphql_int_or_refused_naming_the_field(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    # A version past 2**31 - 1 (an epoch-milliseconds version, say) was taken in: GraphQL's
    # Int could not answer it (every read of the record, the whole review queue, failed),
    # and past 2**63 the engine kept a different number, so a replay recursed until Python
    # gave up. The largest Int lands and reads back; one more is a bad row.
    headers = {**await system_client_headers(store, settings), **JSON_LINES}
    largest = {**EPISODE, "version": 2**31 - 1}
    body = _lines(largest, {**EPISODE, "recordId": "EP2", "version": 2**31})

    report = (await client.post("/ingest/ehm", content=body, headers=headers)).json()

    assert (report["created"], report["rejected"]) == (1, 1)
    assert [(p["line"], p["problems"][0]["field"]) for p in report["problems"]] == [(2, "version")]
    replayed = (await client.post("/ingest/ehm", content=_lines(largest), headers=headers)).json()
    assert replayed["unchanged"] == 1
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")
    [row] = await store.read("MATCH (r:SourceRecord) RETURN r.id AS id")
    read = await graphql(
        client,
        officer,
        "query ($id: ID!) { sourceRecord(recordId: $id) { ... on SourceRecord { version } } }",
        {"id": row["id"]},
    )
    assert read == {"sourceRecord": {"version": 2**31 - 1}}


CSV_HEADER = "recordType,recordId,version,givenName,familyName,dateOfBirth,startDate\n"


@pytest.mark.parametrize("charset", ["windows-1252", "ISO-8859-1", '"latin1"', "utf-8"])
async def test_a_body_in_the_charset_it_declares_keeps_every_name_exactly(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings, charset: str
) -> None:
    # An old system writes Windows-1252 and labels it ISO-8859-1 (as browsers read it, the
    # label means Windows-1252: Š, Ž and Œ are in 0x80-0x9F, control characters in
    # Latin-1 proper). Every such push was refused whole as not UTF-8.
    names = [("Šárka", "Nováková"), ("Zoë", "O’Brien"), ("Œdipe", "Müller-Straße")]
    rows = "".join(
        f"EARLY_HELP_EPISODE,EP{n},1,{given},{family},2017-02-2{n},2025-09-01\n"
        for n, (given, family) in enumerate(names, 1)
    )
    encoding = "utf-8" if charset == "utf-8" else "cp1252"
    headers = {
        **await system_client_headers(store, settings),
        "Content-Type": f"text/csv; charset={charset}",
    }
    response = await client.post(
        "/ingest/ehm", content=(CSV_HEADER + rows).encode(encoding), headers=headers
    )

    assert response.status_code == 200, response.text
    assert response.json()["created"] == 3
    kept = await store.read(
        "MATCH (c:Child) RETURN c.givenName AS given, c.familyName AS family ORDER BY given"
    )
    assert sorted((row["given"], row["family"]) for row in kept) == sorted(names)


async def test_a_body_not_in_utf_8_nor_a_charset_the_hub_reads_is_refused_saying_which(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    body = (CSV_HEADER + "EARLY_HELP_EPISODE,EP1,1,Zoë,Ng,2017-02-20,2025-09-01\n").encode("cp1252")
    system = await system_client_headers(store, settings)
    undeclared = await client.post(
        "/ingest/ehm", content=body, headers={**system, "Content-Type": "text/csv"}
    )
    unknown = await client.post(
        "/ingest/ehm", content=body, headers={**system, "Content-Type": "text/csv; charset=x-mac"}
    )
    not_text = await client.post(
        "/ingest/ehm", content=body, headers={**system, "Content-Type": "text/csv; charset=rot13"}
    )

    assert (undeclared.status_code, undeclared.json()["code"]) == (400, "BAD_REQUEST")
    assert undeclared.json()["error"] == (
        "the body is not UTF-8 (byte 0xeb at offset 98); declare the charset it is in, "
        "e.g. Content-Type: text/csv; charset=windows-1252"
    )
    for refused, charset in ((unknown, "x-mac"), (not_text, "rot13")):
        assert (refused.status_code, refused.json()["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
        assert refused.json()["error"] == (
            f"the hub does not read charset {charset!r}; send UTF-8, or declare the "
            "charset the body is in (windows-1252, iso-8859-15, utf-16, ...)"
        )
    assert (await counts(store))["records"] == 0
