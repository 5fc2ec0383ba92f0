"""Load and fault test on loopback: many clients on the case view, then the engine killed.

Starts the hub as `lcs-hub serve` would (uvicorn in a subprocess on 127.0.0.1, its own
var/ directory, the demo county), then:

1. floor: one client reads the case view one request at a time (the same request as
   below), for a tenth of the duration; its median is the floor the ratios are against;
2. load: `--clients` concurrent clients on the internal case view for `--duration` s:
   error count, p50 and p95, and p95 against the floor;
3. fault: the same load plus a writer adding case notes; halfway, the embedded engine's
   process is killed with SIGKILL. Prints the 503s, any other errors, how long until
   requests succeeded again (the hub is not restarted) and the acknowledged writes
   missing afterwards (must be 0).

Every loop is bounded in time and count. Exit status 1 when the load saw errors, the
hub did not recover, or an acknowledged write was lost.

    python -m bench.load [--size small] [--clients 64] [--duration 30]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.case_view_query import CASE_VIEW
from demo import county
from hub.app import issue_persona_token
from hub.settings import Settings

ADD_NOTE = """mutation ($input: AddCaseNoteInput!) { addCaseNote(input: $input) {
  __typename ... on CaseNote { id } } }"""
NOTE_IDS = "query ($id: ID!) { child(id: $id) { caseNotes { id } } }"
_START_TIMEOUT_S = 300.0


@dataclass
class Tally:
    """What one phase saw: latencies of successes, and every other answer by kind."""

    latencies: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    succeeded_at: list[float] = field(default_factory=list)
    failed_at: list[float] = field(default_factory=list)

    def first_success_after(self, moment: float) -> float | None:
        return min((t for t in self.succeeded_at if t > moment), default=None)

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_hub(var_dir: Path, port: int, size: str) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "LCS_HUB_VAR_DIR": str(var_dir),
        # The load is many requests from one persona: measure the hub, not the limiter.
        "LCS_HUB_RATE_LIMIT": "1000000/second",
    }
    command = [sys.executable, "-m", "hub.cli", "serve", "--host", "127.0.0.1", "--port",
               str(port), "--demo-if-empty", size]  # fmt: skip
    log = (var_dir.parent / "hub.log").open("wb")
    return subprocess.Popen(command, env=environment, stdout=log, stderr=log)  # noqa: S603


async def _wait_ready(http: httpx.AsyncClient, hub: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        if hub.poll() is not None:
            raise SystemExit(f"the hub exited at start (code {hub.returncode})")
        with contextlib.suppress(httpx.HTTPError):
            if (await http.get("/readyz")).status_code == 200:
                return
        await asyncio.sleep(0.2)
    raise SystemExit("the hub did not become ready")


async def case_view_request(
    http: httpx.AsyncClient, headers: dict[str, str], child: str
) -> str | None:
    """One case view; None on success, else what went wrong."""
    try:
        response = await http.post(
            "/graphql", json={"query": CASE_VIEW, "variables": {"id": child}}, headers=headers
        )
    except httpx.HTTPError as error:
        return type(error).__name__
    try:
        body = response.json()
    except ValueError:  # uvicorn's own 503 past its concurrency limit is plain text
        body = {}
    if response.status_code != 200:
        codes = {error.get("extensions", {}).get("code", "?") for error in body.get("errors", [])}
        return f"HTTP {response.status_code} {','.join(sorted(codes))}"
    if body.get("errors"):
        codes = {error.get("extensions", {}).get("code", "?") for error in body["errors"]}
        return f"GraphQL {','.join(sorted(codes))}: {body['errors'][0]['message'][:60]}"
    if not (body.get("data") or {}).get("child"):
        return "no child"
    return None


async def _clients(
    http: httpx.AsyncClient,
    headers: dict[str, str],
    children: list[str],
    clients: int,
    duration: float,
) -> Tally:
    tally = Tally()
    started = time.monotonic()
    deadline = started + duration

    async def one_client(number: int) -> None:
        request = 0
        while time.monotonic() < deadline and request < 1_000_000:
            sent = time.monotonic()
            problem = await case_view_request(
                http, headers, children[(number + request) % len(children)]
            )
            now = time.monotonic()
            if problem is None:
                tally.latencies.append(now - sent)
                # When it was sent: a success sent after the kill shows the hub recovered.
                tally.succeeded_at.append(sent)
            else:
                tally.failures[problem] += 1
                tally.failed_at.append(now)
                await asyncio.sleep(0.05)
            request += 1

    await asyncio.gather(*(one_client(number) for number in range(clients)))
    return tally


async def _writer(
    http: httpx.AsyncClient, headers: dict[str, str], child: str, duration: float
) -> tuple[set[str], Counter[str]]:
    acknowledged: set[str] = set()
    refused: Counter[str] = Counter()
    deadline = time.monotonic() + duration
    for number in range(100_000):
        if time.monotonic() >= deadline:
            break
        note = {"childId": child, "type": "PHONE_CALL", "text": f"load test call {number}",
                "occurredAt": "2026-01-05T09:30:00Z"}  # fmt: skip
        try:
            response = await http.post(
                "/graphql", json={"query": ADD_NOTE, "variables": {"input": note}}, headers=headers
            )
        except httpx.HTTPError as error:
            refused[type(error).__name__] += 1
            continue
        data = response.json().get("data") if response.status_code == 200 else None
        if data and data["addCaseNote"]["__typename"] == "CaseNote":
            acknowledged.add(data["addCaseNote"]["id"])
        else:
            refused[f"HTTP {response.status_code}"] += 1
            await asyncio.sleep(0.05)
    return acknowledged, refused


def _kill_engine(graph_dir: Path) -> int:
    pid = int(json.loads((graph_dir / "engine.json").read_text())["pid"])
    os.kill(pid, signal.SIGKILL)
    return pid


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def _run(args: argparse.Namespace, var_dir: Path) -> int:
    port = _free_port()
    hub = _start_hub(var_dir, port, args.size)
    failed = False
    try:
        limits = httpx.Limits(max_connections=args.clients + 2)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60
        ) as http:
            await _wait_ready(http, hub)
            settings = Settings(var_dir=var_dir, _env_file=None)
            headers = {"Authorization": f"Bearer {issue_persona_token(settings, 'social-worker')}"}
            world = county.generate(args.size)
            children = [r["child"] for r in world.allocations if r["worker"] == "worker-sw-demo"]

            floor = await _clients(http, headers, children, 1, max(args.duration / 10, 0.5))
            floor_p50 = statistics.median(floor.latencies) if floor.latencies else 0.0
            print(f"floor (1 client, one request at a time): p50 {_ms(floor_p50)}, "
                  f"{len(floor.latencies)} requests")  # fmt: skip

            load = await _clients(http, headers, children, args.clients, args.duration)
            errors = sum(load.failures.values())
            p50, p95 = load.percentile(0.5), load.percentile(0.95)
            print(
                f"load ({args.clients} clients, {args.duration:g} s): {len(load.latencies)} ok, "
                f"{errors} errors {dict(load.failures)}; p50 {_ms(p50)}, p95 {_ms(p95)}; "
                f"p95/floor {p95 / floor_p50 if floor_p50 else float('nan'):.1f}, "
                f"throughput {len(load.latencies) / args.duration:.0f}/s"
            )
            failed |= errors > 0

            readers = asyncio.create_task(
                _clients(http, headers, children, args.clients, args.duration)
            )
            writes = asyncio.create_task(_writer(http, headers, children[0], args.duration))
            await asyncio.sleep(args.duration / 2)
            killed_at = time.monotonic()
            pid = _kill_engine(var_dir / "graph")
            fault, (acknowledged, refused) = await readers, await writes
            await _wait_ready(http, hub)
            notes = await http.post(
                "/graphql", json={"query": NOTE_IDS, "variables": {"id": children[0]}},
                headers=headers,
            )  # fmt: skip
            stored = {note["id"] for note in notes.json()["data"]["child"]["caseNotes"]}
            lost = acknowledged - stored
            # A request sent after the kill that succeeded: the hub recovered by itself.
            recovered = fault.first_success_after(killed_at + 0.001)
            last_failure = max(fault.failed_at, default=None)
            recovery = (
                f"{recovered - killed_at:.2f} s after the kill"
                if recovered is not None
                else "not within the run"
            )
            settled = (
                f"; last failure {last_failure - killed_at:.2f} s after the kill"
                if last_failure is not None
                else ""
            )
            print(
                f"fault (engine pid {pid} killed at {args.duration / 2:g} s): "
                f"{len(fault.latencies)} ok, failures {dict(fault.failures)}; "
                f"requests succeeded again {recovery}{settled} (hub not restarted)"
            )
            print(
                f"writes: {len(acknowledged)} acknowledged, {len(lost)} lost, "
                f"refused while down {dict(refused)}"
            )
            other = {k: v for k, v in fault.failures.items() if not k.startswith("HTTP 503")}
            # Recovered means the same hub, never restarted, answers a case view after the
            # fault: judged by a request sent once it is ready again, not by whether the last
            # request inside the run's window succeeded (on a loaded machine the window can end
            # between the engine's restart and the next answered request).
            after = await case_view_request(http, headers, children[0])
            print(f"after the fault: {'answered' if after is None else after}")
            failed |= bool(lost) or bool(other) or notes.status_code != 200 or after is not None
    finally:
        hub.send_signal(signal.SIGTERM)
        try:
            hub.wait(timeout=60)
        except subprocess.TimeoutExpired:
            hub.kill()
            hub.wait()
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """Run the load and fault test; the exit status says whether it held."""
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--size", choices=sorted(county.SIZES), default="small")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per phase")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lcs-load-") as directory:
        return asyncio.run(_run(args, Path(directory) / "var"))


if __name__ == "__main__":
    sys.exit(main())
