"""A world for the outbox tests: generated forms waiting in the outbox, and counters.

Three children, each with a contact record generated twice and a CIN plan once: 3
OPEN_FILE and 9 FILE_DOCUMENT items, on the real engine with the real form store.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors.livelink.filing import GeneratedForm, generate_form
from connectors.livelink.form_store import FormStore
from graph import GraphStore
from tests.connectors.livelink import records_world as world

CHILDREN = ("C201", "C202", "C203")
START = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
T0 = int((START + timedelta(hours=1)).timestamp() * 1000)
SECOND = 1_000
MINUTE = 60_000
HOUR = 3_600_000


async def world_with_documents(
    store: GraphStore, forms: FormStore, children: tuple[str, ...] = CHILDREN
) -> list[GeneratedForm]:
    """Each child with a contact record generated twice and a CIN plan once."""
    await world.add_worker(store)
    generated: list[GeneratedForm] = []
    for number, child in enumerate(children):
        await world.add_child(store, child)
        await world.add_contact(store, child, f"K{child}")
        for template, source, minutes in (
            ("contact_record", f"K{child}", 0),
            ("contact_record", f"K{child}", 5),
            ("child_in_need_plan", None, 10),
        ):
            result = await generate_form(
                store,
                forms,
                world.scope(),
                author_name=world.WORKER_NAME,
                child_id=child,
                template_key=template,
                source_id=source,
                local_authority="Hertfordshire County Council",
                new_id=world.counter(f"{child}-{template}-{minutes}"),
                generated_at=START + timedelta(minutes=minutes + number),
            )
            assert isinstance(result, GeneratedForm)
            generated.append(result)
    return generated


async def graph_counts(store: GraphStore) -> dict[str, Any]:
    """Outbox items by kind and state, e.g. ``{"OPEN_FILE:DELIVERED": 3}``."""
    rows = await store.read(
        "MATCH (o:OutboxItem) RETURN o.kind AS kind, o.state AS state, count(o) AS n"
        " ORDER BY kind, state"
    )
    return {f"{row['kind']}:{row['state']}": row["n"] for row in rows}


async def file_item_ids(store: GraphStore) -> list[str]:
    rows = await store.read(
        "MATCH (o:OutboxItem {kind: 'FILE_DOCUMENT'}) RETURN o.id AS id ORDER BY id"
    )
    return [row["id"] for row in rows]


async def items(store: GraphStore) -> list[dict[str, Any]]:
    """Every outbox item's delivery bookkeeping, oldest first."""
    rows = await store.read(
        "MATCH (o:OutboxItem) RETURN o {.id, .kind, .state, .attempts, .lastError,"
        " .lastAttemptAt, .nextAttemptAt, .leaseOwner, .leaseUntil} AS item"
        " ORDER BY o.createdAt, o.id"
    )
    return [row["item"] for row in rows]


def embedded_versions(root: Path) -> list[dict[str, Any]]:
    """Every filed version in the embedded store's tree, read straight from disk."""
    versions: list[dict[str, Any]] = []
    for path in sorted((root / "children").glob("*/*/*.json")):
        if path.name in {"file.json", "holds.json"}:
            continue
        versions.extend(json.loads(path.read_text())["versions"])
    return versions
