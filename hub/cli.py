"""The `lcs-hub` command: serve, demo, token, sdl, outbox, import-workforce, ingest, returns,
export, import."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import difflib
import getpass
import logging
import math
import os
import re
import signal
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dotenv import dotenv_values
from pydantic import ValidationError
from pydantic_settings import SettingsError

from auth.tokens import SigningKeyError
from graph import GraphError
from graph.migrations import bring_to_current_shape
from hub.backup_format import ExportFileRefused
from hub.bulk_load import BulkLoadInProgress, bulk_load_lease
from hub.demo import DemoRefused
from hub.logs import configure_logging
from hub.settings import Settings
from workflow.school_days import TermDatesError

if TYPE_CHECKING:
    from collections.abc import Coroutine, Iterator, Sequence

    from connectors.intake import IngestReport, Source
    from hub.backup import ContentStores, ImportMarker
    from returns import ReturnWarning


# How long past the request deadline a stopping hub waits for requests in flight.
_SHUTDOWN_MARGIN_SECONDS = 5


class CommandFailed(Exception):
    """A failure the user can mend: printed as one line that says how, exit status 1."""


def _warn_of_unknown_settings() -> None:
    # pydantic-settings ignores a variable it does not know, so a misspelt name would
    # silently leave the default in force.
    known = {f"LCS_HUB_{name.upper()}" for name in Settings.model_fields}
    local = Path(".env")
    given = {*os.environ, *(dotenv_values(local) if local.is_file() else {})}
    for name in sorted(given):
        if (
            name.startswith("LCS_HUB_")
            and not name.startswith("LCS_HUB_TEST_")
            and name not in known
        ):
            guess = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean {guess[0]}?" if guess else ""
            print(f"lcs-hub: {name} is not a setting, ignored{hint}", file=sys.stderr)


def _settings() -> Settings:
    _warn_of_unknown_settings()
    try:
        return Settings()
    except SettingsError as exc:
        # A list setting that is not JSON fails before validation, naming only the field.
        found = re.search(r'field "(\w+)"', str(exc))
        variable = f"LCS_HUB_{found.group(1).upper()}" if found else "a setting"
        example = '["10.0.0.0/8"]'
        raise CommandFailed(
            f"{variable}: must be a JSON list, e.g. {example} (set in the environment or .env)"
        ) from None
    except ValidationError as exc:
        # One line naming each variable and its rule; the value is not echoed (it may
        # be a password put in the wrong variable).
        problems = "; ".join(f"{_variable(error['loc'])}: {error['msg']}" for error in exc.errors())
        raise CommandFailed(f"{problems} (set in the environment or .env)") from None


def _variable(location: tuple[int | str, ...]) -> str:
    return f"LCS_HUB_{str(location[0]).upper()}" if location else "settings"


def _refuse_a_taken_port(host: str, port: int) -> None:
    # Checked before the app starts: its start-up prints the address and the tokens,
    # which must not appear for a server that then fails to bind.
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )[0]
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        raise CommandFailed(
            f"cannot serve on {host}:{port} ({exc.strerror or exc}): stop what is using it, "
            "or choose another port with --port (make run PORT=8001)"
        ) from None


def _import_marker(settings: Settings) -> ImportMarker:
    from hub.backup import ImportMarker

    return ImportMarker.of(settings.var_dir, settings.graph_name)


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from hub.app import create_app

    _refuse_a_taken_port(args.host, args.port)
    app = create_app(
        settings,
        run_outbox=settings.outbox_enabled and not args.no_outbox,
        demo_if_empty=args.demo_if_empty,
        print_tokens=args.print_tokens,
        public_address=f"http://{args.host}:{args.port}/graphql",
        wait_for_engine=True,
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
        # SIGTERM drains: requests in flight may run for their whole deadline (then they
        # answer 504), so they are waited for that long and a little more. A fixed 10 s
        # cut requests between 10 s and the 20 s deadline off with a 500.
        "timeout_graceful_shutdown": math.ceil(settings.request_deadline_seconds)
        + _SHUTDOWN_MARGIN_SECONDS,
        "ws": "none",
        # h11, where the header size bound applies, with a deadline for each request to
        # arrive (uvicorn alone lets a client trickle its headers for ever).
        "http": protocol_with_request_deadline(
            settings.request_read_seconds,
            per_address=settings.max_connections_per_address,
            trusted_proxies=settings.trusted_proxies,
        ),
    }


def _confirm_reset(settings: Settings, args: argparse.Namespace, nodes: int) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise CommandFailed(
            f"--reset would delete the {nodes} nodes the store holds; nothing was changed. "
            "There is no terminal to ask: add --yes to confirm"
        )
    answer = input(
        f"Delete all {nodes} nodes of graph {settings.graph_name!r} "
        f"({settings.graph_location}), with the "
        f"forms, Livelink documents and returns under {settings.var_dir}, and load the "
        f"{args.size} demo county? [y/N] "
    )
    return answer.strip().lower() in {"y", "yes"}


async def _demo(settings: Settings, args: argparse.Namespace) -> None:
    from demo import county
    from hub.app import open_settings_graph
    from hub.demo import load_demo

    # Everything is generated before anything is written.
    demo = county.generate(args.size)
    # Only the var directory's own stores: a reset never deletes from a Content Server.
    documents = await _content_stores(settings, create=False)
    opened = open_settings_graph(settings)
    try:
        await bring_to_current_shape(opened.store)
        summary = await load_demo(
            opened.store,
            demo,
            args.size,
            reset=args.reset,
            confirm_reset=lambda nodes: _confirm_reset(settings, args, nodes),
            documents=documents,
            return_files=settings.returns_dir,
            marker=_import_marker(settings),
        )
        # A reset empties the shape node with the rest; the loaded county is current.
        await bring_to_current_shape(opened.store)
    finally:
        await opened.close()
    print("\n".join(summary.lines()))


def _until_done[T](command: Coroutine[Any, Any, T]) -> T:
    """Run a one-shot command, SIGTERM stopping it as Ctrl-C does.

    Without a handler SIGTERM (a supervisor, `timeout`, `kill`) ended the process where it
    stood: a demo load or an import left what it had written so far, and the engine's
    clean stop never ran. Here it cancels the command's task, so a load removes what it
    wrote and the store is closed; `main` then answers "terminated" (exit status 143).
    """

    async def cancellable() -> T:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        if task is not None:
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signal.SIGTERM, task.cancel)
        try:
            return await command
        finally:
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(signal.SIGTERM)

    return asyncio.run(cancellable())


def _operator() -> str:
    """Who replayed from the command line, as the graph records it."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


async def _outbox(settings: Settings, args: argparse.Namespace) -> int:
    from connectors.livelink import outbox
    from hub.app import (
        content_store_from_settings,
        delivery_ports,
        ehm_client_from_settings,
        engine_supervisor,
        form_store_from_settings,
        open_settings_graph,
    )
    from hub.tracing import Tracing, tracer_provider_from_settings
    from workflow.ids import now_ms

    if args.replay or args.replay_failed:
        # A one-shot command answers in one line; the engine's start-up chatter is noise.
        logging.getLogger().setLevel(logging.WARNING)
    # A worker runs unattended: it waits for an engine not up yet; a replay answers at once.
    opened = open_settings_graph(settings, wait=not (args.replay or args.replay_failed))
    try:
        await bring_to_current_shape(opened.store)
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
        # The worker's own statements and Content Server calls, when tracing is on.
        provider = tracer_provider_from_settings(settings)
        tracing = Tracing(provider) if provider is not None else None
        content_store = await content_store_from_settings(settings, tracing, graph=opened.store)
        ehm_client = ehm_client_from_settings(settings)
        worker = outbox.OutboxWorker.from_settings(
            opened.store,
            settings,
            content_store,
            form_store_from_settings(settings),
            ports=delivery_ports(opened.store, ehm_client),
            # A load into the store while this runs (under way, or killed part-way):
            # nothing delivered from it until it is finished.
            held=_import_marker(settings).left_behind,
        )
        running = asyncio.current_task()
        loop = asyncio.get_running_loop()
        # A supervisor's SIGTERM stops the worker as Ctrl-C does: between items, leases
        # handed back, connections closed.
        if running is not None:
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signal.SIGTERM, running.cancel)
        # A worker started before any hub runs the embedded engine: killed, it was
        # started again by nobody (every pass failed, and a hub attached beside it
        # answered 503) for as long as the worker ran.
        supervisor = engine_supervisor(opened, settings)
        if supervisor is not None:
            supervisor.start()
        try:
            await worker.run()
        except asyncio.CancelledError:
            return 0
        finally:
            if supervisor is not None:
                await supervisor.stop()
            await content_store.aclose()
            if ehm_client is not None:
                await ehm_client.aclose()
            if tracing is not None:
                tracing.close()
        return 0
    finally:
        await opened.close()


async def _import_workforce(settings: Settings, text: str) -> int:
    from hub.app import open_settings_graph
    from workflow.ids import now_ms
    from workflow.workforce import import_feed

    opened = open_settings_graph(settings)
    try:
        await bring_to_current_shape(opened.store)
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


async def _ingest_file(
    settings: Settings, source: Source, path: Path, codec: str, label: str, total: int
) -> IngestReport:
    from connectors.intake import ingest, read_rows
    from demo.county import Progress
    from hub.app import open_settings_graph

    opened = open_settings_graph(settings)
    try:
        await bring_to_current_shape(opened.store)
        bar = Progress(total, label)
        return await ingest(
            opened.store, read_rows(path, codec), source, by=_operator(), on_row=bar.advance
        )
    finally:
        await opened.close()


def _codec_or_refusal(command: str, encoding: str | None) -> str | None:
    """The codec `--encoding` names (UTF-8 without it), or None, said why, when none."""
    from connectors.intake import text_codec

    codec = text_codec(encoding)
    if codec is None:
        print(
            f"lcs-hub {command}: --encoding: {encoding!r} is not a text encoding the hub reads",
            file=sys.stderr,
        )
    return codec


def _not_in(path: Path, codec: str, encoding: str | None) -> str:
    """Why `path` was not read: the first byte `codec` cannot read, and what to do."""
    from connectors.intake import undecodable_in_file

    where = undecodable_in_file(path, codec)
    how = (
        "give the encoding it is in, e.g. --encoding windows-1252"
        if encoding is None
        else "check --encoding"
    )
    return f"{path.name} is not {encoding or 'UTF-8'} ({where}); {how}"


def _ingest(settings: Settings, args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from connectors.intake import read_rows
    from hub.push import sources
    from workflow.school_days import school_calendar

    path = Path(args.file)
    source = sources(settings.step_up_team, school_calendar(settings.term_dates))[args.source]
    codec = _codec_or_refusal("ingest", args.encoding)
    if codec is None:
        return 2
    try:
        total = sum(1 for _ in read_rows(path, codec))
    except UnicodeDecodeError:
        print(f"lcs-hub ingest: {_not_in(path, codec, args.encoding)}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as error:
        print(f"lcs-hub ingest: {error}", file=sys.stderr)
        return 2
    # The report is the answer; the engine's start-up chatter is noise.
    logging.getLogger().setLevel(logging.WARNING)
    label = f"{args.source} {path.name}"
    report = _until_done(_ingest_file(settings, source, path, codec, label, total))
    print(report.summary())
    for problem in report.rejected:
        reasons = "; ".join(f"{p.field}: {p.rule}" for p in problem.problems)
        print(f"line {problem.line} ({problem.record_id or 'no record id'}): {reasons}")
    if args.report:
        Path(args.report).write_text(json.dumps(report.as_dict(), indent=2), encoding="utf-8")
    # Good rows landed either way; a non-zero status tells a script that some did not.
    return 1 if report.rejected else 0


async def _returns(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from demo.county import Progress
    from hub.app import open_settings_graph
    from returns import CollectionYear, ReturnKind, refused_year, write_cin_census, write_ssda903

    year = CollectionYear(args.year)
    kind = ReturnKind.CIN_CENSUS if args.kind == "cin" else ReturnKind.SSDA903
    if problem := refused_year(kind, year):
        raise ValueError(f"--year: {problem}")
    if args.kind == "cin" and not args.la_number:
        raise ValueError("--la-number: the CIN census names the LA by its DfE number, e.g. 919")
    # The bar is made on the first page, when the number of children is known.
    bar: list[Progress] = []
    title = "CIN census" if args.kind == "cin" else "SSDA903"

    def show(done: int, total: int) -> None:
        if not bar:
            bar.append(Progress(total, f"{title} {year.label}"))
        bar[0].advance(done - bar[0].done)

    logging.getLogger().setLevel(logging.WARNING)
    opened = open_settings_graph(settings)
    try:
        await bring_to_current_shape(opened.store)
        if args.kind == "cin":
            census = await write_cin_census(
                opened.store, year, Path(args.out), args.la_number, progress=show
            )
            print(f"CIN census {year.label} in {args.out}: {census.children} children")
            _print_warnings(census.warnings)
            return 0
        current, previous = await write_ssda903(opened.store, year, Path(args.out), progress=show)
    finally:
        await opened.close()
    for label, written in ((year.label, current), (year.previous().label, previous)):
        if not written.folder.exists():
            print(f"SSDA903 {label}: no child looked after, no tables to compare with")
            continue
        counts = ", ".join(f"{name} {count}" for name, count in written.rows.items())
        print(f"SSDA903 {label} in {written.folder}: {counts}")
    _print_warnings(current.warnings)
    return 0


def _print_warnings(warnings: list[ReturnWarning]) -> None:
    # What the return breaks or queries that no save refused (returns/year_end.py,
    # returns/cin_year_end.py): by child id only, never a name.
    for warning in warnings:
        print(f"{warning.code} child {warning.child_id}: {warning.message}")


async def _content_stores(settings: Settings, *, create: bool) -> ContentStores:
    from connectors.livelink.content_store import ContentStoreUnavailable
    from connectors.livelink.embedded_store import EmbeddedContentStore
    from hub.app import form_store_from_settings
    from hub.backup import ContentStores

    livelink: EmbeddedContentStore | None = None
    if settings.content_store == "embedded":
        try:
            livelink = await EmbeddedContentStore.open(settings.content_dir, create=create)
        except ContentStoreUnavailable:
            if create:
                raise
            # Nothing was ever filed here: there is no Livelink store to export.
    return ContentStores(forms=form_store_from_settings(settings), livelink=livelink)


async def _export(settings: Settings, out: Path) -> int:
    from demo.county import Progress
    from graph.backup import graph_size
    from hub.app import open_settings_graph
    from hub.backup import document_total, export_hub

    logging.getLogger().setLevel(logging.WARNING)
    content = await _content_stores(settings, create=False)
    opened = open_settings_graph(settings)
    try:
        # Indexes only, no record: FalkorDB refuses to read a graph never written to.
        await opened.store.apply_schema()
        size = await graph_size(opened.store)
        bar = Progress(
            size.nodes + size.relationships + document_total(content), f"export {out.name}"
        )
        counts = await export_hub(opened.store, content, out, progress=bar.advance)
    finally:
        await opened.close()
    print(f"exported {counts.summary()} to {out}")
    return 0


async def _import(settings: Settings, path: Path) -> int:
    from demo.county import Progress
    from hub.app import open_settings_graph
    from hub.backup import import_hub

    logging.getLogger().setLevel(logging.WARNING)
    content = await _content_stores(settings, create=True)
    checking = Progress(0, f"checking {path.name}")
    loading: list[Progress] = []

    def loaded(count: int) -> None:
        if not loading:
            checking.finish()
            # Every line after the header but the trailer is loaded.
            loading.append(Progress(checking.done - 1, f"import {path.name}"))
        if not count:
            return
        loading[0].advance(count)

    opened = open_settings_graph(settings)
    try:
        counts = await import_hub(
            opened.store,
            content,
            path,
            checked=checking.advance,
            loaded=loaded,
            recover=opened.recover,
            marker=_import_marker(settings),
        )
    finally:
        await opened.close()
    print(f"imported {counts.summary()} from {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `lcs-hub`."""
    from demo.county import SIZES
    from demo.personas import BY_NAME

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
    demo.add_argument(
        "--reset",
        action="store_true",
        help="empty a store that holds records, and its documents under var/, first (asks)",
    )
    demo.add_argument("--yes", action="store_true", help="with --reset: do not ask")
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
    hr_feed.add_argument(
        "--encoding",
        metavar="NAME",
        help="the file's text encoding when not UTF-8 (a spreadsheet's export: windows-1252)",
    )
    ingest = commands.add_parser(
        "ingest", help="take in a bulk file of EHM or IES records (CSV or JSON Lines)"
    )
    ingest.add_argument("source", choices=("ehm", "ies"))
    ingest.add_argument("file", help="a .csv or .jsonl file, one record per row")
    ingest.add_argument("--report", metavar="PATH", help="also write the full report as JSON")
    ingest.add_argument(
        "--encoding",
        metavar="NAME",
        help="the file's text encoding when not UTF-8 (an old system's: windows-1252)",
    )
    returns = commands.add_parser("returns", help="write a DfE statutory return")
    returns.add_argument(
        "kind", choices=["903", "cin"], help="903: the SSDA903 CSV tables; cin: the census XML"
    )
    returns.add_argument(
        "--year", type=int, required=True, help="the collection's end year (2026 = 2025-26)"
    )
    returns.add_argument(
        "--out",
        required=True,
        help="903: the folder for the tables (last year's in out/previous); cin: the XML file",
    )
    returns.add_argument("--la-number", help="cin: the LA's three-digit DfE number (e.g. 919)")
    export = commands.add_parser(
        "export",
        help="write the whole hub (graph, forms, embedded Livelink store) to one file, "
        "to back it up or move it to another engine",
    )
    export.add_argument("--out", required=True, help="the file to write (JSON Lines)")
    restore = commands.add_parser(
        "import", help="load a file `lcs-hub export` wrote into an empty store"
    )
    restore.add_argument("file", help="the export file")
    args = parser.parse_args(argv)
    if args.command == "demo" and args.yes and not args.reset:
        parser.error("--yes only confirms --reset")

    configure_logging(logging.INFO)
    try:
        return _run(args)
    except (
        CommandFailed,
        DemoRefused,
        GraphError,
        ExportFileRefused,
        TermDatesError,
        BulkLoadInProgress,
        SigningKeyError,
    ) as exc:
        _stopped(args.command, str(exc))
        return 1
    except KeyboardInterrupt:
        _stopped(args.command, "interrupted")
        return 130
    except asyncio.CancelledError:
        # SIGTERM (see _until_done): what the command had done is undone or kept whole.
        _stopped(args.command, "terminated")
        return 128 + signal.SIGTERM


def _stopped(command: str, why: str) -> None:
    """Say why a command stopped, on a line of its own (a progress bar may be mid-line)."""
    from demo.county import Progress

    Progress.end_open_line()
    print(f"lcs-hub {command}: {why}", file=sys.stderr)


@contextlib.contextmanager
def _var_dir_problems(settings: Settings) -> Iterator[None]:
    """A var directory the command cannot use (a full disk, a read-only mount, a file in
    its place) stops it in one line saying what to mend, not a traceback a supervisor
    logs at every restart."""
    try:
        yield
    except OSError as problem:
        var_dir = settings.var_dir.resolve()
        where = Path(os.fsdecode(problem.filename)) if problem.filename else var_dir
        if where != var_dir and not where.resolve().is_relative_to(var_dir):
            raise
        raise CommandFailed(
            f"cannot use {where}: {problem.strerror or type(problem).__name__}; the var "
            "directory (LCS_HUB_VAR_DIR) must be a directory this user can write, on a disk "
            "with room"
        ) from None


def _run(args: argparse.Namespace) -> int:
    settings = _settings()
    with _var_dir_problems(settings):
        return _command(settings, args)


# The commands that read or write the records: none of them works on a half-loaded store.
_ON_THE_RECORDS = frozenset({"serve", "outbox", "import-workforce", "ingest", "returns", "export"})


def _runs_until_stopped(args: argparse.Namespace) -> bool:
    # A hub or an outbox worker started while a load is under way waits for it at each
    # request and delivery (hub/import_guard.py), and serves once the store is whole.
    return args.command == "serve" or (
        args.command == "outbox" and not (args.replay or args.replay_failed)
    )


def _command(settings: Settings, args: argparse.Namespace) -> int:
    # A load under way holds the lease (a hub started meanwhile attaches, as ever); its
    # mark without the lease is a load that was killed part-way. A backup, a return or a
    # delivery made from what it loaded would pass for the whole record.
    unfinished = _import_marker(settings).unfinished() if args.command in _ON_THE_RECORDS else None
    if unfinished == "under way" and not _runs_until_stopped(args):
        raise CommandFailed(
            f"a load (`lcs-hub import` or `demo`) into graph {settings.graph_name!r} is "
            "under way; nothing is exported or written until it is finished: wait for it, "
            "then try again"
        )
    if unfinished == "interrupted":
        raise CommandFailed(
            f"a load (`lcs-hub import` or `demo`) into graph {settings.graph_name!r} was "
            "interrupted part-way; nothing is served, exported or written until it is "
            "finished: run `lcs-hub import FILE` or `lcs-hub demo` again (either removes "
            "what the interrupted one loaded first)"
        )
    match args.command:
        case "serve":
            _serve(settings, args)
        case "demo":
            with bulk_load_lease(settings.var_dir, "lcs-hub demo"):
                _until_done(_demo(settings, args))
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
            codec = _codec_or_refusal("import-workforce", args.encoding)
            if codec is None:
                return 2
            try:
                with open(args.file, encoding=codec, newline="") as feed:
                    text = feed.read()
                return _until_done(_import_workforce(settings, text))
            except UnicodeDecodeError:
                problem = _not_in(Path(args.file), codec, args.encoding)
                print(f"the HR feed was not loaded: {problem}", file=sys.stderr)
                return 2
            except (OSError, ValueError) as problem:
                print(f"the HR feed was not loaded: {problem}", file=sys.stderr)
                return 2
        case "ingest":
            return _ingest(settings, args)
        case "returns":
            try:
                return _until_done(_returns(settings, args))
            except (OSError, ValueError) as problem:
                print(f"the return was not written: {problem}", file=sys.stderr)
                return 2
        case "export":
            try:
                return _until_done(_export(settings, Path(args.out)))
            except OSError as problem:
                print(f"lcs-hub export: the file was not written: {problem}", file=sys.stderr)
                return 2
        case "import":
            try:
                with bulk_load_lease(settings.var_dir, "lcs-hub import"):
                    return _until_done(_import(settings, Path(args.file)))
            except OSError as problem:
                print(f"lcs-hub import: nothing was written: {problem}", file=sys.stderr)
                return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
