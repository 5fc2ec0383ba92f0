"""Taking records in from EHM and IES: one record at a time, idempotent, linked to a child.

Both connectors describe their record kinds (pydantic models, `connectors/ehm/records.py`,
`connectors/ies/records.py`); this module does what is common: reading CSV and JSON Lines,
validating each row on its own (a bad row is reported with its line and reason and the
rest of the batch goes on), the version guard (a replayed record changes nothing and an
older version never overwrites a newer), matching the record to a child and writing the
record and its link in one statement.
"""

from __future__ import annotations

import asyncio
import codecs
import csv
import enum
import hashlib
import json
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Final, Self

from pydantic import BeforeValidator, Field, model_validator

from graph import ConstraintViolation, name_key_fields
from graph.cypher import linking as statements
from workflow.contacts import Name, PastDate, Sex
from workflow.identified import IdentifiedChild
from workflow.ids import new_child_id, new_id, now_ms
from workflow.linking import before_the_child, details_json, match_person
from workflow.matching import Decision, Match, PersonDetails, identity_key, normalise_postcode
from workflow.outcomes import FieldProblem, InvalidInput
from workflow.pregnancy import before_a_pregnancy, latest_birth
from workflow.validation import FieldRuleBroken, validate

if TYPE_CHECKING:
    from graph import GraphStore


def _not_true_or_false(value: Any) -> Any:
    # pydantic reads JSON true as 1: a sender's flag is not a version or a count.
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true or false")
    return value


WholeNumber = Annotated[int, BeforeValidator(_not_true_or_false)]
# GraphQL's Int is 32-bit: a version past it could not be answered (every read of the
# record failed), and past 2**63 the engine would keep another number than was sent.
LARGEST_VERSION = 2**31 - 1
# A source's id is written as a name is (1 to 100 characters, no control characters):
# the engine keeps a NUL as U+FFFD, so "EP\x00" and "EP\ufffd" would be one record.
RecordId = Name
Text = Annotated[str, Field(min_length=1, max_length=2_000)]

# In a CSV cell, a list (the agencies around a family) separates its items with this.
LIST_SEPARATOR = ";"


def _split_cell(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.split(LIST_SEPARATOR) if item.strip()]
    return value


TextList = Annotated[list[Text], BeforeValidator(_split_cell), Field(max_length=50)]


class SourceRow(IdentifiedChild):
    """What every record from a source system carries: its id, its version, whom it is
    about, and the date it started (the date it happened, never the date it was sent)."""

    unidentified: ClassVar[str] = (
        "a record names its child: an NHS number, a UPN, or given name, family name"
        " and date of birth"
    )

    record_id: RecordId
    version: Annotated[WholeNumber, Field(ge=1, le=LARGEST_VERSION)]
    sex: Sex | None = None
    postcode: Annotated[str, Field(min_length=5, max_length=8)] | None = None
    start_date: PastDate
    end_date: PastDate | None = None
    # The source takes back a record sent in error (about the wrong child, a test record):
    # a new version of it, `withdrawn` with the reason, ends its link and links nothing.
    withdrawn: bool = False
    withdrawn_reason: Text | None = None

    @model_validator(mode="after")
    def _withdrawn_with_a_reason(self) -> Self:
        if self.withdrawn != (self.withdrawn_reason is not None):
            raise FieldRuleBroken(
                "withdrawnReason", "a withdrawn record has a withdrawnReason, and only then"
            )
        return self

    @model_validator(mode="after")
    def _identified(self) -> Self:
        # IdentifiedChild's rule, naming a field as every refusal of a record does: the
        # name or birth date left out of a partial one, else the NHS number.
        named = (self.given_name, self.family_name, self.date_of_birth)
        if all(named) or self.nhs_number or self.upn:
            return self
        fields = ("givenName", "familyName", "dateOfBirth")
        missing = [field for field, value in zip(fields, named, strict=True) if not value]
        raise FieldRuleBroken(
            missing[0] if len(missing) < len(fields) else "nhsNumber", self.unidentified
        )

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        if self.end_date is not None and self.end_date < self.start_date:
            raise FieldRuleBroken("endDate", "endDate must not be before startDate")
        return self

    @model_validator(mode="after")
    def _within_a_pregnancy(self) -> Self:
        # As at the front door: a record of work years before the child's birth is a
        # mistyped year or another child (and a step up would be a contact the front door
        # refuses, CIN census rule 8606).
        born = self.date_of_birth
        if born is not None and (rule := before_a_pregnancy(self.start_date, born)):
            raise FieldRuleBroken("startDate", rule)
        return self

    def subject(self) -> PersonDetails:
        """Whom the record is about, as the matcher compares people (with sex and postcode)."""
        return replace(
            super().subject(),
            sex=self.sex.value if self.sex else None,
            postcode=normalise_postcode(self.postcode) or None,
        )

    def details(self) -> dict[str, Any]:
        """What is particular to this kind of record (everything but the common fields)."""
        common = set(SourceRow.model_fields) | {"record_type"}
        return {
            name: value
            for name, value in self.model_dump(mode="json", by_alias=True).items()
            if value is not None and _snake(name) not in common
        }


def _snake(name: str) -> str:
    return "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in name)


@dataclass(frozen=True, slots=True)
class IncomingRecord:
    """One validated record, ready to be applied."""

    source: str
    kind: str
    row: SourceRow

    @property
    def key(self) -> str:
        return f"{self.source}:{self.kind}:{self.row.record_id}"


class Applied(enum.StrEnum):
    """What applying a record did."""

    CREATED = "CREATED"
    UPDATED = "UPDATED"
    UNCHANGED = "UNCHANGED"  # the same version again: a replay
    STALE = "STALE"  # older than the version the hub holds; not applied


@dataclass(frozen=True, slots=True)
class RecordResult:
    """A record after it was applied: what happened to it and which child it is linked to."""

    record_id: str
    key: str
    applied: Applied
    link_state: str | None = None
    child_id: str | None = None
    decision: Decision | None = None


class VersionReused(Exception):
    """A version the hub holds, sent again with other content: not a replay, and not
    applied (a source's correction must come as a higher version)."""

    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version

    def problem(self) -> FieldProblem:
        return FieldProblem(
            "version",
            f"version {self.version} of this record was received before with different"
            " content: send the change as a higher version",
        )


def content_digest(record: IncomingRecord) -> str:
    """What a version of a record says, as a digest: a replay says the same. Fields left
    at their defaults are left out, so a field a later hub adds does not make an old
    batch's replay read as changed."""
    content = json.dumps(
        [record.kind, record.row.model_dump(mode="json", exclude_defaults=True)],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(content.encode()).hexdigest()


async def apply_record(
    store: GraphStore,
    record: IncomingRecord,
    by: str,
    *,
    retries: int = 2,
    new_person_allowed: bool = True,
) -> RecordResult:
    """Apply one record: guarded by its version, matched and linked if not linked yet.

    Args:
        new_person_allowed: False once creating a child for the record broke a uniqueness
            rule (its NHS number, or its name and birth date, are on a child the matcher
            would not link it to): the record then waits for a person instead.
    """
    state = await store.read(statements.RECORD_STATE, {"key": record.key})
    current = state[0] if state else None
    if (
        current is not None
        and current["version"] == record.row.version
        and current["contentDigest"] not in (None, content_digest(record))
    ):
        raise VersionReused(record.row.version)
    if current is not None and current["version"] >= record.row.version:
        applied = Applied.UNCHANGED if current["version"] == record.row.version else Applied.STALE
        return RecordResult(
            record.row.record_id,
            record.key,
            applied,
            current["linkState"],
            current["childId"],
        )
    subject = record.row.subject()
    # A linked record keeps its link through new versions: a person may have made it. A
    # withdrawn one is about nobody: it is not matched.
    match = (
        None
        if record.row.withdrawn or (current is not None and current["childId"])
        else await match_person(store, subject)
    )
    if match is not None and current is not None and current["heldForPerson"]:
        # A person took this record off a child: a new version does not overrule them.
        match = replace(match, decision=Decision.REVIEW, reason=_HELD_FOR_PERSON)
    elif match is not None and match.decision is Decision.NEW_PERSON and not new_person_allowed:
        match = replace(match, decision=Decision.REVIEW, reason=_WOULD_DUPLICATE)
    elif (
        match is not None
        and match.decision is Decision.AUTO_LINK
        and match.best is not None
        and await before_the_child(store, record.row.start_date, match.best.child_id)
    ):
        # The identifiers agree but the dates cannot: a mistyped year, or another child.
        match = replace(match, decision=Decision.REVIEW, reason=_BEFORE_THE_CHILD)
    params = write_params(record, subject, match, by)
    try:
        rows = await store.write(statements.UPSERT_RECORD, params)
    except ConstraintViolation:
        # Either the same record raced in from another batch (whichever landed first
        # stands, and this one is applied against it), or another batch created this
        # child first (this one now matches it), or the new child would share a unique
        # key with a child the matcher says is somebody else (a person decides).
        if retries == 0:
            raise
        return await apply_record(store, record, by, retries=retries - 1, new_person_allowed=False)
    if not rows:
        # A newer version landed between the look and the write.
        return await apply_record(store, record, by, retries=retries)
    row = rows[0]
    if record.row.withdrawn and current is not None and current["childId"]:
        # The child this record alone made, with nothing recorded, linked or read since,
        # goes with the record: a test record or one about nobody leaves no child behind.
        await store.write(
            statements.REMOVE_CHILD_MADE_BY, {"childId": current["childId"], "key": record.key}
        )
    return RecordResult(
        record.row.record_id,
        record.key,
        Applied.CREATED if current is None else Applied.UPDATED,
        row["linkState"],
        row["childId"],
        match.decision if match is not None and row["decided"] else None,
    )


_HELD_FOR_PERSON = (
    "a person unlinked this record from a child; a person links it again (linkSourceRecord)"
)

# Shown to the sender too (the review queue of what it sent): it does not say when the
# child it matches was born.
_BEFORE_THE_CHILD = (
    "the record's startDate is more than 40 weeks before the (expected) birth of the child"
    " it matches (CIN census rule 8606): a mistyped date, or another child"
)

_WOULD_DUPLICATE = (
    "a new child would share an NHS number, or a name and birth date, with a child already"
    " recorded that the record does not match"
)


def write_params(
    record: IncomingRecord, subject: PersonDetails, match: Match | None, by: str
) -> dict[str, Any]:
    """The parameters of the upsert statement for a record and the decision made for it."""
    decision = match.decision if match is not None else None
    best = match.best if match is not None else None
    review = list(match.candidates if match else ())[:5]
    return {
        "key": record.key,
        "id": new_id(),
        "version": record.row.version,
        "source": record.source,
        "kind": record.kind,
        "recordId": record.row.record_id,
        "subject": {
            "givenName": subject.given_name,
            "familyName": subject.family_name,
            **name_key_fields(subject.family_name),
            "dateOfBirth": subject.date_of_birth,
            "sex": subject.sex,
            "postcode": subject.postcode,
            "nhsNumber": subject.nhs_number,
            "upn": subject.upn,
        },
        "startDate": record.row.start_date,
        "latestBirth": latest_birth(record.row.start_date),
        "endDate": record.row.end_date,
        "details": details_json(record.row.details()),
        "withdrawn": record.row.withdrawn,
        "withdrawnReason": record.row.withdrawn_reason,
        "contentDigest": content_digest(record),
        "now": now_ms(),
        "by": by,
        "decision": decision.value if decision else "NONE",
        "reason": match.reason if match else None,
        "link": {
            "childId": best.child_id if best and decision is Decision.AUTO_LINK else None,
            "rule": best.rule.value if best else None,
            "score": best.score if best else None,
            "eventId": new_id(),
        },
        "newChild": {"id": new_child_id(), "intakeKey": identity_key(subject)},
        "review": {
            "childIds": [found.child_id for found in review],
            "scores": [found.score for found in review],
        },
    }


def sender_of(subject: str) -> str:
    """How a system client (a token's subject) is recorded as the sender of its records."""
    return f"system:{subject}"


# ---- batches ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that was not applied: its line in the file, its record id if it had one, why."""

    line: int
    record_id: str | None
    problems: tuple[FieldProblem, ...]


@dataclass
class IngestReport:
    """What a batch did, record by record counted, bad rows listed."""

    applied: Counter[Applied] = field(default_factory=Counter)
    decisions: Counter[Decision] = field(default_factory=Counter)
    rejected: list[RowProblem] = field(default_factory=list)
    results: list[RecordResult] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.applied.values()) + len(self.rejected)

    def summary(self) -> str:
        counts = ", ".join(f"{self.applied[kind]} {kind.value.lower()}" for kind in Applied)
        links = ", ".join(
            f"{self.decisions[kind]} {kind.value.lower().replace('_', ' ')}" for kind in Decision
        )
        return f"{self.rows} rows: {counts}, {len(self.rejected)} rejected; links: {links}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            **{kind.value.lower(): self.applied[kind] for kind in Applied},
            "rejected": len(self.rejected),
            "links": {kind.value.lower(): self.decisions[kind] for kind in Decision},
            "problems": [
                {
                    "line": problem.line,
                    "recordId": problem.record_id,
                    "problems": [{"field": p.field, "rule": p.rule} for p in problem.problems],
                }
                for problem in self.rejected
            ],
            "records": [
                {
                    "recordId": result.record_id,
                    "applied": result.applied.value,
                    "linkState": result.link_state,
                    "childId": result.child_id,
                }
                for result in self.results
            ],
        }


# What a source does once a record of it is applied (and linked, if it could be), e.g.
# IES opens the child's Livelink file for a finalised SSR. It runs on replays too, so
# whatever it does must be idempotent: a replay then completes an interrupted batch.
AfterApply = Callable[["GraphStore", IncomingRecord, RecordResult], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Source:
    """A system records come from: its name, its record types, and what follows applying."""

    name: str
    record_types: dict[str, type[SourceRow]]
    after_apply: AfterApply | None = None

    def parse(self, raw: dict[str, Any]) -> IncomingRecord | InvalidInput:
        """One raw row (CSV or JSON) as a record of this source, or what is wrong with it."""
        fields = {name: value for name, value in raw.items() if value not in (None, "")}
        kind = fields.pop("recordType", None)
        if kind not in self.record_types:
            kinds = ", ".join(sorted(self.record_types))
            return InvalidInput((FieldProblem("recordType", f"must be one of {kinds}"),))
        checked = validate(self.record_types[kind], fields)
        if isinstance(checked, InvalidInput):
            return checked
        return IncomingRecord(source=self.name, kind=kind, row=checked)


# Records still being applied after the push that sent them was stopped: the event loop
# keeps only a weak reference to a task.
_FINISHING: set[asyncio.Task[RecordResult]] = set()


async def _whole(applying: Awaitable[RecordResult]) -> RecordResult:
    task = asyncio.ensure_future(applying)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        _FINISHING.add(task)
        task.add_done_callback(_FINISHING.discard)
        raise


async def _apply(
    store: GraphStore, record: IncomingRecord, source: Source, by: str
) -> RecordResult:
    result = await apply_record(store, record, by)
    if source.after_apply is not None:
        await source.after_apply(store, record, result)
    return result


async def ingest(
    store: GraphStore,
    rows: Iterable[tuple[int, dict[str, Any] | InvalidInput]],
    source: Source,
    by: str,
    on_row: Callable[[], None] | None = None,
) -> IngestReport:
    """Apply each row on its own; a bad row is reported and the batch goes on."""
    report = IngestReport()
    for line, raw in rows:
        parsed = raw if isinstance(raw, InvalidInput) else source.parse(raw)
        if isinstance(parsed, InvalidInput):
            record_id = None if isinstance(raw, InvalidInput) else raw.get("recordId")
            report.rejected.append(RowProblem(line, _text_or_none(record_id), parsed.problems))
        else:
            # Whole or not at all: a push stopped at its deadline (or a command stopped)
            # lets the record in hand finish. Cut between its statements, a withdrawal
            # kept the child it should have removed, and its replay changed nothing.
            try:
                result = await _whole(_apply(store, parsed, source, by))
            except VersionReused as reused:
                problem = RowProblem(line, parsed.row.record_id, (reused.problem(),))
                report.rejected.append(problem)
            else:
                report.applied[result.applied] += 1
                if result.decision is not None:
                    report.decisions[result.decision] += 1
                report.results.append(result)
        if on_row is not None:
            on_row()
    return report


def _text_or_none(value: Any) -> str | None:
    return str(value)[:100] if value not in (None, "") else None


# ---- files -----------------------------------------------------------------------------


class FileFormat(enum.StrEnum):
    """The bulk file formats a source may send."""

    CSV = "csv"
    JSONL = "jsonl"


def file_format(path: Path) -> FileFormat:
    """The format a file's name says it is in (.csv, or .jsonl/.ndjson)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return FileFormat.CSV
    if suffix in (".jsonl", ".ndjson"):
        return FileFormat.JSONL
    raise ValueError(f"{path.name}: a bulk file is .csv or .jsonl (JSON Lines)")


# WHATWG Encoding: these labels mean Windows-1252, as every browser reads them. Old
# systems write Windows-1252 and call it Latin-1; read as Latin-1 proper, its Š, Ž, Œ
# and curly quotes (0x80-0x9F) became control characters in a child's name.
_WINDOWS_1252_LABELS: Final = frozenset(
    {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "cp819"}
)


def text_codec(encoding: str | None) -> str | None:
    """The Python codec that reads text in `encoding` (a charset or encoding name, any
    case; UTF-8 with its BOM dropped when None); None for a name that is not a text
    encoding Python knows."""
    name = "utf-8" if encoding is None else encoding.strip().lower()
    if name in ("utf-8", "utf8"):
        return "utf-8-sig"
    try:
        info = codecs.lookup("cp1252" if name in _WINDOWS_1252_LABELS else name)
    except LookupError:
        return None
    # rot13, base64 and the like are codecs too, but not what text is written in.
    return info.name if info._is_text_encoding else None


def first_undecodable_byte(error: UnicodeDecodeError, before: int = 0) -> str:
    """Where `error` is, in words: `byte 0x8a at offset 98` (`before`: bytes ahead of
    what was being decoded)."""
    byte = error.object[error.start : error.start + 1].hex()
    return f"byte 0x{byte} at offset {before + error.start}"


def undecodable_in_file(path: Path, codec: str) -> str:
    """Where the first byte of `path` that `codec` cannot read is, read chunk by chunk."""
    decoder = codecs.getincrementaldecoder(codec)()
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 16):
            held = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                return first_undecodable_byte(error, offset - held)
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        return first_undecodable_byte(error, offset - len(error.object))
    return "a byte it cannot read"


def read_rows(
    path: Path, codec: str = "utf-8-sig"
) -> Iterator[tuple[int, dict[str, Any] | InvalidInput]]:
    """Each data row of a bulk file with the line it starts on (1 is the first line)."""
    fmt = file_format(path)
    with path.open(newline="", encoding=codec) as handle:
        yield from parse_lines(handle, fmt)


def parse_lines(
    lines: Iterable[str], fmt: FileFormat
) -> Iterator[tuple[int, dict[str, Any] | InvalidInput]]:
    """Each data row of CSV or JSON Lines text with the line it starts on."""
    if fmt is FileFormat.CSV:
        yield from _csv_rows(lines)
    else:
        yield from _json_lines(lines)


# The longest cell read as a cell (a push is at most 5 MB): a longer one than any field
# allows is refused by that field's rule, naming it; past this, the row is not CSV.
# (The csv module's own limit, 131,072 characters, raised an error no caller expected.)
LONGEST_CELL = 5 * 1024 * 1024

_NOT_CSV = "not CSV ({}): a quote that opens a cell closes it, and a quote inside one is doubled"


def _csv_rows(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | InvalidInput]]:
    csv.field_size_limit(max(csv.field_size_limit(), LONGEST_CELL))
    # Strict: a quote never closed is an error, not the rest of the file in one cell.
    reader = csv.DictReader(lines, strict=True)
    # The header is read first (DictReader reads it lazily): the first record starts on
    # the line after it, not on line 1.
    try:
        if reader.fieldnames is None:
            return
    except csv.Error as error:
        yield 1, InvalidInput((FieldProblem("row", _NOT_CSV.format(error)),))
        return
    line = reader.line_num + 1
    rows = iter(reader)
    while True:
        try:
            raw = next(rows)
        except StopIteration:
            return
        except csv.Error as error:
            yield line, InvalidInput((FieldProblem("row", _NOT_CSV.format(error)),))
        else:
            if None in raw:
                yield line, InvalidInput((FieldProblem("row", "more cells than columns"),))
            else:
                yield line, {name: value for name, value in raw.items() if name}
        line = reader.line_num + 1


def _json_lines(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | InvalidInput]]:
    for line, text in enumerate(lines, start=1):
        if text.strip():
            yield line, json_row(text)


def json_row(text: str) -> dict[str, Any] | InvalidInput:
    """One JSON object, or what is wrong with it."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        return InvalidInput((FieldProblem("row", f"not JSON ({error.msg})"),))
    except RecursionError:
        # Arrays or objects nested deeper than the decoder goes (a few KB of brackets).
        return InvalidInput((FieldProblem("row", "not JSON (nested too deeply)"),))
    if not isinstance(value, dict):
        return InvalidInput((FieldProblem("row", "must be a JSON object"),))
    return value
