"""Early Help Module (EHM): early help episodes, the team around the family, early help
assessments and closure outcomes, taken in and linked to the right child; a step up
becomes a contact at the front door, and a step down is sent back to EHM as a request for
early help through the outbox."""

from connectors.ehm.client import EhmClient, EhmSettings
from connectors.ehm.delivery import EarlyHelpRequests
from connectors.ehm.records import RECORD_TYPES
from connectors.ehm.step_up import StepUpToContact
from connectors.intake import Source


def source(step_up_team: str | None = None) -> Source:
    """EHM as a source of records; `step_up_team` takes its stepped-up contacts."""
    return Source("EHM", RECORD_TYPES, after_apply=StepUpToContact(step_up_team))


SOURCE = source()

__all__ = [
    "RECORD_TYPES",
    "SOURCE",
    "EarlyHelpRequests",
    "EhmClient",
    "EhmSettings",
    "StepUpToContact",
    "source",
]
