"""The capability checks resolvers make before any workflow operation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from auth.capabilities import Capability, can
from workflow.outcomes import NotAuthorised
from workflow.process import Authority

if TYPE_CHECKING:
    from resolvers.context import HubContext


def refuse_case_writes(context: HubContext) -> NotAuthorised | None:
    """`NotAuthorised` unless the caller's role may change case records."""
    principal = context.principal
    if not principal.is_partner and not principal.on_record:
        # Authority comes from the worker record (auth/authority.py), not the token alone.
        return NotAuthorised(reason="no worker record for this account: nothing was written")
    if not can(principal, Capability.WRITE_CASE):
        return NotAuthorised(reason=f"the {principal.role} role cannot change case records")
    return None


# What each workflow authority asks of a role (the workflow names needs, auth grants them).
CAPABILITY_FOR: dict[Authority, Capability] = {
    Authority.RECORD: Capability.WRITE_CASE,
    Authority.AUTHORISE: Capability.AUTHORISE,
}
