"""Correcting an SSDA903 episode's legal status as entered: a status typed wrong (a care
order typed as a placement order, an order recorded on the wrong child), put right
without a new episode.

The legal status an episode began (care, or a change of legal status: RNE S, L, B, U)
stands through the moves that keep it (P, T: SSDA903 rule 435), so the correction is of
all of them, as a placement's is of the episodes that kept it (care.py). The episodes
either side still change the legal status where they say they do (434, 436). The
corrected status keeps the rules of recording one: not a short break (V3, V4 have their
own record), the ages (workflow/care_ages.py), the codes it goes with in each episode
(workflow/episode_codes.py), a placement order (E1) after a decision for adoption in
force on its day (553), nothing past the 18th birthday but section 20(5) (359), and a
short order no longer than it lasts (361-364), whose lapse on the work list follows it.
Each episode keeps the status it had before its latest correction, why, who and when
(`legalStatusCorrectedFrom`, `legalStatusCorrectionReason`, and the statement's stamp
`legalStatusCorrectedBy`, `legalStatusCorrectedAt`; the chronology keeps every
correction); the 903 reads the corrected status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workflow.care_ages import legal_status_unfit
from workflow.codes import LegalStatus, ReasonNewEpisode
from workflow.journey import care
from workflow.journey.effects import Effect, NewStep, Refusal, StepChange, StepKind, StepStatus
from workflow.journey.engine import register
from workflow.journey.inputs import Input, PastDate, Reason
from workflow.process import Process
from workflow.short_orders import SHORT_ORDERS, under_short_order

if TYPE_CHECKING:
    from datetime import date

    from workflow.journey.effects import Clock, Record

_FIELD = "legalStatus"
# SSDA903 rules 434 (RNE L) and 436 (B, U): the episode changes the legal status.
_CHANGES_IT = {
    ReasonNewEpisode.L_LEGAL_STATUS_CHANGE.value: "434",
    ReasonNewEpisode.B_LEGAL_STATUS_PLACEMENT_AND_CARER_CHANGE.value: "436",
    ReasonNewEpisode.U_LEGAL_STATUS_AND_PLACEMENT_CHANGE_SAME_CARER.value: "436",
}


class CorrectLegalStatus(Input):
    legal_status: LegalStatus
    reason: Reason
    # The episode to correct, by the day it started (one episode starts a day); absent,
    # the current one (the last once care has ended).
    episode_from: PastDate | None = None


def _changes_kept(
    before: dict[str, Any] | None, run: list[dict[str, Any]], after: dict[str, Any] | None
) -> None:
    """The changes of legal status either side of the corrected `run` still change it:
    the run's first episode from the one before, the next one from the run's."""
    for left, changed in ((before, run[0]), (run[-1], after)):
        rule = _CHANGES_IT.get(str((changed or {}).get("reasonNewEpisode")))
        if left is None or changed is None or rule is None:
            continue
        if left.get("legalStatus") == changed.get("legalStatus"):
            raise Refusal(
                (
                    _FIELD,
                    f"the episode from {changed['startDate'].isoformat()} began with a change"
                    f" of legal status (RNE {changed['reasonNewEpisode']}) from the episode"
                    f" from {left['startDate'].isoformat()}, and both would be under"
                    f" {changed['legalStatus']}: correct the one typed wrong to what it was"
                    f" (SSDA903 rule {rule})",
                )
            )


def _as_recorded_rules(
    record: Record, run: list[dict[str, Any]], status: LegalStatus, today: date
) -> None:
    """The rules of recording the legal status, on each episode of the run."""
    care.not_a_short_break(status)
    # SSDA903 rule 553: the run begins the status (its first episode is not a move).
    care.placement_order_after_a_decision(record, status, run[0]["startDate"])
    for episode in run:
        began = episode["startDate"]
        if rule := legal_status_unfit(status, record.date_of_birth, began):
            raise Refusal((_FIELD, rule))
        corrected = {**episode, "legalStatus": status.value}
        care.codes_fit(corrected, (_FIELD,))
        until = episode.get("completedDate") or today
        care.in_care_past_eighteen(record.date_of_birth, corrected, until, _FIELD)


def _not_past_a_short_order(
    episodes: list[dict[str, Any]], run: list[dict[str, Any]], status: LegalStatus, today: date
) -> None:
    # SSDA903 rules 361-364: an order that lasts days is not returned as lasting longer.
    ids = {episode["id"] for episode in run}
    through = episodes[: episodes.index(run[-1]) + 1]
    corrected = [{**e, "legalStatus": status.value} if e["id"] in ids else e for e in through]
    under = under_short_order(corrected)
    if under is not None and (rule := under.carried_to(run[-1].get("completedDate") or today)):
        raise Refusal((_FIELD, rule))


def _lapses(
    record: Record, run: list[dict[str, Any]], was: str, status: LegalStatus
) -> tuple[tuple[StepChange, ...], tuple[NewStep, ...]]:
    """The lapse of a short order on the work list follows the correction: the one due
    for the status as recorded never was (cancelled), and one begun now lapses on its
    day, done with the run where the run is over."""
    started: date = run[0]["startDate"]
    cancelled: tuple[StepChange, ...] = ()
    if (order := SHORT_ORDERS.get(was)) is not None:
        cancelled = tuple(
            StepChange(step["id"], status=StepStatus.CANCELLED)
            for step in record.steps
            if step["kind"] == StepKind.SHORT_ORDER_LAPSES
            and step["status"] != StepStatus.CANCELLED
            and step.get("legalStatus") == was
            and step.get("dueDate") == started + order.longest
        )
    opened: tuple[NewStep, ...] = ()
    if (order := SHORT_ORDERS.get(status.value)) is not None:
        ended = run[-1].get("completedDate")
        opened = (
            NewStep(
                StepKind.SHORT_ORDER_LAPSES,
                due_on=started + order.longest,
                completed_date=ended,
                status=StepStatus.OPEN if ended is None else StepStatus.DONE,
                facts={"legalStatus": status.value},
            ),
        )
    return cancelled, opened


@register(Process.CARE, "correctLegalStatus", CorrectLegalStatus)
def correct_legal_status(record: Record, data: CorrectLegalStatus, clock: Clock) -> Effect:
    episodes = care.episodes_in_order(record)
    run = care.legal_status_run(record, care.episode_to_correct(record, data.episode_from))
    first, last, status = run[0], run[-1], data.legal_status
    was = str(first.get("legalStatus"))
    if status.value == was:
        raise Refusal((_FIELD, f"is the legal status already recorded ({was})"))
    at = episodes.index(first)
    before = episodes[at - 1] if at else None
    after = episodes[at + len(run)] if at + len(run) < len(episodes) else None
    corrected = [{**episode, "legalStatus": status.value} for episode in run]
    _changes_kept(before, corrected, after)
    _as_recorded_rules(record, run, status, clock.today)
    _not_past_a_short_order(episodes, run, status, clock.today)
    cancelled, opened = _lapses(record, run, was, status)
    span = f"the episode from {first['startDate'].isoformat()}" + (
        f" to {last['startDate'].isoformat()}" if len(run) > 1 else ""
    )
    return Effect(
        target=record.state,
        occurred_on=clock.today,
        summary=f"Legal status of {span} corrected from {was} to {status.value}: {data.reason}",
        changed=(
            *(
                StepChange(
                    episode["id"],
                    facts={
                        "legalStatus": status.value,
                        "legalStatusCorrectedFrom": was,
                        "legalStatusCorrectionReason": data.reason,
                    },
                )
                for episode in run
            ),
            *cancelled,
        ),
        opened=opened,
    )
