"""A record merged into another is no one's to read: asked for by its id (at every query
root taking a child's id, and as every federation entity type), it answers as an id the
hub never held, for every audience; the merge itself is the records officer's to see."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from schema.build import ENTITY_TYPES
from tests.connectors.intake.world import add_child
from tests.e2e.journey_helpers import demo_county
from tests.e2e.schema_walk import SchemaWalk, required, unwrap
from tests.e2e.test_no_leaks import _schema_of
from tests.helpers import bearer, graphql

if TYPE_CHECKING:
    from graphql import GraphQLSchema

pytestmark = pytest.mark.anyio

MERGED, NEVER_HELD = "C-MERGED-AWAY", "C-NEVER-HELD"
# Arguments that take a child's id, whatever the root calls it.
_CHILD_ID_ARGUMENTS = ("id", "childId")
# The merge's own views: the records officer undoes merges, so a merged id is theirs.
_THE_MERGE_S_OWN = {"childMerges"}
READERS = ("social-worker", "team-manager", "records-officer", "police", "education", "health")


def _asked(schema: GraphQLSchema, child_id: str) -> list[tuple[str, str, dict[str, object]]]:
    """Every query root whose required arguments include a child's id, called with
    `child_id`, selecting what can name a child below it; and `_entities` for every
    entity type."""
    asked = []
    query = schema.query_type
    assert query is not None
    for name, root in query.fields.items():
        arguments = [arg for arg, value in root.args.items() if required(value)]
        takes_a_child = name == "_entities" or set(arguments) & set(_CHILD_ID_ARGUMENTS)
        if name in _THE_MERGE_S_OWN or not takes_a_child:
            continue
        values: dict[str, list[object]] = {arg: [child_id] for arg in _CHILD_ID_ARGUMENTS}
        if name == "_entities":
            values["representations"] = [
                [{"__typename": entity.__name__, "id": child_id} for entity in ENTITY_TYPES]
            ]
        walk = SchemaWalk(schema, values)
        selection = walk.selection(unwrap(root.type), 3) or "__typename"
        passed = walk.arguments(root)
        operation = f"query {walk.declared()} {{ {name}{passed} {{ {selection} }} }}"
        asked.append((name, operation, {k: v for k, (_, v) in walk.variables.items()}))
    return asked


async def test_a_merged_away_record_answers_as_one_never_held_for_every_reader(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    await demo_county(store)
    await add_child(store, "C-KEPT-RECORD", "Kept", "Record", date(2015, 1, 1))
    await add_child(store, MERGED, "Kept", "Record", date(2015, 1, 1), sex="M")
    merged = await graphql(
        client,
        bearer(settings, "records-officer"),
        """mutation { mergeChildren(keep: "C-KEPT-RECORD", merge: "C-MERGED-AWAY",
             reason: "One child") { __typename } }""",
    )
    assert merged == {"mergeChildren": {"__typename": "ChildMerge"}}

    differ, probed = [], set()
    for reader in READERS:
        headers = bearer(settings, reader)
        schema = await _schema_of(client, headers)
        for (name, operation, variables), (_, _, twin) in zip(
            _asked(schema, MERGED), _asked(schema, NEVER_HELD), strict=True
        ):
            probed.add(name)
            answers = [
                await client.post(
                    "/graphql", json={"query": operation, "variables": asked}, headers=headers
                )
                for asked in (variables, twin)
            ]
            merged_text, never_text = (answer.text for answer in answers)
            if merged_text != never_text.replace(NEVER_HELD, MERGED):
                differ.append((reader, name, merged_text[:300], never_text[:300]))

    assert {"child", "_entities", "accessTrail", "allocations", "childFacts"} <= probed, probed
    assert differ == []
