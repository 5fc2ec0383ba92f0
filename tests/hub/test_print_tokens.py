"""`lcs-hub serve --print-tokens` (and `make run`) prints each persona's token and, for
the health persona, a few NHS numbers of children on a plan or looked after."""

from __future__ import annotations

import pytest

from auth.tokens import LocalSigningKey, TokenIssuer
from graph import FalkorDBStore
from hub.app import _print_tokens, token_settings
from hub.settings import Settings
from tests.e2e.journey_helpers import demo_county

pytestmark = pytest.mark.anyio


async def test_a_child_on_a_plan_without_an_nhs_number_does_not_stop_the_start(
    store: FalkorDBStore, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    await demo_county(store)
    # An unborn child on a pre-birth plan, or a child whose number is not known yet: the
    # start of the hub listed every child on a plan and failed on the missing number.
    rows = await store.write(
        "MATCH (c:Child)<-[:ABOUT]-(:ChildProtectionPlan {status: 'ACTIVE'})"
        " WITH DISTINCT c SET c.nhsNumber = null RETURN c.id AS id"
    )
    assert rows
    rules = token_settings(settings)
    issuer = TokenIssuer(rules, LocalSigningKey.load_or_create(rules.key_path))
    await _print_tokens(issuer, store, "http://127.0.0.1:8000/graphql")
    printed = capsys.readouterr().out
    assert "social-worker (" in printed
    hint = next(line for line in printed.splitlines() if line.startswith("health: try"))
    listed = hint.split("one of ", 1)[1].split(", ")
    assert listed, hint
    assert all(number.isdigit() and len(number) == 10 for number in listed), hint
