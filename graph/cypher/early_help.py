"""Early help and social care: stepping a child up from EHM and down to it again.

Step down: a contact finalised as "step down to early help", or an episode of need
closed RC9 ("closed after assessment, referred to early help"), writes in the same
statement an `EarlyHelpRequest` (what EHM needs to open early help: who the child is,
why, who decided and on which day) and the `REQUEST_EARLY_HELP` outbox item that
delivers it to EHM (connectors/ehm/delivery.py).

    (origin)-[:STEPPED_DOWN_TO]->(h:EarlyHelpRequest)-[:ABOUT]->(c:Child)
    (o:OutboxItem {kind: 'REQUEST_EARLY_HELP'})-[:DELIVERS]->(h)

Step up: an EHM record escalating a child to social care becomes a contact at the front
door (`STEPPED_UP_FROM` the record) that carries the child's early help history.
"""

from __future__ import annotations

from graph.cypher.access import (
    contact_gives_team,
    keep_holders,
    release_contact_team,
    release_contact_teams,
)
from graph.cypher.documents import misfile_documents, restore_misfiled_documents
from graph.cypher.files import mark_delivered


def request_early_help(origin: str, child: str, request: str) -> str:
    """A FOREACH that writes the request and its outbox item when `request` is not null.

    `request` is an expression giving a map: {id, outboxId, origin, reasonCode,
    reasonDescription, summary, happenedOn (ISO date)}; $viewer (the worker) and $now
    are parameters of the statement it is part of.
    """
    return f"""FOREACH (req IN CASE WHEN {request} IS NULL THEN [] ELSE [{request}] END |
    CREATE (h:EarlyHelpRequest {{id: req.id, childId: {child}.id, origin: req.origin,
            originId: {origin}.id, reasonCode: req.reasonCode,
            reasonDescription: req.reasonDescription,
            summary: coalesce(req.summary, {origin}.summary),
            happenedOn: date(req.happenedOn), requestedBy: $viewer, recordedBy: $viewer,
            recordedAt: $now}})
    CREATE ({origin})-[:STEPPED_DOWN_TO]->(h)
    CREATE (h)-[:ABOUT]->({child})
    CREATE (o:OutboxItem {{id: req.outboxId, kind: 'REQUEST_EARLY_HELP', state: 'PENDING',
            attempts: 0, createdAt: $now, nextAttemptAt: $now}})
    CREATE (o)-[:DELIVERS]->(h))"""


def recall_early_help(origin: str, recall: str, carry: str) -> str:
    """The step downs `origin` (an episode of need) sent that no longer stand, recalled
    when `recall` is not null: each request keeps when, why and by whom, and a
    `RECALL_EARLY_HELP` outbox item tells EHM through the same port (connectors/ehm/
    delivery.py), which sends it once the request's own delivery has settled.

    `recall` is an expression giving a map {outboxId, reason, recalledOn (ISO date)};
    `carry` the variables the statement carries on.
    """
    return f"""OPTIONAL MATCH ({origin})-[:STEPPED_DOWN_TO]->(recalled:EarlyHelpRequest)
WHERE {recall} IS NOT NULL AND recalled.recalledAt IS NULL
FOREACH (_ IN CASE WHEN recalled IS NULL THEN [] ELSE [1] END |
    SET recalled.recalledAt = $now, recalled.recalledBy = $viewer,
        recalled.recallReason = {recall}.reason,
        recalled.recalledOn = date({recall}.recalledOn)
    CREATE (o:OutboxItem {{id: {recall}.outboxId + ':' + recalled.id, kind: 'RECALL_EARLY_HELP',
            state: 'PENDING', attempts: 0, createdAt: $now, nextAttemptAt: $now}})
    CREATE (o)-[:DELIVERS]->(recalled))
WITH DISTINCT {carry}"""


# What EHM is sent: the request, the child's identifiers, the worker who decided, and
# EHM's own ids of the child's early help records the hub holds (so EHM can join them).
# A request recalled before it was sent is not sent (`recalled`).
EARLY_HELP_REQUEST_PAYLOAD = """
MATCH (o:OutboxItem {id: $itemId})-[:DELIVERS]->(h:EarlyHelpRequest)-[:ABOUT]->(c:Child)
OPTIONAL MATCH (w:Worker {id: h.requestedBy})
OPTIONAL MATCH (w)-[:MEMBER_OF_TEAM]->(t:Team)
OPTIONAL MATCH (c)<-[:LINKED_TO]-(s:SourceRecord)
WHERE s.source = 'EHM'
WITH h, c, w, t, collect(s.recordId) AS earlyHelpRecordIds
RETURN h {.id, .origin, .originId, .reasonCode, .reasonDescription, .summary, .happenedOn,
       .recordedAt} AS request,
       c {.id, .givenName, .familyName, .dateOfBirth, .sex, .nhsNumber, .upn} AS child,
       w {.id, .name, .email, .phone} AS worker, t.name AS team, earlyHelpRecordIds,
       h.recalledAt IS NOT NULL AS recalled
"""

MARK_EARLY_HELP_REQUEST_DELIVERED = mark_delivered(
    "MATCH (o)-[:DELIVERS]->(h:EarlyHelpRequest)\n"
    "SET h.ehmReference = $ehmReference, h.deliveredAt = $now"
)
# Recalled before it went out: settled without a call, EHM never had it.
MARK_EARLY_HELP_REQUEST_WITHHELD = mark_delivered(
    "MATCH (o)-[:DELIVERS]->(h:EarlyHelpRequest)\nSET h.withheldAt = $now"
)

# What a recall needs: the request it recalls, how that request's own delivery stands
# (whether it was ever tried, and whether a worker holds it right now), and the manager
# who recalled it.
EARLY_HELP_RECALL_PAYLOAD = """
MATCH (o:OutboxItem {id: $itemId})-[:DELIVERS]->(h:EarlyHelpRequest)
MATCH (sent:OutboxItem)-[:DELIVERS]->(h)
WHERE sent.kind = 'REQUEST_EARLY_HELP'
OPTIONAL MATCH (w:Worker {id: h.recalledBy})
OPTIONAL MATCH (w)-[:MEMBER_OF_TEAM]->(t:Team)
RETURN h {.id, .recalledOn, .recallReason, .recalledAt, .deliveredAt, .withheldAt} AS request,
       sent.attempts AS requestAttempts, coalesce(sent.leaseUntil, 0) > $now AS requestInFlight,
       w {.id, .name, .email, .phone} AS worker, t.name AS team
"""

MARK_EARLY_HELP_RECALL_DELIVERED = mark_delivered(
    "MATCH (o)-[:DELIVERS]->(h:EarlyHelpRequest)\n"
    "SET h.recallEhmReference = $ehmReference, h.recallDeliveredAt = $now,"
    " h.recallReachedEhm = $reachedEhm"
)

# A child's requests for early help, with whether EHM has each yet, and each recall of
# one that no longer stands with whether EHM has that.
EARLY_HELP_REQUESTS_OF = """
UNWIND $ids AS childId
MATCH (c:Child {id: childId})<-[:ABOUT]-(h:EarlyHelpRequest)
OPTIONAL MATCH (o:OutboxItem)-[:DELIVERS]->(h)
WHERE o.kind = 'REQUEST_EARLY_HELP'
OPTIONAL MATCH (recall:OutboxItem)-[:DELIVERS]->(h)
WHERE recall.kind = 'RECALL_EARLY_HELP'
RETURN childId, h {.id, .origin, .originId, .reasonCode, .reasonDescription, .happenedOn,
       .requestedBy, .recordedAt, .ehmReference, .deliveredAt, .recalledOn, .recallReason,
       .recalledBy, .recalledAt, .recallEhmReference} AS request,
       o.state AS deliveryState, recall.state AS recallDeliveryState
ORDER BY h.happenedOn DESC, h.recordedAt DESC
"""

# The forms of a step-up contact open again, which EHM's withdrawal had misfiled, or the
# unlinking of its record (MOVED) before a person linked it to this child again.
_OPEN_AGAIN = "CASE WHEN k.status = 'OPEN' THEN [k.id] ELSE [] END"
_FORMS_STAND_AGAIN = "\n".join(
    restore_misfiled_documents("c", _OPEN_AGAIN, "s, c, k, created", reason, by="k.reopenedBy")
    for reason in ("RECORDED_IN_ERROR", "MOVED")
)


def taken_off_the_child(record: str, child: str, carry: str, reason: str) -> str:
    """Clauses for a source `record` a person (or an undone merge) has taken off `child`:
    the forms made of it (an SSR's summary) on the child's file are misfiled there (MOVED:
    made on the wrong child), and so are those of the undecided contacts a step up made
    about the child, each withdrawn (`reason`, an expression: why the link was undone),
    as it is not about them: it leaves their front door work, timescales and census.
    Linked again, the contact opens about the child it is then linked to (STEP_UP_CONTACT
    and MOVE_STEP_UP_CONTACT), and the forms are the child's again if it is the same
    child (LINK_RECORD). A decided contact stays with its decision (a person corrects
    that). The front door team such a contact made responsible for the child lets go
    of them (release_contact_teams). Bounded by the child's file and the record's
    contacts; by $viewer; binds nothing new: the clauses end on `WITH carry`.
    Parameters: $now, $viewer.
    """
    sources = f"[{record}.id] + [x IN unlinkedContacts | x.id]"
    others = tuple(name for name in (v.strip() for v in carry.split(",")) if name != child)
    return f"""WITH {carry},
     [({child})<-[:ABOUT]-(unlinked:Contact)-[:STEPPED_UP_FROM]->({record})
      WHERE unlinked.status = 'OPEN' | unlinked] AS unlinkedContacts
FOREACH (stepUp IN unlinkedContacts |
    SET stepUp.status = 'WITHDRAWN', stepUp.withdrawnReason = {reason},
        stepUp.withdrawnAt = $now, stepUp.withdrawnBy = $viewer,
        stepUp.version = stepUp.version + 1)
{misfile_documents(child, sources, f"{carry}, unlinkedContacts", "MOVED")}
{
        release_contact_teams(
            child,
            "[x IN unlinkedContacts | x.teamId]",
            "[x IN unlinkedContacts | x.id]",
            (*others, "unlinkedContacts"),
        )
    }
WITH {carry}"""


# A step-up contact withdrawn before it was decided, which a step up sent again opens.
_REOPENED = "k.status = 'WITHDRAWN' AND k.outcome IS NULL"
# Linked back since the withdrawal: the person who linked it; else EHM sent it again.
_REOPENED_BY = "CASE WHEN link.at >= k.withdrawnAt THEN link.by ELSE s.recordedBy END"


def _reopened(field: str, value: str) -> str:
    return f"k.{field} = CASE WHEN {_REOPENED} THEN {value} ELSE k.{field} END"


# Step up: the contact an EHM STEP_UP record ($key) becomes, once it is linked to a child.
# One contact per step-up record and child ($contactKey, unique on Contact: the record's
# key, or connectors/ehm/step_up.py's key for another child), so a replay, a new version
# or a racing batch finds it instead of making another. It carries the child's early help
# history: every EHM record linked to the child when it was stepped up. $team (optional)
# is the front door team that takes stepped-up contacts (LCS_HUB_STEP_UP_TEAM). It is
# recorded by whoever sent the step up (the system client, or the operator of a bulk load).
# The front door team it made responsible is kept on it (`teamId`): withdrawn,
# moved or taken off with its record, it lets go of the child for that team.
STEP_UP_CONTACT = f"""
MATCH (s:SourceRecord {{key: $key}})-[link:LINKED_TO]->(c:Child)
WHERE s.kind = 'STEP_UP'
MERGE (k:Contact {{stepUpKey: $contactKey}})
ON CREATE SET k.id = $contactId, k.receivedDate = date($receivedDate), k.source = $source,
    k.summary = $summary, k.status = 'OPEN', k.decisionDue = date($decisionDue),
    k.recordedAt = $now, k.recordedBy = s.recordedBy, k.version = 1
// A step up EHM withdrew and then sent again (or a person took off the child and linked
// back): its contact is open again, and the forms made of it are the child's again, off
// the misfiled hold. The withdrawal is history now, kept beside its reopening (who: the
// person who linked it back, or the client EHM sent it again from), and is no longer the
// contact's withdrawal: nothing reads it as current. One a person withdrew once it was
// decided (it has an outcome) was recorded in error: it stays so. (History first: Neo4j
// applies the items in order, FalkorDB reads each as it was before them.)
ON MATCH SET k.version = CASE WHEN {_REOPENED} THEN k.version + 1 ELSE k.version END,
    {_reopened("withdrawnInErrorReason", "k.withdrawnReason")},
    {_reopened("withdrawnInErrorBy", "k.withdrawnBy")},
    {_reopened("withdrawnInErrorAt", "k.withdrawnAt")},
    {_reopened("reopenedAt", "$now")},
    {_reopened("reopenedBy", _REOPENED_BY)},
    {_reopened("withdrawnReason", "null")},
    {_reopened("withdrawnBy", "null")},
    {_reopened("withdrawnAt", "null")},
    k.status = CASE WHEN {_REOPENED} THEN 'OPEN' ELSE k.status END
WITH s, c, k, k.id = $contactId AS created
{_FORMS_STAND_AGAIN}
FOREACH (_ IN CASE WHEN created THEN [1] ELSE [] END |
    CREATE (k)-[:ABOUT]->(c)
    CREATE (k)-[:STEPPED_UP_FROM]->(s))
// Made now, or opened again about this child: the front door team takes it (again).
WITH c, k, created,
     created OR (k.reopenedAt = $now AND size([(k)-[:ABOUT]->(c) | 1]) > 0) AS taken
OPTIONAL MATCH (t:Team {{id: $team}})
{contact_gives_team("c", "k", "t", "taken")}
WITH DISTINCT c, k, created
{keep_holders("c", "k", "created")}
OPTIONAL MATCH (c)<-[:LINKED_TO]-(h:SourceRecord)
WHERE h.source = 'EHM' AND created
FOREACH (record IN CASE WHEN h IS NULL THEN [] ELSE [h] END |
    CREATE (k)-[:CARRIES_HISTORY]->(record))
// The child the contact is about and the one the record is linked to now differ once a
// person has moved the link (connectors/ehm/step_up.py then moves or adds a contact).
RETURN DISTINCT k.id AS contactId, created, k.status AS status, c.id AS linkedChild,
       head([(k)-[:ABOUT]->(was:Child) | was.id]) AS aboutChild
"""

# A contact not yet decided, made while its step-up record was linked to the wrong child,
# moves with the record to the child it is about, with that child's early help history
# instead of the other child's (and the front door team, as a new one would have, which
# lets go of the wrong child unless something else of theirs stands there).
# EHM withdrew the step up (sent in error, about the wrong child): its contact, while no
# one has decided it, is withdrawn with it; a decided one stays with its decision (a
# person corrects that). Only while the hub holds that withdrawn version. The forms made
# of it are misfiled on the child's file, as those of a contact a manager withdraws.
WITHDRAW_STEP_UP_CONTACT = f"""
MATCH (k:Contact)-[:STEPPED_UP_FROM]->(s:SourceRecord {{key: $key}})
WHERE s.version = $version AND s.linkState = 'WITHDRAWN' AND k.status = 'OPEN'
MATCH (k)-[:ABOUT]->(c:Child)
SET k.status = 'WITHDRAWN', k.withdrawnReason = s.linkReason, k.withdrawnAt = $now,
    k.withdrawnBy = s.recordedBy, k.version = k.version + 1
{misfile_documents("c", "[k.id]", "k, c", by="k.withdrawnBy")}
{release_contact_team("c", "k")}
RETURN k.id AS contactId
"""

# The undecided contact moving to the child it is about: the forms made of it on the
# wrong child's file are misfiled there, as those of a contact moveContact moves (MOVED),
# by whoever made the link that moves it; moved back, its forms there are the child's again.
MOVE_STEP_UP_CONTACT = f"""
MATCH (s:SourceRecord {{key: $key}})-[link:LINKED_TO]->(c:Child)
MATCH (k:Contact {{stepUpKey: $key}})-[about:ABOUT]->(was:Child)
WHERE k.status = 'OPEN' AND was.id <> c.id
{misfile_documents("was", "[k.id]", "k, about, c, was, link", "MOVED", by="link.by")}
DELETE about
CREATE (k)-[:ABOUT]->(c)
SET k.version = k.version + 1
WITH k, c, link, was
{restore_misfiled_documents("c", "[k.id]", "k, c, link, was", "MOVED", by="link.by")}
OPTIONAL MATCH (k)-[history:CARRIES_HISTORY]->(:SourceRecord)
DELETE history
WITH DISTINCT k, c, was
{release_contact_team("was", "k", "c")}
OPTIONAL MATCH (t:Team {{id: $team}})
{contact_gives_team("c", "k", "t")}
WITH DISTINCT k, c
{keep_holders("c", "k")}
OPTIONAL MATCH (c)<-[:LINKED_TO]-(h:SourceRecord)
WHERE h.source = 'EHM'
FOREACH (record IN CASE WHEN h IS NULL THEN [] ELSE [h] END |
    CREATE (k)-[:CARRIES_HISTORY]->(record))
RETURN DISTINCT k.id AS contactId
"""
