"""Bulk loading (the demo county, benchmarks): UNWIND batches, each node in its own MATCH."""

from __future__ import annotations

LOAD_AGENCIES = """
UNWIND $rows AS r
MERGE (a:Agency {id: r.id})
SET a.name = r.name, a.kind = r.kind, a.phone = r.phone, a.outOfHoursPhone = r.outOfHoursPhone
"""

LOAD_FAMILIES = """
UNWIND $rows AS r
MERGE (f:Family {id: r.id})
SET f.name = r.name
MERGE (a:Address {id: r.address.id})
SET a.line1 = r.address.line1, a.town = r.address.town, a.postcode = r.address.postcode
"""

LOAD_PEOPLE = """
UNWIND $rows AS r
MATCH (f:Family {id: r.family})
MATCH (a:Address {id: r.address})
CREATE (p:Person {id: r.id, givenName: r.givenName, familyName: r.familyName,
        dateOfBirth: date(r.dateOfBirth), sex: r.sex, ethnicity: r.ethnicity,
        nhsNumber: r.nhsNumber, upn: r.upn, unborn: false, restricted: false})
CREATE (p)-[:MEMBER_OF {role: r.householdRole}]->(f)
CREATE (p)-[:LIVES_AT {since: date(r.dateOfBirth)}]->(a)
// A child's name is found by its folded key (graph/names.py: rows carry `name_key_fields`).
FOREACH (_ IN CASE WHEN r.child THEN [1] ELSE [] END |
    SET p:Child, p.familyNameKey = r.familyNameKey, p.familyNamePrefixes = r.familyNamePrefixes,
        p.dateOfBirthKey = toString(p.dateOfBirth))
FOREACH (_ IN CASE WHEN r.child THEN [] ELSE [1] END | SET p:Adult)
"""

LOAD_RELATIONSHIPS = """
UNWIND $rows AS r
MATCH (a:Person {id: r.from})
MATCH (b:Person {id: r.to})
CREATE (a)-[:RELATED_TO {type: r.type}]->(b)
"""

LOAD_SCHOOL_PLACES = """
UNWIND $rows AS r
MATCH (c:Child {id: r.child})
MATCH (s:Agency {id: r.school})
MERGE (c)-[:ATTENDS]->(s)
"""
