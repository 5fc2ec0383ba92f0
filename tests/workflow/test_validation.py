"""Turning a model's broken rules into problems that name the caller's field."""

from __future__ import annotations

from typing import Self

from pydantic import model_validator

from workflow.outcomes import FieldProblem, InvalidInput
from workflow.validation import FieldRuleBroken, Input, validate


class Period(Input):
    start_day: int
    end_day: int

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        if self.end_day < self.start_day:
            raise FieldRuleBroken("endDay", "must not be before startDay")
        if self.end_day == self.start_day == 0:
            raise ValueError("give a period that lasts")
        return self


def test_a_rule_across_fields_names_the_field_to_change() -> None:
    assert validate(Period, {"startDay": 3, "endDay": 2}) == InvalidInput(
        problems=(FieldProblem("endDay", "must not be before startDay"),)
    )


def test_a_rule_naming_no_field_is_about_the_whole_input() -> None:
    assert validate(Period, {"startDay": 0, "endDay": 0}) == InvalidInput(
        problems=(FieldProblem("input", "give a period that lasts"),)
    )


def test_a_field_rule_is_located_at_the_field() -> None:
    assert validate(Period, {"startDay": "x", "endDay": 1}) == InvalidInput(
        problems=(
            FieldProblem(
                "startDay", "Input should be a valid integer, unable to parse string as an integer"
            ),
        )
    )
