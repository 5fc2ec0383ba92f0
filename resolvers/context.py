"""The per-request context every resolver receives."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from auth.capabilities import access_scope
from resolvers.loaders import Loaders

if TYPE_CHECKING:
    from starlette.requests import Request

    from auth.principal import Principal
    from graph import GraphStore
    from graph.cypher.access import AccessScope
    from resolvers.returns import ReturnJobs
    from workflow.calendar import WorkingDayCalendar
    from workflow.school_days import SchoolCalendar


@dataclass
class HubContext:
    """Who is asking, the store, and the request's loaders (bound to the caller's scope)."""

    request: Request
    principal: Principal
    store: GraphStore
    calendar: WorkingDayCalendar
    # Records officers are told when a document has waited this long for Livelink.
    outbox_alert_after_seconds: float = 3600.0
    # The statutory return jobs the app runs in the background (resolvers/returns.py).
    return_jobs: ReturnJobs | None = None
    # Operation Encompass: the authority's school days, and the MASH team's id.
    school_calendar: SchoolCalendar | None = None
    mash_team: str | None = None
    # The front door team that takes contacts stepped up from EHM (connectors/ehm/step_up.py).
    step_up_team: str | None = None
    scope: AccessScope = field(init=False)
    loaders: Loaders = field(init=False)
    _area_loaders: dict[str, DataLoader[str, Any]] = field(init=False, default_factory=dict)
    # child id -> fields of that child the response carries; None when not auditing.
    accessed: dict[str, set[str]] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.scope = access_scope(self.principal)
        self.loaders = Loaders(self.store, self.scope)

    def loader(
        self, name: str, batch: Callable[[Sequence[str]], Awaitable[Sequence[Any]]]
    ) -> DataLoader[str, Any]:
        """This request's DataLoader called `name`, created from `batch` on first use.

        Each area of the schema keeps its loaders next to its types; the context only
        makes sure one request shares one loader per name, so batching works across
        every place in the query that asks for the same relationship.
        """
        if name not in self._area_loaders:
            self._area_loaders[name] = DataLoader(load_fn=batch)
        return self._area_loaders[name]
