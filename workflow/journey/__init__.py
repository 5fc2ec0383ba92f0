"""The case journey: running the process table's actions against the graph.

Importing this package registers every action's input and effect with the engine.
"""

from workflow.journey import (
    adoption,
    assessment_dates,
    care,
    care_end,
    case,
    cin_plan_dates,
    episode_start,
    late_reasons,
    legal_status,
    plan_ends,
)
from workflow.journey.effects import Clock, StepKind, StepStatus
from workflow.journey.engine import (
    authorise,
    missing_specs,
    perform,
    read_record,
    return_for_rework,
)

__all__ = [
    "Clock",
    "StepKind",
    "StepStatus",
    "adoption",
    "assessment_dates",
    "authorise",
    "care",
    "care_end",
    "case",
    "cin_plan_dates",
    "episode_start",
    "late_reasons",
    "legal_status",
    "missing_specs",
    "perform",
    "plan_ends",
    "read_record",
    "return_for_rework",
]
