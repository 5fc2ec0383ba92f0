"""The `lcs-hub` command: serve, demo, token, sdl, outbox, import-workforce."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import signal
import sys
from typing import TYPE_CHECKING, Any

from hub.logs import configure_logging
from hub.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Sequence


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
    uvicorn.run(app, **uvicorn_options(settings), host=args.host, port=args.port)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's guards against slow and greedy clients, and the hub's own logging."""
    from hub.slow_clients import protocol_with_request_deadline

    return {
        # The hub's JSON logging (hub/logs.py), not uvicorn's; its access line would
        # print GET query strings, which carry queries and their variables.
        "log_config": None,
        "access_log": False,
        # The app resolves X-Forwarded-For itself, from configured proxies only.
        "proxy_headers": False,
        "server_header": False,
        # A client that keeps a connection idle, or sends its headers byte by byte, is
        # dropped instead of holding the connection.
        "timeout_keep_alive": settings.keep_alive_seconds,
        "h11_max_incomplete_event_size": settings.h11_max_incomplete_event_bytes,
        # Past this many connections at once new ones get 503 at once.
        "limit_concurrency": settings.max_concurrent_connections,
        "timeout_graceful_shutdown": 10,
        "ws": "none",
        # h11, where the header size bound applies, with a deadline for each request to
        # arrive (uvicorn alone lets a client trickle its headers for ever).
        "http": protocol_with_request_deadline(settings.request_read_seconds),
    }


async def _demo(settings: Settings, size: str) -> None:
    from bench import county
    from hub.app import content_store_from_settings, open_settings_graph

    opened = open_settings_graph(settings)
    try:
        await opened.store.apply_schema()
        await county.load(opened.store, county.generate(size))
        # Filed now, not by the hub's first serve while it answers its first users.
        content = await content_store_from_settings(settings)
        try:
            await county.file_in_livelink(opened.store, content)
        finally:
            await content.aclose()
        if opened.engine is not None:
            # The next start loads a snapshot instead of replaying every statement of
            # the load (minutes on a large county).
            opened.engine.compact()
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


async def _import_workforce(settings: Settings, text: str) -> int:
    from hub.app import open_settings_graph
    from workflow.ids import now_ms
    from workflow.workforce import import_feed

    opened = open_settings_graph(settings)
    try:
        await opened.store.apply_schema()
        report = await import_feed(opened.store, text, "hr-feed", now_ms())
    finally:
        await opened.close()
    print(
        f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
        f"teams created {report.teams_created}, rows left out {len(report.problems)}"
    )
    for problem in report.problems:
        print(f"line {problem.line}: {problem.field}: {problem.reason}")
    return 1 if report.problems else 0


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
    hr_feed = commands.add_parser(
        "import-workforce", help="load the HR feed (CSV) of workers, teams and line managers"
    )
    hr_feed.add_argument("file", help="the CSV file (columns: see workflow/workforce.py)")
    args = parser.parse_args(argv)

    configure_logging(logging.INFO)
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
        case "import-workforce":
            try:
                with open(args.file, encoding="utf-8-sig", newline="") as feed:
                    text = feed.read()
                return asyncio.run(_import_workforce(settings, text))
            except (OSError, ValueError) as problem:
                print(f"the HR feed was not loaded: {problem}", file=sys.stderr)
                return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
