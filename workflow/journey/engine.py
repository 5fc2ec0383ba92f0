"""Running an action: read the record, check the process table, compute the effect, write once.

The write is one statement guarded by the state and version the effect was computed
from, so anything that changed the record in between makes it write nothing; the
engine then reads again to say why (gone, moved on, or changed under the caller).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from graph.cypher import journey as statements
from workflow import process as table
from workflow.ids import new_id
from workflow.journey.effects import (
    Clock,
    Contradicted,
    Effect,
    EndedRecord,
    Record,
    Refusal,
    last_step_on,
)
from workflow.outcomes import (
    FieldProblem,
    InvalidInput,
    NotAuthorised,
    NotFound,
    TransitionRefused,
)
from workflow.validation import Input, validate

if TYPE_CHECKING:
    from graph import GraphStore, Row
    from graph.cypher.access import AccessScope

EffectFunction = Callable[[Record, Any, Clock], Effect]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """How to validate an action's input and what it does."""

    model: type[Input]
    effect: EffectFunction


_SPECS: dict[tuple[table.Process, str], ActionSpec] = {}

_KIND_OF_RECORD = {
    table.Process.CASE: "Case",
    table.Process.ASSESSMENT: "Assessment",
    table.Process.SECTION_47_ENQUIRY: "Section47Enquiry",
    table.Process.INITIAL_CONFERENCE: "InitialChildProtectionConference",
    table.Process.CHILD_PROTECTION_PLAN: "ChildProtectionPlan",
    table.Process.CHILD_IN_NEED_PLAN: "ChildInNeedPlan",
    table.Process.CARE: "PeriodOfCare",
    table.Process.ADOPTION: "AdoptionPlan",
}
# The processes of an episode of need, the episode included: their records are guarded
# by the episode's version and checked against its rules.
_IN_EPISODE = frozenset({table.Process.CASE, *table.EPISODE_PROCESSES})


def register(
    process: table.Process, action: str, model: type[Input]
) -> Callable[[EffectFunction], EffectFunction]:
    """Declare the input and effect of a transition the process table names."""
    if table.transition(process, action) is None:
        raise ValueError(f"{action} is not in the {process} process table")

    def decorate(effect: EffectFunction) -> EffectFunction:
        _SPECS[(process, action)] = ActionSpec(model, effect)
        return effect

    return decorate


def spec(process: table.Process, action: str) -> ActionSpec:
    return _SPECS[(process, action)]


def missing_specs() -> list[str]:
    """Transitions of the table with no declared effect (a test keeps this empty)."""
    return [t.action for t in table.TRANSITIONS if (t.process, t.action) not in _SPECS]


def _record(row: Row) -> Record:
    record = row["record"]
    return Record(
        id=record["id"],
        child_id=row["childId"],
        state=record["status"],
        version=record["version"],
        facts=record,
        steps=tuple(row["steps"]),
        date_of_birth=row.get("dateOfBirth"),
        episode=row.get("episode"),
        processes=tuple(row.get("processes") or ()),
        other_episodes=tuple(row.get("otherEpisodes") or ()),
        contacts=tuple(row.get("contacts") or ()),
        expected_date_of_birth=row.get("expectedDateOfBirth") if row.get("unborn") else None,
        period_of_care=row.get("periodOfCare"),
        care_episodes=tuple(row.get("careEpisodes") or ()),
        liberty_orders=tuple(row.get("libertyOrders") or ()),
        other_periods=tuple(row.get("otherPeriods") or ()),
        child_protection_plans=tuple(row.get("childProtectionPlans") or ()),
        home_postcodes=tuple(row.get("homePostcodes") or ()),
    )


async def read_record(
    store: GraphStore, scope: AccessScope, process: table.Process, record_id: str
) -> Record | None:
    """The record with its steps, or None when it is missing or not the caller's to see."""
    label = table.RECORD_LABELS[process]
    rows = await store.read(
        statements.RECORD_STATES[label], {**scope.params(), "recordId": record_id}
    )
    if not rows:
        return None
    record = _record(rows[0])
    if process is table.Process.CARE:
        record = replace(record, plans_ended_by_care=await _plans_ended_by(store, scope, record))
    return record


async def _plans_ended_by(
    store: GraphStore, scope: AccessScope, care: Record
) -> tuple[Record, ...]:
    """The child protection plans the period of care ended the day it began (the plan ends
    the day the child becomes looked after: workflow/process.py), each as its own record,
    with its episode: a correction of that day moves their end, by their rules."""
    plan_process, became_looked_after = table.ENDED_ON_BECOMING_LOOKED_AFTER
    ended = [
        plan["id"]
        for plan in care.child_protection_plans
        if plan.get("endReason") == became_looked_after
        and plan.get("endDate") == care.facts.get("startDate")
    ]
    plans = [await read_record(store, scope, plan_process, plan_id) for plan_id in ended]
    return tuple(plan for plan in plans if plan is not None)


def refusal(process: table.Process, record: Record, action: str, reason: str) -> TransitionRefused:
    """Refused: names the record, its state and what it allows instead."""
    return TransitionRefused(
        current_state=record.state,
        allowed=table.allowed_actions(process, record.state),
        reason=f"{_KIND_OF_RECORD[process]} {record.id} ({record.state}): {reason}",
    )


def _check(
    process: table.Process, record: Record, action: str, version: int
) -> TransitionRefused | None:
    allowed = table.allowed_actions(process, record.state)
    if action not in allowed:
        next_steps = ", ".join(allowed) or "none: the record is finished"
        return refusal(
            process,
            record,
            action,
            f"{action} is not allowed when the record is {record.state} (allowed: {next_steps})",
        )
    if version != record.version:
        return refusal(
            process,
            record,
            action,
            f"the record changed since you loaded it (version {version}, now "
            f"{record.version}); reload it and try again",
        )
    episode = record.episode
    history_only = (
        action in table.WRITTEN_UP_AFTER_THE_END
        and record.state in table.FINISHED_STATES.get(process, ())
    )
    if (
        process in table.EPISODE_PROCESSES
        and episode is not None
        and episode["status"] not in table.EPISODE_OPEN_STATES
        and not history_only
    ):
        return refusal(
            process,
            record,
            action,
            f"its episode of need {episode['id']} is {episode['status']}; nothing in it can change",
        )
    return None


def _ended_after(entry: dict[str, Any], on: date) -> date | None:
    """The day a finished record (never one recorded in error) stopped being in force,
    when that was after `on`: a record dated `on` would overlap it."""
    record = entry["record"]
    ended = record.get(table.ENDED_ON[table.Process(record["process"])])
    if record["status"] == table.RECORDED_IN_ERROR or not isinstance(ended, date):
        return None
    return ended if ended > on else None


def _in_force_after(
    record: Record, processes: frozenset[table.Process], on: date
) -> list[tuple[Row, date | None]]:
    """The records of `processes` in the episode in force on `on` or since: each open one
    (None) and each that ended after `on`, with its end (written up late and dated `on`,
    a record would overlap them)."""
    found: list[tuple[Row, date | None]] = []
    for process in processes:
        for entry in record.episode_records(process.value):
            if table.is_open(process, entry["record"]["status"]):
                found.append((entry, None))
            elif (ended := _ended_after(entry, on)) is not None:
                found.append((entry, ended))
    return found


def _named(record: Row, ended: date | None = None) -> str:
    """'ChildInNeedPlan <id> is <status>': a record as a refusal names it (with the day it
    ended, when that is why)."""
    kind = _KIND_OF_RECORD[table.Process(record["process"])]
    until = f" ({ended.isoformat()})" if ended is not None else ""
    return f"{kind} {record['id']} is {record['status']}{until}"


def _apply_rules(
    record: Record,
    rules: tuple[table.EpisodeRule, ...],
    on: date,
    ended: list[EndedRecord],
    by: str | None = None,
) -> str | None:
    """The reason the first rule refuses, or None; records the rules end go in `ended`,
    each naming the record `by` whose opening ended it (None for the episode's closure)."""
    for rule in rules:
        if blocking := _in_force_after(record, rule.refused_while_open, on):
            names = ", ".join(_named(entry["record"], ended) for entry, ended in blocking)
            return f"{rule.reason} ({names})"
        for entry, ended_on in _in_force_after(record, rule.ends_open, on):
            open_record = entry["record"]
            if ended_on is not None:
                # It ended since, after `on`: the rule would have ended it on `on`.
                return f"{rule.reason}, and {_named(open_record, ended_on)}"
            process = table.Process(open_record["process"])
            if open_record["status"] in table.awaiting_states(process):
                # A rule does not decide for the manager (ending a plan whose withdrawal
                # awaits authorisation would put it in the returns): they decide first.
                return f"{rule.reason}, and {_named(open_record)}: a manager decides on it first"
            started = open_record.get("startDate")
            if isinstance(started, date) and started > on:
                return (
                    f"{rule.reason}, and {open_record['id']} started on {started.isoformat()}, "
                    f"after {on.isoformat()}"
                )
            last = last_step_on(entry["steps"])
            if last is not None and last > on:
                return (
                    f"{rule.reason}, and {open_record['id']} has a step recorded on "
                    f"{last.isoformat()}, after {on.isoformat()}"
                )
            state = table.ENDED_STATE[process]
            ended.append(EndedRecord(open_record["id"], state, on, ended_by=by))
    return None


def episode_rules(
    process: table.Process, record: Record, action: str, effect: Effect
) -> Effect | TransitionRefused:
    """The episode's cross-process rules (workflow/process.py EPISODE_RULES) applied to
    an effect: refused, or the effect with the records the rules end."""
    if process not in _IN_EPISODE:
        return effect
    ended: list[EndedRecord] = []
    for new in effect.opened_records:
        opening = table.rules_on_opening(table.Process(new.process))
        if reason := _apply_rules(record, opening, new.opened_on, ended, new.id):
            return refusal(process, record, action, reason)
    closing = process is table.Process.CASE and effect.target in table.EPISODE_CLOSING_STATES
    if closing and (
        reason := _apply_rules(record, table.rules_on_closing(), effect.occurred_on, ended)
    ):
        return refusal(process, record, action, reason)
    return replace(effect, ended_records=(*effect.ended_records, *ended))


def _not_before_last_step(
    process: table.Process, record: Record, on: date, raw: dict[str, Any]
) -> InvalidInput | None:
    last = record.facts.get("lastOccurredOn")
    if process not in _IN_EPISODE or not isinstance(last, date) or on >= last:
        return None
    # The caller's field holding the date: a date through GraphQL, text from elsewhere.
    field = next((name for name, value in raw.items() if value in (on, on.isoformat())), "on")
    rule = f"must not be before the record's previous step ({last.isoformat()})"
    return InvalidInput(problems=(FieldProblem(field, rule),))


def _invalid(refused: Refusal) -> InvalidInput:
    return InvalidInput(
        problems=tuple(FieldProblem(field=field, rule=rule) for field, rule in refused.problems)
    )


async def _write(
    store: GraphStore,
    scope: AccessScope,
    process: table.Process,
    record: Record,
    action: str,
    target: str,
    effect: Effect,
    extra_facts: dict[str, Any],
    step_on: date | None,
) -> Row | NotFound | TransitionRefused:
    """Write the effect; `step_on` is the day of the step that moves the record on (its
    lastOccurredOn), None when the write records no such step."""
    label = table.RECORD_LABELS[process]
    dates = dict.fromkeys(statements.RECORD_DATES[label])
    dates.update(effect.dates)
    if "lastOccurredOn" in dates:
        # A correction of the step that moved the record on moves its day too.
        dates["lastOccurredOn"] = step_on or effect.dates.get("lastOccurredOn")
    changes = [change.params() for change in effect.changed]
    facts = {**effect.facts, **extra_facts}
    if effect.stamp is not None:
        facts |= {f"{effect.stamp}By": scope.viewer, f"{effect.stamp}At": scope.now_ms}
    episode_version = (
        record.version if process is table.Process.CASE else (record.episode or {}).get("version")
    )
    rows = await store.write(
        statements.TRANSITIONS[label],
        {
            **scope.params(),
            "recordId": record.id,
            "process": process.value,
            "action": action,
            "from": record.state,
            "to": target,
            "version": record.version,
            "facts": facts,
            "dates": dates,
            "eventId": new_id(),
            "occurredOn": effect.occurred_on,
            "summary": effect.summary,
            "changedIds": [change["id"] for change in changes],
            "changes": changes,
            "opened": [step.params() for step in effect.opened],
            "episodeVersion": episode_version,
            "openedRecords": [
                new.params(statements.RECORD_DATES[new.label]) for new in effect.opened_records
            ],
            "endedIds": [ended.record_id for ended in effect.ended_records],
            "ended": [ended.params() for ended in effect.ended_records],
            "clearedDates": list(effect.cleared),
            "retimed": [retimed.params() for retimed in effect.retimed_records],
            # The plans a period of care's correction moves the end of, as they were read.
            "retimedAsRead": [
                f"{plan.id}@{plan.version}@{(plan.episode or {}).get('version')}"
                for plan in record.plans_ended_by_care
            ],
            "retimedSteps": [
                step for retimed in effect.retimed_records for step in retimed.step_params()
            ],
            "retimedStepStatuses": [
                {"id": change.step_id, "status": change.status}
                for retimed in effect.retimed_records
                for change in retimed.step_statuses
            ],
            "retimedContacts": [retimed.params() for retimed in effect.retimed_contacts],
            "movedFacts": [moved.params() for moved in effect.moved_facts],
            "earlyHelp": effect.early_help,
            "withdrawnContacts": list(effect.withdrawn_contacts),
            "earlyHelpRecall": effect.early_help_recall,
        },
    )
    return await _after_write(store, scope, process, record, action, bool(rows))


async def _after_write(
    store: GraphStore,
    scope: AccessScope,
    process: table.Process,
    record: Record,
    action: str,
    written: bool,
) -> Row | NotFound | TransitionRefused:
    fresh = await read_record(store, scope, process, record.id)
    if fresh is None:
        return NotFound(kind=_KIND_OF_RECORD[process], id=record.id)
    if not written:
        return refusal(
            process,
            fresh,
            action,
            f"the record changed while {action} was being recorded (now {fresh.state}, "
            f"version {fresh.version}); reload it and try again",
        )
    return as_row(fresh)


def as_row(record: Record) -> Row:
    """The record as resolvers and schema types read it."""
    return {
        "record": record.facts,
        "steps": list(record.steps),
        "childId": record.child_id,
        "episode": record.episode,
        "processes": list(record.processes),
    }


async def perform(
    store: GraphStore,
    scope: AccessScope,
    process: table.Process,
    record_id: str,
    action: str,
    version: int,
    raw: dict[str, Any],
    clock: Clock,
) -> Row | NotFound | TransitionRefused | InvalidInput:
    """Take `action` on the record: refused, invalid, proposed for authorisation, or done."""
    declared = table.transition(process, action)
    if declared is None:
        raise ValueError(f"{action} is not an action of {process}")
    record = await read_record(store, scope, process, record_id)
    if record is None:
        return NotFound(kind=_KIND_OF_RECORD[process], id=record_id)
    if refused := _check(process, record, action, version):
        return refused
    action_spec = spec(process, action)
    data = validate(action_spec.model, raw)
    if isinstance(data, InvalidInput):
        return data
    try:
        computed = action_spec.effect(record, data, clock)
    except Refusal as problem:
        return _invalid(problem)
    except Contradicted as contradiction:
        return refusal(process, record, action, str(contradiction))
    if computed.target not in declared.targets:
        raise AssertionError(f"{action} led to {computed.target}, not one of {declared.targets}")
    # Steps that move the record on (not visits or reviews, which may be recorded in any
    # order) cannot have happened before the step that brought it where it is.
    moves_on = not set(declared.targets) <= declared.sources
    if moves_on and (
        too_early := _not_before_last_step(process, record, computed.occurred_on, raw)
    ):
        return too_early
    effect = episode_rules(process, record, action, computed)
    if isinstance(effect, TransitionRefused):
        return effect
    if declared.awaiting is None:
        moved_on = effect.occurred_on if effect.target != record.state else None
        return await _write(
            store, scope, process, record, action, effect.target, effect, {}, moved_on
        )
    # Proposed, not done: the input waits on the record for the manager, who sees the
    # same validated facts the worker recorded.
    proposal = Effect(
        target=declared.awaiting,
        occurred_on=effect.occurred_on,
        summary=f"Proposed for authorisation: {effect.summary}",
    )
    pending = {
        "pendingAction": action,
        "pendingFrom": record.state,
        "pendingInput": data.model_dump_json(by_alias=True),
        "pendingBy": scope.viewer,
        "pendingOn": effect.occurred_on.isoformat(),
    }
    # Not yet a step of the record: it becomes one, dated the day it happened, when a
    # manager authorises it, and a return for rework leaves the record as it was.
    return await _write(
        store, scope, process, record, action, declared.awaiting, proposal, pending, None
    )


_REASON_LIMIT = 2_000
_CLEARED = dict.fromkeys(("pendingAction", "pendingFrom", "pendingInput", "pendingBy", "pendingOn"))


def _decision_date(record: Record, on: date, today: date) -> InvalidInput | None:
    """A manager's decision happened on `on`: not in the future, not before the proposal."""
    if on > today:
        return InvalidInput(problems=(FieldProblem("on", "must not be in the future"),))
    proposed = record.facts.get("pendingOn")
    if proposed and on < date.fromisoformat(str(proposed)):
        rule = f"must not be before what it decides on was recorded as done ({proposed})"
        return InvalidInput(problems=(FieldProblem("on", rule),))
    return None


def _with_late_reason[M: Input](
    model: type[M], pending: str, late_reason: str | None
) -> M | InvalidInput:
    """The proposed input, with the manager's reason it is late where it gave none."""
    raw = json.loads(pending)
    if late_reason is not None:
        if "late_reason" not in model.model_fields:
            rule = "what is being authorised has no timescale to be late for"
            return InvalidInput(problems=(FieldProblem("lateReason", rule),))
        if not str(raw.get("lateReason") or "").strip():
            raw["lateReason"] = late_reason
    return validate(model, raw)


def _four_eyes(record: Record, scope: AccessScope) -> NotAuthorised | None:
    # Four eyes: whoever proposed an action may not also authorise (or return) it.
    if record.facts.get("pendingBy") == scope.viewer:
        action = record.facts.get("pendingAction")
        return NotAuthorised(
            reason=f"you recorded {action} on {record.id}; another manager must decide on it"
        )
    return None


async def authorise(
    store: GraphStore,
    scope: AccessScope,
    process: table.Process,
    record_id: str,
    version: int,
    clock: Clock,
    on: date | None = None,
    late_reason: str | None = None,
) -> Row | NotFound | TransitionRefused | InvalidInput | NotAuthorised:
    """A manager authorises the action the record is waiting on: it takes effect, dated
    the day the manager authorised it (`on`, default today). `late_reason` says why a step
    whose timescale is met only when authorised waited past its due day; a reason the
    worker gave with the step stands."""
    authorised_on = on or clock.today
    record = await read_record(store, scope, process, record_id)
    if record is None:
        return NotFound(kind=_KIND_OF_RECORD[process], id=record_id)
    if refused := _check(process, record, table.AUTHORISE, version):
        return refused
    if not_yours := _four_eyes(record, scope):
        return not_yours
    if wrong_date := _decision_date(record, authorised_on, clock.today):
        return wrong_date
    action = str(record.facts["pendingAction"])
    action_spec = spec(process, action)
    data = _with_late_reason(action_spec.model, str(record.facts["pendingInput"]), late_reason)
    if isinstance(data, InvalidInput):
        return data
    try:
        effect = action_spec.effect(record, data, replace(clock, authorised_on=authorised_on))
    except Refusal as problem:
        return _invalid(problem)
    # The rules see what was done on the day it was done (a closure ends the CIN plan
    # on the closure date, not on the day the manager agreed to it).
    ruled = episode_rules(process, record, table.AUTHORISE, effect)
    if isinstance(ruled, TransitionRefused):
        return ruled
    authorised = replace(ruled, occurred_on=authorised_on, summary=f"Authorised: {ruled.summary}")
    # The step is dated the day it happened: the manager's decision on it is not a step
    # with the child, so it does not hold later steps back (a closure the day services
    # ended, authorised a week later).
    return await _write(
        store,
        scope,
        process,
        record,
        table.AUTHORISE,
        effect.target,
        authorised,
        _CLEARED,
        ruled.occurred_on,
    )


async def return_for_rework(
    store: GraphStore,
    scope: AccessScope,
    process: table.Process,
    record_id: str,
    version: int,
    reason: str,
    clock: Clock,
    on: date | None = None,
) -> Row | NotFound | TransitionRefused | InvalidInput | NotAuthorised:
    """A manager sends the proposal back: the record returns to where it was proposed from."""
    returned_on = on or clock.today
    record = await read_record(store, scope, process, record_id)
    if record is None:
        return NotFound(kind=_KIND_OF_RECORD[process], id=record_id)
    if refused := _check(process, record, table.RETURN_FOR_REWORK, version):
        return refused
    if not_yours := _four_eyes(record, scope):
        return not_yours
    if wrong_date := _decision_date(record, returned_on, clock.today):
        return wrong_date
    if not reason.strip() or len(reason) > _REASON_LIMIT:
        rule = f"say what needs doing again, in 1 to {_REASON_LIMIT} characters"
        return InvalidInput(problems=(FieldProblem("reason", rule),))
    back = Effect(
        target=str(record.facts["pendingFrom"]),
        occurred_on=returned_on,
        summary=f"Returned for rework ({record.facts['pendingAction']}): {reason.strip()}",
    )
    # A decision, not a step: the record is back where it was proposed from, its last
    # step unchanged, so the worker dates what they record next the day it happened (a
    # closure the day services ended, though the manager returned it days later).
    return await _write(
        store, scope, process, record, table.RETURN_FOR_REWORK, back.target, back, _CLEARED, None
    )
