"""A return run as a job: started by someone allowed to make returns (the performance
role), followed through its progress, and fetched as one file when done.

The job's state lives in the graph (`ReturnJob`), so any hub process can answer how far
it has got. The caller says who asked and supplies the audit: each page's children are
handed to `audit` as their data goes into the file (a return is a disclosure of every
child in it). Wiring it to GraphQL (a mutation that starts it, a query for its state, a
download route) is the schema's and the app's job.
"""

from __future__ import annotations

import asyncio
import enum
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.cypher import returns as statements
from returns.cin_census import specification_for as cin_specification
from returns.ssda903 import specification_for as ssda903_specification
from returns.writer import PageWritten, write_cin_census, write_ssda903
from returns.year_end import ReturnWarning
from returns.years import CollectionYear
from workflow.ids import new_id, now_ms

if TYPE_CHECKING:
    from graph import GraphStore


class ReturnKind(enum.StrEnum):
    SSDA903 = "SSDA903"
    CIN_CENSUS = "CIN_CENSUS"


def refused_year(kind: ReturnKind, year: CollectionYear) -> str | None:
    """Why the hub does not write `kind` for `year` (no specification of a year that
    early), or None."""
    specification_for = (
        cin_specification if kind is ReturnKind.CIN_CENSUS else ssda903_specification
    )
    try:
        specification_for(year)
    except ValueError as problem:
        return str(problem).removeprefix("year: ")
    return None


class JobState(enum.StrEnum):
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class ReturnRequest:
    kind: ReturnKind
    year: CollectionYear
    requested_by: str
    # The CIN census names the authority by its DfE number.
    la_number: str | None = None


async def start_job(store: GraphStore, request: ReturnRequest) -> dict[str, Any]:
    """Record a new job (RUNNING, nothing done yet) and return it."""
    rows = await store.write(
        statements.START_RETURN_JOB,
        {
            "jobId": new_id(),
            "kind": request.kind.value,
            "year": request.year.end_year,
            "requestedBy": request.requested_by,
            "now": now_ms(),
        },
    )
    return dict(rows[0]["job"])


async def job_of(store: GraphStore, job_id: str, requested_by: str) -> dict[str, Any] | None:
    """The job, if `requested_by` started it (anyone else is told it does not exist)."""
    rows = await store.read(statements.RETURN_JOB, {"jobId": job_id, "requestedBy": requested_by})
    return dict(rows[0]["job"]) if rows else None


async def run_job(
    store: GraphStore,
    job: dict[str, Any],
    request: ReturnRequest,
    folder: Path,
    audit: PageWritten,
) -> dict[str, Any]:
    """Make the return into `folder/<job id>` and record how it ended. The file is one
    download: the CIN census's XML, or the SSDA903's tables zipped (with last year's)."""
    work = folder / str(job["id"])

    # The writers report progress as a plain call; the graph is told once per page, with
    # the page's audit, and once at the end.
    latest = {"done": 0, "total": 0}
    warnings: list[ReturnWarning] = []

    def note(done: int, total: int) -> None:
        latest.update(done=done, total=total)

    async def record_progress() -> None:
        await store.write(
            statements.RETURN_JOB_PROGRESS, {"jobId": job["id"], "now": now_ms(), **latest}
        )

    async def audited(ids: list[str]) -> None:
        await audit(ids)
        await record_progress()

    try:
        if request.kind is ReturnKind.CIN_CENSUS:
            if not request.la_number:
                raise ValueError("la_number: the CIN census names the LA by its DfE number")
            file = work / f"cin-census-{request.year.label}.xml"
            census = await write_cin_census(
                store,
                request.year,
                file,
                request.la_number,
                progress=note,
                on_page=audited,
            )
            children, warnings = census.children, census.warnings
        else:
            current, _ = await write_ssda903(
                store,
                request.year,
                work / "ssda903",
                progress=note,
                on_page=audited,
            )
            children = current.rows["header"]
            warnings = current.warnings
            archive = shutil.make_archive(
                str(work / f"ssda903-{request.year.label}"), "zip", work / "ssda903"
            )
            file = Path(archive)
        await record_progress()
    except (OSError, ValueError, ConnectionError) as failure:
        # Logged by the caller without personal data; the job says what went wrong.
        return await _finish(store, job, JobState.FAILED, str(failure), None, 0)
    except asyncio.CancelledError:
        # The hub is shutting down: the job must not read as running for ever.
        await asyncio.shield(
            _finish(store, job, JobState.FAILED, "stopped: the hub shut down first", None, 0)
        )
        raise
    except Exception as failure:
        # The graph failing part-way, say: only the kind is told (an engine's message may
        # quote a statement with a child's details).
        problem = f"the return could not be finished ({type(failure).__name__}); try again"
        return await _finish(store, job, JobState.FAILED, problem, None, 0)
    return await _finish(store, job, JobState.DONE, None, file, children, warnings)


# The warnings a job keeps to show (the first, by child): the count says how many more.
KEPT_WARNINGS = 100


async def _finish(
    store: GraphStore,
    job: dict[str, Any],
    state: JobState,
    problem: str | None,
    file: Path | None,
    children: int,
    warnings: list[ReturnWarning] | None = None,
) -> dict[str, Any]:
    found = warnings or []
    rows = await store.write(
        statements.FINISH_RETURN_JOB,
        {
            "jobId": job["id"],
            "state": state.value,
            "now": now_ms(),
            "children": children,
            "problem": problem,
            "file": str(file) if file else None,
            "warnings": json.dumps([w.params() for w in found[:KEPT_WARNINGS]]),
            "warningCount": len(found),
        },
    )
    if not rows:
        # Failed meanwhile as stalled (fail_stalled_jobs): the job says so, and stays so.
        kept = await job_of(store, str(job["id"]), str(job["requestedBy"]))
        return kept if kept is not None else job
    return dict(rows[0]["job"])


# A day in the epoch milliseconds the jobs record their instants in.
DAY_MS = 86_400_000
# A running job records its progress a page of children at a time (seconds apart); one
# that has recorded none for an hour lost its hub.
STALLED_AFTER_MS = 3_600_000
STALLED_PROBLEM = "stopped: its hub stopped before the return was made; make the return again"


async def fail_stalled_jobs(
    store: GraphStore, *, now: int, running: list[str], limit: int
) -> list[str]:
    """Fail at most `limit` jobs still RUNNING that have recorded no progress for
    `STALLED_AFTER_MS` before `now`, but for those in `running` (the asking hub's own);
    their ids."""
    rows = await store.write(
        statements.FAIL_STALLED_RETURN_JOBS,
        {
            "before": now - STALLED_AFTER_MS,
            "running": running,
            "limit": limit,
            "now": now,
            "problem": STALLED_PROBLEM,
        },
    )
    return [str(row["id"]) for row in rows]


async def remove_old_files(
    store: GraphStore, folder: Path, *, keep_days: int, now: int, limit: int
) -> list[str]:
    """Remove the files of at most `limit` jobs that ended `keep_days` or more before
    `now` (epoch ms), oldest first, and record on each job when they went; the ids of the
    jobs whose files went. A folder that cannot be removed is left, and its job unmarked,
    for the next pass."""
    rows = await store.read(
        statements.RETURN_JOBS_WITH_FILES_BEFORE,
        {"before": now - keep_days * DAY_MS, "limit": limit},
    )
    removed: list[str] = []
    for row in rows:
        if not await asyncio.to_thread(_remove_job_folder, folder, str(row["id"])):
            continue
        await store.write(statements.RETURN_JOB_FILES_REMOVED, {"jobId": row["id"], "now": now})
        removed.append(str(row["id"]))
    return removed


async def remove_orphan_folders(
    store: GraphStore, folder: Path, *, keep_days: int, now: int, limit: int
) -> list[str]:
    """Remove at most `limit` folders under `folder` that hold no job's files in this store
    and in which nothing changed for `keep_days` before `now` (epoch ms), oldest first; their
    names. A store dropped or renamed, or moved away by export and import, leaves its jobs'
    folders with no job to sweep them, and their files name every child in a return: the
    keep period runs from their last change instead, which is when their job ended."""
    untouched = await asyncio.to_thread(_folders_untouched_since, folder, now - keep_days * DAY_MS)
    removed: list[str] = []
    for start in range(0, len(untouched), _ORPHAN_CHECK_BATCH):
        names = untouched[start : start + _ORPHAN_CHECK_BATCH]
        rows = await store.read(statements.RETURN_JOBS_HOLDING_FILES, {"jobIds": names})
        held = {str(row["id"]) for row in rows}
        for name in names:
            if len(removed) == limit:
                return removed
            if name not in held and await asyncio.to_thread(_remove_job_folder, folder, name):
                removed.append(name)
    return removed


# How many folder names one statement asks the store about.
_ORPHAN_CHECK_BATCH = 500


def _folders_untouched_since(folder: Path, before: int) -> list[str]:
    """The folders directly under `folder` in which nothing changed after `before` (epoch
    ms), oldest first."""
    if not folder.is_dir():
        return []
    found: list[tuple[float, str]] = []
    for entry in folder.iterdir():
        if entry.is_symlink() or not entry.is_dir():
            continue
        try:
            newest = max(path.lstat().st_mtime for path in [entry, *entry.rglob("*")])
        except OSError:
            # Changing under us (a job writing it): not untouched.
            continue
        if newest * 1000 <= before:
            found.append((newest, entry.name))
    return [name for _, name in sorted(found)]


async def mark_files_not_carried(store: GraphStore, now: int) -> int:
    """Record on every job that still held files that they were not carried into this store
    (an import, at `now`); how many. An export leaves var/returns behind: a return's files
    name every child in it, and are the return made again from the record."""
    rows = await store.write(statements.RETURN_JOB_FILES_NOT_CARRIED, {"now": now})
    return int(rows[0]["jobs"]) if rows else 0


def _remove_job_folder(folder: Path, job_id: str) -> bool:
    """Remove the job's folder under `folder`; whether it is gone. The graph names the
    job, so only a folder directly under `folder` is ever touched."""
    work = folder / job_id
    if work.resolve().parent != folder.resolve():
        return False
    shutil.rmtree(work, ignore_errors=True)
    return not work.exists()


def job_warnings(job: dict[str, Any]) -> list[ReturnWarning]:
    """The DfE rules the finished return breaks, as the job kept them."""
    kept = json.loads(job.get("warnings") or "[]")
    return [ReturnWarning(w["childId"], w["code"], w["message"]) for w in kept]
