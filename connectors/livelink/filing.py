"""Generating a form: render it from the record, keep the bytes, file a copy via the outbox.

The order makes a version impossible to orphan: the bytes go into the LCS form store
first (content-addressed, so a retry writes nothing new), then ONE graph statement
records the version, opens the child's file if no contact or SSR has yet, and queues
the FILE_DOCUMENT outbox item that files the copy to the template's subfolder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from connectors.livelink.file_plan import FILE_PLAN
from connectors.livelink.form_context import (
    FORM_SOURCES,
    Describe,
    SourceRecord,
    form_context,
)
from connectors.livelink.templates import FORM_TEMPLATES, TemplateContextError, render_form
from graph.cypher import documents as statements
from workflow.calendar import day_in_england

if TYPE_CHECKING:
    from connectors.livelink.form_store import FormStore
    from graph import GraphStore, Row
    from graph.cypher.access import AccessScope

__all__ = [
    "FileDisposed",
    "FormNotRenderable",
    "GeneratedForm",
    "GenerationConflict",
    "RecordMissing",
    "document_key",
    "generate_form",
    "new_folder_rows",
]


@dataclass(frozen=True, slots=True)
class GeneratedForm:
    """A new version of a form, recorded and queued for filing."""

    document: Row
    version: Row
    file_id: str
    file_created: bool
    outbox_item_id: str


@dataclass(frozen=True, slots=True)
class RecordMissing:
    """The child, or the source record, does not exist or is not visible to the caller."""

    kind: str
    id: str


@dataclass(frozen=True, slots=True)
class FileDisposed:
    """The child's file has been disposed of: nothing more can be filed in it."""

    file_id: str | None


@dataclass(frozen=True, slots=True)
class GenerationConflict:
    """Other generations of the same document kept taking the next version number."""

    attempts: int


@dataclass(frozen=True, slots=True)
class FormNotRenderable:
    """The source record holds a value the template cannot show."""

    reason: str


_RENDER_ATTEMPTS = 3
# The states of a record withdrawn as recorded in error (a contact; a referral, a step).
_WITHDRAWN_STATES = frozenset({"WITHDRAWN", "RECORDED_IN_ERROR"})


def _recorded_in_error(row: Row) -> bool:
    """Whether the form's source record, or the record it is part of, was withdrawn."""
    return any(
        record is not None and record.get("status") in _WITHDRAWN_STATES
        for record in (row["source"], row["record"])
    )


def document_key(child_id: str, template_key: str, source_id: str | None) -> str:
    """The logical document: one per child, template and source record."""
    return f"{child_id}|{template_key}|{source_id or ''}"


def new_folder_rows(new_id: Callable[[], str]) -> list[dict[str, Any]]:
    """The file plan as statement rows, with fresh ids (for a file opened here)."""
    return [
        {"id": new_id(), "key": folder.key, "name": folder.name, "position": position}
        for position, folder in enumerate(FILE_PLAN)
    ]


async def generate_form(
    store: GraphStore,
    form_store: FormStore,
    scope: AccessScope,
    *,
    author_name: str,
    child_id: str,
    template_key: str,
    source_id: str | None,
    local_authority: str,
    new_id: Callable[[], str],
    describe: Describe | None = None,
    generated_at: datetime | None = None,
) -> GeneratedForm | RecordMissing | FileDisposed | FormNotRenderable | GenerationConflict:
    """Render `template_key` for the child and record it as the document's next version.

    Args:
        scope: the caller's row-level access; the child must be visible under it.
        author_name: the caller's name, shown on the form and kept on the version.
        source_id: the record the form shows (a contact for a contact record, a journey
            step for an assessment, discussion, enquiry, conference or review, the plan
            for a plan, the case for a closure summary); None for a form of the child's
            record alone.
        new_id: makes record ids (injected so tests can name them).
        describe: turns stored codes into words on the form.
        generated_at: the instant shown on the form (now by default).

    Raises:
        KeyError: `template_key` is not a known template (callers validate first).
    """
    template = FORM_TEMPLATES[template_key]
    source_spec = FORM_SOURCES[template_key]
    at = generated_at or datetime.now(UTC)
    # Millisecond precision: the instant shown on the form is the one the graph keeps.
    at = at.replace(microsecond=at.microsecond // 1000 * 1000)
    key = document_key(child_id, template_key, source_id)
    for _ in range(_RENDER_ATTEMPTS):
        rows = await store.read(
            statements.form_source(source_spec.label),
            {
                **scope.params(),
                "childId": child_id,
                "sourceId": source_id,
                "kinds": list(source_spec.step_kinds) or None,
                "documentKey": key,
                "templateKey": template_key,
            },
        )
        if not rows:
            return RecordMissing(kind="Child", id=child_id)
        row = rows[0]
        # The document already made of this source, if there is one (it may carry the
        # id of a record since merged into this child): the next version is its. A new
        # one is the document of the record whose file it goes to (a merged record's).
        key = row["documentKey"] or document_key(row["fileChildId"], template_key, source_id)
        if row["fileDisposedAt"] is not None:
            return FileDisposed(file_id=None)
        if source_id is not None and row["source"] is None:
            return RecordMissing(kind=source_spec.missing_kind, id=source_id)
        if _recorded_in_error(row):
            # Its forms already made are misfiled (misfile_documents): a new one would
            # file it on this child's file again as if it were theirs.
            return FormNotRenderable(
                reason="the source record was withdrawn as recorded in error: it is not "
                "this child's record"
            )
        source = (
            None
            if row["source"] is None
            else SourceRecord(
                properties={
                    **row["source"],
                    "finalisedByName": row["finalisedByName"],
                    "authorisedByName": row["authorisedByName"],
                },
                record=row["record"],
                steps=row["steps"],
                authorisations=row["authorisations"],
            )
        )
        context = form_context(
            template_key,
            child=row["child"],
            source=source,
            author=author_name,
            local_authority=local_authority,
            today=day_in_england(at),
            **({} if describe is None else {"describe": describe}),
        )
        context["version"] = row["latestVersion"] + 1
        try:
            rendered = render_form(template_key, context, generated_at=at)
        except TemplateContextError as error:
            return FormNotRenderable(reason=str(error))
        html = rendered.html.encode("utf-8")
        # Bytes before the statement: a recorded version always has its content.
        await form_store.put(html)
        await form_store.put(rendered.pdf)
        written = await store.write(
            statements.GENERATE_FORM,
            {
                **scope.params(),
                "now": int(at.timestamp() * 1000),
                "viewerName": author_name,
                "childId": child_id,
                "fileId": new_id(),
                "openItemId": new_id(),
                "folders": new_folder_rows(new_id),
                "folderKey": template.folder_key,
                "documentKey": key,
                "documentId": new_id(),
                "previousVersion": row["latestVersion"],
                "templateKey": template_key,
                "title": template.title,
                "recordClass": template.record_class.value,
                "sourceId": source_id,
                "mergeEventId": row["mergeEventId"],
                "versionId": new_id(),
                "checksumHtml": rendered.checksum_html,
                "checksumPdf": rendered.checksum_pdf,
                "sizeHtml": len(html),
                "sizePdf": len(rendered.pdf),
                "filename": f"{template.filename_stem}.pdf",
                "fileItemId": new_id(),
            },
        )
        if written:
            result = written[0]
            return GeneratedForm(
                document=result["document"],
                version=result["version"],
                file_id=result["fileId"],
                file_created=result["fileCreated"],
                outbox_item_id=result["outboxItemId"],
            )
        # Another generation of the same document took this version number (or the
        # file was disposed of meanwhile): read again and render the next number.
    return GenerationConflict(attempts=_RENDER_ATTEMPTS)
