"""The records connector reads the case journey's own model: its labels, states, kinds."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from connectors import ehm, ies
from connectors.livelink import records
from connectors.livelink.form_context import (
    FORM_SOURCES,
    SOURCE_RECORD,
    STEP,
    SourceRecord,
    form_context,
)
from connectors.livelink.retention import RecordClass
from connectors.livelink.templates import FORM_TEMPLATES
from workflow import codes
from workflow import process as table
from workflow.journey.effects import StepKind

JOURNEY_STATES = {state.value for states in table.STATES.values() for state in states}


def test_every_step_kind_and_state_the_connector_names_is_the_journeys() -> None:
    kinds = {
        kind for spec in FORM_SOURCES.values() if spec.label == STEP for kind in spec.step_kinds
    }
    kinds |= set(records.STEP_KIND_CLASSES)
    assert kinds <= {kind.value for kind in StepKind}
    # A form of what a source system sent shows a kind of record it sends.
    sent = {
        kind
        for spec in FORM_SOURCES.values()
        if spec.label == SOURCE_RECORD
        for kind in spec.step_kinds
    }
    assert sent <= set(ies.RECORD_TYPES) | set(ehm.RECORD_TYPES)
    states = set(records.REACHED_STATE_CLASSES)
    states |= {state for finished in records.FINISHED_STATES.values() for state in finished}
    assert states <= JOURNEY_STATES
    # A manager's decisions, which are not contact with the child.
    assert {table.AUTHORISE, table.RETURN_FOR_REWORK} == records._MANAGERS_DECISIONS
    # The awaiting states whose authorisers the forms name.
    awaiting = {t.awaiting for t in table.TRANSITIONS if t.awaiting}
    assert {"AWAITING_AUTHORISATION", "CLOSURE_AWAITING_AUTHORISATION"} <= awaiting


def test_every_journey_record_label_counts_for_retention() -> None:
    # A new kind of journey record needs its record class and finished states in
    # connectors/livelink/records.py, or the child's file would not count it.
    labels = set(table.RECORD_LABELS.values())
    assert labels <= set(records.LABEL_RECORD_CLASSES), labels - set(records.LABEL_RECORD_CLASSES)
    assert set(records.FINISHED_STATES) == labels
    for process, label in table.RECORD_LABELS.items():
        # Every state a record can end in is finished; every other keeps the case open.
        ends = {t for t in table.STATES[process] if not table.allowed_actions(process, t)}
        assert ends <= records.FINISHED_STATES[label], label


def test_the_dfe_codes_the_connector_reads_exist() -> None:
    assert codes.ReasonEpisodeCeased.from_code("E11").name.startswith("E11_ADOPTED")
    assert codes.ReasonEpisodeCeased.from_code("E12").name.startswith("E12_ADOPTED")
    assert codes.ReasonForClosure.from_code("RC1") is codes.ReasonForClosure.RC1_ADOPTED


def test_every_template_has_a_source_of_the_journeys_model() -> None:
    assert set(FORM_SOURCES) == set(FORM_TEMPLATES)
    labels = {spec.label for spec in FORM_SOURCES.values()}
    # A step of a record, or a record of the journey itself (a case, a plan).
    journey = {STEP, *table.RECORD_LABELS.values()}
    assert labels - journey == {"Contact", "SourceRecord"}
    assert {"Referral", "ChildProtectionPlan", "ChildInNeedPlan"} <= labels


def _row(*history: dict[str, Any], steps: Any = (), events: Any = ()) -> dict[str, Any]:
    return {
        "history": list(history),
        "steps": list(steps),
        "events": list(events),
        "documentClasses": [],
        "dateOfBirth": date(2012, 5, 1),
    }


def test_an_adoption_order_on_the_plan_makes_an_adoption_record_for_100_years() -> None:
    row = _row(
        {
            "id": "P",
            "labels": ["PeriodOfCare"],
            "status": "CEASED",
            "startDate": date(2013, 1, 1),
            "endDate": date(2015, 3, 2),
            "reasonCeased": "E11",
        },
        {
            "id": "A",
            "labels": ["AdoptionPlan"],
            "status": "ADOPTED",
            "decisionDate": date(2013, 6, 1),
            "adoptionOrderDate": date(2015, 3, 2),
        },
        events=[{"recordId": "A", "toState": "ADOPTED", "occurredOn": date(2015, 3, 2)}],
    )
    facts = records.facts_from_row(row)
    assert facts.record_classes == {
        RecordClass.GENERAL,
        RecordClass.LOOKED_AFTER,
        RecordClass.ADOPTION,
    }
    assert facts.adoption_order_date == date(2015, 3, 2)
    adoption = [i for i in records.involvements_of(row) if i.record_class is RecordClass.ADOPTION]
    assert {i.started for i in adoption} == {date(2015, 3, 2)}


def test_a_reversed_adoption_plan_stays_part_of_the_looked_after_record() -> None:
    row = _row(
        {
            "id": "A",
            "labels": ["AdoptionPlan"],
            "status": "CEASED",
            "decisionDate": date(2013, 6, 1),
        }
    )
    assert records.record_classes_of(row) == {RecordClass.GENERAL, RecordClass.LOOKED_AFTER}


@pytest.mark.parametrize(
    ("status", "plan", "open_"),
    [("OPEN", None, True), ("OPEN", "ACTIVE", True), ("CLOSED", "ENDED", False)],
)
def test_a_case_is_open_until_it_is_closed(status: str, plan: str | None, open_: bool) -> None:
    closed = date(2020, 9, 1) if status == "CLOSED" else None
    history: list[dict[str, Any]] = [
        {
            "id": "R",
            "labels": ["Referral"],
            "status": status,
            "referralDate": date(2020, 1, 6),
            "closureDate": closed,
        }
    ]
    if plan is not None:
        # A child protection plan is a record of the episode (workflow/process.py).
        history.append(
            {
                "id": "P",
                "labels": ["ChildProtectionPlan"],
                "status": plan,
                "startDate": date(2020, 3, 2),
                "endDate": closed,
            }
        )
    row = _row(*history, events=[{"recordId": "R", "toState": status, "occurredOn": closed}])
    facts = records.facts_from_row(row)
    assert (facts.last_contact_date is None) is open_
    classes = records.record_classes_of(row)
    assert (RecordClass.CHILD_PROTECTION in classes) is (plan is not None)


def test_a_looked_after_review_form_reads_the_episode_and_the_next_review() -> None:
    review = {
        "id": "S2",
        "kind": "LOOKED_AFTER_REVIEW",
        "status": "DONE",
        "completedDate": date(2026, 4, 28),
        "participation": "PN1",
    }
    steps = [
        {
            "kind": "LOOKED_AFTER_EPISODE",
            "status": "DONE",
            "startDate": date(2026, 4, 1),
            "legalStatus": "C1",
            "placementType": "U6",
        },
        {
            "kind": "LOOKED_AFTER_EPISODE",
            "status": "OPEN",
            "startDate": date(2026, 5, 11),
            "legalStatus": "C2",
            "placementType": "U4",
        },
        review,
        {"kind": "LOOKED_AFTER_REVIEW", "status": "OPEN", "dueDate": date(2026, 7, 28)},
    ]
    context = form_context(
        "cla_review_record",
        child={"id": "C1", "givenName": "Ruby", "familyName": "Newman"},
        source=SourceRecord(review, {"id": "P", "status": "LOOKED_AFTER"}, steps),
        author="Sam Patel",
        local_authority="Hertfordshire County Council",
        today=date(2026, 5, 1),
    )
    # The episode in force on the day of the review, not the one after it.
    assert (context["legal_status"], context["placement"]) == ("C1", "U6")
    assert context["held_on"] == context["completed_on"] == date(2026, 4, 28)
    assert context["child_participated"] is True
    assert context["next_review_due"] == date(2026, 7, 28)
    assert context["independent_reviewing_officer"] is None


def test_short_breaks_are_looked_after_records() -> None:
    row = _row(
        {
            "id": "B",
            "labels": ["ShortBreak"],
            "startDate": date(2024, 7, 1),
            "endDate": date(2024, 7, 5),
        }
    )
    assert records.record_classes_of(row) == {RecordClass.GENERAL, RecordClass.LOOKED_AFTER}
    assert records.facts_from_row(row).last_contact_date == date(2024, 7, 5)
