"""A FalkorDB server's ACL user: the commands the README lists are all the hub needs.

Least privilege is how a production server is run. The hub's needs beyond the graph
commands (the audit journal's stream and script, an export's lease key) were written
nowhere, and an export as a user without `SET` ended in redis's own traceback
(`NoPermissionError`) instead of saying what to grant.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from demo import county
from graph import FalkorDBStore, GraphError, GraphUnavailable, open_graph
from graph.migrations import bring_to_current_shape
from graph.standalone import StandaloneServer
from hub.app import create_app
from hub.settings import Settings
from tests.helpers import bearer
from tests.hub.conftest import TODAY, sams_children

pytestmark = pytest.mark.anyio

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
(LISTED,) = re.findall(r"A FalkorDB ACL user needs, on every key, the commands `([^`]+)`", README)
NEEDED = LISTED.split()
CASE_VIEW = "query ($id: ID!) { child(id: $id) { id givenName caseNotes { id } } }"


@pytest.fixture
def acl_user(standalone_server: StandaloneServer) -> Iterator[tuple[str, str, redis.Redis]]:
    admin = redis.Redis(port=standalone_server.port, password=standalone_server.password)
    name, password = f"hub-{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(12)
    try:
        yield name, password, admin
    finally:
        admin.execute_command("ACL", "DELUSER", name)
        admin.close()


def _grant(admin: redis.Redis, name: str, password: str, commands: list[str]) -> None:
    rules = ["on", f">{password}", "~*", "-@all", *(f"+{c.lower()}" for c in commands)]
    admin.execute_command("ACL", "SETUSER", name, "reset", *rules)


async def test_a_user_with_the_listed_commands_serves_audits_and_exports(
    standalone_server: StandaloneServer,
    acl_user: tuple[str, str, redis.Redis],
    tmp_path: Path,
) -> None:
    name, password, admin = acl_user
    _grant(admin, name, password, NEEDED)
    graph = f"acl-{uuid.uuid4().hex}"
    opened = open_graph(
        standalone_server.url, data_dir=tmp_path, graph_name=graph, user=name, password=password
    )
    store = opened.store
    try:
        await bring_to_current_shape(store)
        world = county.generate("tiny", today=TODAY)
        await county.load(store, world, show_progress=False)
        settings = Settings(var_dir=tmp_path / "var", _env_file=None)  # type: ignore[call-arg]
        app = create_app(settings, store=store, run_outbox=False)
        child = sams_children(world)[0]
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub.test"
        ) as http:
            # A read is journaled in the audit (the script and the stream) before it answers.
            answer = await http.post(
                "/graphql",
                json={"query": CASE_VIEW, "variables": {"id": child}},
                headers=bearer(settings, "social-worker"),
            )
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"]["child"]["id"] == child
        async with store.snapshot() as frozen:
            rows = await frozen.read(
                "MATCH (e:AuditEvent) WHERE e.childId = $id RETURN count(e) AS n", {"id": child}
            )
        assert rows[0]["n"] >= 1
    finally:
        admin.execute_command("GRAPH.DELETE", graph)
        await opened.close()


async def _use(store: FalkorDBStore, command: str) -> None:
    """What the hub does that needs `command`: an export's copy, or a read's audit."""
    if command == "SET":
        async with store.snapshot():
            return
    assert store.audit_journal is not None
    await store.audit_journal.append([{"childIds": ["p1"]}])


@pytest.mark.parametrize("missing", ["SET", "EVAL"])
async def test_a_command_the_user_may_not_run_is_refused_naming_the_setting(
    standalone_server: StandaloneServer,
    acl_user: tuple[str, str, redis.Redis],
    tmp_path: Path,
    missing: str,
) -> None:
    name, password, admin = acl_user
    _grant(admin, name, password, [c for c in NEEDED if c != missing])
    graph = f"acl-{uuid.uuid4().hex}"
    opened = open_graph(
        standalone_server.url, data_dir=tmp_path, graph_name=graph, user=name, password=password
    )
    store = opened.store
    try:
        await store.write("CREATE (:Person {id: 'p1'})")
        with pytest.raises(GraphError, match="LCS_HUB_GRAPH_USER") as refused:
            await _use(store, missing)
        # A settings error, not an outage to wait out.
        assert not isinstance(refused.value, GraphUnavailable)
    finally:
        admin.execute_command("GRAPH.DELETE", graph)
        await opened.close()
