"""The training gate: new starters read, but write only once their required modules are done.

Which modules a worker needs depends on their role and team (the council keeps this as
a spreadsheet: role, team, module). A worker missing any required module gets
`NotAuthorised` naming the missing modules from every mutation; completing the last one
grants write at once, because the check reads the graph on every mutation.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from auth.principal import ROLE_AUDIENCE
from graph.cypher import training as statements
from workflow.workforce import MOST_IDENTIFIER_CHARS

if TYPE_CHECKING:
    from auth.principal import Principal
    from graph import GraphStore

# Mutations that administer training itself: gating them would lock a new starter out
# of ever being recorded as trained.
EXEMPT_MUTATIONS: Final = frozenset({"recordTrainingCompletion", "importTrainingMatrix"})
ANY_TEAM: Final = "*"


@dataclass(frozen=True, slots=True)
class Requirement:
    """One row of the matrix: a role (in a team, or any team) must complete a module."""

    role: str
    team: str
    module: str
    title: str


# A module's title is shown on every write it blocks and keys its node (its code is the
# title's slug, no longer): a course title is a line, not a document.
MOST_MODULE_CHARS: Final = 200


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def parse_matrix(text: str) -> list[Requirement]:
    """Read the council's spreadsheet (CSV with columns role, team, module).

    Roles may be written as labels ("Social Worker"); a blank team or "All" means every
    team. Unknown roles are refused with the line number, so a typo cannot silently
    exempt a role from training.

    Raises:
        ValueError: a missing column, an unknown role, an empty module, or a module or
            team longer than its bound.
    """
    reader = csv.DictReader(io.StringIO(text))
    fields = {(name or "").strip().lower() for name in reader.fieldnames or []}
    if not {"role", "team", "module"} <= fields:
        raise ValueError("the training matrix needs the columns role, team, module")
    requirements = []
    for line, raw in enumerate(reader, start=2):
        row = {(key or "").strip().lower(): (value or "").strip() for key, value in raw.items()}
        role = _slug(row["role"])
        if role not in ROLE_AUDIENCE:
            raise ValueError(f"line {line}: role {row['role']!r} is not a role the hub knows")
        if not row["module"]:
            raise ValueError(f"line {line}: module is empty")
        if len(row["module"]) > MOST_MODULE_CHARS:
            raise ValueError(f"line {line}: module is at most {MOST_MODULE_CHARS} characters")
        # A team is named by its workforce id.
        if len(row["team"]) > MOST_IDENTIFIER_CHARS:
            raise ValueError(f"line {line}: team is at most {MOST_IDENTIFIER_CHARS} characters")
        team = row["team"] if row["team"] and row["team"].lower() != "all" else ANY_TEAM
        requirements.append(Requirement(role, team, _slug(row["module"]), row["module"]))
    return requirements


async def import_matrix(store: GraphStore, requirements: list[Requirement]) -> int:
    """Load the matrix (idempotent: a row is keyed by role, team and module)."""
    rows = [
        {
            "id": f"{r.role}|{r.team}|{r.module}",
            "role": r.role,
            "team": r.team,
            "module": r.module,
            "title": r.title,
        }
        for r in requirements
    ]
    if not rows:
        return 0
    result = await store.write(statements.IMPORT_REQUIREMENTS, {"rows": rows})
    return int(result[0]["requirements"])


async def missing_modules(store: GraphStore, principal: Principal) -> tuple[str, ...]:
    """The required modules the principal has not completed (titles, sorted by code)."""
    rows = await store.read(
        statements.MISSING_MODULES,
        {"role": principal.role, "team": principal.team_id or "", "workerId": principal.subject},
    )
    return tuple(row["title"] for row in rows)
