"""What each form is rendered from: its source record in the graph, field by field.

A form template shows the child (every form) and the fields of one record about the
child. The records are the ones the case journey writes (workflow/journey): a contact
record shows a `Contact`; a case closure summary shows the child's case (the
`Referral` the front door creates, one CIN episode); an SSR summary shows the Single
Service Request as IES sent it (a `SourceRecord` of kind SSR linked to the child, its
particulars in JSON text); every other form shows one `Step`
of a case or period of care (an assessment, a strategy discussion, a conference, a
plan, a review), chosen by its `kind`. A step's form may also show facts of the record
the step is PART_OF and of its other steps (the referral date on an assessment, the
next review due on a plan, the legal status on the day of a looked-after review).

This table names each form's source and, where the graph's property is not simply the
template field in camelCase, which property feeds the field. A field the record does
not hold is rendered as "Not recorded" (or "None recorded" for lists): a form never
invents a value, and a template never fails for want of one.

The step kinds and states are the journey's (`workflow.journey.effects.StepKind`,
`workflow.process.CaseState`/`CareState`), spelt here as strings because this room may
import only `graph`; a test checks every one against the journey's own enums.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from pydantic.alias_generators import to_camel

__all__ = [
    "FORM_SOURCES",
    "SOURCE_RECORD",
    "STEP",
    "Describe",
    "FormSource",
    "SourceRecord",
    "form_context",
]

Describe = Callable[[str, Any], Any]
STEP = "Step"
SOURCE_RECORD = "SourceRecord"
# The sources a form shows one kind of (`FormSource.step_kinds`).
_OF_KINDS = frozenset({STEP, SOURCE_RECORD})


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """A form's source as the graph holds it.

    Attributes:
        properties: the source node's own properties (with `finalisedByName` and
            `authorisedByName` added where workers are linked to it).
        record: for a step, the case or period of care it is PART_OF; for a case, the
            case itself; otherwise None.
        steps: every step of `record`.
        authorisations: the manager's authorisations of `record`, as
            ``{fromState, occurredOn, at, byName}`` (`fromState` names what waited).
    """

    properties: Mapping[str, Any]
    record: Mapping[str, Any] | None = None
    steps: Sequence[Mapping[str, Any]] = ()
    authorisations: Sequence[Mapping[str, Any]] = ()

    def latest_step(
        self, kind: str, *, status: str | None = None, on_or_before: date | None = None
    ) -> Mapping[str, Any] | None:
        """The record's latest step of `kind` (by start, due, then creation)."""
        found = [
            step
            for step in self.steps
            if step.get("kind") == kind
            and (status is None or step.get("status") == status)
            and _began_by(step, on_or_before)
        ]
        found.sort(key=lambda step: (_first_date(step) or date.min, step.get("createdAt") or 0))
        return found[-1] if found else None

    def due_of_open(self, kind: str) -> date | None:
        """When the record's open step of `kind` is due (the next review, say)."""
        step = self.latest_step(kind, status="OPEN")
        due = step.get("dueDate") if step else None
        return due if isinstance(due, date) else None

    def authorised_by(self, awaiting_state: str) -> str | None:
        """Who authorised what waited in `awaiting_state` most recently."""
        found = [a for a in self.authorisations if a.get("fromState") == awaiting_state]
        found.sort(key=lambda a: a.get("at") or 0)
        return found[-1].get("byName") if found else None


def _first_date(step: Mapping[str, Any]) -> date | None:
    for name in ("startDate", "completedDate", "dueDate"):
        value = step.get(name)
        if isinstance(value, date):
            return value
    return None


def _began_by(step: Mapping[str, Any], day: date | None) -> bool:
    first = _first_date(step)
    return day is None or first is None or first <= day


Derive = Callable[[SourceRecord, Describe], Mapping[str, Any]]


def _nothing(_source: SourceRecord, _describe: Describe) -> Mapping[str, Any]:
    return {}


@dataclass(frozen=True, slots=True)
class FormSource:
    """The record a template renders and how the graph feeds the template's fields.

    Attributes:
        label: the graph label of the source record (it is `ABOUT` the child).
        fields: the template's own fields, in the order the form shows them.
        properties: template field -> source property, where it is not the camelCase name.
        step_kinds: for a `Step` source, the kinds of step the form may show; for a
            `SourceRecord` (what a source system sent), the kinds of record.
        derive: fields computed from the step's record and its other steps; these win
            over `properties` and are shown as given (already in words).
        kind_name: what a missing source is called in a NotFound (the GraphQL type).
    """

    label: str
    fields: tuple[str, ...]
    properties: Mapping[str, str] = field(default_factory=dict)
    step_kinds: tuple[str, ...] = ()
    derive: Derive = _nothing
    kind_name: str = ""

    def __post_init__(self) -> None:
        if (self.label in _OF_KINDS) != bool(self.step_kinds):
            raise ValueError(f"{self.label}: kinds are given exactly for a Step or SourceRecord")

    def property_of(self, template_field: str) -> str:
        return self.properties.get(template_field, to_camel(template_field))

    @property
    def missing_kind(self) -> str:
        return self.kind_name or self.label


# ---- derived fields -------------------------------------------------------------------


def _referral_date(source: SourceRecord, _describe: Describe) -> Mapping[str, Any]:
    record = source.record or {}
    return {
        "referral_date": record.get("referralDate"),
        # The assessment is a record of its own (workflow/process.py AssessmentState).
        "authorised_by": source.authorised_by("AWAITING_AUTHORISATION"),
    }


def _strategy_discussion(source: SourceRecord, _describe: Describe) -> Mapping[str, Any]:
    held = source.properties.get("completedDate") or source.properties.get("startDate")
    # The journey starts the section 47 enquiry with the strategy discussion that
    # decides it, on the same day.
    enquiry = source.latest_step("SECTION_47_ENQUIRY", on_or_before=held) if held else None
    return {
        "held_on": held,
        "section_47_started": enquiry is not None and enquiry.get("startDate") == held,
    }


_ENQUIRY_OUTCOMES = {
    "CONFERENCE": "Initial child protection conference requested",
    "NO_CONFERENCE": "No conference needed",
}


def _enquiry(source: SourceRecord, _describe: Describe) -> Mapping[str, Any]:
    outcome = source.properties.get("outcome")
    conference = source.latest_step("INITIAL_CHILD_PROTECTION_CONFERENCE")
    return {
        "outcome": _ENQUIRY_OUTCOMES.get(outcome, outcome) if outcome else None,
        "icpc_due_on": conference.get("dueDate") if conference else None,
    }


def _conference(source: SourceRecord, describe: Describe) -> Mapping[str, Any]:
    held = source.properties.get("completedDate")
    outcome = source.properties.get("outcome")
    plan = (
        source.latest_step("CHILD_PROTECTION_PLAN", on_or_before=held)
        if outcome == "PLAN" and held
        else None
    )
    categories = plan.get("initialCategories") if plan and plan.get("startDate") == held else None
    # The first review the conference set: the earliest one due after it.
    reviews = sorted(
        step["dueDate"]
        for step in source.steps
        if step.get("kind") == "CHILD_PROTECTION_REVIEW"
        and isinstance(step.get("dueDate"), date)
        and held
        and step["dueDate"] > held
    )
    return {
        "held_on": held,
        "plan_required": None if outcome is None else outcome == "PLAN",
        "categories": describe("initialCategories", categories) if categories else None,
        "first_review_due": reviews[0] if plan and reviews else None,
    }


# A plan's next review: the open review step of the plan (none once it has ended, or
# was withdrawn: its steps are cancelled).
def _protection_plan(source: SourceRecord, _describe: Describe) -> Mapping[str, Any]:
    return {"next_review": source.due_of_open("CHILD_PROTECTION_REVIEW")}


def _child_in_need_plan(source: SourceRecord, _describe: Describe) -> Mapping[str, Any]:
    return {"next_review": source.due_of_open("CHILD_IN_NEED_PLAN_REVIEW")}


# SSDA903 REVIEW_CODE: PN1-PN6 the child took part (in person or through someone);
# PN7 not at all; PN0 is a child under 4, for whom the question does not arise.
_TOOK_PART = frozenset({"PN1", "PN2", "PN3", "PN4", "PN5", "PN6"})


def _looked_after_review(source: SourceRecord, describe: Describe) -> Mapping[str, Any]:
    held = source.properties.get("completedDate")
    episode = source.latest_step("LOOKED_AFTER_EPISODE", on_or_before=held)
    participation = source.properties.get("participation")
    took_part = None if participation in (None, "PN0") else participation in _TOOK_PART
    legal, placement = (episode or {}).get("legalStatus"), (episode or {}).get("placementType")
    return {
        "held_on": held,
        "legal_status": describe("legalStatus", legal) if legal else None,
        "placement": describe("placementType", placement) if placement else None,
        "child_participated": took_part,
        "next_review_due": source.due_of_open("LOOKED_AFTER_REVIEW") if held else None,
    }


_CARE_LEAVER_STATUS = {
    "CARE_LEAVER": "Care leaver: leaving care services continue",
    "LEAVING_CARE_SERVICES_ENDED": "Leaving care services have ended",
}


def _pathway_plan(source: SourceRecord, _describe: Describe) -> Mapping[str, Any]:
    status = (source.record or {}).get("status")
    return {
        "plan_date": source.properties.get("completedDate"),
        "care_leaver_status": _CARE_LEAVER_STATUS.get(status, status) if status else None,
        "next_review": source.due_of_open("PATHWAY_PLAN"),
    }


def _closure(source: SourceRecord, _describe: Describe) -> Mapping[str, Any]:
    return {"authorised_by": source.authorised_by("CLOSURE_AWAITING_AUTHORISATION")}


# Where the request is in IES (connectors/ies/records.py SsrStatus), in words.
_SSR_STATUSES = {
    "SUBMITTED": "Submitted",
    "FINALISED": "Finalised",
    "WITHDRAWN": "Withdrawn in IES",
}


def _single_service_request(source: SourceRecord, _describe: Describe) -> Mapping[str, Any]:
    # What IES said is kept as JSON text on the record (connectors/intake.py); IES sends
    # no requester and no list of services, so the form shows those as not recorded.
    text = source.properties.get("details")
    details = json.loads(text) if isinstance(text, str) and text else {}
    finalised = details.get("finalisedDate")
    return {
        "ssr_reference": source.properties.get("recordId"),
        "school": details.get("schoolUrn"),
        "finalised_on": date.fromisoformat(finalised) if finalised else None,
        "reason": details.get("summary"),
        "status": _SSR_STATUSES.get(str(details.get("status"))),
    }


FORM_SOURCES: Mapping[str, FormSource] = MappingProxyType(
    {
        "contact_record": FormSource(
            "Contact",
            (
                "contact_date",
                "contact_source",
                "parents_aware",
                "consent_given",
                "reason",
                "decision",
                "decided_by",
                "decided_on",
                "decision_rationale",
            ),
            {
                "contact_date": "receivedDate",
                "contact_source": "source",
                "reason": "summary",
                "decision": "outcome",
                "decided_by": "finalisedByName",
                "decided_on": "decisionDate",
            },
        ),
        "child_and_family_assessment": FormSource(
            STEP,
            (
                "referral_date",
                "started_on",
                "authorised_on",
                "authorised_by",
                "factors",
                "child_views",
                "parent_views",
                "analysis",
                "outcome",
            ),
            {"started_on": "startDate", "authorised_on": "authorisedDate"},
            step_kinds=("ASSESSMENT",),
            derive=_referral_date,
        ),
        "strategy_discussion_record": FormSource(
            STEP,
            (
                "held_on",
                "chair",
                "attendees",
                "concerns",
                "section_47_started",
                "decision_rationale",
                "actions",
            ),
            step_kinds=("STRATEGY_DISCUSSION",),
            derive=_strategy_discussion,
        ),
        "section_47_enquiry_outcome": FormSource(
            STEP,
            (
                "started_on",
                "concluded_on",
                "concerns_substantiated",
                "outcome",
                "icpc_due_on",
                "authorised_by",
                "findings",
            ),
            {"started_on": "startDate", "concluded_on": "completedDate"},
            step_kinds=("SECTION_47_ENQUIRY",),
            derive=_enquiry,
        ),
        "icpc_minutes": FormSource(
            STEP,
            (
                "held_on",
                "chair",
                "minute_taker",
                "attendees",
                "apologies",
                "discussion",
                "plan_required",
                "lead_social_worker",
                "first_review_due",
                "categories",
                "recommendations",
            ),
            step_kinds=("INITIAL_CHILD_PROTECTION_CONFERENCE",),
            derive=_conference,
        ),
        # A plan's form is made of the plan itself (a record of the episode, with its
        # reviews and visits as steps): no step stands for a whole plan.
        "child_protection_plan": FormSource(
            "ChildProtectionPlan",
            (
                "plan_started",
                "lead_social_worker",
                "next_review",
                "categories",
                "core_group",
                "outcomes",
                "contingency",
            ),
            {"plan_started": "startDate", "categories": "latestCategories"},
            derive=_protection_plan,
        ),
        "child_in_need_plan": FormSource(
            "ChildInNeedPlan",
            (
                "plan_started",
                "lead_professional",
                "next_review",
                "needs_and_actions",
                "family_views",
            ),
            {"plan_started": "startDate"},
            derive=_child_in_need_plan,
        ),
        "cla_review_record": FormSource(
            STEP,
            (
                "held_on",
                "independent_reviewing_officer",
                "legal_status",
                "placement",
                "child_participated",
                "next_review_due",
                "child_views",
                "progress",
                "decisions",
            ),
            step_kinds=("LOOKED_AFTER_REVIEW",),
            derive=_looked_after_review,
        ),
        "pathway_plan": FormSource(
            STEP,
            (
                "plan_date",
                "personal_adviser",
                "care_leaver_status",
                "next_review",
                "accommodation",
                "education_training_employment",
                "health",
                "finances",
                "actions",
            ),
            step_kinds=("PATHWAY_PLAN",),
            derive=_pathway_plan,
        ),
        "case_closure_summary": FormSource(
            "Referral",
            (
                "closure_date",
                "reason_for_closure",
                "authorised_by",
                "family_informed",
                "summary",
                "continuing_services",
            ),
            {"reason_for_closure": "closureReason"},
            derive=_closure,
            kind_name="Case",
        ),
        # An SSR is kept as IES sent it: a source record linked to the child.
        "ssr_summary": FormSource(
            SOURCE_RECORD,
            (
                "ssr_reference",
                "upn",
                "school",
                "requested_by",
                "requested_on",
                "finalised_on",
                "status",
                "services_requested",
                "reason",
            ),
            {"requested_on": "startDate"},
            step_kinds=("SSR",),
            derive=_single_service_request,
            kind_name="SingleServiceRequest",
        ),
    }
)

# The date a form counts as completed: the source record's own, else the day generated.
# A closed case's closure comes before its referral decision; a step's completion
# before its authorisation.
_COMPLETED_ON = (
    "closureDate",
    "completedDate",
    "completedOn",
    "authorisedDate",
    "authorisedOn",
    "heldOn",
    "decisionDate",
)


def _as_is(_property: str, value: Any) -> Any:
    return value


def form_context(
    template_key: str,
    *,
    child: Mapping[str, Any],
    source: SourceRecord | None,
    author: str,
    local_authority: str,
    today: date,
    describe: Describe = _as_is,
) -> dict[str, Any]:
    """The values `render_form` needs for one form, read from the child and source record.

    Args:
        template_key: a key of `FORM_SOURCES` (and of `FORM_TEMPLATES`).
        child: the child's properties as the graph returns them.
        source: the source record, or None for a form of the child's record alone.
        author: who generated the form.
        describe: turns a stored code into the words a reader needs (e.g. a DfE
            referral source code into its description), given the property name.
    """
    spec = FORM_SOURCES[template_key]
    record = dict(source.properties) if source else {}
    derived = spec.derive(source, describe) if source else {}
    given = child.get("givenName") or ""
    family = child.get("familyName") or ""
    completed_on = next(
        (record[name] for name in _COMPLETED_ON if isinstance(record.get(name), date)), today
    )
    context: dict[str, Any] = {
        "child_name": f"{given} {family}".strip() or "Not recorded",
        "child_id": child["id"],
        "date_of_birth": child.get("dateOfBirth") or child.get("expectedDateOfBirth"),
        "author": author,
        "completed_on": completed_on,
        "local_authority": local_authority,
    }
    for name in spec.fields:
        if name in derived:
            context[name] = derived[name]
            continue
        prop = spec.property_of(name)
        value = record.get(prop)
        context[name] = None if value is None else describe(prop, value)
    if template_key == "ssr_summary" and context["upn"] is None:
        context["upn"] = child.get("upn")
    return context
