"""What a workflow operation can answer besides success: expected outcomes, not errors."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class NotFound:
    """No such record, or one the caller may not see (the two are deliberately the same)."""

    kind: str
    id: str


@dataclass(frozen=True, slots=True)
class TransitionRefused:
    """The step is not allowed from the record's current state; nothing was written."""

    current_state: str
    allowed: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class NotAuthorised:
    """The caller may not do this; `missing_modules` lists training still to complete."""

    reason: str
    missing_modules: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One rule an input field breaks."""

    field: str
    rule: str


@dataclass(frozen=True, slots=True)
class InvalidInput:
    """The input breaks the rules listed; nothing was written."""

    problems: tuple[FieldProblem, ...]
