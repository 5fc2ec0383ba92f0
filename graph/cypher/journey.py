"""The case journey: a record's state (a child's case, a period of care), its steps, its events.

Every process runs on the same shape: the record (`Referral` for the CIN episode,
`PeriodOfCare` for a child looked after) is ABOUT the child and holds `status` and
`version`; its steps (assessments, plans, conferences, reviews, visits, SSDA903 episodes)
are `Step` nodes PART_OF it, each with its due date and rule; every action leaves a
`JourneyEvent` for the chronology. One statement per action, guarded by the record's
status and version, applies everything the workflow computed (due dates arrive as
parameters: no date arithmetic here).
"""

from __future__ import annotations

from typing import Final

from graph.cypher.access import only_visible

# Dates a record may carry, set only through `$dates` (never through the `$facts` map,
# which cannot carry dates on FalkorDB).
RECORD_DATES: Final = {
    "Referral": ("decisionDate", "closureDate"),
    "PeriodOfCare": ("startDate", "endDate"),
    # SSDA903: DATE_INT / DATE_PLACED (decision), DATE_MATCH, DATE_PLACED_CEASED.
    "AdoptionPlan": (
        "decisionDate",
        "placementOrderDate",
        "matchedDate",
        "placedDate",
        "adoptionOrderDate",
        "ceasedDate",
    ),
}
STEP_DATES: Final = ("startDate", "dueDate", "completedDate", "authorisedDate")

STEP_FIELDS = "s {.*}"
EVENT_FIELDS = "e {.id, .action, .fromState, .toState, .occurredOn, .at, .summary}"


def _set_dates(variable: str, source: str, names: tuple[str, ...]) -> str:
    # A date is written only when given: a CASE keeps what is there otherwise, since
    # FalkorDB refuses date(null).
    return ",\n    ".join(
        f"{variable}.{name} = CASE WHEN {source}.{name} IS NULL THEN {variable}.{name}"
        f" ELSE date({source}.{name}) END"
        for name in names
    )


def _apply(label: str) -> str:
    """The common tail: event, step changes, new steps, the record's new state."""
    return f"""
SET r.status = $to, r.version = r.version + 1, r.updatedAt = $now
SET r += $facts
SET {_set_dates("r", "$dates", RECORD_DATES[label])}
CREATE (e:JourneyEvent {{id: $eventId, process: $process, action: $action,
        fromState: $from, toState: $to, occurredOn: date($occurredOn), at: $now,
        summary: $summary}})
CREATE (e)-[:OF]->(r)
CREATE (e)-[:ABOUT]->(c)
CREATE (e)-[:BY]->(w)
WITH r, c
OPTIONAL MATCH (r)<-[:PART_OF]-(s:Step)
WHERE s.id IN $changedIds
WITH r, c, s, head([change IN $changes WHERE change.id = s.id]) AS change
FOREACH (_ IN CASE WHEN s IS NULL THEN [] ELSE [1] END |
    SET s += change.facts, s.status = coalesce(change.status, s.status),
        s.lateReason = coalesce(change.lateReason, s.lateReason)
    SET {_set_dates("s", "change", STEP_DATES)})
WITH r, c, count(s) AS changed
FOREACH (n IN $opened |
    CREATE (s:Step {{id: n.id, kind: n.kind, status: n.status, dueRule: n.dueRule,
            createdAt: $now}})
    SET s += n.facts
    SET {_set_dates("s", "n", STEP_DATES)}
    CREATE (s)-[:PART_OF]->(r)
    CREATE (s)-[:ABOUT]->(c))
RETURN r.id AS id, r.version AS version, changed
"""


def transition_statement(label: str) -> str:
    """The one write of an action on a `label` record, guarded by status and version."""
    return f"""
MATCH (r:{label} {{id: $recordId}})-[:ABOUT]->(c:Child)
{only_visible("c", "r")}
WITH r, c
WHERE r.status = $from AND r.version = $version
MATCH (w:Worker {{id: $viewer}})
{_apply(label)}"""


def record_state_statement(label: str) -> str:
    """A record's state, version and steps, if the caller may see its child."""
    return f"""
MATCH (r:{label} {{id: $recordId}})-[:ABOUT]->(c:Child)
{only_visible("c", "r")}
WITH r, c, [(r)<-[:PART_OF]-(s:Step) | {STEP_FIELDS}] AS steps
RETURN r {{.*}} AS record, c.id AS childId, c.dateOfBirth AS dateOfBirth, steps
"""


TRANSITIONS: Final = {label: transition_statement(label) for label in RECORD_DATES}
RECORD_STATES: Final = {label: record_state_statement(label) for label in RECORD_DATES}

# A child is looked after in at most one period of care at a time; the guard is in the
# statement so two racing starts cannot both pass it (FalkorDB serialises writes).
START_PERIOD_OF_CARE = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
WITH c, [(c)<-[:ABOUT]-(open:PeriodOfCare) WHERE open.status IN $openStates | open.id] AS open
WHERE size(open) = 0
MATCH (w:Worker {{id: $viewer}})
CREATE (r:PeriodOfCare {{id: $recordId, status: $from, version: 0, createdAt: $now}})
CREATE (r)-[:ABOUT]->(c)
WITH r, c, w
{_apply("PeriodOfCare")}"""

# A plan for adoption starts from a period of care while the child is looked after, and
# a period of care has at most one plan still running.
START_ADOPTION_PLAN = f"""
MATCH (p:PeriodOfCare {{id: $periodOfCareId}})-[:ABOUT]->(c:Child)
{only_visible("c", "p")}
OPTIONAL MATCH (p)<-[:FOR_CARE]-(running:AdoptionPlan)
WHERE running.status IN $openStates
WITH p, c, count(running) AS running
WHERE p.status = $lookedAfter AND running = 0
MATCH (w:Worker {{id: $viewer}})
CREATE (r:AdoptionPlan {{id: $recordId, status: $from, version: 0, createdAt: $now,
        periodOfCareId: p.id}})
CREATE (r)-[:ABOUT]->(c)
CREATE (r)-[:FOR_CARE]->(p)
WITH r, c, w
{_apply("AdoptionPlan")}"""

# FalkorDB caches a read's plan: a pattern comprehension over a label that did not exist
# when the statement was first planned kept answering [] after a plan was created, so
# the running plans are matched, not comprehended.
PERIOD_OF_CARE_STATE = f"""
MATCH (p:PeriodOfCare {{id: $periodOfCareId}})-[:ABOUT]->(c:Child)
{only_visible("c", "p")}
OPTIONAL MATCH (p)<-[:FOR_CARE]-(running:AdoptionPlan)
WHERE running.status IN $openStates
RETURN p.status AS status, collect(running.status) AS running
"""

CHILD_STATE = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
RETURN c.id AS id, c.dateOfBirth AS dateOfBirth,
       [(c)<-[:ABOUT]-(open:PeriodOfCare) WHERE open.status IN $openStates | open.id]
       AS openPeriods
"""

_RECORD_WITH_STEPS = """
WITH childId, r, [(r)<-[:PART_OF]-(s:Step) | s {.*}] AS steps
RETURN childId, r {.*} AS record, steps
"""

CASES_OF = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})<-[:ABOUT]-(r:Referral)
WITH childId, r ORDER BY r.referralDate DESC, r.createdAt DESC
{_RECORD_WITH_STEPS}"""

PERIODS_OF_CARE_OF = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})<-[:ABOUT]-(r:PeriodOfCare)
WITH childId, r ORDER BY r.startDate DESC, r.createdAt DESC
{_RECORD_WITH_STEPS}"""

# FalkorDB: each pattern comprehension of one projection needs its own variable names;
# reusing one across them silently empties the later lists.
# The chronology: every journey event, the current version of each finalised case note
# (drafts are not yet on the record), every notice, contact and short break. Documents
# join here once the records connector files them against the child.
ADOPTION_PLANS_OF = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})<-[:ABOUT]-(r:AdoptionPlan)
WITH childId, r ORDER BY r.decisionDate DESC, r.createdAt DESC
{_RECORD_WITH_STEPS}"""

CHRONOLOGY_OF = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
WITH c,
     [(c)<-[:ABOUT]-(e:JourneyEvent) | {EVENT_FIELDS}] AS events,
     [(c)<-[:ABOUT]-(note:CaseNote)
        WHERE note.status = 'FINAL' AND coalesce(note.current, true) = true
        | note {{.id, .type, .text, .occurredAt, .status, .version}}] AS notes,
     [(c)<-[:ABOUT]-(notice:Notice)
        | notice {{.id, .kind, .at, .audience, .agency, .subjectName}}] AS notices,
     [(c)<-[:ABOUT]-(k:Contact) | k {{.id, .receivedDate, .source, .outcome, .recordedAt}}]
        AS contacts,
     [(c)<-[:ABOUT]-(brk:ShortBreak)
        | brk {{.id, .legalStatus, .startDate, .endDate, .placementType, .recordedAt}}]
        AS shortBreaks
RETURN events, notes, notices, contacts, shortBreaks
"""
