"""The workforce as data: teams, workers with their role, and line management.

An administrator saves one team or worker at a time, or loads the HR feed (CSV). A feed
row that breaks a rule is reported with its line and reason and left out whole; the
good rows are written in one statement. Only what differs from the store is written,
so loading the same feed twice changes nothing.

The HR feed's columns (a header row; names are case-insensitive, order is free):

| column | required | meaning |
|---|---|---|
| worker_id | yes | the worker's id: the subject (`sub`) of their sign-in token |
| name | yes | the worker's name |
| role | yes | an internal role, as a code or a label (`social_worker`, "Social Worker") |
| team_id | yes | the team's id (created if new) |
| team_name | no | the team's name (defaults to the id for a new team) |
| manager_id | no | the worker's line manager (in the feed or already known) |
| start_date | yes | first day in post (YYYY-MM-DD or DD/MM/YYYY) |
| end_date | no | last day in post |
| email, phone | no | contact details partners and colleagues see |
| registration_number | no | Social Work England registration (SW and digits; SSDA903 SW_ID) |
"""

from __future__ import annotations

import csv
import enum
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Final, Self

from pydantic import Field, model_validator

from graph.cypher import workforce as statements
from workflow.outcomes import FieldProblem, InvalidInput, NotFound
from workflow.validation import FieldRuleBroken, Input, validate

if TYPE_CHECKING:
    from graph import GraphStore, Row


class WorkerRole(enum.StrEnum):
    """The roles of the authority's own staff (auth's internal roles; a test keeps them equal)."""

    SOCIAL_WORKER = "social_worker"
    TEAM_MANAGER = "team_manager"
    CHILDRENS_PRACTITIONER = "childrens_practitioner"
    ADULT_WORKER = "adult_worker"
    SUPPORT_OFFICER = "support_officer"
    PERFORMANCE_ANALYST = "performance_analyst"
    RECORDS_OFFICER = "records_officer"
    SYSTEM_ADMINISTRATOR = "system_administrator"
    # An integrator (EHM, IES) that pushes records: registered like staff, not a person.
    SYSTEM_CLIENT = "system_client"


# Identifiers key the access rule and appear in tokens: plain characters only.
MOST_IDENTIFIER_CHARS: Final = 100
Identifier = Annotated[
    str,
    Field(min_length=1, max_length=MOST_IDENTIFIER_CHARS, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$"),
]
Name = Annotated[str, Field(min_length=1, max_length=200)]
# Social Work England registration numbers are "SW" and digits (the SSDA903 SW_ID).
RegistrationNumber = Annotated[str, Field(pattern=r"^SW[0-9]{1,10}$")]
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class AgencyKind(enum.StrEnum):
    """What kind of organisation an agency is."""

    LOCAL_AUTHORITY = "LOCAL_AUTHORITY"
    POLICE = "POLICE"
    NHS = "NHS"
    SCHOOL = "SCHOOL"


class SaveTeam(Input):
    id: Identifier
    name: Name
    agency_id: Identifier | None = None


Phone = Annotated[str, Field(max_length=40, pattern=r"^[0-9+() -]+$")]


class SaveAgency(Input):
    id: Identifier
    name: Name
    kind: AgencyKind
    phone: Phone | None = None
    out_of_hours_phone: Phone | None = None


class SaveWorker(Input):
    id: Identifier
    name: Name
    role: WorkerRole
    team_id: Identifier
    manager_id: Identifier | None = None
    start_date: date
    end_date: date | None = None
    email: Email | None = None
    phone: Phone | None = None
    registration_number: RegistrationNumber | None = None

    @model_validator(mode="after")
    def _dates_and_manager(self) -> Self:
        if self.end_date is not None and self.end_date < self.start_date:
            raise FieldRuleBroken("endDate", "must not be before startDate")
        if self.manager_id == self.id:
            raise FieldRuleBroken("managerId", "a worker cannot be their own line manager")
        return self

    def properties(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role.value,
            "email": self.email,
            "phone": self.phone,
            "registrationNumber": self.registration_number,
        }


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """A feed row left out: its line in the file, the column and the rule it breaks."""

    line: int
    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What loading the feed did."""

    created: int
    updated: int
    unchanged: int
    teams_created: int
    problems: tuple[ImportProblem, ...] = field(default=())


_REQUIRED_COLUMNS = ("worker_id", "name", "role", "team_id", "start_date")
_COLUMNS = {
    "worker_id": "id",
    "name": "name",
    "role": "role",
    "team_id": "teamId",
    "manager_id": "managerId",
    "start_date": "startDate",
    "end_date": "endDate",
    "email": "email",
    "phone": "phone",
    "registration_number": "registrationNumber",
}
_FIELD_COLUMN = {alias: column for column, alias in _COLUMNS.items()}
MAX_FEED_ROWS = 20_000


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def _feed_date(text: str) -> str:
    """ISO or the DD/MM/YYYY HR systems export; anything else is left for the model to refuse."""
    try:
        return datetime.strptime(text, "%d/%m/%Y").date().isoformat()
    except ValueError:
        return text


@dataclass
class FeedRow:
    """A feed row that passed its own checks: its line, the worker, the team's name."""

    line: int
    worker: SaveWorker
    team_name: str | None


def parse_feed(text: str) -> tuple[list[FeedRow], list[ImportProblem]]:
    """The feed's good rows and its bad ones (line, column, reason).

    Raises:
        ValueError: the header lacks a required column, or the feed is too long.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = {_slug(name or "") for name in reader.fieldnames or []}
    missing = [column for column in _REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise ValueError(f"the HR feed needs the columns {', '.join(missing)}")
    rows: list[FeedRow] = []
    problems: list[ImportProblem] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        if line - 1 > MAX_FEED_ROWS:
            raise ValueError(f"the HR feed has more than {MAX_FEED_ROWS} rows: split it")
        cells = {_slug(key or ""): (value or "").strip() for key, value in raw.items()}
        if not any(cells.values()):
            continue
        data: dict[str, Any] = {
            alias: cells[column] for column, alias in _COLUMNS.items() if cells.get(column)
        }
        if "role" in data:
            data["role"] = _slug(data["role"])
        for name in ("startDate", "endDate"):
            if name in data:
                data[name] = _feed_date(data[name])
        worker = validate(SaveWorker, data)
        if isinstance(worker, InvalidInput):
            problems += [_feed_problem(line, problem) for problem in worker.problems]
            continue
        if worker.id in seen:
            problems.append(
                ImportProblem(
                    line, "worker_id", f"{worker.id} is already on line {seen[worker.id]}"
                )
            )
            continue
        seen[worker.id] = line
        rows.append(FeedRow(line, worker, cells.get("team_name") or None))
    return rows, problems


def _feed_problem(line: int, problem: FieldProblem) -> ImportProblem:
    column = _FIELD_COLUMN.get(problem.field, problem.field)
    if problem.rule.startswith("Field required"):
        return ImportProblem(line, column, "is required")
    return ImportProblem(line, column, problem.rule)


async def _known(store: GraphStore, ids: list[str]) -> dict[str, Row]:
    rows = await store.read(statements.WORKERS_BY_ID, {"ids": ids})
    return {row["worker"]["id"]: row for row in rows}


def _closes_a_loop(worker: str, manager: str | None, lines: dict[str, str | None]) -> bool:
    seen = {worker}
    while manager is not None:
        if manager in seen:
            return True
        seen.add(manager)
        manager = lines.get(manager)
    return False


def _unchanged(row: FeedRow, stored: Row | None) -> bool:
    if stored is None:
        return False
    worker = row.worker
    held = stored["worker"]
    return (
        {key: held.get(key) for key in worker.properties()} == worker.properties()
        and held.get("startDate") == worker.start_date
        and held.get("endDate") == worker.end_date
        and stored["teamId"] == worker.team_id
        and stored["managerId"] == worker.manager_id
        and (row.team_name is None or stored["teamName"] == row.team_name)
    )


async def save_workforce(
    store: GraphStore, rows: list[FeedRow], recorded_by: str, now: int
) -> ImportReport:
    """Check the rows against the store and each other, then write the good ones at once."""
    problems: list[ImportProblem] = []
    stored = await _known(store, [row.worker.id for row in rows])
    managers = {row.worker.manager_id for row in rows if row.worker.manager_id}
    known_managers = await _known(store, sorted(managers))
    teams = {
        row["id"]: row["name"]
        for row in await store.read(
            statements.TEAMS_BY_ID, {"ids": sorted({row.worker.team_id for row in rows})}
        )
    }
    # Line management as it will be: the store's lines, with the feed's replacing them.
    lines: dict[str, str | None] = {
        row["workerId"]: row["managerId"] for row in await store.read(statements.REPORTING_LINES)
    }
    good = list(rows)
    team_names: dict[str, tuple[str, int]] = {}
    changed = True
    # A row whose manager's own row was refused is refused too, until nothing changes.
    while changed:
        changed = False
        in_feed = {row.worker.id for row in good}
        planned = {**lines, **{row.worker.id: row.worker.manager_id for row in good}}
        team_names = {}
        kept = []
        for row in good:
            worker = row.worker
            problem = None
            if worker.manager_id and worker.manager_id not in in_feed | set(known_managers):
                problem = ImportProblem(
                    row.line, "manager_id", f"{worker.manager_id} is not a known worker"
                )
            elif _closes_a_loop(worker.id, worker.manager_id, planned):
                problem = ImportProblem(
                    row.line, "manager_id", "line management would go round in a loop"
                )
            elif row.team_name is not None:
                first = team_names.setdefault(worker.team_id, (row.team_name, row.line))
                if first[0] != row.team_name:
                    problem = ImportProblem(
                        row.line,
                        "team_name",
                        f"team {worker.team_id} is named {first[0]!r} on line {first[1]}",
                    )
            if problem is None:
                kept.append(row)
            else:
                problems.append(problem)
                changed = True
        good = kept
    names = {team: name for team, (name, _) in team_names.items()}
    new_teams = {row.worker.team_id for row in good} - set(teams)
    to_write = [row for row in good if not _unchanged(row, stored.get(row.worker.id))]
    team_rows = [
        {"id": team, "name": names.get(team) or teams.get(team) or team, "agencyId": None}
        for team in sorted({row.worker.team_id for row in to_write})
        if team in new_teams or (team in names and names[team] != teams.get(team))
    ]
    if to_write or team_rows:
        await store.write(
            statements.SAVE_WORKFORCE,
            {
                "teams": team_rows,
                "workers": [
                    {
                        "id": row.worker.id,
                        "teamId": row.worker.team_id,
                        "managerId": row.worker.manager_id,
                        "properties": row.worker.properties(),
                        "startDate": row.worker.start_date,
                        "endDate": row.worker.end_date,
                    }
                    for row in to_write
                ],
                "recordedBy": recorded_by,
                "now": now,
            },
        )
    created = sum(1 for row in to_write if row.worker.id not in stored)
    return ImportReport(
        created=created,
        updated=len(to_write) - created,
        unchanged=len(good) - len(to_write),
        teams_created=len(new_teams),
        problems=tuple(sorted(problems, key=lambda p: (p.line, p.field))),
    )


# Nobody changes their own worker record: it carries their role, team and line, which
# are what they may read; another administrator (or the HR feed run on the server) does.
OWN_RECORD: Final = "your own worker record is changed by another administrator"


async def import_feed(store: GraphStore, text: str, recorded_by: str, now: int) -> ImportReport:
    """Load the HR feed (CSV, columns in the module docstring); a row about the worker
    loading it is left out (`OWN_RECORD`).

    Raises:
        ValueError: the header lacks a required column, or the feed is too long.
    """
    rows, problems = parse_feed(text)
    problems += [
        ImportProblem(row.line, "worker_id", OWN_RECORD)
        for row in rows
        if row.worker.id == recorded_by
    ]
    rows = [row for row in rows if row.worker.id != recorded_by]
    report = await save_workforce(store, rows, recorded_by, now)
    return ImportReport(
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        teams_created=report.teams_created,
        problems=tuple(sorted((*problems, *report.problems), key=lambda p: (p.line, p.field))),
    )


async def save_agency(store: GraphStore, data: SaveAgency, recorded_by: str, now: int) -> Row:
    """Create or change an agency: the authority itself, a police force, a trust, a school."""
    rows = await store.write(
        statements.SAVE_AGENCY,
        {
            "id": data.id,
            "name": data.name,
            "kind": data.kind.value,
            "phone": data.phone,
            "outOfHoursPhone": data.out_of_hours_phone,
            "recordedBy": recorded_by,
            "now": now,
        },
    )
    agency: Row = rows[0]["agency"]
    return agency


async def save_team(
    store: GraphStore, data: SaveTeam, recorded_by: str, now: int
) -> Row | NotFound:
    """Create a team, or rename it; it belongs to its agency when one is named."""
    if data.agency_id is not None:
        found = await store.read(statements.AGENCY_EXISTS, {"id": data.agency_id})
        if not found:
            return NotFound(kind="Agency", id=data.agency_id)
    await store.write(
        statements.SAVE_WORKFORCE,
        {
            "teams": [{"id": data.id, "name": data.name, "agencyId": data.agency_id}],
            "workers": [],
            "recordedBy": recorded_by,
            "now": now,
        },
    )
    rows = await store.read(statements.TEAMS_BY_ID, {"ids": [data.id]})
    return rows[0]


async def save_worker(
    store: GraphStore, data: SaveWorker, recorded_by: str, now: int
) -> Row | NotFound | InvalidInput:
    """Create or change a worker: role, team, line manager, dates in post."""
    teams = await store.read(statements.TEAMS_BY_ID, {"ids": [data.team_id]})
    if not teams:
        return NotFound(kind="Team", id=data.team_id)
    if data.manager_id is not None and not await _known(store, [data.manager_id]):
        return NotFound(kind="Worker", id=data.manager_id)
    report = await save_workforce(store, [FeedRow(0, data, None)], recorded_by, now)
    if report.problems:
        # The team and the manager exist: what is left is a line that would loop.
        return InvalidInput((FieldProblem("managerId", report.problems[0].reason),))
    rows = await store.read(statements.WORKERS_BY_ID, {"ids": [data.id]})
    return rows[0]
