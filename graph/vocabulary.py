"""The node labels and the keys the store declares constraints and indexes for.

Every label the hub writes has a unique `id` (a stable business key; engine ids are
never used). Lookups by identifier the partners hold (NHS number, UPN) are indexed.
"""

from __future__ import annotations

UNIQUE_ID_LABELS: tuple[str, ...] = (
    "Person",
    "Family",
    "Address",
    "Agency",
    "Team",
    "Worker",
    "Involvement",
    "Contact",
    "Referral",
    "CaseNote",
    "File",
    "Folder",
    "Document",
    "OutboxItem",
    "Grant",
    "AuditEvent",
)

# One Livelink file per child: the constraint is what makes two racing
# finalisations converge on a single file on every engine.
UNIQUE_KEYS: tuple[tuple[str, str], ...] = (
    *((label, "id") for label in UNIQUE_ID_LABELS),
    ("File", "childId"),
)

INDEXED_KEYS: tuple[tuple[str, str], ...] = (
    ("Person", "nhsNumber"),
    ("Person", "upn"),
    ("Person", "familyName"),
    ("Contact", "status"),
)
