"""Row-level access to a child's record, as a clause every statement embeds.

Putting the rule in the statement (not in Python after the read) is what makes a
forbidden child indistinguishable from a missing one at every path, and keeps the
lookup on the index. Parameters: $viewer (worker id), $viewerTeam, $viewAll (the role
may read every unrestricted record), $now (epoch ms, for time-limited grants).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class AccessScope:
    """Whose eyes a statement reads for: the parameters of `only_visible`."""

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


def only_visible(child: str, *carry: str) -> str:
    """A `WITH ... WHERE` clause keeping `child` only if the viewer may see it.

    Args:
        child: the variable bound to the child.
        carry: the other variables later clauses still need (a WITH drops the rest).
    """
    relationship = (
        f"$viewAll"
        f" OR ({child})-[:ALLOCATED_TO]->(:Worker {{id: $viewer}})"
        f" OR ({child})-[:RESPONSIBLE_TEAM]->(:Team {{id: $viewerTeam}})"
        f" OR ({child})-[:ALLOCATED_TO]->(:Worker)-[:REPORTS_TO*1..4]->(:Worker {{id: $viewer}})"
    )
    kept = ", ".join((child, *carry))
    # Adoption, sealed, staff and high-profile records need an explicit, unexpired grant
    # on top of the relationship, whatever the role. Two FalkorDB limits shape this:
    # a pattern comprehension is accepted in a WITH projection but not inside WHERE, and
    # pattern predicates ANDed with another OR-group fail to plan ("Type mismatch"), so
    # the grant and the relationship are two filters in a row. The Grant label must exist
    # before the first read (it does: its id index is declared), because FalkorDB caches
    # a plan made when a comprehension's label was unknown and keeps answering [].
    return (
        f"WITH {kept}, any(expiry IN [({child})<-[:GRANTS_ACCESS_TO]-(accessGrant:Grant"
        f" {{workerId: $viewer}}) | accessGrant.expiresAt] WHERE expiry > $now) AS granted\n"
        f"WHERE coalesce({child}.restricted, false) = false OR granted\n"
        f"WITH {kept}\n"
        f"WHERE {relationship}"
    )
