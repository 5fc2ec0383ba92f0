"""The DfE rules checked when data is saved: child-level rules of the CIN census and the
SSDA903 that one record decides, as data (code, field, message, predicate).

A save is never refused for them (the real refusals stay in the workflow: a UPN whose
check letter is wrong, a registered home without its URN, factor 21 beside another); a
rule that fires comes back with the mutation's answer as a warning and is kept on the
child until a later save of the same record no longer breaks it. Some rules of the same
families cannot be broken through the hub at all, so they are not here: the CP plan
starts on its initial conference's day (CIN 2885) and assessment factors exist only on
a completed assessment (CIN 8614, 8897Q), both by construction.

The predicates read a record as the returns write it (the 903 provider and URN come
from `returns.ssda903`), so a warning here is what the DfE's validator would say.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from returns.ssda903 import (
    AdoptionDecision,
    permanence_complete,
    placement_order_without_decision,
    provider_as_returned,
    upn_as_returned,
    urn_as_returned,
)
from returns.years import CollectionYear
from workflow.codes import LegalStatus
from workflow.episode_codes import EPISODE_RULES, CodeRule, EpisodeCodes
from workflow.facts import PartialDate
from workflow.journey.effects import StepKind, StepStatus
from workflow.process import RECORDED_IN_ERROR, AssessmentState, Process

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class EpisodeOfNeed:
    """A CIN episode as a save leaves it: its own facts and its records (assessments,
    enquiries, plans), with a closure reason whether closed or proposed for closure."""

    facts: Row
    records: list[Row]

    @property
    def closure_reason(self) -> str | None:
        if self.facts.get("closureReason"):
            return str(self.facts["closureReason"])
        if self.facts.get("pendingAction") == "closeCase" and self.facts.get("pendingInput"):
            proposed = json.loads(str(self.facts["pendingInput"])).get("reason")
            return str(proposed) if proposed else None
        return None

    def of(self, *processes: Process) -> list[Row]:
        return [r for r in self.records if r.get("process") in processes]


@dataclass(frozen=True, slots=True)
class PlacementEpisode:
    """One SSDA903 episode, its placement fields as the 903 return writes them."""

    step_id: str
    start: str
    legal_status: str
    place: str
    provider: str
    urn: str


@dataclass(frozen=True, slots=True)
class LookedAfterChild:
    """What the 903 says of a child beside a period's episodes, as the return writes it:
    the header's UPN, and the previous permanence asked when the period began."""

    upn: str
    period_began: date | None
    permanence: Row | None
    # Whether the period is in a return still to be made (this year's or last year's):
    # a period long over is in no return the child's facts today could change.
    to_be_returned: bool = True
    # The years whose returns are still to be made: last year's and this year's.
    years: tuple[CollectionYear, ...] = ()


@dataclass(frozen=True, slots=True)
class PlacementOrderEpisode:
    """An SSDA903 episode under a placement order (E1), the decisions for adoption made
    in its period of care, and the years whose returns, still to be made, are read."""

    step_id: str
    start: date
    end: date | None
    decisions: tuple[AdoptionDecision, ...]
    years: tuple[CollectionYear, ...]


@dataclass(frozen=True, slots=True)
class EntryRule[T]:
    """A DfE rule decided at entry: `breaks(subject)` is true when the saved data would
    fail it in the return."""

    code: str
    field: str
    message: str
    breaks: Callable[[T], bool]


@dataclass(frozen=True, slots=True)
class DataWarning:
    """A rule a saved record breaks: on which record (and, for a 903 episode, which
    one), the rule's code, the input field and the DfE's message."""

    record_id: str
    subject: str
    code: str
    field: str
    message: str

    @property
    def key(self) -> str:
        """One warning per record, rule and subject: what is kept on the child."""
        return f"{self.record_id}|{self.code}|{self.subject}"

    def params(self) -> Row:
        return {
            "key": self.key,
            "code": self.code,
            "field": self.field,
            "message": self.message,
            "subject": self.subject,
        }


# CIN census: the reasons for closure "closed after assessment" (RC8, RC9).
CLOSED_AFTER_ASSESSMENT = frozenset({"RC8", "RC9"})
_NO_FACTORS = "21"


def _closed_after_assessment(episode: EpisodeOfNeed) -> bool:
    return episode.closure_reason in CLOSED_AFTER_ASSESSMENT


def _closed_after_assessment_without_one(episode: EpisodeOfNeed) -> bool:
    return _closed_after_assessment(episode) and not episode.of(Process.ASSESSMENT)


def _closed_after_assessment_with_activity(episode: EpisodeOfNeed) -> bool:
    activity = episode.of(
        Process.CHILD_IN_NEED_PLAN, Process.SECTION_47_ENQUIRY, Process.CHILD_PROTECTION_PLAN
    )
    return _closed_after_assessment(episode) and bool(activity)


def _no_factors_but_closed_otherwise(episode: EpisodeOfNeed) -> bool:
    assessments = episode.of(Process.ASSESSMENT)
    reason = episode.closure_reason
    return (
        reason is not None
        and reason not in CLOSED_AFTER_ASSESSMENT
        and len(assessments) == 1
        and _NO_FACTORS in (assessments[0].get("factors") or [])
    )


# An assessment's start and, once authorised, its authorisation.
AssessmentSpan = tuple[date, date | None]


def _enquiry_without_assessment(episode: EpisodeOfNeed) -> bool:
    return bool(episode.of(Process.SECTION_47_ENQUIRY)) and not episode.of(Process.ASSESSMENT)


def _assessment_span(assessment: Row) -> AssessmentSpan | None:
    """An assessment's start and, once the manager authorised it, its authorisation, as
    the census writes them (one awaiting authorisation is still going on)."""
    started = assessment.get("startDate")
    if started is None:
        return None
    authorised = (
        assessment.get("authorisedDate")
        if assessment.get("status") == AssessmentState.AUTHORISED
        else None
    )
    return started, authorised


def started_during_another(spans: list[AssessmentSpan]) -> list[tuple[date, date]]:
    """CIN 8863Q: each assessment's start that falls on or between another's start and
    its authorisation (or after the start of one not authorised), with that other's
    start. The validator leaves out a pair with the same start and the same authorisation
    (the one record met twice)."""
    return [
        (span[0], other[0])
        for span in spans
        for other in spans
        if other != span and other[0] <= span[0] and (other[1] is None or span[0] <= other[1])
    ]


def _assessment_started_during_another(episode: EpisodeOfNeed) -> bool:
    spans = [span for span in map(_assessment_span, episode.of(Process.ASSESSMENT)) if span]
    return bool(started_during_another(spans))


def _transferred_in_twice(episode: EpisodeOfNeed) -> bool:
    """CIN 2885: the census has one day for an episode's conference with no section 47
    enquiry behind it (CINdetails DateOfInitialCPC), so a second transfer-in conference's
    plan stands beside the first one's day."""
    held = [c for c in episode.of(Process.INITIAL_CONFERENCE) if c.get("transferIn")]
    return len(held) > 1


# CIN census 2025-26 validation rules (csc-validator-be-cin, cin2025_26).
CIN_RULES: tuple[EntryRule[EpisodeOfNeed], ...] = (
    EntryRule(
        "CIN 8825Q",
        "reason",
        "Reason for Closure code RC8 (case closed after assessment) or RC9 (case closed "
        "after assessment, referred to early help) has been returned but there is no "
        "assessment on the episode",
        _closed_after_assessment_without_one,
    ),
    EntryRule(
        "CIN 2990",
        "reason",
        "Activity (a CIN plan, section 47 enquiry or child protection plan) is recorded "
        "against a case closed after assessment (RC8 or RC9)",
        _closed_after_assessment_with_activity,
    ),
    EntryRule(
        "CIN 8873Q",
        "reason",
        "The episode's only assessment found no factors (21), so the reason for closure "
        "should be RC8 or RC9 (closed after assessment)",
        _no_factors_but_closed_otherwise,
    ),
    EntryRule(
        "CIN 2991Q",
        "heldOn",
        "A Section 47 module is recorded and there is no assessment on the episode: record "
        "the assessment that runs beside the enquiry",
        _enquiry_without_assessment,
    ),
    EntryRule(
        "CIN 8863Q",
        "startedOn",
        "An Assessment is shown as starting when there is another Assessment ongoing: an "
        "assessment starts on or between another assessment's start and its authorisation "
        "(or after the start of one not yet authorised); if it was recorded on the wrong "
        "day, correct it, else be ready to give the census the reason",
        _assessment_started_during_another,
    ),
    EntryRule(
        "CIN 2885",
        "heldOn",
        "Child protection plan shown as starting a different day to the initial child "
        "protection conference: the episode holds a second transfer-in conference, and the "
        "census has one day for an episode's conference with no section 47 enquiry (the "
        "second plan also outnumbers the conferences, 2883); a child who moved away and came "
        "back on a plan is a new episode: withdraw this conference, close the episode (RC5) "
        "from the day the child left and record the new referral",
        _transferred_in_twice,
    ),
)


# SSDA903 2025-26 validation rules (csc-validator-be-903, lac2025_26) on one episode's
# codes: refused at entry (workflow/episode_codes.py), so these report only what was saved
# before they were.
def _episode_rule(rule: CodeRule) -> EntryRule[PlacementEpisode]:
    def breaks(episode: PlacementEpisode) -> bool:
        codes = EpisodeCodes(episode.legal_status, episode.place, episode.provider, episode.urn)
        return rule.breaks(codes)

    message = rule.message[0].upper() + rule.message[1:]
    return EntryRule(f"903 {rule.code}", rule.fields[0], message, breaks)


SSDA903_RULES: tuple[EntryRule[PlacementEpisode], ...] = tuple(map(_episode_rule, EPISODE_RULES))


# SSDA903 rule 634: previous permanence is asked of children who began to be looked
# after from 1 April 2016.
_PERMANENCE_ASKED_FROM = date(2016, 4, 1)


def _permanence_not_returned(child: LookedAfterChild) -> bool:
    if child.period_began is None or child.period_began < _PERMANENCE_ASKED_FROM:
        return False
    if not child.to_be_returned:
        return False
    return not permanence_complete(child.permanence)


def _order_not_before_care(child: LookedAfterChild) -> bool:
    fact = child.permanence
    if fact is None or child.period_began is None or not child.to_be_returned:
        return False
    # The last day the order can have been made, as the DfE reads a date given in part
    # (an unknown day the month's last, an unknown month December).
    known = fact.get("orderDateKnown")
    latest = PartialDate.from_text(str(known)).latest if known else fact.get("orderDate")
    return latest is not None and latest >= child.period_began


# SSDA903 2025-26 rules on the child beside the episodes (the header and PrevPerm).
SSDA903_CHILD_RULES: tuple[EntryRule[LookedAfterChild], ...] = (
    EntryRule(
        "903 168",
        "reason",
        "Unique Pupil Number (UPN) is not valid. If unknown, default codes should be UN1, "
        "UN2, UN3, UN4 or UN5: UN7 (a referral with no further action) does not describe a "
        "child looked after; record the UPN or the reason it is unknown",
        lambda child: child.to_be_returned and child.upn == "UN7",
    ),
    EntryRule(
        "903 630",
        "permanence",
        "Information on previous permanence option should be returned: record the child's "
        "previous permanence (Z1 if none; for an adoption, special guardianship or child "
        "arrangements order, or one of a kind not known (P4), the local authority and the date "
        "of the order)",
        _permanence_not_returned,
    ),
    EntryRule(
        "903 632",
        "orderDate",
        "Date of previous permanence order not a valid value: the order that ended a "
        "previous permanence option was made before the child began to be looked after; "
        "record its date, or the parts of it known (orderDateKnown)",
        _order_not_before_care,
    ),
)


# SSDA903 2025-26 rules on an episode under a placement order and the adoption decisions.
SSDA903_ORDER_RULES: tuple[EntryRule[PlacementOrderEpisode], ...] = (
    EntryRule(
        "903 553",
        "legalStatus",
        "Placement order has been granted but there is no date of decision that the child "
        "should be placed for adoption: the placement order (E1) is still the legal status "
        "on a 31 March after the decision was reversed (or none was recorded). A placement "
        "order stands until revoked: record the legal status that followed its revocation "
        "from the day it was, or a new decision",
        lambda e: any(
            placement_order_without_decision(e.start, e.end, list(e.decisions), year)
            for year in e.years
        ),
    ),
)


def looked_after_child(
    upn: str | None, facts: list[Row], period: Row, today: date
) -> LookedAfterChild:
    """The child as the 903 writes them beside a `period` of care, from their UPN and
    their UPN-unknown and previous-permanence facts (the latest of each by the day it
    happened)."""

    def latest(kind: str) -> Row | None:
        of_kind = [f for f in facts if f.get("kind") == kind]
        return max(of_kind, key=lambda f: (f["on"], f.get("recordedAt") or 0), default=None)

    ended = period.get("endDate")
    last_year = CollectionYear(today.year + (today.month >= 4)).previous()
    return LookedAfterChild(
        upn=upn_as_returned(upn, latest("UPN_UNKNOWN")),
        period_began=period.get("startDate"),
        permanence=latest("PREVIOUS_PERMANENCE"),
        to_be_returned=ended is None or ended >= last_year.start,
        years=(last_year, CollectionYear(last_year.end_year + 1)),
    )


def _episode_of_need(row: Row) -> EpisodeOfNeed:
    episode = row.get("episode") or row["record"]
    # A record withdrawn as started in error is in no return, so no rule counts it.
    records = [
        entry["record"]
        for entry in row.get("processes") or []
        if entry and entry["record"].get("status") != RECORDED_IN_ERROR
    ]
    return EpisodeOfNeed(facts=episode, records=records)


def case_warnings(row: Row) -> tuple[str, list[DataWarning]]:
    """The episode of need a saved case record belongs to, and the CIN rules it breaks."""
    episode = _episode_of_need(row)
    record_id = str(episode.facts["id"])
    if episode.facts.get("status") == RECORDED_IN_ERROR:
        # A referral withdrawn as recorded in error is in no return: no rule reads it.
        return record_id, []
    return record_id, [
        DataWarning(record_id, "", rule.code, rule.field, f"{rule.field}: {rule.message}")
        for rule in CIN_RULES
        if rule.breaks(episode)
    ]


def placement_episodes(row: Row) -> list[PlacementEpisode]:
    """A period of care's SSDA903 episodes, their placement as the return writes it."""
    episodes = [s for s in row["steps"] if s["kind"] == StepKind.LOOKED_AFTER_EPISODE]
    return [
        PlacementEpisode(
            step_id=str(step["id"]),
            start=step["startDate"].isoformat(),
            legal_status=str(step.get("legalStatus") or ""),
            place=str(step.get("placementType") or ""),
            provider=provider_as_returned(step),
            urn=urn_as_returned(step),
        )
        for step in sorted(episodes, key=lambda s: s["startDate"])
    ]


def placement_order_episodes(
    row: Row, years: tuple[CollectionYear, ...]
) -> list[PlacementOrderEpisode]:
    """A period of care's episodes under a placement order, with the period's decisions
    for adoption (its plans, as `processes`), read for `years`."""
    decisions = tuple(
        AdoptionDecision.of(entry["record"])
        for entry in row.get("processes") or []
        if entry and entry["record"].get("decisionDate") is not None
    )
    return [
        PlacementOrderEpisode(
            str(step["id"]), step["startDate"], step.get("completedDate"), decisions, years
        )
        for step in row["steps"]
        if step["kind"] == StepKind.LOOKED_AFTER_EPISODE
        and step.get("status") != StepStatus.CANCELLED
        and step.get("legalStatus") == LegalStatus.E1_PLACEMENT_ORDER.value
    ]


def care_warnings(row: Row, child: LookedAfterChild | None = None) -> tuple[str, list[DataWarning]]:
    """The period of care and the SSDA903 rules its episodes break, one warning per
    episode and rule (the message names the episode by the day it began), and those the
    child beside it breaks (`child`, when read, with the years still to be returned)."""
    record_id = str(row["record"]["id"])
    years = child.years if child is not None else ()
    return record_id, [
        *(
            DataWarning(
                record_id,
                episode.step_id,
                rule.code,
                rule.field,
                f"{rule.field} (episode from {episode.start}): {rule.message}",
            )
            for episode in placement_episodes(row)
            for rule in SSDA903_RULES
            if rule.breaks(episode)
        ),
        *(
            DataWarning(
                record_id,
                episode.step_id,
                rule.code,
                rule.field,
                f"{rule.field} (episode from {episode.start.isoformat()}): {rule.message}",
            )
            for episode in placement_order_episodes(row, years)
            for rule in SSDA903_ORDER_RULES
            if rule.breaks(episode)
        ),
        *(
            DataWarning(record_id, "", rule.code, rule.field, f"{rule.field}: {rule.message}")
            for rule in SSDA903_CHILD_RULES
            if child is not None and rule.breaks(child)
        ),
    ]


_EPISODE_OF_NEED = frozenset(
    {
        Process.CASE,
        Process.ASSESSMENT,
        Process.SECTION_47_ENQUIRY,
        Process.INITIAL_CONFERENCE,
        Process.CHILD_PROTECTION_PLAN,
        Process.CHILD_IN_NEED_PLAN,
    }
)


def entry_warnings(
    process: Process, row: Row, child: LookedAfterChild | None = None
) -> tuple[str, list[DataWarning]] | None:
    """The record a save of `process` changed (the episode of need, or the period of
    care, with the `child` beside it) and the DfE rules it now breaks; None for a process
    no rule reads."""
    if process is Process.CARE:
        return care_warnings(row, child)
    if process in _EPISODE_OF_NEED:
        return case_warnings(row)
    return None
