"""The content store port: where a child's Livelink file and its documents live.

The graph-side outbox delivers to whichever store is configured (the embedded
directory tree, or OpenText Content Server). Both adapters promise the same
things, and the outbox relies on each of them:

* opening a child's file is idempotent and returns the remote ids of the file and
  of every subfolder in the file plan;
* filing a document version is idempotent *by delivery key* (the outbox item id):
  a delivery that is retried after a lost response never makes a second version;
* the bytes filed are exactly the bytes rendered: the checksum is verified before
  sending and again when the bytes are read back;
* a document filed is held (a Records Management hold on the document alone) on
  request, idempotently, and released so: how a document found misfiled is marked in
  the store, and unmarked once the record it was made of is found to stand after all;
* errors say whether retrying can help (`ContentStoreUnavailable`) or never will
  (`ContentStoreRejected`, which the outbox treats as poison).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from connectors.livelink.delivery_port import DeliveryRejected, DeliveryUnavailable

__all__ = [
    "MISFILED_HOLD",
    "ChildFile",
    "ContentIntegrityError",
    "ContentStore",
    "ContentStoreError",
    "ContentStoreRejected",
    "ContentStoreUnavailable",
    "DocumentDelivery",
    "DocumentPlace",
    "FiledDocument",
    "LegalHold",
    "os_error_text",
    "sha256_hex",
]

# Outbox item ids are UUIDs or similar. The key is written into remote metadata and
# parsed back from version descriptions, so it must not contain separators.
_DELIVERY_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class ContentStoreError(Exception):
    """Base of every error a content store raises."""


class ContentStoreUnavailable(ContentStoreError, DeliveryUnavailable):
    """The store cannot be used now (down, timed out, disk missing); retry later.

    Store-wide problems such as refused credentials are reported this way too:
    every delivery would fail, and none of them is at fault.

    Attributes:
        retry_after_seconds: how long the store asked us to wait before calling again
            (an HTTP ``Retry-After``), or None when it did not say.
    """


class ContentStoreRejected(ContentStoreError, DeliveryRejected):
    """The store refused this request and would refuse it again: poison, do not retry."""


class ContentIntegrityError(ContentStoreError):
    """Stored bytes no longer match the checksum recorded when they were filed."""


def os_error_text(error: OSError) -> str:
    """A disk error for an outbox item: its kind and number, never the file it names.

    The embedded store's paths are made of children's ids and documents' ids, and the
    error is kept on the item, where records officers and administrators read it.
    """
    if error.errno is None:
        return type(error).__name__
    return f"[Errno {error.errno}] {error.strerror or type(error).__name__}"


def sha256_hex(content: bytes) -> str:
    """Return the lowercase hex SHA-256 of `content`, the checksum every store records."""
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True, slots=True)
class DocumentPlace:
    """Where the versions of one hub document are filed: the child's file, the file plan
    subfolder, and the document (named by its file name and the hub's document id)."""

    child_id: str
    folder_key: str
    document_id: str
    filename: str


@dataclass(frozen=True, slots=True)
class DocumentDelivery:
    """One version of one generated document, to be filed in a child's Livelink file.

    Attributes:
        delivery_key: the outbox item id; filing is idempotent by this key.
        child_id: the LA child id; the child's file is named by it alone, because a
            name can change (adoption) and must not appear in folder names.
        folder_key: the file plan subfolder the template maps to.
        document_id: the hub's stable id of the logical document; versions of one
            document accumulate on one remote document.
        version: the hub's version number of the document (1-based).
        template_key: the form template it was rendered from.
        record_class: the retention record class of the document.
        filename: the file name records officers see (e.g. ``contact-record.pdf``).
        mime_type: the media type of `content`.
        content: the bytes to file.
        checksum_sha256: the SHA-256 recorded when the document was rendered.
    """

    delivery_key: str
    child_id: str
    folder_key: str
    document_id: str
    version: int
    template_key: str
    record_class: str
    filename: str
    mime_type: str
    content: bytes = field(repr=False)
    checksum_sha256: str

    def __post_init__(self) -> None:
        if not _DELIVERY_KEY.fullmatch(self.delivery_key):
            raise ValueError(
                "delivery_key must be 1-128 characters of letters, digits, '.', '_' or '-'"
            )
        if self.version < 1:
            raise ValueError("version must be 1 or more")
        if not _SHA256_HEX.fullmatch(self.checksum_sha256):
            raise ValueError("checksum_sha256 must be 64 lowercase hex characters")
        for name in (
            "child_id",
            "folder_key",
            "document_id",
            "template_key",
            "record_class",
            "filename",
            "mime_type",
        ):
            if not getattr(self, name).strip():
                raise ValueError(f"{name} must not be blank")

    @property
    def place(self) -> DocumentPlace:
        """Where this version is filed (every version of the document alike)."""
        return DocumentPlace(self.child_id, self.folder_key, self.document_id, self.filename)

    def verify_checksum(self) -> None:
        """Refuse to file bytes that are not the bytes that were rendered.

        Raises:
            ContentStoreRejected: the content does not match `checksum_sha256`;
                retrying the same delivery cannot fix that.
        """
        actual = sha256_hex(self.content)
        if actual != self.checksum_sha256:
            raise ContentStoreRejected(
                f"delivery {self.delivery_key}: content checksum {actual} does not match "
                f"the recorded checksum {self.checksum_sha256}"
            )


@dataclass(frozen=True, slots=True)
class ChildFile:
    """A child's file in the store: its remote id and the remote id of each subfolder."""

    child_id: str
    remote_id: str
    subfolders: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class FiledDocument:
    """Where a delivery ended up.

    Attributes:
        remote_node_id: the store's id of the document (all versions share it).
        remote_version: the store's version number of the filed version.
        checksum_sha256: the checksum of the filed bytes.
        already_filed: True when the delivery key had been filed before, i.e. this
            call was a retry and nothing new was written.
    """

    remote_node_id: str
    remote_version: int
    checksum_sha256: str
    already_filed: bool


@dataclass(frozen=True, slots=True)
class LegalHold:
    """A hold that blocks disposal of everything in a child's file.

    Attributes:
        key: the hold's stable name, shared by every file it is applied to
            (e.g. ``IICSA-2015`` or a litigation reference).
        reason: why the hold exists, recorded with it for the records officer.
    """

    key: str
    reason: str

    def __post_init__(self) -> None:
        if not self.key.strip():
            raise ValueError("a hold needs a key")
        if not self.reason.strip():
            raise ValueError("a hold needs a reason")


# The hold a document goes under once the record it was made of is withdrawn in the hub
# as recorded in error (on the wrong child, or twice). A hold, not a deletion or a move:
# the records officer reviews the breach and takes the document off the file, and until
# then nobody can dispose of or change it; one hold name gathers every such document
# into one list in Records Management. The reason names no person: the worker's own
# words (which may) stay in the hub, read with the case-notes capability.
MISFILED_HOLD = LegalHold(
    key="LCS-MISFILED",
    reason="Withdrawn in the LCS hub as recorded in error (on the wrong child, or twice): "
    "not this child's record. Review, then remove it from this child's file.",
)


class ContentStore(Protocol):
    """An EDRMS the outbox can deliver to; see the module docstring for the promises."""

    async def ping(self) -> None:
        """Check the store can take deliveries now.

        Raises:
            ContentStoreUnavailable: it cannot, with the reason.
        """
        ...

    async def ensure_child_file(self, child_id: str) -> ChildFile:
        """Open the child's file with every file plan subfolder, or find it if open."""
        ...

    async def put_document(self, delivery: DocumentDelivery) -> FiledDocument:
        """File one document version, exactly once per delivery key.

        The child's file and subfolder are opened first if needed, so a document
        delivered before its "open file" item still lands in the right place.
        """
        ...

    async def fetch_document(self, remote_node_id: str, remote_version: int) -> bytes:
        """Read back a filed version, verified against its recorded checksum.

        Raises:
            ContentIntegrityError: the stored bytes do not match the checksum.
            ContentStoreRejected: there is no such document or version.
        """
        ...

    async def apply_hold(self, child_id: str, hold: LegalHold) -> None:
        """Put the child's file under `hold` (idempotent)."""
        ...

    async def lift_hold(self, child_id: str, hold_key: str) -> None:
        """Take `hold_key` off the child's file (a no-op if it is not applied)."""
        ...

    async def holds(self, child_id: str) -> frozenset[str]:
        """Return the keys of the holds applied to the child's file."""
        ...

    async def hold_document(self, place: DocumentPlace, hold: LegalHold) -> bool:
        """Put the document filed at `place` under `hold` (idempotent).

        Returns:
            False when nothing is filed there yet (nothing was held).
        """
        ...

    async def release_document(self, place: DocumentPlace, hold_key: str) -> bool:
        """Take `hold_key` off the document filed at `place` (a no-op if it is not on it).

        Returns:
            False when nothing is filed there (a records officer may have taken it off
            the file).
        """
        ...

    async def aclose(self) -> None:
        """Release connections or other resources."""
        ...
