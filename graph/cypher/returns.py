"""The statutory returns' reads: every child with a period of care, a page at a time.

A return is the authority's whole record, so these statements do not apply a viewer's
row rule: restricted records (an adopted child's, a sealed one) are counted by the DfE
like any other, and the file goes to the DfE, not to a viewer. Only the returns room
(`returns/`) runs them, for callers that have already been authorised to produce a
return (the operator's CLI on the server; the performance role's job).

A return first reads the ids of the children it covers (one scan of the record label,
ids only), then their records a page of ids at a time through the unique index on
`Child.id`: each page is the same work wherever it falls, and only one page of records is
in memory. (Paging with `WHERE c.id > $after ... ORDER BY c.id LIMIT` rescans the label
for every page, which grows with the square of the county.) Each comprehension keeps its
own variable names (FalkorDB empties a later comprehension that reuses one).
"""

from __future__ import annotations

from graph.cypher.access import counted_episode

# Looked after in a period of care, or for short breaks (SSDA903 V3/V4, their own record).
LOOKED_AFTER_IDS = """
MATCH (p:PeriodOfCare)-[:ABOUT]->(c:Child)
RETURN c.id AS id
UNION
MATCH (b:ShortBreak)-[:ABOUT]->(c:Child)
RETURN c.id AS id
"""

# One row per child of the page: the child, and everything the SSDA903 tables are made from
# (not a plan for adoption withdrawn as recorded in error: it was never the child's).
LOOKED_AFTER_PAGE = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})
RETURN c {{.id, .sex, .dateOfBirth, .ethnicity, .upn}} AS child,
       [(c)<-[:ABOUT]-(period:PeriodOfCare)
        | period {{.id, .status, .startDate, .endDate, .reasonCeased}}] AS periods,
       [(c)<-[:ABOUT]-(s:Step)-[:PART_OF]->(owner:PeriodOfCare)
        | s {{.*, periodId: owner.id}}] AS steps,
       [(c)<-[:ABOUT]-(plan:AdoptionPlan) WHERE plan.status <> 'RECORDED_IN_ERROR'
        | plan {{.*}}] AS adoptions,
       [(c)<-[:ABOUT]-(f:ChildFact) | f {{.*}}] AS facts,
       [(c)<-[:ABOUT]-(a:Allocation)-[:TO_WORKER]->(w:Worker)
        | a {{.startDate, .endDate, .reason, workerId: w.id,
             registrationNumber: w.registrationNumber}}] AS allocations,
       [(c)<-[:ABOUT]-(r:Referral) WHERE {counted_episode("r")}
        | r {{.referralDate, .primaryNeed}}] AS referrals,
       [(c)<-[:ABOUT]-(brk:ShortBreak)
        | brk {{.id, .legalStatus, .placementType, .placementProvider, .startDate,
               .endDate}}] AS shortBreaks
ORDER BY c.id
"""

# The benchmark's synthetic cohort (bench/returns.py): children looked after since a day
# in the past, each with an episode of need and its authorised assessment, three SSDA903
# episodes (start, a placement move, a legal status change), two reviews and a home
# postcode. Rows are built in Python; dates arrive as ISO strings.
LOAD_LOOKED_AFTER_COHORT = """
UNWIND $rows AS r
CREATE (c:Person:Child {id: r.id, dateOfBirth: date(r.born), dateOfBirthKey: toString(date(r.born)),
        sex: r.sex, ethnicity: 'WBRI',
        upn: r.upn, unborn: false, restricted: false})
CREATE (ref:Referral {id: r.id + '-ref', referralDate: date(r.referred), source: '2A',
        primaryNeed: 'N1', status: 'ACCEPTED', version: 0})
CREATE (ref)-[:ABOUT]->(c)
CREATE (a:Assessment {id: r.id + '-as', process: 'ASSESSMENT', status: 'AUTHORISED',
        version: 1, startDate: date(r.referred), completedDate: date(r.assessed),
        authorisedDate: date(r.assessed), factors: ['16A']})
CREATE (a)-[:IN_EPISODE]->(ref)
CREATE (a)-[:ABOUT]->(c)
CREATE (p:PeriodOfCare {id: r.id + '-care', status: 'LOOKED_AFTER', version: 0,
        startDate: date(r.started)})
CREATE (p)-[:ABOUT]->(c)
CREATE (f:ChildFact {id: r.id + '-home', kind: 'HOME_POSTCODE', on: date(r.started),
        postcode: 'SG1 1HN', recordedBy: 'bench', recordedAt: 0})
CREATE (f)-[:ABOUT]->(c)
WITH r, c, p
UNWIND r.steps AS s
CREATE (x:Step {id: s.id, kind: s.kind, status: s.status, startDate: date(s.start),
        legalStatus: s.legalStatus, placementType: s.placementType,
        placementProvider: 'PR1', reasonNewEpisode: s.rne, reasonPlaceChange: s.reason,
        placementPostcode: 'SG2 0JU', participation: s.participation})
FOREACH (done IN CASE WHEN s.end IS NULL THEN [] ELSE [s.end] END |
    SET x.completedDate = date(done), x.reasonEpisodeCeased = s.rec)
CREATE (x)-[:PART_OF]->(p)
CREATE (x)-[:ABOUT]->(c)
RETURN count(x) AS steps
"""

# ---- return jobs: a return run for the performance role, its progress and its file --------

RETURN_JOB_FIELDS = (
    "j {.id, .kind, .year, .state, .requestedBy, .requestedAt, .done, .total, .children,"
    " .finishedAt, .problem, .file, .warnings, .warningCount, .filesRemovedAt, .filesNotCarried}"
)

START_RETURN_JOB = f"""
CREATE (j:ReturnJob {{id: $jobId, kind: $kind, year: $year, state: 'RUNNING',
        requestedBy: $requestedBy, requestedAt: $now, progressAt: $now, done: 0, total: 0}})
RETURN {RETURN_JOB_FIELDS} AS job
"""

RETURN_JOB_PROGRESS = """
MATCH (j:ReturnJob {id: $jobId})
WHERE j.state = 'RUNNING'
SET j.done = $done, j.total = $total, j.progressAt = $now
RETURN j.id AS id
"""

FINISH_RETURN_JOB = f"""
MATCH (j:ReturnJob {{id: $jobId}})
WHERE j.state = 'RUNNING'
SET j.state = $state, j.finishedAt = $now, j.children = $children, j.problem = $problem,
    j.file = $file, j.warnings = $warnings, j.warningCount = $warningCount
RETURN {RETURN_JOB_FIELDS} AS job
"""

# A job is its requester's: another analyst cannot follow or download it.
RETURN_JOB = f"""
MATCH (j:ReturnJob {{id: $jobId}})
WHERE j.requestedBy = $requestedBy
RETURN {RETURN_JOB_FIELDS} AS job
"""

# A job's files name every child in the return, so they are kept only so long
# (LCS_HUB_RETURN_FILES_KEEP_DAYS): the jobs whose files are due to go, oldest first, a
# bounded batch at a time. A job that never ended (its hub killed) counts from its start.
RETURN_JOBS_WITH_FILES_BEFORE = """
MATCH (j:ReturnJob)
WHERE j.filesRemovedAt IS NULL AND coalesce(j.finishedAt, j.requestedAt) <= $before
RETURN j.id AS id
ORDER BY coalesce(j.finishedAt, j.requestedAt), j.id
LIMIT $limit
"""

# The job keeps saying what it was; only its file is gone, and when it went.
RETURN_JOB_FILES_REMOVED = """
MATCH (j:ReturnJob {id: $jobId})
WHERE j.filesRemovedAt IS NULL
SET j.filesRemovedAt = $now, j.file = null
RETURN j.id AS id
"""

# An import brings the jobs but not their files (an export does not carry var/returns): each
# says so, rather than pointing at a file this store's hubs do not have.
RETURN_JOB_FILES_NOT_CARRIED = """
MATCH (j:ReturnJob)
WHERE j.filesRemovedAt IS NULL
SET j.filesRemovedAt = $now, j.file = null, j.filesNotCarried = true
RETURN count(j) AS jobs
"""

# Of the folders under var/returns, those whose files a job of this store still holds: any
# other (a store dropped, renamed or moved away by export and import left it) is an orphan.
RETURN_JOBS_HOLDING_FILES = """
UNWIND $jobIds AS jobId
MATCH (j:ReturnJob {id: jobId})
WHERE j.filesRemovedAt IS NULL
RETURN j.id AS id
"""

# A job whose hub was killed (`kill -9`, a power cut) ran no clean-up and read RUNNING for
# ever: one that has made no progress since `$before`, and that the hub asking is not
# running itself, is failed, a bounded batch at a time.
FAIL_STALLED_RETURN_JOBS = """
MATCH (j:ReturnJob)
WHERE j.state = 'RUNNING' AND coalesce(j.progressAt, j.requestedAt) <= $before
  AND NOT j.id IN $running
WITH j ORDER BY coalesce(j.progressAt, j.requestedAt), j.id LIMIT $limit
SET j.state = 'FAILED', j.finishedAt = $now, j.problem = $problem
RETURN j.id AS id
"""
