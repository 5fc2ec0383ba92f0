"""The DfE statutory returns as jobs for the performance role: start one, follow it, fetch it.

A return discloses every child in it, so only a role that may run returns (RUN_RETURNS)
starts one, each page of children is audited as its data goes into the file, and a job
is its requester's alone: anyone else is told it does not exist. The jobs run in the
background of the hub process that was asked (`ReturnJobs`, owned by the app), one of
each kind at a time, because a return reads the whole record.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auth.audit import record_access
from auth.capabilities import Capability, can
from returns import (
    CollectionYear,
    JobState,
    ReturnKind,
    ReturnRequest,
    fail_stalled_jobs,
    job_of,
    refused_year,
    remove_old_files,
    remove_orphan_folders,
    run_job,
    start_job,
)
from workflow.calendar import day_in_england, today_in_england
from workflow.ids import now_ms
from workflow.outcomes import FieldProblem, InvalidInput, NotAuthorised, NotFound, TransitionRefused

if TYPE_CHECKING:
    from collections.abc import Callable

    from auth.principal import Principal
    from graph import GraphStore
    from resolvers.context import HubContext

log = logging.getLogger("lcs_hub.returns")

# The operation the read audit names for a child that went into a return.
AUDIT_OPERATION = "startReturn"

# Return files kept, unless the settings say otherwise (LCS_HUB_RETURN_FILES_KEEP_DAYS).
DEFAULT_KEEP_DAYS = 120
# Each pass removes the files of at most this many jobs; a full pass is followed soon by
# the next, otherwise the next is an hour away.
SWEEP_BATCH = 50
SWEEP_EVERY_SECONDS = 3600.0
SWEEP_SOON_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class FilesRemoved:
    """The job ended long enough ago that its files were removed (`GET /returns/{jobId}`
    answers 410 `RETURN_FILES_REMOVED`): the return is made again to have it."""

    reason: str


class ReturnJobs:
    """The return jobs this hub process runs, as asyncio tasks the app owns and stops.

    At most one job of each kind runs at a time: a second request for a kind already
    running is refused, not queued, so a busy hub never piles up whole-record reads.
    """

    def __init__(
        self,
        store: GraphStore,
        folder: Path,
        la_number: str | None,
        keep_days: int = DEFAULT_KEEP_DAYS,
        held: Callable[[], bool] | None = None,
    ) -> None:
        self._store = store
        self._folder = folder
        self._la_number = la_number
        self._keep_days = keep_days
        # Whether a load holds the store (an import's mark): nothing is swept from it then.
        self._held = held
        self._running: dict[ReturnKind, asyncio.Task[None]] = {}
        # The ids of the jobs those tasks run: never failed as stalled by this process.
        self._running_ids: set[str] = set()
        # Held from the check to the task's creation, across the job's first write.
        self._claimed: set[ReturnKind] = set()
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def keep_days(self) -> int:
        return self._keep_days

    @property
    def folder(self) -> Path:
        return self._folder

    async def start(
        self, principal: Principal, kind: ReturnKind, year: CollectionYear
    ) -> dict[str, Any] | TransitionRefused:
        """Record a job for `principal` and start making the return in the background."""
        if kind in self._claimed or kind in self._running:
            return TransitionRefused(
                current_state=JobState.RUNNING.value,
                allowed=(),
                reason=f"an {kind.value} return is already being made; one runs at a time",
            )
        self._claimed.add(kind)
        try:
            request = ReturnRequest(kind, year, principal.subject, self._la_number)
            job = await start_job(self._store, request)
            task = asyncio.create_task(self._run(principal, job, request))
            self._running[kind] = task
            self._running_ids.add(job["id"])

            def ended(_: asyncio.Task[None]) -> None:
                self._running.pop(kind, None)
                self._running_ids.discard(job["id"])

            task.add_done_callback(ended)
        finally:
            self._claimed.discard(kind)
        return job

    async def _run(self, principal: Principal, job: dict[str, Any], request: ReturnRequest) -> None:
        disclosed = {f"{request.kind.value} {request.year.label}"}

        async def audit(child_ids: list[str]) -> None:
            # Written before the page's progress is recorded: a child is in the trail
            # before the job can say its data went out.
            await record_access(
                self._store,
                principal,
                AUDIT_OPERATION,
                dict.fromkeys(child_ids, disclosed),
            )

        try:
            finished = await run_job(self._store, job, request, self._folder, audit)
        except Exception:
            # The job stays RUNNING in the graph; the log names the job, never a child.
            log.exception("return job %s stopped", job["id"])
            return
        log.info("return job %s ended %s", job["id"], finished["state"])

    async def remove_old_files(self, now: int | None = None) -> int:
        """One bounded pass: the files of at most `SWEEP_BATCH` jobs that ended
        `keep_days` ago are removed, and each job says when, then at most `SWEEP_BATCH`
        folders no job of this store holds (a store dropped, renamed or moved away left
        them) and untouched as long; how many went. None while a load holds the store
        (its records are the load's until it is done, and its jobs not all there yet)."""
        if self._held is not None and self._held():
            return 0
        at = now_ms() if now is None else now
        removed = await remove_old_files(
            self._store, self._folder, keep_days=self._keep_days, now=at, limit=SWEEP_BATCH
        )
        orphans = await remove_orphan_folders(
            self._store, self._folder, keep_days=self._keep_days, now=at, limit=SWEEP_BATCH
        )
        # Counts only: the files named children, the log never does.
        if removed:
            log.info("return files removed: %d jobs (kept %d days)", len(removed), self._keep_days)
        if orphans:
            log.info(
                "return folders no job of this store holds removed: %d (kept %d days)",
                len(orphans),
                self._keep_days,
            )
        return len(removed) + len(orphans)

    async def fail_stalled(self, now: int | None = None) -> int:
        """One bounded pass: the jobs a killed hub left RUNNING (no progress for an hour,
        not this process's) are failed, saying so; how many."""
        if self._held is not None and self._held():
            return 0
        failed = await fail_stalled_jobs(
            self._store,
            now=now_ms() if now is None else now,
            running=sorted(self._running_ids),
            limit=SWEEP_BATCH,
        )
        if failed:
            log.warning("return jobs failed, their hub stopped: %d", len(failed))
        return len(failed)

    def start_sweeping(self) -> None:
        """Fail the jobs a killed hub left running and remove old return files, now and
        every `SWEEP_EVERY_SECONDS` while the app runs."""
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep(), name="return-files")

    async def _sweep(self) -> None:
        while True:
            try:
                most = max(await self.fail_stalled(), await self.remove_old_files())
            except Exception as failure:
                # The engine away, say: tried again at the next pass. Only the kind is told.
                log.warning("return jobs not swept (%s)", type(failure).__name__)
                most = 0
            # A full batch: more are due, taken soon, a batch at a time.
            await asyncio.sleep(SWEEP_SOON_SECONDS if most >= SWEEP_BATCH else SWEEP_EVERY_SECONDS)

    async def stop(self) -> None:
        """Cancel the jobs still running and the sweeping (the app is shutting down)."""
        tasks = list(self._running.values())
        if self._sweeper is not None:
            tasks.append(self._sweeper)
            self._sweeper = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _refuse_unless_allowed(principal: Principal) -> NotAuthorised | None:
    if can(principal, Capability.RUN_RETURNS):
        return None
    return NotAuthorised(reason=f"the {principal.role} role does not make the statutory returns")


def _collection_year(year: int, today: date) -> CollectionYear | InvalidInput:
    try:
        collection = CollectionYear(year)
    except ValueError as problem:
        return InvalidInput((FieldProblem("year", str(problem).removeprefix("year: ")),))
    if collection.start > today:
        return InvalidInput(
            (
                FieldProblem(
                    "year", f"the {collection.label} collection year begins on {collection.start}"
                ),
            )
        )
    return collection


def _jobs(context: HubContext) -> ReturnJobs:
    if context.return_jobs is None:
        raise RuntimeError("this hub process was built without its return jobs")
    return context.return_jobs


async def start_return(
    context: HubContext, kind: ReturnKind, year: int
) -> dict[str, Any] | NotAuthorised | InvalidInput | TransitionRefused:
    """Start making a return for `year` (the collection's end year)."""
    if refused := _refuse_unless_allowed(context.principal):
        return refused
    collection = _collection_year(year, today_in_england())
    if isinstance(collection, InvalidInput):
        return collection
    if problem := refused_year(kind, collection):
        return InvalidInput((FieldProblem("year", problem),))
    return await _jobs(context).start(context.principal, kind, collection)


async def return_job(context: HubContext, job_id: str) -> dict[str, Any] | NotFound | NotAuthorised:
    """A job the caller started: its state and progress."""
    if refused := _refuse_unless_allowed(context.principal):
        return refused
    job = await job_of(context.store, job_id, context.principal.subject)
    return job if job is not None else NotFound(kind="ReturnJob", id=job_id)


async def return_file(
    store: GraphStore, jobs: ReturnJobs, principal: Principal, job_id: str
) -> Path | NotFound | NotAuthorised | TransitionRefused | FilesRemoved:
    """The finished file of a job the caller started (`GET /returns/{jobId}`)."""
    if refused := _refuse_unless_allowed(principal):
        return refused
    job = await job_of(store, job_id, principal.subject)
    if job is None:
        return NotFound(kind="ReturnJob", id=job_id)
    if (removed_at := job.get("filesRemovedAt")) and job.get("filesNotCarried"):
        return FilesRemoved(
            reason=f"the return's files were not carried when this store was imported on "
            f"{_day(removed_at)} (an export leaves them behind); make the return again"
        )
    if removed_at:
        return FilesRemoved(
            reason=f"the return's files were removed on {_day(removed_at)}, "
            f"{jobs.keep_days} days after it ended; make the return again"
        )
    if job["state"] != JobState.DONE.value or not job.get("file"):
        return TransitionRefused(
            current_state=job["state"], allowed=(), reason="the return is not ready to download"
        )
    file = _inside(jobs.folder, Path(job["file"]))
    return file if file is not None else NotFound(kind="ReturnJob", id=job_id)


def _inside(folder: Path, file: Path) -> Path | None:
    """`file`, if it is a file within `folder`: the graph names the file, and only one the
    jobs wrote is ever served."""
    resolved = file.resolve()
    return resolved if resolved.is_relative_to(folder.resolve()) and resolved.is_file() else None


def _day(epoch_ms: int) -> date:
    return day_in_england(datetime.fromtimestamp(epoch_ms / 1000, UTC))
