"""The node labels and the keys the store declares constraints and indexes for.

Every label the hub writes has a unique `id` (a stable business key; engine ids are
never used). Lookups by identifier the partners hold (NHS number, UPN) are indexed.
"""

from __future__ import annotations

UNIQUE_ID_LABELS: tuple[str, ...] = (
    "Person",
    # Children are Persons, but statements match `:Child {id}`; an index is per label.
    "Child",
    "Family",
    "Address",
    "Agency",
    "Team",
    "Worker",
    "Involvement",
    "Contact",
    "Referral",
    # The episode of need's own processes (workflow/process.py).
    "Assessment",
    "Section47Enquiry",
    "InitialChildProtectionConference",
    "ChildProtectionPlan",
    "ChildInNeedPlan",
    # The case journey: periods of care, their steps and the events of the chronology.
    "PeriodOfCare",
    "AdoptionPlan",
    "FosteringHousehold",
    "ShortBreak",
    "Step",
    "JourneyEvent",
    "CaseNote",
    "File",
    "Folder",
    "Document",
    "DocumentVersion",
    "DocumentRead",
    "LegalHold",
    "HoldApplication",
    "DisposalRecord",
    "OutboxItem",
    "Grant",
    "MultiAgencyEnquiry",
    "TrainingRequirement",
    # The workforce and the statutory facts (graph/cypher/workforce.py, facts.py).
    "Allocation",
    "ChildFact",
    # Records taken in from EHM and IES, and the trail of how each was linked to a child.
    "SourceRecord",
    "LinkEvent",
    # Operation Encompass (graph/cypher/encompass.py).
    "DomesticAbuseIncident",
    "EncompassNotice",
    # The store's one shape node: the version its migrations reached (graph/migrations.py).
    "GraphShape",
    # Step down: the requests for early help sent to EHM (graph/cypher/early_help.py).
    "EarlyHelpRequest",
    # Two records of one child merged, and the record merged away (graph/cypher/merging.py).
    "MergeEvent",
    "MergedChild",
)

# AuditEvent and Notice are append-only, written with fresh uuids. The read audit's journal
# is drained by idempotent writes that find each by its id (graph/audit_journal.py), off
# the request's path: indexed (INDEXED_KEYS), not constrained, as a duplicate is never
# made and a constraint would cost every write its check.

# One Livelink file per child: the constraint is what makes two racing
# finalisations converge on a single file on every engine.
UNIQUE_KEYS: tuple[tuple[str, str], ...] = (
    *((label, "id") for label in UNIQUE_ID_LABELS),
    ("File", "childId"),
    # Livelink records: racing generations of one form converge on one document with
    # consecutive versions, and a hold key names one hold.
    ("Document", "key"),
    ("DocumentVersion", "key"),
    ("LegalHold", "key"),
    ("TrainingModule", "code"),
    # One record per source record id: a replayed or racing batch converges on it.
    ("SourceRecord", "key"),
    # One warning per record, DfE rule and subject (graph/cypher/data_warnings.py).
    ("DataWarning", "key"),
    # One child, one record: an NHS number (check digit verified at entry) is on one child
    # only, so racing contacts about a "new" child cannot make two (children without
    # one are not constrained).
    ("Child", "nhsNumber"),
    # A child first met in an EHM or IES record, or at the front door without an NHS
    # number or UPN, carries the key of its folded names and birth date
    # (workflow.matching.identity_key): racing batches or contacts about one unknown child
    # converge on one child; twins differ in their first names.
    ("Child", "intakeKey"),
    # A school is found by its DfE URN when IES names it; racing batches make one agency.
    ("Agency", "urn"),
    # A force notifies an incident once: a replayed report makes no second set of notices.
    ("DomesticAbuseIncident", "key"),
    # One contact per EHM step-up record: a replayed or racing batch finds it
    # (graph/cypher/early_help.py; contacts recorded at the front door have none).
    ("Contact", "stepUpKey"),
)

INDEXED_KEYS: tuple[tuple[str, str], ...] = (
    # The audit journal's drain finds each event and notice by its id.
    ("AuditEvent", "id"),
    ("Notice", "id"),
    ("Person", "nhsNumber"),
    ("Person", "upn"),
    ("Person", "familyName"),
    ("Contact", "status"),
    ("OutboxItem", "state"),
    # Every version of a case note shares its first version's id (graph/cypher/notes.py).
    ("CaseNote", "lineageId"),
    # Matching a record to a child (graph/cypher/linking.py) looks children up by these
    # (and by the NHS number, indexed by its constraint); statements match `:Child`, and
    # an index is per label.
    ("Child", "upn"),
    # The birth date as ISO text (`YYYY-MM-DD`), written beside `dateOfBirth`: FalkorDB's
    # index on a date value answers an equality in time that grows with the children
    # indexed (0.4 ms at 2,000, 11-20 ms at 16,000) and costs as much on each write,
    # where a text key stays flat; matching seeks a record's birth date on every record.
    ("Child", "dateOfBirthKey"),
    ("Child", "familyName"),
    # Search by the start of a family name seeks its folded prefixes (graph/names.py).
    ("Child", "familyNamePrefixes"),
    ("SourceRecord", "nhsNumber"),
    ("SourceRecord", "upn"),
    ("SourceRecord", "linkState"),
    # The MASH's list reads the open notices only.
    ("EncompassNotice", "state"),
    # `lcs-hub import` finds each relationship's ends by their number in the file; the
    # label exists only while an import runs (graph/cypher/backup.py).
    ("ImportedNode", "importRef"),
    ("DataWarning", "recordId"),
)

# Every relationship type the statements read. FalkorDB keeps the plan it made for a
# statement; one planned while no relationship of a type existed, filtering on that
# relationship's properties in a pattern comprehension, goes on answering nothing after
# one is written (a child's school read before the first IES pupil record arrived stayed
# empty until a restart: `ON_ROLL_AT`'s dates). So the store declares every type before
# serving (FalkorDBStore.apply_schema); tests/graph/test_vocabulary.py checks every type
# the statements name is here.
RELATIONSHIP_TYPES: tuple[str, ...] = (
    "ABOUT",
    "ACCESSED",
    "ALLOCATED_TO",
    "APPLIES_TO",
    "APPROVED_BY",
    "ATTENDS",
    "AUTHORISED_BY",
    "BY",
    "BY_AGENCY",
    "BY_WORKER",
    "CARRIES_HISTORY",
    "COMPLETED",
    "CONCERNS",
    "CORRECTS",
    "DELIVERS",
    "DISPOSED",
    "DURING",
    "FINALISED_BY",
    "FOLLOWS",
    "FOR_CARE",
    "FOR_RECORD",
    "FOR_SCHOOL",
    "FOR_WORKER",
    "FROM_INCIDENT",
    "GRANTS_ACCESS_TO",
    "HAS_FILE",
    "HAS_FOLDER",
    "HAS_INVOLVEMENT",
    "HAS_VERSION",
    "HOLDS",
    "IN_EPISODE",
    "KEPT",
    "LED_TO",
    "LINKED_TO",
    "LIVES_AT",
    "MEMBER_OF",
    "MEMBER_OF_TEAM",
    "MERGED",
    "MERGED_INTO",
    "OF",
    "OF_HOLD",
    "ON_ROLL_AT",
    "PARTY",
    "PART_OF",
    "READ_OF",
    "RECORDED_BY",
    "RELATED_TO",
    "REPLACES",
    "REPORTS_TO",
    "RESPONSIBLE_TEAM",
    "STEPPED_DOWN_TO",
    "STEPPED_UP_FROM",
    "TO_WORKER",
    "UNDONE_BY",
    "WARNS_ABOUT",
    "WITH_HOUSEHOLD",
    "WRITTEN_BY",
)
