"""Probes outside the schema walk, as a partner or a worker probing for what they may not
see would send them: a hidden child, record, household or document answers exactly like a
missing one at every root and mutation taking an id (whole responses compared, errors and
their extensions too); `_entities` with every entity type's representation of what the
caller may not see; aliases and fragments re-entering a child from another path; a
partner's introspection of the types it lacks; batches and persisted queries."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from auth.principal import Audience
from demo import county
from graph import FalkorDBStore
from hub.settings import Settings
from schema.build import ENTITY_TYPES, build_schema
from tests.e2e import test_no_leaks as walks
from tests.e2e.schema_walk import SchemaWalk, required, unwrap
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

demo = walks.demo  # the county every leak walk runs on
settings = walks.settings  # and its cost bound

# The arguments whose values name something of a child's, each given a missing twin.
_NAMING = ("childId", "id", "fileId", "versionId", "recordId", "representations")


def _twin(value: Any, taken: set[str]) -> Any:
    """A value shaped as `value` naming nothing: its last digit changed (or a letter
    added) until no record has it."""
    if isinstance(value, list):
        return [_twin(item, taken) for item in value]
    if isinstance(value, dict):
        return {key: _twin(item, taken) if key == "id" else item for key, item in value.items()}
    for digit in "987654321":
        twin = re.sub(r"\d(?=\D*$)", digit, value) if re.search(r"\d", value) else value + "x"
        if twin != value and twin not in taken:
            return twin
    raise AssertionError(value)


def _nhs_numbers(count: int, taken: set[str]) -> list[str]:
    """Valid NHS numbers (modulus 11) no child has."""
    found = []
    for serial in range(1000, 2000):
        base = f"94{serial:07d}"
        check = 11 - sum(int(d) * (10 - n) for n, d in enumerate(base)) % 11
        number = base + str(0 if check == 11 else check)
        if check != 10 and number not in taken:
            found.append(number)
        if len(found) == count:
            return found
    raise AssertionError(count)


def _said_back(text: str, asked: dict[str, Any], twin: dict[str, Any]) -> str:
    """`text` (the missing twin's answer) with each value asked put back as the hidden
    one's: an answer may say back what it was asked."""
    for hidden, missing in zip(
        json.dumps(asked).split('"'), json.dumps(twin).split('"'), strict=True
    ):
        if hidden != missing:
            text = text.replace(missing, hidden)
    return text


async def _hidden_and_missing(
    store: FalkorDBStore, values: dict[str, list[Any]], allowed: set[str]
) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """What the caller may not see (children, records, files, forms, their households and
    the adults in them, by every entity type) and a missing twin of each."""
    hidden = await walks._forbidden_values(store, values, allowed)
    households = await store.read(
        "MATCH (f:Family)<-[:MEMBER_OF]-(p)"
        " WITH f, collect(p) AS members"
        " WHERE none(m IN members WHERE m.id IN $allowed)"
        " RETURN f.id AS family, [m IN members WHERE NOT m:Child | m.id] AS adults",
        {"allowed": sorted(allowed)},
    )
    keys = hidden["id"] + [row["family"] for row in households]
    keys += [adult for row in households for adult in row["adults"]]
    hidden["representations"] = [
        [{"__typename": entity.__name__, "id": key}] for entity in ENTITY_TYPES for key in keys
    ]
    rows = await store.read("MATCH (n) WHERE n.id IS NOT NULL RETURN n.id AS id")
    taken = {row["id"] for row in rows}
    missing = {
        name: [_twin(value, taken) for value in options] if name in _NAMING else options
        for name, options in hidden.items()
    }
    numbers = {row["n"] for row in await store.read("MATCH (c:Child) RETURN c.nhsNumber AS n")}
    missing["nhsNumber"] = missing["term"] = _nhs_numbers(len(hidden["nhsNumber"]), numbers)
    return hidden, missing


async def test_a_hidden_record_answers_exactly_as_a_missing_one_at_every_root_and_mutation(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    """Sam, the grant ended: every root and mutation taking an id of a child he may not
    see (a restricted sibling, one moved to another team), of their records, files,
    forms, households and adults answers as one naming nothing, body for body."""
    scene = await walks._set_scene(client, settings, store, demo)
    await store.write(walks.END_GRANTS)
    sam = bearer(settings, "social-worker")
    allowed = await walks._admitted(store, scene.values, Audience.INTERNAL, None)
    hidden, missing = await _hidden_and_missing(store, scene.values, allowed)
    # A household with none of his children in it, and its adults, are among them.
    assert any(rep[0]["id"].startswith("family-") for rep in hidden["representations"])
    schema = await walks._schema_of(client, sam)
    differ = []
    asked = 0
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert root is not None
        for name, root_field in root.fields.items():
            arguments = [arg for arg, value in root_field.args.items() if required(value)]
            if not any(arg in _NAMING or arg == "nhsNumber" for arg in arguments):
                continue
            choices = max(len(hidden.get(arg, [])) for arg in arguments) or 1
            for choice in range(choices):
                answers = []
                for values in (hidden, missing):
                    walk = SchemaWalk(schema, values)
                    selection = walk.selection(unwrap(root_field.type), 3) or "__typename"
                    nested = dict(walk.variables)
                    walk.variables = {}
                    passed = walk.arguments(root_field, choice, prefix="root")
                    walk.variables |= nested
                    operation = f"{kind} {walk.declared()} {{ {name}{passed} {{ {selection} }} }}"
                    variables = {key: value for key, (_, value) in walk.variables.items()}
                    response = await client.post(
                        "/graphql",
                        json={"query": operation, "variables": variables},
                        headers=sam,
                    )
                    # A request's own id is the one field that differs by design.
                    text = re.sub(r'"requestId":"[^"]*"', '"requestId":""', response.text)
                    answers.append((response.status_code, text, variables))
                asked += 1
                (status, text, variables), (twin_status, twin_text, twin) = answers
                if (status, text) != (twin_status, _said_back(twin_text, variables, twin)):
                    differ.append((name, variables, text[:300], twin_text[:300]))
    assert asked > 100, asked
    assert not differ, differ


async def test_a_partner_s_introspection_names_no_type_it_lacks(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    """Asked by name, each type of the internal schema a partner's lacks is not there, as
    a type no schema has is not; a field it lacks is refused as one nobody has."""
    internal = build_schema(Audience.INTERNAL)._schema.type_map
    for persona, audience in (
        ("police", Audience.POLICE),
        ("education", Audience.EDUCATION),
        ("health", Audience.HEALTH),
    ):
        headers = bearer(settings, persona)
        partner = build_schema(audience)._schema.type_map
        hidden = sorted(name for name in internal if name not in partner)
        assert "CaseNote" in hidden, audience
        query = "query ($n: String!) { __type(name: $n) { name fields { name } } }"
        for name in [*hidden, "NoSuchType"]:
            answer = await graphql(client, headers, query, {"n": name})
            assert answer == {"__type": None}, (audience, name)
        refusals = []
        for field in ("caseNotes", "noSuchField"):
            response = await client.post(
                "/graphql", json={"query": f"{{ me {{ {field} }} }}"}, headers=headers
            )
            refusals.append(response.text.replace(field, "FIELD"))
        assert refusals[0] == refusals[1], (audience, refusals)


async def test_aliases_and_fragments_re_entering_a_child_keep_to_the_force_s_rule(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    """The same children asked for under aliases, through fragments on `Child` and
    `Person`, and back in through each relative's household: only the force's."""
    scene = await walks._set_scene(client, settings, store, demo)
    police = bearer(settings, "police")
    query = """
      query {
        a: enquiryChildren { ...C }
        b: enquiryChildren { family { members { person { ...P } } } ...C }
      }
      fragment C on Child { id givenName family { id members { person { ...P } } } }
      fragment P on Person { __typename id kind givenName familyName dateOfBirth }
    """
    answer = await graphql(client, police, query)
    allowed = await walks._admitted(store, scene.values, Audience.POLICE, None)
    named, mentions = walks._children_named(answer)
    assert named, "the probe must see some children to mean anything"
    assert named <= allowed, sorted(named - allowed)
    assert await walks._identified(store, mentions, allowed) <= allowed
    assert walks.OUT_OF_ENQUIRY not in json.dumps(answer)


async def test_a_batch_or_a_persisted_query_is_refused_and_reads_nothing(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    """The hub takes one operation a request: a list of them, or a hash standing for a
    query it was never sent, is refused before anything is read (no read is audited)."""
    headers = bearer(settings, "police")
    operation = {"query": "{ enquiryChildren { id givenName } }"}
    bodies: list[Any] = [
        [operation, operation],
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
    ]
    for body in bodies:
        response = await client.post("/graphql", json=body, headers=headers)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["data"] is None
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert await store.read(walks.AUDITED) == []


async def test_a_query_sent_as_a_get_keeps_to_the_same_rule_and_a_mutation_is_refused(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    headers = bearer(settings, "police")
    query = "{ enquiryChildren { id family { members { person { id kind } } } } }"
    posted = await graphql(client, headers, query)
    got = await client.get("/graphql", params={"query": query}, headers=headers)
    assert got.status_code == 200, got.text
    assert got.json() == {"data": posted}
    mutation = (
        'mutation { notifyDomesticAbuseIncident(incident: {forceReference: "x",'
        ' occurredAt: "2026-11-01T10:00:00Z", children: []}) { __typename } }'
    )
    refused = await client.get("/graphql", params={"query": mutation}, headers=headers)
    assert refused.status_code in (400, 405), refused.text
    assert refused.json().get("data") is None
