"""Every statement's plan seeks an index: none scans a label that grows with the county.

A statement that filters a property after matching a whole label reads every node of
it; at 300,000 children the case notes statement did that on every case view (188x
slower than the index seek). The engine's own plan (GRAPH.EXPLAIN) is the evidence, so
this walks every statement in `graph/cypher/` and fails on a scan of a large label. A
statement that must read a whole label (a yearly retention review, the demo's hints)
is listed in ALLOWED_SCANS with the reason.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from datetime import date
from typing import Any

import pytest

import graph.cypher
from graph import FalkorDBStore, GraphError

pytestmark = pytest.mark.anyio

# Labels with a node per child, per event or per document: thousands to millions.
LARGE_LABELS = frozenset(
    {
        "Person",
        "Child",
        "Adult",
        "Family",
        "Address",
        "Involvement",
        "Contact",
        "Referral",
        "PeriodOfCare",
        "Step",
        "JourneyEvent",
        "CaseNote",
        "File",
        "Folder",
        "Document",
        "DocumentVersion",
        "DocumentRead",
        "OutboxItem",
        "AuditEvent",
        "Notice",
        "MultiAgencyEnquiry",
        "Allocation",
        "ChildFact",
        "Grant",
        # A record per EHM or IES record ever taken in, and an event per link and unlink.
        "SourceRecord",
        "LinkEvent",
    }
)

# Statements that read a whole label on purpose; none runs on a request's hot path.
ALLOWED_SCANS = {
    "children.CHILDREN_WITHOUT_NAME_KEY": "the name key's one-off backfill (graph/names.py)",
    "partners.NHS_NUMBERS_ON_PLANS": "the demo's instructions, printed once at load",
    "records.ALL_RETENTION_FACTS": "the retention review reads every file by design",
    "records.DISPOSAL_REVIEW": "the retention review reads every file by design",
    "returns.LOOKED_AFTER_IDS": "a statutory return reads every period of care by design",
    "returns_cin.CHILDREN_IN_NEED_IDS": "a statutory return reads every episode by design",
    "housekeeping.DELETE_NODES_BATCH": "`demo --reset` empties the whole store, on purpose",
    "housekeeping.NODES_BY_LABEL": "the demo's summary counts every node once, at load",
    # KNOWN DEBT (issue 10): the suspected-duplicates list groups every child by date of
    # birth on each request; at county scale it wants a maintained duplicate queue.
    "linking.BIRTH_DATE_GROUPS": "known full scan of children for the duplicates list",
    # KNOWN DEBT, the same list: every record with an NHS number, grouped by the number.
    "linking.NHS_NUMBER_GROUPS": "known full scan of records for the duplicates list",
    "children.RECORDS_WITHOUT_NAME_KEY": "the name key's one-off backfill (graph/names.py)",
    # Export and migrations page by windows of node numbers; where the numbers end is read
    # once per export or migration run (the count alone comes from the engine's statistics).
    "backup.GRAPH_SIZE": "an export or migration finds the last node number once per run",
    "backup.ANY_NODE_LABELS": "`lcs-hub import` reads at most two nodes to refuse a used store",
}

# Whole-graph scans are never right, whatever the label.
_SCAN = re.compile(r"(?:Node By Label Scan \| \(\w+:(\w+)\)|(All Node Scan) \| \(\w+\))")
_PARAMETER = re.compile(r"\$(\w+)")
_LISTS = re.compile(
    r"(?:ids|Ids|rows|Keys|States|Classes|Labels|kinds|teams|workers|folders|targets|changes)$"
)
_FLAGS = frozenset({"identified", "confirmed", "withdrawn"})
_NUMBERS = frozenset(
    {"limit", "latest", "skip", "now", "revision", "version", "since_ms", "cutoff"}
)


def _statements() -> list[tuple[str, str]]:
    found = []
    for module_info in pkgutil.iter_modules(graph.cypher.__path__):
        module = importlib.import_module(f"graph.cypher.{module_info.name}")
        for name, value in vars(module).items():
            # Public upper-case strings that match are statements; `_NAME`s are fragments.
            public = name.isupper() and not name.startswith("_")
            if public and isinstance(value, str) and "MATCH" in value:
                found.append((f"{module_info.name}.{name}", value))
    return sorted(found)


def _parameters(statement: str, *, typed: bool) -> dict[str, Any]:
    # EXPLAIN plans without reading data, but folds constants: a parameter used as a
    # boolean or in date() must have a plausible type, so two spellings are tried.
    params: dict[str, Any] = {}
    for name in set(_PARAMETER.findall(statement)):
        if _LISTS.search(name):
            params[name] = ["x"]
        elif name in _NUMBERS:
            params[name] = 1
        elif name in _FLAGS:
            params[name] = True
        elif f"${name}." in statement:
            # A map of values ($subject.givenName): each field it is read for, a string.
            params[name] = {
                field: "2024-01-01" if typed else None
                for field in re.findall(rf"\${name}\.(\w+)", statement)
            }
        elif not typed:
            params[name] = None
        else:
            params[name] = "2024-01-01"
    return params


async def plan(store: FalkorDBStore, statement: str) -> list[str]:
    """The engine's plan for `statement`, with parameters of a plausible type."""
    try:
        return await store.explain(statement, _parameters(statement, typed=True))
    except GraphError:
        return await store.explain(statement, _parameters(statement, typed=False))


def large_scans(lines: list[str]) -> list[str]:
    """The plan's operations that read a whole large label, or the whole graph."""
    scans = []
    for line in lines:
        match = _SCAN.search(line)
        if match and (match.group(2) or match.group(1) in LARGE_LABELS):
            scans.append(line.strip())
    return scans


async def test_no_statement_scans_a_large_label(store: FalkorDBStore) -> None:
    statements = _statements()
    assert len(statements) > 100, "the walk found too few statements to be a check"
    scanning = {}
    for name, statement in statements:
        scans = large_scans(await plan(store, statement))
        if scans and name not in ALLOWED_SCANS:
            scanning[name] = scans
    assert scanning == {}


async def test_the_allowed_scans_still_exist_and_still_scan(store: FalkorDBStore) -> None:
    # An entry that no longer scans (or no longer exists) would hide a future regression.
    statements = dict(_statements())
    for name in ALLOWED_SCANS:
        assert large_scans(await plan(store, statements[name])), name


async def test_the_check_sees_a_scan(store: FalkorDBStore) -> None:
    # The case notes statement as it was: the filter on the note made the engine start
    # from every CaseNote. The check must catch exactly that.
    before = """
    UNWIND $ids AS childId
    MATCH (c:Child {id: childId})<-[:ABOUT]-(n:CaseNote)
    WHERE coalesce(n.current, true) = true
    RETURN n.id AS id
    """
    assert large_scans(await plan(store, before)) == ["Node By Label Scan | (n:CaseNote)"]
    assert large_scans(await plan(store, "MATCH (n) WHERE n.id = $id RETURN n")) != []


async def test_the_import_statements_built_per_shape_seek_the_import_index(
    store: FalkorDBStore,
) -> None:
    # Built from the file's labels and types, so the walk above cannot see them.
    from graph.cypher.backup import create_nodes, create_relationships

    nodes = create_nodes(("Person", "Child"), ("dateOfBirth",))
    assert large_scans(await plan(store, nodes)) == []
    relationships = await plan(store, create_relationships("ABOUT", ("since",)))
    assert large_scans(relationships) == []
    seeks = [line.strip() for line in relationships if "Node By Index Scan" in line]
    assert seeks == [
        "Node By Index Scan | (a:ImportedNode)",
        "Node By Index Scan | (b:ImportedNode)",
    ]


class _Explaining:
    """The store, keeping the engine's plan of each statement it runs, with its parameters."""

    engine = "falkordb"

    def __init__(self, store: FalkorDBStore) -> None:
        self.store = store
        self.plans: list[list[str]] = []

    async def read(self, statement: str, params: dict[str, Any] | None = None) -> list[Any]:
        self.plans.append(await self.store.explain(statement, params))
        return await self.store.read(statement, params)

    async def write(self, statement: str, params: dict[str, Any] | None = None) -> list[Any]:
        self.plans.append(await self.store.explain(statement, params))
        return await self.store.write(statement, params)


@pytest.mark.parametrize(
    "identifiers",
    [{}, {"nhs_number": "9434765919"}, {"upn": "A123456789012"}],
    ids=["names only", "NHS number", "UPN"],
)
async def test_matching_a_record_seeks_indexes_whatever_identifiers_it_lacks(
    store: FalkorDBStore, identifiers: dict[str, str]
) -> None:
    # The walk above plans each statement with every parameter given a value; matching
    # runs with the parameters of the record, and most EHM and IES records have no NHS
    # number or UPN. The engine ran `c.nhsNumber = $nhsNumber` with a null parameter as
    # a scan of every child and of every record taken in before (SourceRecord), so each
    # record of a push cost more than the one before it. Matching scans no label at all.
    from workflow.linking import find_candidates
    from workflow.matching import PersonDetails

    explaining = _Explaining(store)
    details = PersonDetails(
        given_name="Amir", family_name="Haddad", date_of_birth=date(2017, 2, 20), **identifiers
    )

    await find_candidates(explaining, details)  # type: ignore[arg-type]

    assert explaining.plans, "matching ran no statement"
    scans = [line.strip() for lines in explaining.plans for line in lines if _SCAN.search(line)]
    assert scans == []
