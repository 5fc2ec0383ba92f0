"""Orders depriving a child of liberty (DoLOs) and where the child may be placed under one.

SSDA903 2026-27 rules 709 and 710: while an order is in force, every episode of care is a
placement in a children's home (K2) or one of the "other placements" Z12 and Z13; never a
secure children's home (K1), with parents (P1), a young offender institution (R5) or
supported accommodation (K3). The DfE's own rules cannot check it (they read a column the
table does not have: tests/returns/known_broken.py), so the hub refuses it as it is
recorded, whichever comes first: the order (`recordDeprivationOfLiberty`) or the placement
(`startLookedAfter`, `changePlacement`, `correctPlacement`, `recordShortBreak`).

An order is in force from the day it began to the day it ended (`ceasedOn`, when the
child is no longer deprived of liberty), both days included; an episode from its start to
the day it ended (when the next begins), both included too. The DfE's rule 709 compares
them so (DOLO_START <= DEC and DOLO_END >= DECOM): a foster placement that ends the day an
order begins, or begins the day one ends, was the child's under the order. The move into
a children's home is recorded by the day before the order begins, and the move out from
the day after it ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from workflow.codes import PlacementType

# SSDA903 2026-27 rule 709: the placements an order depriving of liberty is made for.
PLACEMENTS_UNDER_AN_ORDER = frozenset(
    {
        PlacementType.K2_CHILDRENS_HOME.value,
        PlacementType.Z12_OTHER_PLACEMENT.value,
        PlacementType.Z13_OTHER_PLACEMENT.value,
    }
)
# SSDA903 2026-27 rule 710: the placements no child under one is in.
NEVER_UNDER_AN_ORDER = frozenset(
    {
        PlacementType.K1_SECURE_CHILDRENS_HOME.value,
        PlacementType.P1_PLACED_WITH_PARENTS.value,
        PlacementType.R5_YOUNG_OFFENDER_INSTITUTION.value,
        PlacementType.K3_REGISTERED_SUPPORTED_ACCOMMODATION.value,
    }
)

type Span = tuple[date, date | None]


def orders(facts: Iterable[Mapping[str, Any]]) -> list[Span]:
    """The child's orders, each (began, ended or None) as its latest record says: an
    order recorded again for the same day it began is the same order, with its end."""
    latest: dict[date, tuple[Any, date | None]] = {}
    for fact in facts:
        began = fact["on"]
        stamp = fact.get("recordedAt") or 0
        if began not in latest or stamp >= latest[began][0]:
            latest[began] = (stamp, fact.get("ceasedOn"))
    return sorted((began, ended) for began, (_, ended) in latest.items())


def _overlap(first: Span, second: Span) -> bool:
    # Both ends of both spans are days the span holds (SSDA903 rule 709's comparisons).
    return first[0] <= (second[1] or date.max) and second[0] <= (first[1] or date.max)


def placement_refused(placement: str | None, episode: Span, order: Span) -> str | None:
    """Why a placement from `episode[0]` to `episode[1]` cannot be the child's while the
    order is in force, or None."""
    if placement is None or placement in PLACEMENTS_UNDER_AN_ORDER or not _overlap(episode, order):
        return None
    began, ended = order
    during = f"the order depriving the child of liberty of {began.isoformat()}" + (
        f" (ended {ended.isoformat()})" if ended else " (in force)"
    )
    if placement in NEVER_UNDER_AN_ORDER:
        return (
            f"{during} is never served in a {placement} placement: a secure children's home"
            " (K1), with parents (P1), a young offender institution (R5) or supported"
            " accommodation (K3) (SSDA903 rule 710)"
        )
    return (
        f"{during} is served in a children's home (K2) or an other placement Z12 or Z13,"
        f" not {placement} (SSDA903 rule 709)"
    )


def placement_under_orders(
    placement: str | None, episode: Span, facts: Iterable[Mapping[str, Any]]
) -> str | None:
    """Why a placement over `episode` breaks one of the child's orders, or None."""
    for order in orders(facts):
        if rule := placement_refused(placement, episode, order):
            return rule
    return None


def order_over_placements(order: Span, episodes: Iterable[Mapping[str, Any]]) -> str | None:
    """Why an order over `order` cannot be, given the child's SSDA903 episodes (steps
    with `startDate`, `completedDate`, `placementType`), or None."""
    for episode in sorted(episodes, key=lambda e: e["startDate"]):
        span = (episode["startDate"], episode.get("completedDate"))
        if rule := placement_refused(episode.get("placementType"), span, order):
            start = episode["startDate"].isoformat()
            return f"the child's placement from {start} is {episode.get('placementType')}: {rule}"
    return None


def short_break_span(started: date, last_day: date | None) -> Span:
    """A short break as an episode: from its first day to its last (the 903's DECOM and
    DEC), both held."""
    return started, last_day


def short_break_episode(short_break: Mapping[str, Any]) -> dict[str, Any]:
    """A recorded short break as the episode `order_over_placements` weighs."""
    start, end = short_break_span(short_break["startDate"], short_break.get("endDate"))
    return {
        "startDate": start,
        "completedDate": end,
        "placementType": short_break.get("placementType"),
    }
