"""The hub on a standalone FalkorDB server: URLs, the password, TLS, a restart."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from graph import GraphError, GraphUnavailable, open_graph
from graph.standalone import StandaloneServer
from hub.app import create_app, open_settings_graph
from hub.settings import Settings
from tests.graph.tls_proxy import make_authority_and_server_cert, tls_proxy
from tests.helpers import answer_through_url

pytestmark = pytest.mark.anyio


def _graph() -> str:
    return f"standalone-{uuid.uuid4().hex}"


async def test_settings_open_the_standalone_server_with_its_password(
    standalone_server: StandaloneServer, tmp_path: Path
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        var_dir=tmp_path / "var",
        graph_url=standalone_server.url,
        graph_password=standalone_server.password,
        graph_name=_graph(),
        _env_file=None,
    )
    assert standalone_server.password is not None
    assert standalone_server.password not in repr(settings)
    opened = open_settings_graph(settings)
    try:
        assert opened.engine is None  # nothing started or supervised by the hub
        assert not (tmp_path / "var" / "graph").exists()
        await opened.store.apply_schema()
        await opened.store.write("CREATE (:Person {id: 'p1', name: 'Zoë'})")
        rows = await opened.store.read("MATCH (p:Person) RETURN p.id AS id, p.name AS name")
        assert rows == [{"id": "p1", "name": "Zoë"}]
    finally:
        await opened.store.write("MATCH (n) DETACH DELETE n")
        await opened.close()


async def test_a_password_in_the_url_is_decoded_and_wins(
    standalone_server: StandaloneServer, tmp_path: Path
) -> None:
    assert standalone_server.password is not None
    password = quote(standalone_server.password, safe="")
    url = f"falkordb://:{password}@127.0.0.1:{standalone_server.port}"
    answer = await answer_through_url(url, tmp_path, _graph(), password="not-this-one")
    assert answer == [{"one": 1}]


def test_a_wrong_password_is_refused_without_echoing_it(
    standalone_server: StandaloneServer, tmp_path: Path
) -> None:
    # Not an outage (GraphUnavailable), which a starting hub waits out: the settings.
    with pytest.raises(GraphError) as refused:
        open_graph(
            standalone_server.url, data_dir=tmp_path, graph_name=_graph(), password="wrong-secret"
        )
    assert not isinstance(refused.value, GraphUnavailable)
    assert "wrong-secret" not in str(refused.value)


def test_no_password_is_refused_by_a_protected_server(
    standalone_server: StandaloneServer, tmp_path: Path
) -> None:
    with pytest.raises(GraphError, match=r"(?i)auth") as refused:
        open_graph(standalone_server.url, data_dir=tmp_path, graph_name=_graph())
    assert not isinstance(refused.value, GraphUnavailable)


@pytest.mark.parametrize(
    ("url", "ca_file", "names"),
    [
        ("falkordb://:6379", None, "needs a host"),
        ("falkordb://127.0.0.1:notaport", None, "port must be a number"),
        ("falkordb://127.0.0.1:6379/lcs", None, "LCS_HUB_GRAPH_NAME"),
        ("falkordb://127.0.0.1:6379?ssl=true", None, "only scheme://host:port"),
        ("falkordb://127.0.0.1:6379", "/etc/ca.pem", "LCS_HUB_GRAPH_TLS_CA_FILE"),
        ("mysql://127.0.0.1", None, "unsupported scheme"),
    ],
)
def test_a_wrong_url_is_refused_naming_what_is_wrong(
    url: str, ca_file: str | None, names: str, tmp_path: Path
) -> None:
    with pytest.raises(GraphError, match=names):
        open_graph(url, data_dir=tmp_path, graph_name="lcs", tls_ca_file=ca_file)


async def test_tls_verifies_the_server_against_the_configured_authority(
    standalone_server: StandaloneServer, tmp_path: Path
) -> None:
    ca_file = make_authority_and_server_cert(tmp_path)
    with tls_proxy(tmp_path, standalone_server.port) as port:
        for scheme in ("falkordbs", "rediss"):
            opened = open_graph(
                f"{scheme}://127.0.0.1:{port}",
                data_dir=tmp_path,
                graph_name=_graph(),
                password=standalone_server.password,
                tls_ca_file=str(ca_file),
            )
            try:
                assert await opened.store.write(
                    "CREATE (p:Person {id: 't'}) RETURN p.id AS id"
                ) == [{"id": "t"}]
            finally:
                await opened.store.write("MATCH (n) DETACH DELETE n")
                await opened.close()


async def test_tls_refuses_a_server_the_authority_did_not_sign(
    standalone_server: StandaloneServer, tmp_path: Path
) -> None:
    (tmp_path / "other").mkdir()
    other_ca = make_authority_and_server_cert(tmp_path / "other")
    make_authority_and_server_cert(tmp_path)
    with (
        tls_proxy(tmp_path, standalone_server.port) as port,
        pytest.raises(GraphUnavailable, match="certificate verify failed"),
    ):
        open_graph(
            f"falkordbs://127.0.0.1:{port}",
            data_dir=tmp_path,
            graph_name=_graph(),
            password=standalone_server.password,
            tls_ca_file=str(other_ca),
        )


async def test_the_hub_is_unready_while_its_server_is_down_and_recovers_by_itself(
    tmp_path: Path,
) -> None:
    # No supervisor restarts a standalone server (it is not the hub's to run): the hub
    # answers 503 meanwhile and picks up again when the server is back, writes intact.
    server = StandaloneServer(tmp_path / "engine", password="restart-test")
    server.start()
    opened = open_graph(server.url, data_dir=tmp_path, graph_name="lcs", password="restart-test")
    settings = Settings(var_dir=tmp_path / "var", _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, store=opened.store, run_outbox=False)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
            await opened.store.write("UNWIND range(1, 50) AS n CREATE (:Person {id: toString(n)})")
            assert (await http.get("/readyz")).status_code == 200
            server.stop()  # SIGTERM: the append-only file is flushed before it exits
            down = await http.get("/readyz")
            assert (down.status_code, down.headers["retry-after"]) == (503, "2")
            with pytest.raises(GraphUnavailable):
                await opened.store.read("MATCH (p:Person) RETURN count(p) AS n")
            server.start()  # same files, same port
            assert (await http.get("/readyz")).status_code == 200
            assert await opened.store.read("MATCH (p:Person) RETURN count(p) AS n") == [{"n": 50}]
    finally:
        await opened.close()
        server.stop()


def test_the_standalone_server_keeps_childrens_data_out_of_its_log(
    standalone_server: StandaloneServer,
) -> None:
    # As the embedded engine's (tests/graph/test_embedded_engine.py): a crash report
    # would quote the running statement's parameters.
    import redis

    with redis.Redis(
        port=standalone_server.port, password=standalone_server.password, decode_responses=True
    ) as client:
        assert client.config_get("hide-user-data-from-log") == {"hide-user-data-from-log": "yes"}
