"""Every day a journey action takes, given tomorrow in England, is refused naming it.

Generated from the process table and each action's input model, so an action or a date
field added later is tried without editing a test: the record is driven (along the
transition matrix's canonical paths) into the first state that allows the action, the
action is taken with that one field set to tomorrow, and the answer must be InvalidInput
naming the field and the rule, with nothing written. A manager's decision (`on`) is tried
the same way in each state that awaits one.
"""

from __future__ import annotations

from datetime import date, timedelta
from types import UnionType
from typing import Any, Union, get_args, get_origin

import pytest

from graph import FalkorDBStore
from tests.workflow.test_process_matrix import (
    CLOCK,
    MANAGER,
    PATHS,
    PRELUDES,
    Journey,
    _overrides,
)
from workflow import journey
from workflow import process as table
from workflow.calendar import today_in_england
from workflow.outcomes import InvalidInput

pytestmark = pytest.mark.anyio

FUTURE = "must not be in the future"
_DECISIONS = (table.AUTHORISE, table.RETURN_FOR_REWORK)


def _is_a_day(annotation: Any) -> bool:
    if annotation is date:
        return True
    if get_origin(annotation) in (Union, UnionType):
        return any(_is_a_day(arg) for arg in get_args(annotation))
    return any(_is_a_day(arg) for arg in get_args(annotation)[:1])


def _dated_fields(process: table.Process, action: str) -> list[str]:
    model = journey.engine.spec(process, action).model
    return [
        field.alias or name
        for name, field in model.model_fields.items()
        if _is_a_day(field.annotation)
    ]


def _first_state_allowing(process: table.Process, action: str) -> str:
    return next(
        state for state in table.STATES[process] if action in table.allowed_actions(process, state)
    )


DATED = [
    pytest.param(process, action, field, id=f"{process.value}-{action}-{field}")
    for process in table.Process
    for action in table.actions(process)
    if action not in _DECISIONS
    for field in _dated_fields(process, action)
]
AWAITING = [
    pytest.param(process, state, decision, id=f"{process.value}-{state}-{decision}")
    for process in table.Process
    for state in table.awaiting_states(process)
    for decision in _DECISIONS
]


def test_every_action_but_a_late_reason_takes_a_day_and_is_walked() -> None:
    # A reason why a held step was late is given on any day, and a step recorded in error
    # is withdrawn on any day: neither dates anything (who and when are the record's).
    undated = {
        table.RECORD_LATE_REASON,
        table.RECORD_DECISION_LATE_REASON,
        "withdrawCareStep",
        "withdrawChildProtectionStep",
        "withdrawChildInNeedStep",
    }
    walked = {(process, action) for process, action, _ in (p.values for p in DATED)}
    assert walked == {
        (process, action)
        for process in table.Process
        for action in table.actions(process)
        if action not in {*_DECISIONS, *undated}
    }


async def _refused_in_future(walk: Journey, result: Any, field: str, before: Any) -> None:
    assert isinstance(result, InvalidInput), result
    assert (field, FUTURE) in [(p.field, p.rule) for p in result.problems], result
    assert await walk.state() == before


@pytest.mark.parametrize(("process", "action", "field"), DATED)
async def test_a_day_in_the_future_is_refused_naming_it(
    store: FalkorDBStore, process: table.Process, action: str, field: str
) -> None:
    state = _first_state_allowing(process, action)
    walk = Journey(store, process)
    await walk.start(f"future-{action}-{field}")
    await walk.walk(PATHS[process][state])
    await walk.walk(PRELUDES.get(action, []))
    before = await walk.state()
    tomorrow = (today_in_england() + timedelta(days=1)).isoformat()
    result = await walk.act(action, {**_overrides(state, action), field: tomorrow})
    await _refused_in_future(walk, result, field, before)


@pytest.mark.parametrize(("process", "state", "decision"), AWAITING)
async def test_a_managers_decision_in_the_future_is_refused_naming_it(
    store: FalkorDBStore, process: table.Process, state: str, decision: str
) -> None:
    walk = Journey(store, process)
    await walk.start(f"future-{state}-{decision}")
    await walk.walk(PATHS[process][state])
    before = await walk.state()
    _, version, _ = before
    tomorrow = today_in_england() + timedelta(days=1)
    if decision == table.AUTHORISE:
        result = await journey.authorise(
            store, MANAGER, process, walk.record_id, version, CLOCK, tomorrow
        )
    else:
        result = await journey.return_for_rework(
            store, MANAGER, process, walk.record_id, version, "redo it", CLOCK, tomorrow
        )
    await _refused_in_future(walk, result, "on", before)
