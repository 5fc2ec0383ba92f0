"""Seeded wild episodes of need, for the CIN census as journey_fuzz's care is for the 903.

Referrals decided, or closed with no further action, and then, in any order and on any
day, written up late or on the day: assessments (some late, some returned), strategy
discussions with their enquiries and conferences, transfer-in conferences, child
protection plans with reviews, core groups and visits, ended for any reason; child in
need plans with reviews and visits; records withdrawn as started in error; the
corrections a worker or a manager makes to the days recorded; closures, re-referrals and
episodes reopened; and care beginning and ending beside it all. As in journey_fuzz the
hub may refuse any step; what it accepted must give a CIN census the DfE's validator
passes, and a GraphQL error is a failure.

    .venv/bin/python -m tests.returns.journey_fuzz --journey need --seeds 1 40 --out var/fuzz
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from tests.e2e.journey_helpers import WITHDRAWALS, act, decide, latest
from tests.returns.generated import CATEGORIES, FACTORS, NEEDS, SOURCES, add_working_days
from tests.returns.journey_fuzz import HORIZON, played_in_order

if TYPE_CHECKING:
    from tests.returns.journey_fuzz import Wild

CLOSURES = (
    "RC1_ADOPTED",
    "RC2_DIED",
    "RC3_CHILD_ARRANGEMENTS_ORDER",
    "RC4_SPECIAL_GUARDIANSHIP_ORDER",
    "RC5_TRANSFERRED_TO_ANOTHER_LOCAL_AUTHORITY",
    "RC6_TRANSFERRED_TO_ADULT_SOCIAL_CARE",
    "RC7_SERVICES_CEASED_FOR_ANY_OTHER_REASON",
    "RC8_CLOSED_AFTER_ASSESSMENT_NO_FURTHER_ACTION",
    "RC9_CLOSED_AFTER_ASSESSMENT_REFERRED_TO_EARLY_HELP",
)
PLAN_ENDS = (
    "AT_REVIEW_CONFERENCE",
    "AT_REVIEW_CONFERENCE",
    "AT_REVIEW_CONFERENCE",
    "TRANSFERRED_OUT",
    "LEFT_THE_UNITED_KINGDOM",
    "CHILD_DIED",
    "REACHED_EIGHTEEN",
)
WITHDRAWN = ("assessments", "section47Enquiries", "childInNeedPlans", "initialConferences")
EVENTS = (
    "assessment",
    "assessment",
    "enquiry",
    "enquiry",
    "transfer in",
    "stepped down",
    "review",
    "review",
    "core group",
    "protection visit",
    "plan ended",
    "need plan",
    "need plan",
    "need plan ended",
    "need plan reviewed",
    "need visit",
    "withdrawn",
    "assessment corrected",
    "plan end corrected",
    "need plan corrected",
    "decision corrected",
    "referral date corrected",
    "strategy corrected",
    "conference corrected",
    "closed",
    "reopened",
    "looked after",
)
REASON = "Typed on the wrong day."
# The steps taken on the episode's latest record of a kind, and that kind.
NEEDS_A_RECORD = {
    "review": "childProtectionPlans",
    "core group": "childProtectionPlans",
    "protection visit": "childProtectionPlans",
    "plan ended": "childProtectionPlans",
    "need plan ended": "childInNeedPlans",
    "need plan reviewed": "childInNeedPlans",
    "need visit": "childInNeedPlans",
}


def _later(w: Wild, day: date, low: int, high: int) -> date | None:
    """A day `low` to `high` days after `day`, or None past the horizon."""
    later = day + timedelta(days=w.rng.randint(low, high))
    return None if later > HORIZON else later


async def _act(w: Wild, on: date, action: str, kind: str | None, data: dict[str, Any]) -> bool:
    """`action` on the episode (`kind` None) or its latest record of `kind`, by the
    worker, and by the team manager where only a manager may take it."""
    child = w.child
    if kind is not None and not child.case.get(kind):
        return False

    async def step() -> None:
        record = child.case if kind is None else latest(child.case, kind)
        answer = await act(child.client, child.worker, action, record, data)
        if answer["__typename"] == "NotAuthorised":
            answer = await act(child.client, child.manager, action, record, data)
        assert answer["__typename"] == "Case", answer
        child.case = answer

    return await w.attempt(on, f"{action} {data}", step)


async def wild_need(w: Wild, first: date) -> None:
    """A referral, then two to fourteen steps of the episode in any order, some late."""
    rng, child = w.rng, w.child
    await child.referred(first, rng.choice(SOURCES))
    await _decision(w, first)
    events = sorted(
        (first + timedelta(days=rng.randint(0, 420)), rng.choice(EVENTS))
        for _ in range(rng.randint(2, 14))
    )
    await played_in_order(w, events, _need_event)


async def _decision(w: Wild, referred: date) -> None:
    """The referral decided the day it came, or days late with the reason; now and then
    no further action."""
    rng, child = w.rng, w.child
    if rng.random() < 0.1:
        await w.attempt(referred, "no further action", lambda: child.no_further_action(referred))
        return
    need = rng.choice(NEEDS)
    if rng.random() < 0.7:
        await w.attempt(referred, f"accepted {need}", lambda: child.accepted(referred, need))
        return
    decided = min(referred + timedelta(days=rng.randint(2, 6)), HORIZON)
    if (
        await w.attempt(
            decided, f"decided late {need}", lambda: child.decision_proposed(decided, need)
        )
        and await _decided(w, decided, "authoriseCase", None)
        and not child.allocated
    ):
        await w.attempt(
            decided,
            "allocated",
            lambda: child.allocated_to(
                "worker-sw-demo", decided, "FCONTA_FIRST_CONTACT_OR_REREFERRAL"
            ),
        )


async def _need_event(w: Wild, on: date, kind: str) -> None:
    rng, child = w.rng, w.child
    if kind == "assessment":
        if await w.attempt(on, "assessment started", lambda: child.assessment_started(on)):
            completed = _later(w, on, 2, 75)
            if completed is None:
                return
            authorised = min(completed + timedelta(days=rng.randint(0, 4)), HORIZON)
            factors = tuple(rng.sample(FACTORS, rng.randint(1, 3)))
            await w.attempt(
                completed,
                f"assessment authorised {authorised} {factors}",
                lambda: child.assessment_authorised(completed, authorised, factors),
            )
    elif kind == "enquiry":
        await _enquiry(w, on)
    elif kind == "transfer in":
        # Held late as often as not: the reason is given.
        category = rng.choice(CATEGORIES)
        data = {
            "heldOn": on.isoformat(),
            "planRequired": True,
            "categoriesOfAbuse": [category],
            "lateReason": "Records came late from the other authority.",
        }
        await _act(w, on, "holdTransferInConference", None, data)
    elif kind == "stepped down":
        # The plan ends at a review and a child in need plan starts the same day.
        if child.case.get("childProtectionPlans") and await w.attempt(
            on, "CP plan ended at review", lambda: child.protection_plan_ended(on)
        ):
            await w.attempt(on, "CIN plan (step down)", lambda: child.child_in_need_plan(on))
    elif kind in NEEDS_A_RECORD and not child.case.get(NEEDS_A_RECORD[kind]):
        return  # nothing of that kind to take the step on
    elif kind == "review":
        category = (rng.choice(CATEGORIES),) if rng.random() < 0.3 else ()
        await w.attempt(
            on, f"review conference {category}", lambda: child.review_conference(on, *category)
        )
    elif kind == "core group":
        await w.attempt(on, "core group", lambda: child.core_group(on))
    elif kind == "protection visit":
        await w.attempt(on, "CP visit", lambda: child.visited(on))
    elif kind == "plan ended":
        reason = rng.choice(PLAN_ENDS)
        await w.attempt(
            on, f"CP plan ended {reason}", lambda: child.protection_plan_ended(on, reason)
        )
    elif kind == "need plan":
        await w.attempt(on, "CIN plan", lambda: child.child_in_need_plan(on))
    elif kind == "need plan ended":
        await w.attempt(on, "CIN plan ended", lambda: child.child_in_need_plan_ended(on))
    elif kind == "need plan reviewed":
        await w.attempt(on, "CIN plan reviewed", lambda: child.child_in_need_plan_reviewed(on))
    elif kind == "need visit":
        await w.attempt(on, "CIN visit", lambda: child.visited(on, "childInNeedPlans"))
    elif kind == "withdrawn":
        await _withdrawn(w, on, rng.choice(WITHDRAWN))
    elif kind == "closed":
        await _closed(w, on)
    elif kind == "reopened":
        await _act(w, on, "reopenCase", None, {"reopenedOn": on.isoformat(), "reason": REASON})
    elif kind == "looked after":
        if await w.attempt(on, "looked after", lambda: child.looked_after(on)):
            ended = _later(w, on, 1, 200)
            if ended is not None and rng.random() < 0.6:
                await w.attempt(ended, "care ceased", lambda: child.care_ceased(ended))
    else:
        await _corrected(w, on, kind)


async def _withdrawn(w: Wild, on: date, kind: str) -> None:
    """The latest record of `kind` withdrawn as started in error, the manager agreeing."""
    withdraw, authorise = WITHDRAWALS[kind]
    data = {"withdrawnOn": on.isoformat(), "reason": "Recorded on the wrong child."}
    if await _act(w, on, withdraw, kind, data):
        await _decided(w, on, authorise, kind)


async def _decided(w: Wild, on: date, decision: str, kind: str | None) -> bool:
    """The team manager's `decision` on the episode or its latest record of `kind`."""
    child = w.child

    async def step() -> None:
        record = child.case if kind is None else latest(child.case, kind)
        answer = await decide(child.client, child.manager, decision, record, on=on.isoformat())
        assert answer["__typename"] == "Case", answer
        child.case = answer

    return await w.attempt(on, decision, step)


async def _enquiry(w: Wild, on: date) -> None:
    """A strategy discussion; its enquiry concluded days later, with a conference or
    without; the conference's plan or no plan."""
    rng, child = w.rng, w.child
    if not await w.attempt(on, "strategy discussion", lambda: child.strategy_discussion(on)):
        return
    concluded = _later(w, on, 0, 12)
    if concluded is None:
        return
    conference = rng.random() < 0.7
    if not await w.attempt(
        concluded,
        f"enquiry concluded, conference {conference}",
        lambda: child.enquiry_concluded(concluded, conference),
    ):
        return
    if not conference:
        return
    held = add_working_days(on, rng.randint(3, 25))
    if held > HORIZON:
        return
    categories = (rng.choice(CATEGORIES),) if rng.random() < 0.8 else ()
    await w.attempt(held, f"ICPC {categories}", lambda: child.conference(held, *categories))


async def _closed(w: Wild, on: date) -> None:
    """The episode closed for any reason; sometimes referred again weeks later."""
    rng, child = w.rng, w.child
    reason = rng.choice(CLOSURES)
    authorised = min(on + timedelta(days=rng.randint(0, 3)), HORIZON)
    if (
        not await w.attempt(on, f"closed {reason}", lambda: child.closed(on, reason, authorised))
        or rng.random() < 0.5
    ):
        return
    again = _later(w, on, 0, 90)
    if again is None:
        return
    if await w.attempt(again, "referred again", lambda: child.referred(again, rng.choice(SOURCES))):
        await _decision(w, again)


async def _corrected(w: Wild, on: date, kind: str) -> None:
    """A day recorded wrongly, put right: moved up to a fortnight either way."""
    rng = w.rng
    moved = (on + timedelta(days=rng.randint(-14, 14))).isoformat()
    if kind == "assessment corrected":
        name = rng.choice(("startedOn", "completedOn", "authorisedOn"))
        data = {name: moved, "reason": REASON, "lateReason": "Agency staff."}
        await _act(w, on, "correctAssessmentDates", "assessments", data)
    elif kind == "plan end corrected":
        data = {"endedOn": moved, "reason": REASON}
        await _act(w, on, "correctChildProtectionPlanEnd", "childProtectionPlans", data)
    elif kind == "need plan corrected":
        name = rng.choice(("startedOn", "endedOn"))
        data = {name: moved, "reason": REASON}
        await _act(w, on, "correctChildInNeedPlanDates", "childInNeedPlans", data)
    elif kind == "decision corrected":
        await _act(
            w, on, "correctReferralDecisionDate", None, {"decidedOn": moved, "reason": REASON}
        )
    elif kind == "referral date corrected":
        await _act(w, on, "correctReferralDate", None, {"referralDate": moved, "reason": REASON})
    elif kind == "strategy corrected":
        data = {"heldOn": moved, "reason": REASON, "lateReason": "Agency staff."}
        await _act(w, on, "correctStrategyDiscussionDate", "section47Enquiries", data)
    elif kind == "conference corrected":
        data = {"heldOn": moved, "reason": REASON, "lateReason": "Agency staff."}
        await _act(w, on, "correctInitialConferenceDate", "initialConferences", data)
