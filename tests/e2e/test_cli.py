"""The `lcs-hub` command and the app `make run` serves."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from auth.principal import Audience
from demo.personas import PERSONAS
from graph import EmbeddedEngine, FalkorDBStore
from hub.app import build_verifier, create_app
from hub.settings import Settings
from tests.live_server import serve_in_thread

LCS_HUB = str(Path(sys.executable).parent / "lcs-hub")


def test_token_prints_a_bare_token_the_hub_accepts(tmp_path: Path) -> None:
    environment = {"LCS_HUB_VAR_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [LCS_HUB, "token", "--as", "education"],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
        timeout=60,
    )
    token = result.stdout.strip()
    assert token.count(".") == 2
    assert "\n" not in token
    verifier, _ = build_verifier(Settings(var_dir=tmp_path / "var", _env_file=None))  # type: ignore[call-arg]
    principal = verifier.verify(token)
    assert (principal.subject, principal.audience) == ("partner-education-demo", Audience.EDUCATION)


def test_serving_with_a_demo_prints_a_token_per_persona(
    engine: EmbeddedEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert engine.socket_path is not None
    settings = Settings(var_dir=tmp_path / "var", _env_file=None)  # type: ignore[call-arg]
    store = FalkorDBStore(engine.socket_path, f"cli-{uuid.uuid4().hex}")
    app = create_app(
        settings,
        store=store,
        demo_if_empty="tiny",
        print_tokens=True,
        close_store=True,
        run_outbox=False,
    )
    with serve_in_thread(app, lifespan="on") as url:
        printed = capsys.readouterr().out
        tokens = [line for line in printed.splitlines() if line.count(".") == 2 and " " not in line]
        assert len(tokens) == len(PERSONAS)
        assert "X-Purpose one of: UNSCHEDULED_CARE" in printed
        response = httpx.post(
            f"{url}/graphql",
            json={"query": '{ me { name } searchChildren(term: "a") { id } }'},
            headers={"Authorization": f"Bearer {tokens[0]}"},
        )
        assert response.json()["data"]["me"] == {"name": "Sam Patel"}


def _lcs_hub(tmp_path: Path, *args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    environment = {"LCS_HUB_VAR_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin", **variables}
    if "PYTHONPATH" in os.environ:  # a worktree run against a shared virtualenv
        environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return subprocess.run(
        [LCS_HUB, *args],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
        cwd=tmp_path,
        timeout=120,
    )


def test_a_taken_port_is_one_line_before_any_address_or_token(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _lcs_hub(tmp_path, "serve", "--port", str(port), "--print-tokens")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"lcs-hub serve: cannot serve on 127.0.0.1:{port} (Address already in use): stop what "
        "is using it, or choose another port with --port (make run PORT=8001)"
    ]
    # Refused before the engine started: nothing was created in the var directory.
    assert not (tmp_path / "var" / "graph").exists()


@pytest.mark.parametrize(
    ("variable", "value", "rule"),
    [
        (
            "LCS_HUB_GRAPH_APPENDFSYNC",
            "sometimes",
            "Input should be 'always', 'everysec' or 'no'",
        ),
        (
            "LCS_HUB_GRAPH_URL",
            "postgres://db/lcs",
            "the URL must start with one of embedded://, falkordb://, falkordbs://, redis://, "
            "rediss://, bolt://, bolt+s://, bolt+ssc://, neo4j://, neo4j+s://, neo4j+ssc://",
        ),
        ("LCS_HUB_OUTBOX_BATCH_SIZE", "eight", "Input should be a valid integer"),
        # Two slashes: "var" was read as a host and dropped, and the graph went to /graph.
        ("LCS_HUB_GRAPH_URL", "embedded://var/graph", "embedded:///srv/lcs/graph"),
        # Parsed only when the first request built the middleware: the hub started and
        # answered every request, /healthz included, with a 500.
        ("LCS_HUB_RATE_LIMIT", "20/secnd", "a rate in the limits notation"),
        ("LCS_HUB_RATE_LIMIT", "0/hour", "a rate in the limits notation"),
        # A list setting that is not JSON stopped pydantic-settings with a traceback.
        ("LCS_HUB_TRUSTED_PROXIES", "10.0.0.1", "a JSON list"),
        ("LCS_HUB_TRUSTED_PROXIES", '["10.0.0.0/33"]', "an IP address or network"),
        # Refused only when the verifier was built, with a traceback naming `jwks_url`.
        ("LCS_HUB_JWKS_URL", "http://idp.example/jwks", "must be https"),
    ],
)
def test_a_bad_setting_names_the_variable_and_the_rule(
    tmp_path: Path, variable: str, value: str, rule: str
) -> None:
    result = _lcs_hub(tmp_path, "demo", "--size", "tiny", **{variable: value})
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"lcs-hub demo: {variable}: ")
    assert rule in line
    assert line.endswith("(set in the environment or .env)")
    assert value not in line
    assert not (tmp_path / "var" / "graph").exists()


@pytest.mark.parametrize(
    ("command", "variables", "rule"),
    [
        # The engine's client refused the empty graph key with a TypeError traceback.
        ("demo", {"LCS_HUB_GRAPH_NAME": ""}, "LCS_HUB_GRAPH_NAME: String should have at least 1"),
        # Found by the app's start-up, after the engine had started: a traceback.
        (
            "demo",
            {"LCS_HUB_CONTENT_STORE": "content-server"},
            "LCS_HUB_CONTENT_STORE=content-server needs LCS_HUB_CONTENT_SERVER_BASE_URL",
        ),
        # Tokens from an identity provider were checked against the local default issuer.
        (
            "demo",
            {"LCS_HUB_JWKS_URL": "https://idp.example/jwks"},
            "LCS_HUB_ISSUER must be set when LCS_HUB_JWKS_URL is",
        ),
        # Refused only when the verifier was built: a ValidationError traceback.
        ("demo", {"LCS_HUB_ISSUER": ""}, "LCS_HUB_ISSUER: String should have at least 1"),
        ("demo", {"LCS_HUB_TOKEN_AUDIENCE": ""}, "LCS_HUB_TOKEN_AUDIENCE: String should have"),
        # Refused at the app's start-up, after the engine had started: a traceback.
        (
            "demo",
            {"LCS_HUB_EHM_URL": "ehm.example/api/lcs"},
            "LCS_HUB_EHM_URL must be an http:// or https:// URL",
        ),
        (
            "demo",
            {
                "LCS_HUB_CONTENT_STORE": "content-server",
                "LCS_HUB_CONTENT_SERVER_BASE_URL": "otcs.example/otcs/cs.exe",
                "LCS_HUB_CONTENT_SERVER_USERNAME": "lcs-hub",
                "LCS_HUB_CONTENT_SERVER_PASSWORD": "not-echoed",
                "LCS_HUB_CONTENT_SERVER_ROOT_FOLDER_ID": "2000",
                "LCS_HUB_CONTENT_SERVER_CATEGORY_ID": "3000",
                **{
                    f"LCS_HUB_CONTENT_SERVER_{name}_ATTRIBUTE": "2"
                    for name in (
                        "CHILD_ID",
                        "RECORD_CLASS",
                        "TEMPLATE_KEY",
                        "DOCUMENT_VERSION",
                        "DELIVERY_KEY",
                        "CHECKSUM",
                    )
                },
                "LCS_HUB_CONTENT_SERVER_TIMEOUT_SECONDS": "-5",
            },
            "LCS_HUB_CONTENT_SERVER_BASE_URL: Value error, base_url must be an http(s) URL; "
            "LCS_HUB_CONTENT_SERVER_TIMEOUT_SECONDS: Input should be greater than 0",
        ),
        # Named the file and the reason, under a traceback.
        (
            "serve",
            {"LCS_HUB_TERM_DATES": "/no/such/terms.json"},
            "/no/such/terms.json: cannot read term dates (FileNotFoundError)",
        ),
    ],
)
def test_a_setting_that_cannot_work_stops_the_command_in_one_line(
    tmp_path: Path, command: str, variables: dict[str, str], rule: str
) -> None:
    args = ["--port", str(_free_port())] if command == "serve" else ["--size", "tiny"]
    result = _lcs_hub(tmp_path, command, *args, **variables)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"lcs-hub {command}: ")
    assert rule in line
    assert not (tmp_path / "var" / "graph").exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_demo_load_stopped_by_sigterm_removes_what_it_wrote(tmp_path: Path) -> None:
    # A supervisor, `timeout` or `kill` stops a command with SIGTERM, which killed the
    # process where it stood: half a county stayed in the store and the next `demo` (or
    # `import`) refused the store as not empty. It now stops as Ctrl-C does.
    environment = {
        "LCS_HUB_VAR_DIR": str(tmp_path / "var"),
        "LCS_HUB_GRAPH_APPENDFSYNC": "everysec",
        "PATH": "/usr/bin:/bin",
    }
    if "PYTHONPATH" in os.environ:
        environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
    with subprocess.Popen(
        [LCS_HUB, "demo", "--size", "medium"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
        cwd=tmp_path,
    ) as loading:
        assert loading.stderr is not None
        shown = b""
        while b"demo county [" not in shown or b"] 0/" in shown[-40:]:
            chunk = os.read(loading.stderr.fileno(), 4096)
            assert chunk, shown.decode(errors="replace")
            shown += chunk
        loading.send_signal(signal.SIGTERM)
        _, rest = loading.communicate(timeout=120)
    assert loading.returncode == 143
    assert rest.decode().splitlines()[-1] == "lcs-hub demo: terminated"
    # Nothing of the partial load is left: the next load finds an empty store.
    again = _lcs_hub(tmp_path, "demo", "--size", "tiny")
    assert again.returncode == 0, again.stderr
    assert "replacing" not in again.stdout


def test_a_misspelt_setting_name_is_pointed_out(tmp_path: Path) -> None:
    result = _lcs_hub(tmp_path, "sdl", LCS_HUB_GRAPH_APENDFSYNC="everysec")
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "lcs-hub: LCS_HUB_GRAPH_APENDFSYNC is not a setting, ignored; "
        "did you mean LCS_HUB_GRAPH_APPENDFSYNC?"
    ]


def test_a_misspelt_name_in_the_env_file_is_pointed_out(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LCS_HUB_GRAPH_NAM=other\n")
    result = _lcs_hub(tmp_path, "sdl")
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "lcs-hub: LCS_HUB_GRAPH_NAM is not a setting, ignored; did you mean LCS_HUB_GRAPH_NAME?"
    ]


def test_replaying_an_unknown_outbox_item_fails(tmp_path: Path) -> None:
    result = _lcs_hub(tmp_path, "outbox", "--replay", "no-such-item")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == ("lcs-hub outbox: no outbox item 'no-such-item'")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "graph_url",
    [
        None,
        "falkordb://db:6379",
        "falkordb://:url-s3cret@db:6379",
        "bolt://neo4j:url-s3cret@db:7687",
    ],
)
def test_secrets_are_masked_wherever_settings_are_shown(
    tmp_path: Path, graph_url: str | None
) -> None:
    # A password written in the graph URL wins over LCS_HUB_GRAPH_PASSWORD (README), so it
    # is a secret too.
    settings = Settings(  # type: ignore[call-arg]
        var_dir=tmp_path,
        graph_url=graph_url,
        graph_password="graph-s3cret",
        content_server_password="otcs-s3cret",
        _env_file=None,
    )
    shown = (repr(settings), str(settings), settings.model_dump_json(), str(dict(settings)))
    for text in (*shown, settings.graph_location):
        assert "s3cret" not in text
    assert settings.graph_password is not None
    assert settings.graph_password.get_secret_value() == "graph-s3cret"
    assert settings.graph_url == graph_url  # what the engine is opened with


def test_a_local_env_file_is_never_committed() -> None:
    root = Path(__file__).resolve().parents[2]
    ignored = subprocess.run(
        ["git", "check-ignore", "--quiet", "--no-index", ".env"], cwd=root, check=False
    )
    assert ignored.returncode == 0


def test_why_a_command_stopped_is_said_on_a_line_of_its_own_after_a_bar(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A load stopped part-way leaves its bar mid-line; the message was glued to it.
    from demo.county import Progress
    from hub.cli import _stopped

    Progress(10, "demo county").advance(3)
    _stopped("demo", "terminated")
    Progress(0, "checking feed.csv").advance(2)
    _stopped("import", "interrupted")
    _stopped("import", "a line of its own already")
    assert capsys.readouterr().err.split("\r")[1:] == [
        "demo county [#########.....................] 3/10\nlcs-hub demo: terminated\n",
        "checking feed.csv 2\nlcs-hub import: interrupted\n"
        "lcs-hub import: a line of its own already\n",
    ]


@pytest.mark.parametrize(
    "command", [["serve", "--port", "0"], ["demo", "--size", "tiny"], ["outbox"]]
)
def test_a_var_directory_that_cannot_be_used_stops_the_command_in_one_line(
    tmp_path: Path, command: list[str]
) -> None:
    # A full disk, a read-only mount or a file where the directory should be: a supervisor
    # restarting the hub logged a traceback each time instead of what to mend.
    in_the_way = tmp_path / "not-a-directory"
    in_the_way.write_text("")
    result = _lcs_hub(tmp_path, *command, LCS_HUB_VAR_DIR=str(in_the_way))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"lcs-hub {command[0]}: cannot use {in_the_way}: File exists; the var directory "
        "(LCS_HUB_VAR_DIR) must be a directory this user can write, on a disk with room"
    )


def test_a_token_asked_for_with_a_var_directory_that_cannot_be_used_is_one_line(
    tmp_path: Path,
) -> None:
    in_the_way = tmp_path / "not-a-directory"
    in_the_way.write_text("")
    result = _lcs_hub(tmp_path, "token", "--as", "social-worker", LCS_HUB_VAR_DIR=str(in_the_way))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"lcs-hub token: {in_the_way}/keys/signing-key.pem cannot be opened safely: Not a directory"
    )
