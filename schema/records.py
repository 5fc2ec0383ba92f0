"""Livelink records management: generating forms, downloads, retention, holds, disposal."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from connectors.livelink import filing
from connectors.livelink import records as livelink_records
from connectors.livelink.retention import RecordClass as RetentionRecordClass
from resolvers import records as record_resolvers
from resolvers.context import HubContext
from schema.audit import HidesItsChild
from schema.livelink import Document, DocumentVersion
from schema.outcomes import (
    InvalidInput,
    NotAuthorised,
    NotFound,
    TransitionRefused,
    answer,
)
from workflow.calendar import today_in_england

if TYPE_CHECKING:
    from connectors.livelink import backlog as livelink_backlog

RecordClass = strawberry.enum(
    RetentionRecordClass, name="RecordClass", description="A retention record class"
)


@strawberry.enum(description="Which rendering of a document version to download")
class DocumentFormat(enum.StrEnum):
    PDF = "PDF"
    HTML = "HTML"


def _instant(epoch_ms: int | None) -> datetime | None:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC) if epoch_ms is not None else None


@strawberry.type(description="A form generated, kept in the LCS and queued for filing")
class GeneratedForm:
    document: Document
    version: DocumentVersion
    file_opened: bool = strawberry.field(description="Whether generating it opened the file")

    @classmethod
    def of(cls, result: filing.GeneratedForm) -> GeneratedForm:
        version = {
            **result.version,
            "filingState": "PENDING",
            "outboxItemId": result.outbox_item_id,
        }
        return cls(
            document=Document.from_row(result.document, [version]),
            version=DocumentVersion.from_row(version),
            file_opened=result.file_created,
        )


@strawberry.type(description="The bytes of one document version; the download is audited")
class DocumentContent(HidesItsChild):
    version_id: strawberry.ID
    filename: str
    mime_type: str
    checksum_sha256: str
    size_bytes: int
    content_base64: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DocumentContent:
        made = cls(
            version_id=strawberry.ID(row["versionId"]),
            filename=row["filename"],
            mime_type=row["mimeType"],
            checksum_sha256=row["checksum"],
            size_bytes=row["size"],
            content_base64=row["contentBase64"],
        )
        # The download is in the read audit of the child the document is about, so their
        # access trail shows it.
        return made.of_child(row["childId"])


@strawberry.type(description="The file's retention, as just recomputed")
class RetentionRecomputed:
    file_id: strawberry.ID
    retain_until: date | None
    rule: str | None
    citation: str | None
    record_classes: list[str]
    missing: list[str]
    holds_applied: list[str] = strawberry.field(description="Standing holds the change triggered")

    @classmethod
    def of(cls, stored: livelink_records.StoredRetention) -> RetentionRecomputed:
        decision = stored.decision
        return cls(
            file_id=strawberry.ID(stored.file_id),
            retain_until=decision.retain_until if decision else None,
            rule=decision.rule.key if decision else None,
            citation=decision.rule.citation if decision else None,
            record_classes=sorted(record_class.value for record_class in stored.record_classes),
            missing=(
                [trigger.value for trigger in decision.missing]
                if decision
                else [stored.problem or ""]
            ),
            holds_applied=list(stored.holds_applied),
        )


@strawberry.type(description="A hold and the files it was applied to or lifted from now")
class HoldChanged:
    key: str
    file_ids: list[strawberry.ID]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> HoldChanged:
        return cls(key=row["key"], file_ids=[strawberry.ID(i) for i in row["fileIds"]])


@strawberry.type(description="A file past its retention date and under no hold")
class DisposalReviewEntry:
    file_id: strawberry.ID
    child_id: strawberry.ID
    child_name: str
    retain_until: date
    rule: str | None
    citation: str | None
    record_classes: list[str]


@strawberry.type(description="What a records officer may review for disposal")
class DisposalReview:
    as_of: date
    files: list[DisposalReviewEntry]


@strawberry.type(description="The audit record of a disposal: who, when, why")
class FileDisposed:
    record_id: strawberry.ID
    file_id: strawberry.ID
    child_id: strawberry.ID
    disposed_at: datetime
    disposed_by: str
    reason: str
    retain_until: date | None
    rule: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> FileDisposed:
        at = _instant(row["at"])
        assert at is not None
        return cls(
            record_id=strawberry.ID(row["id"]),
            file_id=strawberry.ID(row["fileId"]),
            child_id=strawberry.ID(row["childId"]),
            disposed_at=at,
            disposed_by=row.get("byName") or row["by"],
            reason=row["reason"],
            retain_until=row.get("retainUntil"),
            rule=row.get("rule"),
        )


@strawberry.type(description="An item of the Livelink filing outbox")
class OutboxItem:
    id: strawberry.ID
    kind: str
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None = strawberry.field(
        description="When a PENDING item is tried again (transient failures back off)"
    )
    leased_until: datetime | None = strawberry.field(
        description="While a worker is delivering it: when that worker's claim runs out"
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> OutboxItem:
        created_at = _instant(row["createdAt"])
        assert created_at is not None
        return cls(
            id=strawberry.ID(row["id"]),
            kind=row["kind"],
            state=row["state"],
            attempts=row["attempts"],
            last_error=row.get("lastError"),
            created_at=created_at,
            next_attempt_at=(
                _instant(row.get("nextAttemptAt")) if row["state"] == "PENDING" else None
            ),
            leased_until=_instant(row.get("leaseUntil")),
        )


@strawberry.type(description="Outbox items in one state")
class OutboxItemList:
    items: list[OutboxItem]


@strawberry.type(description="FAILED outbox items put back in the queue")
class OutboxReplayed:
    replayed: int


@strawberry.type(description="What has not reached Livelink yet")
class OutboxBacklog:
    pending: int = strawberry.field(description="Items waiting for a (further) attempt")
    failed: int = strawberry.field(description="Items refused by Livelink, waiting for replay")
    oldest_queued_at: datetime | None = strawberry.field(
        description="When the oldest undelivered item was queued"
    )
    oldest_age_seconds: float | None
    alert: bool = strawberry.field(
        description="The oldest undelivered item is older than the configured threshold"
    )

    @classmethod
    def of(cls, backlog: livelink_backlog.OutboxBacklog) -> OutboxBacklog:
        return cls(
            pending=backlog.pending,
            failed=backlog.failed,
            oldest_queued_at=_instant(backlog.oldest_created_at),
            oldest_age_seconds=backlog.oldest_age_seconds,
            alert=backlog.alert,
        )


@strawberry.input(description="Which files a hold by query covers (e.g. looked after before 2015)")
class HoldCriteriaInput:
    record_class: RetentionRecordClass | None = None
    started_before: date | None = None
    started_on_or_after: date | None = None


GenerateFormResult = Annotated[
    GeneratedForm | NotFound | NotAuthorised | InvalidInput | TransitionRefused,
    strawberry.union("GenerateFormResult"),
]
DocumentContentResult = Annotated[
    DocumentContent | NotFound | NotAuthorised, strawberry.union("DocumentContentResult")
]
RecomputeRetentionResult = Annotated[
    RetentionRecomputed | NotFound | NotAuthorised, strawberry.union("RecomputeRetentionResult")
]
HoldResult = Annotated[
    HoldChanged | NotFound | NotAuthorised | InvalidInput | TransitionRefused,
    strawberry.union("HoldResult"),
]
DisposalReviewResult = Annotated[
    DisposalReview | NotAuthorised | InvalidInput, strawberry.union("DisposalReviewResult")
]
DisposeFileResult = Annotated[
    FileDisposed | NotFound | NotAuthorised | InvalidInput | TransitionRefused,
    strawberry.union("DisposeFileResult"),
]
ReplayOutboxItemResult = Annotated[
    OutboxItem | NotFound | NotAuthorised | TransitionRefused,
    strawberry.union("ReplayOutboxItemResult"),
]
OutboxItemsResult = Annotated[
    OutboxItemList | NotAuthorised | InvalidInput, strawberry.union("OutboxItemsResult")
]
ReplayFailedOutboxItemsResult = Annotated[
    OutboxReplayed | NotAuthorised, strawberry.union("ReplayFailedOutboxItemsResult")
]
OutboxBacklogResult = Annotated[
    OutboxBacklog | NotAuthorised, strawberry.union("OutboxBacklogResult")
]


@strawberry.type
class RecordsQueries:
    @strawberry.field(
        description="Download one document version (audited); the child must be visible to "
        "you, or you manage records"
    )
    async def document_content(
        self,
        info: Info[HubContext, None],
        version_id: strawberry.ID,
        format: DocumentFormat = DocumentFormat.PDF,
    ) -> DocumentContentResult:
        result = await record_resolvers.document_content(info.context, version_id, format.value)
        return answer(result, DocumentContent.from_row)

    @strawberry.field(description="Files past their retention date and under no hold")
    async def disposal_review_list(
        self, info: Info[HubContext, None], as_of: date | None = None, limit: int = 100
    ) -> DisposalReviewResult:
        day = as_of or today_in_england()
        result = await record_resolvers.disposal_review(info.context, day, limit)
        return answer(
            result,
            lambda result: DisposalReview(
                as_of=day,
                files=[
                    DisposalReviewEntry(
                        file_id=strawberry.ID(row["fileId"]),
                        child_id=strawberry.ID(row["childId"]),
                        child_name=row["childName"],
                        retain_until=row["retainUntil"],
                        rule=row.get("rule"),
                        citation=row.get("citation"),
                        record_classes=list(row.get("recordClasses") or []),
                    )
                    for row in result
                ],
            ),
        )

    @strawberry.field(
        description="Livelink outbox items in one state: PENDING, FAILED (the default) or DELIVERED"
    )
    async def outbox_items(
        self, info: Info[HubContext, None], state: str = "FAILED", limit: int = 100
    ) -> OutboxItemsResult:
        result = await record_resolvers.outbox_items(info.context, state, limit)
        return answer(
            result,
            lambda result: OutboxItemList(items=[OutboxItem.from_row(row) for row in result]),
        )

    @strawberry.field(
        description="How far behind Livelink filing is: undelivered items and the oldest's age"
    )
    async def outbox_backlog(self, info: Info[HubContext, None]) -> OutboxBacklogResult:
        result = await record_resolvers.outbox_backlog(info.context)
        return answer(result, OutboxBacklog.of)


@strawberry.type
class RecordsMutations:
    @strawberry.mutation(
        description="Generate a form from the record; a copy is filed to its mapped subfolder"
    )
    async def generate_form(
        self,
        info: Info[HubContext, None],
        child_id: strawberry.ID,
        template_key: str,
        source_id: strawberry.ID | None = None,
    ) -> GenerateFormResult:
        raw = {"childId": child_id, "templateKey": template_key, "sourceId": source_id}
        result = await record_resolvers.generate_form(info.context, raw)
        return answer(result, GeneratedForm.of)

    @strawberry.mutation(description="Recompute the child's retention after a status change")
    async def recompute_retention(
        self, info: Info[HubContext, None], child_id: strawberry.ID
    ) -> RecomputeRetentionResult:
        result = await record_resolvers.recompute_retention(info.context, child_id)
        return answer(result, RetentionRecomputed.of)

    @strawberry.mutation(description="Put a file under a legal hold (records officers)")
    async def apply_hold(
        self, info: Info[HubContext, None], file_id: strawberry.ID, key: str, reason: str
    ) -> HoldResult:
        result = await record_resolvers.apply_hold(
            info.context, file_id, {"key": key, "reason": reason}
        )
        return answer(result, HoldChanged.from_row)

    @strawberry.mutation(
        description="Hold every file matching the criteria; `standing` keeps holding later "
        "matches (records officers)"
    )
    async def hold_by_query(
        self,
        info: Info[HubContext, None],
        key: str,
        reason: str,
        criteria: HoldCriteriaInput,
        standing: bool = False,
    ) -> HoldResult:
        raw = {
            "key": key,
            "reason": reason,
            "standing": standing,
            "criteria": {
                name: value
                for name, value in (
                    ("record_class", criteria.record_class),
                    ("started_before", criteria.started_before),
                    ("started_on_or_after", criteria.started_on_or_after),
                )
                if value is not None
            },
        }
        result = await record_resolvers.hold_by_query(info.context, raw)
        return answer(result, HoldChanged.from_row)

    @strawberry.mutation(
        description="Lift a hold with a reason: from one file, or from every file when no file "
        "is given (records officers)"
    )
    async def lift_hold(
        self,
        info: Info[HubContext, None],
        key: str,
        reason: str,
        file_id: strawberry.ID | None = None,
    ) -> HoldResult:
        result = await record_resolvers.lift_hold(
            info.context, file_id, {"key": key, "reason": reason}
        )
        return answer(result, HoldChanged.from_row)

    @strawberry.mutation(
        description="Dispose of a file past its retention date; refused while a hold applies"
    )
    async def dispose_file(
        self, info: Info[HubContext, None], file_id: strawberry.ID, reason: str
    ) -> DisposeFileResult:
        result = await record_resolvers.dispose_file(info.context, file_id, {"reason": reason})
        return answer(result, FileDisposed.from_row)

    @strawberry.mutation(description="Put a FAILED Livelink outbox item back in the queue")
    async def replay_outbox_item(
        self, info: Info[HubContext, None], item_id: strawberry.ID
    ) -> ReplayOutboxItemResult:
        result = await record_resolvers.replay_outbox_item(info.context, item_id)
        return answer(result, OutboxItem.from_row)

    @strawberry.mutation(
        description="Put every FAILED Livelink outbox item back in the queue (records officers)"
    )
    async def replay_failed_outbox_items(
        self, info: Info[HubContext, None]
    ) -> ReplayFailedOutboxItemsResult:
        result = await record_resolvers.replay_failed_outbox_items(info.context)
        return answer(result, lambda replayed: OutboxReplayed(replayed=replayed))


__all__ = ["RecordsMutations", "RecordsQueries"]
