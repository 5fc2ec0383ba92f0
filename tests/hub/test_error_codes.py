"""Every error the hub answers carries a stable `extensions.code`.

A client (or a gateway) branches on the code, never on the text: graphql-core's own
validation errors, its syntax errors and its refusals of a variable's value came back with
no `extensions` at all, so the only way to tell them apart was to read the English.

The documents below are one per graphql-core validation rule, walked from
`specified_rules` itself: a rule graphql-core adds in a later version fails the first test
until it has a document here.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from graphql.validation import specified_rules

from hub.settings import Settings
from tests.helpers import bearer

pytestmark = pytest.mark.anyio

# A document that breaks each rule of graphql-core's, against the internal schema. The
# subscription and @defer/@stream rules cannot be reached in a schema without
# subscriptions or those directives: their documents are refused by the rule that comes
# first (an unknown operation type, an unknown directive), as a client sending them is.
BREAKING: dict[str, str] = {
    "ExecutableDefinitionsRule": "type Extra { a: Int } { me { name } }",
    "KnownOperationTypesRule": "subscription { me { name } }",
    "UniqueOperationNamesRule": "query A { me { name } } query A { me { id } }",
    "LoneAnonymousOperationRule": "{ me { name } } query B { me { name } }",
    "SingleFieldSubscriptionsRule": "subscription { me { name } __typename }",
    "KnownTypeNamesRule": "query ($x: NoSuchType) { me { name } }",
    "FragmentsOnCompositeTypesRule": "fragment F on String { length } { me { ...F } }",
    "VariablesAreInputTypesRule": "query ($x: Query) { me { name } }",
    "ScalarLeafsRule": "{ me }",
    "FieldsOnCorrectTypeRule": "{ noSuchField }",
    "UniqueFragmentNamesRule": (
        "fragment F on Query { me { name } } fragment F on Query { me { id } } { ...F }"
    ),
    "KnownFragmentNamesRule": "{ ...NoSuchFragment }",
    "NoUnusedFragmentsRule": "fragment F on Query { me { name } } { me { name } }",
    "PossibleFragmentSpreadsRule": "{ me { ... on Mutation { __typename } } }",
    "NoFragmentCyclesRule": "fragment F on Query { ...G } fragment G on Query { ...F } { ...F }",
    "UniqueVariableNamesRule": "query ($x: ID!, $x: ID!) { child(id: $x) { id } }",
    "NoUndefinedVariablesRule": "{ child(id: $x) { id } }",
    "NoUnusedVariablesRule": "query ($x: ID) { me { name } }",
    "KnownDirectivesRule": "{ me @noSuchDirective { name } }",
    "UniqueDirectivesPerLocationRule": "{ me @include(if: true) @include(if: true) { name } }",
    "DeferStreamDirectiveOnRootField": "mutation { ... @defer { __typename } }",
    "DeferStreamDirectiveOnValidOperationsRule": "subscription { ... @defer { __typename } }",
    "DeferStreamDirectiveLabel": (
        '{ ... @defer(label: "a") { me { name } } ... @defer(label: "a") { me { id } } }'
    ),
    "StreamDirectiveOnListField": "{ me @stream { name } }",
    "KnownArgumentNamesRule": "{ me(noSuchArgument: 1) { name } }",
    "UniqueArgumentNamesRule": '{ child(id: "a", id: "b") { id } }',
    "ValuesOfCorrectTypeRule": "{ child(id: 1.5) { id } }",
    "ProvidedRequiredArgumentsRule": "{ child { id } }",
    "VariablesInAllowedPositionRule": "query ($x: ID) { child(id: $x) { id } }",
    "OverlappingFieldsCanBeMergedRule": '{ a: child(id: "1") { id } a: child(id: "2") { id } }',
    "UniqueInputFieldNamesRule": (
        'mutation { addCaseNote(input: {childId: "a", childId: "b", type: PHONE_CALL, '
        'text: "x", occurredAt: "2026-10-30T09:30:00Z"}) { __typename } }'
    ),
    "MaxIntrospectionDepthRule": (
        "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    ),
}

# What is refused outside the validation rules: the text, the operation asked for, and
# the variables' values (checked against their types before anything runs), each with the
# code it answers.
OTHER_REFUSALS: dict[str, tuple[dict[str, Any], str]] = {
    "syntax": ({"query": "{ me { name }"}, "GRAPHQL_PARSE_FAILED"),
    "empty document": ({"query": ""}, "BAD_REQUEST"),
    "unknown operation name": (
        {"query": "query A { me { name } }", "operationName": "B"},
        "BAD_REQUEST",
    ),
    "a required variable missing": (
        {"query": "query ($id: ID!) { child(id: $id) { id } }", "variables": {}},
        "BAD_USER_INPUT",
    ),
    "a required variable null": (
        {"query": "query ($id: ID!) { child(id: $id) { id } }", "variables": {"id": None}},
        "BAD_USER_INPUT",
    ),
    "a variable of the wrong type": (
        {
            "query": "query ($id: ID!) { child(id: $id) { id } }",
            "variables": {"id": {"an": "object"}},
        },
        "BAD_USER_INPUT",
    ),
    "an enum variable out of its values": (
        {
            "query": "mutation ($input: AddCaseNoteInput!) { addCaseNote(input: $input) "
            "{ __typename } }",
            "variables": {
                "input": {
                    "childId": "c1",
                    "type": "NO_SUCH_TYPE",
                    "text": "x",
                    "occurredAt": "2026-10-30T09:30:00Z",
                }
            },
        },
        "BAD_USER_INPUT",
    ),
}

# The hub's own validation rules (schema/limits.py) answer with codes of their own; a
# document may break one of them too (two anonymous operations: a name is required).
HUB_RULE_CODES = {"OPERATION_NAME_REQUIRED", "QUERY_TOO_DEEP"}


def test_every_validation_rule_of_graphql_cores_has_a_breaking_document() -> None:
    assert set(BREAKING) == {rule.__name__ for rule in specified_rules}


async def _codes(client: httpx.AsyncClient, settings: Settings, body: dict[str, Any]) -> list[Any]:
    answer = await client.post("/graphql", json=body, headers=bearer(settings, "social-worker"))
    assert answer.status_code in (200, 400), answer.text
    errors = answer.json()["errors"]
    assert errors, answer.text
    return [(error.get("extensions") or {}).get("code") for error in errors]


@pytest.mark.parametrize("rule", sorted(BREAKING))
async def test_a_document_breaking_a_validation_rule_is_answered_with_a_code(
    client: httpx.AsyncClient, settings: Settings, rule: str
) -> None:
    codes = await _codes(client, settings, {"query": BREAKING[rule]})
    assert "GRAPHQL_VALIDATION_FAILED" in codes or set(codes) & HUB_RULE_CODES, codes
    assert set(codes) <= {"GRAPHQL_VALIDATION_FAILED"} | HUB_RULE_CODES, codes


@pytest.mark.parametrize("refusal", sorted(OTHER_REFUSALS))
async def test_a_refusal_outside_the_rules_is_answered_with_its_code(
    client: httpx.AsyncClient, settings: Settings, refusal: str
) -> None:
    body, code = OTHER_REFUSALS[refusal]
    assert await _codes(client, settings, body) == [code]
