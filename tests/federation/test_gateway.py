"""A real federation gateway in front of the hub and a second subgraph, on loopback.

Started here, all real: the hub (its internal subgraph, over HTTP by uvicorn, on the
session's embedded engine); a youth service subgraph (tests/federation/youth_service.py)
that extends `Child` by its key; the supergraph composed from `lcs-hub sdl` and the youth
service's SDL by hub/deploy/gateway/compose-supergraph.mjs; and Hive Gateway's own CLI
(npm `@graphql-hive/gateway`) with the production configuration,
hub/deploy/gateway/gateway.config.mjs. Nothing is fetched from a network.

What it proves: one query crosses both subgraphs (a child's hub fields, early help and
education records, and the youth service's field); the gateway calls the hub at its own
URL with the end user's token and purpose, so the hub's own rules decide (the hub audits
the user, not the gateway); a child the user may not see is absent through the gateway on
every path, exactly like a child that does not exist; a partner gets only its surface; and
no user's token reaches the other subgraph.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from demo.personas import PERSONAS
from graph import EmbeddedEngine, FalkorDBStore
from hub.app import create_app
from hub.settings import Settings
from tests.federation import youth_service
from tests.federation.world import HUGO, RUBY, RUBY_UPN, seed
from tests.federation.youth_service import SUBGRAPH_NAME, YouthService
from tests.helpers import bearer
from tests.live_server import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "hub" / "deploy" / "gateway"
GATEWAY_CLI = ROOT / "node_modules" / "@graphql-hive" / "gateway" / "dist" / "bin.js"
START_TIMEOUT = 120.0
REQUEST_TIMEOUT = 30.0
NOBODY = "C-NOBODY"  # a child id no one has recorded


@dataclass(frozen=True)
class Federation:
    url: str
    settings: Settings
    youth: YouthService
    graph_name: str
    socket_path: str
    services: tuple[tuple[str, str, Path], ...]  # what the supergraph was composed from
    work: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _node() -> str:
    node = shutil.which("node")
    assert node, "node is needed (make test installs the npm tooling)"
    return node


def compose(out: Path, *services: tuple[str, str, Path], contract: str | None = None) -> Path:
    """The supergraph from the subgraphs' SDL files, by the production composition script."""
    specs = [f"{name}={url}={sdl}" for name, url, sdl in services]
    extra = ["--contract", contract] if contract else []
    result = subprocess.run(
        [_node(), str(DEPLOY / "compose-supergraph.mjs"), str(out), *specs, *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@contextmanager
def hive_gateway(supergraph: Path, log: Path) -> Iterator[str]:
    """Hive Gateway's CLI serving `supergraph` with the production configuration on
    127.0.0.1; its URL once it is ready. Stopped (and killed if need be) afterwards."""
    assert GATEWAY_CLI.exists(), "npm ci installs @graphql-hive/gateway"
    port = _free_port()
    command = [
        _node(),
        str(GATEWAY_CLI),
        "supergraph",
        str(supergraph),
        "--config-path",
        str(DEPLOY / "gateway.config.mjs"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    # No inherited settings: the gateway sees only what production would give it.
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NODE_ENV": "production"}
    with log.open("w") as output:
        process = subprocess.Popen(
            command,
            cwd=supergraph.parent,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, f"the gateway stopped:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"the gateway is not ready:\n{log.read_text()}"
            try:
                if httpx.get(f"{url}/readiness", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


async def _seed(socket_path: str, graph_name: str) -> None:
    store = FalkorDBStore(socket_path, graph_name)
    try:
        await store.apply_schema()
        await seed(store)
    finally:
        await store.close()


async def _read(socket_path: str, graph_name: str, statement: str) -> list[dict[str, Any]]:
    store = FalkorDBStore(socket_path, graph_name)
    try:
        return await store.read(statement)
    finally:
        await store.close()


async def _drop(socket_path: str, graph_name: str) -> None:
    store = FalkorDBStore(socket_path, graph_name)
    try:
        await store.drop()
    finally:
        await store.close()


def _hub_sdl(out: Path) -> Path:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lcs-hub"), "sdl"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    out.write_text(result.stdout)
    return out


@pytest.fixture(scope="module")
def federation(
    engine: EmbeddedEngine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Federation]:
    assert engine.socket_path is not None
    socket_path = str(engine.socket_path)
    graph_name = f"gateway-{uuid.uuid4().hex}"
    asyncio.run(_seed(socket_path, graph_name))
    work = tmp_path_factory.mktemp("federation")
    settings = Settings(var_dir=work / "var", rate_limit="1000000/second", _env_file=None)  # type: ignore[call-arg]
    # The store's connections are made lazily, in the server thread's event loop.
    store = FalkorDBStore(socket_path, graph_name)
    hub = create_app(settings, store=store, run_outbox=False, close_store=True)
    youth = YouthService({RUBY: 4, HUGO: 7, NOBODY: 7})
    try:
        with (
            serve_in_thread(hub, lifespan="on") as hub_url,
            serve_in_thread(youth) as youth_url,
        ):
            services = (
                ("lcs-hub", f"{hub_url}/graphql", _hub_sdl(work / "lcs-hub.graphql")),
                (SUBGRAPH_NAME, youth_url, _youth_sdl(work / "youth-service.graphql")),
            )
            supergraph = compose(work / "supergraph.graphql", *services)
            with hive_gateway(supergraph, work / "gateway.log") as url:
                yield Federation(url, settings, youth, graph_name, socket_path, services, work)
    finally:
        asyncio.run(_drop(socket_path, graph_name))


def _youth_sdl(out: Path) -> Path:
    out.write_text(youth_service.sdl())
    return out


def ask(
    federation: Federation,
    headers: dict[str, str],
    query: str,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """POST an operation to the gateway; the whole GraphQL response (data and errors)."""
    response = httpx.post(
        f"{federation.url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=REQUEST_TIMEOUT,
    )
    assert response.status_code in (200, 400), response.text
    body: dict[str, Any] = response.json()
    return body


CROSSING = """
query ($id: ID!) { child(id: $id) { id givenName familyName youthClubSessions
  earlyHelpEpisodes { recordId closureOutcome reason
    assessments { outcome needs } teamsAroundTheFamily { members } }
  education { pupilRecords { upn schoolName yearGroup }
    attendance { sessionsPossible sessionsAttended } }
  singleServiceRequests { status } } }
"""


def test_one_query_crosses_the_hub_and_the_youth_service(federation: Federation) -> None:
    sam = bearer(federation.settings, "social-worker")
    body = ask(federation, sam, CROSSING, {"id": RUBY})
    assert "errors" not in body, body
    assert body["data"]["child"] == {
        "id": RUBY,
        "givenName": "Ruby",
        "familyName": "Newman",
        "youthClubSessions": 4,
        "earlyHelpEpisodes": [
            {
                "recordId": "RUBY-EP1",
                "closureOutcome": "STEP_UP_TO_SOCIAL_CARE",
                "reason": "Parenting support after a house move",
                "assessments": [
                    {"outcome": "EARLY_HELP_PLAN", "needs": ["school attendance", "housing"]}
                ],
                "teamsAroundTheFamily": [{"members": ["School nurse", "Housing officer"]}],
            }
        ],
        "education": {
            "pupilRecords": [{"upn": RUBY_UPN, "schoolName": "Hertford Primary", "yearGroup": "4"}],
            "attendance": [{"sessionsPossible": 80, "sessionsAttended": 61}],
        },
        "singleServiceRequests": [{"status": "SUBMITTED"}],
    }
    assert RUBY in federation.youth.seen.references
    # The hub saw the end user: it audited Sam's read of Ruby, not a gateway's.
    audited = asyncio.run(
        _read(
            federation.socket_path,
            federation.graph_name,
            "MATCH (e:AuditEvent)-[:ACCESSED]->(:Child {id: 'C-RUBY'})"
            " RETURN DISTINCT e.subject AS subject",
        )
    )
    subjects = {row["subject"] for row in audited}
    assert "worker-sw-demo" in subjects
    assert subjects <= {persona.subject for persona in PERSONAS}, subjects


def test_no_users_token_reaches_the_other_subgraph(federation: Federation) -> None:
    sam = bearer(federation.settings, "social-worker")
    before = len(federation.youth.seen.headers)
    body = ask(federation, sam, "{ youthClubMembers { id youthClubSessions } }")
    assert "errors" not in body, body
    sent = federation.youth.seen.headers[before:]
    assert sent, "the youth service was asked"
    assert all("authorization" not in headers for headers in sent)
    assert all("x-purpose" not in headers for headers in sent)


def test_a_child_the_user_may_not_see_is_absent_through_the_gateway(
    federation: Federation,
) -> None:
    sam = bearer(federation.settings, "social-worker")
    asked = len(federation.youth.seen.references)
    hidden = ask(federation, sam, CROSSING, {"id": HUGO})
    missing = ask(federation, sam, CROSSING, {"id": NOBODY})
    assert hidden == missing == {"data": {"child": None}}
    # The hub released nothing, so the youth service was not even asked about him.
    assert federation.youth.seen.references[asked:] == []


MEMBERS = """
{ youthClubMembers { id youthClubSessions givenName familyName
    earlyHelpEpisodes { recordId reason } education { pupilRecords { upn } } } }
"""


def test_from_the_other_subgraph_the_hub_resolves_only_children_the_user_may_see(
    federation: Federation,
) -> None:
    sam = bearer(federation.settings, "social-worker")
    body = ask(federation, sam, MEMBERS)
    ruby = body["data"]["youthClubMembers"][2]
    assert (ruby["id"], ruby["givenName"], ruby["youthClubSessions"]) == (RUBY, "Ruby", 4)
    assert ruby["earlyHelpEpisodes"][0]["recordId"] == "RUBY-EP1"
    # Hugo (another team's child) and a child no one recorded come back alike: the youth
    # service's own field, and nothing of the hub.
    text = str(body)
    for leaked in ("Hugo", "Ashby", "HUGO-", "9434765870"):
        assert leaked not in text, (leaked, body)
    # The youth service lists them in id order: Hugo, the unrecorded child, Ruby.
    assert body["data"]["youthClubMembers"][:2] == [None, None], body
    errors = {tuple(error["path"]): error["message"] for error in body["errors"]}
    assert errors == {
        ("youthClubMembers", 0, "givenName"): errors[("youthClubMembers", 1, "givenName")],
        ("youthClubMembers", 1, "givenName"): errors[("youthClubMembers", 0, "givenName")],
    }, body


def test_a_partner_gets_only_its_surface_through_the_gateway(federation: Federation) -> None:
    school = bearer(federation.settings, "education")
    # Its own dataset, joined with the youth service: Ruby (open referral) and not Hugo.
    pupils = ask(federation, school, "{ myPupils { id givenName upn youthClubSessions } }")
    assert pupils == {
        "data": {
            "myPupils": [{"id": RUBY, "givenName": "Ruby", "upn": RUBY_UPN, "youthClubSessions": 4}]
        }
    }
    # Early help and the education system's records are internal (auth/policy.py): the
    # hub refuses them to a school, so nothing of them comes through.
    for query in (
        "{ myPupils { id earlyHelpEpisodes { recordId reason } } }",
        "{ myPupils { id education { pupilRecords { schoolName } } } }",
        '{ child(id: "C-RUBY") { givenName } }',
        "{ youthClubMembers { id givenName earlyHelpEpisodes { recordId } } }",
    ):
        body = ask(federation, school, query)
        assert body.get("errors"), (query, body)
        text = str(body.get("data"))
        for leaked in ("Ruby", "RUBY-", "Hugo", "Hertford"):
            assert leaked not in text, (query, body)


def test_the_partners_purpose_reaches_the_hub(federation: Federation) -> None:
    school = bearer(federation.settings, "education")
    without = {name: value for name, value in school.items() if name != "X-Purpose"}
    body = ask(federation, without, "{ myPupils { id givenName } }")
    assert body.get("errors"), body
    assert "Ruby" not in str(body.get("data"))


def test_without_a_token_the_hub_answers_nothing(federation: Federation) -> None:
    body = ask(federation, {}, CROSSING, {"id": RUBY})
    assert body.get("errors"), body
    assert "Ruby" not in str(body.get("data"))


def test_the_gateway_does_not_describe_the_internal_schema(federation: Federation) -> None:
    school = bearer(federation.settings, "education")
    body = ask(federation, school, "{ __schema { types { name } } }")
    assert body.get("errors"), body
    assert "EarlyHelpEpisode" not in str(body)


@pytest.fixture(scope="module")
def education_gateway(federation: Federation) -> Iterator[str]:
    """A second gateway serving the education audience's contract of the same subgraphs."""
    contract = compose(
        federation.work / "education.graphql", *federation.services, contract="education"
    )
    with hive_gateway(contract, federation.work / "education-gateway.log") as url:
        yield url


def test_a_partners_contract_gateway_serves_only_its_surface(
    federation: Federation, education_gateway: str
) -> None:
    school = bearer(federation.settings, "education")
    contract = replace(federation, url=education_gateway)
    body = ask(contract, school, "{ myPupils { id givenName upn youthClubSessions } }")
    assert body == {
        "data": {
            "myPupils": [{"id": RUBY, "givenName": "Ruby", "upn": RUBY_UPN, "youthClubSessions": 4}]
        }
    }
    # Refused by the gateway itself (the field is not in the contract): the hub is not asked,
    # and no name close to the field is suggested.
    for query in (
        "{ myPupils { id earlyHelpEpisodes { recordId } } }",
        "{ myPupils { id nhsNumber } }",
        '{ child(id: "C-RUBY") { givenName } }',
    ):
        body = ask(contract, school, query)
        assert "data" not in body or body["data"] is None, (query, body)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["GRAPHQL_VALIDATION_FAILED"], (
            query,
            body,
        )
        assert "Did you mean" not in str(body), (query, body)
