"""Schemathesis fuzzes each audience's schema over HTTP: no server errors, no resolver crashes.

Each audience is served its own schema, so forbidden fields are never even generated;
expected outcomes (not found, refused, not authorised, invalid input) are data, which
schemathesis accepts.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from graph import EmbeddedEngine, FalkorDBStore
from hub.app import create_app, issue_persona_token
from hub.settings import Settings
from tests.helpers import PARTNER_PURPOSE
from tests.live_server import serve_in_thread

PERSONAS = ["social-worker", "team-manager", "police", "health", "education"]
EXAMPLES = 8


def refusals_name_the_argument(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    """A refused argument is a client error that names the field it was given to.

    GraphQL types cannot say that `caseNotes(latest:)` runs from 1 to 500, so the fuzzer
    sends -737 believing it valid, and schemathesis' positive-data check would call the
    hub's refusal a failure. That check is replaced by this one: the refusal must be
    BAD_USER_INPUT, carry the path of the field refused and name that field (and the
    argument, where the refusal says which).
    """
    body = response.json()
    for error in body.get("errors") or []:
        if (error.get("extensions") or {}).get("code") != "BAD_USER_INPUT":
            continue
        path = error.get("path") or []
        field_names = [step for step in path if isinstance(step, str)]
        assert field_names, f"a refused argument without the field's path: {error}"
        assert field_names[-1] in error["message"], f"the refusal names no field: {error}"
        argument = error["extensions"].get("argument")
        assert argument is None or argument in error["message"], f"names no argument: {error}"


@pytest.fixture(scope="module")
def hub_url(
    engine: EmbeddedEngine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Settings]]:
    assert engine.socket_path is not None
    # The fuzzer is one client sending as fast as it can, and it nests every field it can
    # reach; the per-client rate and the cost bound are tested on their own
    # (tests/hub/test_request_limits.py), so they are lifted here.
    hub_settings = Settings(
        var_dir=tmp_path_factory.mktemp("fuzz") / "var",
        rate_limit="1000000/second",
        max_cost=10_000_000,
        _env_file=None,
    )
    # The store's connections are made lazily, in the server thread's event loop.
    store = FalkorDBStore(engine.socket_path, f"fuzz-{uuid.uuid4().hex}")
    app = create_app(
        hub_settings, store=store, run_outbox=False, demo_if_empty="tiny", close_store=True
    )
    with serve_in_thread(app, lifespan="on") as url:
        yield url, hub_settings


def _headers(hub_settings: Settings, persona: str) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {issue_persona_token(hub_settings, persona)}"}
    if persona in PARTNER_PURPOSE:
        headers["X-Purpose"] = PARTNER_PURPOSE[persona]
    return headers


@pytest.mark.parametrize("persona", PERSONAS)
def test_fuzz_each_audience(hub_url: tuple[str, Settings], persona: str) -> None:
    url, hub_settings = hub_url
    headers = _headers(hub_settings, persona)
    api = schemathesis.graphql.from_url(f"{url}/graphql", headers=headers)
    failures: list[str] = []
    for result in api.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(
                headers=headers,
                excluded_checks=[positive_data_acceptance],
                additional_checks=[refusals_name_the_argument],
            )

        try:
            check()
        except Exception as error:
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
