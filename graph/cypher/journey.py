"""The case journey: a record's state (an episode of need and its records, a period of
care, a plan for adoption), its steps, its events.

Every process runs on the same shape: the record is ABOUT the child and holds `status`,
`version`, `recordedBy`/`recordedAt`; its steps (reviews, visits, conferences, SSDA903
episodes) are `Step` nodes PART_OF it, each with its due date and rule; every action
leaves a `JourneyEvent` for the chronology. An episode of need is the `Referral`; its
assessments, section 47 enquiries, initial conferences and plans are records IN_EPISODE
of it, written and guarded together with it (the episode's version advances with every
write inside it). One statement per action, guarded by status and version, applies
everything the workflow computed (due dates arrive as parameters: no date arithmetic
here).
"""

from __future__ import annotations

from typing import Final

from graph.cypher.access import counted_episode, only_visible
from graph.cypher.documents import misfile_documents
from graph.cypher.early_help import recall_early_help, request_early_help

# Dates a record may carry, set only through `$dates` (never through the `$facts` map,
# which cannot carry dates on FalkorDB).
# `lastOccurredOn` is the date of the record's latest step: nothing later recorded on
# the record may have happened before it.
RECORD_DATES: Final = {
    # closedInErrorDate, reopenedDate: the last closure a manager found was made in
    # error, and the day they reopened the episode (workflow/journey/case.py reopen_case);
    # previousReferralDate: the referral date before a manager corrected it.
    "Referral": (
        "referralDate",
        "previousReferralDate",
        "decisionDate",
        "closureDate",
        "lastOccurredOn",
        "closedInErrorDate",
        "reopenedDate",
        # The day a manager withdrew the referral as recorded in error (withdrawReferral).
        "withdrawnDate",
        # The day a manager authorised the decision on the referral (decideReferral, or no
        # further action); one authorised before the hub kept it has it from its authorise
        # event (graph/migrations.py 10), and none where the hub has no such event.
        "decisionAuthorisedDate",
    ),
    # referralDate: the episode's, which the assessment's timescale and forms count from.
    "Assessment": (
        "referralDate",
        "startDate",
        "dueDate",
        "completedDate",
        "authorisedDate",
        "lastOccurredOn",
    ),
    # startDate is the strategy discussion's (CIN census S47ActualStartDate).
    "Section47Enquiry": ("startDate", "conferenceTarget", "endDate", "lastOccurredOn"),
    # notifiedDate: a transfer-in conference's notification of the move, its timescale's anchor.
    "InitialChildProtectionConference": ("dueDate", "heldDate", "notifiedDate", "lastOccurredOn"),
    "ChildProtectionPlan": ("startDate", "endDate", "lastOccurredOn"),
    "ChildInNeedPlan": ("startDate", "endDate", "lastOccurredOn"),
    "PeriodOfCare": ("startDate", "endDate"),
    # SSDA903: DATE_INT / DATE_PLACED (decision), DATE_MATCH, DATE_PLACED_CEASED.
    "AdoptionPlan": (
        "decisionDate",
        "placementOrderDate",
        "matchedDate",
        "placedDate",
        "adoptionOrderDate",
        "ceasedDate",
        # The day a manager withdrew the plan as recorded in error (withdrawAdoptionPlan).
        "withdrawnDate",
    ),
}
# The records that live IN_EPISODE of a Referral (workflow/process.py EPISODE_PROCESSES).
EPISODE_LABELS: Final = (
    "Assessment",
    "Section47Enquiry",
    "InitialChildProtectionConference",
    "ChildProtectionPlan",
    "ChildInNeedPlan",
)
STEP_DATES: Final = ("startDate", "dueDate", "completedDate", "authorisedDate")

STEP_FIELDS = "s {.*}"
EVENT_FIELDS = "e {.id, .action, .fromState, .toState, .occurredOn, .at, .summary}"


def _set_dates(
    variable: str, source: str, names: tuple[str, ...], cleared: str | None = None
) -> str:
    # A date is written only when given: a CASE keeps what is there otherwise, since
    # FalkorDB refuses date(null). A correction takes away the dates it names in
    # `cleared` (recorded in error), in the same assignment: FalkorDB reads every
    # property of consecutive SET clauses as it was before them.
    taken = "" if cleared is None else "WHEN '{name}' IN " + cleared + " THEN null "
    return ",\n    ".join(
        f"{variable}.{name} = CASE {taken.format(name=name)}WHEN {source}.{name} IS NULL"
        f" THEN {variable}.{name} ELSE date({source}.{name}) END"
        for name in names
    )


def _create_steps(source: str, owner: str, new: str = "n") -> str:
    return f"""FOREACH ({new} IN {source} |
    CREATE (s:Step {{id: {new}.id, kind: {new}.kind, status: {new}.status,
            dueRule: {new}.dueRule, createdAt: $now, recordedAt: $now, recordedBy: $viewer}})
    SET s += {new}.facts
    SET {_set_dates("s", new, STEP_DATES)}
    CREATE (s)-[:PART_OF]->({owner})
    CREATE (s)-[:ABOUT]->(c))"""


def _open_records(label: str) -> str:
    # A label cannot be a parameter: one FOREACH per kind of episode record.
    return f"""FOREACH (n IN [x IN $openedRecords WHERE x.label = '{label}'] |
    CREATE (p:{label} {{id: n.id, process: n.process, status: n.status, version: 1,
            createdAt: $now, recordedAt: $now, recordedBy: $viewer}})
    SET p += n.facts
    SET {_set_dates("p", "n", RECORD_DATES[label])}
    CREATE (p)-[:IN_EPISODE]->(ep)
    CREATE (p)-[:ABOUT]->(c)
    FOREACH (_ IN CASE WHEN n.followsActing THEN [1] ELSE [] END | CREATE (p)-[:FOLLOWS]->(r))
    {_create_steps("n.steps", "p", "st").replace(chr(10), chr(10) + "    ")})"""


# The records and contacts whose dates count from the referral, when its date is
# corrected: due dates computed again (in Python), the contacts that opened it dated anew.
_RETIME = """
OPTIONAL MATCH (ep)<-[:IN_EPISODE]-(z)<-[:PART_OF]-(zs:Step)
WHERE zs.id IN [t IN $retimedSteps | t.id]
WITH r, c, ep, changed, zs, head([t IN $retimedSteps WHERE t.id = zs.id]) AS t
FOREACH (_ IN CASE WHEN zs IS NULL THEN [] ELSE [1] END |
    SET zs.dueDate = date(t.dueDate), zs.dueRule = coalesce(t.dueRule, zs.dueRule),
        zs.lateReason = CASE WHEN t.onTime THEN null
                        ELSE coalesce(t.lateReason, zs.lateReason) END,
        zs.lateReasonBy = CASE WHEN t.onTime THEN null
                          WHEN t.lateReason IS NULL THEN zs.lateReasonBy ELSE $viewer END,
        zs.lateReasonAt = CASE WHEN t.onTime THEN null
                          WHEN t.lateReason IS NULL THEN zs.lateReasonAt ELSE $now END)
WITH DISTINCT r, c, ep, changed
OPTIONAL MATCH (ep)<-[:IN_EPISODE]-(z)
WHERE z.id IN [t IN $retimed | t.id]
WITH r, c, ep, changed, z, head([t IN $retimed WHERE t.id = z.id]) AS t
FOREACH (_ IN CASE WHEN z IS NULL THEN [] ELSE [1] END |
    SET z += t.facts
    SET z.version = z.version + 1, z.updatedAt = $now, z.updatedBy = $viewer,
        z.dueDate = CASE WHEN t.dueDate IS NULL THEN z.dueDate ELSE date(t.dueDate) END,
        z.startDate = CASE WHEN t.startDate IS NULL THEN z.startDate
                      ELSE date(t.startDate) END,
        z.endDate = CASE WHEN t.endDate IS NULL THEN z.endDate ELSE date(t.endDate) END,
        z.lastOccurredOn = CASE WHEN t.lastOccurredOn IS NULL THEN z.lastOccurredOn
                           ELSE date(t.lastOccurredOn) END,
        z.referralDate = CASE WHEN t.referralDate IS NULL THEN z.referralDate
                         ELSE date(t.referralDate) END)
WITH DISTINCT r, c, ep, changed
OPTIONAL MATCH (k:Contact)-[:LED_TO]->(ep)
WHERE k.id IN [t IN $retimedContacts | t.id]
WITH r, c, ep, changed, k, head([t IN $retimedContacts WHERE t.id = k.id]) AS t
FOREACH (_ IN CASE WHEN k IS NULL THEN [] ELSE [1] END |
    SET k.receivedDate = date(t.receivedDate), k.decisionDue = date(t.decisionDue),
        k.decisionLateReason = CASE WHEN t.onTime THEN null
                               ELSE coalesce(t.lateReason, k.decisionLateReason) END,
        k.decisionLateReasonRecordedBy = CASE WHEN t.onTime THEN null
            WHEN t.lateReason IS NULL THEN k.decisionLateReasonRecordedBy ELSE $viewer END,
        k.decisionLateReasonRecordedAt = CASE WHEN t.onTime THEN null
            WHEN t.lateReason IS NULL THEN k.decisionLateReasonRecordedAt ELSE $now END,
        k.version = k.version + 1)
WITH DISTINCT r, c, ep, changed"""

_EPISODE_TAIL = f"""
{chr(10).join(_open_records(label) for label in EPISODE_LABELS)}
WITH r, c, ep, changed
{_RETIME}
// Records an episode rule ends (a CIN plan the day a CP plan starts or the episode
// closes), or withdrawn with the record that made them (a CP plan with its conference):
// their scheduled steps are cancelled, then the records end. A CIN plan something done in
// error had ended (a withdrawn CP plan, a closure reopened) goes on again instead, with
// its steps due again.
OPTIONAL MATCH (ep)<-[:IN_EPISODE]-(x)<-[:PART_OF]-(xs:Step)
WHERE x.id IN $endedIds AND xs.status = 'OPEN'
FOREACH (_ IN CASE WHEN xs IS NULL THEN [] ELSE [1] END | SET xs.status = 'CANCELLED')
WITH DISTINCT r, c, ep, changed
OPTIONAL MATCH (ep)<-[:IN_EPISODE]-(x)
WHERE x.id IN $endedIds
WITH r, c, changed, x, head([ending IN $ended WHERE ending.id = x.id]) AS ending
FOREACH (_ IN CASE WHEN x IS NULL THEN [] ELSE [1] END |
    SET x.status = ending.status, x.version = x.version + 1,
        x.endDate = CASE WHEN ending.reopened THEN null
                    WHEN ending.endDate IS NULL THEN x.endDate
                    ELSE date(ending.endDate) END,
        x.endedBy = CASE WHEN ending.reopened THEN null
                    ELSE coalesce(ending.endedBy, x.endedBy) END,
        x.withdrawnReason = coalesce(ending.withdrawnReason, x.withdrawnReason),
        x.updatedAt = $now, x.updatedBy = $viewer
    {_create_steps("ending.steps", "x", "xst").replace(chr(10), chr(10) + "    ")})
WITH r, changed, count(x) AS ended"""


# A period of care that ends for a reason no plan for adoption outlives (the child died,
# or another authority took their care over: workflow/journey/care.py) ends each plan
# still running in the same write: ceased the day care ended, with the SSDA903 reason
# the workflow gives (`ending.facts`), so PlacedAdoption has DATE_PLACED_CEASED (557).
# A plan withdrawn as recorded in error never was: nothing ends it.
_CARE_TAIL = """
WITH r, changed
OPTIONAL MATCH (r)<-[:FOR_CARE]-(x:AdoptionPlan)
WHERE x.id IN $endedIds AND NOT x.status IN ['ADOPTED', 'CEASED', 'RECORDED_IN_ERROR']
WITH r, changed, x, head([ending IN $ended WHERE ending.id = x.id]) AS ending
FOREACH (_ IN CASE WHEN x IS NULL THEN [] ELSE [1] END |
    SET x += ending.facts
    SET x.status = ending.status, x.version = x.version + 1,
        x.ceasedDate = date(ending.endDate), x.endedBy = ending.endedBy,
        x.updatedAt = $now, x.updatedBy = $viewer)
WITH r, changed, count(x) AS ended"""


# The child protection plans a correction of the start of care moves the end of (they
# ended the day the child became looked after: workflow/journey/episode_start.py) were
# checked as read, with their episodes: `$retimedAsRead` ("id@version@episode version")
# guards that they and their episodes are unchanged, or the statement writes nothing.
_PLANS_AS_READ = """OPTIONAL MATCH (c)<-[:ABOUT]-(moved:ChildProtectionPlan)
      -[:IN_EPISODE]->(movedEpisode:Referral)
WHERE moved.id IN [t IN $retimed | t.id]
WITH r, c, collect(moved.id + '@' + toString(moved.version) + '@'
                   + toString(movedEpisode.version)) AS moved
WHERE size(moved) = size($retimed) AND all(seen IN moved WHERE seen IN $retimedAsRead)
WITH r, c"""

# ... and end on the corrected day, keeping the day they ended as, why, who and when,
# their reviews and visits due again or cancelled again with the end
# (`$retimedStepStatuses`); the child's facts dated on the start of care (`$movedFacts`:
# the home postcode) move with it, keeping the day they were recorded as, why, who and when.
_PLANS_END_WITH_CARE = """
OPTIONAL MATCH (r)-[:ABOUT]->(:Child)<-[:ABOUT]-(moved:ChildProtectionPlan)
      -[:IN_EPISODE]->(movedEpisode:Referral)
WHERE moved.id IN [t IN $retimed | t.id]
WITH r, changed, moved, movedEpisode, head([t IN $retimed WHERE t.id = moved.id]) AS t
FOREACH (_ IN CASE WHEN moved IS NULL THEN [] ELSE [1] END |
    SET moved += t.facts
    SET moved.endDate = date(t.endDate), moved.endDateCorrectedBy = $viewer,
        moved.endDateCorrectedAt = $now, moved.version = moved.version + 1,
        moved.updatedAt = $now, moved.updatedBy = $viewer,
        movedEpisode.version = movedEpisode.version + 1)
WITH r, changed, count(moved) AS moved
OPTIONAL MATCH (r)-[:ABOUT]->(:Child)<-[:ABOUT]-(plan:ChildProtectionPlan)<-[:PART_OF]-(due:Step)
WHERE plan.id IN [t IN $retimed | t.id] AND due.id IN [t IN $retimedStepStatuses | t.id]
WITH r, changed, due, head([t IN $retimedStepStatuses WHERE t.id = due.id]) AS t
FOREACH (_ IN CASE WHEN due IS NULL THEN [] ELSE [1] END | SET due.status = t.status)
WITH r, changed, count(due) AS dueAgain
OPTIONAL MATCH (r)-[:ABOUT]->(:Child)<-[:ABOUT]-(fact:ChildFact)
WHERE fact.id IN [m IN $movedFacts | m.id]
WITH r, changed, fact, head([m IN $movedFacts WHERE m.id = fact.id]) AS m
FOREACH (_ IN CASE WHEN fact IS NULL OR fact.on <> date(m.correctedFrom) THEN [] ELSE [1] END |
    SET fact.on = date(m.on), fact.onCorrectedFrom = m.correctedFrom,
        fact.onCorrectionReason = m.reason, fact.onCorrectedBy = $viewer,
        fact.onCorrectedAt = $now)
WITH r, changed, count(fact) AS movedFacts"""


# A referral withdrawn as recorded in error takes the contacts that led to it with it
# (workflow/journey/case.py withdraw_referral): each WITHDRAWN with the referral's reason,
# who and when, as withdrawContact leaves an undecided one.
_WITHDRAW_CONTACTS = """OPTIONAL MATCH (k:Contact)-[:LED_TO]->(r)
WHERE k.id IN $withdrawnContacts AND k.status <> 'WITHDRAWN'
FOREACH (_ IN CASE WHEN k IS NULL THEN [] ELSE [1] END |
    SET k.status = 'WITHDRAWN', k.withdrawnReason = r.withdrawnReason, k.withdrawnAt = $now,
        k.withdrawnBy = $viewer, k.version = k.version + 1)
WITH DISTINCT {carry}"""


# The forms made of a record of an episode withdrawn as recorded in error (a referral
# and the contacts that led to it, each withdrawn with it or before; an assessment, an
# enquiry, a conference, a plan, the referral standing), of its steps, and of the records
# withdrawn with it (the plan a conference made, the conference an enquiry asked for)
# are not the child's: they are misfiled on the child's file (graph/cypher/documents.py
# misfile_documents).
_WITHDRAWN_SOURCES = """CASE WHEN $to = 'RECORDED_IN_ERROR'
     THEN [r.id] + [(r)<-[:PART_OF]-(misStep:Step) | misStep.id]
          + [(misContact:Contact)-[:LED_TO]->(r) | misContact.id]
     ELSE [] END
     + [gone IN $ended WHERE gone.status = 'RECORDED_IN_ERROR' | gone.id]
     + [(ep)<-[:IN_EPISODE]-(misRecord)<-[:PART_OF]-(misRecordStep:Step)
        WHERE misRecord.id IN [gone IN $ended WHERE gone.status = 'RECORDED_IN_ERROR'
                               | gone.id] | misRecordStep.id]"""


def _apply(label: str, *, in_episode: bool, ends_plans: bool = False) -> str:
    """The common tail: event, step changes, new steps, new and ended episode records
    (with `ends_plans`, a period of care's plans for adoption), the record's new state. A
    step whose date or legal status is corrected (`correctedFrom`,
    `legalStatusCorrectedFrom`) keeps who corrected it and when."""
    carry = "r, c, ep" if in_episode else "r, c"
    # The episode's own correction (reopening it) takes dates away.
    clearing = "$clearedDates" if label == "Referral" else None
    return f"""
SET r.status = $to, r.version = r.version + 1, r.updatedAt = $now, r.updatedBy = $viewer
SET r += $facts
SET {_set_dates("r", "$dates", RECORD_DATES[label], clearing)}
CREATE (e:JourneyEvent {{id: $eventId, process: $process, action: $action,
        fromState: $from, toState: $to, occurredOn: date($occurredOn), at: $now,
        summary: $summary}})
CREATE (e)-[:OF]->(r)
CREATE (e)-[:ABOUT]->(c)
CREATE (e)-[:BY]->(w)
{request_early_help("r", "c", "$earlyHelp") if label == "Referral" else ""}
WITH {carry}
{_WITHDRAW_CONTACTS.format(carry=carry) if label == "Referral" else ""}
{recall_early_help("r", "$earlyHelpRecall", carry) if label == "Referral" else ""}
{misfile_documents("c", _WITHDRAWN_SOURCES, carry) if in_episode else ""}
OPTIONAL MATCH (r)<-[:PART_OF]-(s:Step)
WHERE s.id IN $changedIds
WITH {carry}, s, head([change IN $changes WHERE change.id = s.id]) AS change
FOREACH (_ IN CASE WHEN s IS NULL THEN [] ELSE [1] END |
    SET s += change.facts, s.status = coalesce(change.status, s.status),
        s.lateReason = CASE WHEN change.onTime THEN null
                       ELSE coalesce(change.lateReason, s.lateReason) END,
        s.lateReasonBy = CASE WHEN change.onTime THEN null
                         WHEN change.lateReason IS NULL THEN s.lateReasonBy ELSE $viewer END,
        s.lateReasonAt = CASE WHEN change.onTime THEN null
                         WHEN change.lateReason IS NULL THEN s.lateReasonAt ELSE $now END,
        s.correctedBy = CASE WHEN change.facts.correctedFrom IS NULL THEN s.correctedBy
                        ELSE $viewer END,
        s.correctedAt = CASE WHEN change.facts.correctedFrom IS NULL THEN s.correctedAt
                        ELSE $now END,
        s.legalStatusCorrectedBy = CASE WHEN change.facts.legalStatusCorrectedFrom IS NULL
                                   THEN s.legalStatusCorrectedBy ELSE $viewer END,
        s.legalStatusCorrectedAt = CASE WHEN change.facts.legalStatusCorrectedFrom IS NULL
                                   THEN s.legalStatusCorrectedAt ELSE $now END,
        s.withdrawnBy = CASE WHEN change.facts.withdrawnReason IS NULL THEN s.withdrawnBy
                        ELSE $viewer END,
        s.withdrawnAt = CASE WHEN change.facts.withdrawnReason IS NULL THEN s.withdrawnAt
                        ELSE $now END
    SET {_set_dates("s", "change", STEP_DATES)})
WITH {carry}, count(s) AS changed
{_create_steps("$opened", "r")}
{_EPISODE_TAIL if in_episode else ""}
{_CARE_TAIL + _PLANS_END_WITH_CARE if ends_plans else ""}
RETURN r.id AS id, r.version AS version, changed
"""


# An episode reopened (a write that takes its closure away) must still be the child's
# only episode of need, at the time and since (CIN census 8820): none open, none referred
# on or after the day it had closed. The write on the child serialises it with a racing
# referral on Neo4j, as FINALISE_CONTACT's does (FalkorDB serialises writes).
_REFERRAL_ITSELF = f"""FOREACH (_ IN CASE WHEN 'closureDate' IN $clearedDates THEN [1] ELSE [] END |
    SET c.episodeLock = null)
WITH r, c, r AS ep,
     size([(c)<-[:ABOUT]-(other:Referral)
           WHERE other.id <> r.id AND {counted_episode("other")}
             AND (other.status <> 'CLOSED' OR other.referralDate >= r.closureDate) | 1])
     AS besideIt
WHERE NOT ('closureDate' IN $clearedDates AND besideIt > 0)
WITH r, c, ep"""


def _episode_of(label: str) -> str:
    """Binds `ep`, the episode of need the record belongs to (the record itself for a
    Referral)."""
    if label == "Referral":
        return "WITH r, c, r AS ep"
    return "MATCH (r)-[:IN_EPISODE]->(ep:Referral)\nWITH r, c, ep"


def transition_statement(label: str) -> str:
    """The one write of an action on a `label` record, guarded by status and version.

    A record of an episode of need is also guarded by the episode's version, which every
    write in the episode advances: the episode's rules were checked against the records
    as read, and a write elsewhere in the episode since then makes this one write nothing.
    """
    if label in EPISODE_LABELS or label == "Referral":
        return f"""
MATCH (r:{label} {{id: $recordId}})-[:ABOUT]->(c:Child)
{only_visible("c", "r")}
{_REFERRAL_ITSELF if label == "Referral" else _episode_of(label)}
WHERE r.status = $from AND r.version = $version AND ep.version = $episodeVersion
MATCH (w:Worker {{id: $viewer}})
{"" if label == "Referral" else "SET ep.version = ep.version + 1"}
{_apply(label, in_episode=True)}"""
    return f"""
MATCH (r:{label} {{id: $recordId}})-[:ABOUT]->(c:Child)
{only_visible("c", "r")}
WITH r, c
WHERE r.status = $from AND r.version = $version
{_PLANS_AS_READ if label == "PeriodOfCare" else ""}
MATCH (w:Worker {{id: $viewer}})
{_apply(label, in_episode=False, ends_plans=label == "PeriodOfCare")}"""


# Each record of an episode with its steps (FalkorDB: matched and collected, not
# comprehended, so a label created after the statement was planned is still seen).
_EPISODE_RECORDS = """
OPTIONAL MATCH (ep)<-[:IN_EPISODE]-(p)
OPTIONAL MATCH (p)<-[:PART_OF]-(ps:Step)
WITH {carry}, p, collect(ps {{.*}}) AS processSteps
WITH {carry}, collect(CASE WHEN p IS NULL THEN null
                      ELSE {{record: p {{.*}}, steps: processSteps}} END) AS processes"""


# The child's other episodes of need, which an episode's own correction is weighed
# against (one episode at a time, CIN census 8820), the contacts that led to it (but one
# withdrawn as recorded in error), and an unborn child's expected date of birth (CIN
# census 8606).
_OTHER_EPISODES = f""",
       [(c)<-[:ABOUT]-(other:Referral) WHERE other.id <> r.id AND {counted_episode("other")}
        | other {{.id, .status, .referralDate, .closureDate}}] AS otherEpisodes,
       [(k:Contact)-[:LED_TO]->(r) WHERE k.status <> 'WITHDRAWN'
        | k {{.id, .receivedDate, .decisionDate, .decisionLateReason}}] AS contacts,
       c.expectedDateOfBirth AS expectedDateOfBirth, coalesce(c.unborn, false) AS unborn"""


# The child's orders depriving them of liberty, every record of each (workflow/liberty.py
# reads the latest): where a child may be placed under one (SSDA903 rules 709, 710).
LIBERTY_ORDERS = (
    "[(c)<-[:ABOUT]-(o:ChildFact {kind: 'DEPRIVATION_OF_LIBERTY'})"
    " | o {.on, .ceasedOn, .recordedAt}] AS libertyOrders"
)
# The child's home postcodes (SSDA903 HOME_POST: the one known when an episode began): one
# recorded on the day care began moves with that day when it is corrected.
HOME_POSTCODES = (
    "[(c)<-[:ABOUT]-(h:ChildFact {kind: 'HOME_POSTCODE'}) | h {.id, .on}] AS homePostcodes"
)


# What the start of a period of care is weighed against when its day is corrected: the
# child's other periods of care (one at a time, SSDA903) and their child protection plans
# (a plan ends the day the child becomes looked after). Matched and collected, not
# comprehended, as the plans for adoption are (FalkorDB's cached plans).
_BESIDE_CARE = """OPTIONAL MATCH (c)<-[:ABOUT]-(other:PeriodOfCare)
WHERE other.id <> r.id
WITH r, c, steps, processes,
     collect(other {.id, .status, .startDate, .endDate}) AS otherPeriods
OPTIONAL MATCH (c)<-[:ABOUT]-(cp:ChildProtectionPlan)
WHERE cp.status <> 'RECORDED_IN_ERROR'
WITH r, c, steps, processes, otherPeriods,
     collect(cp {.id, .status, .startDate, .endDate, .endReason}) AS childProtectionPlans"""


def record_state_statement(label: str) -> str:
    """A record's state, version and steps, if the caller may see its child; for a
    record of an episode of need, also the episode and every record in it."""
    steps = f"[(r)<-[:PART_OF]-(s:Step) | {STEP_FIELDS}] AS steps"
    if label in EPISODE_LABELS or label == "Referral":
        return f"""
MATCH (r:{label} {{id: $recordId}})-[:ABOUT]->(c:Child)
{only_visible("c", "r")}
{_episode_of(label)}, {steps}
{_EPISODE_RECORDS.format(carry="r, c, ep, steps")}
RETURN r {{.*}} AS record, c.id AS childId, c.dateOfBirth AS dateOfBirth, steps,
       ep {{.*}} AS episode, processes{_OTHER_EPISODES if label == "Referral" else ""}
"""
    if label == "PeriodOfCare":
        # Its plans for adoption, as `processes` (the child is placed, and adopted, while
        # looked after: care does not end before their steps); not one withdrawn as
        # recorded in error, which never was this child's.
        return f"""
MATCH (r:{label} {{id: $recordId}})-[:ABOUT]->(c:Child)
{only_visible("c", "r")}
WITH r, c, {steps}
OPTIONAL MATCH (r)<-[:FOR_CARE]-(plan:AdoptionPlan)
WHERE plan.status <> 'RECORDED_IN_ERROR'
WITH r, c, steps,
     collect(CASE WHEN plan IS NULL THEN null ELSE {{record: plan {{.*}}, steps: []}} END)
     AS processes
{_BESIDE_CARE}
RETURN r {{.*}} AS record, c.id AS childId, c.dateOfBirth AS dateOfBirth, steps,
       null AS episode, processes, {LIBERTY_ORDERS}, otherPeriods, childProtectionPlans,
       {HOME_POSTCODES}
"""
    # A plan for adoption also reads the period of care it was decided in: the child is
    # placed, and adopted, while looked after, so its steps come before care ended.
    # Its `processes` are the other plans for adoption of that period of care (but those
    # withdrawn as recorded in error): decisions on one period of care do not overlap
    # (SSDA903 579), however a date is corrected. Its `careEpisodes` are the period of
    # care's SSDA903 episodes, which may stand on its decision (E1, A3-A6: 553, 551).
    period_of_care, processes = "", "[]"
    if label == "AdoptionPlan":
        period_of_care = (
            ",\n       head([(r)-[:FOR_CARE]->(care:PeriodOfCare)"
            " | care {.id, .status, .startDate, .endDate}]) AS periodOfCare,"
            "\n       [(r)-[:FOR_CARE]->(:PeriodOfCare)<-[:PART_OF]-(episode:Step)"
            " WHERE episode.kind = 'LOOKED_AFTER_EPISODE' AND episode.status <> 'CANCELLED'"
            " | episode {.*}] AS careEpisodes"
        )
        processes = (
            "[(r)-[:FOR_CARE]->(:PeriodOfCare)<-[:FOR_CARE]-(other:AdoptionPlan)"
            " WHERE other.id <> r.id AND other.status <> 'RECORDED_IN_ERROR'"
            " | {record: other {.*}, steps: []}]"
        )
    return f"""
MATCH (r:{label} {{id: $recordId}})-[:ABOUT]->(c:Child)
{only_visible("c", "r")}
WITH r, c, {steps}
RETURN r {{.*}} AS record, c.id AS childId, c.dateOfBirth AS dateOfBirth, steps,
       null AS episode, {processes} AS processes{period_of_care}
"""


TRANSITIONS: Final = {label: transition_statement(label) for label in RECORD_DATES}

# The record a step is part of (its label says which process), if the caller may see its
# child: how an action on a step alone (recordLateReason) finds the record it acts on.
STEP_OWNER = f"""
MATCH (s:Step {{id: $stepId}})-[:PART_OF]->(r)-[:ABOUT]->(c:Child)
{only_visible("c", "r")}
RETURN r.id AS recordId, r.version AS version, labels(r) AS labels
"""
RECORD_STATES: Final = {label: record_state_statement(label) for label in RECORD_DATES}

# workflow/process.py ENDED_ON_BECOMING_LOOKED_AFTER: a child protection plan ends the day
# the child becomes looked after (its scheduled steps are cancelled, its episode moves on).
PLAN_ENDED_ON_BECOMING_LOOKED_AFTER: Final = ("ChildProtectionPlan", "BECAME_LOOKED_AFTER")
_END_PLAN_ON_BECOMING_LOOKED_AFTER = f"""
OPTIONAL MATCH (c)<-[:ABOUT]-(plan:{PLAN_ENDED_ON_BECOMING_LOOKED_AFTER[0]} {{status: 'ACTIVE'}})
      -[:IN_EPISODE]->(planEpisode:Referral)
WHERE plan.startDate <= date($dates.startDate)
OPTIONAL MATCH (plan)<-[:PART_OF]-(due:Step {{status: 'OPEN'}})
FOREACH (_ IN CASE WHEN due IS NULL THEN [] ELSE [1] END | SET due.status = 'CANCELLED')
WITH DISTINCT c, w, plan, planEpisode
FOREACH (_ IN CASE WHEN plan IS NULL THEN [] ELSE [1] END |
    SET plan.status = 'ENDED', plan.endDate = date($dates.startDate),
        plan.endReason = '{PLAN_ENDED_ON_BECOMING_LOOKED_AFTER[1]}',
        plan.version = plan.version + 1, plan.updatedAt = $now, plan.updatedBy = $viewer,
        planEpisode.version = planEpisode.version + 1)
WITH DISTINCT c, w"""

# A child is looked after in at most one period of care at a time; the guard is in the
# statement so two racing starts cannot both pass it (FalkorDB serialises writes). The
# child protection plans it ends were checked as read (care.ACTIVE_CHILD_PROTECTION_PLANS:
# none ends before its last step): `$activePlans` ("id@version") guards that they are still
# the active plans, unchanged, or the statement writes nothing.
START_PERIOD_OF_CARE = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
WITH c, [(c)<-[:ABOUT]-(open:PeriodOfCare) WHERE open.status IN $openStates | open.id] AS open
WHERE size(open) = 0
OPTIONAL MATCH (c)<-[:ABOUT]-(active:{PLAN_ENDED_ON_BECOMING_LOOKED_AFTER[0]} {{status: 'ACTIVE'}})
WITH c, collect(active.id + '@' + toString(active.version)) AS active
WHERE size(active) = size($activePlans) AND all(seen IN active WHERE seen IN $activePlans)
MATCH (w:Worker {{id: $viewer}})
{_END_PLAN_ON_BECOMING_LOOKED_AFTER}
CREATE (r:PeriodOfCare {{id: $recordId, status: $from, version: 0, createdAt: $now,
        recordedAt: $now, recordedBy: $viewer}})
CREATE (r)-[:ABOUT]->(c)
WITH r, c, w
{_apply("PeriodOfCare", in_episode=False)}"""

# A plan for adoption starts from a period of care while the child is looked after, and
# a period of care has at most one plan still running; a new decision does not come
# before an earlier plan's reversal (one withdrawn as recorded in error was never made).
START_ADOPTION_PLAN = f"""
MATCH (p:PeriodOfCare {{id: $periodOfCareId}})-[:ABOUT]->(c:Child)
{only_visible("c", "p")}
OPTIONAL MATCH (p)<-[:FOR_CARE]-(running:AdoptionPlan)
WHERE running.status IN $openStates
WITH p, c, count(running) AS running
OPTIONAL MATCH (p)<-[:FOR_CARE]-(reversed:AdoptionPlan)
WHERE reversed.ceasedDate > date($dates.decisionDate) AND reversed.status <> 'RECORDED_IN_ERROR'
WITH p, c, running, count(reversed) AS reversedLater
WHERE p.status = $lookedAfter AND running = 0 AND reversedLater = 0
MATCH (w:Worker {{id: $viewer}})
CREATE (r:AdoptionPlan {{id: $recordId, status: $from, version: 0, createdAt: $now,
        recordedAt: $now, recordedBy: $viewer,
        periodOfCareId: p.id}})
CREATE (r)-[:ABOUT]->(c)
CREATE (r)-[:FOR_CARE]->(p)
WITH r, c, w
{_apply("AdoptionPlan", in_episode=False)}"""

# FalkorDB caches a read's plan: a pattern comprehension over a label that did not exist
# when the statement was first planned kept answering [] after a plan was created, so
# the running plans are matched, not comprehended.
PERIOD_OF_CARE_STATE = f"""
MATCH (p:PeriodOfCare {{id: $periodOfCareId}})-[:ABOUT]->(c:Child)
{only_visible("c", "p")}
OPTIONAL MATCH (p)<-[:FOR_CARE]-(running:AdoptionPlan)
WHERE running.status IN $openStates
WITH p, collect(running.status) AS running
OPTIONAL MATCH (p)<-[:FOR_CARE]-(reversed:AdoptionPlan)
WHERE reversed.ceasedDate IS NOT NULL AND reversed.status <> 'RECORDED_IN_ERROR'
RETURN p.status AS status, running, max(reversed.ceasedDate) AS lastReversed
"""


def died_on(child: str) -> str:
    """The days the child's death is recorded on: an episode of need closed because the
    child died (CIN RC2) or a period of care that ended with it (SSDA903 E2). The hub
    keeps no other date of death (returns/cin_census.py reads the same)."""
    return (
        f"[({child})<-[:ABOUT]-(gone:Referral) WHERE gone.closureReason = 'RC2'"
        f" AND {counted_episode('gone')}"
        " | gone.closureDate]"
        f" + [({child})<-[:ABOUT]-(gone:PeriodOfCare) WHERE gone.reasonCeased = 'E2'"
        " | gone.endDate]"
    )


CHILD_STATE = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
RETURN c.id AS id, c.dateOfBirth AS dateOfBirth, coalesce(c.unborn, false) AS unborn,
       {died_on("c")} AS diedOn,
       [(c)<-[:ABOUT]-(open:PeriodOfCare) WHERE open.status IN $openStates | open.id]
       AS openPeriods, {LIBERTY_ORDERS}
"""

_RECORD_WITH_STEPS = """
WITH childId, r, [(r)<-[:PART_OF]-(s:Step) | s {.*}] AS steps
RETURN childId, r {.*} AS record, steps
"""

CASES_OF = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})<-[:ABOUT]-(ep:Referral)
{_EPISODE_RECORDS.format(carry="childId, ep")}
WITH childId, ep, processes ORDER BY ep.referralDate DESC, ep.createdAt DESC
RETURN childId, ep {{.*}} AS record, [] AS steps, processes
"""

PERIODS_OF_CARE_OF = f"""
UNWIND $ids AS childId
MATCH (c:Child {{id: childId}})<-[:ABOUT]-(r:PeriodOfCare)
WITH childId, r ORDER BY r.startDate DESC, r.createdAt DESC
{_RECORD_WITH_STEPS}"""

# FalkorDB: each pattern comprehension of one projection needs its own variable names;
# reusing one across them silently empties the later lists.
# The chronology: every journey event, the current version of each finalised case note
# (drafts are not yet on the record), every notice, contact, short break and Single
# Service Request from IES linked to the child. Documents join here once the records
# connector files them against the child.
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
     [(c)<-[:ABOUT]-(k:Contact)
        | k {{.id, .receivedDate, .source, .outcome, .status, .recordedAt}}]
        AS contacts,
     [(c)<-[:ABOUT]-(brk:ShortBreak)
        | brk {{.id, .legalStatus, .startDate, .endDate, .placementType, .recordedAt}}]
        AS shortBreaks,
     [(c)<-[:LINKED_TO]-(ssr:SourceRecord) WHERE ssr.kind = 'SSR'
        | ssr {{.id, .recordId, .version, .startDate, .details, .updatedAt}}] AS ssrs
RETURN events, notes, notices, contacts, shortBreaks, ssrs
"""


def open_on(label: str, start: str, end: str) -> str:
    """The visible children with a `label` record open on `$asAt`: started on or before
    it and not ended by it (a record that ends on the day is no longer open that day, as
    the DfE counts children in need and looked after at 31 March). A record withdrawn as
    started in error (workflow/process.py) has no end and was never open."""
    return f"""
MATCH (r:{label})-[:ABOUT]->(c:Child)
WHERE r.{start} <= date($asAt) AND (r.{end} IS NULL OR r.{end} > date($asAt))
  AND coalesce(r.status, '') <> 'RECORDED_IN_ERROR'
{only_visible("c")}
RETURN DISTINCT c.id AS childId, c.givenName + ' ' + c.familyName AS name
ORDER BY name, childId
"""


# The "as at" view of performance staff: what was open on a date, from the dates things
# happened (never from the records' current states).
AS_AT: Final = {
    "openEpisodes": open_on("Referral", "referralDate", "closureDate"),
    "childProtectionPlans": open_on("ChildProtectionPlan", "startDate", "endDate"),
    "childInNeedPlans": open_on("ChildInNeedPlan", "startDate", "endDate"),
    "lookedAfter": open_on("PeriodOfCare", "startDate", "endDate"),
}
