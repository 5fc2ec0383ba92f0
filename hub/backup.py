"""Backing up, restoring and moving a hub: the graph and its documents in one file.

`export_hub` streams the graph (graph/backup.py pages it), the LCS's generated forms and
the embedded Livelink store into the format of hub/backup_format.py. `import_hub` reads
such a file twice: first to check all of it (header versions, every line, every
document's checksum, the trailer's counts and hash), writing nothing; then to load it
into an empty store in batches, after which the graph's indexes and constraints are in
place and pending migrations have run. A load that fails part-way is removed again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any, Literal

from connectors.livelink.content_store import sha256_hex
from connectors.livelink.embedded_store import EmbeddedContentStore
from connectors.livelink.form_store import FormStore
from graph import GraphError, GraphStore, GraphUnavailable
from graph.backup import (
    GraphImport,
    Node,
    Relationship,
    first_labels,
    frozen,
    graph_size,
    is_plain_name,
)
from graph.backup import nodes as graph_nodes
from graph.backup import relationships as graph_relationships
from graph.migrations import (
    SHAPE_LABEL,
    current_shape_version,
    forget_shape,
    migrate,
    shape_version,
)
from hub.backup_format import (
    FORMAT_NAME,
    FORMAT_VERSION,
    KINDS_IN_ORDER,
    ExportFileRefused,
    check_header,
    decode_properties,
    encode_properties,
)
from hub.bulk_load import load_under_way
from hub.demo import empty_store, forget_documents
from returns import mark_files_not_carried
from workflow.ids import now_ms

Progress = Callable[[int], None]
# Progress is reported every so many lines: a redraw per line would cost more than the line.
_PROGRESS_STEP = 500

log = logging.getLogger("lcs_hub.backup")
# In the var directory while `lcs-hub import` loads (ImportMarker).
IMPORT_MARKER = "import-unfinished.json"


def _no_progress(count: int) -> None:
    """Progress is optional."""


@dataclass(frozen=True)
class BackupCounts:
    """What an export wrote or an import loaded."""

    nodes: int = 0
    relationships: int = 0
    documents: int = 0
    livelink_records: int = 0

    def summary(self) -> str:
        """One line for the command to print."""
        return (
            f"{self.nodes} nodes, {self.relationships} relationships, {self.documents} "
            f"documents, {self.livelink_records} Livelink records"
        )


@dataclass(frozen=True)
class ContentStores:
    """Where documents live: the LCS's forms, and the embedded Livelink store if in use."""

    forms: FormStore
    livelink: EmbeddedContentStore | None


class _LineWriter:
    """Writes JSON lines and keeps the hash the trailer carries."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self._hash = hashlib.sha256()

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        self._hash.update(line)
        self._handle.write(line)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def _documents(content: ContentStores) -> Iterator[tuple[str, str, bytes]]:
    for checksum in content.forms.checksums():
        yield "forms", checksum, content.forms.read_blob(checksum)
    if content.livelink is not None:
        for checksum in content.livelink.blob_checksums():
            yield "livelink", checksum, content.livelink.read_blob(checksum)


def document_total(content: ContentStores) -> int:
    """How many documents and Livelink records an export will write (for the progress bar)."""
    total = sum(1 for _ in content.forms.checksums())
    if content.livelink is not None:
        total += sum(1 for _ in content.livelink.blob_checksums())
        total += sum(1 for _ in content.livelink.record_paths())
    return total


async def export_hub(
    store: GraphStore,
    content: ContentStores,
    out: Path,
    *,
    progress: Progress = _no_progress,
    window: int = 1_000,
) -> BackupCounts:
    """Write the whole hub to `out` (under a temporary name until it is complete).

    The graph is read from a copy the engine makes at the start (graph.backup.frozen), so
    hubs may go on serving: the file is the graph as it was at that moment. Forms and
    Livelink content are read from disk after it; they are only added to, except when a
    record is disposed of, so run a disposal and an export apart.

    Raises:
        GraphError: the store changed while it was read (an engine without a copy; the
            file is not kept), or its shape is newer than this code.
    """
    async with frozen(store) as still:
        return await _export(still, content, out, progress=progress, window=window)


async def _export(
    store: GraphStore, content: ContentStores, out: Path, *, progress: Progress, window: int
) -> BackupCounts:
    found_shape = await shape_version(store)
    code_shape = current_shape_version()
    if found_shape > code_shape:
        raise GraphError(
            f"the graph's shape is version {found_shape}, newer than this code (version "
            f"{code_shape}); export it with the release that migrated it"
        )
    size = await graph_size(store)
    partial = out.with_name(f".{out.name}.partial")
    nodes = relationships = documents = records = 0
    try:
        # The file is the whole case record: readable by its owner only, whatever the umask.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            lines = _LineWriter(handle)
            lines.write(
                {
                    "kind": "header",
                    "format": FORMAT_NAME,
                    "formatVersion": FORMAT_VERSION,
                    "graphShapeVersion": found_shape,
                    "createdAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "sourceEngine": store.engine,
                    "livelink": "embedded" if content.livelink is not None else "none",
                }
            )
            async for node_page in graph_nodes(store, size, window=window):
                for node in node_page:
                    where = f"node {node.ref}"
                    lines.write(
                        {
                            "kind": "node",
                            "ref": node.ref,
                            "labels": list(node.labels),
                            "properties": encode_properties(node.properties, where),
                        }
                    )
                nodes += len(node_page)
                progress(len(node_page))
            async for relationship_page in graph_relationships(store, size, window=window):
                for relationship in relationship_page:
                    where = f"relationship {relationship.type} from node {relationship.start}"
                    lines.write(
                        {
                            "kind": "relationship",
                            "type": relationship.type,
                            "start": relationship.start,
                            "end": relationship.end,
                            "properties": encode_properties(relationship.properties, where),
                        }
                    )
                relationships += len(relationship_page)
                progress(len(relationship_page))
            if (nodes, relationships) != (size.nodes, size.relationships):
                raise GraphError(
                    f"the store changed while it was exported ({size.nodes} nodes and "
                    f"{size.relationships} relationships counted, {nodes} and {relationships} "
                    "read); export again with the hubs stopped"
                )
            for store_name, checksum, data in _documents(content):
                lines.write(
                    {
                        "kind": "document",
                        "store": store_name,
                        "sha256": checksum,
                        "size": len(data),
                        "data": base64.b64encode(data).decode("ascii"),
                    }
                )
                documents += 1
                progress(1)
            if content.livelink is not None:
                for path in content.livelink.record_paths():
                    lines.write(
                        {
                            "kind": "livelinkRecord",
                            "path": path,
                            "content": content.livelink.read_record(path),
                        }
                    )
                    records += 1
                    progress(1)
            counts = BackupCounts(nodes, relationships, documents, records)
            lines.write({"kind": "trailer", **_trailer_counts(counts), "sha256": lines.hexdigest()})
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return counts


def _trailer_counts(counts: BackupCounts) -> dict[str, int]:
    return {
        "nodes": counts.nodes,
        "relationships": counts.relationships,
        "documents": counts.documents,
        "livelinkRecords": counts.livelink_records,
    }


# -- import -------------------------------------------------------------------------


def _lines(path: Path) -> Iterator[tuple[int, bytes, dict[str, Any]]]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.endswith(b"\n"):
                raise ExportFileRefused(f"line {number}: the file ends part-way through a line")
            try:
                record = json.loads(line)
            except ValueError as error:
                raise ExportFileRefused(f"line {number}: not JSON ({error})") from None
            if not isinstance(record, dict) or record.get("kind") not in KINDS_IN_ORDER:
                raise ExportFileRefused(f"line {number}: not a record of the export format")
            yield number, line, record


def _whole_number(record: dict[str, Any], key: str, where: str) -> int:
    value = record.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ExportFileRefused(f"{where}: {key} must be a whole number from 0")
    return value


def _names(value: Any, where: str) -> tuple[str, ...]:
    if not (isinstance(value, list) and value and all(isinstance(n, str) for n in value)):
        raise ExportFileRefused(f"{where}: labels must be a non-empty list of names")
    for name in value:
        _plain(name, where)
    return tuple(value)


def _plain(name: str, where: str) -> str:
    # Labels, types and the names of date properties are written into the statements.
    if not is_plain_name(name):
        raise ExportFileRefused(f"{where}: {name!r} is not a plain name (letters, digits, _)")
    return name


def _with_plain_date_names(properties: dict[str, Any], where: str) -> dict[str, Any]:
    for key, value in properties.items():
        if isinstance(value, date):
            _plain(key, where)
    return properties


def _node(record: dict[str, Any], where: str) -> Node:
    return Node(
        ref=_whole_number(record, "ref", where),
        labels=_names(record.get("labels"), where),
        properties=_with_plain_date_names(
            decode_properties(record.get("properties"), where), where
        ),
    )


def _relationship(record: dict[str, Any], where: str) -> Relationship:
    kind = record.get("type")
    if not isinstance(kind, str):
        raise ExportFileRefused(f"{where}: type must be a name")
    return Relationship(
        start=_whole_number(record, "start", where),
        type=_plain(kind, where),
        end=_whole_number(record, "end", where),
        properties=_with_plain_date_names(
            decode_properties(record.get("properties"), where), where
        ),
    )


def _document(record: dict[str, Any], where: str) -> tuple[str, str, bytes]:
    store_name, checksum, data = record.get("store"), record.get("sha256"), record.get("data")
    if store_name not in ("forms", "livelink"):
        raise ExportFileRefused(f"{where}: store must be forms or livelink")
    if not isinstance(checksum, str) or not isinstance(data, str):
        raise ExportFileRefused(f"{where}: a document needs sha256 and data")
    try:
        content = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ExportFileRefused(f"{where}: data is not base64") from None
    if sha256_hex(content) != checksum or len(content) != record.get("size"):
        raise ExportFileRefused(f"{where}: the document's bytes do not match its sha256 and size")
    return str(store_name), checksum, content


def _livelink_record(record: dict[str, Any], where: str) -> tuple[str, dict[str, Any]]:
    path, content = record.get("path"), record.get("content")
    if not isinstance(path, str) or not isinstance(content, dict):
        raise ExportFileRefused(f"{where}: a Livelink record needs a path and an object")
    return path, content


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed every check: what it holds."""

    counts: BackupCounts
    needs_livelink: bool


def check_file(path: Path, *, progress: Progress = _no_progress) -> CheckedFile:
    """Read the whole file and check it without writing anything.

    Raises:
        ExportFileRefused: the first problem, naming its line and the rule.
    """
    lines = _lines(path)
    first = next(lines, None)
    if first is None:
        raise ExportFileRefused("the file is empty: not an lcs-hub export")
    running = hashlib.sha256(first[1])
    check_header(first[2], shape_version=current_shape_version())
    counts = {kind: 0 for kind in KINDS_IN_ORDER}
    order = 0
    needs_livelink = False
    for number, line, record in lines:
        kind = record["kind"]
        where = f"line {number}"
        if counts["trailer"]:
            raise ExportFileRefused(f"{where}: a line after the trailer")
        position = KINDS_IN_ORDER.index(kind)
        if position < order or kind == "header":
            raise ExportFileRefused(f"{where}: a {kind} line out of order")
        order = position
        match kind:
            case "node":
                _node(record, where)
            case "relationship":
                _relationship(record, where)
            case "document":
                needs_livelink |= _document(record, where)[0] == "livelink"
            case "livelinkRecord":
                _livelink_record(record, where)
                needs_livelink = True
            case "trailer":
                _check_trailer(record, counts, running.hexdigest(), where)
        counts[kind] += 1
        running.update(line)
        if number % _PROGRESS_STEP == 0:
            progress(_PROGRESS_STEP)
    progress(sum(counts.values()) % _PROGRESS_STEP)
    if not counts["trailer"]:
        raise ExportFileRefused(
            "the file has no trailer: it was cut short (an export still being written, or "
            "a copy that did not finish)"
        )
    return CheckedFile(
        BackupCounts(
            counts["node"], counts["relationship"], counts["document"], counts["livelinkRecord"]
        ),
        needs_livelink,
    )


def _check_trailer(
    trailer: dict[str, Any], counts: dict[str, int], digest: str, where: str
) -> None:
    expected = {
        "nodes": counts["node"],
        "relationships": counts["relationship"],
        "documents": counts["document"],
        "livelinkRecords": counts["livelinkRecord"],
    }
    stated = {key: trailer.get(key) for key in expected}
    if stated != expected:
        raise ExportFileRefused(f"{where}: the trailer counts {stated}, the file holds {expected}")
    if trailer.get("sha256") != digest:
        raise ExportFileRefused(f"{where}: the file's lines do not match the trailer's sha256")


async def _refuse_unless_empty(store: GraphStore, content: ContentStores) -> bool:
    """Refuse a store that holds records; True if it holds only a shape node."""
    labels = await first_labels(store)
    only_shape = labels == [(SHAPE_LABEL,)]
    if labels and not only_shape:
        raise ExportFileRefused(
            "the target graph is not empty; import only into an empty store (a new "
            "LCS_HUB_GRAPH_NAME, or an emptied one); nothing was written"
        )
    for name, empty in (
        ("the forms store", next(content.forms.checksums(), None) is None),
        ("the Livelink content store", content.livelink is None or content.livelink.is_empty()),
    ):
        if not empty:
            raise ExportFileRefused(f"{name} is not empty; nothing was written")
    return only_shape


@dataclass(frozen=True)
class ImportMarker:
    """The mark an import leaves in the var directory while it loads into graph `graph`.

    An import killed part-way (`kill -9`, a power cut) runs no clean-up: what it had
    loaded stayed, and every later import was refused as "not empty". The mark is set
    only once the store was found empty, by the holder of the bulk-load lease, so what a
    store holds while its graph's mark is there is what the marked import loaded.

    One var directory may hold several graphs (`LCS_HUB_GRAPH_NAME`): the file names
    every graph whose import is unfinished, so an import into one graph neither takes
    another's mark over nor clears it. Only the lease holder changes the file.
    """

    path: Path
    graph: str

    @classmethod
    def of(cls, var_dir: Path, graph: str) -> ImportMarker:
        """The mark of imports into `graph` in the var directory `var_dir`."""
        return cls(var_dir / IMPORT_MARKER, graph)

    def _graphs(self) -> frozenset[str]:
        try:
            kept: Any = json.loads(self.path.read_text("utf-8"))
        except (FileNotFoundError, NotADirectoryError):
            # No mark (a var directory that cannot be used is refused where it is opened).
            return frozenset()
        # A mark written before several graphs were kept named one: {"graph": name}.
        graphs = kept.get("graphs", [kept.get("graph")]) if isinstance(kept, dict) else []
        return frozenset(graph for graph in graphs if isinstance(graph, str))

    def left_behind(self) -> bool:
        return self.graph in self._graphs()

    def interrupted(self) -> bool:
        """Whether an import into the graph was stopped part-way: its mark is there and
        no load holds the var directory's lease (one that does is still loading)."""
        # The lease first: a load that finishes clears its mark before it lets the lease
        # go, so a mark read after a free lease is never one a finished load was clearing.
        return not load_under_way(self.path.parent) and self.left_behind()

    def unfinished(self) -> Literal["interrupted", "under way"] | None:
        """Whether the store holds part of a load: `under way` while a load holds the var
        directory's lease, `interrupted` once none does, None when no mark names the graph.

        Without a mark this is one failed open of a file.
        """
        if not self.left_behind():
            return None
        return "under way" if load_under_way(self.path.parent) else "interrupted"

    def set(self) -> None:
        self._write(self._graphs() | {self.graph})

    def clear(self) -> None:
        self._write(self._graphs() - {self.graph})

    def _write(self, graphs: frozenset[str]) -> None:
        if not graphs:
            self.path.unlink(missing_ok=True)
            return
        # Written whole or not at all (a new file renamed over), and on disk before the
        # first record is loaded.
        partial = self.path.with_name(self.path.name + ".partial")
        with partial.open("w", encoding="utf-8") as handle:
            json.dump({"graphs": sorted(graphs)}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(self.path)


async def _remove_loaded(
    store: GraphStore, content: ContentStores, recover: Callable[[], Awaitable[None]] | None
) -> None:
    """Empty the graph and the document stores an import loaded into."""
    try:
        await empty_store(store)
    except GraphUnavailable:
        # The engine went away under the load (killed, crashed): its files still hold
        # what was loaded, so it is started again and emptied (or the error stands).
        if recover is None:
            raise
        await recover()
        await empty_store(store)
    await forget_documents(content)


async def import_hub(
    store: GraphStore,
    content: ContentStores,
    path: Path,
    *,
    checked: Progress = _no_progress,
    loaded: Progress = _no_progress,
    batch_size: int = 1_000,
    recover: Callable[[], Awaitable[None]] | None = None,
    marker: ImportMarker | None = None,
) -> BackupCounts:
    """Load an export file into an empty store, whole or not at all.

    `recover` brings the engine back when it died part-way (`OpenGraph.recover`), so
    that what was loaded can still be removed. `marker` is set while the load runs: an
    import killed part-way leaves it behind, and the next import with the same marker
    removes what that one loaded before it checks the store is empty.

    Raises:
        ExportFileRefused: the file or the target was refused; nothing was written.
        GraphError: loading failed part-way; what was loaded has been removed again.
    """
    with path.open("rb") as handle:
        first = handle.readline()
    try:
        header = json.loads(first) if first else None
    except ValueError:
        header = None
    check_header(header, shape_version=current_shape_version())
    # Indexes and constraints first: they write no record, and FalkorDB answers a read of
    # a graph that does not exist yet with an error.
    await store.apply_schema()
    if marker is not None and marker.left_behind():
        # An import into this graph was killed part-way (its own clean-up never ran): the
        # store held nothing when it began, so what is there is what it loaded.
        await _remove_loaded(store, content, recover)
        marker.clear()
        log.warning("an interrupted import had loaded part of a file; that part was removed")
    only_shape = await _refuse_unless_empty(store, content)
    checked_file = check_file(path, progress=checked)
    if checked_file.needs_livelink and content.livelink is None:
        raise ExportFileRefused(
            "the file holds embedded Livelink records but this hub files to Content Server "
            "(LCS_HUB_CONTENT_STORE); nothing was written"
        )
    if marker is not None:
        marker.set()
    if only_shape:
        # An empty store a hub has started on carries only its shape node; the file's own
        # shape node replaces it.
        await forget_shape(store)
    try:
        await _load(store, content, path, batch_size, loaded)
        await migrate(store)
        # var/returns is not in the file: the jobs say their files stayed behind.
        await mark_files_not_carried(store, now_ms())
    except BaseException as failure:
        # Everything was empty before the load began, so emptying it again leaves it as
        # it was.
        await _remove_loaded(store, content, recover)
        if marker is not None:
            marker.clear()
        if isinstance(failure, Exception):
            raise GraphError(
                f"the import failed part-way ({type(failure).__name__}: {failure}); what it "
                "had loaded was removed and the stores are empty again"
            ) from failure
        raise
    if marker is not None:
        marker.clear()
    return checked_file.counts


async def _load(
    store: GraphStore, content: ContentStores, path: Path, batch_size: int, loaded: Progress
) -> None:
    writer = GraphImport(store, batch_size=batch_size)
    graph_done = False
    done = 0
    for number, _, record in _lines(path):
        where = f"line {number}"
        kind = record["kind"]
        if kind in ("document", "livelinkRecord", "trailer") and not graph_done:
            await writer.finish()
            graph_done = True
        match kind:
            case "node":
                await writer.add_node(_node(record, where))
            case "relationship":
                await writer.add_relationship(_relationship(record, where))
            case "document":
                store_name, checksum, data = _document(record, where)
                if store_name == "forms":
                    await content.forms.put(data)
                elif content.livelink is not None:
                    content.livelink.restore_blob(data, checksum)
            case "livelinkRecord":
                relative, body = _livelink_record(record, where)
                if content.livelink is not None:
                    content.livelink.restore_record(relative, body)
            case _:
                continue
        done += 1
        if done % _PROGRESS_STEP == 0:
            loaded(_PROGRESS_STEP)
    if not graph_done:
        await writer.finish()
    loaded(done % _PROGRESS_STEP)
