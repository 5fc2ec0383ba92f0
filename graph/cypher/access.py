"""Row-level access to a child's record, as a predicate every read statement embeds.

Putting the rule in the statement (not in Python after the read) is what makes a
forbidden child indistinguishable from a missing one at every path, and keeps the
lookup on the index. Parameters: $viewer (worker id), $viewerTeam, $viewAll (the role
may read every unrestricted record), $now (epoch ms).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class AccessScope:
    """Whose eyes a statement reads for: the parameters of `child_visible`."""

    viewer: str
    team: str | None
    view_all: bool
    now_ms: int

    def params(self) -> dict[str, Any]:
        return {
            "viewer": self.viewer,
            "viewerTeam": self.team,
            "viewAll": self.view_all,
            "now": self.now_ms,
        }


def child_visible(child: str) -> str:
    """A WHERE condition: the viewer has a legitimate relationship with `child`."""
    relationship = (
        f"$viewAll"
        f" OR ({child})-[:ALLOCATED_TO]->(:Worker {{id: $viewer}})"
        f" OR ({child})-[:RESPONSIBLE_TEAM]->(:Team {{id: $viewerTeam}})"
        f" OR ({child})-[:ALLOCATED_TO]->(:Worker)-[:REPORTS_TO*1..4]->(:Worker {{id: $viewer}})"
    )
    # Adoption, sealed, staff and high-profile records fail closed: hidden from every
    # role until the explicit, time-limited grant arrives with the access-control work.
    return f"(({relationship}) AND coalesce({child}.restricted, false) = false)"
