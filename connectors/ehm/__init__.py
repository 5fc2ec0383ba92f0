"""Early Help Module (EHM): early help episodes, the team around the family, early help
assessments and closure outcomes, taken in and linked to the right child."""

from connectors.ehm.records import RECORD_TYPES
from connectors.intake import Source

SOURCE = Source("EHM", RECORD_TYPES)

__all__ = ["RECORD_TYPES", "SOURCE"]
