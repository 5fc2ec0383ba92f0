"""Where the LCS keeps the bytes of every generated form: content-addressed, on local disk.

The guidance says generated forms *stay with the LCS record* and a copy is filed to
Livelink. This is the LCS side: the graph records each version's checksums, and the
bytes live here under their SHA-256 (``var/forms/sha256/ab/cd/abcd...``). The same
bytes are never written twice, a blob is never rewritten in place, and every read is
verified against the checksum it was asked for.

Bytes are written *before* the graph statement that records the version, so a version
can never point at missing content; a crash in between leaves an unreferenced blob,
which is harmless.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import anyio.to_thread

from connectors.livelink.content_store import ContentIntegrityError, os_error_text, sha256_hex
from connectors.livelink.embedded_store import _atomic_write, _make_dirs, blob_paths

__all__ = ["FormBytesMissing", "FormStore", "FormStoreUnavailable"]

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class FormBytesMissing(LookupError):
    """No bytes are stored under the checksum (never written, or disposed of)."""


class FormStoreUnavailable(OSError):
    """The form store cannot keep bytes now (its disk full or read-only, an I/O error).

    Nothing was recorded (bytes are written before the statement that records them);
    the request is answered 503 and may be made again once the store can write. An
    OSError still, so a command that reports disk errors (`lcs-hub import`) reports it.
    """


class FormStore:
    """A content-addressed blob store for rendered forms."""

    def __init__(self, root: Path) -> None:
        self._root = root

    @property
    def root(self) -> Path:
        return self._root

    async def put(self, content: bytes) -> str:
        """Keep `content` and return its SHA-256 (idempotent: same bytes, same blob).

        Raises:
            FormStoreUnavailable: the bytes could not be written (disk full, read-only).
        """
        checksum = sha256_hex(content)
        try:
            await anyio.to_thread.run_sync(lambda: self._put(content, checksum))
        except OSError as error:
            # Its number and kind only: the path is made of the document's checksum.
            raise FormStoreUnavailable(f"the LCS form store: {os_error_text(error)}") from error
        return checksum

    async def get(self, checksum: str) -> bytes:
        """Return the bytes stored under `checksum`, verified.

        Raises:
            FormBytesMissing: nothing is stored under it.
            ContentIntegrityError: the stored bytes no longer match it.
        """
        return await anyio.to_thread.run_sync(lambda: self._get(checksum))

    async def discard(self, checksums: list[str]) -> int:
        """Delete the blobs of disposed records; return how many were there."""
        return await anyio.to_thread.run_sync(lambda: self._discard(checksums))

    def checksums(self) -> Iterator[str]:
        """The checksum of every blob held, in a stable order (blocking; for backups)."""
        for path in blob_paths(self._root / "sha256"):
            yield path.name

    def read_blob(self, checksum: str) -> bytes:
        """The bytes under `checksum`, verified (blocking; for backups)."""
        return self._get(checksum)

    def _path(self, checksum: str) -> Path:
        # Checked so a crafted checksum can never name a path outside the store.
        if not _SHA256_HEX.fullmatch(checksum):
            raise FormBytesMissing(f"{checksum!r} is not a SHA-256 checksum")
        return self._root / "sha256" / checksum[:2] / checksum[2:4] / checksum

    def _put(self, content: bytes, checksum: str) -> None:
        path = self._path(checksum)
        if path.exists() and sha256_hex(path.read_bytes()) == checksum:
            return
        _make_dirs(path.parent)
        _atomic_write(path, content)

    def _get(self, checksum: str) -> bytes:
        path = self._path(checksum)
        if not path.exists():
            raise FormBytesMissing(f"no form bytes stored under {checksum}")
        content = path.read_bytes()
        if sha256_hex(content) != checksum:
            raise ContentIntegrityError(f"form bytes under {checksum} do not match the checksum")
        return content

    def _discard(self, checksums: list[str]) -> int:
        removed = 0
        for checksum in checksums:
            with contextlib.suppress(FileNotFoundError):
                self._path(checksum).unlink()
                removed += 1
        return removed
