"""Authority from the record: role and team come from the worker record, not the token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from auth.authority import principal_on_record
from auth.capabilities import Capability, access_scope, can
from auth.principal import InvalidToken, principal_from_claims
from auth.tokens import LocalSigningKey, TokenIssuer, TokenSettings, TokenVerifier
from auth.training import Requirement, import_matrix, missing_modules
from graph import FalkorDBStore
from tests.helpers import clock_at
from workflow import calendar

pytestmark = pytest.mark.anyio


def _claims(**overrides: object) -> dict[str, object]:
    claims: dict[str, object] = {
        "sub": "worker-1",
        "name": "Sam",
        "role": "team_manager",
        "agency": "agency-la",
        "jti": "t-1",
        "team": "team-claimed",
    }
    claims.update(overrides)
    return claims


async def _worker(store: FalkorDBStore, worker: str, role: str, team: str) -> None:
    await store.write(
        "MERGE (t:Team {id: $team}) MERGE (w:Worker {id: $worker})"
        " SET w.name = 'Sam Record', w.role = $role MERGE (w)-[:MEMBER_OF_TEAM]->(t)",
        {"team": team, "worker": worker, "role": role},
    )


async def test_role_and_team_come_from_the_worker_record(store: FalkorDBStore) -> None:
    await _worker(store, "worker-1", "social_worker", "team-real")
    claimed = principal_from_claims(_claims())
    principal = await principal_on_record(store, claimed)
    assert (principal.role, principal.team_id, principal.on_record) == (
        "social_worker",
        "team-real",
        True,
    )
    # The token said team manager; the record says social worker, who cannot authorise.
    assert can(principal, Capability.WRITE_CASE)
    assert not can(principal, Capability.AUTHORISE)
    assert access_scope(principal).team == "team-real"


@pytest.mark.parametrize("role", ["social_worker", "performance_analyst", "records_officer"])
async def test_a_subject_with_no_worker_record_may_do_nothing(
    store: FalkorDBStore, role: str
) -> None:
    principal = await principal_on_record(store, principal_from_claims(_claims(role=role)))
    assert not principal.on_record
    assert principal.team_id is None
    assert not any(can(principal, capability) for capability in Capability)
    scope = access_scope(principal)
    assert (scope.team, scope.view_all) == (None, False)


async def test_a_worker_record_without_an_internal_role_may_do_nothing(
    store: FalkorDBStore,
) -> None:
    await _worker(store, "worker-1", "police_officer", "team-real")
    principal = await principal_on_record(store, principal_from_claims(_claims()))
    assert not principal.on_record
    assert not can(principal, Capability.READ_RELATED)


@pytest.mark.parametrize(
    ("start", "end"), [("2999-01-01", None), ("2020-01-01", "2021-01-01")], ids=["future", "left"]
)
async def test_a_worker_not_yet_started_or_gone_may_do_nothing(
    store: FalkorDBStore, start: str, end: str | None
) -> None:
    await _worker(store, "worker-1", "social_worker", "team-real")
    await store.write(
        "MATCH (w:Worker {id: 'worker-1'}) SET w.startDate = date($start),"
        " w.endDate = CASE WHEN $end IS NULL THEN null ELSE date($end) END",
        {"start": start, "end": end},
    )
    principal = await principal_on_record(store, principal_from_claims(_claims()))
    assert not principal.on_record
    assert not can(principal, Capability.READ_RELATED)
    await store.write("MATCH (w:Worker {id: 'worker-1'}) SET w.endDate = null, w.startDate = null")
    assert (await principal_on_record(store, principal_from_claims(_claims()))).on_record


@pytest.mark.parametrize(
    ("instant", "on_record"),
    [
        (datetime(2027, 6, 5, 22, 59, tzinfo=UTC), True),
        (datetime(2027, 6, 5, 23, 30, tzinfo=UTC), False),
        (datetime(2027, 1, 15, 23, 59, tzinfo=UTC), True),
        (datetime(2027, 1, 16, 0, 0, tzinfo=UTC), False),
    ],
    ids=["bst-last-minute", "bst-next-day", "gmt-last-minute", "gmt-next-day"],
)
async def test_a_worker_s_last_day_ends_at_midnight_in_england(
    store: FalkorDBStore, monkeypatch: pytest.MonkeyPatch, instant: datetime, on_record: bool
) -> None:
    """A leaver reads nothing from the first minute of the day after their last day there,
    whatever zone the hub's clock is set to (00:30 in summer time is 23:30 UTC)."""
    last_day = instant.astimezone(ZoneInfo("Europe/London")).date()
    if not on_record:
        last_day -= timedelta(days=1)
    await _worker(store, "worker-1", "social_worker", "team-real")
    await store.write(
        "MATCH (w:Worker {id: 'worker-1'}) SET w.endDate = date($end)",
        {"end": last_day.isoformat()},
    )
    monkeypatch.setattr(calendar, "datetime", clock_at(instant))

    principal = await principal_on_record(store, principal_from_claims(_claims()))

    assert principal.on_record is on_record


async def test_partners_keep_their_agency_and_need_no_worker_record(
    store: FalkorDBStore,
) -> None:
    claimed = principal_from_claims(_claims(role="police_officer", agency="agency-police"))
    assert await principal_on_record(store, claimed) == claimed


async def test_team_training_applies_whatever_the_token_says(store: FalkorDBStore) -> None:
    await _worker(store, "worker-1", "social_worker", "team-real")
    await import_matrix(
        store, [Requirement("social_worker", "team-real", "team_module", "Team module")]
    )
    # No team claim at all used to skip the team's modules.
    principal = await principal_on_record(store, principal_from_claims(_claims(team=None)))
    assert await missing_modules(store, principal) == ("Team module",)


def test_tokens_living_longer_than_the_maximum_are_refused(
    signing_key: LocalSigningKey,
) -> None:
    rules = TokenSettings()
    verifier = TokenVerifier(rules, signing_key)
    century = TokenIssuer(
        TokenSettings(max_token_lifetime=timedelta(days=36_600)), signing_key
    ).issue("w", "W", "social_worker", "a", lifetime=timedelta(days=36_500))
    with pytest.raises(InvalidToken, match="token lifetime too long"):
        verifier.verify(century)
    day = TokenIssuer(rules, signing_key).issue("w", "W", "social_worker", "a")
    assert verifier.verify(day).subject == "w"
    # The issuer refuses to make one the verifier would refuse.
    with pytest.raises(ValueError, match="max_token_lifetime"):
        TokenIssuer(rules, signing_key).issue(
            "w", "W", "social_worker", "a", lifetime=timedelta(hours=13)
        )


def test_settings_keep_the_default_lifetime_within_the_maximum() -> None:
    with pytest.raises(ValueError, match="must not exceed max_token_lifetime"):
        TokenSettings(max_token_lifetime=timedelta(hours=1))
    assert TokenSettings(
        max_token_lifetime=timedelta(hours=1), token_lifetime=timedelta(minutes=30)
    ).max_token_lifetime == timedelta(hours=1)
