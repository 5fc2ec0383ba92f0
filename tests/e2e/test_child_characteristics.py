"""A child's ethnicity and sex (CIN census Ethnicity and Sex, SSDA903 ETHNIC and SEX) are
recorded or corrected after the contact that created the child: each change is a dated
fact with who recorded it and when and the value it replaced, the child then reads the new
value, and a value that is not a DfE code is refused naming the field, changing nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.journey_helpers import demo_child, demo_county
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

FACT = (
    "__typename ... on ChildFact { factKind on recordedBy recordedAt ethnicity"
    " previousEthnicity sex previousSex } ... on InvalidInput { problems { field rule } }"
)
ETHNICITY = f"""mutation ($input: RecordEthnicityInput!) {{ recordEthnicity(input: $input) {{
    {FACT} }} }}"""
SEX = f"""mutation ($input: RecordSexInput!) {{ recordSex(input: $input) {{ {FACT} }} }}"""
CHILD = """query ($id: ID!) { child(id: $id) { ethnicity sex }
    childFacts(childId: $id, kinds: [ETHNICITY, SEX]) { factKind ethnicity previousEthnicity
      sex previousSex on } }"""


async def now(client: httpx.AsyncClient, headers: dict[str, str], child_id: str) -> Any:
    return await graphql(client, headers, CHILD, {"id": child_id})


async def test_ethnicity_and_sex_are_recorded_and_corrected_with_history(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker = bearer(settings, "social-worker")
    child_id = demo_child(world)
    # As the contact that created the child left it: not yet obtained, and female.
    await store.write(
        "MATCH (c:Child {id: $id}) SET c.ethnicity = null, c.sex = 'F'", {"id": child_id}
    )

    given = await graphql(
        client,
        worker,
        ETHNICITY,
        {"input": {"childId": child_id, "ethnicity": "WBRI", "on": "2026-10-01"}},
    )
    fact = given["recordEthnicity"]
    assert (fact["factKind"], fact["on"], fact["ethnicity"], fact["previousEthnicity"]) == (
        "ETHNICITY",
        "2026-10-01",
        "WBRI",
        None,
    ), fact
    assert (fact["recordedBy"], fact["recordedAt"] is not None) == ("worker-sw-demo", True)
    corrected = await graphql(
        client,
        worker,
        ETHNICITY,
        {"input": {"childId": child_id, "ethnicity": "MWBC", "on": "2026-11-02"}},
    )
    fact = corrected["recordEthnicity"]
    assert (fact["ethnicity"], fact["previousEthnicity"]) == ("MWBC", "WBRI"), fact

    before = await now(client, worker, child_id)
    assert before["child"]["ethnicity"] == "MWBC"
    for bad, rule_word in (("ZZZZ", "code"), ("MWBC", "already")):
        refused = await graphql(
            client, worker, ETHNICITY, {"input": {"childId": child_id, "ethnicity": bad}}
        )
        answer = refused["recordEthnicity"]
        assert answer["__typename"] == "InvalidInput", answer
        assert [p["field"] for p in answer["problems"]] == ["ethnicity"], answer
        assert rule_word in answer["problems"][0]["rule"], answer
    assert await now(client, worker, child_id) == before
    # Dated before the value the child holds: it would overwrite the later correction.
    backdated = await graphql(
        client,
        worker,
        ETHNICITY,
        {"input": {"childId": child_id, "ethnicity": "WIRI", "on": "2026-10-15"}},
    )
    answer = backdated["recordEthnicity"]
    assert answer["__typename"] == "InvalidInput", answer
    assert [p["field"] for p in answer["problems"]] == ["on"], answer
    assert "2026-11-02" in answer["problems"][0]["rule"], answer
    assert await now(client, worker, child_id) == before

    changed = await graphql(
        client, worker, SEX, {"input": {"childId": child_id, "sex": "M", "on": "2026-11-03"}}
    )
    fact = changed["recordSex"]
    assert (fact["factKind"], fact["sex"], fact["previousSex"]) == ("SEX", "M", "F"), fact
    after = await now(client, worker, child_id)
    assert (after["child"]["ethnicity"], after["child"]["sex"]) == ("MWBC", "M")
    assert [
        (
            f["factKind"],
            f["on"],
            f["ethnicity"] or f["sex"],
            f["previousEthnicity"] or f["previousSex"],
        )
        for f in after["childFacts"]
    ] == [
        ("SEX", "2026-11-03", "M", "F"),
        ("ETHNICITY", "2026-11-02", "MWBC", "WBRI"),
        ("ETHNICITY", "2026-10-01", "WBRI", None),
    ]
