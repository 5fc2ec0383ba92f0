"""The standard subfolder plan of a child's Livelink file.

Every child's file has the same subfolders so that records officers, and the form
template map, always find a document in the same place. The plan is configuration:
a council that adds a subfolder adds a line here and every new file gets it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FolderSpec:
    """One subfolder of a child's file: a stable key and the name records officers see."""

    key: str
    name: str


FILE_PLAN: tuple[FolderSpec, ...] = (
    FolderSpec("referral_and_assessment", "01 Referral and assessment"),
    FolderSpec("child_protection", "02 Child protection"),
    FolderSpec("child_in_need", "03 Child in need"),
    FolderSpec("looked_after", "04 Looked after"),
    FolderSpec("leaving_care", "05 Leaving care"),
    FolderSpec("adoption", "06 Adoption"),
    FolderSpec("legal", "07 Legal"),
    FolderSpec("health", "08 Health"),
    FolderSpec("education", "09 Education"),
    FolderSpec("early_help", "10 Early help"),
    FolderSpec("correspondence", "11 Correspondence"),
)

FOLDER_KEYS: frozenset[str] = frozenset(folder.key for folder in FILE_PLAN)
