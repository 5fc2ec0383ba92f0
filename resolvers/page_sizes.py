"""How many items a list answers at once: one rule for every `limit:` a result union carries.

A number outside the bound is refused as InvalidInput naming the argument, never quietly
answered as another: a records officer who asks for the 1,000 oldest failed items and is
handed 500 reads them as all there are.
"""

from __future__ import annotations

from workflow.outcomes import FieldProblem, InvalidInput

# The most items one list answers; a client wanting more narrows its question.
MOST_AT_ONCE = 500


def page_size_problem(argument: str, asked: int) -> InvalidInput | None:
    """InvalidInput naming `argument` unless `asked` is 1 to `MOST_AT_ONCE`."""
    if 1 <= asked <= MOST_AT_ONCE:
        return None
    return InvalidInput((FieldProblem(argument, f"from 1 to {MOST_AT_ONCE}; got {asked}"),))
