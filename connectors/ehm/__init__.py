"""Early Help Module (EHM): early help episodes, the team around the family, early help
assessments and closure outcomes, taken in and linked to the right child."""

from connectors.ehm.records import RECORD_TYPES
from connectors.intake import parser_for

SOURCE = "EHM"

# Turns one raw row (CSV or JSON) into an EHM record, or says what is wrong with it.
parse_row = parser_for(SOURCE, RECORD_TYPES)

__all__ = ["RECORD_TYPES", "SOURCE", "parse_row"]
