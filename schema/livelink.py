"""The child's file in Livelink, the council's records system: folders, documents, holds."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

import strawberry
from strawberry.federation import type as entity_type
from strawberry.types import Info

from resolvers import records as record_resolvers
from resolvers.context import HubContext


@strawberry.enum(description="Where an item stands in the filing outbox")
class FilingState(enum.StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


def _at(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC)


def _instant(epoch_ms: int | None) -> datetime | None:
    return _at(epoch_ms) if epoch_ms is not None else None


def _state(value: str | None) -> FilingState | None:
    return FilingState(value) if value else None


@strawberry.type(
    description="Why a document is no longer on the child's file but for records staff: the "
    "record it was made of was withdrawn as recorded in error (on the wrong child, or twice); "
    "in Livelink it is under the LCS-MISFILED hold for a records officer to take off the file"
)
class Misfiling:
    at: datetime
    by_name: str | None
    reason: str = strawberry.field(description="RECORDED_IN_ERROR or MOVED")


@strawberry.type(
    description="A time the document was misfiled and then found to be the child's after all "
    "(the record it was made of sent again, or moved back to this child): taken off the "
    "LCS-MISFILED hold then"
)
class PastMisfiling:
    at: datetime = strawberry.field(description="When it was misfiled")
    by_name: str | None = strawberry.field(description="Who misfiled it, if a person")
    reason: str = strawberry.field(description="RECORDED_IN_ERROR or MOVED")
    ended_at: datetime = strawberry.field(description="When it was found to be the child's")
    ended_by_name: str | None = strawberry.field(description="Who found it so, if a person")


def _past_misfilings(document: dict[str, Any]) -> list[PastMisfiling]:
    # Kept as lists of the document's own, one entry a mark ended, in order
    # (graph/cypher/documents.py, restore_misfiled_documents); '' is a name not known.
    return [
        PastMisfiling(
            at=_at(at),
            by_name=by_name or None,
            reason=reason,
            ended_at=_at(ended_at),
            ended_by_name=ended_by_name or None,
        )
        for at, by_name, reason, ended_at, ended_by_name in zip(
            document.get("pastMisfiledAt") or [],
            document.get("pastMisfiledByName") or [],
            document.get("pastMisfiledReason") or [],
            document.get("pastMisfilingEndedAt") or [],
            document.get("pastMisfilingEndedByName") or [],
            strict=True,
        )
    ]


@strawberry.type(description="One generated version of a document, and whether it is filed")
class DocumentVersion:
    id: strawberry.ID
    version: int
    checksum_pdf: str = strawberry.field(description="SHA-256 of the PDF filed in Livelink")
    checksum_html: str = strawberry.field(description="SHA-256 of the HTML record kept in LCS")
    size_pdf: int
    generated_at: datetime
    generated_by: str | None
    template_key: str
    folder_key: str
    record_class: str
    filename: str
    filing_state: FilingState | None
    filing_attempts: int
    filing_error: str | None
    outbox_item_id: strawberry.ID | None
    remote_node_id: str | None = strawberry.field(description="The document's id in Livelink")
    remote_version: int | None
    disposed_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DocumentVersion:
        generated_at = _instant(row["generatedAt"])
        assert generated_at is not None
        item = row.get("outboxItemId")
        return cls(
            id=strawberry.ID(row["id"]),
            version=row["version"],
            checksum_pdf=row["checksumPdf"],
            checksum_html=row["checksumHtml"],
            size_pdf=row["sizePdf"],
            generated_at=generated_at,
            generated_by=row.get("generatedByName"),
            template_key=row["templateKey"],
            folder_key=row["folderKey"],
            record_class=row["recordClass"],
            filename=row["filename"],
            filing_state=_state(row.get("filingState")),
            filing_attempts=row.get("attempts") or 0,
            filing_error=row.get("lastError"),
            outbox_item_id=strawberry.ID(item) if item else None,
            remote_node_id=row.get("remoteNodeId"),
            remote_version=row.get("remoteVersion"),
            disposed_at=_instant(row.get("disposedAt")),
        )


@entity_type(keys=["id"], description="A generated form about the child: every version is kept")
class Document:
    id: strawberry.ID
    title: str
    template_key: str
    folder_key: str
    record_class: str
    source_id: strawberry.ID | None
    created_at: datetime
    latest_version: int
    versions: list[DocumentVersion] = strawberry.field(description="Newest first")
    misfiled: Misfiling | None = strawberry.field(
        description="Set once the record it was made of is withdrawn as recorded in error"
    )
    misfiled_before: list[PastMisfiling] = strawberry.field(
        description="Each time it was misfiled and found the child's after all, oldest first"
    )
    # The read audit notes every field read of an object with a `child_id`.
    child_id: strawberry.ID = strawberry.field(description="The child the document is about")

    @classmethod
    async def resolve_reference(cls, info: Info[HubContext, None], id: str) -> Document | None:
        # Federation `_entities` goes through the same access rule as browsing the
        # child's file: a document of a child you cannot see is null, as a missing one.
        row = await record_resolvers.document(info.context, id)
        return cls.from_row(row["document"], row["versions"]) if row else None

    @classmethod
    def from_row(cls, document: dict[str, Any], versions: list[dict[str, Any]]) -> Document:
        created_at = _instant(document["createdAt"])
        assert created_at is not None
        source = document.get("sourceId")
        misfiled_at = _instant(document.get("misfiledAt"))
        return cls(
            id=strawberry.ID(document["id"]),
            title=document["title"],
            template_key=document["templateKey"],
            folder_key=document["folderKey"],
            record_class=document["recordClass"],
            source_id=strawberry.ID(source) if source else None,
            created_at=created_at,
            latest_version=document["latestVersion"],
            versions=[DocumentVersion.from_row(version) for version in versions],
            misfiled=None
            if misfiled_at is None
            else Misfiling(
                at=misfiled_at,
                by_name=document.get("misfiledByName"),
                reason=document["misfiledReason"],
            ),
            misfiled_before=_past_misfilings(document),
            child_id=strawberry.ID(document["childId"]),
        )


@strawberry.type(description="A subfolder of the child's file (from the standard file plan)")
class Folder:
    id: strawberry.ID
    key: str
    name: str

    @strawberry.field(description="The documents filed in this subfolder")
    async def documents(self, info: Info[HubContext, None]) -> list[Document]:
        rows = await record_resolvers.documents_of_folder(info.context, self.id)
        return [Document.from_row(row["document"], row["versions"]) for row in rows]


@strawberry.type(description="How long the file is kept, and the rule and law that say so")
class Retention:
    retain_until: date | None = strawberry.field(
        description="The last day the file must be kept; null while it cannot be computed"
    )
    rule: str | None
    citation: str | None
    record_classes: list[str]
    missing: list[str] = strawberry.field(
        description="Facts still needed before the date can be computed"
    )
    computed_at: datetime | None

    @classmethod
    def from_row(cls, file: dict[str, Any]) -> Retention:
        return cls(
            retain_until=file.get("retainUntil"),
            rule=file.get("retentionRule"),
            citation=file.get("retentionCitation"),
            record_classes=list(file.get("recordClasses") or []),
            missing=list(file.get("retentionMissing") or []),
            computed_at=_instant(file.get("retentionComputedAt")),
        )


@strawberry.type(description="A legal hold on the file: applied, and perhaps lifted with a reason")
class HoldOnFile:
    key: str
    reason: str | None
    active: bool
    standing: bool = strawberry.field(description="Whether the hold is also a standing rule")
    applied_via: str = strawberry.field(description="FILE, QUERY or RULE")
    applied_at: datetime
    applied_by: str | None
    lifted_at: datetime | None
    lifted_by: str | None
    lift_reason: str | None
    filing_state: FilingState | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> HoldOnFile:
        application = row["application"]
        applied_at = _instant(application["appliedAt"])
        assert applied_at is not None
        return cls(
            key=row["key"],
            reason=application.get("reason"),
            active=bool(application["active"]),
            standing=bool(row.get("standing")),
            applied_via=application["via"],
            applied_at=applied_at,
            applied_by=application.get("appliedByName"),
            lifted_at=_instant(application.get("liftedAt")),
            lifted_by=application.get("liftedByName"),
            lift_reason=application.get("liftReason"),
            filing_state=_state(row.get("filingState")),
        )


@strawberry.type(description="The child's file: one per child, opened when a contact is finalised")
class LivelinkFile:
    id: strawberry.ID
    created_at: datetime
    opened_by: str
    folders: list[Folder]
    filing_state: FilingState | None = strawberry.field(
        description="Whether the file has been opened in the records system yet"
    )
    retention: Retention
    disposed_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> LivelinkFile:
        file = row["file"]
        return cls(
            id=strawberry.ID(file["id"]),
            created_at=datetime.fromtimestamp(file["createdAt"] / 1000, UTC),
            opened_by=file["openedBy"],
            folders=[
                Folder(id=strawberry.ID(f["id"]), key=f["key"], name=f["name"])
                for f in row["folders"]
            ],
            filing_state=FilingState(row["filingState"]) if row.get("filingState") else None,
            retention=Retention.from_row(file),
            disposed_at=_instant(file.get("disposedAt")),
        )

    @strawberry.field(description="Every document in the file, oldest first")
    async def documents(self, info: Info[HubContext, None]) -> list[Document]:
        rows = await record_resolvers.documents_of_file(info.context, self.id)
        return [Document.from_row(row["document"], row["versions"]) for row in rows]

    @strawberry.field(description="Legal holds on the file, active and lifted")
    async def holds(self, info: Info[HubContext, None]) -> list[HoldOnFile]:
        rows = await record_resolvers.holds_of_file(info.context, self.id)
        return [HoldOnFile.from_row(row) for row in rows]
