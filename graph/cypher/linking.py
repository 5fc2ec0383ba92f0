"""Records from EHM and IES, and the links that tie each one to one child.

A `SourceRecord` is keyed by `key` = source:kind:recordId and carries the source's version;
the `LINKED_TO` relationship says which child it is about and how that was decided
(rule, score, by whom, when). Every link and unlink also leaves an append-only `LinkEvent`,
so a link can be undone and the trail of who decided what survives it. What is particular
to a kind of record (a school, an attendance rate, the team around the family) travels in
`details`, JSON text: graph properties cannot hold maps on every engine.
"""

from __future__ import annotations

from graph.cypher.access import only_visible
from graph.cypher.documents import misfile_documents, restore_misfiled_documents
from graph.cypher.early_help import taken_off_the_child

# Candidate children for a record: each branch is one indexed look-up (an OR across
# properties would scan the label). Identifiers are also found through records already
# linked to a child, so a child first met without an NHS number is still found by it.
# Each identifier comes as a list, empty when the record has none: FalkorDB runs
# `c.nhsNumber = $nhsNumber` with a null parameter as a scan of the whole label (an
# index holds no nulls), so a record without an NHS number or UPN read every child and
# every record taken in before it, and each record of a push cost more than the last.
# Birth dates are sought by their text key (`dateOfBirthKey`, ISO), for the same reason:
# the engine's index on a date value costs time that grows with the children.
CANDIDATE_IDS = """
UNWIND $nhsNumbers AS number
MATCH (c:Child) WHERE c.nhsNumber = number RETURN c.id AS id
UNION
UNWIND $upns AS upn
MATCH (c:Child) WHERE c.upn = upn RETURN c.id AS id
UNION
UNWIND $nhsNumbers AS number
MATCH (r:SourceRecord) WHERE r.nhsNumber = number
MATCH (r)-[:LINKED_TO]->(c:Child) RETURN c.id AS id
UNION
UNWIND $upns AS upn
MATCH (r:SourceRecord) WHERE r.upn = upn
MATCH (r)-[:LINKED_TO]->(c:Child) RETURN c.id AS id
UNION
UNWIND $birthDates AS birth
MATCH (c:Child) WHERE c.dateOfBirthKey = birth RETURN c.id AS id
UNION
UNWIND $familyNames AS name
MATCH (c:Child) WHERE c.familyName = name RETURN c.id AS id
"""

_CANDIDATE_PROJECTION = """
RETURN c.id AS id, c {.givenName, .familyName, .dateOfBirth, .sex, .nhsNumber, .upn} AS child,
       [(c)-[:LIVES_AT]->(a:Address) | a.postcode] AS addressPostcodes,
       [(c)<-[:LINKED_TO]-(r:SourceRecord) | r {.postcode, .nhsNumber, .upn}] AS linked
"""

# Matching runs for the system: a restricted child must be found, or linking would
# create a second record of them. What a person is shown goes through VISIBLE_CANDIDATES.
CANDIDATES = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})
{_CANDIDATE_PROJECTION}
"""

VISIBLE_CANDIDATES = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})
{only_visible("c")}
{_CANDIDATE_PROJECTION}
"""

# The child holding an identity key (unique, so at most one): who a lost race lost to.
CHILD_WITH_IDENTITY_KEY = """
MATCH (c:Child {intakeKey: $key})
RETURN c.id AS id
"""


def born_in_time(child: str) -> str:
    """A condition: nothing dated `$latestBirth` minus 40 weeks (workflow/pregnancy.py) is
    before the pregnancy of `child`, born or expected (CIN census rule 8606)."""
    born = f"coalesce({child}.dateOfBirth, {child}.expectedDateOfBirth)"
    return f"({born} IS NULL OR {born} <= date($latestBirth))"


# The (expected) birth date of a child, for the system: why a record was not linked.
CHILD_BORN = """
MATCH (c:Child {id: $childId})
RETURN coalesce(c.dateOfBirth, c.expectedDateOfBirth) AS born, coalesce(c.unborn, false) AS unborn
"""

RECORD_FIELDS = (
    "r {.id, .key, .source, .kind, .recordId, .version, .startDate, .endDate, .givenName,"
    " .familyName, .dateOfBirth, .sex, .postcode, .nhsNumber, .upn, .linkState, .linkReason,"
    " .reviewCandidates, .reviewScores, .details, .firstSeenAt, .updatedAt, .recordedBy}"
)

# `heldForPerson`: a person took the record off a child (an UNLINK event) and it is not
# linked again: only a person links it now, whatever new versions the source sends.
RECORD_STATE = """
MATCH (r:SourceRecord {key: $key})
WITH r, head([(r)-[:LINKED_TO]->(c:Child) | c.id]) AS childId
RETURN r.id AS id, r.version AS version, r.contentDigest AS contentDigest,
       r.linkState AS linkState, childId,
       childId IS NULL
       AND size([(r)<-[:FOR_RECORD]-(e:LinkEvent {action: 'UNLINK'}) | e]) > 0
       AS heldForPerson
"""

_LINK_DECIDED = "r, unlinked, known, held, linkKnown, linkNew"

# One statement per record: the version guard, the record's values and, if the record is
# not linked yet, the decision (a link to a known child, a new child, or the review queue)
# with its LinkEvent. A replay (same version) or an older version matches nothing here.
# A record a person unlinked is never linked by the system again (`held`, checked here too
# so an unlink racing a new version still stands): it waits in the review queue.
# A version the source withdrew (`$withdrawn`: sent in error, about the wrong child, a
# test record) ends the record's link with a WITHDRAW event naming the link it undoes,
# links nothing and waits for nobody: it is WITHDRAWN until the source sends it again.
UPSERT_RECORD = f"""
MERGE (r:SourceRecord {{key: $key}})
ON CREATE SET r.id = $id, r.version = 0, r.firstSeenAt = $now
WITH r WHERE r.version < $version
SET r.source = $source, r.kind = $kind, r.recordId = $recordId, r.version = $version,
    r.givenName = $subject.givenName, r.familyName = $subject.familyName,
    r.familyNameKey = $subject.familyNameKey, r.familyNamePrefixes = $subject.familyNamePrefixes,
    r.sex = $subject.sex, r.postcode = $subject.postcode,
    r.nhsNumber = $subject.nhsNumber, r.upn = $subject.upn,
    r.startDate = date($startDate), r.endDate = null, r.dateOfBirth = null,
    r.details = $details, r.updatedAt = $now, r.recordedBy = $by,
    r.withdrawn = $withdrawn, r.withdrawnReason = $withdrawnReason,
    r.contentDigest = $contentDigest
FOREACH (d IN CASE WHEN $endDate IS NULL THEN [] ELSE [$endDate] END | SET r.endDate = date(d))
FOREACH (d IN CASE WHEN $subject.dateOfBirth IS NULL THEN [] ELSE [$subject.dateOfBirth] END |
    SET r.dateOfBirth = date(d))
WITH r
OPTIONAL MATCH (r)-[ended:LINKED_TO]->(endedChild:Child)
WHERE $withdrawn
FOREACH (_ IN CASE WHEN ended IS NULL THEN [] ELSE [1] END |
    CREATE (e:LinkEvent {{id: $link.eventId, action: 'WITHDRAW', rule: ended.rule,
            score: ended.score, by: $by, at: $now, recordKey: r.key, childId: endedChild.id,
            reason: $withdrawnReason, undoes: ended.linkId}})
    CREATE (e)-[:FOR_RECORD]->(r))
DELETE ended
// The forms made of it (an SSR's summary) on the child's file are another child's
// record there: misfiled, by the system that withdrew it.
{misfile_documents("endedChild", "[r.id]", "r, endedChild", by="$by")}
WITH DISTINCT r
WITH r, size([(r)-[:LINKED_TO]->(linked:Child) | linked]) = 0 AS unlinked,
     size([(r)<-[:FOR_RECORD]-(undone:LinkEvent {{action: 'UNLINK'}}) | undone]) > 0 AS held
OPTIONAL MATCH (known:Child {{id: $link.childId}})
WITH r, unlinked, known, held,
     unlinked AND NOT held AND NOT $withdrawn AND known IS NOT NULL
       AND $decision = 'AUTO_LINK' AND {born_in_time("known")} AS linkKnown,
     unlinked AND NOT held AND NOT $withdrawn AND $decision = 'NEW_PERSON' AS linkNew
FOREACH (_ IN CASE WHEN linkKnown THEN [1] ELSE [] END |
    CREATE (r)-[:LINKED_TO {{linkId: $link.eventId, rule: $link.rule, score: $link.score,
            by: $by, at: $now}}]->(known)
    CREATE (e:LinkEvent {{id: $link.eventId, action: 'LINK', rule: $link.rule,
            score: $link.score, by: $by, at: $now, recordKey: r.key, childId: known.id,
            reason: $reason}})
    CREATE (e)-[:FOR_RECORD]->(r))
// Sent again after the source withdrew it, and linked to the child again: the forms
// made of it that the withdrawal misfiled on their file are theirs again (their file is
// read only then: r.linkState is still the state before this version).
WITH {_LINK_DECIDED},
     CASE WHEN linkKnown AND r.linkState = 'WITHDRAWN' THEN known END AS sentAgainTo
{restore_misfiled_documents("sentAgainTo", "[r.id]", _LINK_DECIDED + ", sentAgainTo", by="$by")}
FOREACH (_ IN CASE WHEN linkNew THEN [1] ELSE [] END |
    CREATE (c:Person:Child {{id: $newChild.id, givenName: $subject.givenName,
            familyName: $subject.familyName, familyNameKey: $subject.familyNameKey,
            familyNamePrefixes: $subject.familyNamePrefixes, sex: coalesce($subject.sex, 'U'),
            nhsNumber: $subject.nhsNumber, upn: $subject.upn, unborn: false,
            restricted: false, createdAt: $now, createdFrom: r.key,
            intakeKey: $newChild.intakeKey}})
    FOREACH (d IN CASE WHEN $subject.dateOfBirth IS NULL THEN []
                       ELSE [$subject.dateOfBirth] END |
        SET c.dateOfBirth = date(d), c.dateOfBirthKey = toString(date(d)))
    CREATE (r)-[:LINKED_TO {{linkId: $link.eventId, rule: 'NEW_PERSON', score: $link.score,
            by: $by, at: $now}}]->(c)
    CREATE (e:LinkEvent {{id: $link.eventId, action: 'LINK', rule: 'NEW_PERSON',
            score: $link.score, by: $by, at: $now, recordKey: r.key, childId: $newChild.id,
            reason: $reason}})
    CREATE (e)-[:FOR_RECORD]->(r))
SET r.linkState = CASE WHEN $withdrawn THEN 'WITHDRAWN' WHEN linkKnown OR linkNew THEN 'LINKED'
                       WHEN unlinked THEN 'REVIEW' ELSE r.linkState END,
    r.linkReason = CASE WHEN $withdrawn THEN $withdrawnReason
                        WHEN unlinked THEN $reason ELSE r.linkReason END,
    r.reviewCandidates = CASE WHEN $withdrawn THEN []
                              WHEN unlinked AND ($decision = 'REVIEW' OR held)
                              THEN $review.childIds
                              WHEN unlinked THEN [] ELSE r.reviewCandidates END,
    r.reviewScores = CASE WHEN $withdrawn THEN []
                          WHEN unlinked AND ($decision = 'REVIEW' OR held) THEN $review.scores
                          WHEN unlinked THEN [] ELSE r.reviewScores END
RETURN r.id AS id, r.linkState AS linkState, unlinked AS decided,
       head([(r)-[:LINKED_TO]->(c:Child) | c.id]) AS childId
"""

# A child created from a record the source then withdrew (`createdFrom`), that nothing
# else is about, linked to or has read (no relationship at all: no contact, link, file,
# audit, family): it existed only because of the record, and goes with it. The record's
# LINK and WITHDRAW events keep its id; anything else recorded keeps the child.
REMOVE_CHILD_MADE_BY = """
MATCH (c:Child {id: $childId})
WHERE c.createdFrom = $key
// FalkorDB: a pattern comprehension is read in a WITH, not in a WHERE.
WITH c, size([(c)--(other) | other]) AS around
WHERE around = 0
DELETE c
RETURN count(c) AS removed
"""

# A person links a record from the review queue (or after an unlink). The record must
# not be linked already: relinking is unlink, then link, each audited.
LINK_RECORD = f"""
MATCH (r:SourceRecord {{id: $recordId}})
WHERE NOT (r)-[:LINKED_TO]->(:Child) AND coalesce(r.linkState, '') <> 'WITHDRAWN'
MATCH (c:Child {{id: $childId}})
WHERE {born_in_time("c")}
{only_visible("c", "r")}
CREATE (r)-[:LINKED_TO {{linkId: $eventId, rule: 'MANUAL', score: $score, by: $viewer,
        at: $now}}]->(c)
CREATE (e:LinkEvent {{id: $eventId, action: 'LINK', rule: 'MANUAL', score: $score,
        by: $viewer, at: $now, recordKey: r.key, childId: c.id, reason: $reason}})
CREATE (e)-[:FOR_RECORD]->(r)
SET r.linkState = 'LINKED', r.linkReason = $reason, r.reviewCandidates = [],
    r.reviewScores = []
// Linked back to the child a person took it off: its forms there are theirs again.
{restore_misfiled_documents("c", "[r.id]", "r, c", "MOVED")}
RETURN {RECORD_FIELDS} AS record, c.id AS childId
"""

# A person decides the record is about a child the hub has not met: the child is created
# from what the record says, in the same statement as the link. No intakeKey: two
# children may share a name and a birth date, and a person has looked. The NHS number's
# unique constraint still holds.
LINK_RECORD_TO_NEW_CHILD = f"""
MATCH (r:SourceRecord {{id: $recordId}})
WHERE NOT (r)-[:LINKED_TO]->(:Child) AND coalesce(r.linkState, '') <> 'WITHDRAWN'
CREATE (c:Person:Child {{id: $childId, givenName: r.givenName, familyName: r.familyName,
        familyNameKey: r.familyNameKey, familyNamePrefixes: r.familyNamePrefixes,
        dateOfBirth: r.dateOfBirth, dateOfBirthKey: toString(r.dateOfBirth),
        sex: coalesce(r.sex, 'U'), nhsNumber: r.nhsNumber,
        upn: r.upn, unborn: false, restricted: false, createdAt: $now, createdFrom: r.key}})
CREATE (r)-[:LINKED_TO {{linkId: $eventId, rule: 'NEW_PERSON', by: $viewer, at: $now}}]->(c)
CREATE (e:LinkEvent {{id: $eventId, action: 'LINK', rule: 'NEW_PERSON', by: $viewer,
        at: $now, recordKey: r.key, childId: c.id, reason: $reason}})
CREATE (e)-[:FOR_RECORD]->(r)
SET r.linkState = 'LINKED', r.linkReason = $reason, r.reviewCandidates = [],
    r.reviewScores = []
RETURN {RECORD_FIELDS} AS record, c.id AS childId
"""

# Undoing a link: the relationship goes, the LinkEvent trail stays, and the record goes
# back to the review queue for a person to decide. The forms made of it on the child's
# file are misfiled there, and an EHM step up's undecided contact leaves the child with it.
UNLINK_RECORD = f"""
MATCH (r:SourceRecord {{id: $recordId}})-[l:LINKED_TO]->(c:Child)
{only_visible("c", "r", "l")}
CREATE (e:LinkEvent {{id: $eventId, action: 'UNLINK', rule: l.rule, score: l.score,
        by: $viewer, at: $now, recordKey: r.key, childId: c.id, reason: $reason,
        undoes: l.linkId}})
CREATE (e)-[:FOR_RECORD]->(r)
DELETE l
SET r.linkState = 'REVIEW', r.linkReason = $reason, r.reviewCandidates = [c.id],
    r.reviewScores = [coalesce(e.score, 0.0)]
{taken_off_the_child("r", "c", "r, c", "$reason")}
RETURN {RECORD_FIELDS} AS record, c.id AS childId
"""

RECORD_BY_ID = f"""
MATCH (r:SourceRecord {{id: $recordId}})
RETURN {RECORD_FIELDS} AS record,
       head([(r)-[l:LINKED_TO]->(c:Child) | l {{.rule, .score, .by, .at, childId: c.id}}]) AS link
"""

# $recordedBy narrows the queue to what one system client sent (null: every record).
REVIEW_QUEUE = f"""
MATCH (r:SourceRecord)
WHERE r.linkState = 'REVIEW' AND ($recordedBy IS NULL OR r.recordedBy = $recordedBy)
RETURN {RECORD_FIELDS} AS record
ORDER BY r.updatedAt, r.key
LIMIT $limit
"""

# Which of some children the caller may see: a record's review candidates and links are
# named only where the child is (a restricted child is counted, never named).
VISIBLE_CHILD_IDS = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})
{only_visible("c", "childId")}
RETURN childId
"""

LINK_HISTORY = """
MATCH (e:LinkEvent)-[:FOR_RECORD]->(r:SourceRecord {id: $recordId})
RETURN e {.id, .action, .rule, .score, .by, .at, .childId, .reason, .undoes} AS event
ORDER BY e.at, e.id
"""

# What a child's record shows from EHM and IES: only through a child the viewer may see.
RECORDS_OF = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})
{only_visible("c")}
MATCH (c)<-[l:LINKED_TO]-(r:SourceRecord)
RETURN c.id AS childId, {RECORD_FIELDS} AS record, l {{.rule, .score, .by, .at}} AS link
ORDER BY r.startDate DESC, r.key
"""

# Children who may be one child recorded twice: born on the same day, or on days that are
# each other's day and month swapped (grouped by year and the unordered day and month).
# Only groups of two or more come back; the scoring is done in Python.
BIRTH_DATE_GROUPS = f"""
MATCH (c:Child)
WHERE c.dateOfBirth IS NOT NULL
{only_visible("c")}
WITH c, c.dateOfBirth.day AS day, c.dateOfBirth.month AS month
WITH [c.dateOfBirth.year, CASE WHEN day < month THEN day ELSE month END,
      CASE WHEN day < month THEN month ELSE day END] AS birthKey,
     collect(c {{.id, .givenName, .familyName, .dateOfBirth, .sex, .nhsNumber, .upn}})
       AS children
WHERE size(children) > 1
RETURN children
"""

# Children tied by one NHS number through the EHM and IES records linked to them: the
# records health's CP-IS look-up reads together until a records officer merges them.
# SourceRecords are read whole (they are not a per-child label); each child once.
NHS_NUMBER_GROUPS = f"""
MATCH (r:SourceRecord)
WHERE r.nhsNumber IS NOT NULL
MATCH (r)-[:LINKED_TO]->(c:Child)
WITH r.nhsNumber AS nhsNumber, collect(DISTINCT c) AS linked
OPTIONAL MATCH (holder:Person {{nhsNumber: nhsNumber}})
WHERE holder:Child
// FalkorDB loses `linked` if it is only used beside the aggregate: group by it.
WITH nhsNumber, linked, collect(holder) AS holders
UNWIND linked + holders AS c
WITH DISTINCT nhsNumber, c
{only_visible("c", "nhsNumber")}
WITH nhsNumber,
     collect(c {{.id, .givenName, .familyName, .dateOfBirth, .sex, .nhsNumber, .upn}}) AS children
WHERE size(children) > 1
RETURN nhsNumber, children
"""
