"""Mutations generated from the process table: one per action, plus the manager's
authorise and return-for-rework, for every kind of record a process governs.

Each process differs only in its record's id argument, its result union and how a row
becomes its GraphQL type, so one factory serves them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

import strawberry
from pydantic.alias_generators import to_camel
from strawberry.types import Info

from resolvers import journey as journey_resolvers
from resolvers.context import HubContext
from schema.inputs import plain_input
from schema.outcomes import answer
from workflow import process as table


@dataclass(frozen=True, slots=True)
class RecordShape:
    """How one process's record appears in the API."""

    process: table.Process
    id_argument: str  # the id argument's Python name, e.g. "case_id"
    result: Any  # the result union the mutations answer with
    convert: Callable[[Any], Any]  # a row to the record's GraphQL type


def _id_annotation(shape: RecordShape) -> Any:
    return Annotated[strawberry.ID, strawberry.argument(name=to_camel(shape.id_argument))]


def _mutation(resolve: Callable[..., Any], annotations: dict[str, Any], description: str) -> Any:
    # Strawberry reads argument types from the annotations; they are set here, as
    # objects, because one resolver body serves every process and action.
    resolve.__annotations__ = annotations
    return strawberry.mutation(resolver=resolve, description=description)


def action_mutation(shape: RecordShape, action: str, input_type: type) -> Any:
    """The mutation of one action of the process table, taking `input_type`."""
    declared = table.transition(shape.process, action)
    assert declared is not None, action
    who = " (a manager then authorises it)" if declared.authoriser else ""

    async def resolve(
        info: Info[HubContext, None], record_id: strawberry.ID, version: int, input: Any
    ) -> Any:
        result = await journey_resolvers.perform(
            info.context, shape.process, record_id, action, version, plain_input(input)
        )
        return answer(result, shape.convert)

    return _mutation(
        resolve,
        {
            "info": Info[HubContext, None],
            "record_id": _id_annotation(shape),
            "version": int,
            "input": input_type,
            "return": shape.result,
        },
        f"{declared.description}{who}",
    )


# A manager's decision is dated the day it was made, which may be before it is recorded.
_DECIDED_ON = Annotated[
    date | None,
    strawberry.argument(
        description="The day the manager decided (default today; never in the future, "
        "never before what it decides on)"
    ),
]


# A timescale met only when a manager authorises (the assessment's 45 working days) is
# missed when the authorisation is late, however early the work was done: the manager says why.
_AUTHORISED_LATE = Annotated[
    str | None,
    strawberry.argument(
        description="Why it is authorised after its due day, when its timescale is met only "
        "on authorisation and the worker gave no reason (a reason they gave stands)"
    ),
]


def authorise_mutation(shape: RecordShape, description: str) -> Any:
    """A manager authorises what the record waits on."""

    async def resolve(
        info: Info[HubContext, None],
        record_id: strawberry.ID,
        version: int,
        on: Any = None,
        late_reason: str | None = None,
    ) -> Any:
        result = await journey_resolvers.authorise(
            info.context, shape.process, record_id, version, on, late_reason
        )
        return answer(result, shape.convert)

    return _mutation(
        resolve,
        {
            "info": Info[HubContext, None],
            "record_id": _id_annotation(shape),
            "version": int,
            "on": _DECIDED_ON,
            "late_reason": _AUTHORISED_LATE,
            "return": shape.result,
        },
        description,
    )


def return_for_rework_mutation(shape: RecordShape, description: str) -> Any:
    """A manager sends the record's proposal back, with a reason."""

    async def resolve(
        info: Info[HubContext, None],
        record_id: strawberry.ID,
        version: int,
        reason: str,
        on: Any = None,
    ) -> Any:
        result = await journey_resolvers.return_for_rework(
            info.context, shape.process, record_id, version, reason, on
        )
        return answer(result, shape.convert)

    return _mutation(
        resolve,
        {
            "info": Info[HubContext, None],
            "record_id": _id_annotation(shape),
            "version": int,
            "reason": str,
            "on": _DECIDED_ON,
            "return": shape.result,
        },
        description,
    )
