"""The `lcs-hub` command and the app `make run` serves."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from auth.principal import Audience
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
        assert len(tokens) == 5
        assert "X-Purpose one of: UNSCHEDULED_CARE" in printed
        response = httpx.post(
            f"{url}/graphql",
            json={"query": '{ me { name } searchChildren(term: "a") { id } }'},
            headers={"Authorization": f"Bearer {tokens[0]}"},
        )
        assert response.json()["data"]["me"] == {"name": "Sam Patel"}
