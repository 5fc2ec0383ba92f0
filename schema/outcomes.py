"""Expected outcomes as GraphQL types: members of every mutation's result union."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry

from workflow import outcomes


@strawberry.type(description="No such record, or one you may not see: the two look the same.")
class NotFound:
    kind: str
    id: strawberry.ID

    @classmethod
    def of(cls, outcome: outcomes.NotFound) -> NotFound:
        return cls(kind=outcome.kind, id=strawberry.ID(outcome.id))


@strawberry.type(description="The step is not allowed from the current state; nothing changed.")
class TransitionRefused:
    current_state: str
    allowed_next_steps: list[str]
    reason: str

    @classmethod
    def of(cls, outcome: outcomes.TransitionRefused) -> TransitionRefused:
        return cls(
            current_state=outcome.current_state,
            allowed_next_steps=list(outcome.allowed),
            reason=outcome.reason,
        )


@strawberry.type(description="You may not do this; nothing changed.")
class NotAuthorised:
    reason: str
    missing_training_modules: list[str]

    @classmethod
    def of(cls, outcome: outcomes.NotAuthorised) -> NotAuthorised:
        return cls(reason=outcome.reason, missing_training_modules=list(outcome.missing_modules))


@strawberry.type(description="One rule a field of the input breaks.")
class FieldProblem:
    field: str
    rule: str


@strawberry.type(description="The input breaks these rules; nothing changed.")
class InvalidInput:
    problems: list[FieldProblem]

    @classmethod
    def of(cls, outcome: outcomes.InvalidInput) -> InvalidInput:
        return cls(problems=[FieldProblem(field=p.field, rule=p.rule) for p in outcome.problems])


def expected_outcome(
    outcome: outcomes.NotFound
    | outcomes.TransitionRefused
    | outcomes.NotAuthorised
    | outcomes.InvalidInput,
) -> NotFound | TransitionRefused | NotAuthorised | InvalidInput:
    """The GraphQL type of a workflow outcome."""
    match outcome:
        case outcomes.NotFound():
            return NotFound.of(outcome)
        case outcomes.TransitionRefused():
            return TransitionRefused.of(outcome)
        case outcomes.NotAuthorised():
            return NotAuthorised.of(outcome)
        case outcomes.InvalidInput():
            return InvalidInput.of(outcome)


def answer(result: Any, convert: Callable[[Any], Any]) -> Any:
    """A resolver's answer as GraphQL: the expected outcome's type, or `convert(result)`.

    Typed `Any` on purpose: each mutation's union is narrower than the four outcomes,
    and strawberry checks the returned object against that union at run time.
    """
    if isinstance(result, OUTCOME_TYPES):
        return expected_outcome(result)
    return convert(result)


OUTCOME_TYPES = (
    outcomes.NotFound,
    outcomes.TransitionRefused,
    outcomes.NotAuthorised,
    outcomes.InvalidInput,
)
