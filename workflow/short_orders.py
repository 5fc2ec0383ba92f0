"""Legal statuses that last days, not months: police protection, an emergency protection
or child assessment order, accommodation under PACE.

A child still under one a few days on has a later order, or has left care, by then; the
SSDA903 returns an episode still open on 31 March as lasting until that day, so an order
carried past its length there breaks the DfE's rules 361-364 as surely as one recorded
ending late. The workflow refuses a later step that would carry one past its length, and
lists the day it lapses as due; the return builder reports one still open at the year end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from workflow.codes import LegalStatus


@dataclass(frozen=True, slots=True)
class ShortOrder:
    """How long an order may be returned as lasting, counted from the first episode
    under it to the day it ended, and the SSDA903 rule that says so."""

    longest: timedelta
    rule: str
    code: str


# SSDA903 rules 361-364 (the DfE's tolerances: 72 hours, 21 days, 7 days, 21 days).
SHORT_ORDERS: dict[str, ShortOrder] = {
    LegalStatus.L1_POLICE_PROTECTION.value: ShortOrder(
        timedelta(days=3), "police protection lasts at most 72 hours", "361"
    ),
    LegalStatus.L2_EMERGENCY_PROTECTION_ORDER.value: ShortOrder(
        timedelta(days=21), "an emergency protection order lasts at most 21 days", "362"
    ),
    LegalStatus.L3_CHILD_ASSESSMENT_ORDER.value: ShortOrder(
        timedelta(days=7), "a child assessment order lasts at most 7 days", "363"
    ),
    LegalStatus.J2_POLICE_AND_CRIMINAL_EVIDENCE_ACT_ACCOMMODATION.value: ShortOrder(
        timedelta(days=21), "accommodation under PACE lasts at most 21 days", "364"
    ),
}


@dataclass(frozen=True, slots=True)
class UnderShortOrder:
    """The child's current episode is under a short order: which, since when, and the
    last day it may still be in force."""

    status: str
    since: date
    order: ShortOrder

    @property
    def lapses_on(self) -> date:
        return self.since + self.order.longest

    def carried_to(self, on: date) -> str | None:
        """Why the order cannot still be in force on `on`, or None if it can."""
        if on <= self.lapses_on:
            return None
        return (
            f"the child has been under {self.status} since {self.since.isoformat()} and"
            f" {self.order.rule} (SSDA903 rule {self.order.code})"
        )


def under_short_order(episodes: Iterable[Mapping[str, Any]]) -> UnderShortOrder | None:
    """The short order the last of a period's SSDA903 episodes (each with `startDate`,
    `completedDate` and `legalStatus`) is under, counted from the first episode of an
    unbroken run under it; None if the last episode is under none."""
    ordered = sorted(episodes, key=lambda s: s["startDate"])
    if not ordered or ordered[-1].get("legalStatus") not in SHORT_ORDERS:
        return None
    status = str(ordered[-1]["legalStatus"])
    since: date = ordered[-1]["startDate"]
    for earlier in reversed(ordered[:-1]):
        if earlier.get("legalStatus") != status or earlier.get("completedDate") != since:
            break
        since = earlier["startDate"]
    return UnderShortOrder(status, since, SHORT_ORDERS[status])
