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


# What EHM is sent: the request, the child's identifiers, the worker who decided, and
# EHM's own ids of the child's early help records the hub holds (so EHM can join them).
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
       w {.id, .name, .email, .phone} AS worker, t.name AS team, earlyHelpRecordIds
"""

MARK_EARLY_HELP_REQUEST_DELIVERED = mark_delivered(
    "MATCH (o)-[:DELIVERS]->(h:EarlyHelpRequest)\n"
    "SET h.ehmReference = $ehmReference, h.deliveredAt = $now"
)

# A child's requests for early help, with whether EHM has each yet.
EARLY_HELP_REQUESTS_OF = """
UNWIND $ids AS childId
MATCH (c:Child {id: childId})<-[:ABOUT]-(h:EarlyHelpRequest)
OPTIONAL MATCH (o:OutboxItem)-[:DELIVERS]->(h)
RETURN childId, h {.id, .origin, .originId, .reasonCode, .reasonDescription, .happenedOn,
       .requestedBy, .recordedAt, .ehmReference, .deliveredAt} AS request,
       o.state AS deliveryState
ORDER BY h.happenedOn DESC, h.recordedAt DESC
"""

# Step up: the contact an EHM STEP_UP record ($key) becomes, once it is linked to a child.
# One contact per step-up record and child ($contactKey, unique on Contact: the record's
# key, or connectors/ehm/step_up.py's key for another child), so a replay, a new version
# or a racing batch finds it instead of making another. It carries the child's early help
# history: every EHM record linked to the child when it was stepped up. $team (optional)
# is the front door team that takes stepped-up contacts (LCS_HUB_STEP_UP_TEAM). It is
# recorded by whoever sent the step up (the system client, or the operator of a bulk load).
STEP_UP_CONTACT = """
MATCH (s:SourceRecord {key: $key})-[:LINKED_TO]->(c:Child)
WHERE s.kind = 'STEP_UP'
MERGE (k:Contact {stepUpKey: $contactKey})
ON CREATE SET k.id = $contactId, k.receivedDate = date($receivedDate), k.source = $source,
    k.summary = $summary, k.status = 'OPEN', k.decisionDue = date($decisionDue),
    k.recordedAt = $now, k.recordedBy = s.recordedBy, k.version = 1
// A step up EHM withdrew and then sent again: its contact is open again.
ON MATCH SET k.version = CASE WHEN k.status = 'WITHDRAWN' THEN k.version + 1 ELSE k.version END,
    k.status = CASE WHEN k.status = 'WITHDRAWN' THEN 'OPEN' ELSE k.status END
WITH s, c, k, k.id = $contactId AS created
FOREACH (_ IN CASE WHEN created THEN [1] ELSE [] END |
    CREATE (k)-[:ABOUT]->(c)
    CREATE (k)-[:STEPPED_UP_FROM]->(s))
WITH c, k, created
OPTIONAL MATCH (t:Team {id: $team})
FOREACH (team IN CASE WHEN created AND t IS NOT NULL THEN [t] ELSE [] END |
    MERGE (c)-[:RESPONSIBLE_TEAM]->(team))
WITH DISTINCT c, k, created
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
# instead of the other child's (and the front door team, as a new one would have).
# EHM withdrew the step up (sent in error, about the wrong child): its contact, while no
# one has decided it, is withdrawn with it; a decided one stays with its decision (a
# person corrects that). Only while the hub holds that withdrawn version.
WITHDRAW_STEP_UP_CONTACT = """
MATCH (k:Contact)-[:STEPPED_UP_FROM]->(s:SourceRecord {key: $key})
WHERE s.version = $version AND s.linkState = 'WITHDRAWN' AND k.status = 'OPEN'
SET k.status = 'WITHDRAWN', k.withdrawnReason = s.linkReason, k.withdrawnAt = $now,
    k.withdrawnBy = s.recordedBy, k.version = k.version + 1
RETURN k.id AS contactId
"""

MOVE_STEP_UP_CONTACT = """
MATCH (s:SourceRecord {key: $key})-[:LINKED_TO]->(c:Child)
MATCH (k:Contact {stepUpKey: $key})-[about:ABOUT]->(was:Child)
WHERE k.status = 'OPEN' AND was.id <> c.id
DELETE about
CREATE (k)-[:ABOUT]->(c)
SET k.version = k.version + 1
WITH k, c
OPTIONAL MATCH (k)-[history:CARRIES_HISTORY]->(:SourceRecord)
DELETE history
WITH DISTINCT k, c
OPTIONAL MATCH (t:Team {id: $team})
FOREACH (team IN CASE WHEN t IS NULL THEN [] ELSE [t] END |
    MERGE (c)-[:RESPONSIBLE_TEAM]->(team))
WITH DISTINCT k, c
OPTIONAL MATCH (c)<-[:LINKED_TO]-(h:SourceRecord)
WHERE h.source = 'EHM'
FOREACH (record IN CASE WHEN h IS NULL THEN [] ELSE [h] END |
    CREATE (k)-[:CARRIES_HISTORY]->(record))
RETURN DISTINCT k.id AS contactId
"""
