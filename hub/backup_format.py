"""The export file: JSON Lines, one record per line, versioned (`lcs-hub export`/`import`).

Lines, in this order:

1. header: `{"kind": "header", "format": "lcs-hub-export", "formatVersion": 1,
   "graphShapeVersion": N, "createdAt": "2026-12-05T11:00:00Z", "sourceEngine":
   "falkordb", "livelink": "embedded"}`
2. nodes: `{"kind": "node", "ref": 12, "labels": ["Person", "Child"], "properties":
   {"givenName": ["string", "Amelia"], "dateOfBirth": ["date", "2019-05-04"], ...}}`;
   `ref` names the node inside this file only.
3. relationships: `{"kind": "relationship", "type": "ABOUT", "start": 40, "end": 12,
   "properties": {...}}`, ends by `ref`.
4. documents, by checksum: `{"kind": "document", "store": "forms" | "livelink",
   "sha256": "...", "size": 1234, "data": "<base64>"}`: the LCS's generated forms
   (var/forms) and the embedded Livelink store's blobs.
5. Livelink records: `{"kind": "livelinkRecord", "path": "children/<child>/file.json",
   "content": {...}}`: the embedded Livelink store's files, folders, holds and versions.
6. trailer: `{"kind": "trailer", "nodes": N, "relationships": R, "documents": D,
   "livelinkRecords": K, "sha256": "<SHA-256 of every line above, as written>"}`.

Every property value is `[type, value]`, so no reader has to guess a type from JSON:
`string`, `integer`, `float` (a JSON number written so it reads back as the same double,
or "nan"/"inf"/"-inf"), `boolean`, `date`
(ISO `YYYY-MM-DD`), `list` (of typed values), and `null` (inside lists only).

`formatVersion` changes when a reader of the old version could not read the new file;
an importer refuses a file newer than it knows. `graphShapeVersion` is the graph's shape
(graph/migrations.py) when exported: an importer refuses a newer shape and migrates an
older one after loading it.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

FORMAT_NAME = "lcs-hub-export"
FORMAT_VERSION = 1

KINDS_IN_ORDER = ("header", "node", "relationship", "document", "livelinkRecord", "trailer")
DOCUMENT_STORES = ("forms", "livelink")


class ExportFileRefused(Exception):
    """The file cannot be imported; the message names the line and the rule."""


def encode_value(value: Any, where: str) -> list[Any]:
    """One property value as `[type, value]`; an unknown type is refused, naming `where`."""
    if isinstance(value, bool):
        return ["boolean", value]
    if isinstance(value, int):
        return ["integer", value]
    if isinstance(value, float):
        if math.isnan(value):
            return ["float", "nan"]
        if math.isinf(value):
            return ["float", "inf" if value > 0 else "-inf"]
        return ["float", value]
    if isinstance(value, str):
        return ["string", value]
    if isinstance(value, date):
        return ["date", value.isoformat()]
    if isinstance(value, list):
        return ["list", [encode_value(item, where) for item in value]]
    if value is None:
        return ["null", None]
    raise ValueError(f"{where}: a {type(value).__name__} value cannot be exported")


_FLOAT_WORDS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def decode_value(typed: Any, where: str) -> Any:
    """The Python value of `[type, value]`; anything malformed is refused, naming `where`."""
    if not (isinstance(typed, list) and len(typed) == 2 and isinstance(typed[0], str)):
        raise ExportFileRefused(f"{where}: a value must be [type, value]")
    kind, value = typed
    match kind:
        case "string" if isinstance(value, str):
            return value
        case "integer" if isinstance(value, int) and not isinstance(value, bool):
            return value
        case "float" if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        case "float" if value in _FLOAT_WORDS:
            return _FLOAT_WORDS[value]
        case "boolean" if isinstance(value, bool):
            return value
        case "date" if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise ExportFileRefused(f"{where}: {value!r} is not a YYYY-MM-DD date") from None
        case "list" if isinstance(value, list):
            return [decode_value(item, where) for item in value]
        case "null" if value is None:
            return None
    raise ExportFileRefused(f"{where}: {kind!r} with a {type(value).__name__} is not a value")


def encode_properties(properties: dict[str, Any], where: str) -> dict[str, list[Any]]:
    """Every property as a typed value."""
    return {key: encode_value(value, f"{where}.{key}") for key, value in properties.items()}


def decode_properties(properties: Any, where: str) -> dict[str, Any]:
    """Typed properties back to Python values (a list property holds no null)."""
    if not isinstance(properties, dict):
        raise ExportFileRefused(f"{where}: properties must be an object")
    decoded = {}
    for key, typed in properties.items():
        if isinstance(typed, list) and typed[:1] == ["null"]:
            raise ExportFileRefused(f"{where}.{key}: a property cannot be null")
        decoded[key] = decode_value(typed, f"{where}.{key}")
    return decoded


def check_header(header: Any, *, shape_version: int) -> dict[str, Any]:
    """The header, if this code can import the file; otherwise why not.

    Args:
        shape_version: the graph shape this code reads and writes.
    """
    if not isinstance(header, dict) or header.get("kind") != "header":
        raise ExportFileRefused("line 1: not an lcs-hub export (no header line)")
    if header.get("format") != FORMAT_NAME:
        raise ExportFileRefused(
            f"line 1: the format is {header.get('format')!r}, not {FORMAT_NAME}"
        )
    version = header.get("formatVersion")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ExportFileRefused("line 1: formatVersion must be a whole number from 1")
    if version > FORMAT_VERSION:
        raise ExportFileRefused(
            f"the file is export format version {version}, newer than this lcs-hub reads "
            f"(format version {FORMAT_VERSION}); import it with the release that wrote it, "
            "or newer"
        )
    shape = header.get("graphShapeVersion")
    if not isinstance(shape, int) or isinstance(shape, bool) or shape < 0:
        raise ExportFileRefused("line 1: graphShapeVersion must be a whole number from 0")
    if shape > shape_version:
        raise ExportFileRefused(
            f"the file holds graph shape version {shape}, newer than this lcs-hub knows "
            f"(graph shape version {shape_version}); import it with the release that wrote "
            "it, or newer"
        )
    return header
