"""What each role may do, as one table (data, not `if`s scattered through resolvers)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from auth.principal import ROLE_AUDIENCE, Audience, Principal
from graph.cypher.access import AccessScope
from workflow.ids import now_ms


class Capability(enum.StrEnum):
    """A kind of act a role may perform."""

    READ_RELATED = "read_related"  # children they have a legitimate relationship with
    READ_ALL = "read_all"  # every unrestricted child (performance, records management)
    READ_CASE_NOTES = "read_case_notes"  # the narrative: case notes and the chronology
    WRITE_CASE = "write_case"  # contacts, notes, workflow steps
    AUTHORISE = "authorise"  # manager decisions
    MANAGE_RECORDS = "manage_records"  # holds, disposal review
    ADMINISTER = "administer"  # training matrix, grants
    INGEST_RECORDS = "ingest_records"  # push EHM and IES records in (system clients)
    LINK_RECORDS = "link_records"  # decide which child an EHM or IES record is about
    MERGE_RECORDS = "merge_records"  # merge two records of one child, and undo it
    RUN_RETURNS = "run_returns"  # make the DfE statutory returns (every child in them)
    # Operation Encompass: police notify an incident; a school acknowledges its notice.
    NOTIFY_DOMESTIC_ABUSE = "notify_domestic_abuse"
    ACKNOWLEDGE_ENCOMPASS = "acknowledge_encompass"


_C = Capability
ROLE_CAPABILITIES: Final[Mapping[str, frozenset[Capability]]] = MappingProxyType(
    {
        "social_worker": frozenset({_C.READ_RELATED, _C.READ_CASE_NOTES, _C.WRITE_CASE}),
        "team_manager": frozenset(
            {_C.READ_RELATED, _C.READ_CASE_NOTES, _C.WRITE_CASE, _C.AUTHORISE}
        ),
        "childrens_practitioner": frozenset({_C.READ_RELATED, _C.READ_CASE_NOTES, _C.WRITE_CASE}),
        "adult_worker": frozenset({_C.READ_RELATED, _C.READ_CASE_NOTES, _C.WRITE_CASE}),
        # Support officers record at the front door; the case narrative is not theirs.
        "support_officer": frozenset({_C.READ_RELATED, _C.WRITE_CASE}),
        # Analysts count records for the returns; they do not read the narrative.
        "performance_analyst": frozenset({_C.READ_ALL, _C.RUN_RETURNS}),
        "records_officer": frozenset(
            {
                _C.READ_ALL,
                _C.READ_CASE_NOTES,
                _C.MANAGE_RECORDS,
                _C.LINK_RECORDS,
                _C.MERGE_RECORDS,
            }
        ),
        "system_administrator": frozenset({_C.ADMINISTER}),
        "system_client": frozenset({_C.INGEST_RECORDS}),
        # Partner roles read only through their audience's own dataset and schema.
        "police_officer": frozenset({_C.NOTIFY_DOMESTIC_ABUSE}),
        "health_practitioner": frozenset(),
        "education_safeguarding_lead": frozenset({_C.ACKNOWLEDGE_ENCOMPASS}),
    }
)

assert set(ROLE_CAPABILITIES) == set(ROLE_AUDIENCE), "every role needs a capability row"


def can(principal: Principal, capability: Capability) -> bool:
    """Whether the principal's role carries `capability`.

    Internal staff act only through their worker record (`auth.authority`): a subject the
    authority has no worker record for may do nothing, whatever role its token claims.
    """
    if principal.audience is Audience.INTERNAL and not principal.on_record:
        return False
    return capability in ROLE_CAPABILITIES[principal.role]


def access_scope(principal: Principal) -> AccessScope:
    """The row-level scope the principal's reads run under."""
    # Allocation, the team and the line below are the relationships READ_RELATED reads
    # through: a role without it (an administrator made someone's line manager in the HR
    # record, or left with a caseload from an earlier role) reads no child through them.
    related = can(principal, Capability.READ_RELATED)
    return AccessScope(
        viewer=principal.subject,
        team=principal.team_id if related else None,
        view_all=can(principal, Capability.READ_ALL),
        now_ms=now_ms(),
        audience=principal.audience.value,
        agency=principal.agency_id if principal.is_partner else None,
        reports=principal.reports if related and not principal.is_partner else (),
        related=related,
        purpose=principal.purpose if principal.is_partner else None,
    )
