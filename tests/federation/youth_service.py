"""A second subgraph for the gateway test: a youth service that extends the hub's `Child`.

It knows only children's ids (the hub's `@key`) and how many youth club sessions each
came to; everything else about a child comes from the hub through the gateway. It
records what the gateway sent it (the references it was asked to resolve and the headers
of each request), so the test can check what crossed the gateway and what did not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.federation import Schema
from strawberry.types import Info

SUBGRAPH_NAME = "youth-service"


@dataclass
class Seen:
    """What the youth service received from the gateway."""

    references: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class YouthServiceContext:
    sessions: dict[str, int]
    seen: Seen


@strawberry.federation.type(keys=["id"])
class Child:
    id: strawberry.ID

    @strawberry.field(description="Youth club sessions the child came to this term")
    def youth_club_sessions(self, info: Info[YouthServiceContext, None]) -> int:
        return info.context.sessions.get(str(self.id), 0)

    @classmethod
    def resolve_reference(cls, info: Info[YouthServiceContext, None], id: strawberry.ID) -> Child:
        info.context.seen.references.append(str(id))
        return cls(id=id)


@strawberry.type
class Query:
    @strawberry.field(description="Every child the youth service works with, by the hub's id")
    def youth_club_members(self, info: Info[YouthServiceContext, None]) -> list[Child | None]:
        return [Child(id=strawberry.ID(child_id)) for child_id in sorted(info.context.sessions)]


SCHEMA = Schema(query=Query, federation_version="2.9")


class YouthService(GraphQL[YouthServiceContext, None]):
    """The youth service's ASGI app over `sessions` (child id -> sessions)."""

    def __init__(self, sessions: dict[str, int]) -> None:
        super().__init__(SCHEMA, graphql_ide=None)
        self.sessions = sessions
        self.seen = Seen()

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> YouthServiceContext:
        self.seen.headers.append({name.lower(): value for name, value in request.headers.items()})
        return YouthServiceContext(self.sessions, self.seen)


def sdl() -> str:
    """The youth service's subgraph SDL, as composition reads it."""
    return SCHEMA.as_str()
