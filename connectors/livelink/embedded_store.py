"""The default content store: a directory tree on local disk, shaped like a Livelink file.

Layout under the root (``./var/content`` unless configured)::

    .lcs-content-store                        marker; without it the store is "down"
    .lock                                     serialises writers across processes
    blobs/sha256/ab/cd/abcd...                content-addressed bytes, never rewritten
    children/<child>/file.json                the child's file and its subfolder plan
    children/<child>/holds.json               holds applied to the file
    children/<child>/<folder>/<document>.json one document: every version's metadata,
                                              and the holds on the document alone

A document's remote id is ``<child>/<folder>/<document>``. Every write is a temp
file, fsync, ``os.replace`` and an fsync of the directory, so a crash leaves either
the old or the new file, never half of one. The marker is written only when the
store is opened with ``create=True``: if the root later disappears (an unmounted
volume), operations report the store unavailable instead of quietly writing a new,
empty tree somewhere else.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, unquote

import anyio.to_thread

from connectors.livelink.content_store import (
    ChildFile,
    ContentIntegrityError,
    ContentStoreError,
    ContentStoreRejected,
    ContentStoreUnavailable,
    DocumentDelivery,
    DocumentPlace,
    FiledDocument,
    LegalHold,
    os_error_text,
    sha256_hex,
)
from connectors.livelink.file_plan import FILE_PLAN, FolderSpec

__all__ = ["DEFAULT_CONTENT_ROOT", "EmbeddedContentStore", "blob_paths"]

DEFAULT_CONTENT_ROOT = Path("var/content")

_MARKER = ".lcs-content-store"
_LOCK = ".lock"
_MAX_COMPONENT = 200

_T = TypeVar("_T")


class EmbeddedContentStore:
    """A `ContentStore` on local disk. Create it with `await EmbeddedContentStore.open(...)`."""

    def __init__(self, root: Path, *, file_plan: Sequence[FolderSpec] = FILE_PLAN) -> None:
        """Bind to `root` without touching the disk; `open` is the usual way in."""
        self._root = root
        self._plan = tuple(file_plan)
        self._plan_keys = frozenset(folder.key for folder in self._plan)

    @classmethod
    async def open(
        cls,
        root: Path = DEFAULT_CONTENT_ROOT,
        *,
        create: bool = True,
        file_plan: Sequence[FolderSpec] = FILE_PLAN,
    ) -> EmbeddedContentStore:
        """Open the store at `root`, creating the tree and its marker if `create` is set.

        Raises:
            ContentStoreUnavailable: `create` is false and there is no store at `root`,
                or the root cannot be created.
        """
        store = cls(root, file_plan=file_plan)
        if create:
            # Not through `_run`: that refuses to work on a root without a marker.
            await anyio.to_thread.run_sync(store._create_root)
        else:
            await store.ping()
        return store

    @property
    def root(self) -> Path:
        return self._root

    async def ping(self) -> None:
        await self._run(lambda: None, lock=False)

    async def ensure_child_file(self, child_id: str) -> ChildFile:
        return await self._run(lambda: self._ensure_child_file(child_id))

    async def put_document(self, delivery: DocumentDelivery) -> FiledDocument:
        # Checked before touching the disk: bad bytes are the delivery's fault even
        # when the store is down, and must not wait in the retry queue.
        delivery.verify_checksum()
        if delivery.folder_key not in self._plan_keys:
            raise ContentStoreRejected(
                f"delivery {delivery.delivery_key}: no subfolder {delivery.folder_key!r} "
                "in the file plan"
            )
        return await self._run(lambda: self._put_document(delivery))

    async def fetch_document(self, remote_node_id: str, remote_version: int) -> bytes:
        return await self._run(
            lambda: self._fetch_document(remote_node_id, remote_version), lock=False
        )

    async def apply_hold(self, child_id: str, hold: LegalHold) -> None:
        await self._run(lambda: self._apply_hold(child_id, hold))

    async def lift_hold(self, child_id: str, hold_key: str) -> None:
        await self._run(lambda: self._lift_hold(child_id, hold_key))

    async def holds(self, child_id: str) -> frozenset[str]:
        return await self._run(lambda: frozenset(self._read_holds(child_id)), lock=False)

    async def hold_document(self, place: DocumentPlace, hold: LegalHold) -> bool:
        return await self._run(lambda: self._hold_document(place, hold))

    async def release_document(self, place: DocumentPlace, hold_key: str) -> bool:
        return await self._run(lambda: self._release_document(place, hold_key))

    async def aclose(self) -> None:
        """Nothing to release: every operation opens and closes its own files."""

    # -- backup (`lcs-hub export`/`import`; blocking, run from the command line) ---

    def blob_checksums(self) -> Iterator[str]:
        """The checksum of every blob held, in a stable order."""
        for path in blob_paths(self._root / "blobs" / "sha256"):
            yield path.name

    def read_blob(self, checksum: str) -> bytes:
        """A blob's bytes, verified against its checksum."""
        content = self._blob_path(_checksum(checksum)).read_bytes()
        if sha256_hex(content) != checksum:
            raise ContentIntegrityError(f"blob {checksum} does not match its checksum")
        return content

    def restore_blob(self, content: bytes, checksum: str) -> None:
        """Keep `content` under `checksum` (refused unless the bytes have that checksum)."""
        if sha256_hex(content) != _checksum(checksum):
            raise ContentIntegrityError(f"bytes given for blob {checksum} do not match it")
        self._write_blob(content, checksum)

    def record_paths(self) -> Iterator[str]:
        """Every file, folder, hold and document record, as a path under the root."""
        # One child's directory in memory at a time.
        for child in _entries(self._root / "children"):
            for entry in _entries(child):
                for path in _entries(entry) if entry.is_dir() else [entry]:
                    if path.suffix == ".json":
                        yield path.relative_to(self._root).as_posix()

    def read_record(self, relative: str) -> dict[str, Any]:
        """One record by its path under the root."""
        return _read_json(self._record_path(relative))

    def restore_record(self, relative: str, record: dict[str, Any]) -> None:
        """Write one record at its path under the root (a crafted path is refused)."""
        path = self._record_path(relative)
        _make_dirs(path.parent)
        _atomic_write_json(path, record)

    def empty(self) -> None:
        """Delete every blob and record (an import that failed into an empty store)."""
        for tree in ("blobs", "children"):
            shutil.rmtree(self._root / tree, ignore_errors=True)

    def is_empty(self) -> bool:
        """Whether the store holds no blob and no child's file."""
        return next(self.blob_checksums(), None) is None and next(self.record_paths(), None) is None

    def _record_path(self, relative: str) -> Path:
        # children/<child>/<name>.json or children/<child>/<folder>/<document>.json, each
        # part as `_component` writes it, so a path from a file cannot leave the tree.
        parts = relative.split("/")
        if not (
            len(parts) in (3, 4)
            and parts[0] == "children"
            and parts[-1].endswith(".json")
            and all(_is_canonical_component(part) for part in parts[1:])
        ):
            raise ContentStoreRejected(f"{relative!r} is not a record path of this store")
        return self._root.joinpath(*parts)

    # -- plumbing ---------------------------------------------------------------

    async def _run(self, operation: Callable[[], _T], *, lock: bool = True) -> _T:
        # File IO and fsync block; a worker thread keeps the event loop responsive.
        return await anyio.to_thread.run_sync(lambda: self._guarded(operation, lock=lock))

    def _guarded(self, operation: Callable[[], _T], *, lock: bool) -> _T:
        try:
            self._check_available()
            if not lock:
                return operation()
            with self._exclusive():
                return operation()
        except ContentStoreError:
            raise
        except OSError as error:
            # Disk full, permissions, I/O errors: the operator can fix them, and the
            # same delivery will then succeed.
            raise ContentStoreUnavailable(
                f"content store at {self._root}: {os_error_text(error)}"
            ) from error

    def _check_available(self) -> None:
        if not (self._root / _MARKER).is_file():
            raise ContentStoreUnavailable(
                f"content store at {self._root} is not available "
                f"({_MARKER} is missing: is the volume mounted?)"
            )

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        # flock locks an open file description, so it serialises threads of this
        # process as well as other worker processes sharing the root.
        descriptor = os.open(self._root / _LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)

    def _create_root(self) -> None:
        try:
            _make_dirs(self._root)
            if not (self._root / _MARKER).exists():
                _atomic_write(self._root / _MARKER, b"lcs-hub content store\n")
        except OSError as error:
            raise ContentStoreUnavailable(
                f"cannot create the content store at {self._root}: {os_error_text(error)}"
            ) from error

    # -- child files --------------------------------------------------------------

    def _child_dir(self, child_id: str) -> Path:
        return self._root / "children" / _component(child_id, "child id")

    def _ensure_child_file(self, child_id: str) -> ChildFile:
        child_dir = self._child_dir(child_id)
        record_path = child_dir / "file.json"
        record = _read_json(record_path) if record_path.exists() else None
        if record is None:
            record = {
                "child_id": child_id,
                "opened_at": _now(),
                "subfolders": {},
            }
        subfolders: dict[str, str] = dict(record["subfolders"])
        changed = not record_path.exists()
        _make_dirs(child_dir)
        # A council that adds a subfolder to the plan gets it in existing files too.
        for folder in self._plan:
            if subfolders.get(folder.key) != folder.name:
                subfolders[folder.key] = folder.name
                changed = True
            _make_dirs(child_dir / folder.key)
        if changed:
            record["subfolders"] = subfolders
            _atomic_write_json(record_path, record)
        file_id = child_dir.name
        return ChildFile(
            child_id=child_id,
            remote_id=file_id,
            subfolders={folder.key: f"{file_id}/{folder.key}" for folder in self._plan},
        )

    # -- documents ----------------------------------------------------------------

    def _blob_path(self, checksum: str) -> Path:
        return self._root / "blobs" / "sha256" / checksum[:2] / checksum[2:4] / checksum

    def _write_blob(self, content: bytes, checksum: str) -> None:
        path = self._blob_path(checksum)
        if path.exists() and sha256_hex(path.read_bytes()) == checksum:
            return
        # Missing, or damaged since it was written: we hold the right bytes, so write
        # them again rather than filing a reference to a broken blob.
        _make_dirs(path.parent)
        _atomic_write(path, content)
        if sha256_hex(path.read_bytes()) != checksum:
            raise ContentStoreUnavailable(
                f"blob {checksum} did not read back with the checksum it was written with"
            )

    def _document_path(self, place: DocumentPlace) -> Path:
        return (
            self._child_dir(place.child_id)
            / place.folder_key
            / f"{_component(place.document_id, 'document id')}.json"
        )

    def _put_document(self, delivery: DocumentDelivery) -> FiledDocument:
        child_file = self._ensure_child_file(delivery.child_id)
        path = self._document_path(delivery.place)
        node_id = f"{child_file.remote_id}/{delivery.folder_key}/{path.stem}"
        record: dict[str, Any]
        if path.exists():
            record = _read_json(path)
        else:
            record = {
                "document_id": delivery.document_id,
                "child_id": delivery.child_id,
                "folder_key": delivery.folder_key,
                "versions": [],
            }
        versions: list[dict[str, Any]] = record["versions"]
        for existing in versions:
            if existing["delivery_key"] != delivery.delivery_key:
                continue
            if existing["sha256"] != delivery.checksum_sha256:
                raise ContentStoreRejected(
                    f"delivery key {delivery.delivery_key} was filed with different content "
                    f"(sha256 {existing['sha256']})"
                )
            # A retry: make sure the bytes are still there, write nothing else.
            self._write_blob(delivery.content, delivery.checksum_sha256)
            return FiledDocument(
                remote_node_id=node_id,
                remote_version=existing["version"],
                checksum_sha256=delivery.checksum_sha256,
                already_filed=True,
            )
        # Bytes first, then the record that points at them: a crash in between
        # leaves an unreferenced blob, never a version without content.
        self._write_blob(delivery.content, delivery.checksum_sha256)
        remote_version = len(versions) + 1
        versions.append(
            {
                "version": remote_version,
                "delivery_key": delivery.delivery_key,
                "sha256": delivery.checksum_sha256,
                "size": len(delivery.content),
                "filename": delivery.filename,
                "mime_type": delivery.mime_type,
                "template_key": delivery.template_key,
                "record_class": delivery.record_class,
                "hub_version": delivery.version,
                "filed_at": _now(),
            }
        )
        _atomic_write_json(path, record)
        return FiledDocument(
            remote_node_id=node_id,
            remote_version=remote_version,
            checksum_sha256=delivery.checksum_sha256,
            already_filed=False,
        )

    def _fetch_document(self, remote_node_id: str, remote_version: int) -> bytes:
        parts = remote_node_id.split("/")
        if len(parts) != 3 or not all(_is_canonical_component(part) for part in parts):
            raise ContentStoreRejected(f"{remote_node_id!r} is not an embedded document id")
        child, folder_key, document = parts
        path = self._root / "children" / child / folder_key / f"{document}.json"
        if folder_key not in self._plan_keys or not path.exists():
            raise ContentStoreRejected(f"no document {remote_node_id}")
        record = _read_json(path)
        for version in record["versions"]:
            if version["version"] == remote_version:
                checksum: str = version["sha256"]
                blob = self._blob_path(checksum)
                if not blob.exists():
                    raise ContentIntegrityError(
                        f"{remote_node_id} version {remote_version}: blob {checksum} is missing"
                    )
                content = blob.read_bytes()
                if sha256_hex(content) != checksum:
                    raise ContentIntegrityError(
                        f"{remote_node_id} version {remote_version}: stored bytes do not "
                        f"match the recorded checksum {checksum}"
                    )
                return content
        raise ContentStoreRejected(f"{remote_node_id} has no version {remote_version}")

    # -- holds --------------------------------------------------------------------

    def _holds_path(self, child_id: str) -> Path:
        return self._child_dir(child_id) / "holds.json"

    def _read_holds(self, child_id: str) -> dict[str, Any]:
        path = self._holds_path(child_id)
        if not path.exists():
            return {}
        holds: dict[str, Any] = _read_json(path)["holds"]
        return holds

    def _apply_hold(self, child_id: str, hold: LegalHold) -> None:
        # The file is opened if needed: a hold placed before the first document is
        # filed must still cover everything filed afterwards.
        self._ensure_child_file(child_id)
        holds = self._read_holds(child_id)
        if hold.key in holds:
            return
        holds[hold.key] = {"reason": hold.reason, "applied_at": _now()}
        _atomic_write_json(self._holds_path(child_id), {"holds": holds})

    def _hold_document(self, place: DocumentPlace, hold: LegalHold) -> bool:
        def put_on(holds: dict[str, Any]) -> bool:
            if hold.key in holds:
                return False
            holds[hold.key] = {"reason": hold.reason, "applied_at": _now()}
            return True

        return self._change_document_holds(place, put_on)

    def _release_document(self, place: DocumentPlace, hold_key: str) -> bool:
        return self._change_document_holds(
            place, lambda holds: holds.pop(hold_key, None) is not None
        )

    def _change_document_holds(
        self, place: DocumentPlace, change: Callable[[dict[str, Any]], bool]
    ) -> bool:
        """Change the holds on the document filed at `place` (written only if `change`
        says it changed them); False when nothing is filed there."""
        if place.folder_key not in self._plan_keys:
            raise ContentStoreRejected(f"no subfolder {place.folder_key!r} in the file plan")
        path = self._document_path(place)
        if not path.exists():
            return False
        record = _read_json(path)
        if change(record.setdefault("holds", {})):
            _atomic_write_json(path, record)
        return True

    def _lift_hold(self, child_id: str, hold_key: str) -> None:
        holds = self._read_holds(child_id)
        if hold_key not in holds:
            return
        del holds[hold_key]
        _atomic_write_json(self._holds_path(child_id), {"holds": holds})


def blob_paths(root: Path) -> Iterator[Path]:
    """The blobs under a `sha256/ab/cd/abcd...` tree, in order, one directory in memory at
    a time (a county's documents are millions of files)."""

    for first in _entries(root):
        for second in _entries(first):
            for path in _entries(second):
                if _is_checksum(path.name):
                    yield path


def _entries(directory: Path) -> list[Path]:
    # Temporary files (`.name.uuid.tmp`) and the marker and lock start with a dot.
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.iterdir() if not path.name.startswith("."))


def _is_checksum(value: str) -> bool:
    return len(value) == 64 and all(character in "0123456789abcdef" for character in value)


def _checksum(value: str) -> str:
    if not _is_checksum(value):
        raise ContentStoreRejected(f"{value!r} is not a SHA-256 checksum")
    return value


def _component(value: str, what: str) -> str:
    """Turn an id into one safe path component, reversibly (percent-encoding)."""
    if value in {"", ".", ".."}:
        raise ContentStoreRejected(f"{what} {value!r} cannot name a folder")
    encoded = quote(value, safe="")
    if encoded in {".", ".."} or len(encoded) > _MAX_COMPONENT:
        raise ContentStoreRejected(f"{what} {value!r} cannot name a folder")
    return encoded


def _is_canonical_component(part: str) -> bool:
    # Ids coming back from callers are checked to be exactly what `_component`
    # produces, so a crafted id cannot walk out of the tree.
    return part not in {"", ".", ".."} and quote(unquote(part), safe="") == part


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_bytes())
    except ValueError as error:
        raise ContentIntegrityError(f"{path} is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise ContentIntegrityError(f"{path} does not hold a JSON object")
    return data


def _atomic_write_json(path: Path, data: dict[str, Any]) -> None:
    _atomic_write(path, json.dumps(data, indent=2, sort_keys=True).encode("utf-8"))


def _atomic_write(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    # The rename is durable only once the directory entry itself is on disk.
    _fsync_directory(path.parent)


def _make_dirs(path: Path) -> None:
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):
            directory.mkdir()
        _fsync_directory(directory.parent)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
