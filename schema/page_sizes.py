"""How many items a list field answers at once: one rule for every `limit:` and `latest:`.

A number outside the bound is refused naming the argument, never quietly answered as
another: a records officer who asks for the 1,000 oldest failed items and is handed 500
reads them as all there are.
"""

from __future__ import annotations

from graphql import GraphQLError

# The most items one list field answers; a client wanting more narrows its question.
MOST_AT_ONCE = 500


def page_size(field: str, argument: str, asked: int) -> int:
    """`asked`, if it is 1 to `MOST_AT_ONCE`.

    Raises:
        GraphQLError: BAD_USER_INPUT naming `argument` and the rule.
    """
    if not 1 <= asked <= MOST_AT_ONCE:
        raise GraphQLError(
            f"{field}({argument}:) must be between 1 and {MOST_AT_ONCE}; got {asked}",
            extensions={"code": "BAD_USER_INPUT", "argument": argument},
        )
    return asked
