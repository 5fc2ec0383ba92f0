"""The education system (IES): pupils with their UPN, school and year group, attendance and
exclusions, and Single Service Requests, taken in and linked to the right child."""

from connectors.ies.records import RECORD_TYPES
from connectors.intake import parser_for

SOURCE = "IES"

# Turns one raw row (CSV or JSON) into an IES record, or says what is wrong with it.
parse_row = parser_for(SOURCE, RECORD_TYPES)

__all__ = ["RECORD_TYPES", "SOURCE", "parse_row"]
