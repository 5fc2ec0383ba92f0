"""Probes outside the schema walk, as a partner or a worker probing for what they may not
see would send them: a hidden child, record, household or document answers exactly like a
missing one at every root and mutation taking an id (whole responses compared, errors and
their extensions too); `_entities` with every entity type's representation of what the
caller may not see; aliases and fragments re-entering a child from another path; a
partner's introspection of the types it lacks; batches and persisted queries."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import httpx
import pytest
from graphql import GraphQLInputObjectType

from auth.capabilities import ROLE_CAPABILITIES, Capability
from auth.principal import Audience
from demo import county, personas
from graph import FalkorDBStore
from hub.settings import Settings
from schema.build import ENTITY_TYPES, build_schema
from tests.e2e import test_no_leaks as walks
from tests.e2e.schema_walk import SchemaWalk, required, unwrap
from tests.helpers import bearer, graphql
from workflow.identifiers import upn_check_letter
from workflow.ids import now_ms

pytestmark = pytest.mark.anyio

demo = walks.demo  # the county every leak walk runs on
settings = walks.settings  # and its cost bound

# The arguments whose values name something of a child's, each given a missing twin: a
# child's, a record's (an argument named for its kind, `caseId`, `periodOfCareId`), a
# file's, a form's, a source record's, an entity's, a number.
_NAMING = ("childId", "childIds", "id", "keep", "merge", "merged", "fileId", "versionId")
_NAMING += ("recordId", "representations", "nhsNumber", "upn", "term")
# Ids naming no child's record: the same real value in both calls, so only what names a
# child differs between them.
_NOT_A_CHILD_S = {
    "workerId": ["worker-sw-demo"],
    "managerId": ["worker-tm-demo"],
    "teamId": [personas.SAFEGUARDING_TEAM],
    "agencyId": [personas.POLICE_FORCE],
    "agencyIds": [[personas.POLICE_FORCE, personas.LOCAL_AUTHORITY]],
    "householdId": ["household-none"],
    "itemId": ["item-none"],
    "templateKey": ["contact_record"],
}
# A record kind an argument names by another word than its label: a case and a case
# note's episode are a referral's; a form is made from a contact among others.
_KIND_ALIASES = {"case": "referral", "episode": "referral", "source": "contact"}
# Each root or mutation is called with this many of each value its arguments can take:
# one of each kind of record, the rest a few hidden children (the walk stays in minutes).
_MOST_CHOICES = 4


def _names(argument: Any) -> set[str]:
    """The argument's own name and every input field name below it."""
    found: set[str] = set()
    inner = unwrap(argument.type)
    stack = [inner] if isinstance(inner, GraphQLInputObjectType) else []
    seen: set[str] = set()
    while stack:
        input_type = stack.pop()
        if input_type.name in seen:
            continue
        seen.add(input_type.name)
        for name, input_field in input_type.fields.items():
            found.add(name)
            below = unwrap(input_field.type)
            if isinstance(below, GraphQLInputObjectType):
                stack.append(below)
    return found


def _names_a_record(name: str) -> bool:
    return name in _NAMING or (name.endswith("Id") and name not in _NOT_A_CHILD_S)


def _twin(value: Any, taken: set[str]) -> Any:
    """A value shaped as `value` naming nothing: its last digit changed (or a letter
    added) until no record has it."""
    if isinstance(value, list):
        return [_twin(item, taken) for item in value]
    if isinstance(value, dict):
        return {key: _twin(item, taken) if key == "id" else item for key, item in value.items()}
    for digit in "987654321":
        twin = re.sub(r"\d(?=\D*$)", digit, value) if re.search(r"\d", value) else value + "x"
        if twin != value and twin not in taken:
            return twin
    raise AssertionError(value)


def _nhs_numbers(count: int, taken: set[str]) -> list[str]:
    """Valid NHS numbers (modulus 11) no child has."""
    found = []
    for serial in range(1000, 2000):
        base = f"94{serial:07d}"
        check = 11 - sum(int(d) * (10 - n) for n, d in enumerate(base)) % 11
        number = base + str(0 if check == 11 else check)
        if check != 10 and number not in taken:
            found.append(number)
        if len(found) == count:
            return found
    raise AssertionError(count)


def _said_back(text: str, asked: dict[str, Any], twin: dict[str, Any]) -> str:
    """`text` (the missing twin's answer) with each value asked put back as the hidden
    one's: an answer may say back what it was asked."""
    for hidden, missing in zip(
        json.dumps(asked).split('"'), json.dumps(twin).split('"'), strict=True
    ):
        if hidden != missing:
            text = text.replace(missing, hidden)
    return text


# Every record about a child (a process, a step, a note, a notice), by its kind.
_RECORDS_ABOUT = (
    "UNWIND $ids AS id MATCH (:Child {id: id})<-[:ABOUT]-(r) WHERE r.id IS NOT NULL"
    " RETURN labels(r)[0] AS kind, collect(DISTINCT r.id) AS ids"
)


_PROCESSES = [
    "Assessment",
    "Section47Enquiry",
    "InitialChildProtectionConference",
    "ChildProtectionPlan",
    "ChildInNeedPlan",
    "PeriodOfCare",
    "AdoptionPlan",
]
_RESTRICT_ONE_OF_EACH_KIND = f"""
UNWIND {_PROCESSES!r} AS kind
MATCH (c:Child)<-[:ABOUT]-(r)
WHERE kind IN labels(r)
WITH kind, min(c.id) AS first
MATCH (c:Child {{id: first}})
SET c.restricted = true
"""


async def _records_by_kind(store: FalkorDBStore, children: list[str]) -> dict[str, list[str]]:
    """The records about `children`, by the lower-cased label of their kind."""
    rows = await store.read(_RECORDS_ABOUT, {"ids": children})
    return {row["kind"].lower(): sorted(row["ids"]) for row in rows}


def _by_argument(by_kind: dict[str, list[str]]) -> dict[str, list[str]]:
    """Records by the argument naming their kind (`referralId`, and `caseId` for it);
    an argument named by the end of a label (`conferenceId`) finds it by `_kinds_for`."""
    found = {f"{kind}Id": ids[:2] for kind, ids in by_kind.items()}
    found |= {f"{alias}Id": by_kind.get(kind, [])[:2] for alias, kind in _KIND_ALIASES.items()}
    return found


async def _hidden_and_missing(
    store: FalkorDBStore, values: dict[str, list[Any]], allowed: set[str]
) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """What the caller may not see (children, records of every kind, files, forms,
    numbers, their households and the adults in them, by every entity type) and a missing
    twin of each."""
    hidden = await walks._forbidden_values(store, values, allowed)
    everyone = await store.read("MATCH (c:Child) WHERE NOT c:MergedChild RETURN c.id AS id")
    others = sorted(row["id"] for row in everyone if row["id"] not in allowed)
    # Children of the whole county the caller may not see: their records hold every kind
    # a mutation takes (plans, periods of care, conferences, adoption plans).
    by_kind = await _records_by_kind(store, others)
    households = await store.read(
        "MATCH (f:Family)<-[:MEMBER_OF]-(p)"
        " WITH f, collect(p) AS members"
        " WHERE none(m IN members WHERE m.id IN $allowed)"
        " RETURN f.id AS family, [m IN members WHERE NOT m:Child | m.id] AS adults",
        {"allowed": sorted(allowed)},
    )
    children = hidden["childId"] + [child for child in others if child not in hidden["childId"]]
    hidden["childId"] = children[:_MOST_CHOICES]
    hidden["childIds"] = [[child] for child in hidden["childId"]]
    hidden["keep"] = hidden["merge"] = hidden["merged"] = hidden["childId"]
    keys = children[:_MOST_CHOICES] + [ids[0] for ids in by_kind.values()]
    keys += [row["family"] for row in households][:2]
    keys += [adult for row in households for adult in row["adults"]][:2]
    hidden["id"] = keys
    # Every entity type with every key, in one request: the answer is compared whole.
    hidden["representations"] = [
        [{"__typename": entity.__name__, "id": key} for entity in ENTITY_TYPES for key in keys]
    ]
    hidden |= _by_argument(by_kind)
    hidden = {name: ids for name, ids in hidden.items() if ids or not name.endswith("Id")}
    rows = await store.read("MATCH (n) WHERE n.id IS NOT NULL RETURN n.id AS id")
    taken = {row["id"] for row in rows}
    missing = {
        name: [_twin(value, taken) for value in options] if _names_a_record(name) else options
        for name, options in hidden.items()
    }
    numbers = {row["n"] for row in await store.read("MATCH (c:Child) RETURN c.nhsNumber AS n")}
    missing["nhsNumber"] = missing["term"] = _nhs_numbers(len(hidden["nhsNumber"]), numbers)
    # A UPN's twin keeps its check letter right, or it would be refused as mistyped.
    missing["upn"] = [upn_check_letter(twin[1:]) + twin[1:] for twin in _twin(hidden["upn"], taken)]
    return hidden | _NOT_A_CHILD_S, missing | _NOT_A_CHILD_S


async def _versions(store: FalkorDBStore, hidden: dict[str, list[Any]]) -> dict[str, int]:
    """The version of each hidden record that has one (what a mutation of it is sent)."""
    ids = sorted({key for name, keys in hidden.items() if name.endswith("Id") for key in keys})
    rows = await store.read(
        "UNWIND $ids AS key MATCH (r {id: key}) WHERE r.version IS NOT NULL"
        " RETURN r.id AS id, r.version AS version",
        {"ids": [key for key in ids if isinstance(key, str)]},
    )
    return {row["id"]: row["version"] for row in rows}


def _kinds_for(name: str, hidden: dict[str, list[Any]]) -> str | None:
    """The name in `hidden` whose values an argument `name` takes: its own, or the kind
    of record whose label ends as the argument's name does (`conferenceId` takes an
    `InitialChildProtectionConference`)."""
    if name in hidden:
        return name
    if name.endswith("Id"):
        stem = name[:-2].lower()
        return next((kind for kind in hidden if kind.lower()[:-2].endswith(stem)), None)
    return None


async def probe_hidden_as_missing(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    demo: county.County,
    walkers: tuple[walks.Walker, ...],
) -> None:
    """Each walker (a partner, a member of staff) once every grant has ended: every root
    and mutation taking an id of what they may not see (a child, a record of any kind,
    a file, a form, a household or an adult of it, a number) answers as one naming
    nothing, body for body, errors and their extensions too; and nothing is written."""
    scene = await walks._set_scene(client, settings, store, demo)
    await store.write(walks.END_GRANTS)
    # A child with each kind of process restricted too (the demo's are Sam's team's):
    # every mutation of a process is then asked with one hidden from everyone.
    await store.write(_RESTRICT_ONE_OF_EACH_KIND)
    # A partner's read of a child tells the allocated worker: notices to probe.
    await graphql(client, bearer(settings, "police"), "{ enquiryChildren { id } }")
    differ: list[Any] = []
    written: list[Any] = []
    probed: dict[str, set[str]] = {}
    for persona, audience, purpose in walkers:
        headers = _headers(settings, persona, audience, purpose)
        allowed = await _admitted(store, scene.values, audience, persona, purpose)
        hidden, missing = await _hidden_and_missing(store, scene.values, allowed)
        _theirs_to_read(_role(persona, purpose), hidden, missing)
        schema = await walks._schema_of(client, headers)
        versions = await _versions(store, hidden)
        before = await walks._snapshot(store)
        for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
            for name, root_field in root.fields.items() if root else ():
                if name in _WORKFORCE or (name, _role(persona, purpose)) in _ACTS_UNSEEN:
                    continue
                arguments = {
                    inner: found
                    for arg, value in root_field.args.items()
                    if required(value)
                    for inner in {arg} | _names(value)
                    if (found := _kinds_for(inner, hidden))
                }
                named = {found for inner, found in arguments.items() if _names_a_record(inner)}
                if not named:
                    continue
                probed.setdefault(persona + (purpose or ""), set()).add(name)
                choices = max(len(hidden[found]) for found in named)
                if name not in ("child", "case"):
                    choices = min(choices, _MOST_CHOICES * 4)
                # A record's own version with it: a check of the version before the row
                # rule would tell a hidden record from a missing one.
                record = next((found for found in named if found.endswith("Id")), None)
                current = {"version": [versions.get(key, 1) for key in hidden.get(record) or []]}
                for choice in range(choices):
                    answers = [
                        await _ask(
                            client,
                            headers,
                            SchemaWalk(
                                schema,
                                values
                                | {k: values[v] for k, v in arguments.items()}
                                | (current if record else {}),
                            ),
                            f"{kind} {name}",
                            choice,
                        )
                        for values in (hidden, missing)
                    ]
                    (status, text, asked), (twin_status, twin_text, twin) = answers
                    if (status, text) != (twin_status, _said_back(twin_text, asked, twin)):
                        differ.append((persona, purpose, name, asked, text[:400], twin_text[:400]))
        after = await walks._snapshot(store)
        if after != before:
            written.append((persona, purpose, after.changed_since(before)[:5]))
    assert not written, written
    assert not differ, "\n".join(map(repr, differ))
    # The probe reaches every kind of record: a process, a step, a form, a file, a trail.
    for who, roots in probed.items():
        if who in ("social-worker", "records-officer", "administrator"):
            assert {
                "child",
                "_entities",
                "accessTrail",
                "periodOfCare",
                "adoptionPlan",
                "documentContent",
                "recordContact",
                "decideReferral",
                "holdReviewConference",
                "changePlacement",
                "correctCareStepDate",
                "recordPlacementOrder",
                "generateForm",
                "mergeChildren",
            } <= roots, (who, sorted(roots))
    if "health" in probed:
        assert {"cpisLookup", "notifyDomesticAbuseIncident"} <= probed["health"] | probed["police"]


async def _ask(
    client: httpx.AsyncClient, headers: dict[str, str], walk: SchemaWalk, root: str, choice: int
) -> tuple[int, str, dict[str, Any]]:
    """`root` ("query child") called with the `choice`-th of each value its arguments
    take, selecting what can name a child below it: the status, the body and the
    variables sent."""
    kind, name = root.split()
    operation_type = walk.schema.query_type if kind == "query" else walk.schema.mutation_type
    assert operation_type is not None
    root_field = operation_type.fields[name]
    selection = walk.selection(unwrap(root_field.type), 3) or "__typename"
    nested = dict(walk.variables)
    walk.variables = {}
    passed = walk.arguments(root_field, choice, prefix="root")
    walk.variables |= nested
    operation = f"{kind} {walk.declared()} {{ {name}{passed} {{ {selection} }} }}"
    variables = {key: value for key, (_, value) in walk.variables.items()}
    response = await client.post(
        "/graphql", json={"query": operation, "variables": variables}, headers=headers
    )
    # A request's own id is the one field that differs by design.
    return (
        response.status_code,
        re.sub(r'"requestId":"[^"]*"', '"requestId":""', response.text),
        variables,
    )


# A mutation whose job is a record its caller may not read: a records officer or an
# administrator grants a worker access to a restricted child (README "Who sees what").
_ACTS_UNSEEN = {
    ("grantRecordAccess", "records_officer"),
    ("grantRecordAccess", "system_administrator"),
}


# The workforce's own records (a worker, a team, an agency) are named by `id` too: no
# child's record is among them.
_WORKFORCE = {"worker", "saveWorker", "saveTeam", "saveAgency"}


def _theirs_to_read(role: str, hidden: dict[str, Any], missing: dict[str, Any]) -> None:
    """Leaves out of the hidden values what the role reads whoever it is about."""
    if Capability.LINK_RECORDS in ROLE_CAPABILITIES[role]:
        # Deciding which child an EHM or IES record is about is the records officer's
        # job: every record is theirs to read, a child they may not see counted in it,
        # never named (README "EHM and IES on the child").
        del hidden["recordId"], missing["recordId"]


def _role(persona: str, purpose: str | None) -> str:
    if purpose in walks.OTHER_STAFF:
        return walks.OTHER_STAFF[purpose][1]
    return personas.BY_NAME[persona].role


def _headers(
    settings: Settings, persona: str, audience: Audience, purpose: str | None
) -> dict[str, str]:
    if persona in personas.BY_NAME and purpose is None:
        return bearer(settings, persona)
    return walks._headers(settings, persona, audience, purpose)


async def _admitted(
    store: FalkorDBStore,
    values: dict[str, list[Any]],
    audience: Audience,
    persona: str,
    purpose: str | None,
) -> set[str]:
    """The walker's rule (test_no_leaks.py's), for a demo member of staff too."""
    staff = personas.BY_NAME.get(persona)
    if audience is not Audience.INTERNAL or purpose is not None or persona == "social-worker":
        return await walks._admitted(store, values, audience, purpose)
    assert staff is not None
    if staff.role in ("system_administrator", "system_client"):
        # Neither role reads a child through anything.
        return set()
    rows = await store.read(
        walks.STAFF_CHILDREN,
        {
            "readsAll": staff.role in ("performance_analyst", "records_officer"),
            "worker": staff.subject,
            "team": staff.team,
        },
    )
    granted = await store.read(walks.GRANTS, {"worker": staff.subject, "now": now_ms()})
    held = {row["id"] for row in granted}
    return {row["id"] for row in rows if not row["restricted"] or row["id"] in held}


async def no_personal_data_logged_or_scraped(
    client: httpx.AsyncClient, store: FalkorDBStore, caplog: pytest.LogCaptureFixture
) -> None:
    """No child's id, name, NHS number or UPN in any log record of the test (its message
    or any attribute) nor in a scrape of /metrics."""
    assert caplog.records, "nothing was logged: the check would pass vacuously"
    logged = "\n".join(
        f"{record.getMessage()} {sorted(map(str, vars(record).values()))}"
        for record in caplog.records
    )
    scraped = (await client.get("/metrics")).text
    assert "graphql" in scraped, scraped[:200]
    rows = await store.read(
        "MATCH (c:Child) RETURN [c.id, c.givenName + ' ' + c.familyName, c.nhsNumber, c.upn]"
        " AS secrets"
    )
    secrets = {secret for row in rows for secret in row["secrets"] if secret}
    assert not {secret for secret in secrets if secret in logged}, "logged"
    assert not {secret for secret in secrets if secret in scraped}, "scraped"


async def test_a_hidden_record_answers_exactly_as_a_missing_one_at_every_root_and_mutation(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    demo: county.County,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Sam and every partner, once the grants have ended: every root and mutation taking
    an id of what they may not see (a restricted sibling, a child moved to another team,
    any child outside their rule, each kind of record of theirs, files, forms,
    households and adults) answers as one naming nothing, body for body. The other staff
    probe in test_leak_probes_staff.py, beside this."""
    caplog.set_level(logging.DEBUG)
    await probe_hidden_as_missing(client, settings, store, demo, walks.SAM_AND_PARTNERS)
    await no_personal_data_logged_or_scraped(client, store, caplog)


async def test_a_partner_s_introspection_names_no_type_it_lacks(
    client: httpx.AsyncClient, settings: Settings, demo: county.County
) -> None:
    """Asked by name, each type of the internal schema a partner's lacks is not there, as
    a type no schema has is not; a field it lacks is refused as one nobody has."""
    internal = build_schema(Audience.INTERNAL)._schema.type_map
    for persona, audience in (
        ("police", Audience.POLICE),
        ("education", Audience.EDUCATION),
        ("health", Audience.HEALTH),
    ):
        headers = bearer(settings, persona)
        partner = build_schema(audience)._schema.type_map
        hidden = sorted(name for name in internal if name not in partner)
        assert "CaseNote" in hidden, audience
        query = "query ($n: String!) { __type(name: $n) { name fields { name } } }"
        for name in [*hidden, "NoSuchType"]:
            answer = await graphql(client, headers, query, {"n": name})
            assert answer == {"__type": None}, (audience, name)
        refusals = []
        for field in ("caseNotes", "noSuchField"):
            response = await client.post(
                "/graphql", json={"query": f"{{ me {{ {field} }} }}"}, headers=headers
            )
            refusals.append(response.text.replace(field, "FIELD"))
        assert refusals[0] == refusals[1], (audience, refusals)


async def test_aliases_and_fragments_re_entering_a_child_keep_to_the_force_s_rule(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    """The same children asked for under aliases, through fragments on `Child` and
    `Person`, and back in through each relative's household: only the force's."""
    scene = await walks._set_scene(client, settings, store, demo)
    police = bearer(settings, "police")
    query = """
      query {
        a: enquiryChildren { ...C }
        b: enquiryChildren { family { members { person { ...P } } } ...C }
      }
      fragment C on Child { id givenName family { id members { person { ...P } } } }
      fragment P on Person { __typename id kind givenName familyName dateOfBirth }
    """
    answer = await graphql(client, police, query)
    allowed = await walks._admitted(store, scene.values, Audience.POLICE, None)
    named, mentions = walks._children_named(answer)
    assert named, "the probe must see some children to mean anything"
    assert named <= allowed, sorted(named - allowed)
    assert await walks._identified(store, mentions, allowed) <= allowed
    assert walks.OUT_OF_ENQUIRY not in json.dumps(answer)


async def test_a_batch_or_a_persisted_query_is_refused_and_reads_nothing(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    """The hub takes one operation a request: a list of them, or a hash standing for a
    query it was never sent, is refused before anything is read (no read is audited)."""
    headers = bearer(settings, "police")
    operation = {"query": "{ enquiryChildren { id givenName } }"}
    bodies: list[Any] = [
        [operation, operation],
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
    ]
    for body in bodies:
        response = await client.post("/graphql", json=body, headers=headers)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["data"] is None
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert await store.read(walks.AUDITED) == []


async def test_a_query_sent_as_a_get_keeps_to_the_same_rule_and_a_mutation_is_refused(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    headers = bearer(settings, "police")
    query = "{ enquiryChildren { id family { members { person { id kind } } } } }"
    posted = await graphql(client, headers, query)
    got = await client.get("/graphql", params={"query": query}, headers=headers)
    assert got.status_code == 200, got.text
    assert got.json() == {"data": posted}
    mutation = (
        'mutation { notifyDomesticAbuseIncident(incident: {forceReference: "x",'
        ' occurredAt: "2026-11-01T10:00:00Z", children: []}) { __typename } }'
    )
    refused = await client.get("/graphql", params={"query": mutation}, headers=headers)
    assert refused.status_code in (400, 405), refused.text
    assert refused.json().get("data") is None


def _search_terms(child: dict[str, Any]) -> list[str]:
    """Every way a worker might type what they know of a child: each prefix of the family
    name, the given name, both names, the NHS number and UPN as typed in a hurry."""
    family = child["familyName"]
    terms = [family[:length] for length in range(1, len(family) + 1)]
    terms += [child["givenName"], f"{child['givenName']} {family}", family.upper()]
    if child.get("nhsNumber"):
        number = child["nhsNumber"]
        terms += [number, f"{number[:3]} {number[3:6]} {number[6:]}", number[:6]]
    if child.get("upn"):
        terms += [child["upn"], f" {child['upn'].lower()} ", child["upn"][:7]]
    return terms


async def test_a_search_by_any_part_of_a_hidden_child_names_only_children_the_caller_may_see(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    """Prefixes of a hidden child's family name, their given name, their NHS number or
    UPN however written: every member of staff who can search is answered with children
    of their own rule only (a hidden child takes no place a visible one would have)."""
    scene = await walks._set_scene(client, settings, store, demo)
    await store.write(walks.END_GRANTS)
    query = "query ($t: String!) { searchChildren(term: $t) { id } }"
    searched = 0
    for persona, audience, purpose in walks.SAM_AND_PARTNERS + tuple(
        (persona, Audience.INTERNAL, None)
        for persona in ("team-manager", "practitioner", "records-officer", "analyst")
    ):
        if audience is not Audience.INTERNAL:
            continue
        headers = _headers(settings, persona, audience, purpose)
        allowed = await _admitted(store, scene.values, audience, persona, purpose)
        hidden = [child for child in scene.values["childId"] if child not in allowed]
        assert walks.RESTRICTED in hidden, persona
        rows = await store.read(
            "UNWIND $ids AS id MATCH (c:Child {id: id})"
            " RETURN c {.id, .givenName, .familyName, .nhsNumber, .upn} AS child",
            {"ids": hidden},
        )
        for row in rows:
            for term in _search_terms(row["child"]):
                found = await graphql(client, headers, query, {"t": term})
                named = {child["id"] for child in found["searchChildren"]}
                assert named <= allowed, (persona, term, sorted(named - allowed))
                searched += 1
    assert searched > 50, searched


async def test_a_call_naming_the_caller_s_record_and_a_hidden_one_answers_as_with_a_missing_one(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    """A mutation naming two records (a contact and the child it moves to, a child and the
    contact a form is made from, a note's child and its episode, the two records of a
    merge, an enquiry's children) with the caller's own in every place but one and, in
    that one, a hidden record: answered as with a missing one there, and writing nothing
    the missing one would not."""
    scene = await walks._set_scene(client, settings, store, demo)
    await store.write(walks.END_GRANTS)
    await store.write(_RESTRICT_ONE_OF_EACH_KIND)
    differ: list[Any] = []
    mixed: set[str] = set()
    for persona in ("social-worker", "team-manager", "records-officer"):
        headers = bearer(settings, persona)
        allowed = await _admitted(store, scene.values, Audience.INTERNAL, persona, None)
        hidden, missing = await _hidden_and_missing(store, scene.values, allowed)
        _theirs_to_read(_role(persona, None), hidden, missing)
        children = [child for child in scene.values["childId"] if child in allowed][:2]
        own = await walks._values_about(store, children)
        own |= _by_argument(await _records_by_kind(store, children))
        own |= {"childIds": [children], "keep": children, "merge": children[::-1]}
        own |= _NOT_A_CHILD_S
        schema = await walks._schema_of(client, headers)
        assert schema.mutation_type is not None
        for name, mutation in schema.mutation_type.fields.items():
            if name in _WORKFORCE or (name, _role(persona, None)) in _ACTS_UNSEEN:
                continue
            naming = sorted(
                {
                    inner
                    for arg, value in mutation.args.items()
                    for inner in {arg} | _names(value)
                    if _names_a_record(inner) and _kinds_for(inner, own)
                }
            )
            if len(naming) < 2:
                continue
            for inner in naming:
                if not _kinds_for(inner, hidden):
                    continue
                mixed.add(name)
                answers = []
                for values in (hidden, missing):
                    before = await walks._snapshot(store)
                    chosen = own | {
                        other: own[found]
                        for other in naming
                        if (found := _kinds_for(other, own)) and other != inner
                    }
                    chosen[inner] = values[_kinds_for(inner, values) or inner]
                    walk = SchemaWalk(schema, chosen, optional=frozenset(naming))
                    status, text, asked = await _ask(client, headers, walk, f"mutation {name}", 0)
                    written = (await walks._snapshot(store)).changed_since(before)
                    answers.append((status, text, asked, len(written)))
                (status, text, asked, wrote), (twin_status, twin_text, twin, twin_wrote) = answers
                said = _said_back(twin_text, asked, twin)
                if (status, text, wrote) != (twin_status, said, twin_wrote):
                    differ.append((persona, name, inner, asked, text[:300], twin_text[:300]))
    assert not differ, "\n".join(map(repr, differ))
    assert {"moveContact", "generateForm", "addCaseNote", "mergeChildren"} <= mixed, mixed


_NOTIFY = """
mutation ($i: DomesticAbuseIncidentInput!) { notifyDomesticAbuseIncident(incident: $i) {
  __typename ... on IncidentNotified { occurredAt children { position outcome reason } }
  ... on InvalidInput { problems { field rule } } } }
"""
# How a force may name a child: by either number, by names and birth, by everything.
_NAMED_BY = {
    "nhsNumber": ("nhsNumber",),
    "upn": ("upn",),
    "names and birth": ("givenName", "familyName", "dateOfBirth"),
    "everything": ("nhsNumber", "upn", "givenName", "familyName", "dateOfBirth"),
}


async def test_police_learn_nothing_of_a_child_once_their_enquiry_has_closed(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    """Police have no notices root; what they learn of a child is `enquiryChildren` and
    the answer to an incident report. Once the force's enquiry has closed, neither tells
    its children from a child still in an open enquiry, a restricted one, one never in
    one, or one the authority has no record of."""
    scene = await walks._set_scene(client, settings, store, demo)
    await walks._between_the_walks(client, settings, store, scene)
    police = bearer(settings, "police")
    listed = await graphql(client, police, "{ enquiryChildren { id } }")
    assert {child["id"] for child in listed["enquiryChildren"]} >= set(scene.still_in_enquiry)
    assert not {child["id"] for child in listed["enquiryChildren"]} & set(scene.leaving_enquiry)
    children = [
        *scene.leaving_enquiry[:1],
        *scene.still_in_enquiry[:1],
        walks.RESTRICTED,
        walks.OUT_OF_ENQUIRY,
    ]
    rows = await store.read(
        "UNWIND $ids AS id MATCH (c:Child {id: id})"
        " RETURN c {.givenName, .familyName, .dateOfBirth, .nhsNumber, .upn} AS child",
        {"ids": children},
    )
    people = [row["child"] | {"dateOfBirth": str(row["child"]["dateOfBirth"])} for row in rows]
    taken = {row["id"] for row in await store.read("MATCH (n) RETURN n.id AS id")}
    numbers = {row["n"] for row in await store.read("MATCH (c:Child) RETURN c.nhsNumber AS n")}
    [nhs] = _nhs_numbers(1, numbers)
    [upn] = [upn_check_letter(twin[1:]) + twin[1:] for twin in _twin([people[0]["upn"]], taken)]
    people.append(
        {"givenName": "Nobody", "familyName": "Known", "dateOfBirth": "2016-03-04"}
        | {"nhsNumber": nhs, "upn": upn}
    )
    for shape, fields in _NAMED_BY.items():
        answers = set()
        for n, person in enumerate(people):
            child = {name: person[name] for name in fields} | {"present": True}
            incident = {
                "forceReference": f"LEAK/CLOSED/{shape.replace(' ', '-')}/{n}",
                "occurredAt": "2026-11-01T22:00:00Z",
                "children": [child],
            }
            response = await client.post(
                "/graphql", json={"query": _NOTIFY, "variables": {"i": incident}}, headers=police
            )
            answers.add(response.text)
        assert len(answers) == 1, (shape, answers)
        assert "IncidentNotified" in answers.pop(), shape


async def test_a_partner_s_http_surface_says_no_more_than_its_schema(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    """As each partner: no cross-origin grant (a page elsewhere cannot read an answer with
    the partner's token), a body of another content type refused before anything is read,
    and an error page that does not say back the child id in its path."""
    await walks._set_scene(client, settings, store, demo)
    query = "{ enquiryChildren { id } }"
    for persona in ("police", "education", "health"):
        headers = bearer(settings, persona)
        elsewhere = {**headers, "Origin": "https://elsewhere.example"}
        preflight = await client.options(
            "/graphql", headers={**elsewhere, "Access-Control-Request-Method": "POST"}
        )
        posted = await client.post("/graphql", json={"query": query}, headers=elsewhere)
        for response in (preflight, posted):
            granted = [name for name in response.headers if name.startswith("access-control-")]
            assert not granted, (persona, response.request.method, granted)
        await store.write("MATCH (e:AuditEvent) DETACH DELETE e")
        for content_type, body in (
            ("application/graphql", query),
            ("text/plain", json.dumps({"query": query})),
            ("application/x-www-form-urlencoded", f"query={query}"),
        ):
            refused = await client.post(
                "/graphql", content=body, headers={**headers, "Content-Type": content_type}
            )
            assert refused.status_code == 400, (persona, content_type, refused.text)
            assert refused.json()["data"] is None, (persona, content_type)
        assert await store.read(walks.AUDITED) == [], persona
        lost = await client.get(f"/children/{walks.RESTRICTED}", headers=headers)
        assert lost.status_code == 404, (persona, lost.text)
        assert walks.RESTRICTED not in lost.text, persona
