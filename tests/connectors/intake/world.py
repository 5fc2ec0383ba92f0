"""A tiny world for the intake tests: known children and bulk files written to disk."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph import name_key_fields
from graph.cypher import bulk

if TYPE_CHECKING:
    import httpx

    from graph import GraphStore
    from hub.settings import Settings

RUBY_NHS = "9434765919"


async def add_child(
    store: GraphStore,
    child_id: str,
    given: str,
    family: str,
    born: date,
    *,
    sex: str = "F",
    nhs: str | None = None,
    upn: str | None = None,
    postcode: str = "SG13 8DE",
) -> None:
    """A child the hub already knows, living at `postcode`."""
    await store.write(
        bulk.LOAD_FAMILIES,
        {
            "rows": [
                {
                    "id": f"F-{child_id}",
                    "name": family,
                    "address": {
                        "id": f"A-{child_id}",
                        "line1": "1 High Street",
                        "town": "Hertford",
                        "postcode": postcode,
                    },
                }
            ]
        },
    )
    await store.write(
        bulk.LOAD_PEOPLE,
        {
            "rows": [
                {
                    "id": child_id,
                    "family": f"F-{child_id}",
                    "address": f"A-{child_id}",
                    "givenName": given,
                    "familyName": family,
                    **name_key_fields(family),
                    "dateOfBirth": born,
                    "sex": sex,
                    "ethnicity": None,
                    "nhsNumber": nhs,
                    "upn": upn,
                    "householdRole": "CHILD",
                    "child": True,
                }
            ]
        },
    )


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    """A CSV with the union of the rows' columns (empty cells where a row has none)."""
    columns = list(dict.fromkeys(name for row in rows for name in row))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: list[dict[str, Any] | str]) -> Path:
    """JSON Lines; a str row is written as it is (to make a broken line)."""
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


COUNTS = """
MATCH (n) WHERE n:SourceRecord OR n:LinkEvent OR n:Child
RETURN sum(CASE WHEN n:SourceRecord THEN 1 ELSE 0 END) AS records,
       sum(CASE WHEN n:LinkEvent THEN 1 ELSE 0 END) AS linkEvents,
       sum(CASE WHEN n:Child THEN 1 ELSE 0 END) AS children
"""

RECORD = """
MATCH (r:SourceRecord {key: $key})
OPTIONAL MATCH (r)-[l:LINKED_TO]->(c:Child)
RETURN r {.version, .linkState, .details, .startDate, .endDate, .reviewCandidates} AS record,
       l {.rule, .score, .by} AS link, c.id AS childId
"""


async def counts(store: GraphStore) -> dict[str, int]:
    rows = await store.read(COUNTS)
    return {name: int(value or 0) for name, value in rows[0].items()}


async def stored(store: GraphStore, key: str) -> dict[str, Any]:
    rows = await store.read(RECORD, {"key": key})
    assert rows, key
    return rows[0]


async def role_headers(
    store: GraphStore,
    settings: Settings,
    role: str,
    subject: str,
    agency: str = "hertfordshire-cc",
) -> dict[str, str]:
    """A bearer token for `role`, as the council's identity provider would issue it, for
    a subject on record (authority comes from the record, auth/authority.py)."""
    from auth.tokens import LocalSigningKey, TokenIssuer
    from hub.app import token_settings
    from tests.helpers import add_worker

    await add_worker(store, subject, role)

    rules = token_settings(settings)
    issuer = TokenIssuer(rules, LocalSigningKey.load_or_create(rules.key_path))
    return {"Authorization": f"Bearer {issuer.issue(subject, subject, role, agency)}"}


async def system_client_headers(store: GraphStore, settings: Settings) -> dict[str, str]:
    """The Early Help Module's own token: a system client, registered as one."""
    return await role_headers(store, settings, "system_client", "ehm-system", "hertfordshire-ehm")


async def unlink(client: httpx.AsyncClient, officer: dict[str, str], record_id: str) -> None:
    """A records officer unlinks a source record from its child (it waits for a person)."""
    await _link_mutation(
        client, officer, record_id, 'unlinkSourceRecord(recordId: $id, reason: "Not this child")'
    )


async def link(
    client: httpx.AsyncClient, officer: dict[str, str], record_id: str, child_id: str
) -> None:
    """A records officer links a source record waiting for a person to `child_id`."""
    mutation = f'linkSourceRecord(recordId: $id, childId: "{child_id}", reason: "Her brother")'
    await _link_mutation(client, officer, record_id, mutation)


async def relink(
    client: httpx.AsyncClient, officer: dict[str, str], record_id: str, child_id: str
) -> None:
    """A records officer unlinks a source record from its child and links it to `child_id`."""
    await unlink(client, officer, record_id)
    await link(client, officer, record_id, child_id)


async def _link_mutation(
    client: httpx.AsyncClient, officer: dict[str, str], record_id: str, mutation: str
) -> None:
    from tests.helpers import graphql

    done = await graphql(
        client, officer, f"mutation($id: ID!) {{ {mutation} {{ __typename }} }}", {"id": record_id}
    )
    assert list(done.values()) == [{"__typename": "SourceRecord"}], done
