"""Livelink records: generating forms, downloads, retention, holds, disposal, the outbox.

Permissions: generating a form needs WRITE_CASE and the child visible to the caller;
downloads need the child visible (a legitimate relationship) or MANAGE_RECORDS, which
gives the county-wide relationship (restricted records still need their explicit
grant, whatever the role); holds, disposal and replaying the outbox need MANAGE_RECORDS.
"""

from __future__ import annotations

import base64
import dataclasses
import logging
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, field_validator

from auth.capabilities import Capability, can
from connectors.livelink import backlog, filing, outbox
from connectors.livelink import records as livelink_records
from connectors.livelink.backlog import OutboxBacklog
from connectors.livelink.content_store import ContentIntegrityError
from connectors.livelink.form_store import FormBytesMissing, FormStore
from connectors.livelink.records import HoldCriteria
from connectors.livelink.templates import FORM_TEMPLATES
from graph import GraphError
from graph.cypher import documents as document_statements
from graph.cypher import files as file_statements
from graph.cypher import records as record_statements
from resolvers.loaders import many_per_key
from resolvers.page_sizes import page_size_problem
from resolvers.permissions import refuse_case_writes
from workflow import codes
from workflow.calendar import today_in_england
from workflow.ids import new_id, now_ms
from workflow.outcomes import FieldProblem, InvalidInput, NotAuthorised, NotFound, TransitionRefused
from workflow.validation import Input, validate

if TYPE_CHECKING:
    from graph import Row
    from graph.cypher.access import AccessScope
    from resolvers.context import HubContext

log = logging.getLogger("lcs_hub.records")

_MIME_TYPES = {"PDF": "application/pdf", "HTML": "text/html; charset=utf-8"}


# -- inputs ------------------------------------------------------------------------------

HoldKey = Annotated[str, Field(min_length=1, max_length=100)]
Reason = Annotated[str, Field(min_length=1, max_length=2_000)]


class GenerateFormInput(Input):
    child_id: Annotated[str, Field(min_length=1)]
    template_key: str
    source_id: str | None = None

    @field_validator("template_key")
    @classmethod
    def _known_template(cls, value: str) -> str:
        if value not in FORM_TEMPLATES:
            raise ValueError(f"must be one of: {', '.join(sorted(FORM_TEMPLATES))}")
        return value


class HoldInput(Input):
    key: HoldKey
    reason: Reason


class HoldByQueryInput(Input):
    key: HoldKey
    reason: Reason
    criteria: HoldCriteria
    standing: bool = False


class DisposalInput(Input):
    reason: Reason


# -- helpers -----------------------------------------------------------------------------


def _form_store(context: HubContext) -> FormStore:
    store: FormStore = context.request.app.state.hub.form_store
    return store


def _local_authority(context: HubContext) -> str:
    name: str = context.request.app.state.hub.local_authority
    return name


def _refuse_records_management(context: HubContext) -> NotAuthorised | None:
    if not can(context.principal, Capability.MANAGE_RECORDS):
        return NotAuthorised(
            reason=f"the {context.principal.role} role cannot manage records (holds, disposal)"
        )
    return None


def _file_listing(context: HubContext) -> dict[str, bool]:
    """A misfiled document stays on the child's file for records staff alone."""
    return {"recordsStaff": can(context.principal, Capability.MANAGE_RECORDS)}


def _reader_scope(context: HubContext) -> AccessScope:
    if can(context.principal, Capability.MANAGE_RECORDS):
        return dataclasses.replace(context.scope, view_all=True)
    return context.scope


def _actor(context: HubContext) -> dict[str, Any]:
    return {"viewerName": context.principal.name, "now": now_ms()}


# The graph keeps DfE codes (a contact's referral source, an assessment's factors, a
# placement type); a form shows what each code means.
_CODE_LISTS: dict[str, type[codes.DfECode]] = {
    "source": codes.ReferralSource,
    "factors": codes.AssessmentFactor,
    "initialCategories": codes.CategoryOfAbuse,
    "latestCategories": codes.CategoryOfAbuse,
    "closureReason": codes.ReasonForClosure,
    "legalStatus": codes.LegalStatus,
    "placementType": codes.PlacementType,
    "primaryNeed": codes.PrimaryNeedCode,
}


def _words(code_list: type[codes.DfECode], value: str) -> str:
    try:
        return code_list.from_code(value).description
    except ValueError:
        return value


def _describe(prop: str, value: Any) -> Any:
    code_list = _CODE_LISTS.get(prop)
    if code_list is not None and isinstance(value, str):
        return _words(code_list, value)
    if code_list is not None and isinstance(value, list):
        return [_words(code_list, item) if isinstance(item, str) else item for item in value]
    if prop == "outcome" and isinstance(value, str):
        return value.replace("_", " ").capitalize()
    return value


# -- forms -------------------------------------------------------------------------------


async def generate_form(
    context: HubContext, raw: dict[str, Any]
) -> filing.GeneratedForm | NotFound | NotAuthorised | InvalidInput | TransitionRefused:
    """Render a form from the record, keep it, and queue its filing; recompute retention."""
    if refused := refuse_case_writes(context):
        return refused
    data = validate(GenerateFormInput, raw)
    if isinstance(data, InvalidInput):
        return data
    result = await filing.generate_form(
        context.store,
        _form_store(context),
        context.scope,
        author_name=context.principal.name,
        child_id=data.child_id,
        template_key=data.template_key,
        source_id=data.source_id,
        local_authority=_local_authority(context),
        new_id=new_id,
        describe=_describe,
    )
    match result:
        case filing.RecordMissing(kind=kind, id=missing_id):
            return NotFound(kind=kind, id=missing_id)
        case filing.FileDisposed():
            return TransitionRefused(
                current_state="DISPOSED",
                allowed=(),
                reason="the child's file has been disposed of; nothing more can be filed in it",
            )
        case filing.GenerationConflict():
            return TransitionRefused(
                current_state="CHANGED",
                allowed=("generateForm",),
                reason="the document was being generated by someone else at the same time; "
                "try again",
            )
        case filing.FormNotRenderable(reason=reason):
            return InvalidInput(problems=(FieldProblem(field="sourceId", rule=reason),))
    # A new document can bring a new record class (a CLA review makes the file a
    # looked-after record): the retention follows at once.
    await recompute_retention_for(context, data.child_id)
    return result


async def document_content(
    context: HubContext, version_id: str, file_format: str
) -> Row | NotFound | NotAuthorised:
    """The bytes of one version, after writing the read record that audits the download."""
    # Forms are built from contact summaries and case notes: downloading one reads the
    # narrative, so it needs the capability the narrative fields need.
    if not can(context.principal, Capability.READ_CASE_NOTES):
        return NotAuthorised(
            reason=f"the {context.principal.role} role cannot read the case narrative"
        )
    rows = await context.store.write(
        document_statements.RECORD_DOCUMENT_READ,
        {
            **_reader_scope(context).params(),
            **_file_listing(context),
            "versionId": version_id,
            "readId": new_id(),
            "now": now_ms(),
            "viewerName": context.principal.name,
            "role": context.principal.role,
            "purpose": context.principal.purpose,
            "format": file_format,
        },
    )
    if not rows:
        return NotFound(kind="DocumentVersion", id=version_id)
    version = rows[0]["version"]
    checksum = version["checksumPdf"] if file_format == "PDF" else version["checksumHtml"]
    try:
        content = await _form_store(context).get(checksum)
    except (FormBytesMissing, ContentIntegrityError):
        # The read is audited; the damaged or missing bytes are for an operator to see
        # in the log, and to the caller the version simply cannot be had.
        log.exception("document version %s: stored bytes unavailable", version_id)
        return NotFound(kind="DocumentVersion", id=version_id)
    stem = version["filename"].rsplit(".", 1)[0]
    return {
        "childId": rows[0]["childId"],
        "versionId": version["id"],
        "filename": f"{stem}.{file_format.lower()}",
        "mimeType": _MIME_TYPES[file_format],
        "checksum": checksum,
        "size": len(content),
        "contentBase64": base64.b64encode(content).decode("ascii"),
    }


# -- retention ---------------------------------------------------------------------------


async def recompute_retention_for(
    context: HubContext, child_id: str
) -> livelink_records.StoredRetention | None:
    return await livelink_records.recompute_retention(
        context.store,
        context.scope,
        child_id,
        actor_name=context.principal.name,
        now_ms=now_ms(),
        run_id=new_id(),
    )


async def after_status_change(context: HubContext, child_id: str) -> None:
    """Recompute the child's retention after a change of status the caller just made.

    The change is already committed when this runs, so a failure here must not turn
    it into an error: the file keeps its previous retention (the date, never a
    disposal, is what lags) and the next recompute - any later change of status, a
    generated form, or `recomputeRetention` - brings it up to date.
    """
    try:
        await recompute_retention_for(context, child_id)
    except GraphError:
        # The request's id (on every log line) finds the child; the log names no child.
        log.exception("retention not recomputed after a change of status")


async def recompute_retention(
    context: HubContext, child_id: str
) -> livelink_records.StoredRetention | NotFound | NotAuthorised:
    """Recompute a child's retention (workers after a status change, records officers)."""
    if not (
        can(context.principal, Capability.WRITE_CASE)
        or can(context.principal, Capability.MANAGE_RECORDS)
    ):
        return NotAuthorised(reason=f"the {context.principal.role} role cannot change records")
    stored = await recompute_retention_for(context, child_id)
    if stored is None:
        return NotFound(kind="File", id=child_id)
    return stored


# -- holds -------------------------------------------------------------------------------


async def apply_hold(
    context: HubContext, file_id: str, raw: dict[str, Any]
) -> Row | NotFound | NotAuthorised | InvalidInput:
    """Put one file under a legal hold (idempotent: a file already held stays held once)."""
    if refused := _refuse_records_management(context):
        return refused
    data = validate(HoldInput, raw)
    if isinstance(data, InvalidInput):
        return data
    rows = await context.store.write(
        record_statements.APPLY_HOLD,
        {
            **context.scope.params(),
            **_actor(context),
            "key": data.key,
            "holdId": new_id(),
            "reason": data.reason,
            "standing": False,
            "criteria": None,
            "via": "FILE",
            "targets": [{"fileId": file_id, "applicationId": new_id(), "outboxId": new_id()}],
        },
    )
    if not rows:
        return NotFound(kind="File", id=file_id)
    return {"key": data.key, "fileIds": [row["fileId"] for row in rows]}


async def hold_by_query(
    context: HubContext, raw: dict[str, Any]
) -> Row | NotAuthorised | InvalidInput:
    """Hold every file matching the criteria; as a standing rule, later matches too."""
    if refused := _refuse_records_management(context):
        return refused
    data = validate(HoldByQueryInput, raw)
    if isinstance(data, InvalidInput):
        return data
    rows = await livelink_records.hold_by_query(
        context.store,
        context.scope,
        data.criteria,
        key=data.key,
        reason=data.reason,
        standing=data.standing,
        actor_name=context.principal.name,
        now_ms=now_ms(),
        new_id=new_id,
    )
    return {"key": data.key, "fileIds": [row["fileId"] for row in rows]}


async def lift_hold(
    context: HubContext, file_id: str | None, raw: dict[str, Any]
) -> Row | NotAuthorised | InvalidInput | TransitionRefused:
    """Lift a hold from one file, or (no file) everywhere, ending it as a standing rule."""
    if refused := _refuse_records_management(context):
        return refused
    data = validate(HoldInput, raw)
    if isinstance(data, InvalidInput):
        return data
    rows = await context.store.write(
        record_statements.LIFT_HOLD,
        {
            **context.scope.params(),
            **_actor(context),
            "key": data.key,
            "fileId": file_id,
            "reason": data.reason,
            "runId": new_id(),
        },
    )
    if not rows and file_id is not None:
        return TransitionRefused(
            current_state="NOT_HELD",
            allowed=("applyHold",),
            reason=f"the file is not under hold {data.key}",
        )
    return {"key": data.key, "fileIds": [row["fileId"] for row in rows]}


# -- disposal ----------------------------------------------------------------------------


async def disposal_review(
    context: HubContext, as_of: date, limit: int
) -> list[Row] | NotAuthorised | InvalidInput:
    """Files past their retention date and under no hold, oldest first."""
    if refused := _refuse_records_management(context):
        return refused
    if problem := page_size_problem("limit", limit):
        return problem
    return await context.store.read(
        record_statements.DISPOSAL_REVIEW,
        {**context.scope.params(), "today": as_of, "limit": limit},
    )


async def dispose_file(
    context: HubContext, file_id: str, raw: dict[str, Any]
) -> Row | NotFound | NotAuthorised | InvalidInput | TransitionRefused:
    """Dispose of a file: refused while any hold applies or its retention runs."""
    if refused := _refuse_records_management(context):
        return refused
    data = validate(DisposalInput, raw)
    if isinstance(data, InvalidInput):
        return data
    result = await livelink_records.dispose_file(
        context.store,
        context.scope,
        file_id,
        reason=data.reason,
        actor_name=context.principal.name,
        role=context.principal.role,
        today=today_in_england(),
        now_ms=now_ms(),
        record_id=new_id(),
    )
    if result is None:
        return NotFound(kind="File", id=file_id)
    if isinstance(result, livelink_records.DisposalRefused):
        allowed = ("liftHold",) if result.held_by else ()
        return TransitionRefused(current_state=result.state, allowed=allowed, reason=result.reason)
    # Only after the disposal is committed: the LCS copies of the bytes go too.
    await _form_store(context).discard(list(result.checksums))
    return result.record


# -- outbox ------------------------------------------------------------------------------


async def replay_outbox_item(
    context: HubContext, item_id: str
) -> Row | NotFound | NotAuthorised | TransitionRefused:
    """Put a FAILED outbox item back in the queue (recording who did it)."""
    if refused := _refuse_records_management(context):
        return refused
    outcome = await outbox.replay_item(
        context.store, item_id, now_ms(), by=context.principal.subject
    )
    if outcome.state is None:
        return NotFound(kind="OutboxItem", id=item_id)
    if not outcome.replayed:
        return TransitionRefused(
            current_state=outcome.state,
            allowed=(),
            reason="only a FAILED item can be replayed; this one is not parked",
        )
    rows = await context.store.read(file_statements.OUTBOX_ITEM, {"itemId": item_id})
    item: Row = rows[0]["item"]
    return item


async def replay_failed_outbox_items(context: HubContext) -> int | NotAuthorised:
    """Put every FAILED outbox item back in the queue; how many went back."""
    if refused := _refuse_records_management(context):
        return refused
    return await outbox.replay_failed(context.store, now_ms(), by=context.principal.subject)


async def outbox_backlog(context: HubContext) -> OutboxBacklog | NotAuthorised:
    """What has not reached Livelink yet, and whether it is late enough to alert."""
    if refused := _refuse_records_management(context):
        return refused
    return await backlog.outbox_backlog(
        context.store, now_ms=now_ms(), alert_after_seconds=context.outbox_alert_after_seconds
    )


async def outbox_backlog_for_work_list(context: HubContext) -> OutboxBacklog | None:
    """The backlog on the caller's work list: None (and no read) unless they manage records."""
    result = await outbox_backlog(context)
    return None if isinstance(result, NotAuthorised) else result


async def outbox_items(
    context: HubContext, state: str, limit: int
) -> list[Row] | NotAuthorised | InvalidInput:
    """Outbox items in one state (FAILED: what needs a records officer's attention)."""
    if refused := _refuse_records_management(context):
        return refused
    if state not in outbox.ITEM_STATES:
        # An empty list would read as nothing waiting.
        rule = f"one of {', '.join(outbox.ITEM_STATES)}"
        return InvalidInput(problems=(FieldProblem(field="state", rule=rule),))
    if problem := page_size_problem("limit", limit):
        return problem
    rows = await context.store.read(
        file_statements.OUTBOX_ITEMS_IN_STATE, {"state": state, "limit": limit}
    )
    return [row["item"] for row in rows]


# -- loaders (the file's documents and holds, batched per request) ------------------------


async def document(context: HubContext, document_id: str) -> Row | None:
    """One document with its versions, or None if missing or its child is not visible."""
    rows = await context.store.read(
        document_statements.DOCUMENT_BY_ID,
        {**context.scope.params(), **_file_listing(context), "documentId": document_id},
    )
    return rows[0] if rows else None


async def documents_of_file(context: HubContext, file_id: str) -> list[Row]:
    """Every document of a file with its versions (one statement per request level)."""
    loader = context.loader(
        "livelink.documents",
        many_per_key(
            context.store,
            document_statements.DOCUMENTS_OF_FILES,
            "fileId",
            params=_file_listing(context),
        ),
    )
    rows: list[Row] = await loader.load(file_id)
    return rows


async def documents_of_folder(context: HubContext, folder_id: str) -> list[Row]:
    """The documents of one subfolder with their versions."""
    loader = context.loader(
        "livelink.folder_documents",
        many_per_key(
            context.store,
            document_statements.DOCUMENTS_OF_FOLDERS,
            "folderId",
            params=_file_listing(context),
        ),
    )
    rows: list[Row] = await loader.load(folder_id)
    return rows


async def holds_of_file(context: HubContext, file_id: str) -> list[Row]:
    """Every hold application on a file, active and lifted."""
    loader = context.loader(
        "livelink.holds", many_per_key(context.store, record_statements.HOLDS_OF, "fileId")
    )
    rows: list[Row] = await loader.load(file_id)
    return rows
