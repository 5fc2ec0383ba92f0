"""Turning a strawberry input into the plain data the workflow validates."""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic.alias_generators import to_camel


def plain_input(value: Any) -> Any:
    """A strawberry input as plain data, named as the caller named it (camelCase, so the
    problems validation reports name the caller's fields), without what was not given."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            to_camel(field.name): plain_input(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if getattr(value, field.name) is not None
        }
    return value
