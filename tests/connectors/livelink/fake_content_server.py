"""A fake OpenText Content Server for tests: the REST calls the hub makes, and faults.

It speaks the wire format of the real server as OpenText's pyxecm client and the
published REST reference describe it, so the adapter cannot pass against the fake
while being wrong about the real thing in the ways that matter to us:

* ``POST /api/v1/auth`` with form fields gives ``{"ticket": ...}``; tickets expire
  (on a clock the test moves), every authenticated reply carries a renewed ticket
  in the ``OTCSTicket`` header, and an expired or unknown ticket gets a 401.
* Writes are ``multipart/form-data`` or ``application/x-www-form-urlencoded``,
  with the fields flat or as JSON in a ``body`` field, as Content Server accepts.
* ``where_name`` is a case-insensitive *contains* match, names are unique within
  a folder, and a name with a colon is refused.
* Replies have the real shapes: ``results``/``data``/``properties`` for v2 nodes,
  ``data`` lists for v1 versions and node holds, ``results.data.holds`` for holds.

Faults: `fail_next` answers the next calls with an error status before doing
anything; `hang_next` waits before doing anything; `lose_next_responses` does the
work and then waits, as if the reply were lost on the way back; `endless_listing`
makes a folder's listing say another page follows, page after page.
"""

from __future__ import annotations

import email.message
import json
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

FOLDER = 0
DOCUMENT = 144
ENTERPRISE_WORKSPACE = 141

FAKE_USERNAME = "lcs-hub"
FAKE_PASSWORD = "s3cret"

Handler = Callable[[Request], Awaitable[Response]]


class FakeError(Exception):
    """Raised inside a handler to answer with an error status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class FakeVersion:
    version_number: int
    description: str
    file_name: str
    mime_type: str
    content: bytes
    create_date: str


@dataclass
class FakeNode:
    id: int
    parent_id: int
    name: str
    type: int
    description: str = ""
    create_date: str = "2024-01-01T00:00:00Z"
    versions: list[FakeVersion] = field(default_factory=list)
    categories: dict[int, dict[str, Any]] = field(default_factory=dict)
    holds: set[int] = field(default_factory=set)


@dataclass
class FakeHold:
    id: int
    name: str
    type: str
    comment: str
    date_applied: str


@dataclass
class _Fault:
    kind: str  # "fail", "hang" or "lose"
    value: float  # the status for "fail", seconds otherwise
    method: str | None
    path: str | None
    headers: dict[str, str] = field(default_factory=dict)
    message: str | None = None

    def matches(self, request: Request) -> bool:
        if self.method is not None and request.method != self.method:
            return False
        return self.path is None or request.url.path.endswith(self.path)


@dataclass(frozen=True)
class RecordedCall:
    method: str
    path: str
    ticket: str | None
    status: int


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


class FakeContentServer:
    """State plus a Starlette app serving it under `prefix` (like ``/otcs/cs.exe``)."""

    def __init__(
        self,
        *,
        username: str = FAKE_USERNAME,
        password: str = FAKE_PASSWORD,
        ticket_lifetime: float = 1800.0,
        prefix: str = "/otcs/cs.exe",
    ) -> None:
        self.username = username
        self.password = password
        self.ticket_lifetime = ticket_lifetime
        self.now = 0.0
        self.nodes: dict[int, FakeNode] = {
            2000: FakeNode(2000, -1, "Enterprise", ENTERPRISE_WORKSPACE),
        }
        self.hold_registry: dict[int, FakeHold] = {}
        self.category_definitions: dict[int, tuple[str, frozenset[int]]] = {}
        self.calls: list[RecordedCall] = []
        self.logins = 0
        self.issued_tickets: list[str] = []
        self._tickets: dict[str, float] = {}
        self._next_id = 10_000
        self._faults: list[_Fault] = []
        # Folder id -> the page up to which its listing says another page follows.
        self._endless_listings: dict[int, int] = {}
        api = [
            Route("/api/v1/auth", self._endpoint(self._auth, auth=False), methods=["POST"]),
            Route("/api/v2/nodes", self._endpoint(self._create_node), methods=["POST"]),
            Route("/api/v2/nodes/{node_id:int}", self._endpoint(self._get_node), methods=["GET"]),
            Route(
                "/api/v2/nodes/{node_id:int}/nodes",
                self._endpoint(self._list_children),
                methods=["GET"],
            ),
            Route(
                "/api/v2/nodes/{node_id:int}/versions",
                self._endpoint(self._add_version),
                methods=["POST"],
            ),
            Route(
                "/api/v1/nodes/{node_id:int}/versions",
                self._endpoint(self._list_versions),
                methods=["GET"],
            ),
            Route(
                "/api/v2/nodes/{node_id:int}/versions/{number:int}/content",
                self._endpoint(self._version_content),
                methods=["GET"],
            ),
            Route(
                "/api/v2/nodes/{node_id:int}/categories",
                self._endpoint(self._categories),
                methods=["GET", "POST"],
            ),
            Route(
                "/api/v2/nodes/{node_id:int}/categories/{category_id:int}",
                self._endpoint(self._update_category),
                methods=["PUT"],
            ),
            Route("/api/v2/holds", self._endpoint(self._list_holds), methods=["GET"]),
            Route("/api/v1/holds", self._endpoint(self._create_hold), methods=["POST"]),
            Route(
                "/api/v1/nodes/{node_id:int}/holds",
                self._endpoint(self._node_holds),
                methods=["GET", "POST"],
            ),
            Route(
                "/api/v1/nodes/{node_id:int}/holds/{hold_id:int}",
                self._endpoint(self._remove_hold),
                methods=["DELETE"],
            ),
        ]
        self.app = Starlette(routes=[Mount(prefix, routes=api)])

    # -- set-up and inspection for tests -------------------------------------------

    def add_folder(self, parent_id: int, name: str) -> int:
        return self._add_node(parent_id, name, FOLDER, "").id

    def define_category(self, category_id: int, name: str, attribute_ids: Iterable[int]) -> None:
        self.category_definitions[category_id] = (name, frozenset(attribute_ids))

    def node(self, node_id: int) -> FakeNode:
        return self.nodes[node_id]

    def children(self, parent_id: int) -> list[FakeNode]:
        return [node for node in self.nodes.values() if node.parent_id == parent_id]

    def child_named(self, parent_id: int, name: str) -> FakeNode:
        matches = [node for node in self.children(parent_id) if node.name == name]
        assert len(matches) == 1, f"{len(matches)} nodes named {name!r} under {parent_id}"
        return matches[0]

    def advance_clock(self, seconds: float) -> None:
        self.now += seconds

    def revoke_tickets(self) -> None:
        """Forget every ticket, as a Content Server restart does."""
        self._tickets.clear()

    def fail_next(
        self,
        count: int,
        status: int = 500,
        *,
        method: str | None = None,
        path: str | None = None,
        headers: dict[str, str] | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next `count` matching calls with `status` (and `headers`, e.g. a
        ``Retry-After``; `message`, the server's own error text), doing nothing else."""
        self._add_faults("fail", float(status), count, method, path, headers, message)

    def hang_next(
        self, count: int, seconds: float, *, method: str | None = None, path: str | None = None
    ) -> None:
        """Wait `seconds` before handling the next `count` matching calls."""
        self._add_faults("hang", seconds, count, method, path)

    def lose_next_responses(
        self, count: int, seconds: float, *, method: str | None = None, path: str | None = None
    ) -> None:
        """Handle the next `count` matching calls, then wait `seconds` before replying."""
        self._add_faults("lose", seconds, count, method, path)

    def endless_listing(self, folder_id: int, pages: int = 10_000) -> None:
        """Make each page of `folder_id`'s listing up to `pages` say that another page
        follows, as a server whose paging never ends (or a folder filled faster than it
        is read) does. Bounded, so that a client that never stops still ends its test."""
        self._endless_listings[folder_id] = pages

    def clear_faults(self) -> None:
        """Forget every fault not yet used: the server is healthy again."""
        self._faults.clear()
        self._endless_listings.clear()

    def documents(self) -> list[FakeNode]:
        """Every document node on the server."""
        return [node for node in self.nodes.values() if node.type == DOCUMENT]

    def _add_faults(
        self,
        kind: str,
        value: float,
        count: int,
        method: str | None,
        path: str | None,
        headers: dict[str, str] | None = None,
        message: str | None = None,
    ) -> None:
        self._faults.extend(
            _Fault(kind, value, method, path, dict(headers or {}), message) for _ in range(count)
        )

    def _take_fault(self, kind: str, request: Request) -> _Fault | None:
        for index, fault in enumerate(self._faults):
            if fault.kind == kind and fault.matches(request):
                return self._faults.pop(index)
        return None

    def delete_node(self, node_id: int) -> None:
        """Delete a node and everything under it, as a records officer might."""
        for child in self.children(node_id):
            self.delete_node(child.id)
        del self.nodes[node_id]

    def calls_to(self, method: str, path_suffix: str) -> list[RecordedCall]:
        return [
            call for call in self.calls if call.method == method and call.path.endswith(path_suffix)
        ]

    # -- the request pipeline -------------------------------------------------------

    def _endpoint(self, handler: Handler, *, auth: bool = True) -> Handler:
        async def endpoint(request: Request) -> Response:
            ticket = request.headers.get("OTCSTicket")
            response = await self._respond(request, handler, auth=auth, ticket=ticket)
            self.calls.append(
                RecordedCall(request.method, request.url.path, ticket, response.status_code)
            )
            loss = self._take_fault("lose", request) if response.status_code < 400 else None
            if loss is not None:
                # The work is done and recorded; the reply does not arrive in time.
                await anyio.sleep(loss.value)
            return response

        return endpoint

    async def _respond(
        self, request: Request, handler: Handler, *, auth: bool, ticket: str | None
    ) -> Response:
        failure = self._take_fault("fail", request)
        if failure is not None:
            status = int(failure.value)
            return JSONResponse(
                {"error": failure.message or f"Injected failure {status}"},
                status_code=status,
                headers=failure.headers,
            )
        hang = self._take_fault("hang", request)
        if hang is not None:
            await anyio.sleep(hang.value)
        if auth and not self._ticket_valid(ticket):
            return JSONResponse(
                {"error": "Session has expired - please login again."}, status_code=401
            )
        try:
            response = await handler(request)
        except FakeError as error:
            return JSONResponse({"error": error.message}, status_code=error.status)
        if auth:
            response.headers["OTCSTicket"] = self._issue_ticket()
        return response

    def _ticket_valid(self, ticket: str | None) -> bool:
        return ticket is not None and self._tickets.get(ticket, -1.0) > self.now

    def _issue_ticket(self) -> str:
        ticket = secrets.token_urlsafe(24)
        self._tickets[ticket] = self.now + self.ticket_lifetime
        self.issued_tickets.append(ticket)
        return ticket

    # -- authentication ---------------------------------------------------------------

    async def _auth(self, request: Request) -> Response:
        fields, _ = await _read_form(request)
        if fields.get("username") != self.username or fields.get("password") != self.password:
            raise FakeError(401, "Invalid username/password specified.")
        self.logins += 1
        return JSONResponse({"ticket": self._issue_ticket()})

    # -- nodes --------------------------------------------------------------------------

    def _node_or_404(self, node_id: int) -> FakeNode:
        node = self.nodes.get(node_id)
        if node is None:
            raise FakeError(404, f"Could not get node with ID {node_id}.")
        return node

    def _add_node(self, parent_id: int, name: str, node_type: int, description: str) -> FakeNode:
        parent = self._node_or_404(parent_id)
        if parent.type not in (FOLDER, ENTERPRISE_WORKSPACE):
            raise FakeError(400, f"Node {parent_id} is not a container.")
        if not name or ":" in name or len(name) > 248:
            raise FakeError(400, f"The name {name!r} is not valid.")
        if any(child.name == name for child in self.children(parent_id)):
            raise FakeError(400, f"An item with the name '{name}' already exists.")
        self._next_id += 1
        node = FakeNode(self._next_id, parent_id, name, node_type, description)
        self.nodes[node.id] = node
        return node

    def _properties(self, node: FakeNode) -> dict[str, Any]:
        latest = node.versions[-1] if node.versions else None
        return {
            "id": node.id,
            "parent_id": node.parent_id,
            "name": node.name,
            "type": node.type,
            "type_name": {FOLDER: "Folder", DOCUMENT: "Document"}.get(node.type, "Workspace"),
            "description": node.description,
            "create_date": node.create_date,
            "modify_date": latest.create_date if latest else node.create_date,
            "container": node.type != DOCUMENT,
            "size": len(latest.content) if latest else 0,
            "mime_type": latest.mime_type if latest else None,
        }

    async def _get_node(self, request: Request) -> Response:
        node = self._node_or_404(request.path_params["node_id"])
        return JSONResponse(
            {"links": {}, "results": {"data": {"properties": self._properties(node)}}}
        )

    async def _list_children(self, request: Request) -> Response:
        parent = self._node_or_404(request.path_params["node_id"])
        wanted = request.query_params.get("where_name")
        limit = int(request.query_params.get("limit", "25"))
        page = int(request.query_params.get("page", "1"))
        children = sorted(self.children(parent.id), key=lambda node: node.name)
        if wanted is not None:
            children = [node for node in children if wanted.lower() in node.name.lower()]
        page_total = max(1, -(-len(children) // limit))
        if page < self._endless_listings.get(parent.id, 0):
            page_total = page + 1
        shown = children[(page - 1) * limit : page * limit]
        return JSONResponse(
            {
                "collection": {
                    "paging": {
                        "limit": limit,
                        "page": page,
                        "page_total": page_total,
                        "range_min": (page - 1) * limit + 1,
                        "range_max": (page - 1) * limit + len(shown),
                        "total_count": len(children),
                    },
                    "sorting": {"sort": [{"key": "name", "value": "asc"}]},
                },
                "links": {},
                "results": [{"data": {"properties": self._properties(node)}} for node in shown],
            }
        )

    async def _create_node(self, request: Request) -> Response:
        fields, files = await _read_form(request)
        try:
            node_type = int(fields["type"])
            parent_id = int(fields["parent_id"])
            name = str(fields["name"])
        except (KeyError, ValueError) as error:
            raise FakeError(400, f"Missing or invalid parameter: {error}") from error
        if node_type not in (FOLDER, DOCUMENT):
            raise FakeError(400, f"Type {node_type} cannot be created here.")
        upload = files.get("file")
        if node_type == DOCUMENT and upload is None:
            raise FakeError(400, "A document needs a file.")
        node = self._add_node(parent_id, name, node_type, str(fields.get("description", "")))
        if upload is not None and node_type == DOCUMENT:
            node.versions.append(
                FakeVersion(
                    1, "", upload.filename, upload.content_type, upload.content, _date(self)
                )
            )
        return JSONResponse(
            {"links": {}, "results": {"data": {"properties": self._properties(node)}}}
        )

    # -- versions -----------------------------------------------------------------------

    def _document_or_error(self, node_id: int) -> FakeNode:
        node = self._node_or_404(node_id)
        if node.type != DOCUMENT:
            raise FakeError(400, f"Node {node_id} is not a document.")
        return node

    async def _add_version(self, request: Request) -> Response:
        node = self._document_or_error(request.path_params["node_id"])
        fields, files = await _read_form(request)
        upload = files.get("file")
        if upload is None:
            raise FakeError(400, "A version needs a file.")
        version = FakeVersion(
            len(node.versions) + 1,
            str(fields.get("description", "")),
            upload.filename,
            upload.content_type,
            upload.content,
            _date(self),
        )
        node.versions.append(version)
        return JSONResponse(
            {"links": {}, "results": {"data": {"properties": self._properties(node)}}}
        )

    async def _list_versions(self, request: Request) -> Response:
        node = self._document_or_error(request.path_params["node_id"])
        return JSONResponse(
            {
                "data": [
                    {
                        "id": node.id,
                        "version_id": node.id * 1000 + version.version_number,
                        "version_number": version.version_number,
                        "description": version.description,
                        "file_name": version.file_name,
                        "file_size": len(version.content),
                        "mime_type": version.mime_type,
                        "create_date": version.create_date,
                    }
                    for version in node.versions
                ],
                "definitions": {},
            }
        )

    async def _version_content(self, request: Request) -> Response:
        node = self._document_or_error(request.path_params["node_id"])
        number = request.path_params["number"]
        if not 1 <= number <= len(node.versions):
            raise FakeError(404, f"Version {number} of node {node.id} does not exist.")
        version = node.versions[number - 1]
        return Response(
            version.content,
            media_type=version.mime_type,
            headers={"Content-Disposition": f'attachment; filename="{version.file_name}"'},
        )

    # -- categories -----------------------------------------------------------------------

    def _checked_values(self, category_id: int, fields: dict[str, Any]) -> dict[str, Any]:
        definition = self.category_definitions.get(category_id)
        if definition is None:
            raise FakeError(400, f"Category {category_id} does not exist.")
        values: dict[str, Any] = {}
        for key, value in fields.items():
            if key == "category_id":
                continue
            category, _, attribute = key.partition("_")
            if category != str(category_id) or not attribute.isdigit():
                raise FakeError(400, f"{key} is not an attribute of category {category_id}.")
            if int(attribute) not in definition[1]:
                raise FakeError(400, f"Attribute {key} does not exist.")
            values[key] = value
        return values

    async def _categories(self, request: Request) -> Response:
        node = self._node_or_404(request.path_params["node_id"])
        if request.method == "GET":
            return JSONResponse(
                {
                    "links": {},
                    "results": [
                        {
                            "data": {"categories": dict(values)},
                            "metadata": {
                                "categories": {
                                    str(category_id): {
                                        "name": self.category_definitions[category_id][0]
                                    }
                                }
                            },
                        }
                        for category_id, values in node.categories.items()
                    ],
                }
            )
        fields, _ = await _read_form(request)
        try:
            category_id = int(fields["category_id"])
        except (KeyError, ValueError) as error:
            raise FakeError(400, "category_id is required.") from error
        if category_id in node.categories:
            raise FakeError(400, f"Category {category_id} is already applied.")
        node.categories[category_id] = self._checked_values(category_id, fields)
        return JSONResponse({"links": {}, "results": [{"data": {}}]})

    async def _update_category(self, request: Request) -> Response:
        node = self._node_or_404(request.path_params["node_id"])
        category_id = request.path_params["category_id"]
        if category_id not in node.categories:
            raise FakeError(404, f"Category {category_id} is not applied to node {node.id}.")
        fields, _ = await _read_form(request)
        node.categories[category_id].update(self._checked_values(category_id, fields))
        return JSONResponse({"links": {}, "results": [{"data": {}}]})

    # -- holds ------------------------------------------------------------------------------

    async def _list_holds(self, request: Request) -> Response:
        return JSONResponse(
            {
                "collection": {"paging": {"total_count": len(self.hold_registry)}},
                "results": {
                    "data": {
                        "holds": [
                            {
                                "HoldID": hold.id,
                                "HoldName": hold.name,
                                "ActiveHold": 1,
                                "HoldType": hold.type,
                                "HoldComment": hold.comment,
                                "DateApplied": hold.date_applied,
                                "ParentID": 0,
                            }
                            for hold in self.hold_registry.values()
                        ]
                    }
                },
            }
        )

    async def _create_hold(self, request: Request) -> Response:
        fields, _ = await _read_form(request)
        for required in ("type", "name", "date_applied"):
            if not fields.get(required):
                raise FakeError(400, f"Missing required parameter '{required}'")
        name = str(fields["name"])
        if any(hold.name == name for hold in self.hold_registry.values()):
            raise FakeError(400, f"A hold named {name!r} already exists.")
        self._next_id += 1
        hold = FakeHold(
            self._next_id,
            name,
            str(fields["type"]),
            str(fields.get("comment", "")),
            str(fields["date_applied"]),
        )
        self.hold_registry[hold.id] = hold
        return JSONResponse({"holdID": hold.id})

    async def _node_holds(self, request: Request) -> Response:
        node = self._node_or_404(request.path_params["node_id"])
        if request.method == "GET":
            return JSONResponse(
                {
                    "data": [
                        {
                            "id": node.id,
                            "name": node.name,
                            "hold_id": hold_id,
                            "hold_name": self.hold_registry[hold_id].name,
                            "hold_type": self.hold_registry[hold_id].type,
                            "hold_comment": self.hold_registry[hold_id].comment,
                            "active": True,
                            "applied_by": self.username,
                            "removable": True,
                        }
                        for hold_id in sorted(node.holds)
                    ],
                    "definitions": {},
                }
            )
        fields, _ = await _read_form(request)
        try:
            hold_id = int(fields["hold_id"])
        except (KeyError, ValueError) as error:
            raise FakeError(400, "Missing LLPARAMS_LIST") from error
        if hold_id not in self.hold_registry:
            raise FakeError(400, f"Hold {hold_id} does not exist.")
        if hold_id in node.holds:
            raise FakeError(400, "Object already has this Hold")
        node.holds.add(hold_id)
        return JSONResponse({})

    async def _remove_hold(self, request: Request) -> Response:
        node = self._node_or_404(request.path_params["node_id"])
        hold_id = request.path_params["hold_id"]
        if hold_id not in node.holds:
            raise FakeError(400, "Object does not have this Hold")
        node.holds.discard(hold_id)
        return JSONResponse({})


def _date(server: FakeContentServer) -> str:
    return f"2024-01-01T00:00:{int(server.now) % 60:02d}Z"


async def _read_form(request: Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Parse a form the way Content Server does: flat fields, or JSON in ``body``."""
    content_type = request.headers.get("content-type", "")
    raw = await request.body()
    fields: dict[str, Any] = {}
    files: dict[str, Upload] = {}
    if content_type.startswith("multipart/form-data"):
        for name, filename, part_type, content in _multipart_parts(raw, content_type):
            if filename is None:
                fields[name] = content.decode("utf-8")
            else:
                files[name] = Upload(filename, part_type, content)
    elif content_type.startswith("application/x-www-form-urlencoded"):
        fields.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    elif raw:
        raise FakeError(415, f"Unsupported content type {content_type!r}.")
    body = fields.pop("body", None)
    if body is not None:
        try:
            decoded = json.loads(body)
        except ValueError as error:
            raise FakeError(400, "body is not valid JSON.") from error
        if not isinstance(decoded, dict):
            raise FakeError(400, "body must be a JSON object.")
        fields.update(decoded)
    return fields, files


def _param(header_value: str, param: str) -> str | None:
    """Read one parameter (``boundary``, ``name``, ``filename``) of a MIME header value."""
    message = email.message.Message()
    message["x-header"] = header_value
    value = message.get_param(param, header="x-header")
    return value if isinstance(value, str) else None


def _multipart_parts(raw: bytes, content_type: str) -> Iterable[tuple[str, str | None, str, bytes]]:
    """Split a multipart/form-data body into (name, filename, content type, bytes).

    Written out rather than borrowed: the exact bytes of each part must survive,
    since the tests compare checksums of what was uploaded.
    """
    boundary = _param(content_type, "boundary")
    if not boundary:
        raise FakeError(400, "multipart body without a boundary")
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    sections = (b"\r\n" + raw).split(delimiter)
    for section in sections[1:]:
        if section.startswith(b"--"):
            return
        head, separator, content = section.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not separator:
            raise FakeError(400, "malformed multipart part")
        headers: dict[str, str] = {}
        for line in head.decode("latin-1").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = _param(disposition, "name")
        if name is None:
            raise FakeError(400, "multipart part without a name")
        yield (
            name,
            _param(disposition, "filename"),
            headers.get("content-type", "application/octet-stream"),
            content,
        )
    raise FakeError(400, "multipart body without a closing boundary")
