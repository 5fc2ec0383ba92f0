"""What each form is rendered from: its source record in the graph, field by field.

A form template shows the child (every form) and the fields of one record about the
child: a contact record shows a `Contact`, a CLA review record a `LookedAfterReview`.
This table names that record's label and, where the graph's property is not simply the
template field in camelCase, which property feeds the field. A field the record does not
hold is rendered as "Not recorded" (or "None recorded" for lists): a form never invents
a value, and a template never fails for want of one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from pydantic.alias_generators import to_camel

__all__ = ["FORM_SOURCES", "FormSource", "form_context"]


@dataclass(frozen=True, slots=True)
class FormSource:
    """The record a template renders and how its properties feed the template's fields.

    Attributes:
        label: the graph label of the source record (it is `ABOUT` the child).
        fields: the template's own fields, in the order the form shows them.
        properties: template field -> graph property, where it is not the camelCase name.
    """

    label: str
    fields: tuple[str, ...]
    properties: Mapping[str, str] = field(default_factory=dict)

    def property_of(self, template_field: str) -> str:
        return self.properties.get(template_field, to_camel(template_field))


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
            "Assessment",
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
            {"started_on": "startDate", "authorised_by": "authorisedByName"},
        ),
        "strategy_discussion_record": FormSource(
            "StrategyDiscussion",
            (
                "held_on",
                "chair",
                "attendees",
                "concerns",
                "section_47_started",
                "decision_rationale",
                "actions",
            ),
        ),
        "section_47_enquiry_outcome": FormSource(
            "Section47Enquiry",
            (
                "started_on",
                "concluded_on",
                "concerns_substantiated",
                "outcome",
                "icpc_due_on",
                "authorised_by",
                "findings",
            ),
            {"started_on": "startDate", "authorised_by": "authorisedByName"},
        ),
        "icpc_minutes": FormSource(
            "ChildProtectionConference",
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
        ),
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
            {"plan_started": "startDate"},
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
        ),
        "cla_review_record": FormSource(
            "LookedAfterReview",
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
        ),
        "pathway_plan": FormSource(
            "PathwayPlan",
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
        ),
        "case_closure_summary": FormSource(
            "Case",
            (
                "closure_date",
                "reason_for_closure",
                "authorised_by",
                "family_informed",
                "summary",
                "continuing_services",
            ),
            {"authorised_by": "authorisedByName"},
        ),
        "ssr_summary": FormSource(
            "SingleServiceRequest",
            (
                "ssr_reference",
                "upn",
                "school",
                "requested_by",
                "requested_on",
                "finalised_on",
                "services_requested",
                "reason",
            ),
        ),
    }
)

# The date a form counts as completed: the source record's own, else the day generated.
_COMPLETED_ON = ("completedOn", "decisionDate", "authorisedOn", "heldOn", "closureDate")

Describe = Callable[[str, Any], Any]


def _as_is(_property: str, value: Any) -> Any:
    return value


def form_context(
    template_key: str,
    *,
    child: Mapping[str, Any],
    source: Mapping[str, Any] | None,
    author: str,
    local_authority: str,
    today: date,
    describe: Describe = _as_is,
) -> dict[str, Any]:
    """The values `render_form` needs for one form, read from the child and source record.

    Args:
        template_key: a key of `FORM_SOURCES` (and of `FORM_TEMPLATES`).
        child: the child's properties as the graph returns them.
        source: the source record's properties (with `finalisedByName` and
            `authorisedByName` added), or None for a form of the child's record alone.
        author: who generated the form.
        describe: turns a stored code into the words a reader needs (e.g. a DfE
            referral source code into its description), given the property name.
    """
    spec = FORM_SOURCES[template_key]
    record = dict(source or {})
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
        prop = spec.property_of(name)
        value = record.get(prop)
        context[name] = None if value is None else describe(prop, value)
    if template_key == "ssr_summary" and context["upn"] is None:
        context["upn"] = child.get("upn")
    return context
