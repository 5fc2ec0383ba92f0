"""Running an action: read the record, check the process table, compute the effect, write once.

The write is one statement guarded by the state and version the effect was computed
from, so anything that changed the record in between makes it write nothing; the
engine then reads again to say why (gone, moved on, or changed under the caller).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graph.cypher import journey as statements
from workflow import process as table
from workflow.ids import new_id
from workflow.journey.effects import Clock, Effect, Record, Refusal
from workflow.outcomes import FieldProblem, InvalidInput, NotFound, TransitionRefused
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
    table.Process.CARE: "PeriodOfCare",
    table.Process.ADOPTION: "AdoptionPlan",
}


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
    )


async def read_record(
    store: GraphStore, scope: AccessScope, process: table.Process, record_id: str
) -> Record | None:
    """The record with its steps, or None when it is missing or not the caller's to see."""
    label = table.RECORD_LABELS[process]
    rows = await store.read(
        statements.RECORD_STATES[label], {**scope.params(), "recordId": record_id}
    )
    return _record(rows[0]) if rows else None


def refusal(process: table.Process, record: Record, action: str, reason: str) -> TransitionRefused:
    return TransitionRefused(
        current_state=record.state,
        allowed=table.allowed_actions(process, record.state),
        reason=reason,
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
    return None


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
) -> Row | NotFound | TransitionRefused:
    label = table.RECORD_LABELS[process]
    dates = dict.fromkeys(statements.RECORD_DATES[label])
    dates.update(effect.dates)
    changes = [change.params() for change in effect.changed]
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
            "facts": {**effect.facts, **extra_facts},
            "dates": dates,
            "eventId": new_id(),
            "occurredOn": effect.occurred_on,
            "summary": effect.summary,
            "changedIds": [change["id"] for change in changes],
            "changes": changes,
            "opened": [step.params() for step in effect.opened],
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
    return {"record": record.facts, "steps": list(record.steps), "childId": record.child_id}


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
        effect = action_spec.effect(record, data, clock)
    except Refusal as problem:
        return _invalid(problem)
    if effect.target not in declared.targets:
        raise AssertionError(f"{action} led to {effect.target}, not one of {declared.targets}")
    if declared.awaiting is None:
        return await _write(store, scope, process, record, action, effect.target, effect, {})
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
    }
    return await _write(store, scope, process, record, action, declared.awaiting, proposal, pending)


_REASON_LIMIT = 2_000
_CLEARED = dict.fromkeys(("pendingAction", "pendingFrom", "pendingInput", "pendingBy"))


async def authorise(
    store: GraphStore,
    scope: AccessScope,
    process: table.Process,
    record_id: str,
    version: int,
    clock: Clock,
) -> Row | NotFound | TransitionRefused | InvalidInput:
    """A manager authorises the action the record is waiting on: it takes effect now."""
    record = await read_record(store, scope, process, record_id)
    if record is None:
        return NotFound(kind=_KIND_OF_RECORD[process], id=record_id)
    if refused := _check(process, record, table.AUTHORISE, version):
        return refused
    action = str(record.facts["pendingAction"])
    action_spec = spec(process, action)
    data = action_spec.model.model_validate(json.loads(str(record.facts["pendingInput"])))
    try:
        effect = action_spec.effect(record, data, clock)
    except Refusal as problem:
        return _invalid(problem)
    authorised = Effect(
        target=effect.target,
        occurred_on=clock.today,
        summary=f"Authorised: {effect.summary}",
        facts=effect.facts,
        dates=effect.dates,
        opened=effect.opened,
        changed=effect.changed,
    )
    return await _write(
        store, scope, process, record, table.AUTHORISE, effect.target, authorised, _CLEARED
    )


async def return_for_rework(
    store: GraphStore,
    scope: AccessScope,
    process: table.Process,
    record_id: str,
    version: int,
    reason: str,
    clock: Clock,
) -> Row | NotFound | TransitionRefused | InvalidInput:
    """A manager sends the proposal back: the record returns to where it was proposed from."""
    record = await read_record(store, scope, process, record_id)
    if record is None:
        return NotFound(kind=_KIND_OF_RECORD[process], id=record_id)
    if refused := _check(process, record, table.RETURN_FOR_REWORK, version):
        return refused
    if not reason.strip() or len(reason) > _REASON_LIMIT:
        rule = f"say what needs doing again, in 1 to {_REASON_LIMIT} characters"
        return InvalidInput(problems=(FieldProblem("reason", rule),))
    back = Effect(
        target=str(record.facts["pendingFrom"]),
        occurred_on=clock.today,
        summary=f"Returned for rework ({record.facts['pendingAction']}): {reason.strip()}",
    )
    return await _write(
        store, scope, process, record, table.RETURN_FOR_REWORK, back.target, back, _CLEARED
    )
