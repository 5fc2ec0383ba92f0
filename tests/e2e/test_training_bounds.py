"""Training modules come in through the administrator's matrix and completions: each name
is bounded where it comes in (it becomes a node's key, a title every blocked write shows,
and an answer's text), and a longer one is refused naming the field, nothing written."""

from __future__ import annotations

import httpx
import pytest

from auth.training import MOST_MODULE_CHARS
from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.test_access_control import _token
from tests.helpers import add_worker, graphql

pytestmark = pytest.mark.anyio

IMPORT = (
    "mutation ($csv: String!) { importTrainingMatrix(csv: $csv) { __typename"
    " ... on TrainingMatrixImported { requirements }"
    " ... on InvalidInput { problems { field rule } } } }"
)
COMPLETE = (
    'mutation ($m: String!) { recordTrainingCompletion(workerId: "admin-1", module: $m,'
    ' completedOn: "2026-11-20") { __typename ... on InvalidInput { problems { field rule } }'
    " ... on NotFound { id } } }"
)


async def _count(store: FalkorDBStore, pattern: str) -> int:
    rows = await store.read(f"MATCH {pattern} RETURN count(*) AS n", {})
    return int(rows[0]["n"])


async def test_a_module_or_team_over_the_bound_in_the_matrix_is_refused(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    await add_worker(store, "admin-1", "system_administrator")
    admin = _token(settings, "admin-1", "system_administrator")
    long_module = "M" * (MOST_MODULE_CHARS + 1)
    long_team = "t" * 101
    for csv, rule in (
        (
            f"Role,Team,Module\nSocial Worker,All,Safeguarding\nSocial Worker,All,{long_module}\n",
            f"line 3: module is at most {MOST_MODULE_CHARS} characters",
        ),
        (
            f"Role,Team,Module\nSocial Worker,{long_team},Safeguarding\n",
            "line 2: team is at most 100 characters",
        ),
    ):
        answer = await graphql(client, admin, IMPORT, {"csv": csv})
        assert answer["importTrainingMatrix"] == {
            "__typename": "InvalidInput",
            "problems": [{"field": "csv", "rule": rule}],
        }
    assert await _count(store, "(:TrainingModule)") == 0
    assert await _count(store, "(:TrainingRequirement)") == 0
    # At the bound, taken.
    exact = f"Role,Team,Module\nSocial Worker,All,{'M' * MOST_MODULE_CHARS}\n"
    answer = await graphql(client, admin, IMPORT, {"csv": exact})
    assert answer["importTrainingMatrix"] == {
        "__typename": "TrainingMatrixImported",
        "requirements": 1,
    }


async def test_a_completion_of_a_module_over_the_bound_is_refused_naming_it(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    await add_worker(store, "admin-1", "system_administrator")
    admin = _token(settings, "admin-1", "system_administrator")
    for module in ("", "m" * (MOST_MODULE_CHARS + 1), "m" * 600_000):
        answer = await graphql(client, admin, COMPLETE, {"m": module})
        assert answer["recordTrainingCompletion"] == {
            "__typename": "InvalidInput",
            "problems": [
                {"field": "module", "rule": f"a module's code, 1 to {MOST_MODULE_CHARS} characters"}
            ],
        }
    assert await _count(store, "()-[:COMPLETED]->()") == 0
