"""The caller as the hub sees them."""

from __future__ import annotations

import strawberry

from auth.principal import Principal


@strawberry.type(description="The verified caller of this request")
class Me:
    id: strawberry.ID
    name: str
    role: str
    audience: str
    agency_id: strawberry.ID
    team_id: strawberry.ID | None
    purpose: str | None

    @classmethod
    def of(cls, principal: Principal) -> Me:
        return cls(
            id=strawberry.ID(principal.subject),
            name=principal.name,
            role=principal.role,
            audience=principal.audience.value,
            agency_id=strawberry.ID(principal.agency_id),
            team_id=strawberry.ID(principal.team_id) if principal.team_id else None,
            purpose=principal.purpose,
        )
