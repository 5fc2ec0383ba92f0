"""The case journey: capability checks, then the workflow engine; reads through loaders."""

from __future__ import annotations

import functools
from datetime import date
from typing import TYPE_CHECKING, Any

from auth.capabilities import Capability, can
from graph.cypher import data_warnings, worklists
from graph.cypher import journey as statements
from resolvers import records as record_resolvers
from resolvers.loaders import many_per_key
from resolvers.permissions import CAPABILITY_FOR
from returns import entry_warnings, looked_after_child
from workflow import journey
from workflow import process as table
from workflow.calendar import today_in_england
from workflow.journey import adoption, care
from workflow.journey.effects import Clock
from workflow.outcomes import (
    FieldProblem,
    InvalidInput,
    NotAuthorised,
    NotFound,
    TransitionRefused,
)
from workflow.timescales import DEFAULT_LOCAL_STANDARDS, LocalStandards
from workflow.validation import validate

if TYPE_CHECKING:
    from graph import Row
    from resolvers.context import HubContext

Outcome = NotFound | TransitionRefused | NotAuthorised | InvalidInput
NOTICE_LIMIT = 100


@functools.lru_cache(maxsize=8)
def _with_school_terms(terms: tuple[tuple[date, date], ...]) -> LocalStandards:
    return DEFAULT_LOCAL_STANDARDS.model_copy(update={"school_terms": terms})


def local_standards(context: HubContext) -> LocalStandards:
    """The council's local standards, with its own school terms (`LCS_HUB_TERM_DATES`)
    where it configured them: a personal education plan is reviewed each of its terms."""
    school = context.school_calendar
    return _with_school_terms(school.school_terms()) if school else DEFAULT_LOCAL_STANDARDS


def clock(context: HubContext, today: date | None = None) -> Clock:
    """Today, with the hub's calendar and the council's local standards."""
    return Clock(
        today=today or today_in_england(),
        calendar=context.calendar,
        standards=local_standards(context),
    )


def _refuse(
    context: HubContext, capability: Capability | None, action: str
) -> NotAuthorised | None:
    if capability is None or not can(context.principal, capability):
        who = "a team manager" if capability is Capability.AUTHORISE else "a case worker"
        return NotAuthorised(
            reason=f"{action} needs {who}; the {context.principal.role} role cannot do it"
        )
    return None


def _changes_status(process: table.Process, action: str) -> bool:
    """Whether `action`, done, moves its record to another state (a case reaching a
    child protection plan or closing, care ending): what retention depends on.

    A proposal only waits for the manager (the change happens when it is authorised),
    and an action whose targets are all among its sources (a visit, a review, a new
    placement) keeps the record where it was.
    """
    declared = table.transition(process, action)
    if declared is None or declared.awaiting is not None:
        return False
    if process is table.Process.CASE:
        # The episode's own actions open its records (a transfer-in plan among them).
        return True
    return not set(declared.targets) <= declared.sources


async def _recompute_if_changed(context: HubContext, result: Row | Outcome, changed: bool) -> None:
    # The Livelink file's retention follows the child's status (issue 5): it is
    # recomputed here, where the resolvers join the workflow and records rooms, rather
    # than in the workflow engine, which may import only the graph.
    if changed and isinstance(result, dict):
        await record_resolvers.after_status_change(context, result["childId"])


async def _check_entry(context: HubContext, process: table.Process, result: Row | Outcome) -> None:
    """Keep on the child the DfE rules the saved record now breaks (issue 9: workers fix
    data when they enter it); the save itself stands whatever they say. A second write
    after the record's own: a failure here leaves the record saved and the warnings as
    the next save of it computes them."""
    if not isinstance(result, dict):
        return
    if process is table.Process.ADOPTION:
        # A plan for adoption is read beside its period of care's episodes (903 553).
        await _check_care(context, str(result["record"]["periodOfCareId"]))
        return
    child = None
    if process is table.Process.CARE:
        read = await context.store.read(
            data_warnings.CHILD_FOR_CARE_CHECKS, {"childId": result["childId"]}
        )
        if read:
            child = looked_after_child(
                read[0]["upn"], read[0]["facts"], result["record"], today_in_england()
            )
    checked = entry_warnings(process, result, child)
    if checked is None:
        return
    record_id, found = checked
    await context.store.write(
        data_warnings.REPLACE_RECORD_WARNINGS,
        {
            "childId": result["childId"],
            "recordId": record_id,
            "keys": [w.key for w in found],
            "warnings": [w.params() for w in found],
            "recordedBy": context.scope.viewer,
            "recordedAt": context.scope.now_ms,
        },
    )


async def check_care_again(context: HubContext, child_id: str) -> None:
    """A fact the SSDA903 reads beside the episodes changed (the reason a UPN is unknown,
    previous permanence): each period of care's warnings as that fact leaves them."""
    periods = await context.store.read(
        data_warnings.PERIODS_OF_CARE_OF_CHILD, {**context.scope.params(), "childId": child_id}
    )
    for period in periods:
        await _check_care(context, period["id"])


async def _check_care(context: HubContext, period_id: str) -> None:
    record = await journey.read_record(context.store, context.scope, table.Process.CARE, period_id)
    if record is not None:
        await _check_entry(context, table.Process.CARE, journey.engine.as_row(record))


async def record_warnings(context: HubContext, record_id: str) -> list[Row]:
    """The DfE rules a case's or period of care's saved data breaks."""
    loader = context.loader(
        "journey.dataWarnings",
        many_per_key(
            context.store,
            data_warnings.WARNINGS_OF_RECORDS,
            "recordId",
            value=lambda row: row["warning"],
        ),
    )
    rows: list[Row] = await loader.load(record_id)
    return rows


async def warnings_of_worker(context: HubContext, worker_id: str) -> list[Row]:
    """The data warnings of the children allocated to the worker."""
    return await context.store.read(
        data_warnings.WARNINGS_OF_WORKER, {**context.scope.params(), "workerId": worker_id}
    )


async def warnings_of_team(context: HubContext, team_id: str) -> list[Row]:
    """The data warnings of the children allocated in the team."""
    return await context.store.read(
        data_warnings.WARNINGS_OF_TEAM, {**context.scope.params(), "teamId": team_id}
    )


async def perform(
    context: HubContext,
    process: table.Process,
    record_id: str,
    action: str,
    version: int,
    raw: dict[str, Any],
) -> Row | Outcome:
    """Take one action of the process table on a record."""
    authority = table.authority_for(process, action)
    capability = CAPABILITY_FOR[authority] if authority else None
    if refused := _refuse(context, capability, action):
        return refused
    result = await journey.perform(
        context.store, context.scope, process, record_id, action, version, raw, clock(context)
    )
    await _recompute_if_changed(context, result, _changes_status(process, action))
    await _check_entry(context, process, result)
    return result


async def record_late_reason(context: HubContext, step_id: str, reason: str) -> Row | Outcome:
    """Record why a held step was late, on the record it is part of: the child and the
    step as it is now (`childId`, `step`), or the outcome (not found, not late, refused)."""
    rows = await context.store.read(
        statements.STEP_OWNER, {**context.scope.params(), "stepId": step_id}
    )
    owner = rows[0] if rows else None
    process = next(
        (
            process
            for process, label in table.RECORD_LABELS.items()
            if owner is not None
            and label in owner["labels"]
            and table.transition(process, table.RECORD_LATE_REASON) is not None
        ),
        None,
    )
    if owner is None or process is None:
        return NotFound(kind="Step", id=step_id)
    result = await perform(
        context,
        process,
        owner["recordId"],
        table.RECORD_LATE_REASON,
        owner["version"],
        {"stepId": step_id, "reason": reason},
    )
    if not isinstance(result, dict):
        return result
    step = next(s for s in result["steps"] if s["id"] == step_id)
    return {"childId": result["childId"], "step": step}


async def authorise(
    context: HubContext,
    process: table.Process,
    record_id: str,
    version: int,
    on: date | None = None,
    late_reason: str | None = None,
) -> Row | Outcome:
    """A manager authorises what the record is waiting on, on `on` (default today), with
    the reason it is late when its timescale is met only on authorisation."""
    if refused := _refuse(context, Capability.AUTHORISE, table.AUTHORISE):
        return refused
    result = await journey.authorise(
        context.store, context.scope, process, record_id, version, clock(context), on, late_reason
    )
    await _recompute_if_changed(context, result, changed=True)
    await _check_entry(context, process, result)
    return result


async def return_for_rework(
    context: HubContext,
    process: table.Process,
    record_id: str,
    version: int,
    reason: str,
    on: date | None = None,
) -> Row | Outcome:
    """A manager sends a proposal back with the reason, on `on` (default today)."""
    if refused := _refuse(context, Capability.AUTHORISE, table.RETURN_FOR_REWORK):
        return refused
    result = await journey.return_for_rework(
        context.store, context.scope, process, record_id, version, reason, clock(context), on
    )
    await _check_entry(context, process, result)
    return result


async def start_looked_after(context: HubContext, raw: dict[str, Any]) -> Row | Outcome:
    """Open a period of care for a child."""
    if refused := _refuse(context, Capability.WRITE_CASE, "startLookedAfter"):
        return refused
    data = validate(care.StartLookedAfter, raw)
    if isinstance(data, InvalidInput):
        return data
    result = await care.start_looked_after(context.store, context.scope, data, clock(context))
    await _recompute_if_changed(context, result, changed=True)
    await _check_entry(context, table.Process.CARE, result)
    return result


async def decide_adoption(
    context: HubContext, raw: dict[str, Any]
) -> Row | NotFound | TransitionRefused | NotAuthorised | InvalidInput:
    """Start a plan for adoption for a looked-after child."""
    if refused := _refuse(context, Capability.WRITE_CASE, "decideAdoption"):
        return refused
    data = validate(adoption.DecideAdoption, raw)
    if isinstance(data, InvalidInput):
        return data
    result = await adoption.decide_adoption(context.store, context.scope, data, clock(context))
    await _recompute_if_changed(context, result, changed=True)
    await _check_entry(context, table.Process.ADOPTION, result)
    return result


async def cases_of(context: HubContext, child_id: str) -> list[Row]:
    """The child's cases (CIN episodes), newest first, with their steps."""
    loader = context.loader(
        "journey.cases", many_per_key(context.store, statements.CASES_OF, "childId")
    )
    rows: list[Row] = await loader.load(child_id)
    return rows


async def periods_of_care_of(context: HubContext, child_id: str) -> list[Row]:
    """The child's periods of care, newest first, with their steps."""
    loader = context.loader(
        "journey.periodsOfCare",
        many_per_key(context.store, statements.PERIODS_OF_CARE_OF, "childId"),
    )
    rows: list[Row] = await loader.load(child_id)
    return rows


async def adoption_plans_of(context: HubContext, child_id: str) -> list[Row]:
    """The child's plans for adoption, newest first."""
    loader = context.loader(
        "journey.adoptionPlans",
        many_per_key(context.store, statements.ADOPTION_PLANS_OF, "childId"),
    )
    rows: list[Row] = await loader.load(child_id)
    return rows


async def chronology(context: HubContext, child_id: str) -> Row | None:
    """Events, notes, notices and contacts about the child (None if not visible)."""
    rows = await context.store.read(
        statements.CHRONOLOGY_OF, {**context.scope.params(), "childId": child_id}
    )
    return rows[0] if rows else None


async def work_of_worker(context: HubContext, worker_id: str) -> list[Row]:
    """Per child allocated to the worker: open due steps, pending decisions, authorisations."""
    return await context.store.read(
        worklists.WORK_OF_WORKER, {**context.scope.params(), "workerId": worker_id}
    )


async def work_of_team(context: HubContext, team_id: str) -> tuple[list[Row], list[Row]]:
    """The team's workers and, per child allocated in the team or held by the team with
    nobody in post allocated (no worker on its row), what is due."""
    params = {**context.scope.params(), "teamId": team_id}
    workers = await context.store.read(worklists.TEAM_WORKERS, {"teamId": team_id})
    rows = await context.store.read(worklists.WORK_OF_TEAM, params)
    unallocated = await context.store.read(
        worklists.WORK_OF_TEAM_UNALLOCATED, {**params, "today": today_in_england()}
    )
    # A child whose worker has left is still on that worker's row while they are a member.
    listed = {row["childId"] for row in rows}
    return workers, rows + [row for row in unallocated if row["childId"] not in listed]


async def notices(context: HubContext) -> list[Row]:
    """Unacknowledged notices for the caller, newest first."""
    return await context.store.read(
        worklists.OPEN_NOTICES_FOR, {**context.scope.params(), "limit": NOTICE_LIMIT}
    )


async def acknowledge_notice(context: HubContext, notice_id: str) -> Row | NotFound:
    """Mark one of the caller's notices acknowledged: it leaves their work list."""
    rows = await context.store.write(
        worklists.ACKNOWLEDGE_NOTICE, {**context.scope.params(), "noticeId": notice_id}
    )
    return rows[0] if rows else NotFound(kind="Notice", id=notice_id)


async def record(context: HubContext, process: table.Process, record_id: str) -> Row | None:
    """A case or period of care with its steps, or None if missing or not visible."""
    found = await journey.read_record(context.store, context.scope, process, record_id)
    return journey.engine.as_row(found) if found else None


async def as_at(
    context: HubContext, on: date
) -> dict[str, list[Row]] | NotAuthorised | InvalidInput:
    """Per category (open episodes, CP plans, CIN plans, looked after), the children
    whose record was open on `on`, for performance staff."""
    if not can(context.principal, Capability.READ_ALL):
        return NotAuthorised(reason="the as-at view is for performance and records staff")
    if on > today_in_england():
        return InvalidInput(problems=(FieldProblem("on", "must not be in the future"),))
    params = {**context.scope.params(), "asAt": on}
    return {
        category: await context.store.read(statement, params)
        for category, statement in statements.AS_AT.items()
    }
