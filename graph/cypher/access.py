"""Row-level access to a child's record: one rule per audience, embedded in every statement.

Putting the rule in the statement (not in Python after the read) is what makes a
forbidden child indistinguishable from a missing one at every path, and keeps the
lookup on the index. The rule is one expression, `child_visible`, a `CASE` on the
caller's audience, so one statement text serves every audience and no path that emits a
child (a root, a family member, a relative, a work list, a document, a notice) can forget
a case. The stores run each statement through `for_caller`, which keeps the caller's
branch only (FalkorDB reads every branch's patterns for every row otherwise):

- internal staff: a legitimate relationship (allocated worker, their team, their line
  management up to four levels) or a role that reads every record;
- police: the child is in an open multi-agency enquiry the caller's force is party to;
- education: the child is on the caller's school's roll now (`on_roll`) and is in need,
  on a plan or looked after now (`looked_after_now`: not a care leaver); asked for a
  virtual school ($purpose `VIRTUAL_SCHOOL`: a looked-after pupil's personal education
  plan), looked after now only;
- health (CP-IS): the child the caller identified by NHS number, every record of them.

Restricted records (adoption, sealed, staff, high profile) are omitted for everyone,
whatever the audience, unless an internal worker holds an unexpired grant. A record merged
into another (a `MergedChild`) is omitted for everyone.

Parameters (`AccessScope.params`): $audience, $viewer (worker id), $viewerTeam, $viewAll,
$viewerRelated (the role reads through relationships), $viewerReports, $agency (the
partner's agency), $identifiedBy (health: the NHS number looked up), $purpose (the
partner's stated purpose, `X-Purpose`), $now (epoch ms, for
time-limited grants and the roll), $todayInEngland (the day in England at $now: the
days a child attends a school).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

# Days are days in England (a leaver is on the roll to the end of the leaving day there).
from graph.england import ENGLAND


@lru_cache(maxsize=256)
def _day_in_england(now_ms: int) -> str:
    # A request's statements share its instant: worked out once, not per statement.
    return datetime.fromtimestamp(now_ms / 1000, ENGLAND).date().isoformat()


@dataclass(frozen=True, slots=True)
class AccessScope:
    """Whose eyes a statement reads for: the parameters of `child_visible`."""

    viewer: str
    team: str | None
    view_all: bool
    now_ms: int
    # Values of `auth.Audience`; the graph room names them as plain text.
    audience: str = "internal"
    agency: str | None = None
    identified_by: str | None = None
    # The workers who report to the viewer, up to four lines down (WORKER_RECORD): a
    # manager sees the children allocated to them.
    reports: tuple[str, ...] = ()
    # Whether the viewer's role reads children through a relationship at all (an
    # administrator's does not, even with a caseload left from an earlier role).
    related: bool = True
    # A partner's stated purpose (`X-Purpose`): it can narrow what the audience is shown.
    purpose: str | None = None

    def today_in_england(self) -> str:
        """The day it is in England at `now_ms` (ISO): the days a child attends a school."""
        return _day_in_england(self.now_ms)

    def params(self) -> dict[str, Any]:
        return {
            "audience": self.audience,
            "viewer": self.viewer,
            "viewerTeam": self.team,
            "viewAll": self.view_all,
            "agency": self.agency,
            "identifiedBy": self.identified_by,
            "now": self.now_ms,
            "todayInEngland": self.today_in_england(),
            "viewerReports": list(self.reports),
            "viewerRelated": self.related,
            "purpose": self.purpose,
        }


# Records still open: a Referral is the child-in-need episode, a PeriodOfCare the time
# looked after (workflow/process.py). Each comprehension keeps its own variable names
# (FalkorDB empties a later comprehension that reuses one), so a statement reading one
# of these for two children passes a `name` for each.
def counted_episode(name: str) -> str:
    """Whether the Referral `name` is an episode of need: one withdrawn as recorded in
    error (workflow/process.py CaseState.RECORDED_IN_ERROR) is kept as history only, and
    no rule, view, partner or return counts it."""
    return f"coalesce({name}.status, '') <> 'RECORDED_IN_ERROR'"


def open_episode(name: str) -> str:
    """Whether the Referral `name` is an episode of need still open."""
    return f"{name}.status IS NOT NULL AND NOT {name}.status IN ['CLOSED', 'RECORDED_IN_ERROR']"


def open_case(person: str, name: str = "openCase") -> str:
    """How many episodes of need of `person` are open (a projection, not a WHERE)."""
    return f"size([({person})<-[:ABOUT]-({name}:Referral) WHERE {open_episode(name)} | 1])"


def open_care(person: str, name: str = "openCare") -> str:
    """How many periods of care of `person` are open (a projection, not a WHERE)."""
    return (
        f"size([({person})<-[:ABOUT]-({name}:PeriodOfCare)"
        f" WHERE {name}.status IS NOT NULL AND {name}.status <> 'CEASED'"
        f" AND {name}.status <> 'LEAVING_CARE_SERVICES_ENDED' | 1])"
    )


# A period of care in which the child is looked after now: one ceasing, awaiting its
# authorisation, has not ended yet. A care leaver's period has ended: they are a former
# looked-after child (services go on, but the child is no longer in care). A Cypher list,
# for `status IN ...`.
LOOKED_AFTER_STATES = "['LOOKED_AFTER', 'CEASING_AWAITING_AUTHORISATION']"


def looked_after_now(person: str, name: str = "inCare") -> str:
    """How many periods of care of `person` they are looked after in now (a projection)."""
    return (
        f"size([({person})<-[:ABOUT]-({name}:PeriodOfCare)"
        f" WHERE {name}.status IN {LOOKED_AFTER_STATES} | 1])"
    )


def grant_held(person: str) -> str:
    """A boolean expression: an internal viewer holds an unexpired grant to `person`.

    Only a restricted record is opened by a grant, and only a restricted record's grants
    are read: FalkorDB reads a pattern comprehension on every row whatever the `CASE`
    around it decides (~9 us a child), but a test of the row inside the comprehension
    stops it before the pattern is read.
    """
    return (
        f"$audience = 'internal' AND any(expiry IN [({person})<-[:GRANTS_ACCESS_TO]-"
        f"(accessGrant:Grant {{workerId: $viewer}}) WHERE coalesce({person}.restricted, false)"
        f" | accessGrant.expiresAt] WHERE expiry > $now)"
    )


# Whether a school asks as a virtual school ($purpose `VIRTUAL_SCHOOL`, auth/purposes.py):
# then only a pupil's care now is its business, never that the pupil is in need or on a
# plan. One test, read by the row rule, the school's notices (graph/cypher/encompass.py)
# and the episodes a school is told of (graph/cypher/partners.py).
ASKED_AS_VIRTUAL_SCHOOL = "coalesce($purpose, '') = 'VIRTUAL_SCHOOL'"


def on_roll_at(roll: str, instant: str) -> str:
    """A boolean expression: the pupil record's stay `roll` (`ON_ROLL_AT`) spans `instant`
    (epoch ms): from the start of the day of admission to the end of the day of leaving."""
    return f"{roll}.fromMs <= {instant} AND ({roll}.untilMs IS NULL OR {roll}.untilMs > {instant})"


def attends_on(attends: str, day: str) -> str:
    """A boolean expression: the authority's own record of a school (`ATTENDS`, whose
    `from` and `until` days are kept when known) spans `day` (a `date(...)`)."""
    return (
        f"({attends}.from IS NULL OR {attends}.from <= {day})"
        f" AND ({attends}.until IS NULL OR {attends}.until >= {day})"
    )


def on_roll(person: str) -> str:
    """A boolean expression: `person` is on the roll of the caller's school ($agency) now.

    Either the authority's own record says the child attends (`ATTENDS`, on the days it
    names: $todayInEngland), or an IES pupil record linked to the child puts
    them on the school's roll (`ON_ROLL_AT`, from the day of admission to the day of
    leaving, as epoch ms). The pupil record's link is what ties it to the child:
    unlinking a wrongly linked record takes the child off that school's roll at once.
    """
    p = person
    return (
        f"(size([({p})-[attends:ATTENDS]->(school:Agency {{id: $agency}})"
        f" WHERE {attends_on('attends', 'date($todayInEngland)')} | 1]) > 0"
        f" OR size([({p})<-[:LINKED_TO]-(pupilRecord:SourceRecord)-[roll:ON_ROLL_AT]->"
        f"(rollSchool:Agency {{id: $agency}}) WHERE {on_roll_at('roll', '$now')} | 1]) > 0)"
    )


# Who holds a child, kept on the child as lists of ids beside the relationships that say
# it (`ALLOCATED_TO` a worker, `RESPONSIBLE_TEAM` a team), for the internal rule to read.
# The relationships stay the record; every statement that writes one ends with
# `keep_holders` (tests/graph/test_access_holders.py finds each by its text), and every
# test's graph is checked at its end to hold the lists its relationships say
# (tests/holders.py).
ALLOCATED_HOLDERS = "allocatedWorkerIds"
RESPONSIBLE_HOLDERS = "responsibleTeamIds"


def keep_holders(person: str, *carry: str) -> str:
    """Clauses writing on `person` who holds them now, read from their relationships
    (written in the same statement before these clauses).

    Args:
        person: the variable bound to the child whose holders may have changed.
        carry: the other variables later clauses still need (a WITH drops the rest).
    """
    kept = ", ".join((person, *carry))
    # Each comprehension's variables are the person's own: FalkorDB empties a later
    # comprehension that reuses a name (two children kept in one statement).
    worker, team = f"{person}AllocatedTo", f"{person}ResponsibleTeam"
    return (
        f"WITH {kept}, [({person})-[:ALLOCATED_TO]->({worker}:Worker) | {worker}.id]"
        f" AS {worker}Ids, [({person})-[:RESPONSIBLE_TEAM]->({team}:Team) | {team}.id]"
        f" AS {team}Ids\n"
        # None held is no list at all (as on a child no one has held yet).
        f"SET {person}.{ALLOCATED_HOLDERS} = CASE WHEN size({worker}Ids) > 0"
        f" THEN {worker}Ids END,"
        f" {person}.{RESPONSIBLE_HOLDERS} = CASE WHEN size({team}Ids) > 0 THEN {team}Ids END\n"
        f"WITH {kept}"
    )


def contact_team(contact: str) -> str:
    """The id of the team `contact` made responsible for its child, kept on it (`teamId`,
    `contact_gives_team`); on a contact from before it was kept, its recorder's now."""
    team = f"{contact}RecorderTeam"
    return (
        f"coalesce({contact}.teamId, head([({contact})-[:RECORDED_BY]->(:Worker)"
        f"-[:MEMBER_OF_TEAM]->({team}:Team) | {team}.id]))"
    )


def contact_gives_team(child: str, contact: str, team: str, when: str = "true") -> str:
    """Clauses making `team` (a variable, possibly null) responsible for `child` for the
    contact `contact`, if `when`. The contact keeps the team (`teamId`: its recorder's
    team, or a step up's front door team, as it was then), and a holding it makes is
    marked as a contact's (`givenByContact`), for `release_contact_teams` to let go of;
    one that stood before stays unmarked."""
    return (
        f"FOREACH (given IN CASE WHEN {team} IS NOT NULL AND ({when}) THEN [{team}] ELSE [] END |\n"
        f"    MERGE ({child})-[held:RESPONSIBLE_TEAM]->(given)\n"
        f"    ON CREATE SET held.givenByContact = {contact}.id)\n"
        f"SET {contact}.teamId = CASE WHEN {when} THEN {team}.id ELSE {contact}.teamId END"
    )


def release_contact_team(child: str, contact: str, *carry: str) -> str:
    """`release_contact_teams` for the one contact `contact`."""
    return release_contact_teams(
        child, f"[{contact_team(contact)}]", f"[{contact}.id]", (contact, *carry)
    )


def release_contact_teams(
    child: str, team_ids: str, contact_ids: str, carry: tuple[str, ...]
) -> str:
    """Clauses taking off `child` the responsible teams (`team_ids`, a list expression)
    that contacts (`contact_ids`) made, once those contacts no longer stand on the child
    (withdrawn as recorded in error, or moved or taken off with their record): recorded
    in error, a contact gave its team no relationship with the child. Only a holding a
    contact made (`givenByContact`) is let go: one that stood before (an allocation's, or
    written before contacts marked theirs) is not the contact's to take. The team keeps
    it while anything else of theirs stands there: an open allocation to one of its
    workers, or another contact of theirs about the child not withdrawn.
    Ends on `keep_holders`, so on `WITH child, carry`.
    """
    team = f"{child}ReleasedTeam"
    kept = ", ".join((child, *carry))
    # The patterns are read in a WITH: FalkorDB cannot filter an optional match on one.
    return f"""WITH {kept}, {team_ids} AS {team}Ids, {contact_ids} AS {team}Contacts
OPTIONAL MATCH ({child})-[{team}Held:RESPONSIBLE_TEAM]->({team}:Team)
WHERE {team}.id IN {team}Ids AND {team}Held.givenByContact IS NOT NULL
WITH {kept}, {team}Held,
     size([({child})<-[:ABOUT]-({team}Allocation:Allocation)-[:TO_WORKER]->(:Worker)
           -[:MEMBER_OF_TEAM]->({team}) WHERE {team}Allocation.endDate IS NULL | 1])
     + size([({child})<-[:ABOUT]-({team}Contact:Contact)
             WHERE {team}Contact.teamId = {team}.id
               AND NOT {team}Contact.id IN {team}Contacts
               AND {team}Contact.status <> 'WITHDRAWN' | 1])
     + size([({child})<-[:ABOUT]-({team}Before:Contact)-[:RECORDED_BY]->(:Worker)
             -[:MEMBER_OF_TEAM]->({team}) WHERE {team}Before.teamId IS NULL
               AND NOT {team}Before.id IN {team}Contacts
               AND {team}Before.status <> 'WITHDRAWN' | 1]) AS {team}Stands
WITH {kept}, collect(CASE WHEN {team}Stands = 0 THEN {team}Held END) AS {team}Released
FOREACH (held IN {team}Released | DELETE held)
{keep_holders(child, *carry)}"""


def _audience_rules(person: str) -> dict[str, str]:
    """Each audience's own test of `person`, a child not merged and not withheld as restricted.

    The one definition of who sees a child: `child_visible` joins every audience's test
    in a `CASE` on $audience, `for_caller` keeps the caller's only.
    """
    p = person
    # Allocated to the viewer or to a worker who reports to them ($viewerReports, read
    # with the caller's worker record), or in the viewer's team's care: read from the
    # holders kept on the child (`keep_holders`), not from its relationships. FalkorDB
    # reads a pattern comprehension on every row as a plan of its own, ~13 us a
    # relationship type, and the holders' pattern was most of the rule's cost on each
    # person a case view shows; the two lists cost well under a microsecond.
    related = (
        f"(any(holder IN coalesce({p}.{ALLOCATED_HOLDERS}, [])"
        f" WHERE holder = $viewer OR holder IN $viewerReports)"
        f" OR ($viewerTeam IS NOT NULL"
        f" AND $viewerTeam IN coalesce({p}.{RESPONSIBLE_HOLDERS}, [])))"
    )
    internal = f"$viewAll OR ($viewerRelated AND {related})"
    police = (
        f"size([({p})<-[:CONCERNS]-(enquiry:MultiAgencyEnquiry {{status: 'OPEN'}})"
        f"-[:PARTY]->(force:Agency {{id: $agency}}) | 1]) > 0"
    )
    # In need, on a plan or looked after now: a care leaver is a former looked-after
    # child, whose care is not the school's to learn. Asked for a virtual school (a
    # looked-after pupil's personal education plan), looked after now only: a pupil in
    # need or on a plan is not the virtual school's business.
    in_need = f"CASE WHEN {ASKED_AS_VIRTUAL_SCHOOL} THEN 0 ELSE {open_case(p)} END"
    education = f"{on_roll(p)} AND {in_need} + {looked_after_now(p)} > 0"
    # Every record of the person the caller identified: the one carrying the NHS number
    # and any an EHM or IES record carrying it is linked to (until they are merged). A
    # record with a number of its own is another child's, whatever is linked to it: a
    # wrongly linked record must not hand health that child's plan on this number.
    health = (
        f"$identifiedBy IS NOT NULL AND ({p}.nhsNumber = $identifiedBy"
        f" OR ({p}.nhsNumber IS NULL"
        f" AND size([({p})<-[:LINKED_TO]-(heldBy:SourceRecord {{nhsNumber: $identifiedBy}})"
        f" | 1]) > 0))"
    )
    return {"internal": internal, "police": police, "education": education, "health": health}


def _rule(person: str, branches: dict[str, str], granted: str) -> str:
    """The `CASE` of the rule: merged, not a child, restricted, then `branches` in order.

    `branches` maps a condition on the caller to the test that decides; no branch whose
    condition holds means false. `granted` is the expression that lets an internal worker
    past a restriction (`false` where no grant can apply).
    """
    p = person
    tests = "".join(f" WHEN {condition} THEN {test}" for condition, test in branches.items())
    # A record merged into another is no one's to read: its history lives on the record
    # kept (graph/cypher/merging.py). Checked first: it is no longer a `Child`.
    return (
        f"CASE WHEN {p}:MergedChild THEN false"
        f" WHEN NOT {p}:Child THEN true"
        f" WHEN coalesce({p}.restricted, false) AND NOT ({granted}) THEN false"
        f"{tests}"
        f" ELSE false END"
    )


# Every variable name the rule has been written for: `for_caller` looks for those rules.
_RULE_PERSONS: set[str] = set()


@cache
def child_visible(person: str) -> str:
    """A boolean expression: whether the viewer may be shown `person`.

    A person who is not a child (a parent, a carer) is always true here: the rule is
    about children; what of an adult a partner sees is decided by the field policy.
    FalkorDB accepts pattern comprehensions in a `WITH` projection but not in `WHERE`,
    so use this in a projection (`WITH x, <expr> AS visible WHERE visible`), or through
    `only_visible`.

    The text holds every audience's branch, so it answers correctly for any caller. But
    FalkorDB evaluates every pattern comprehension of an expression for every row before
    the `CASE` picks a branch (eight pattern reads per child whoever asks), so the stores
    run `for_caller(statement, params)`: the same rule with the caller's branch only.
    """
    _RULE_PERSONS.add(person)
    branches = {
        f"$audience = '{audience}'": test for audience, test in _audience_rules(person).items()
    }
    return _rule(person, branches, grant_held(person))


@cache
def _caller_rule(person: str, audience: str, view_all: bool, related: bool) -> str:
    """`child_visible(person)` with only the branch of `audience` (and $viewAll,
    $viewerRelated) left.

    Each branch keeps the caller condition of the full rule, so a text chosen for one
    caller and run with another's parameters answers false, never true.
    """
    test = _audience_rules(person).get(audience)
    if test is None:
        return _rule(person, {}, "false")
    condition = f"$audience = '{audience}'"
    if audience != "internal":
        # A grant is only ever held by an internal worker (`grant_held`).
        return _rule(person, {condition: test}, "false")
    if view_all:
        return _rule(person, {f"{condition} AND $viewAll": "true"}, grant_held(person))
    if not related:
        return _rule(person, {}, "false")
    return _rule(person, {condition: test}, grant_held(person))


@lru_cache(maxsize=2048)
def _for_caller(statement: str, audience: str, view_all: bool, related: bool) -> str:
    for person in sorted(_RULE_PERSONS):
        full = child_visible(person)
        if full in statement:
            statement = statement.replace(full, _caller_rule(person, audience, view_all, related))
    return statement


def for_caller(statement: str, params: Mapping[str, Any] | None) -> str:
    """`statement` with each `child_visible` rule cut to the caller's audience.

    Chosen from the same parameters the statement runs with ($audience, $viewAll), so
    the answer is the full rule's; a statement without the rule, or parameters without
    an audience, is returned unchanged.
    """
    if not params or not isinstance(params.get("audience"), str):
        return statement
    return _for_caller(
        statement,
        params["audience"],
        params.get("viewAll") is True,
        params.get("viewerRelated") is not False,
    )


def only_visible(child: str, *carry: str) -> str:
    """A `WITH ... WHERE` clause keeping `child` only if the viewer may see it.

    Args:
        child: the variable bound to the child.
        carry: the other variables later clauses still need (a WITH drops the rest).
    """
    kept = ", ".join((child, *carry))
    # The Grant, MultiAgencyEnquiry, Referral and PeriodOfCare labels must exist before the
    # first read (their id indexes are declared at start-up): FalkorDB caches a plan made
    # while a comprehension's label was unknown and keeps answering [].
    return (
        f"WITH {kept}, {child_visible(child)} AS visibleToViewer\n"
        f"WHERE visibleToViewer\n"
        f"WITH {kept}"
    )


# Who the caller is in the authority's own record: role and team are read here on every
# request, never taken from the token's claims. A worker who has not started yet or has
# left (their record's dates) is not found. A worker in several teams is read as the
# first by id, deterministically. `reports` are the workers whose line management leads
# to the caller in one to four steps: the access rule's $viewerReports.
WORKER_RECORD = """
MATCH (w:Worker {id: $subject})
WHERE (w.startDate IS NULL OR w.startDate <= date($today))
  AND (w.endDate IS NULL OR w.endDate >= date($today))
OPTIONAL MATCH (w)-[:MEMBER_OF_TEAM]->(t:Team)
WITH w, t ORDER BY t.id
WITH w, collect(t.id)[0] AS team
OPTIONAL MATCH (report:Worker)-[:REPORTS_TO*1..4]->(w)
WITH w, team, collect(DISTINCT report.id) AS reports
RETURN w.role AS role, w.name AS name, team, reports
"""
