"""Export and import of the whole graph (`lcs-hub export` / `lcs-hub import`).

Export pages through the graph by the engine's node number, a window of numbers at a
time: `id(n)` is the one key every node has (audit events and notices have no indexed
key) and the one FalkorDB seeks directly (NodeByIdSeek), so each page costs its own size,
never a scan. The number is only a reference inside one export file; the portable rule
against `id()` is about matching records, which nothing here does.

Import creates each node with the temporary label `ImportedNode` and its export number
as `importRef` (indexed, graph/vocabulary.py), so relationships find their ends by an
index seek; both are removed once every relationship is in. Labels, relationship types
and property names cannot be parameters in Cypher, so the writing statements are built
per shape by the functions below, from names checked to be plain identifiers.
"""

from __future__ import annotations

import re

IMPORT_LABEL = "ImportedNode"
IMPORT_KEY = "importRef"

# The whole store's size and the highest node number: where the paging stops. Counts are
# answered from the engine's statistics; the highest number reads every node once.
GRAPH_SIZE = """
MATCH (n)
RETURN count(n) AS nodes, max(id(n)) AS lastNode
"""

RELATIONSHIP_COUNT = """
MATCH ()-[r]->()
RETURN count(r) AS relationships
"""

NODES_PAGE = """
MATCH (n)
WHERE id(n) >= $from AND id(n) < $to
RETURN id(n) AS ref, labels(n) AS labels, properties(n) AS properties
ORDER BY ref
"""

# Relationships leave from the nodes of the same window, so the file names each end by
# a node already written above it.
RELATIONSHIPS_PAGE = """
MATCH (a)-[r]->(b)
WHERE id(a) >= $from AND id(a) < $to
RETURN id(a) AS start, type(r) AS type, id(b) AS end, properties(r) AS properties,
       id(r) AS relationship
ORDER BY start, end, type, relationship
"""

# FalkorDB replies with a float's 15 significant digits, though it keeps all 17: each
# float read is asked which of the doubles that print alike it really is (comparison in
# the engine is exact). Rows: `{ref, key, index, candidates}`; `index` is null for a
# float property, the position for a float in a list. `CASE` picks a list either way,
# because FalkorDB evaluates both branches.
EXACT_NODE_FLOATS = """
UNWIND $rows AS c
MATCH (n)
WHERE id(n) = c.ref
WITH c, CASE WHEN c.index IS NULL THEN [n[c.key]] ELSE n[c.key] END AS values
WITH c, values[coalesce(c.index, 0)] AS value
RETURN c.ref AS ref, c.key AS key, c.index AS index,
       [i IN range(0, size(c.candidates) - 1) WHERE c.candidates[i] = value] AS matches
"""

EXACT_RELATIONSHIP_FLOATS = """
UNWIND $rows AS c
MATCH (a)-[r]->()
WHERE id(a) = c.start AND id(r) = c.ref
WITH c, CASE WHEN c.index IS NULL THEN [r[c.key]] ELSE r[c.key] END AS values
WITH c, values[coalesce(c.index, 0)] AS value
RETURN c.ref AS ref, c.key AS key, c.index AS index,
       [i IN range(0, size(c.candidates) - 1) WHERE c.candidates[i] = value] AS matches
"""

# One node is enough to know a store is not empty.
ANY_NODE_LABELS = """
MATCH (n)
RETURN labels(n) AS labels
LIMIT 2
"""

# After the relationships: the import's scaffolding comes off, a batch at a time.
CLEAR_IMPORT_MARKS = f"""
MATCH (n:{IMPORT_LABEL})
WITH n LIMIT $limit
REMOVE n:{IMPORT_LABEL}
REMOVE n.{IMPORT_KEY}
RETURN count(n) AS cleared
"""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def is_plain_name(name: str) -> bool:
    """Whether a label, type or property name can be written into a statement as is."""
    return _NAME.fullmatch(name) is not None


def _quoted(name: str, what: str) -> str:
    if not is_plain_name(name):
        raise ValueError(f"{what} {name!r} is not a plain name (letters, digits, _)")
    return f"`{name}`"


def _date_sets(variable: str, date_keys: tuple[str, ...]) -> str:
    # Dates travel as ISO strings (the FalkorDB client inlines parameters) and become
    # dates again here, one named property at a time.
    return "".join(
        f", {variable}.{_quoted(key, 'property')} = date(r.dates.{_quoted(key, 'property')})"
        for key in date_keys
    )


def create_nodes(labels: tuple[str, ...], date_keys: tuple[str, ...]) -> str:
    """The statement that creates a batch of nodes with these labels and date properties.

    Rows: `{ref, properties, dates}`; `properties` holds every property but the dates.
    """
    label_text = "".join(f":{_quoted(label, 'label')}" for label in labels)
    return (
        "UNWIND $rows AS r\n"
        f"CREATE (n{label_text}:{IMPORT_LABEL} {{{IMPORT_KEY}: r.ref}})\n"
        f"SET n += r.properties{_date_sets('n', date_keys)}\n"
        "RETURN count(n) AS created\n"
    )


def create_relationships(kind: str, date_keys: tuple[str, ...]) -> str:
    """The statement that creates a batch of relationships of one type and date properties.

    Rows: `{start, end, properties, dates}`; a row whose end is missing creates nothing,
    which the caller sees in `created`.
    """
    return (
        "UNWIND $rows AS r\n"
        f"MATCH (a:{IMPORT_LABEL} {{{IMPORT_KEY}: r.start}})\n"
        f"MATCH (b:{IMPORT_LABEL} {{{IMPORT_KEY}: r.end}})\n"
        f"CREATE (a)-[e:{_quoted(kind, 'relationship type')}]->(b)\n"
        f"SET e += r.properties{_date_sets('e', date_keys)}\n"
        "RETURN count(e) AS created\n"
    )
