"""Linking EHM and IES records to children: candidates, link, unlink, the review queue.

Records officers decide (LINK_RECORDS); a system client (INGEST_RECORDS) may read the
state of records and the review queue, never a candidate child's details. Candidates
come out through the caller's row rules, so a child they may not see is never offered.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from auth.capabilities import Capability, can
from connectors import ehm, ies
from connectors.intake import sender_of
from graph.cypher import early_help as early_help_statements
from graph.cypher import ies as ies_statements
from graph.cypher import linking as statements
from resolvers import encompass as encompass_resolvers
from resolvers.loaders import many_per_key
from resolvers.page_sizes import page_size_problem
from workflow import linking
from workflow.outcomes import FieldProblem, InvalidInput, NotAuthorised, NotFound

if TYPE_CHECKING:
    from collections.abc import Callable

    from strawberry.dataloader import DataLoader

    from graph import Row
    from resolvers.context import HubContext
    from workflow.outcomes import TransitionRefused


async def single_service_requests_of(context: HubContext, child_id: str) -> list[Row]:
    """The SSRs linked to a child the caller already sees, newest first."""
    loader = context.loader(
        "ies.singleServiceRequests",
        many_per_key(context.store, ies_statements.SSRS_OF, "childId", value=_column("ssr")),
    )
    rows: list[Row] = await loader.load(child_id)
    return rows


async def early_help_requests_of(context: HubContext, child_id: str) -> list[Row]:
    """The requests for early help sent to EHM about a child the caller already sees."""
    loader = context.loader(
        "ehm.earlyHelpRequests",
        many_per_key(context.store, early_help_statements.EARLY_HELP_REQUESTS_OF, "childId"),
    )
    rows: list[Row] = await loader.load(child_id)
    return rows


def _column(name: str) -> Callable[[Row], Row]:
    return lambda row: row[name]


def _refuse_unless(context: HubContext, *needed: Capability) -> NotAuthorised | None:
    if any(can(context.principal, capability) for capability in needed):
        return None
    return NotAuthorised(
        reason=f"the {context.principal.role} role cannot decide which child a record is about"
    )


def _reason(reason: str) -> str | InvalidInput:
    text = reason.strip()
    if not 1 <= len(text) <= 1000:
        return InvalidInput((FieldProblem("reason", "give a reason of 1 to 1000 characters"),))
    return text


def _sender(context: HubContext) -> str | None:
    """Whose records the caller may follow: a system client only what it sent itself."""
    if can(context.principal, Capability.LINK_RECORDS):
        return None
    return sender_of(context.principal.subject)


async def source_record(
    context: HubContext, record_id: str
) -> tuple[Row, list[Row]] | NotFound | NotAuthorised:
    """A record, its link and every link and unlink it has had."""
    if refused := _refuse_unless(context, Capability.LINK_RECORDS, Capability.INGEST_RECORDS):
        return refused
    found = await linking.record_with_link(context.store, record_id)
    if not isinstance(found, dict):
        return found
    sender = _sender(context)
    if sender is not None and found.get("recordedBy") != sender:
        # Another system's record: as if it did not exist.
        return NotFound(kind="SourceRecord", id=record_id)
    seen = await _with_history(context, found)
    return seen, seen["history"]


async def _with_history(context: HubContext, record: Row) -> Row:
    """The record with every link and unlink it has had, as the caller may see them."""
    history = await linking.link_history(context.store, record["id"])
    [seen] = await linking.as_seen_by(
        context.store, context.scope, [{**record, "history": history}]
    )
    return seen


async def _answered[Outcome](
    context: HubContext, result: linking.LinkedRecord | Outcome
) -> linking.LinkedRecord | Outcome:
    """A person's link or unlink answers with the record's whole trail, this step in it."""
    if not isinstance(result, linking.LinkedRecord):
        return result
    return replace(result, record=await _with_history(context, result.record))


async def records_of_child(context: HubContext, child_id: str) -> list[Row]:
    """A child's early help and education records; none for a child the caller may not see."""
    return await linking.records_of_child(context.store, context.scope, child_id)


def source_records_loader(context: HubContext) -> DataLoader[str, Any]:
    """Per request: child id -> the child's EHM and IES records, latest first.

    One statement for every child of the request; `RECORDS_OF` re-applies the row rule, so
    the records of a child the caller may not see never leave the store.
    """
    load = many_per_key(
        context.store,
        statements.RECORDS_OF,
        "childId",
        value=lambda row: linking.record_row(row["record"]),
        params=context.scope.params(),
    )
    return context.loader("source-records", load)


def school_stays_loader(context: HubContext) -> DataLoader[str, Any]:
    """Per request: child id -> the stays on a school's roll of the child's IES pupil
    records, newest first, each with its days (`SCHOOL_STAYS_OF` re-applies the row rule)."""

    def stay(row: Row) -> Row:
        admitted, left = ies.stay_days(row["stay"]["fromMs"], row["stay"]["untilMs"])
        return {**row["stay"], "admittedOn": admitted, "leftOn": left}

    load = many_per_key(
        context.store,
        ies_statements.SCHOOL_STAYS_OF,
        "childId",
        value=stay,
        params=context.scope.params(),
    )
    return context.loader("school-stays", load)


async def candidates(
    context: HubContext, record_id: str
) -> linking.RecordCandidates | NotFound | NotAuthorised:
    """A record and the children it may be about, scored, among those the caller may see."""
    if refused := _refuse_unless(context, Capability.LINK_RECORDS):
        return refused
    return await linking.candidates_for_record(context.store, context.scope, record_id)


async def suspected_duplicates(
    context: HubContext, limit: int
) -> list[linking.SuspectedDuplicate] | NotAuthorised | InvalidInput:
    """Pairs of children who may be one child recorded twice (records officers)."""
    if refused := _refuse_unless(context, Capability.LINK_RECORDS, Capability.MERGE_RECORDS):
        return refused
    if problem := page_size_problem("limit", limit):
        return problem
    return await linking.suspected_duplicates(context.store, context.scope, limit)


async def review_queue(context: HubContext, limit: int) -> list[Row] | NotAuthorised | InvalidInput:
    """Records waiting for a person, oldest first."""
    if refused := _refuse_unless(context, Capability.LINK_RECORDS, Capability.INGEST_RECORDS):
        return refused
    if problem := page_size_problem("limit", limit):
        return problem
    records = await linking.review_queue(context.store, limit, _sender(context))
    return await linking.as_seen_by(context.store, context.scope, records)


async def link(
    context: HubContext, record_id: str, child_id: str, reason: str
) -> linking.LinkedRecord | NotFound | TransitionRefused | NotAuthorised | InvalidInput:
    """Link a record to a child by hand (rule MANUAL, with the caller and the reason)."""
    if refused := _refuse_unless(context, Capability.LINK_RECORDS):
        return refused
    checked = _reason(reason)
    if isinstance(checked, InvalidInput):
        return checked
    result = await linking.link_record(context.store, context.scope, record_id, child_id, checked)
    if isinstance(result, linking.LinkedRecord):
        await _on_linked(context, result.record)
    return await _answered(context, result)


async def _on_linked(context: HubContext, record: Row) -> None:
    # What a source does once a record of it is linked: IES opens the file for a
    # finalised SSR, EHM makes the contact of a step up.
    await ies.on_linked(context.store, record)
    await ehm.StepUpToContact(context.step_up_team).on_linked(context.store, record)


async def link_to_new_child(
    context: HubContext, record_id: str, reason: str
) -> linking.LinkedRecord | NotFound | TransitionRefused | NotAuthorised | InvalidInput:
    """A person says the record is about a child the hub has not met (rule NEW_PERSON)."""
    if refused := _refuse_unless(context, Capability.LINK_RECORDS):
        return refused
    checked = _reason(reason)
    if isinstance(checked, InvalidInput):
        return checked
    result = await linking.link_record_to_new_child(
        context.store, context.scope, record_id, checked
    )
    if isinstance(result, linking.LinkedRecord):
        await _on_linked(context, result.record)
    return await _answered(context, result)


async def unlink(
    context: HubContext, record_id: str, reason: str
) -> linking.LinkedRecord | NotFound | NotAuthorised | InvalidInput:
    """Undo a record's link; it goes back to the review queue."""
    if refused := _refuse_unless(context, Capability.LINK_RECORDS):
        return refused
    checked = _reason(reason)
    if isinstance(checked, InvalidInput):
        return checked
    result = await linking.unlink_record(context.store, context.scope, record_id, checked)
    if isinstance(result, linking.LinkedRecord):
        # The Operation Encompass notices the wrong link sent leave the school it named.
        await encompass_resolvers.withdraw_unfounded(context, result.child_id, checked)
    return await _answered(context, result)
