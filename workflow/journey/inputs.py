"""Pieces the journey's inputs share: dates not in the future, reasons, late completion."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from workflow.calendar import today_in_england
from workflow.contacts import PastDate
from workflow.journey.effects import Refusal
from workflow.timescales import check_late_completion
from workflow.validation import Input

if TYPE_CHECKING:
    from workflow.timescales import TimescaleKey

# The day something happened: today unless the caller says otherwise (late recording).
HappenedOn = Annotated[PastDate, Field(default_factory=today_in_england)]
Reason = Annotated[str, Field(min_length=1, max_length=2_000)]
OptionalReason = Annotated[str, Field(max_length=2_000)] | None

__all__ = [
    "HappenedOn",
    "Input",
    "OptionalReason",
    "PastDate",
    "Reason",
    "check_late",
    "not_before",
]


def check_late(
    rule: TimescaleKey | str | None,
    due: date | None,
    completed_on: date,
    reason: str | None,
    field: str = "lateReason",
) -> None:
    """Refuse a late completion that gives no reason (Working Together 2023: record why)."""
    if rule is None or due is None:
        return
    late = check_late_completion(rule, due, completed_on, reason)
    if late is not None:
        raise Refusal((field, late.message))


def not_before(value: date, earliest: date | None, field: str, what: str) -> None:
    """Refuse a date before the one it must follow (e.g. an assessment before its referral)."""
    if earliest is not None and value < earliest:
        raise Refusal((field, f"must not be before {what} ({earliest.isoformat()})"))
