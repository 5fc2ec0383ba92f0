"""An episode closed in error is reopened by a team manager, as it was before the closure
(not as a new referral): the closure is kept as history with the reason, who and when;
the child in need plan the closure ended goes on with its due steps; the work lists, the
as-at view and the returns read the episode as open again. A reopening that would give
the child two episodes of need at once is refused and changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import httpx
import pytest

from graph import FalkorDBStore
from graph.cypher.access import AccessScope
from hub.settings import Settings
from tests.e2e.journey_helpers import (
    AS_AT,
    CHRONOLOGY,
    DECISION_LATE,
    MY_WORK,
    RC8,
    act,
    case_now,
    closed_with_a_plan,
    decide,
    decision_late,
    demo_child,
    demo_county,
    latest,
    referral_for,
)
from tests.helpers import bearer, graphql
from workflow import journey
from workflow.calendar import default_calendar, today_in_england
from workflow.contacts import ContactOutcome, finalise_contact
from workflow.ids import now_ms
from workflow.journey.effects import Clock
from workflow.outcomes import TransitionRefused
from workflow.process import Process
from workflow.timescales import DEFAULT_LOCAL_STANDARDS

pytestmark = pytest.mark.anyio

REFERRAL = ContactOutcome.REFERRAL_TO_SOCIAL_CARE
REASON = "Closed in error: the family's other child's case was meant."


async def test_a_closure_made_in_error_is_reopened_as_it_was(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    analyst = bearer(settings, "analyst")
    child_id = demo_child(world)
    case = await closed_with_a_plan(client, worker, manager, child_id)
    plan_before = latest(case, "childInNeedPlans")

    reopen = {"reopenedOn": "2026-10-05", "reason": REASON}
    case = await act(client, manager, "reopenCase", case, reopen)
    assert case["__typename"] == "Case", case
    # As it was before the closure: accepted, its decision kept, no closure.
    assert (case["status"], case["decisionDate"], case["primaryNeed"]) == (
        "ACCEPTED",
        "2026-09-01",
        "N1_ABUSE_OR_NEGLECT",
    )
    assert (case["closureDate"], case["closureReason"], case["noFurtherAction"]) == (
        None,
        None,
        False,
    )
    assert "closeCase" in case["allowedActions"]
    # The closure recorded in error is kept, with who corrected it, when and why.
    reopened = case["reopened"]
    assert {k: v for k, v in reopened.items() if k != "reopenedAt"} == {
        "closureDate": "2026-10-01",
        "closureReason": RC8,
        "noFurtherAction": False,
        "reason": REASON,
        "reopenedOn": "2026-10-05",
        "reopenedBy": "worker-tm-demo",
    }
    assert reopened["reopenedAt"] is not None
    # The plan the closure ended goes on, its review and visit due again as they were.
    plan = latest(case, "childInNeedPlans")
    assert (plan["id"], plan["status"], plan["endDate"]) == (plan_before["id"], "ACTIVE", None)
    due = {s["kind"]: s["dueDate"] for s in plan["steps"] if s["status"] == "OPEN"}
    cancelled = {
        s["kind"]: s["dueDate"] for s in plan_before["steps"] if s["status"] == "CANCELLED"
    }
    assert due == cancelled
    assert set(due) == {"CHILD_IN_NEED_PLAN_REVIEW", "CHILD_IN_NEED_VISIT"}
    work = (await graphql(client, worker, MY_WORK))["myWork"]
    assert {i["kind"] for i in work["items"] if i["recordId"] == plan["id"]} == set(due)

    # Performance staff see the child in need, and on the plan, after the closure date.
    view = (await graphql(client, analyst, AS_AT, {"on": "2026-10-15"}))["asAt"]
    assert child_id in [c["childId"] for c in view["openEpisodes"]["children"]]
    assert child_id in [c["childId"] for c in view["childInNeedPlans"]["children"]]
    # The chronology keeps the closure and the correction.
    child = (await graphql(client, worker, CHRONOLOGY, {"id": child_id}))["child"]
    titles = [e["title"] for e in child["chronology"] if e["kind"] == "JOURNEY"]
    assert titles[-2:] == ["authorise", "reopenCase"]

    # The episode's work carries on, and it is closed again with the day services ended
    # (the closure made in error no longer bounds it).
    case = await act(
        client, worker, "reviewChildInNeedPlan", plan, {"heldOn": "2026-10-20", "lateReason": "x"}
    )
    assert case["__typename"] == "Case", case
    case = await act(
        client,
        worker,
        "endChildInNeedPlan",
        latest(case, "childInNeedPlans"),
        {"endedOn": "2026-11-02"},
    )
    case = await act(client, worker, "closeCase", case, {"closedOn": "2026-11-02", "reason": RC8})
    case = await decide(client, manager, "authoriseCase", case, on="2026-11-03")
    assert (case["status"], case["closureDate"]) == ("CLOSED", "2026-11-02"), case


async def test_a_no_further_action_reopened_keeps_no_reason_its_decision_was_late(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await referral_for(client, worker, demo_child(world), date(2026, 10, 5), "POLICE")
    # Due Tuesday the 6th, decided on the 7th: late, so it says why.
    late = {"reason": "The police notification sat in the wrong inbox."}
    data = {"on": "2026-10-07", "lateReason": late["reason"]}
    case = await act(client, worker, "closeWithNoFurtherAction", case, data)
    case = await decide(client, manager, "authoriseCase", case, on="2026-10-07")
    assert (await decision_late(client, manager, case["id"]))["decisionLateReason"] == (
        late["reason"]
    )

    case = await act(
        client, manager, "reopenCase", case, {"reopenedOn": "2026-10-08", "reason": REASON}
    )
    # The decision is due again: the reason it was late went with it.
    assert (case["status"], case["decisionDate"]) == ("OPEN", None), case
    assert await decision_late(client, manager, case["id"]) == dict.fromkeys(DECISION_LATE.split())
    on_time = {"decidedOn": "2026-10-06", "primaryNeed": "N1_ABUSE_OR_NEGLECT"}
    case = await act(client, worker, "decideReferral", case, on_time)
    case = await decide(client, manager, "authoriseCase", case, on="2026-10-08")
    assert case["decisionDate"] == "2026-10-06", case
    assert await decision_late(client, manager, case["id"]) == dict.fromkeys(DECISION_LATE.split())


async def test_no_further_action_in_error_puts_the_referral_back_to_its_decision(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await referral_for(client, worker, demo_child(world), date(2026, 10, 5), "POLICE")
    case = await act(client, worker, "closeWithNoFurtherAction", case, {"on": "2026-10-06"})
    case = await decide(client, manager, "authoriseCase", case, on="2026-10-06")
    assert (case["status"], case["noFurtherAction"]) == ("CLOSED", True)

    case = await act(
        client, manager, "reopenCase", case, {"reopenedOn": "2026-10-07", "reason": REASON}
    )
    # Open again, the decision on the referral due (and overdue) from its own date.
    assert (case["status"], case["decisionDate"], case["decisionDue"]) == (
        "OPEN",
        None,
        "2026-10-06",
    )
    assert (case["closureDate"], case["noFurtherAction"]) == (None, False)
    assert case["reopened"]["noFurtherAction"] is True
    assert {"decideReferral", "closeWithNoFurtherAction"} <= set(case["allowedActions"])
    work = (await graphql(client, worker, MY_WORK))["myWork"]
    assert [i["kind"] for i in work["items"] if i["recordId"] == case["id"]] == [
        "REFERRAL_DECISION"
    ]
    decision = {"decidedOn": "2026-10-07", "primaryNeed": "N1_ABUSE_OR_NEGLECT", "lateReason": "x"}
    case = await act(client, worker, "decideReferral", case, decision)
    assert case["status"] == "REFERRAL_DECISION_AWAITING_AUTHORISATION", case


async def test_only_a_manager_reopens_and_bad_input_changes_nothing(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await closed_with_a_plan(client, worker, manager, demo_child(world))

    refused = await act(client, worker, "reopenCase", case, {"reason": REASON})
    assert refused["__typename"] == "NotAuthorised", refused
    for data, field in (
        ({"reason": ""}, "reason"),
        ({"reason": REASON, "reopenedOn": "2026-09-30"}, "reopenedOn"),
        ({"reason": REASON, "reopenedOn": "2999-01-01"}, "reopenedOn"),
    ):
        invalid = await act(client, manager, "reopenCase", case, data)
        assert invalid["__typename"] == "InvalidInput", invalid
        assert [p["field"] for p in invalid["problems"]] == [field], invalid
    assert await case_now(client, manager, case["id"]) == {"__typename": "Case", **case}
    # An open episode is not reopened.
    open_case = await referral_for(client, worker, demo_child(world, index=1), date(2026, 10, 5))
    not_closed = await act(client, manager, "reopenCase", open_case, {"reason": REASON})
    assert not_closed["__typename"] == "TransitionRefused", not_closed


async def test_a_closure_is_not_reopened_over_a_later_episode(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    case = await closed_with_a_plan(client, worker, manager, child_id)
    later = await referral_for(client, worker, child_id, date(2026, 10, 20))

    refused = await act(client, manager, "reopenCase", case, {"reason": REASON})
    assert refused["__typename"] == "TransitionRefused", refused
    assert later["id"] in refused["reason"]
    assert "8820" in refused["reason"]
    assert await case_now(client, manager, case["id"]) == {"__typename": "Case", **case}

    # Still refused once the later episode has closed: the two would overlap.
    decision = {"decidedOn": "2026-10-20", "primaryNeed": "N1_ABUSE_OR_NEGLECT"}
    later = await act(client, worker, "decideReferral", later, decision)
    later = await decide(client, manager, "authoriseCase", later, on="2026-10-20")
    later = await act(client, worker, "closeCase", later, {"closedOn": "2026-10-22", "reason": RC8})
    later = await decide(client, manager, "authoriseCase", later, on="2026-10-22")
    refused = await act(client, manager, "reopenCase", case, {"reason": REASON})
    assert refused["__typename"] == "TransitionRefused", refused


async def test_a_closure_with_the_wrong_reason_is_closed_again_on_its_day(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Services did end on 1 October, but the closure gave the wrong reason: reopened on
    # the 5th, the episode closes again on the 1st with the right one (the reopening is
    # a correction, not a step with the child that a closure must come after).
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    case = await closed_with_a_plan(client, worker, manager, demo_child(world))
    case = await act(
        client, manager, "reopenCase", case, {"reopenedOn": "2026-10-05", "reason": REASON}
    )
    rc1 = "RC1_ADOPTED"
    case = await act(client, worker, "closeCase", case, {"closedOn": "2026-10-01", "reason": rc1})
    assert case["__typename"] == "Case", case
    case = await decide(client, manager, "authoriseCase", case, on="2026-10-06")
    assert (case["status"], case["closureDate"], case["closureReason"]) == (
        "CLOSED",
        "2026-10-01",
        rc1,
    )
    plan = latest(case, "childInNeedPlans")
    assert (plan["status"], plan["endDate"]) == ("ENDED", "2026-10-01")
    # The closure first made in error stays on record.
    assert (case["reopened"]["closureDate"], case["reopened"]["closureReason"]) == (
        "2026-10-01",
        RC8,
    )


class _RacedStore:
    """The store, with `race` run just before the reopening's write: after the engine read
    the child's episodes, before its statement runs."""

    def __init__(self, store: FalkorDBStore, race: Callable[[], Awaitable[object]]) -> None:
        self.store, self.race = store, race

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    async def write(self, statement: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        if params.get("action") == "reopenCase":
            await self.race()
        return await self.store.write(statement, params)


async def test_a_referral_finalised_while_reopening_leaves_one_episode(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # The reopening checked the child's episodes (none since) and a referral about the
    # child is finalised before its write: the write itself refuses, so the child never
    # has two episodes of need open (CIN census 8820).
    world = await demo_county(store)
    worker, manager = bearer(settings, "social-worker"), bearer(settings, "team-manager")
    child_id = demo_child(world)
    case = await closed_with_a_plan(client, worker, manager, child_id)
    recorded = await graphql(
        client,
        worker,
        """mutation ($input: RecordContactInput!) { recordContact(input: $input) {
             ... on Contact { id } } }""",
        {
            "input": {
                "childId": child_id,
                "receivedDate": "2026-10-20",
                "source": "SCHOOLS",
                "summary": "A new concern.",
            }
        },
    )
    sam = AccessScope(viewer="worker-sw-demo", team=None, view_all=True, now_ms=now_ms())
    alex = AccessScope(viewer="worker-tm-demo", team=None, view_all=True, now_ms=now_ms())

    async def referral() -> object:
        return await finalise_contact(
            store, sam, recorded["recordContact"]["id"], REFERRAL, None, date(2026, 10, 20)
        )

    reopened = await journey.perform(
        _RacedStore(store, referral),  # type: ignore[arg-type]
        alex,
        Process.CASE,
        case["id"],
        "reopenCase",
        case["version"],
        {"reason": REASON},
        Clock(today_in_england(), default_calendar(), DEFAULT_LOCAL_STANDARDS),
    )
    assert isinstance(reopened, TransitionRefused), reopened
    episodes = (await graphql(client, manager, CHRONOLOGY, {"id": child_id}))["child"]["cases"]
    assert sorted(e["status"] for e in episodes) == ["CLOSED", "OPEN"], episodes
    assert (await case_now(client, manager, case["id"]))["status"] == "CLOSED"
