"""Small helpers the end-to-end tests share."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from auth.tokens import LocalSigningKey, TokenIssuer
from hub.app import issue_persona_token, token_settings

if TYPE_CHECKING:
    from graph import GraphStore, Row
    from hub.settings import Settings

# A purpose each partner persona may state (auth/purposes.py).
PARTNER_PURPOSE = {
    "police": "MASH_RESEARCH",
    "health": "UNSCHEDULED_CARE",
    "education": "SCHOOL_SAFEGUARDING",
}


def bearer(settings: Settings, persona: str) -> dict[str, str]:
    """The headers of a demo persona: its token and, for partners, a stated purpose."""
    headers = {"Authorization": f"Bearer {issue_persona_token(settings, persona)}"}
    if persona in PARTNER_PURPOSE:
        headers["X-Purpose"] = PARTNER_PURPOSE[persona]
    return headers


def worker_bearer(settings: Settings, subject: str, role: str, team: str | None) -> dict[str, str]:
    """The headers of a local-authority worker who is no demo persona (their worker record
    is `add_worker`'s: the token's role and team claims are not trusted)."""
    rules = token_settings(settings)
    issuer = TokenIssuer(rules, LocalSigningKey.load_or_create(rules.key_path))
    token = issuer.issue(subject, f"{role} {subject}", role, "agency-la", team)
    return {"Authorization": f"Bearer {token}"}


def clock_at(instant: datetime) -> type[datetime]:
    """A `datetime` whose `now()` is `instant`: put in place of `workflow.calendar.datetime`
    (monkeypatch) to read the rules as they stand at that moment."""

    class Clock(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Clock:
            return cls.fromtimestamp(instant.timestamp(), tz)

    return Clock


async def add_worker(
    store: GraphStore, subject: str, role: str, team: str | None = None, name: str = ""
) -> None:
    """A worker record for `subject`: internal staff act only through one (auth/authority.py)."""
    await store.write(
        "MERGE (w:Worker {id: $subject}) SET w.role = $role, w.name = $name"
        " FOREACH (teamId IN CASE WHEN $team IS NULL THEN [] ELSE [$team] END |"
        " MERGE (t:Team {id: teamId}) MERGE (w)-[:MEMBER_OF_TEAM]->(t))",
        {"subject": subject, "role": role, "team": team, "name": name or subject},
    )


async def graphql(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    query: str,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """POST a GraphQL operation; fail loudly on transport or GraphQL errors."""
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]  # type: ignore[no-any-return]


# Written apart from the hub's own statement, as the rule reads in the issue: a school
# sees its pupils who are in need, on a plan or looked after now (a care leaver is not; a
# referral withdrawn as recorded in error never made a child in need).
PUPILS_WITH_OPEN_EPISODES = """
MATCH (:Agency {id: $school})<-[:ATTENDS]-(c:Child)<-[:ABOUT]-(r)
WHERE (r:Referral AND NOT r.status IN ['CLOSED', 'RECORDED_IN_ERROR'])
   OR (r:PeriodOfCare AND r.status IN ['LOOKED_AFTER', 'CEASING_AWAITING_AUTHORISATION'])
RETURN DISTINCT c.id AS id
"""


def run_lcs_hub(
    data_dir: Path,
    graph_name: str,
    var_dir: Path,
    *args: str,
    timeout: float = 300,
    entry: tuple[str, ...] = ("-m", "hub.cli"),
) -> subprocess.CompletedProcess[str]:
    """Run `lcs-hub ARGS` as its own process, attached to the test session's engine
    (`entry`: how Python is told to run it, `-c CODE` to run it otherwise)."""
    return subprocess.run(
        [sys.executable, *entry, *args],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        env=lcs_hub_environment(data_dir, graph_name, var_dir),
        timeout=timeout,
        check=False,
    )


REPOSITORY = Path(__file__).resolve().parents[1]


def lcs_hub_environment(data_dir: Path, graph_name: str, var_dir: Path) -> dict[str, str]:
    """The environment of an `lcs-hub` process on the test session's engine."""
    return {
        "PATH": "/usr/bin:/bin",
        "LCS_HUB_VAR_DIR": str(var_dir),
        "LCS_HUB_GRAPH_URL": f"embedded://{data_dir}",
        "LCS_HUB_GRAPH_NAME": graph_name,
        "LCS_HUB_GRAPH_APPENDFSYNC": "everysec",
    }


async def answer_through_url(
    url: str, data_dir: Path, graph_name: str, **credentials: str
) -> list[Row]:
    """What `RETURN 1 AS one` answers on the store `url` opens, given the settings'
    `user`/`password` in `credentials` (a password in the URL wins over them)."""
    from graph import open_graph

    opened = open_graph(url, data_dir=data_dir, graph_name=graph_name, **credentials)
    try:
        return await opened.store.write("RETURN 1 AS one")
    finally:
        await opened.close()
