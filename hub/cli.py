"""The `lcs-hub` command: serve, demo, token, sdl, outbox, import-workforce."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import TYPE_CHECKING

from hub.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Sequence


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from hub.app import create_app

    app = create_app(
        settings,
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


async def _outbox(settings: Settings, replay: str | None) -> None:
    from hub.app import content_store_from_settings, form_store_from_settings, open_settings_graph
    from workflow.ids import now_ms

    opened = open_settings_graph(settings)
    content_store = await content_store_from_settings(settings)
    from connectors.livelink.outbox import OutboxWorker

    worker = OutboxWorker.from_settings(
        opened.store, settings, content_store, form_store_from_settings(settings)
    )
    try:
        if replay:
            replayed = await worker.replay(replay, now_ms())
            print("replayed" if replayed else f"no failed outbox item {replay}")
            return
        await worker.run()
    finally:
        await content_store.aclose()
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
    demo = commands.add_parser("demo", help="load a synthetic demo county")
    demo.add_argument("--size", choices=sorted(SIZES), default="small")
    token = commands.add_parser("token", help="print a local token for a demo persona")
    token.add_argument("--as", dest="persona", choices=sorted(BY_NAME), required=True)
    commands.add_parser("sdl", help="print the subgraph SDL (federation)")
    outbox = commands.add_parser("outbox", help="run the Livelink filing outbox on its own")
    outbox.add_argument("--replay", metavar="ITEM_ID", help="requeue one failed item and exit")
    hr_feed = commands.add_parser(
        "import-workforce", help="load the HR feed (CSV) of workers, teams and line managers"
    )
    hr_feed.add_argument("file", help="the CSV file (columns: see workflow/workforce.py)")
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
            asyncio.run(_outbox(settings, args.replay))
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
