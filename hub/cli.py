"""The `lcs-hub` command: serve, demo, token, sdl, outbox, ingest."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import signal
import sys
from typing import TYPE_CHECKING

from hub.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from connectors.intake import IngestReport, Source


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from hub.app import create_app

    app = create_app(
        settings,
        run_outbox=settings.outbox_enabled and not args.no_outbox,
        demo_if_empty=args.demo_if_empty,
        print_tokens=args.print_tokens,
        public_address=f"http://{args.host}:{args.port}/graphql",
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")


async def _demo(settings: Settings, size: str) -> None:
    from bench import county
    from hub.app import open_settings_graph

    opened = open_settings_graph(settings)
    try:
        await opened.store.apply_schema()
        await county.load(opened.store, county.generate(size))
    finally:
        await opened.close()


def _operator() -> str:
    """Who replayed from the command line, as the graph records it."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


async def _outbox(settings: Settings, args: argparse.Namespace) -> int:
    from connectors.livelink import outbox
    from hub.app import content_store_from_settings, form_store_from_settings, open_settings_graph
    from workflow.ids import now_ms

    if args.replay or args.replay_failed:
        # A one-shot command answers in one line; the engine's start-up chatter is noise.
        logging.getLogger().setLevel(logging.WARNING)
    opened = open_settings_graph(settings)
    try:
        if args.replay_failed:
            count = await outbox.replay_failed(opened.store, now_ms(), by=_operator())
            print(f"replayed {count} failed outbox item{'' if count == 1 else 's'}")
            return 0
        if args.replay:
            replayed = await outbox.replay_item(opened.store, args.replay, now_ms(), by=_operator())
            if replayed.replayed:
                print(f"replayed outbox item {args.replay}")
                return 0
            if replayed.state is None:
                print(f"lcs-hub outbox: no outbox item {args.replay!r}", file=sys.stderr)
            else:
                print(
                    f"lcs-hub outbox: item {args.replay!r} is {replayed.state}, not FAILED;"
                    " nothing to replay",
                    file=sys.stderr,
                )
            return 1
        content_store = await content_store_from_settings(settings)
        worker = outbox.OutboxWorker.from_settings(
            opened.store, settings, content_store, form_store_from_settings(settings)
        )
        running = asyncio.current_task()
        loop = asyncio.get_running_loop()
        # A supervisor's SIGTERM stops the worker as Ctrl-C does: between items, leases
        # handed back, connections closed.
        if running is not None:
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signal.SIGTERM, running.cancel)
        try:
            await worker.run()
        except asyncio.CancelledError:
            return 0
        finally:
            await content_store.aclose()
        return 0
    finally:
        await opened.close()


class _ProgressBar:
    """A one-line progress bar on stderr for a file of `total` rows."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.done, self.label = max(total, 1), 0, label

    def advance(self) -> None:
        self.done += 1
        if self.done % 50 and self.done < self.total:
            return
        filled = int(30 * self.done / self.total)
        sys.stderr.write(
            f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total}"
        )
        if self.done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


async def _ingest_file(
    settings: Settings, source: Source, path: Path, label: str, total: int
) -> IngestReport:
    from connectors.intake import ingest, read_rows
    from hub.app import open_settings_graph

    opened = open_settings_graph(settings)
    try:
        await opened.store.apply_schema()
        bar = _ProgressBar(total, label)
        return await ingest(
            opened.store, read_rows(path), source, by=_operator(), on_row=bar.advance
        )
    finally:
        await opened.close()


def _ingest(settings: Settings, args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from connectors import ehm, ies
    from connectors.intake import read_rows

    path = Path(args.file)
    source = {"ehm": ehm.SOURCE, "ies": ies.SOURCE}[args.source]
    try:
        total = sum(1 for _ in read_rows(path))
    except (OSError, ValueError) as error:
        print(f"lcs-hub ingest: {error}", file=sys.stderr)
        return 2
    # The report is the answer; the engine's start-up chatter is noise.
    logging.getLogger().setLevel(logging.WARNING)
    report = asyncio.run(_ingest_file(settings, source, path, f"{args.source} {path.name}", total))
    print(report.summary())
    for problem in report.rejected:
        reasons = "; ".join(f"{p.field}: {p.rule}" for p in problem.problems)
        print(f"line {problem.line} ({problem.record_id or 'no record id'}): {reasons}")
    if args.report:
        Path(args.report).write_text(json.dumps(report.as_dict(), indent=2), encoding="utf-8")
    # Good rows landed either way; a non-zero status tells a script that some did not.
    return 1 if report.rejected else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `lcs-hub`."""
    from bench.county import SIZES
    from bench.personas import BY_NAME

    parser = argparse.ArgumentParser(prog="lcs-hub", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve GraphQL (GraphiQL in a browser)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo-if-empty", choices=sorted(SIZES), help="load a demo county first")
    serve.add_argument("--print-tokens", action="store_true", help="print a token per persona")
    serve.add_argument(
        "--no-outbox",
        action="store_true",
        help="do not deliver the Livelink outbox here (run `lcs-hub outbox` instead)",
    )
    demo = commands.add_parser("demo", help="load a synthetic demo county")
    demo.add_argument("--size", choices=sorted(SIZES), default="small")
    token = commands.add_parser("token", help="print a local token for a demo persona")
    token.add_argument("--as", dest="persona", choices=sorted(BY_NAME), required=True)
    commands.add_parser("sdl", help="print the subgraph SDL (federation)")
    outbox = commands.add_parser(
        "outbox", help="run the Livelink filing outbox worker (any number may run at once)"
    )
    replays = outbox.add_mutually_exclusive_group()
    replays.add_argument("--replay", metavar="ITEM_ID", help="requeue one failed item and exit")
    replays.add_argument(
        "--replay-failed", action="store_true", help="requeue every failed item and exit"
    )
    ingest = commands.add_parser(
        "ingest", help="take in a bulk file of EHM or IES records (CSV or JSON Lines)"
    )
    ingest.add_argument("source", choices=("ehm", "ies"))
    ingest.add_argument("file", help="a .csv or .jsonl file, one record per row")
    ingest.add_argument("--report", metavar="PATH", help="also write the full report as JSON")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings()
    match args.command:
        case "serve":
            _serve(settings, args)
        case "demo":
            asyncio.run(_demo(settings, args.size))
        case "token":
            from hub.app import issue_persona_token

            print(issue_persona_token(settings, args.persona))
        case "sdl":
            from schema import build_internal_schema

            print(build_internal_schema().as_str())
        case "outbox":
            try:
                return asyncio.run(_outbox(settings, args))
            except KeyboardInterrupt:
                # Ctrl-C: the worker has stopped and closed its connections (it logs so).
                return 0
        case "ingest":
            return _ingest(settings, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
