"""How long the hub takes to start on a loaded county, and again after a day of use.

A day of use is `--requests` audited case views (every one appends its audit write to the
engine's append-only file) and one case note written for every ten views, from 8 clients
over HTTP. The hub is `lcs-hub serve --no-outbox` as it runs in production (its engine
supervisor rewrites the append-only file as it grows); a start is timed from launching
the process until `/readyz` answers 200, the engine's recovery of its files included.
Prints both starts, their ratio and the append-only file's size at each.

    python -m bench.startup --reuse DIR [--requests 3000]
    python -m bench.startup --size small
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from bench.case_view_query import caseload
from bench.concurrency import Hub
from bench.county_load import GRAPH
from bench.county_store import embedded_store
from bench.load import ADD_NOTE, case_view_request
from demo import county
from graph import EmbeddedEngine, FalkorDBStore
from hub.app import issue_persona_token
from hub.settings import Settings

CLIENTS = 8
NOTE_EVERY = 10
DAY_LIMIT_S = 3_600.0


def _engine_stopped(data_dir: Path) -> float:
    """Wait until the stopped hub's engine has exited (it flushes its files first); seconds."""
    started = time.perf_counter()
    with contextlib.suppress(FileNotFoundError, ValueError, KeyError):
        pid = int(json.loads((data_dir / "engine.json").read_text())["pid"])
        deadline = time.monotonic() + 300
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
                break
            time.sleep(0.1)
    return time.perf_counter() - started


def _files_mib(data_dir: Path) -> float:
    folder = data_dir / "appendonlydir"
    return sum(path.stat().st_size for path in folder.iterdir()) / 2**20


async def _start(environment: dict[str, str], log: Path) -> tuple[Hub, httpx.AsyncClient, float]:
    started = time.perf_counter()
    hub = Hub.start(environment, log)
    http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{hub.port}", timeout=60)
    await hub.ready(http)
    return hub, http, time.perf_counter() - started


async def _day(
    http: httpx.AsyncClient, headers: dict[str, str], children: list[str], requests: int
) -> Counter[str]:
    """`requests` case views and a note for every tenth, from CLIENTS clients."""
    outcome: Counter[str] = Counter()
    deadline = time.monotonic() + DAY_LIMIT_S
    turns = iter(range(requests))

    async def client() -> None:
        for number in turns:
            if time.monotonic() >= deadline:
                return
            child = children[number % len(children)]
            outcome[await case_view_request(http, headers, child) or "case view"] += 1
            if number % NOTE_EVERY == 0:
                note = {"childId": child, "type": "PHONE_CALL", "text": "Call with the school.",
                        "occurredAt": "2026-01-05T09:30:00Z"}  # fmt: skip
                answer = await http.post(
                    "/graphql",
                    json={"query": ADD_NOTE, "variables": {"input": note}},
                    headers=headers,
                )
                written = answer.status_code == 200 and "errors" not in answer.json()
                outcome["case note" if written else f"note refused ({answer.status_code})"] += 1

    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return outcome


async def run(size: str, requests: int, reuse: Path | None, starts: int = 1) -> str:
    """Start the hub on the county, use it for a day, stop it, start it again."""
    with tempfile.TemporaryDirectory(prefix="lcs-startup-") as directory:
        scratch = Path(directory)
        data_dir = (reuse or scratch / "graph").resolve()
        if reuse is None:
            async with embedded_store(data_dir, scratch, load=size):
                pass  # loaded; the hub is started on the files below
        environment = {
            **os.environ,
            "LCS_HUB_GRAPH_URL": f"embedded://{data_dir}",
            "LCS_HUB_GRAPH_NAME": GRAPH,
            "LCS_HUB_VAR_DIR": str(scratch / "var"),
            "LCS_HUB_RATE_LIMIT": "1000000/second",
        }
        settings = Settings(var_dir=scratch / "var", _env_file=None)
        headers = {"Authorization": f"Bearer {issue_persona_token(settings, 'social-worker')}"}
        log = scratch / "hub.log"
        _engine_stopped(data_dir)
        before_mib = _files_mib(data_dir)
        hub, http, first_s = await _start(environment, log)
        try:
            # The caseload, read once here through the hub's own engine.
            engine = EmbeddedEngine(data_dir)
            store = FalkorDBStore(engine.start(), GRAPH)
            try:
                children = await caseload(store)
            finally:
                await store.close()
                engine.stop()  # attached: only detaches
            used = time.perf_counter()
            outcome = await _day(http, headers, children, requests)
            used_s = time.perf_counter() - used
        finally:
            await http.aclose()
            hub.stop()
        # A start is timed from a machine with no engine running on the files: the last
        # one's shutdown (flushing its append-only file) is not counted in it.
        stopping_s = _engine_stopped(data_dir)
        after_mib = _files_mib(data_dir)
        after_s = []
        for _ in range(starts):
            hub, http, seconds = await _start(environment, log)
            await http.aclose()
            hub.stop()
            _engine_stopped(data_dir)
            after_s.append(seconds)
    failed = {kind: n for kind, n in outcome.items() if kind not in ("case view", "case note")}
    return "\n".join(
        [
            f"start on the county: {first_s:.1f} s (append-only files {before_mib:.0f} MiB)",
            f"a day of use: {outcome['case view']:,} audited case views and"
            f" {outcome['case note']:,} case notes in {used_s:.0f} s"
            + (f"; FAILED {failed}" if failed else ""),
            f"the engine's shutdown after the day: {stopping_s:.1f} s",
            f"start after the day: {', '.join(f'{s:.1f}' for s in after_s)} s (append-only"
            f" files {after_mib:.0f} MiB); ratio {min(after_s) / first_s:.2f} (fastest)",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Print the starts; the exit status is 1 if a request of the day failed."""
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__)
    parser.add_argument("--size", choices=sorted(county.SIZES), default="small")
    parser.add_argument("--requests", type=int, default=3_000)
    parser.add_argument("--reuse", type=Path, help="a data directory from bench.county_load")
    parser.add_argument("--starts", type=int, default=2, help="starts timed after the day")
    args = parser.parse_args(argv)
    report = asyncio.run(run(args.size, args.requests, args.reuse, args.starts))
    print(report)
    return 1 if "FAILED" in report else 0


if __name__ == "__main__":
    sys.exit(main())
