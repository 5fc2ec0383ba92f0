"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from auth.capabilities import access_scope
from resolvers.loaders import Loaders

if TYPE_CHECKING:
    from starlette.requests import Request

    from auth.principal import Principal
    from graph import GraphStore
    from graph.cypher.access import AccessScope
    from workflow.calendar import WorkingDayCalendar


@dataclass
class HubContext:
    """Who is asking, the store, and the request's loaders (bound to the caller's scope)."""

    request: Request
    principal: Principal
    store: GraphStore
    calendar: WorkingDayCalendar
    scope: AccessScope = field(init=False)
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.scope = access_scope(self.principal)
        self.loaders = Loaders(self.store, self.scope)
