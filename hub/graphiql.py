"""GraphiQL for a person at a browser, served by the hub itself so it works offline.

strawberry's own page loads React and GraphiQL from a public CDN, which a council network
without internet never reaches (a blank "Loading..." page). Here every script and style
comes from the hub: GraphiQL, React and ReactDOM from the npm packages pinned in
package-lock.json (`make node` installs them into node_modules), the page and its small
script from `hub/static/`. The page's Content-Security-Policy lets it load from and talk
to the hub alone. The bearer token is typed into the page and kept in the tab's
sessionStorage (see hub/static/hub-graphiql.js).
"""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

STATIC = Path(__file__).parent / "static"
# The editable install keeps the hub in the repository, beside the node_modules that
# `make node` fills from the lock file.
NODE_MODULES = Path(__file__).resolve().parents[1] / "node_modules"

# Served name -> file in an npm package; only these are ever served from node_modules.
PACKAGE_ASSETS = {
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "graphiql.min.css": "graphiql/graphiql.min.css",
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
}
HUB_ASSETS = ("hub-graphiql.js", "hub-graphiql.css")

# 'unsafe-inline' for styles only: GraphiQL's components inject <style> elements.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def _asset_paths(node_modules: Path) -> dict[str, Path]:
    paths = {name: node_modules / file for name, file in PACKAGE_ASSETS.items()}
    paths.update({name: STATIC / name for name in HUB_ASSETS})
    return paths


class GraphiQL:
    """The page and its assets. `node_modules` is where the npm packages were installed."""

    def __init__(self, node_modules: Path = NODE_MODULES) -> None:
        self._assets = _asset_paths(node_modules)

    def missing(self) -> list[str]:
        """The npm files the page needs that are not installed."""
        return sorted(str(path) for path in self._assets.values() if not path.is_file())

    def page(self) -> Response:
        """The GraphiQL page (the same for everyone: every query it sends carries a token)."""
        if missing := self.missing():
            return PlainTextResponse(
                f"GraphiQL's files are not installed ({', '.join(missing)}): run `make node` "
                "(npm ci) in the repository, then reload",
                status_code=503,
                headers=PAGE_HEADERS,
            )
        return HTMLResponse((STATIC / "page.html").read_text(), headers=PAGE_HEADERS)

    async def asset(self, request: Request) -> Response:
        path = self._assets.get(request.path_params["name"])
        if path is None or not path.is_file():
            # Answered by the app's handler, as any path it does not serve (JSON, a code).
            raise HTTPException(404)
        return FileResponse(
            path, headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
        )

    def routes(self) -> list[Route]:
        """The asset route; the page itself is answered at /graphql (see hub.app)."""
        return [Route("/graphiql/assets/{name}", self.asset, methods=["GET", "HEAD"])]
