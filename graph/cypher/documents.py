"""Generated forms in the graph: documents, their versions, filing, and audited reads.

A `Document` is one generated form about one child from one source record (or from the
child's record alone); each generation adds a `DocumentVersion` carrying the checksums
of the bytes the LCS keeps. Shape:

    (:Child)-[:HAS_FILE]->(:File)-[:HAS_FOLDER]->(:Folder)-[:HOLDS]->(:Document)
    (:Document)-[:HAS_VERSION]->(:DocumentVersion)<-[:DELIVERS]-(:OutboxItem)
    (:DocumentRead)-[:READ_OF]->(:DocumentVersion)      append-only download audit
    (:OutboxItem {kind: 'MISFILE_DOCUMENT'})-[:DELIVERS]->(:Document)  once misfiled
"""

from __future__ import annotations

from graph.cypher.access import only_visible
from graph.cypher.files import mark_delivered

# A version's filing state: its item's, or, once a delivered item is removed after the
# retention (DELETE_DELIVERED_FILINGS), delivered by the reference Livelink gave it.
_FILING_STATE = "coalesce(o.state, CASE WHEN v.remoteNodeId IS NULL THEN null ELSE 'DELIVERED' END)"
# Its filing item, attempts and last error: the item's, or what the version kept of them
# when the item was removed (DELETE_DELIVERED_FILINGS), so the read is the same after.
_FILING_ITEM = (
    "outboxItemId: coalesce(o.id, v.outboxItemId),"
    " attempts: coalesce(o.attempts, v.filingAttempts),"
    " lastError: coalesce(o.lastError, v.filingError)"
)
_VERSION_KEYS = (
    ".id, .version, .checksumHtml, .checksumPdf, .sizeHtml, .sizePdf, .generatedAt,"
    " .generatedBy, .generatedByName, .templateKey, .folderKey, .recordClass, .filename,"
    " .remoteNodeId, .remoteVersion, .disposedAt"
)
VERSION_FIELDS = f"v {{{_VERSION_KEYS}}}"

DOCUMENT_FIELDS = (
    "doc {.id, .childId, .templateKey, .title, .folderKey, .recordClass, .sourceId,"
    " .createdAt, .latestVersion, .misfiledAt, .misfiledBy, .misfiledByName,"
    " .misfiledReason, .pastMisfiledAt, .pastMisfiledByName, .pastMisfiledReason,"
    " .pastMisfilingEndedAt, .pastMisfilingEndedByName}"
)

# A misfiled document (its source record withdrawn as recorded in error: on the wrong
# child, or twice) is on the child's file for records staff alone ($recordsStaff).
# Written as CASE, not `misfiledAt IS NULL OR $recordsStaff`: FalkorDB planned the OR
# as a scan of every Document (and DocumentVersion) instead of the id index's seek
# (tests/graph/test_plans.py).
_FILED_HERE = "CASE WHEN $recordsStaff THEN true ELSE doc.misfiledAt IS NULL END"


def misfile_documents(
    child: str,
    sources: str,
    carry: str,
    reason: str = "RECORDED_IN_ERROR",
    by: str = "$viewer",
) -> str:
    """Clauses that mark misfiled the documents made of the records `sources` (a list of
    ids) in `child`'s file, each with who did it, when and why, and queue the
    MISFILE_DOCUMENT item that marks it so in Livelink (connectors/livelink/filing_delivery.py).

    A document already misfiled is left as it is, and the item's id is the document's,
    so a withdrawal replayed queues nothing twice. Bounded by the child's file. Binds
    nothing new: the clauses end on `WITH DISTINCT carry`. Parameters: $now, and $viewer
    unless `by` names who withdrew otherwise (the system client an EHM withdrawal came
    from). `reason` comes from code, never a caller: RECORDED_IN_ERROR (withdrawn), or
    MOVED (a contact moved to the child it is about: its forms here were made on the
    wrong child).
    """
    return f"""WITH {carry}, {sources} AS misfiledSources
WITH {carry},
     [({child})-[:HAS_FILE]->(:File)-[:HAS_FOLDER]->(:Folder)-[:HOLDS]->(mis:Document)
      WHERE mis.sourceId IN misfiledSources AND mis.misfiledAt IS NULL | mis] AS misfiled
OPTIONAL MATCH (misfiler:Worker {{id: {by}}})
FOREACH (d IN misfiled |
    SET d.misfiledAt = $now, d.misfiledBy = {by}, d.misfiledByName = misfiler.name,
        d.misfiledReason = '{reason}'
    {_QUEUE_MISFILING})
WITH DISTINCT {carry}"""


# The document's one MISFILE_DOCUMENT item, queued again (a new revision) each time its
# mark changes: its delivery holds or releases the document as it is marked then, and
# is not marked delivered if the mark changed meanwhile (MARK_MISFILING_DELIVERED).
_QUEUE_MISFILING = """MERGE (mo:OutboxItem {id: 'misfiled-' + d.id})
    ON CREATE SET mo.kind = 'MISFILE_DOCUMENT', mo.createdAt = $now
    SET mo.state = 'PENDING', mo.attempts = 0, mo.nextAttemptAt = $now,
        mo.revision = coalesce(mo.revision, 0) + 1
    MERGE (mo)-[:DELIVERS]->(d)"""


def restore_misfiled_documents(
    child: str,
    sources: str,
    carry: str,
    reason: str = "RECORDED_IN_ERROR",
    by: str = "$viewer",
) -> str:
    """Clauses that take the misfiled mark off the documents made of the records
    `sources` in `child`'s file that were misfiled for `reason`, the records being the
    child's after all (RECORDED_IN_ERROR: a step up EHM withdrew and sent again; MOVED: a
    contact moved back to the child it was moved from), and queue their MISFILE_DOCUMENT
    item, which releases them from the LCS-MISFILED hold in Livelink.

    The mark ended is kept on the document as history (`pastMisfiled*`: when, by whom and
    why it was misfiled, and when and by whom that ended), one entry a mark, in order, in
    lists of the document's own: a records officer reviewing a file sees a form was once
    taken off it, and the lists go wherever the document goes (a merge, an export, its
    disposal) with nothing else to keep in step. A document misfiled for the other reason
    stays so. Binds nothing new: the clauses end on `WITH DISTINCT carry`. Parameters:
    $now, and $viewer unless `by` names who ended it otherwise. `reason` comes from code,
    never a caller.
    """
    # History first: Neo4j applies a SET's items in order, FalkorDB reads each as it
    # was before them. A name unknown (a system client) is kept as '' (a list property
    # holds no null).
    return f"""WITH {carry},
     [({child})-[:HAS_FILE]->(:File)-[:HAS_FOLDER]->(:Folder)-[:HOLDS]->(standing:Document)
      WHERE standing.sourceId IN ({sources})
        AND standing.misfiledReason = '{reason}' | standing] AS restored
OPTIONAL MATCH (restorer:Worker {{id: {by}}})
FOREACH (d IN restored |
    SET d.pastMisfiledAt = coalesce(d.pastMisfiledAt, []) + [d.misfiledAt],
        d.pastMisfiledByName = coalesce(d.pastMisfiledByName, [])
            + [coalesce(d.misfiledByName, '')],
        d.pastMisfiledReason = coalesce(d.pastMisfiledReason, []) + [d.misfiledReason],
        d.pastMisfilingEndedAt = coalesce(d.pastMisfilingEndedAt, []) + [$now],
        d.pastMisfilingEndedByName = coalesce(d.pastMisfilingEndedByName, [])
            + [coalesce(restorer.name, '')]
    SET d.misfiledAt = null, d.misfiledBy = null, d.misfiledByName = null,
        d.misfiledReason = null
    {_QUEUE_MISFILING})
WITH DISTINCT {carry}"""


def form_source(label: str) -> str:
    """The read behind a form: the visible child and, if asked for, its source record.

    For a journey `Step` (of one of `$kinds`) it also reads the case or period of care
    the step is PART_OF, that record's steps and its authorisations; a source that is a
    record itself (a case) stands for its own record. A source is ABOUT the child, or is
    a record a source system sent (an SSR), LINKED_TO it while it is the child's. `label`
    comes from the fixed template table (never from a caller), so it is safe to place in
    the statement; labels cannot be parameters in Cypher.
    """
    return f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
OPTIONAL MATCH (x:`{label}` {{id: $sourceId}})-[:ABOUT|LINKED_TO]->(c)
WHERE $kinds IS NULL OR x.kind IN $kinds
OPTIONAL MATCH (x)-[:PART_OF]->(parent)
OPTIONAL MATCH (x)-[:FINALISED_BY]->(finaliser:Worker)
OPTIONAL MATCH (x)-[:AUTHORISED_BY]->(authoriser:Worker)
OPTIONAL MATCH (c)-[:HAS_FILE]->(f:File)
OPTIONAL MATCH (own:Document {{key: $documentKey}})
// A record merged into this child brought its file: the form of a source record made
// there before the merge is that document still, and its next version goes with it.
WITH c, x, parent, finaliser, authoriser, f,
     coalesce(own, head([(c)-[:HAS_FILE]->(:File)-[:HAS_FOLDER]->(:Folder)
                          -[:HOLDS]->(filed:Document)
                          WHERE $sourceId IS NOT NULL AND filed.templateKey = $templateKey
                            AND filed.sourceId = $sourceId | filed])) AS doc
// A source record a merge brought (its ABOUT or LINKED_TO, or its case's, tagged with the
// merge) is the merged record's: a form first made of it during the merge goes to that
// record's file, which the merge carries, so undoing the merge takes the form back with it.
WITH c, x, coalesce(parent, x) AS r, finaliser, authoriser, f, doc,
     head([(x)-[about:ABOUT|LINKED_TO]->(c) WHERE about.mergedIn IS NOT NULL | about.mergedIn]
          + [(parent)-[partOf:ABOUT]->(c) WHERE partOf.mergedIn IS NOT NULL
             | partOf.mergedIn]) AS broughtBy
// FalkorDB: each pattern comprehension of one projection gets its own variable names.
OPTIONAL MATCH (brought:MergeEvent {{id: broughtBy}})
WITH c, x, r, finaliser, authoriser, f, doc, brought,
     [(r)<-[:PART_OF]-(sibling:Step) | sibling {{.*}}] AS steps,
     [(r)<-[:OF]-(e:JourneyEvent)-[:BY]->(manager:Worker) WHERE e.action = 'authorise' |
        {{fromState: e.fromState, occurredOn: e.occurredOn, at: e.at, byName: manager.name}}]
        AS authorisations
RETURN c {{.id, .givenName, .familyName, .dateOfBirth, .expectedDateOfBirth, .upn}} AS child,
       x {{.*}} AS source, r {{.*}} AS record, steps, authorisations,
       finaliser.name AS finalisedByName, authoriser.name AS authorisedByName,
       f.disposedAt AS fileDisposedAt, coalesce(doc.latestVersion, 0) AS latestVersion,
       doc.key AS documentKey, brought.id AS mergeEventId,
       coalesce(brought.mergedId, c.id) AS fileChildId
"""


# One statement: the child's file (opened here, with its plan and OPEN_FILE item, if no
# contact or SSR opened it yet, so a document is never orphaned), the document, its next
# version and the FILE_DOCUMENT outbox item that files a copy. The unique constraints on
# File.childId, Document.key and DocumentVersion.key make racing generations converge on
# one file and one document with consecutive version numbers on every engine; the guard
# on the previous version makes the number on the form the number in the graph.
GENERATE_FORM = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
// The file of the record the form's source belongs to (form_source: `fileChildId`): the
// merged record's while the merge `$mergeEventId` stands; undone meanwhile, nothing is
// written and the form is read again.
OPTIONAL MATCH (brought:MergeEvent {{id: $mergeEventId}})-[:KEPT]->(c)
WITH c, brought
WHERE $mergeEventId IS NULL OR (brought IS NOT NULL AND brought.undoneAt IS NULL)
MERGE (f:File {{childId: coalesce(brought.mergedId, c.id)}})
ON CREATE SET f.id = $fileId, f.createdAt = $now, f.openedBy = 'FORM'
WITH c, f, brought, f.id = $fileId AS fileCreated
WHERE f.disposedAt IS NULL
FOREACH (_ IN CASE WHEN fileCreated THEN [1] ELSE [] END |
    CREATE (c)-[has:HAS_FILE]->(f)
    SET has.mergedOut = brought.id
    CREATE (open:OutboxItem {{id: $openItemId, kind: 'OPEN_FILE', state: 'PENDING',
            attempts: 0, createdAt: $now, nextAttemptAt: $now}})
    CREATE (open)-[:DELIVERS]->(f))
FOREACH (folder IN CASE WHEN fileCreated THEN $folders ELSE [] END |
    CREATE (f)-[:HAS_FOLDER]->(:Folder {{id: folder.id, key: folder.key, name: folder.name,
            position: folder.position}}))
WITH c, f, fileCreated
MATCH (f)-[:HAS_FOLDER]->(folder:Folder {{key: $folderKey}})
MERGE (doc:Document {{key: $documentKey}})
ON CREATE SET doc.id = $documentId, doc.childId = f.childId, doc.templateKey = $templateKey,
    doc.title = $title, doc.folderKey = $folderKey, doc.recordClass = $recordClass,
    doc.sourceId = $sourceId, doc.createdAt = $now, doc.latestVersion = 0
WITH c, f, fileCreated, folder, doc, doc.id = $documentId AS documentCreated
FOREACH (_ IN CASE WHEN documentCreated THEN [1] ELSE [] END |
    CREATE (folder)-[:HOLDS]->(doc))
// The form shows its version number, rendered before this statement: a racing
// generation that took the number first makes this one match nothing (and re-render).
WITH c, f, fileCreated, doc
WHERE doc.latestVersion = $previousVersion
SET doc.latestVersion = doc.latestVersion + 1, doc.updatedAt = $now
WITH c, f, fileCreated, doc, doc.latestVersion AS number
CREATE (v:DocumentVersion {{id: $versionId, key: doc.key + '#' + toString(number),
        version: number, checksumHtml: $checksumHtml, checksumPdf: $checksumPdf,
        sizeHtml: $sizeHtml, sizePdf: $sizePdf, generatedAt: $now, generatedBy: $viewer,
        generatedByName: $viewerName, templateKey: $templateKey, folderKey: $folderKey,
        recordClass: $recordClass, filename: $filename}})
CREATE (doc)-[:HAS_VERSION]->(v)
CREATE (o:OutboxItem {{id: $fileItemId, kind: 'FILE_DOCUMENT', state: 'PENDING',
        attempts: 0, createdAt: $now, nextAttemptAt: $now}})
CREATE (o)-[:DELIVERS]->(v)
RETURN {DOCUMENT_FIELDS} AS document, {VERSION_FIELDS} AS version, fileCreated,
       f.id AS fileId, o.id AS outboxItemId
"""

# What the worker needs to file one version: where, and the checksum of the bytes.
FILE_DOCUMENT_PAYLOAD = """
MATCH (o:OutboxItem {id: $itemId})-[:DELIVERS]->(v:DocumentVersion)
MATCH (doc:Document)-[:HAS_VERSION]->(v)
RETURN doc.childId AS childId, doc.id AS documentId, v.version AS version,
       v.folderKey AS folderKey, v.templateKey AS templateKey, v.recordClass AS recordClass,
       v.filename AS filename, v.checksumPdf AS checksumPdf, v.disposedAt AS disposedAt,
       doc.misfiledAt IS NOT NULL AS misfiled
"""

# Where a misfiled document is filed: the child's file, its subfolder, its remote name;
# whether it is misfiled now, and the revision of its item that says so.
MISFILE_DOCUMENT_PAYLOAD = """
MATCH (o:OutboxItem {id: $itemId})-[:DELIVERS]->(doc:Document)
MATCH (doc)-[:HAS_VERSION]->(v:DocumentVersion)
WITH o, doc, v ORDER BY v.version DESC
RETURN doc.childId AS childId, doc.id AS documentId, doc.folderKey AS folderKey,
       head(collect(v.filename)) AS filename, doc.misfiledAt IS NOT NULL AS misfiled,
       coalesce(o.revision, 0) AS revision
"""

# Delivered unless the document's mark changed (a new revision) while it was delivered.
MARK_MISFILING_DELIVERED = mark_delivered("", " AND coalesce(o.revision, 0) = $revision")

# Delivered is delivered, whoever reports it (graph/cypher/files.py: MARK_DELIVERED).
MARK_DOCUMENT_DELIVERED = """
MATCH (o:OutboxItem {id: $itemId})-[:DELIVERS]->(v:DocumentVersion)
REMOVE o.claimLock
WITH o, v
WHERE o.state = 'PENDING'
SET o.state = 'DELIVERED', o.deliveredAt = $now, o.attempts = o.attempts + 1,
    o.lastAttemptAt = $now, o.leaseOwner = null, o.leaseUntil = null,
    v.remoteNodeId = $remoteNodeId, v.remoteVersion = $remoteVersion
RETURN o.id AS id
"""


def _documents_of(anchor: str, key: str) -> str:
    # Every document with its versions, newest version first, and each version's
    # filing state from its outbox item.
    return f"""
UNWIND $ids AS {key}
{anchor}
WITH {key}, folder, doc
WHERE {_FILED_HERE}
MATCH (doc)-[:HAS_VERSION]->(v:DocumentVersion)
OPTIONAL MATCH (o:OutboxItem)-[:DELIVERS]->(v)
WITH {key}, folder, doc, v, o ORDER BY v.version DESC
WITH {key}, folder, doc, collect(v {{{_VERSION_KEYS}, filingState: {_FILING_STATE},
     {_FILING_ITEM}}}) AS versions
RETURN {key}, folder.key AS folderKey, {DOCUMENT_FIELDS} AS document, versions
ORDER BY doc.createdAt
"""


# One document by id (a federation reference), if the caller may see the child whose
# file holds it: a forbidden document reads exactly like a missing one.
DOCUMENT_BY_ID = f"""
MATCH (doc:Document {{id: $documentId}})<-[:HOLDS]-(:Folder)<-[:HAS_FOLDER]-(:File)
      <-[:HAS_FILE]-(c:Child)
{only_visible("c", "doc")}
WITH doc
WHERE {_FILED_HERE}
MATCH (doc)-[:HAS_VERSION]->(v:DocumentVersion)
OPTIONAL MATCH (o:OutboxItem)-[:DELIVERS]->(v)
WITH doc, v, o ORDER BY v.version DESC
WITH doc, collect(v {{{_VERSION_KEYS}, filingState: {_FILING_STATE}, {_FILING_ITEM}}})
     AS versions
RETURN {DOCUMENT_FIELDS} AS document, versions
"""

# Batched by file id (the whole file) and by folder id (one subfolder) for the browse.
DOCUMENTS_OF_FILES = _documents_of(
    "MATCH (f:File {id: fileId})-[:HAS_FOLDER]->(folder:Folder)-[:HOLDS]->(doc:Document)",
    "fileId",
)
DOCUMENTS_OF_FOLDERS = _documents_of(
    "MATCH (folder:Folder {id: folderId})-[:HOLDS]->(doc:Document)", "folderId"
)

# One statement: the access rule and the audit record together, so no bytes are ever
# released without a read record, and a forbidden version looks like a missing one.
RECORD_DOCUMENT_READ = f"""
MATCH (v:DocumentVersion {{id: $versionId}})<-[:HAS_VERSION]-(doc:Document)
// The WITH lets FalkorDB seek the child's index with the document's value; in one
// MATCH chain it scanned every child for each read.
WITH v, doc
OPTIONAL MATCH (direct:Child {{id: doc.childId}})
// A document of a record merged into another is read through the record kept
// (graph/cypher/merging.py), under that record's row rule.
OPTIONAL MATCH (:MergedChild {{id: doc.childId}})-[:MERGED_INTO*1..8]->(kept:Child)
WITH v, doc, coalesce(direct, kept) AS c
WHERE c IS NOT NULL
{only_visible("c", "v", "doc")}
WITH c, v, doc
WHERE v.disposedAt IS NULL AND {_FILED_HERE}
CREATE (r:DocumentRead {{id: $readId, at: $now, by: $viewer, byName: $viewerName,
        role: $role, purpose: $purpose, format: $format, versionId: v.id,
        documentId: doc.id, childId: c.id}})
CREATE (r)-[:READ_OF]->(v)
RETURN {VERSION_FIELDS} AS version, doc.title AS title, c.id AS childId
"""

# Documents the old system already filed in Livelink, loaded in bulk with the county
# (demo/county.py `document_rows`). A migrated document is indexed, not re-filed: its
# version carries the Livelink node and version it already has, and no outbox item, so
# the hub's first serve queues nothing for it (a FILE_DOCUMENT item would re-deliver
# bytes the LCS never held). The document and version hold the properties GENERATE_FORM
# sets, with the day the old system made it as `createdAt`/`generatedAt` and who loaded
# it and when as `recordedBy`/`recordedAt`. Rows whose child has no file, or a disposed
# one, write nothing. MERGE on the unique keys makes a repeated load write nothing new.
LOAD_LEGACY_DOCUMENTS = """
UNWIND $rows AS r
MATCH (f:File {childId: r.childId})-[:HAS_FOLDER]->(folder:Folder {key: r.folderKey})
WHERE f.disposedAt IS NULL
MERGE (doc:Document {key: r.key})
ON CREATE SET doc.id = r.id, doc.childId = r.childId, doc.templateKey = r.templateKey,
    doc.title = r.title, doc.folderKey = r.folderKey, doc.recordClass = r.recordClass,
    doc.sourceId = r.sourceId, doc.createdAt = r.generatedAt, doc.updatedAt = r.generatedAt,
    doc.latestVersion = 1, doc.recordedBy = $recordedBy, doc.recordedAt = $recordedAt
MERGE (folder)-[:HOLDS]->(doc)
MERGE (v:DocumentVersion {key: r.key + '#1'})
ON CREATE SET v.id = r.versionId, v.version = 1, v.checksumHtml = r.checksumHtml,
    v.checksumPdf = r.checksumPdf, v.sizeHtml = r.sizeHtml, v.sizePdf = r.sizePdf,
    v.generatedAt = r.generatedAt, v.generatedBy = r.generatedBy,
    v.generatedByName = r.generatedByName, v.templateKey = r.templateKey,
    v.folderKey = r.folderKey, v.recordClass = r.recordClass, v.filename = r.filename,
    v.remoteNodeId = r.remoteNodeId, v.remoteVersion = 1, v.recordedBy = $recordedBy,
    v.recordedAt = $recordedAt
MERGE (doc)-[:HAS_VERSION]->(v)
RETURN count(v) AS documents
"""


# Delivered filing items older than the retention (LCS_HUB_OUTBOX_DELIVERED_KEEP_DAYS), a
# bounded batch per statement (connectors/livelink/delivered_items.py). What was filed
# where stays on the version (`remoteNodeId`, `remoteVersion`), which reads as delivered
# without its item; an item whose version holds no reference is kept. The item's id, its
# attempts and its last error are kept on the version as it goes (`_FILING_ITEM` reads
# them): the version reads as it did.
DELETE_DELIVERED_FILINGS = """
MATCH (o:OutboxItem)-[:DELIVERS]->(v:DocumentVersion)
WHERE o.state = 'DELIVERED' AND o.kind = 'FILE_DOCUMENT' AND o.deliveredAt < $deliveredBefore
  AND v.remoteNodeId IS NOT NULL
WITH o, v LIMIT $limit
SET v.outboxItemId = o.id, v.filingAttempts = o.attempts, v.filingError = o.lastError
DETACH DELETE o
RETURN count(*) AS removed
"""
