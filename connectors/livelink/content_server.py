"""OpenText Content Server (Livelink) over its REST API, as a `ContentStore`.

The calls are the ones OpenText's own Python client, pyxecm, makes:

* ``POST /api/v1/auth`` (form ``username``, ``password``) gives ``{"ticket": ...}``.
  Every call carries the ticket in the ``OTCSTicket`` header; every response may
  carry a renewed one in the same header, which replaces ours. A 401 means the
  ticket expired (or the server restarted): we authenticate again, once, and
  repeat the call.
* Folders and documents are nodes: ``GET /api/v2/nodes/{id}/nodes?where_name=``
  to find a child by name (a *contains* match, so we compare names exactly), and
  ``POST /api/v2/nodes`` as ``multipart/form-data`` with a ``body`` field holding
  JSON (type 0 folder, type 144 document with a ``file`` part).
* New versions: ``POST /api/v2/nodes/{id}/versions`` with ``file`` and
  ``description``; version metadata: ``GET /api/v1/nodes/{id}/versions``; bytes:
  ``GET /api/v2/nodes/{id}/versions/{n}/content``.
* Categories (our metadata): ``GET``/``POST /api/v2/nodes/{id}/categories`` and
  ``PUT /api/v2/nodes/{id}/categories/{category_id}``, values keyed
  ``{category_id}_{attribute_id}``. Categories and attributes are defined by a
  Content Server administrator; their ids are configuration.
* Records Management holds: ``GET /api/v2/holds``, ``POST /api/v1/holds``, and
  ``GET``/``POST /api/v1/nodes/{id}/holds``, ``DELETE /api/v1/nodes/{id}/holds/{hold_id}``.

Idempotency: each version we file carries a marker with the delivery key and the
checksum (the node description for the first version, the version description
for later ones). Before uploading we look for the marker, so a retry after a lost
response finds the version it already made instead of adding another.

Errors: timeouts, connection failures, 5xx, 408 and 429 raise
`ContentStoreUnavailable` (carrying the server's ``Retry-After``, if any, for the
outbox to honour); other 4xx raise `ContentStoreRejected`. Refused credentials are
"unavailable": they block every delivery and no delivery is at fault. An error names
the call and the HTTP status, never the server's own error text (which may repeat a
document's title or a name from the metadata): it is kept on the outbox item.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

import anyio
import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from connectors.livelink.backoff import retry_after_seconds
from connectors.livelink.bounded_reply import (
    CONTENT_SERVER_MOST_BYTES,
    ReplyTooLarge,
    send_bounded,
)
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
    sha256_hex,
)
from connectors.livelink.delivery_port import status_text
from connectors.livelink.file_plan import FILE_PLAN, FolderSpec
from workflow.calendar import today_in_england

__all__ = [
    "ContentServerCategory",
    "ContentServerSettings",
    "ContentServerStore",
    "ListingTooLong",
    "document_node_name",
    "retry_after_seconds",
]

FOLDER = 0
DOCUMENT = 144

# Content Server refuses longer item names and names with a colon (pyxecm's
# cleanse_item_name applies the same two rules).
_MAX_NAME = 248
# The children's files a client remembers (their folder ids), the least recently used
# forgotten first: one is found again by a listing, and a county has more children than
# a long-running worker should hold.
MOST_KNOWN_FILES = 10_000
_MARKER = re.compile(r"lcs-hub delivery=([A-Za-z0-9._-]+); sha256=([0-9a-f]{64})")
_LOCK_STRIPES = 64
_PAGE_SIZE = 100


class ContentServerCategory(BaseModel):
    """The Content Server category that carries the hub's metadata, and its attribute ids."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    category_id: int = Field(gt=0)
    child_id_attribute: int = Field(gt=0)
    record_class_attribute: int = Field(gt=0)
    template_key_attribute: int = Field(gt=0)
    document_version_attribute: int = Field(gt=0)
    delivery_key_attribute: int = Field(gt=0)
    checksum_attribute: int = Field(gt=0)

    def key(self, attribute_id: int) -> str:
        """The form key of one attribute, ``{category_id}_{attribute_id}``."""
        return f"{self.category_id}_{attribute_id}"


class ContentServerSettings(BaseModel):
    """How to reach Content Server and where the children's files live."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str = Field(
        description="the Content Server URL without /api, e.g. https://otcs.example/otcs/cs.exe"
    )
    username: str = Field(min_length=1)
    password: SecretStr
    root_folder_id: int = Field(gt=0, description="the folder that holds one folder per child")
    category: ContentServerCategory
    hold_type: str = Field(
        default="Legal", min_length=1, description="Records Management hold type for new holds"
    )
    timeout_seconds: float = Field(default=30.0, gt=0, description="deadline for each call")
    most_listing_pages: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description=f"pages of {_PAGE_SIZE} nodes one folder listing may read before giving up",
    )
    verify_tls: bool = True

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("base_url must be an http(s) URL")
        return value.rstrip("/")


def document_node_name(place: DocumentPlace) -> str:
    """The remote name of a document: its file name with the hub's document id.

    The id keeps two documents with the same file name (two contact records)
    apart; it goes before the extension, which Content Server uses for the type.
    """
    path = PurePosixPath(place.filename)
    return f"{path.stem} ({place.document_id}){path.suffix}"


class _NotFound(ContentStoreRejected):
    """A 404: the node, version or hold does not exist."""


class ListingTooLong(ContentStoreUnavailable):
    """A folder listing ran past `most_listing_pages`: what it holds is not known, so
    nothing is made in it. The server answered, so it is not an outage of the store:
    the delivery waits and is tried again, and other children's filing goes on."""

    destination_answered = True


class ContentServerStore:
    """A `ContentStore` backed by OpenText Content Server."""

    def __init__(
        self,
        settings: ContentServerSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        file_plan: Sequence[FolderSpec] = FILE_PLAN,
    ) -> None:
        """Create the client; nothing is sent until the first call.

        Args:
            settings: where Content Server is and how to log in.
            transport: an httpx transport to use instead of the network (tests).
            file_plan: the subfolders every child's file gets.
        """
        self._settings = settings
        self._plan = tuple(file_plan)
        self._client = httpx.AsyncClient(
            base_url=f"{settings.base_url}/api",
            timeout=settings.timeout_seconds,
            verify=settings.verify_tls,
            transport=transport,
            headers={"Accept": "application/json"},
        )
        self._ticket: str | None = None
        # Bumped by each login, so concurrent 401s lead to one login, not many.
        self._login_generation = 0
        self._auth_lock = anyio.Lock()
        # One lock per stripe of children: folder and document creation for one
        # child is check-then-create, which must not interleave with itself.
        self._child_locks = tuple(anyio.Lock() for _ in range(_LOCK_STRIPES))
        self._files = _KnownFiles()

    async def __aenter__(self) -> ContentServerStore:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- the port -----------------------------------------------------------------

    async def ping(self) -> None:
        try:
            await self._request("GET", f"/v2/nodes/{self._settings.root_folder_id}")
        except ContentStoreUnavailable:
            raise
        except ContentStoreError as error:
            raise ContentStoreUnavailable(
                f"Content Server root folder {self._settings.root_folder_id}: {error}"
            ) from error

    async def ensure_child_file(self, child_id: str) -> ChildFile:
        cached = self._files.get(child_id)
        if cached is not None:
            return cached
        async with self._lock_for(child_id):
            return await self._ensure_child_file_locked(child_id)

    async def put_document(self, delivery: DocumentDelivery) -> FiledDocument:
        delivery.verify_checksum()
        name = _checked_name(document_node_name(delivery.place), "document name")
        async with self._lock_for(delivery.child_id):
            child_file = await self._ensure_child_file_locked(delivery.child_id)
            folder_id = child_file.subfolders.get(delivery.folder_key)
            if folder_id is None:
                raise ContentStoreRejected(
                    f"delivery {delivery.delivery_key}: no subfolder "
                    f"{delivery.folder_key!r} in the file plan"
                )
            try:
                filed = await self._file_version(int(folder_id), name, delivery)
            except _NotFound as error:
                # The folder we remembered has gone (moved or deleted by a records
                # officer): forget it, so the retry finds or re-creates it.
                self._files.pop(delivery.child_id, None)
                raise ContentStoreUnavailable(
                    f"delivery {delivery.delivery_key}: a folder or document of the child's "
                    f"file has gone: {error}"
                ) from error
            await self._apply_metadata(int(filed.remote_node_id), delivery)
            return filed

    async def fetch_document(self, remote_node_id: str, remote_version: int) -> bytes:
        node_id = _node_id(remote_node_id)
        node = _properties(await self._json("GET", f"/v2/nodes/{node_id}"))
        markers = await self._version_markers(node_id, node)
        if remote_version not in markers:
            raise ContentStoreRejected(
                f"node {node_id} has no version {remote_version} filed by the hub"
            )
        response = await self._request(
            "GET", f"/v2/nodes/{node_id}/versions/{remote_version}/content"
        )
        content = response.content
        expected = markers[remote_version][1]
        if sha256_hex(content) != expected:
            raise ContentIntegrityError(
                f"node {node_id} version {remote_version}: content does not match the "
                f"recorded checksum {expected}"
            )
        return content

    async def apply_hold(self, child_id: str, hold: LegalHold) -> None:
        hold_name = _checked_name(hold.key, "hold key")
        # The file is opened if needed: a hold placed before the first document is
        # filed must still cover everything filed afterwards.
        file_id = int((await self.ensure_child_file(child_id)).remote_id)
        await self._hold_node(child_id, file_id, hold_name, hold.reason)

    async def hold_document(self, place: DocumentPlace, hold: LegalHold) -> bool:
        hold_name = _checked_name(hold.key, "hold key")
        node_id = await self._filed_node(place)
        if node_id is None:
            return False
        await self._hold_node(place.child_id, node_id, hold_name, hold.reason)
        return True

    async def release_document(self, place: DocumentPlace, hold_key: str) -> bool:
        node_id = await self._filed_node(place)
        if node_id is None:
            return False
        await self._release_node(place.child_id, node_id, hold_key)
        return True

    async def _filed_node(self, place: DocumentPlace) -> int | None:
        """The node of the document filed at `place`, or None when nothing is."""
        name = _checked_name(document_node_name(place), "document name")
        # A child with no file has nothing filed: no file is opened to find nothing.
        if await self._existing_file_id(place.child_id) is None:
            return None
        child_file = await self.ensure_child_file(place.child_id)
        folder_id = child_file.subfolders.get(place.folder_key)
        if folder_id is None:
            raise ContentStoreRejected(f"no subfolder {place.folder_key!r} in the file plan")
        try:
            node = await self._find_child(int(folder_id), name)
        except _NotFound as error:
            # The folder we remembered has gone: forget it, so the retry finds it.
            self._files.pop(place.child_id, None)
            raise ContentStoreUnavailable(
                f"a folder of the child's file has gone: {error}"
            ) from error
        return None if node is None else int(node["id"])

    async def lift_hold(self, child_id: str, hold_key: str) -> None:
        file_id = await self._existing_file_id(child_id)
        if file_id is None:
            return
        await self._release_node(child_id, file_id, hold_key)

    async def _release_node(self, child_id: str, node_id: int, hold_key: str) -> None:
        hold_id = await self._find_hold(hold_key)
        if hold_id is None:
            return
        async with self._lock_for(child_id):
            if hold_id in await self._node_hold_ids(node_id):
                await self._request("DELETE", f"/v1/nodes/{node_id}/holds/{hold_id}")

    async def holds(self, child_id: str) -> frozenset[str]:
        file_id = await self._existing_file_id(child_id)
        if file_id is None:
            return frozenset()
        payload = await self._json("GET", f"/v1/nodes/{file_id}/holds")
        return frozenset(str(hold["hold_name"]) for hold in _list(payload, "data"))

    # -- folders ------------------------------------------------------------------

    def _lock_for(self, child_id: str) -> anyio.Lock:
        return self._child_locks[hash(child_id) % _LOCK_STRIPES]

    async def _ensure_child_file_locked(self, child_id: str) -> ChildFile:
        cached = self._files.get(child_id)
        if cached is not None:
            return cached
        # Named by the LA child id alone: names change (adoption) and must not
        # appear where anyone browsing the folder tree can read them.
        name = _checked_name(child_id, "child id")
        file_id = await self._ensure_folder(self._settings.root_folder_id, name)
        existing = {
            str(node["name"]): int(node["id"]) for node in await self._list_children(file_id)
        }
        subfolders: dict[str, str] = {}
        for folder in self._plan:
            folder_id = existing.get(folder.name)
            if folder_id is None:
                folder_id = await self._create_folder(file_id, folder.name)
            subfolders[folder.key] = str(folder_id)
        child_file = ChildFile(child_id=child_id, remote_id=str(file_id), subfolders=subfolders)
        self._files.put(child_id, child_file)
        return child_file

    async def _existing_file_id(self, child_id: str) -> int | None:
        cached = self._files.get(child_id)
        if cached is not None:
            return int(cached.remote_id)
        node = await self._find_child(
            self._settings.root_folder_id, _checked_name(child_id, "child id")
        )
        return None if node is None else int(node["id"])

    async def _ensure_folder(self, parent_id: int, name: str) -> int:
        node = await self._find_child(parent_id, name)
        if node is not None:
            return int(node["id"])
        return await self._create_folder(parent_id, name)

    async def _create_folder(self, parent_id: int, name: str) -> int:
        try:
            return await self._create_node({"type": FOLDER, "parent_id": parent_id, "name": name})
        except _NotFound:
            raise
        except ContentStoreRejected:
            # Another worker may have created it between our look and our create.
            node = await self._find_child(parent_id, name)
            if node is None:
                raise
            return int(node["id"])

    async def _find_child(self, parent_id: int, name: str) -> dict[str, Any] | None:
        # where_name matches on "contains": "C1" also finds "C10" (and, in a county's root
        # folder, thousands more), so pages are read only until the exact name is found.
        async for node in self._children(parent_id, where_name=name):
            if node["name"] == name:
                return node
        return None

    async def _list_children(self, parent_id: int) -> list[dict[str, Any]]:
        return [node async for node in self._children(parent_id)]

    async def _children(
        self, parent_id: int, *, where_name: str | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        # Pages are read for as long as the server says another follows, up to a cap: a
        # server whose paging never ends kept a delivery, and the lock on its child's
        # file, busy for ever. A listing cut short raises, retryable: read as "not
        # there", it would make the child's folder or document a second time.
        most_pages = self._settings.most_listing_pages
        page = 1
        while True:
            params: dict[str, str | int] = {"limit": _PAGE_SIZE, "page": page}
            if where_name is not None:
                params["where_name"] = where_name
            payload = await self._json("GET", f"/v2/nodes/{parent_id}/nodes", params=params)
            for item in _list(payload, "results"):
                yield _properties(item)
            paging = payload.get("collection", {}).get("paging", {})
            if page >= int(paging.get("page_total", 1)):
                return
            if page >= most_pages:
                raise ListingTooLong(
                    f"GET /v2/nodes/{parent_id}/nodes: the listing runs to more than "
                    f"{most_pages} pages of {_PAGE_SIZE}; nothing was filed (the folder "
                    "needs tidying, or LCS_HUB_CONTENT_SERVER_MOST_LISTING_PAGES raising)"
                )
            page += 1

    async def _create_node(
        self, body: Mapping[str, Any], file: tuple[str, bytes, str] | None = None
    ) -> int:
        # Content Server wants multipart/form-data with the node as JSON in "body".
        parts: list[tuple[str, tuple[str | None, bytes] | tuple[str, bytes, str]]] = [
            ("body", (None, json.dumps(body).encode("utf-8")))
        ]
        if file is not None:
            parts.append(("file", file))
        payload = await self._json("POST", "/v2/nodes", files=parts)
        return int(_properties(payload)["id"])

    # -- documents ----------------------------------------------------------------

    async def _file_version(
        self, folder_id: int, name: str, delivery: DocumentDelivery
    ) -> FiledDocument:
        marker = _marker(delivery)
        upload = (delivery.filename, delivery.content, delivery.mime_type)
        node = await self._find_child(folder_id, name)
        if node is None:
            try:
                node_id = await self._create_node(
                    {"type": DOCUMENT, "parent_id": folder_id, "name": name, "description": marker},
                    upload,
                )
            except _NotFound:
                raise
            except ContentStoreRejected:
                # A concurrent delivery of another version created it first.
                node = await self._find_child(folder_id, name)
                if node is None:
                    raise
            else:
                return FiledDocument(str(node_id), 1, delivery.checksum_sha256, False)
        node_id = int(node["id"])
        markers = await self._version_markers(node_id, node)
        found = _version_for(markers, delivery)
        if found is not None:
            return FiledDocument(str(node_id), found, delivery.checksum_sha256, True)
        await self._request(
            "POST",
            f"/v2/nodes/{node_id}/versions",
            data={"description": marker},
            files=[("file", upload)],
        )
        # The new version number is read back from the version list: it is what a
        # retry would see, and the POST reply's shape differs between releases.
        found = _version_for(await self._version_markers(node_id, node), delivery)
        if found is None:
            raise ContentStoreUnavailable(
                f"node {node_id}: the version just added for delivery "
                f"{delivery.delivery_key} is not listed"
            )
        return FiledDocument(str(node_id), found, delivery.checksum_sha256, False)

    async def _version_markers(
        self, node_id: int, node: Mapping[str, Any]
    ) -> dict[int, tuple[str, str]]:
        """Map version number to (delivery key, checksum) for versions the hub filed."""
        markers: dict[int, tuple[str, str]] = {}
        first = _MARKER.search(str(node.get("description") or ""))
        if first is not None:
            markers[1] = (first.group(1), first.group(2))
        payload = await self._json("GET", f"/v1/nodes/{node_id}/versions")
        for version in _list(payload, "data"):
            match = _MARKER.search(str(version.get("description") or ""))
            if match is not None:
                markers[int(version["version_number"])] = (match.group(1), match.group(2))
        return markers

    async def _apply_metadata(self, node_id: int, delivery: DocumentDelivery) -> None:
        category = self._settings.category
        values: dict[str, str | int] = {
            category.key(category.child_id_attribute): delivery.child_id,
            category.key(category.record_class_attribute): delivery.record_class,
            category.key(category.template_key_attribute): delivery.template_key,
            category.key(category.document_version_attribute): delivery.version,
            category.key(category.delivery_key_attribute): delivery.delivery_key,
            category.key(category.checksum_attribute): delivery.checksum_sha256,
        }
        current = await self._category_values(node_id)
        if current is None:
            body: dict[str, str | int] = {"category_id": category.category_id, **values}
            await self._request(
                "POST",
                f"/v2/nodes/{node_id}/categories",
                files=[("body", (None, json.dumps(body).encode("utf-8")))],
            )
            return
        filed_version = _as_int(current.get(category.key(category.document_version_attribute)))
        if filed_version is not None and filed_version > delivery.version:
            # A late retry of an older version must not overwrite newer metadata.
            return
        if all(str(current.get(key)) == str(value) for key, value in values.items()):
            return
        await self._request(
            "PUT",
            f"/v2/nodes/{node_id}/categories/{category.category_id}",
            files=[("body", (None, json.dumps(values).encode("utf-8")))],
        )

    async def _category_values(self, node_id: int) -> dict[str, Any] | None:
        prefix = f"{self._settings.category.category_id}_"
        payload = await self._json("GET", f"/v2/nodes/{node_id}/categories")
        for item in _list(payload, "results"):
            values = item.get("data", {}).get("categories", {})
            if isinstance(values, dict) and any(key.startswith(prefix) for key in values):
                return values
        return None

    # -- holds --------------------------------------------------------------------

    async def _hold_node(self, child_id: str, node_id: int, hold_name: str, reason: str) -> None:
        hold_id = await self._find_hold(hold_name)
        if hold_id is None:
            hold_id = await self._create_hold(hold_name, reason)
        async with self._lock_for(child_id):
            if hold_id in await self._node_hold_ids(node_id):
                return
            await self._request(
                "POST", f"/v1/nodes/{node_id}/holds", data={"hold_id": str(hold_id)}
            )

    async def _find_hold(self, name: str) -> int | None:
        payload = await self._json("GET", "/v2/holds")
        try:
            holds = payload["results"]["data"]["holds"]
        except (KeyError, TypeError) as error:
            raise ContentStoreUnavailable(f"unexpected holds listing: {error!r}") from error
        for hold in holds:
            if hold.get("HoldName") == name:
                return int(hold["HoldID"])
        return None

    async def _create_hold(self, name: str, reason: str) -> int:
        try:
            await self._request(
                "POST",
                "/v1/holds",
                data={
                    "type": self._settings.hold_type,
                    "name": name,
                    "comment": reason,
                    "date_applied": today_in_england().isoformat(),
                },
            )
        except _NotFound:
            raise
        except ContentStoreRejected:
            # Another worker may have created a hold of this name first.
            hold_id = await self._find_hold(name)
            if hold_id is None:
                raise
            return hold_id
        # Read back rather than trust the create reply, whose shape varies between
        # releases.
        hold_id = await self._find_hold(name)
        if hold_id is None:
            raise ContentStoreUnavailable(f"hold {name!r} not listed after creating it")
        return hold_id

    async def _node_hold_ids(self, node_id: int) -> set[int]:
        payload = await self._json("GET", f"/v1/nodes/{node_id}/holds")
        return {int(hold["hold_id"]) for hold in _list(payload, "data")}

    # -- HTTP ---------------------------------------------------------------------

    async def _json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        data: Mapping[str, str] | None = None,
        files: Any = None,
    ) -> dict[str, Any]:
        response = await self._request(method, path, params=params, data=data, files=files)
        try:
            payload = response.json()
        except ValueError as error:
            raise ContentStoreUnavailable(f"{method} {path}: response is not JSON") from error
        if not isinstance(payload, dict):
            raise ContentStoreUnavailable(f"{method} {path}: response is not a JSON object")
        return payload

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        data: Mapping[str, str] | None = None,
        files: Any = None,
    ) -> httpx.Response:
        ticket, generation = await self._current_ticket()
        response = await self._send(
            method, path, ticket=ticket, params=params, data=data, files=files
        )
        if response.status_code == 401:
            # The ticket expired or the server restarted: log in again, once.
            await self._log_in_again(generation)
            ticket, _ = await self._current_ticket()
            response = await self._send(
                method, path, ticket=ticket, params=params, data=data, files=files
            )
        _raise_for_status(response, method, path)
        return response

    async def _send(
        self,
        method: str,
        path: str,
        *,
        ticket: str | None,
        params: Mapping[str, str | int] | None = None,
        data: Mapping[str, str] | None = None,
        files: Any = None,
    ) -> httpx.Response:
        headers = {"OTCSTicket": ticket} if ticket is not None else {}
        try:
            # httpx's timeout bounds each read; the deadline bounds the whole call,
            # so a server that trickles bytes cannot hold a delivery forever.
            with anyio.fail_after(self._settings.timeout_seconds):
                request = self._client.build_request(
                    method, path, headers=headers, params=params, data=data, files=files
                )
                response = await send_bounded(self._client, request, CONTENT_SERVER_MOST_BYTES)
        except ReplyTooLarge as error:
            raise ContentStoreUnavailable(f"{method} {path}: {error}") from error
        except TimeoutError as error:
            raise ContentStoreUnavailable(
                f"{method} {path}: no answer within {self._settings.timeout_seconds} s"
            ) from error
        except httpx.TransportError as error:
            raise ContentStoreUnavailable(f"{method} {path}: {error!r}") from error
        renewed = response.headers.get("OTCSTicket")
        if renewed:
            # Content Server renews the ticket on each call; using the newest one
            # keeps the session alive past the first ticket's lifetime.
            self._ticket = renewed
        return response

    async def _current_ticket(self) -> tuple[str, int]:
        ticket = self._ticket
        if ticket is None:
            async with self._auth_lock:
                ticket = self._ticket if self._ticket is not None else await self._log_in()
        return ticket, self._login_generation

    async def _log_in_again(self, failed_generation: int) -> None:
        async with self._auth_lock:
            if self._login_generation == failed_generation:
                await self._log_in()

    async def _log_in(self) -> str:
        settings = self._settings
        response = await self._send(
            "POST",
            "/v1/auth",
            ticket=None,
            data={"username": settings.username, "password": settings.password.get_secret_value()},
        )
        if response.status_code in (400, 401, 403):
            raise ContentStoreUnavailable(
                f"Content Server refused the credentials of {settings.username!r} "
                f"(HTTP {response.status_code})"
            )
        _raise_for_status(response, "POST", "/v1/auth")
        try:
            ticket = response.json()["ticket"]
        except (ValueError, KeyError, TypeError) as error:
            raise ContentStoreUnavailable("authentication reply has no ticket") from error
        self._ticket = str(ticket)
        self._login_generation += 1
        return self._ticket


class _KnownFiles:
    """The children's files this client has found or made, `MOST_KNOWN_FILES` at most."""

    def __init__(self) -> None:
        self._files: OrderedDict[str, ChildFile] = OrderedDict()

    def get(self, child_id: str) -> ChildFile | None:
        found = self._files.get(child_id)
        if found is not None:
            self._files.move_to_end(child_id)
        return found

    def put(self, child_id: str, child_file: ChildFile) -> None:
        self._files[child_id] = child_file
        self._files.move_to_end(child_id)
        while len(self._files) > MOST_KNOWN_FILES:
            self._files.popitem(last=False)

    def pop(self, child_id: str, default: None = None) -> ChildFile | None:
        return self._files.pop(child_id, default)


def _raise_for_status(response: httpx.Response, method: str, path: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    # The status only: the server's own text may repeat a name it was sent or holds,
    # and this detail is kept on the outbox item (delivery_port.status_text).
    detail = f"{method} {path}: {status_text(status)}"
    if status == 401:
        raise ContentStoreUnavailable(f"{detail} (after logging in again)")
    if status in (408, 429) or status >= 500 or status < 400:
        raise ContentStoreUnavailable(
            detail,
            retry_after_seconds=retry_after_seconds(
                response.headers.get("Retry-After"), response.headers.get("Date")
            ),
        )
    if status == 404:
        raise _NotFound(detail)
    raise ContentStoreRejected(detail)


def _properties(item: Any) -> dict[str, Any]:
    """The node properties of a v2 node reply or list item."""
    try:
        data = item["results"]["data"] if "results" in item else item["data"]
        properties = data["properties"]
    except (KeyError, TypeError) as error:
        raise ContentStoreUnavailable(f"unexpected node reply: {error!r}") from error
    if not isinstance(properties, dict):
        raise ContentStoreUnavailable("unexpected node reply: properties is not an object")
    return properties


def _list(payload: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    items = payload.get(key)
    if not isinstance(items, list):
        raise ContentStoreUnavailable(f"unexpected reply: {key!r} is not a list")
    return items


def _marker(delivery: DocumentDelivery) -> str:
    return f"lcs-hub delivery={delivery.delivery_key}; sha256={delivery.checksum_sha256}"


def _version_for(markers: Mapping[int, tuple[str, str]], delivery: DocumentDelivery) -> int | None:
    for version, (key, checksum) in sorted(markers.items()):
        if key != delivery.delivery_key:
            continue
        if checksum != delivery.checksum_sha256:
            raise ContentStoreRejected(
                f"delivery key {delivery.delivery_key} was filed with different content "
                f"(sha256 {checksum})"
            )
        return version
    return None


def _checked_name(name: str, what: str) -> str:
    # Refused rather than cleaned: two ids that clean to the same name would share
    # a folder.
    if not name.strip() or name != name.strip() or ":" in name or len(name) > _MAX_NAME:
        raise ContentStoreRejected(
            f"{what} {name!r} cannot be a Content Server name "
            f"(no ':', no outer spaces, at most {_MAX_NAME} characters)"
        )
    return name


def _node_id(remote_node_id: str) -> int:
    try:
        return int(remote_node_id)
    except ValueError as error:
        raise ContentStoreRejected(f"{remote_node_id!r} is not a Content Server node id") from error


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
