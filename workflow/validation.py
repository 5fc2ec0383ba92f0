"""Turning raw input into a validated model, or into `InvalidInput` naming each field and rule."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from workflow.outcomes import FieldProblem, InvalidInput


class FieldRuleBroken(ValueError):
    """A rule across an input's fields, broken: raised by a model validator, whose error
    pydantic reports with no location, to name the field the caller must change."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(rule)
        self.field = field


class Input(BaseModel):
    """Base of every workflow input: camelCase names, as the GraphQL caller spells them."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        str_strip_whitespace=True,
        extra="forbid",
        frozen=True,
    )


def validate[M: BaseModel](model: type[M], raw: dict[str, Any]) -> M | InvalidInput:
    """Validate `raw` against `model`; every broken rule is reported, nothing raised."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            cause = error.get("ctx", {}).get("error")
            located = ".".join(str(part) for part in error["loc"]) or "input"
            field = cause.field if isinstance(cause, FieldRuleBroken) else located
            rule = error["msg"].removeprefix("Value error, ")
            problems.append(FieldProblem(field=field, rule=rule))
        return InvalidInput(problems=tuple(problems))
