"""Steps written up out of order: a review, visit or core group held before one of its
kind already recorded (a paper record, the old system, a colleague's notes typed later).

Each held step of a kind answers one due step of it: the first answers the one the
record opened with, each later one the one due from those before it. A step inserted
before later ones takes the due step the first of them answered (late against that day
only with a reason), and each later one then answers the step due from those before it
as they now stand, so a review typed after the one that followed it is neither late nor
makes the later one late, and the next falls due from the latest as before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from workflow.journey.effects import (
    Effect,
    NewStep,
    StepChange,
    StepKind,
    StepStatus,
    recorded_late,
)
from workflow.journey.inputs import check_late, on_time_after_all
from workflow.timescales import DueDate, TimescaleKey

if TYPE_CHECKING:
    from workflow.journey.effects import Record

# The next step of a kind falls due from the days the held ones happened, in order (all
# of them, for a rule that counts them, such as the looked-after reviews' 20 days, 3
# months, 6); None when nothing more falls due from them (a core group after the first,
# a pathway plan review after the 25th birthday).
NextDue = Callable[[list[date]], DueDate | None]


def _in_order(record: Record, kind: StepKind) -> list[dict[str, Any]]:
    held = [s for s in record.done_steps(kind) if isinstance(s.get("completedDate"), date)]
    return sorted(held, key=lambda s: (s["completedDate"], s.get("createdAt", 0)))


def _answers(step: dict[str, Any], due: DueDate | None) -> StepChange | None:
    """The change that makes a held step answer `due` (None: no step is due for it). A
    step on time by it no longer carries the reason it was late (`on_time`): one given
    when it read as late (a later review typed before the earlier one) is not the facts."""
    on_time = on_time_after_all(
        step, due.rule if due else None, due.due if due else None, step.get("completedDate")
    )
    # Held in order, a step that answered one due has no start of its own, and one that
    # answered none was done, and started, on its day (effects.recorded_late): a held step
    # re-timed reads as it would have, whatever order the records came in.
    held_on = step.get("completedDate")
    if due is None:
        if step.get("dueDate") is None:
            return None
        return StepChange(
            step["id"],
            start_date=held_on,
            on_time=on_time,
            facts={"dueDate": None, "dueRule": None},
        )
    if (step.get("dueDate"), step.get("dueRule")) == (due.due, due.rule.value):
        return None
    started = {"startDate": None} if step.get("startDate") == held_on else {}
    return StepChange(
        step["id"],
        due_date=due.due,
        on_time=on_time,
        facts={"dueRule": due.rule.value, **started},
    )


def _still_from(step: dict[str, Any] | None, due: DueDate | None) -> bool:
    """Whether `step` is due where the held ones set it (not from a move or another event
    the kind also counts from): only then does it move with them."""
    return step is not None and due is not None and step.get("dueDate") == due.due


def _opening(step: dict[str, Any]) -> DueDate | None:
    """The due step the first held one answered (None: it answered none)."""
    due, rule = step.get("dueDate"), step.get("dueRule")
    if not isinstance(due, date) or not rule:
        return None
    return DueDate(rule=TimescaleKey(rule), anchor=step["completedDate"], due=due)


def open_step_follows(
    record: Record, kind: StepKind, was: list[date], now: list[date], following: NextDue | None
) -> tuple[StepChange, ...]:
    """The open `kind` step, when it was due from the held days `was` (not from a move or
    another event the kind also counts from), due from them as they now stand (`now`):
    cancelled when nothing more falls due."""
    due = record.open_step(kind)
    if following is None or due is None or not _still_from(due, following(was)):
        return ()
    after = following(now)
    if after is None:
        return (StepChange(due["id"], status=StepStatus.CANCELLED),)
    change = _answers(due, after)
    return () if change is None else (change,)


def held_again(
    record: Record, kind: StepKind, step_id: str, on: date, following: NextDue | None
) -> dict[str, StepChange]:
    """The held `kind` step `step_id` moved to `on` (its day corrected), as if taken out
    and held again that day: each held step whose steps before it changed answers the due
    step its place now gives it, by the rule above (the first the one the record opened
    with, each later one the one due from those before it, if it was due from them). By
    step id; the moved step's own is there only when its place changed."""
    held = _in_order(record, kind)
    if following is None or not held:
        return {}

    def day(step: dict[str, Any]) -> date:
        return on if step["id"] == step_id else step["completedDate"]

    now = sorted(held, key=lambda s: (day(s), s.get("createdAt", 0)))
    changes: dict[str, StepChange] = {}
    for index, step in enumerate(now):
        place = next(i for i, s in enumerate(held) if s["id"] == step["id"])
        was = [s["completedDate"] for s in held[:place]]
        before = [day(s) for s in now[:index]]
        if was == before or (place and not _still_from(step, following(was))):
            continue
        if change := _answers(step, following(before) if index else _opening(held[0])):
            changes[step["id"]] = change
    return changes


def taken_out(
    record: Record, kind: StepKind, step_id: str, following: NextDue | None
) -> tuple[StepChange, ...]:
    """The held `kind` step `step_id` taken out (recorded in error): each held step after
    it answers the due step its place now gives it, by the rule above (the first the one
    the record opened with, each later one the one due from those before it, if it was
    due from them), and the one still due falls due from the held ones left, or, none
    left, as the first held one was."""
    held = _in_order(record, kind)
    if following is None or not held:
        return ()
    left = [s for s in held if s["id"] != step_id]
    changes: list[StepChange] = []
    for index, step in enumerate(left):
        place = next(i for i, s in enumerate(held) if s["id"] == step["id"])
        was = [s["completedDate"] for s in held[:place]]
        before = [s["completedDate"] for s in left[:index]]
        if was == before or (place and not _still_from(step, following(was))):
            continue
        if change := _answers(step, following(before) if index else _opening(held[0])):
            changes.append(change)
    every = [s["completedDate"] for s in held]
    if left:
        return (
            *changes,
            *open_step_follows(record, kind, every, [s["completedDate"] for s in left], following),
        )
    due = record.open_step(kind)
    opening = _opening(held[0])
    if (
        due is not None
        and opening is not None
        and _still_from(due, following(every))
        and (change := _answers(due, opening))
    ):
        changes.append(change)
    return tuple(changes)


def held_before_later(
    record: Record,
    kind: StepKind,
    on: date,
    summary: str,
    late_reason: str | None,
    following: NextDue | None,
    **facts: Any,
) -> Effect:
    """A `kind` step held on `on`, before one already recorded: it answers the due step the
    first later one answered, and the later ones (and the one still due) fall due from the
    held ones as they now stand. With no due step to answer (the later one answered none),
    it is history (`recorded_late`), as it is when the kind falls due from something
    besides the held ones (`following` None: a statutory visit once care ended)."""
    held = _in_order(record, kind)
    later = [s for s in held if s["completedDate"] > on]
    first = later[0] if later else None
    if (
        following is None
        or first is None
        or not isinstance(first.get("dueDate"), date)
        or not first.get("dueRule")
    ):
        return recorded_late(record.state, kind, on, summary, **facts)
    check_late(first["dueRule"], first["dueDate"], on, late_reason)
    answered = DueDate(rule=TimescaleKey(first["dueRule"]), anchor=on, due=first["dueDate"])
    before = [s["completedDate"] for s in held if s["completedDate"] <= on]
    changes: list[StepChange] = []
    for index, step in enumerate(later):
        was = [*before, *(s["completedDate"] for s in later[:index])]
        now = sorted([*was, on])
        # The first later one gives its due step up; each after it moves only if it was
        # due from the held ones before it.
        if index and not _still_from(step, following(was)):
            continue
        if change := _answers(step, following(now)):
            changes.append(change)
    every = [s["completedDate"] for s in held]
    changes.extend(open_step_follows(record, kind, every, sorted([*every, on]), following))
    late = {"lateReason": late_reason} if late_reason else {}
    return Effect(
        target=record.state,
        occurred_on=on,
        summary=f"{summary} (written up after a later one)",
        opened=(
            NewStep(
                kind,
                due=answered,
                completed_date=on,
                status=StepStatus.DONE,
                facts={**facts, **late},
            ),
        ),
        changed=tuple(changes),
    )


def anchored_again(
    record: Record,
    kind: StepKind,
    was: tuple[list[dict[str, Any]], NextDue],
    now: tuple[list[dict[str, Any]], NextDue],
) -> tuple[StepChange, ...]:
    """The `kind` steps, when the day their timescale counts from is corrected (the start
    of care, a placement's start): `was` and `now` are the held steps that count from it,
    in order, and how the next falls due from them (called with none for the first), as
    recorded and as corrected. Each held step, and the one still due, that was due where
    the recorded day set it (not from something else the kind also counts from) answers
    the step the corrected day gives it, late by it only as the facts say (the reason is
    not the correction's to give)."""
    (held_was, due_was), (held_now, due_now) = was, now
    changes: list[StepChange] = []
    for index, step in enumerate(held_now):
        place = next((i for i, s in enumerate(held_was) if s["id"] == step["id"]), None)
        before = (
            due_was([s["completedDate"] for s in held_was[:place]]) if place is not None else None
        )
        if not _still_from(step, before):
            continue
        if change := _answers(step, due_now([s["completedDate"] for s in held_now[:index]])):
            changes.append(change)
    due = record.open_step(kind)
    if _still_from(due, due_was([s["completedDate"] for s in held_was])):
        assert due is not None
        if change := _answers(due, due_now([s["completedDate"] for s in held_now])):
            changes.append(change)
    return tuple(changes)


def held_in_order(record: Record, kind: StepKind) -> list[dict[str, Any]]:
    """The held `kind` steps in the order they happened."""
    return _in_order(record, kind)
