"""Who is calling: the verified identity every resolver and policy check works from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

__all__ = [
    "INTERNAL_ROLES",
    "PARTNER_ROLES",
    "ROLE_AUDIENCE",
    "Audience",
    "InvalidToken",
    "Principal",
    "principal_from_claims",
]


class Audience(StrEnum):
    """Which schema a caller is served: the internal one or a partner agency's."""

    INTERNAL = "internal"
    POLICE = "police"
    HEALTH = "health"
    EDUCATION = "education"


class InvalidToken(Exception):
    """A bearer token that must not be trusted.

    `reason` is short, fixed text chosen by the hub (never the token or a claim value), so
    it is safe to write to logs.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


INTERNAL_ROLES: Final = frozenset(
    {
        "social_worker",
        "team_manager",
        "childrens_practitioner",
        "adult_worker",
        "support_officer",
        "performance_analyst",
        "records_officer",
        "system_administrator",
        # A system that sends records in (EHM, IES), not a person: it pushes and reads the
        # state of what it pushed, and sees no child's record.
        "system_client",
    }
)

PARTNER_ROLES: Final = frozenset(
    {"police_officer", "health_practitioner", "education_safeguarding_lead"}
)

# One table, so a new role cannot be added without deciding which schema it is served;
# a role missing here is refused rather than defaulting to the internal (widest) schema.
ROLE_AUDIENCE: Final[Mapping[str, Audience]] = MappingProxyType(
    {
        **dict.fromkeys(sorted(INTERNAL_ROLES), Audience.INTERNAL),
        "police_officer": Audience.POLICE,
        "health_practitioner": Audience.HEALTH,
        "education_safeguarding_lead": Audience.EDUCATION,
    }
)

# Identity claims end up in audit records and notices; cap them so a token cannot smuggle
# an arbitrarily large value into every audit write.
_MAX_CLAIM_LENGTH: Final = 256


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """The caller of one request, built only from a verified token.

    `audience` is not a constructor argument: it is always derived from `role` through
    `ROLE_AUDIENCE`, so a principal can never carry a role and an audience that disagree.

    For internal staff the token only says who is calling: `auth.authority` replaces role
    and team with those of the caller's worker record (`on_record`), and a caller without
    one may do nothing. Partners are not workers of the authority; their agency comes from
    the identity provider's token.
    """

    subject: str
    name: str
    role: str
    agency_id: str
    token_id: str
    team_id: str | None = None
    purpose: str | None = None
    on_record: bool = False
    # Read with the worker record, never from the token: the workers who report to this
    # one (up to four lines down), whose allocated children a manager may see.
    reports: tuple[str, ...] = ()
    audience: Audience = field(init=False)

    def __post_init__(self) -> None:
        try:
            audience = ROLE_AUDIENCE[self.role]
        except KeyError:
            raise ValueError(f"unknown role {self.role!r}") from None
        object.__setattr__(self, "audience", audience)

    @property
    def is_partner(self) -> bool:
        """True for police, health and education users (never internal staff)."""
        return self.audience is not Audience.INTERNAL


def principal_from_claims(claims: Mapping[str, Any], *, purpose: str | None = None) -> Principal:
    """Build a `Principal` from the claims of a token whose signature is already verified.

    Args:
        claims: The verified JWT payload. Required: `sub`, `name`, `role`, `agency`, `jti`;
            optional: `team` (a string or null).
        purpose: The caller's stated purpose (the `X-Purpose` header), if any.

    Raises:
        InvalidToken: a required claim is missing or malformed, or the role is not known.
    """
    role = _required_text(claims, "role")
    if role not in ROLE_AUDIENCE:
        raise InvalidToken("unknown role")
    return Principal(
        subject=_required_text(claims, "sub"),
        name=_required_text(claims, "name"),
        role=role,
        agency_id=_required_text(claims, "agency"),
        team_id=_optional_text(claims, "team"),
        token_id=_required_text(claims, "jti"),
        purpose=purpose,
    )


def _required_text(claims: Mapping[str, Any], claim: str) -> str:
    if claim not in claims:
        raise InvalidToken(f"missing claim {claim}")
    value = _optional_text(claims, claim)
    if value is None:
        raise InvalidToken(f"malformed claim {claim}")
    return value


def _optional_text(claims: Mapping[str, Any], claim: str) -> str | None:
    value = claims.get(claim)
    if value is None:
        return None
    # Identity fields key the relationship and agency checks; a blank, padded, non-string
    # or oversized value must be refused, not coerced into something that might match.
    if (
        not isinstance(value, str)
        or not value
        or value != value.strip()
        or len(value) > _MAX_CLAIM_LENGTH
        or not value.isprintable()
    ):
        raise InvalidToken(f"malformed claim {claim}")
    return value
