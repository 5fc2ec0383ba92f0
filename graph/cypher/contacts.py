"""Contacts: recording one, finalising it (and opening the child's Livelink file)."""

from __future__ import annotations

from graph.cypher.access import (
    contact_gives_team,
    counted_episode,
    keep_holders,
    only_visible,
    open_episode,
    release_contact_team,
)
from graph.cypher.documents import misfile_documents, restore_misfiled_documents
from graph.cypher.early_help import recall_early_help, request_early_help
from graph.cypher.journey import died_on
from graph.cypher.linking import born_in_time

# A contact stepped up from EHM carries the early help history it was stepped up with
# (graph/cypher/early_help.py): the records of it still linked to the contact's child. A
# record unlinked since (it was another child's) no longer comes out with the contact;
# the CARRIES_HISTORY relationship stays, so relinking it shows it again.
CONTACT_FIELDS = (
    "k {.id, .receivedDate, .source, .summary, .status, .outcome, .decisionDue,"
    " .decisionDate, .decisionLateReason, .decisionLateReasonRecordedBy,"
    " .decisionLateReasonRecordedAt, .recordedAt, .recordedBy, .finalisedAt,"
    " .finalisedBy, .version, .previousOutcome, .outcomeCorrectionReason,"
    " .outcomeCorrectedBy, .outcomeCorrectedAt, .withdrawnReason, .withdrawnBy, .withdrawnAt,"
    " .withdrawnInErrorReason, .withdrawnInErrorBy, .withdrawnInErrorAt, .reopenedBy,"
    " .reopenedAt,"
    " .movedReason, .movedBy, .movedAt,"
    " .stepUpKey, earlyHelpHistory: [(k)-[:CARRIES_HISTORY]->(eh:SourceRecord)"
    "-[:LINKED_TO]->(:Child)<-[:ABOUT]-(k)"
    " | eh {.kind, .recordId, .version, .startDate, .endDate, .details}]}"
)

# The worker is matched before anything is created: a caller without a worker record
# writes nothing at all (neither the contact nor, for a new child, the child).
_CREATE_CONTACT = f"""
OPTIONAL MATCH (w)-[:MEMBER_OF_TEAM]->(t:Team)
CREATE (k:Contact {{id: $contactId, receivedDate: date($receivedDate), source: $source,
        summary: $summary, status: 'OPEN', decisionDue: date($decisionDue),
        recordedAt: $now, recordedBy: $viewer, version: 1}})
CREATE (k)-[:ABOUT]->(c)
CREATE (k)-[:RECORDED_BY]->(w)
{contact_gives_team("c", "k", "t")}
{keep_holders("c", "k")}
RETURN {CONTACT_FIELDS} AS contact, c.id AS childId
"""

# CIN census rule 8606: no referral more than 40 weeks before the child's (expected)
# date of birth; $latestBirth is the received date plus 40 weeks, computed in Python.
RECORD_CONTACT_FOR_CHILD = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
WITH c
WHERE {born_in_time("c")}
MATCH (w:Worker {{id: $viewer}})
WITH c, w
{_CREATE_CONTACT}
"""

# A contact about a child the hub has not met: the child is created with it, in the
# same statement, so a failed contact never leaves an orphan child behind. The child's
# identity key (names and birth date) and NHS number are unique: of racing contacts about
# one new child, one creates it and the others break the constraint and write nothing.
# ($heldKey is the key or '', never null: a null there reads every child.)
# A child $identified by an NHS number or UPN takes the key only while no child holds
# it: when one does, nothing is written unless the worker $confirmed a new child
# (another child may share names and a birthday when the numbers say so), so a
# numbered contact racing one without the number meets the child it made.
RECORD_CONTACT_FOR_NEW_CHILD = f"""
OPTIONAL MATCH (holder:Child {{intakeKey: $heldKey}})
WITH count(holder) > 0 AS keyHeld
WHERE NOT (keyHeld AND $identified AND NOT $confirmed)
MATCH (w:Worker {{id: $viewer}})
WITH w, keyHeld
CREATE (c:Person:Child {{id: $childId, givenName: $child.givenName,
        familyName: $child.familyName, familyNameKey: $child.familyNameKey,
        familyNamePrefixes: $child.familyNamePrefixes, sex: $child.sex, ethnicity: $child.ethnicity,
        nhsNumber: $child.nhsNumber, upn: $child.upn, unborn: $child.unborn,
        restricted: false, createdAt: $now,
        intakeKey: CASE WHEN $identified AND keyHeld THEN null ELSE $identityKey END}})
FOREACH (dob IN CASE WHEN $child.dateOfBirth IS NULL THEN [] ELSE [$child.dateOfBirth] END |
    SET c.dateOfBirth = date(dob), c.dateOfBirthKey = toString(date(dob)))
FOREACH (due IN CASE WHEN $child.expectedDateOfBirth IS NULL THEN []
                     ELSE [$child.expectedDateOfBirth] END |
    SET c.expectedDateOfBirth = date(due))
WITH c, w
{_CREATE_CONTACT}
"""

# One statement: the guard, the outcome, the referral and, the first time a contact
# about this child is finalised, the child's file with its whole subfolder plan and
# the outbox item that opens it in Livelink. The unique constraint on File.childId
# makes two racing finalisations converge on one file on every engine. A step down to
# early help also writes the request EHM is sent and its outbox item ($earlyHelp: null
# for any other outcome).
#
# A child has one episode of need at a time (DfE CIN census rule 8820: a child's
# episodes must not overlap). A referral about a child whose episode is still open joins
# that episode as a further contact (LED_TO it) instead of opening a second one, unless
# it came in while an episode since closed was open (it belongs to that one); with no
# open episode, a new one may not start before an earlier episode closed, nor on or
# before the day an earlier one was referred: the guard writes nothing then
# (workflow/contacts.py says why to the worker). A referral withdrawn as recorded in
# error is no episode: nothing joins it, and it is in no one's way.
#
# A manager correcting a finalised contact's outcome (`_CORRECTING`) runs the same
# statement on a FINALISED contact: the decision keeps its day and its late reason, the
# outcome chosen in error is kept beside the right one, and a referral opens or joins
# an episode under the same rules as when it is first finalised.
_FINALISING = """k.status = 'OPEN' AND ($version IS NULL OR k.version = $version)
    AND k.receivedDate <= date($decidedOn)
    // Working Together 2023: decided past its one working day, the reason is recorded.
    AND (k.decisionDue IS NULL OR date($decidedOn) <= k.decisionDue OR $lateReason IS NOT NULL)"""
# A reason given with the decision says who gave it and when, as one given afterwards.
_FINALISED = """SET k.status = 'FINALISED', k.outcome = $outcome, k.finalisedAt = $now,
    k.finalisedBy = $viewer, k.decisionDate = date($decidedOn),
    k.decisionLateReason = $lateReason,
    k.decisionLateReasonRecordedBy = CASE WHEN $lateReason IS NULL THEN null ELSE $viewer END,
    k.decisionLateReasonRecordedAt = CASE WHEN $lateReason IS NULL THEN null ELSE $now END,
    k.version = k.version + 1
CREATE (k)-[:FINALISED_BY]->(w)"""
_CORRECTING = """k.status = 'FINALISED' AND k.version = $version
    AND k.outcome IN $correctable AND k.outcome <> $outcome"""
# previousOutcome, set first, is the outcome chosen in error.
_CORRECTED = """SET k.previousOutcome = k.outcome, k.outcome = $outcome,
    k.outcomeCorrectionReason = $reason, k.outcomeCorrectedBy = $viewer,
    k.outcomeCorrectedAt = $now, k.version = k.version + 1"""


def _finalise_contact(guard: str, decided: str) -> str:
    return f"""
MATCH (k:Contact {{id: $contactId}})-[:ABOUT]->(c:Child)
{only_visible("c", "k")}
// Neo4j: a write on the contact takes its lock before the guard reads the status,
// so a racing finalisation waits and then sees FINALISED (FalkorDB serialises writes);
// the write on the child does the same for racing referrals about one child, so the
// second reads the episode the first opened.
REMOVE k.finaliseLock
REMOVE c.episodeLock
WITH k, c
OPTIONAL MATCH (c)<-[:ABOUT]-(openEpisode:Referral)
WHERE {open_episode("openEpisode")}
WITH k, c, openEpisode ORDER BY openEpisode.referralDate DESC
WITH k, c, head(collect(openEpisode)) AS openEpisode
WITH k, c, openEpisode,
     size([(c)<-[:ABOUT]-(earlierEpisode:Referral)
           WHERE {counted_episode("earlierEpisode")}
             AND (earlierEpisode.closureDate > k.receivedDate
                  OR earlierEpisode.referralDate >= k.receivedDate) | 1]) AS overlapped,
     size([(c)<-[:ABOUT]-(pastEpisode:Referral)
           WHERE {counted_episode("pastEpisode")}
             AND pastEpisode.referralDate <= k.receivedDate
             AND pastEpisode.closureDate > k.receivedDate | 1]) AS cameInClosed,
     size([day IN {died_on("c")} WHERE day <= k.receivedDate | 1]) AS afterDeath
WHERE {guard}
    AND ($outcome <> 'REFERRAL_TO_SOCIAL_CARE' OR afterDeath = 0)
    AND ($outcome <> 'REFERRAL_TO_SOCIAL_CARE'
         OR (openEpisode IS NOT NULL AND cameInClosed = 0)
         OR (openEpisode IS NULL AND overlapped = 0))
MATCH (w:Worker {{id: $viewer}})
{decided}
WITH k, c, openEpisode, $outcome = 'REFERRAL_TO_SOCIAL_CARE' AS referred
FOREACH (_ IN CASE WHEN referred AND openEpisode IS NULL THEN [1] ELSE [] END |
    CREATE (r:Referral {{id: $referralId, referralDate: k.receivedDate, source: k.source,
            status: 'OPEN', createdAt: $now, recordedAt: $now, recordedBy: $viewer,
            version: 1}})
    CREATE (k)-[:LED_TO]->(r)
    CREATE (r)-[:ABOUT]->(c))
FOREACH (_ IN CASE WHEN referred AND openEpisode IS NOT NULL THEN [1] ELSE [] END |
    CREATE (k)-[:LED_TO]->(openEpisode))
{request_early_help("k", "c", "$earlyHelp")}
MERGE (f:File {{childId: c.id}})
ON CREATE SET f.id = $fileId, f.createdAt = $now, f.openedBy = 'CONTACT'
WITH k, c, f, f.id = $fileId AS fileCreated, referred AND openEpisode IS NOT NULL AS joined
FOREACH (_ IN CASE WHEN fileCreated THEN [1] ELSE [] END |
    CREATE (c)-[:HAS_FILE]->(f)
    CREATE (o:OutboxItem {{id: $outboxId, kind: 'OPEN_FILE', state: 'PENDING', attempts: 0,
            createdAt: $now, nextAttemptAt: $now}})
    CREATE (o)-[:DELIVERS]->(f))
FOREACH (folder IN CASE WHEN fileCreated THEN $folders ELSE [] END |
    CREATE (f)-[:HAS_FOLDER]->(:Folder {{id: folder.id, key: folder.key, name: folder.name,
            position: folder.position}}))
RETURN {CONTACT_FIELDS} AS contact, fileCreated, c.id AS childId, joined AS joinedOpenEpisode,
       head([(k)-[:LED_TO]->(r:Referral) | r.id]) AS referralId
"""


FINALISE_CONTACT = _finalise_contact(_FINALISING, _FINALISED)
CORRECT_CONTACT_OUTCOME = _finalise_contact(_CORRECTING, _CORRECTED)

# A contact recorded in error (on the wrong child, or twice), withdrawn before anyone
# decided it: it stays on the record as WITHDRAWN with the reason, who and when, its
# decision no longer due. A stepped-up contact follows its EHM record instead (early help
# withdraws the step up, or a person moves its link: graph/cypher/early_help.py) until it
# is decided; decided, a person withdraws it, and EHM sending the step up again leaves it so.
#
# Decided, with no further action, advice or a step down ($withdrawable), it is withdrawn
# so too, its decision kept as history: a step down it sent EHM is recalled in the same
# statement (graph/cypher/early_help.py recall_early_help). A referral that joined an
# episode standing on an earlier contact (or one of the same day) is withdrawn so as well;
# the referral that opened it alone is withdrawn with its episode (withdrawReferral).
_EPISODE_STANDS_WITHOUT = """size([(k)-[:LED_TO]->(:Referral)<-[:LED_TO]-(other:Contact)
    WHERE other.id <> k.id AND other.status <> 'WITHDRAWN'
      AND other.receivedDate <= k.receivedDate | 1])"""
WITHDRAW_CONTACT = f"""
MATCH (k:Contact {{id: $contactId}})-[:ABOUT]->(c:Child)
{only_visible("c", "k")}
WITH k, c, {_EPISODE_STANDS_WITHOUT} AS episodeStandsWithout
WHERE ((k.status = 'OPEN' AND k.stepUpKey IS NULL)
       OR (k.status = 'FINALISED' AND k.outcome IN $withdrawable)
       OR (k.status = 'FINALISED' AND episodeStandsWithout > 0))
  AND k.version = $version
MATCH (w:Worker {{id: $viewer}})
SET k.status = 'WITHDRAWN', k.withdrawnReason = $reason, k.withdrawnAt = $now,
    k.withdrawnBy = $viewer, k.version = k.version + 1
WITH k, c
{recall_early_help("k", "$earlyHelpRecall", "k, c")}
{misfile_documents("c", "[k.id]", "k, c")}
{release_contact_team("c", "k")}
RETURN {CONTACT_FIELDS} AS contact, c.id AS childId
"""

# A contact recorded on the wrong child, moved before anyone decided it to the child it
# is about, under the rule a new contact on that child keeps (CIN census 8606:
# $latestBirth is the received date plus 40 weeks); the recorder's team becomes
# responsible for that child as when a contact is recorded, and lets go of the wrong
# one unless something else of theirs stands there (release_contact_team). The wrong
# child is not kept on the contact: its record no longer holds it. Its forms there are misfiled
# (MOVED); moved back to a child it was moved from, its forms there are theirs again.
MOVE_CONTACT = f"""
MATCH (k:Contact {{id: $contactId}})-[about:ABOUT]->(was:Child)
{only_visible("was", "k", "about")}
WITH k, about, was
WHERE k.status = 'OPEN' AND k.version = $version AND k.stepUpKey IS NULL
MATCH (c:Child {{id: $childId}})
WHERE c.id <> was.id
{only_visible("c", "k", "about", "was")}
WITH k, about, c, was
WHERE coalesce(c.dateOfBirth, c.expectedDateOfBirth) IS NULL
   OR coalesce(c.dateOfBirth, c.expectedDateOfBirth) <= date($latestBirth)
MATCH (w:Worker {{id: $viewer}})
{misfile_documents("was", "[k.id]", "k, about, c, was", "MOVED")}
DELETE about
CREATE (k)-[:ABOUT]->(c)
SET k.movedReason = $reason, k.movedAt = $now, k.movedBy = $viewer, k.version = k.version + 1
WITH k, c, was
{restore_misfiled_documents("c", "[k.id]", "k, c, was", "MOVED")}
OPTIONAL MATCH (k)-[:RECORDED_BY]->(:Worker)-[:MEMBER_OF_TEAM]->(t:Team)
{contact_gives_team("c", "k", "t")}
WITH DISTINCT k, c, was
{keep_holders("c", "k", "was")}
{release_contact_team("was", "k", "c")}
RETURN {CONTACT_FIELDS} AS contact, c.id AS childId
"""

CONTACT_STATE = f"""
MATCH (k:Contact {{id: $contactId}})-[:ABOUT]->(c:Child)
{only_visible("c", "k")}
RETURN k.status AS status, k.version AS version, k.receivedDate AS receivedDate,
       k.stepUpKey IS NOT NULL AS steppedUp, c.id AS childId,
       k.outcome AS outcome, k.decisionDate AS decisionDate,
       head([(k)-[:LED_TO]->(led:Referral) | led.id]) AS referralId,
       {_EPISODE_STANDS_WITHOUT} > 0 AS joinedEpisode,
       k.decisionDue AS decisionDue, {died_on("c")} AS diedOn,
       [(c)<-[:ABOUT]-(episode:Referral) WHERE {counted_episode("episode")}
        | episode {{.id, .status, .referralDate, .closureDate}}] AS episodes
"""

WORKER_EXISTS = """
MATCH (w:Worker {id: $viewer})
RETURN w.id AS id
"""

CONTACTS_OF = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})<-[:ABOUT]-(k:Contact)
OPTIONAL MATCH (k)-[:LED_TO]->(r:Referral)
RETURN childId, {CONTACT_FIELDS} AS contact, r.id AS referralId
ORDER BY k.receivedDate DESC, k.recordedAt DESC
"""

# Why a contact on a known child wrote nothing: the child's (expected) date of birth, if
# the caller may see the child.
CHILD_BIRTH = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
RETURN coalesce(c.dateOfBirth, c.expectedDateOfBirth) AS born, coalesce(c.unborn, false) AS unborn
"""
