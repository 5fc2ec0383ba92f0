"""Why a partner asks: each audience's allowed purposes and the lawful basis for each.

A partner request must state its purpose (the `X-Purpose` header); the purpose must be
one its audience may use, and it is recorded with every child the response reveals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from auth.principal import Audience

# UK GDPR Art 6(1)(e) public task with Art 9(2)(g) and DPA 2018 Sch 1 para 18
# (safeguarding of children): the basis for safeguarding sharing without consent.
SAFEGUARDING_BASIS: Final = (
    "UK GDPR Art 6(1)(e) and Art 9(2)(g); DPA 2018 Sch 1 para 18 (safeguarding of children)"
)


@dataclass(frozen=True, slots=True)
class Purpose:
    """A stated reason for a partner read."""

    code: str
    description: str
    lawful_basis: str


_PURPOSES: dict[Audience, tuple[Purpose, ...]] = {
    Audience.HEALTH: (
        Purpose("UNSCHEDULED_CARE", "CP-IS check in unscheduled care", SAFEGUARDING_BASIS),
    ),
    Audience.EDUCATION: (
        Purpose("SCHOOL_SAFEGUARDING", "Designated safeguarding lead duties", SAFEGUARDING_BASIS),
        Purpose("OPERATION_ENCOMPASS", "Domestic abuse notification follow-up", SAFEGUARDING_BASIS),
        Purpose(
            "VIRTUAL_SCHOOL", "Personal education plan for a looked-after pupil", SAFEGUARDING_BASIS
        ),
    ),
    Audience.POLICE: (
        Purpose("MASH_RESEARCH", "Multi-agency safeguarding hub research", SAFEGUARDING_BASIS),
        Purpose(
            "STRATEGY_DISCUSSION", "Strategy discussion (Children Act 1989 s47)", SAFEGUARDING_BASIS
        ),
        Purpose("CHILD_PROTECTION_ENQUIRY", "Joint section 47 enquiry", SAFEGUARDING_BASIS),
        Purpose("OPERATION_ENCOMPASS", "Domestic abuse incident notification", SAFEGUARDING_BASIS),
    ),
}

ALLOWED_PURPOSES: Final[Mapping[Audience, Mapping[str, Purpose]]] = MappingProxyType(
    {
        audience: MappingProxyType({purpose.code: purpose for purpose in purposes})
        for audience, purposes in _PURPOSES.items()
    }
)


def purpose_problem(audience: Audience, stated: str | None) -> str | None:
    """Why a request's stated purpose is not acceptable, or None if it is.

    Internal staff read under their role and legitimate relationship; only partner
    audiences must state a purpose.
    """
    if audience is Audience.INTERNAL:
        return None
    allowed = ALLOWED_PURPOSES[audience]
    if stated is None:
        return f"state your purpose in the X-Purpose header: one of {', '.join(allowed)}"
    if stated not in allowed:
        return (
            f"purpose {stated!r} is not one {audience.value} may use: one of {', '.join(allowed)}"
        )
    return None
