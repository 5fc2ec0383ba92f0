"""Livelink, the council's records system: the child's file, its plan, filing and retention."""

from connectors.livelink.file_plan import FILE_PLAN, FOLDER_KEYS, FolderSpec
from connectors.livelink.records import recompute_retention

# `recompute_retention` is what other areas call when a child's status changes.
__all__ = ["FILE_PLAN", "FOLDER_KEYS", "FolderSpec", "recompute_retention"]
