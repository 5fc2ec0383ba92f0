"""GraphiQL in a real headless Chromium with the network cut off: the page loads from the
hub alone, takes a token, runs a query and shows the data."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Request, Route, sync_playwright

from graph import EmbeddedEngine, FalkorDBStore
from hub.app import create_app, issue_persona_token
from hub.graphiql import NODE_MODULES, PACKAGE_ASSETS, GraphiQL
from hub.settings import Settings
from tests.live_server import serve_in_thread

QUERY = '{ me { name role } searchChildren(term: "a") { givenName familyName } }'


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        # Never a skip: the browser test is how the build knows GraphiQL works offline.
        pytest.fail("Chromium is not installed: `apt-get install chromium` (make test does)")
    return found


def test_graphiql_works_offline_with_a_token_typed_into_the_page(
    engine: EmbeddedEngine, tmp_path: Path
) -> None:
    chromium = _chromium()
    assert engine.socket_path is not None
    settings = Settings(var_dir=tmp_path / "var", _env_file=None)  # type: ignore[call-arg]
    store = FalkorDBStore(engine.socket_path, f"graphiql-{uuid.uuid4().hex}")
    app = create_app(
        settings, store=store, demo_if_empty="tiny", close_store=True, run_outbox=False
    )
    token = issue_persona_token(settings, "social-worker")
    outside: list[str] = []
    problems: list[str] = []

    def only_loopback(route: Route, request: Request) -> None:
        if urlsplit(request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(request.url)
            route.abort("internetdisconnected")

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    with serve_in_thread(app, lifespan="on") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            headless=True,
            # No name resolves but loopback: the network is cut off below the page too.
            args=["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        )
        try:
            context = browser.new_context()
            context.route("**/*", only_loopback)
            page = context.new_page()
            page.on("console", console)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(f"{url}/graphql", wait_until="networkidle")
            page.wait_for_selector(".graphiql-container", timeout=30_000)

            page.fill("#token", token)
            page.click("#use")
            page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=30_000)
            page.click(".graphiql-query-editor .CodeMirror")
            page.keyboard.press("Control+A")
            page.keyboard.insert_text(QUERY)
            page.click(".graphiql-execute-button")
            page.wait_for_function(
                "() => (document.querySelector('.result-window') || {}).textContent"
                "?.includes('Sam Patel')",
                timeout=30_000,
            )
            result = page.inner_text(".result-window")
            assert '"givenName"' in result
            assert '"role": "social_worker"' in result
            # The token lives in this tab's sessionStorage; nothing in localStorage.
            assert page.evaluate("() => window.localStorage.length") == 0
            assert page.evaluate("() => sessionStorage.getItem('lcs-hub:token')") == token
        finally:
            browser.close()
    assert outside == []
    assert problems == []


@pytest.mark.anyio
async def test_the_page_may_reach_only_the_hub_and_its_assets_are_served(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self';" in policy
    assert "connect-src 'self';" in policy
    assert "https://" not in page.text
    for name in PACKAGE_ASSETS:
        asset = await client.get(f"/graphiql/assets/{name}")
        assert asset.status_code == 200, name
        assert asset.content == (NODE_MODULES / PACKAGE_ASSETS[name]).read_bytes()
    # Only the listed files: nothing else in node_modules can be fetched through the route.
    for name in ("package.json", "..%2Fpackage.json"):
        refused = await client.get(f"/graphiql/assets/{name}")
        assert refused.status_code == 404
        assert refused.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_without_the_npm_files_the_page_says_how_to_install_them(tmp_path: Path) -> None:
    response = GraphiQL(node_modules=tmp_path).page()
    assert response.status_code == 503
    assert (
        bytes(response.body)
        .decode()
        .endswith("run `make node` (npm ci) in the repository, then reload")
    )
