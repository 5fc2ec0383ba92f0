"""The education system (IES): pupils with their UPN, school and year group, attendance and
exclusions, and Single Service Requests, taken in and linked to the right child; a
finalised SSR opens the child's Livelink file."""

from connectors.ies.records import RECORD_TYPES
from connectors.ies.ssr import on_linked, open_file_for_finalised_ssr
from connectors.intake import Source

SOURCE = Source("IES", RECORD_TYPES, after_apply=open_file_for_finalised_ssr)

__all__ = ["RECORD_TYPES", "SOURCE", "on_linked", "open_file_for_finalised_ssr"]
