"""Livelink, the council's records system: the child's file, its plan, filing and retention."""

from connectors.livelink.file_plan import FILE_PLAN, FOLDER_KEYS, FolderSpec

__all__ = ["FILE_PLAN", "FOLDER_KEYS", "FolderSpec"]
