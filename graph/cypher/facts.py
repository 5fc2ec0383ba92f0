"""The statutory facts about a child: dated, each a `ChildFact` ABOUT the child.

A fact records what the returns need (home postcode, disabilities, UASC, the reason a
UPN is unknown, previous plans and permanence, the outcomes of looked-after children)
with the date it happened (`on`), who recorded it and when. History is kept: a new fact
of the same kind is a new node, and the latest by `on` is the current one.
"""

from __future__ import annotations

from typing import Final

from graph.cypher.access import counted_episode, only_visible
from graph.cypher.journey import died_on

# Dates a fact may carry besides `on`, set through `$dates` (FalkorDB cannot take a date
# inside a map parameter).
FACT_DATES: Final = (
    "ceasedOn",
    "orderDate",
    "babyBornOn",
    # A date of birth put right, and the one it replaced.
    "dateOfBirth",
    "previousDateOfBirth",
)

FACT_FIELDS = "f {.*}"


def _set_dates(variable: str) -> str:
    # FalkorDB refuses date(null): a date is written only when given.
    return ",\n    ".join(
        f"{variable}.{name} = CASE WHEN $dates.{name} IS NULL THEN null"
        f" ELSE date($dates.{name}) END"
        for name in FACT_DATES
    )


CHILD_FOR_FACTS = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
RETURN c.id AS id, c.dateOfBirth AS dateOfBirth, c.unborn AS unborn, c.sex AS sex,
       c.upn AS upn, c.ethnicity AS ethnicity
"""

_CREATE_FACT = f"""
CREATE (f:ChildFact {{id: $factId, kind: $kind, on: date($on), recordedBy: $recordedBy,
        recordedAt: $now}})
SET f += $values
SET {_set_dates("f")}
CREATE (f)-[:ABOUT]->(c)
RETURN {FACT_FIELDS} AS fact, c.id AS childId
"""

# A characteristic the child record holds (ethnicity, sex: what the returns read) is
# set on the child in the same statement as its fact ($childValues; empty for others).
RECORD_FACT = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
SET c += $childValues
WITH c
{_CREATE_FACT}"""

# A child's date of birth put right (recordDateOfBirth): the child record holds it, and
# its text key beside it (graph/vocabulary.py `dateOfBirthKey`, which search and linking
# seek), in the same statement as its fact. The guard writes nothing if the date it
# replaces changed since it was read. The front door's key of names and birth date
# (`intakeKey`, graph/vocabulary.py) moves to the new date ($intakeKey; null: the child's
# key is not one of its names and old date), or, held by another child already, goes:
# the old, wrong date no longer finds this child. The open and held steps whose due day is a
# birthday or an age's interval ($retimedSteps: id and ISO due day, computed in Python)
# fall due from the new date; a care leaver's step that would fall due after the 25th
# birthday is dropped (its `status` CANCELLED).
RECORD_DATE_OF_BIRTH = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
WITH c WHERE coalesce(toString(c.dateOfBirth), '') = $previousBirthKey
SET c.dateOfBirth = date($dates.dateOfBirth),
    c.dateOfBirthKey = toString(date($dates.dateOfBirth))
WITH c
OPTIONAL MATCH (holder:Child {{intakeKey: $intakeKey}}) WHERE holder.id <> c.id
WITH c, count(holder) AS held
SET c.intakeKey = CASE WHEN $intakeKey IS NULL THEN c.intakeKey
                       WHEN held = 0 THEN $intakeKey ELSE null END
WITH c
OPTIONAL MATCH (c)<-[:ABOUT]-(:PeriodOfCare)<-[:PART_OF]-(s:Step)
WHERE s.id IN [t IN $retimedSteps | t.id]
WITH c, s, head([t IN $retimedSteps WHERE t.id = s.id]) AS t
FOREACH (_ IN CASE WHEN s IS NULL THEN [] ELSE [1] END |
    SET s.dueDate = date(t.dueDate), s.dueRule = coalesce(t.dueRule, s.dueRule),
        s.status = coalesce(t.status, s.status))
WITH DISTINCT c
{_CREATE_FACT}"""

# The first day the child was referred or a contact about them came in; a contact
# withdrawn as recorded in error (withdrawContact, or EHM withdrawing a step up), or a
# referral (withdrawReferral), never came in about this child.
_FIRST_CONTACT = (
    "reduce(first = null, d IN [(c)<-[:ABOUT]-(k:Contact) WHERE k.status <> 'WITHDRAWN'"
    " | k.receivedDate]"
    f" + [(c)<-[:ABOUT]-(r:Referral) WHERE {counted_episode('r')} | r.referralDate] |"
    " CASE WHEN first IS NULL OR d < first THEN d ELSE first END)"
)

# The birth of an unborn child is recorded on the same record: the child node gains its
# date of birth; the guard makes a second recording of the birth write nothing. CIN
# census rule 8606: no referral more than 40 weeks before the birth; $earliestContact is
# the birth less 40 weeks, computed in Python.
RECORD_BIRTH = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
WITH c, {_FIRST_CONTACT} AS firstContact
WHERE c.unborn = true AND (firstContact IS NULL OR firstContact >= date($earliestContact))
SET c.unborn = false, c.dateOfBirth = date($on), c.dateOfBirthKey = toString(date($on)),
    c.sex = coalesce($sex, c.sex),
    c.bornRecordedAt = $now
WITH c
{_CREATE_FACT}"""

# Why a birth wrote nothing: the first contact about the child, if the caller may see them.
FIRST_CONTACT = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
RETURN {_FIRST_CONTACT} AS firstContact
"""

# What hangs on a child's date of birth, read before it is put right: the first contact
# or referral about them (CIN census rule 8606), their death if recorded (no death before
# the birth), whether they were recorded unborn, their
# periods of care with every step of each (started from birth and before 18: SSDA903
# rules 352, 359; review participation by age: 440, 441; due days counted from birthdays),
# and every statutory fact (each kind's own rules by age).
BIRTH_DATE_HOLDS = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
RETURN c.expectedDateOfBirth AS expectedDateOfBirth, c.intakeKey AS intakeKey,
       c.givenName AS givenName, c.familyName AS familyName, c.upn AS upn,
       {_FIRST_CONTACT} AS firstContact, {died_on("c")} AS diedOn,
       [(c)<-[:ABOUT]-(p:PeriodOfCare) | p {{.id, .status, .startDate, .endDate,
        steps: [(p)<-[:PART_OF]-(s:Step) | s {{.*}}]}}] AS periods,
       [(c)<-[:ABOUT]-(f:ChildFact) | f {{.*}}] AS facts
"""

# The child's SSDA903 episodes (each placement, from its start to the day it ended), and
# their short breaks (each to its last day), which an order depriving the child of liberty
# is weighed against (903 rules 709, 710).
CARE_EPISODES = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
OPTIONAL MATCH (c)<-[:ABOUT]-(:PeriodOfCare)<-[:PART_OF]-(s:Step {{kind: 'LOOKED_AFTER_EPISODE'}})
WHERE s.status <> 'CANCELLED'
WITH c, collect(s {{.startDate, .completedDate, .placementType}}) AS episodes
RETURN episodes,
       [(c)<-[:ABOUT]-(b:ShortBreak) | b {{.startDate, .endDate, .placementType}}] AS breaks
"""

FACTS_OF = f"""
MATCH (c:Child {{id: $childId}})
{only_visible("c")}
MATCH (c)<-[:ABOUT]-(f:ChildFact)
WHERE size($kinds) = 0 OR f.kind IN $kinds
RETURN {FACT_FIELDS} AS fact, c.id AS childId
ORDER BY f.on DESC, f.recordedAt DESC
"""
