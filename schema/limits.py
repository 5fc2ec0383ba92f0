"""Bounds on one GraphQL request: its size, its shape, its cost, and what the caches keep.

Without them one request could hold the hub: 1,000 introspection aliases held the only
worker for 31 s and answered 105 MB, and each distinct 10 MB query stayed in the parser
cache. Strawberry's own limiters bound tokens (what the parser reads), aliases and depth;
the cost rule below bounds how much a document may ask for in all, counting a list field
as if it returned `LIST_FACTOR` items, so nesting lists multiplies. Each refusal is a
GraphQL validation error with a code and nothing runs; the limits are settings.

The rule classes are built once per set of limits: the validation cache keys on them, and
a class built per request would make every request a miss.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Final

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    ValidationRule,
    get_named_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
)
from strawberry.schema.schema import validate_document

from resolvers.page_sizes import MOST_AT_ONCE

if TYPE_CHECKING:
    from graphql import (
        ASTValidationRule,
        GraphQLNamedType,
        GraphQLOutputType,
        Node,
        SelectionSetNode,
        ValidationContext,
    )
    from strawberry.types import ExecutionContext

# What a list field is assumed to return when counting cost: a family has a few members,
# a work list a few dozen items; ten keeps ordinary case views far below the limit while
# nested lists (and introspection's types → fields → args) add up quickly.
LIST_FACTOR: Final = 10


@dataclass(frozen=True)
class RequestLimits:
    """How much one GraphQL request may ask for (from the hub's settings)."""

    max_tokens: int = 10_000
    max_aliases: int = 100
    max_depth: int = 15
    max_cost: int = 50_000
    # An operation's name is written to every audit row of the request: the document's
    # own names are bounded as `operationName` is (hub/graphql_view.py).
    max_operation_name_chars: int = 100
    # How many times one response name may be selected in one selection set (its
    # fragments folded in): validation's work grows with the square of the repeats.
    max_repeated_fields: int = 50
    # The caches keep this many documents, and only documents up to this many characters:
    # a gateway's operations are small and repeat; a huge one-off query is parsed afresh.
    cache_size: int = 256
    max_cached_document_chars: int = 16_384


def _field_type(parent: GraphQLNamedType | None, node: FieldNode) -> GraphQLOutputType | None:
    name = node.name.value
    if name == "__schema":
        return SchemaMetaFieldDef.type
    if name == "__type":
        return TypeMetaFieldDef.type
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        definition = parent.fields.get(name)
        return definition.type if definition is not None else None
    return None


def _list_factor(field_type: GraphQLOutputType) -> int:
    factor = 1
    current: Any = field_type
    while isinstance(current, GraphQLNonNull | GraphQLList):
        if isinstance(current, GraphQLList):
            factor *= LIST_FACTOR
        current = current.of_type
    return factor


class _CostCounter:
    """Counts the fields a document asks for, each weighted by the lists above it."""

    def __init__(self, context: ValidationContext, budget: int) -> None:
        self._context = context
        self._budget = budget

    def cost(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType | None,
        weight: int,
        fragments_on_path: frozenset[str],
    ) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += weight
                field_type = _field_type(parent, selection)
                if selection.selection_set is not None and field_type is not None:
                    total += self.cost(
                        selection.selection_set,
                        get_named_type(field_type),
                        weight * _list_factor(field_type),
                        fragments_on_path,
                    )
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                narrowed = self._type(condition.name.value) if condition else parent
                total += self.cost(selection.selection_set, narrowed, weight, fragments_on_path)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self._context.get_fragment(name)
                # A cycle is its own validation error; counting it would never end.
                if fragment is not None and name not in fragments_on_path:
                    total += self.cost(
                        fragment.selection_set,
                        self._type(fragment.type_condition.name.value),
                        weight,
                        fragments_on_path | {name},
                    )
            if total > self._budget:
                break
        return total

    def _type(self, name: str) -> GraphQLNamedType | None:
        return self._context.schema.get_type(name)


def cost_rule(max_cost: int) -> type[ValidationRule]:
    """A validation rule refusing an operation whose estimated cost is over `max_cost`."""

    class QueryCostRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            schema = self.context.schema
            root = schema.get_root_type(node.operation)
            cost = _CostCounter(self.context, max_cost).cost(
                node.selection_set, root, 1, frozenset()
            )
            if cost > max_cost:
                self.report_error(
                    GraphQLError(
                        f"the query asks for too much: its cost is over {max_cost} "
                        f"(each field counts 1, times {LIST_FACTOR} under each list); "
                        "ask for fewer fields, aliases or nested lists",
                        node,
                        extensions={"code": "QUERY_TOO_COSTLY"},
                    )
                )

    return QueryCostRule


class _FragmentsMeasuredOnce:
    """A number measured over an operation's selections (fields nested, aliases), every
    fragment measured once per document and its measure reused at each of its spreads.

    Walking a fragment again at every spread, as strawberry's limiters do, made a chain of
    fragments each spreading the next twice cost 2**n steps: sixty of them, a few hundred
    tokens, held a worker for ever before any bound was checked.

    `field` says what a field counts given the measure of its own selections (None: a
    leaf); `combine` makes a selection set's measure from those of its selections.
    """

    def __init__(
        self,
        document: DocumentNode,
        field: Callable[[FieldNode, int | None], int],
        combine: Callable[[list[int]], int],
    ) -> None:
        self._fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self._known: dict[str, int] = {}
        self._field = field
        self._combine = combine

    def of(self, selection_set: SelectionSetNode, on_path: frozenset[str] = frozenset()) -> int:
        measures = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                inner = selection.selection_set
                measured = None if inner is None else self.of(inner, on_path)
                measures.append(self._field(selection, measured))
            elif isinstance(selection, InlineFragmentNode):
                measures.append(self.of(selection.selection_set, on_path))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self._fragments.get(name)
                # An unknown fragment or a cycle is its own validation error.
                if fragment is None or name in on_path:
                    continue
                if name not in self._known:
                    self._known[name] = self.of(fragment.selection_set, on_path | {name})
                measures.append(self._known[name])
        return self._combine(measures)


def _depth(document: DocumentNode) -> _FragmentsMeasuredOnce:
    """How many fields deep the selections go (introspection's own fields not counted)."""

    def field(node: FieldNode, inner: int | None) -> int:
        return 0 if inner is None or node.name.value.startswith("__") else 1 + inner

    return _FragmentsMeasuredOnce(document, field, lambda measures: max(measures, default=0))


def _aliases(document: DocumentNode) -> _FragmentsMeasuredOnce:
    """How many aliased fields the selections ask for, a fragment's counted at each spread."""

    def field(node: FieldNode, inner: int | None) -> int:
        return (node.alias is not None) + (inner or 0)

    return _FragmentsMeasuredOnce(document, field, sum)


def depth_rule(max_depth: int) -> type[ValidationRule]:
    """A validation rule refusing an operation that nests fields deeper than `max_depth`.

    Not strawberry's limiter: it fails on documents the parser accepts and validation
    refuses or answers (a spread of a fragment the document does not define: KeyError;
    an empty selection set, which graphql-core parses since 3.3: ValueError), and the
    caller got an internal error instead of the document's own problem.
    """

    class QueryDepthRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            if _depth(self.context.document).of(node.selection_set) > max_depth:
                name = node.name.value if node.name else "anonymous"
                self.report_error(
                    GraphQLError(
                        f"'{name}' exceeds maximum operation depth of {max_depth}",
                        node,
                        extensions={"code": "QUERY_TOO_DEEP"},
                    )
                )

    return QueryDepthRule


def aliases_rule(max_aliases: int) -> type[ValidationRule]:
    """A validation rule refusing a document whose operations ask for more than
    `max_aliases` aliased fields (not strawberry's limiter: see _FragmentsMeasuredOnce)."""

    class MaxAliasesRule(ValidationRule):
        def enter_document(self, node: DocumentNode, *_: Any) -> None:
            measure = _aliases(node)
            total = sum(
                measure.of(definition.selection_set)
                for definition in node.definitions
                if isinstance(definition, OperationDefinitionNode)
            )
            if total > max_aliases:
                self.report_error(
                    GraphQLError(
                        f"{total} aliases found. Allowed: {max_aliases}",
                        extensions={"code": "TOO_MANY_ALIASES"},
                    )
                )

    return MaxAliasesRule


# How many field selections the count of repeats may look at before it refuses the
# document: one written for that (fragments spread where each spreads the next twice)
# would otherwise make the count itself the long walk it guards against.
_MOST_FIELDS_MERGED: Final = 100_000


class _TooMany(Exception):
    def __init__(self, name: str, count: int) -> None:
        super().__init__(name)
        self.name, self.count = name, count


class _Repeats:
    """The response name selected most often at one place of an answer, over a document.

    graphql-core's OverlappingFieldsCanBeMergedRule compares, pair by pair, every field
    selected under one response name in a selection set, its inline fragments and the
    fragments it spreads folded in; and where such fields have selections of their own, it
    compares those of every pair too. So what it compares at one place of the answer is
    every field under that name in all the selection sets merged there: `family` repeated
    45 times, each asking for `members` 45 times, is 2,025 `members` compared in pairs.
    This counts them so, one place at a time, each fragment folded once per place; it
    stops at the first count over `most`, or when it has looked at `_MOST_FIELDS_MERGED`
    selections."""

    def __init__(self, document: DocumentNode, most: int) -> None:
        self._fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self._document = document
        self._most = most
        self._looked_at = 0

    def over(self) -> tuple[str, int] | None:
        """The first name selected more than `most` times at one place, and how often."""
        try:
            # A fragment's own selections are compared too, whether or not it is spread.
            for definition in self._document.definitions:
                if isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
                    self._place([definition.selection_set], frozenset())
        except _TooMany as found:
            return found.name, found.count
        return None

    def _place(self, selection_sets: list[SelectionSetNode], on_path: frozenset[str]) -> None:
        fields: dict[str, list[FieldNode]] = {}
        spread: set[str] = set()
        for selection_set in selection_sets:
            self._fold(selection_set, fields, spread, on_path)
        # Each fragment once here, however many of the merged selection sets spread it.
        waiting = list(spread)
        while waiting:
            name = waiting.pop()
            inner: set[str] = set()
            self._fold(self._fragments[name].selection_set, fields, inner, on_path | spread)
            for found in inner - spread:
                spread.add(found)
                waiting.append(found)
        for name, nodes in fields.items():
            if len(nodes) > self._most:
                raise _TooMany(name, len(nodes))
        below = on_path | spread
        for nodes in fields.values():
            inner_sets = [node.selection_set for node in nodes if node.selection_set]
            if inner_sets:
                self._place(inner_sets, below)

    def _fold(
        self,
        selection_set: SelectionSetNode,
        fields: dict[str, list[FieldNode]],
        spread: set[str],
        on_path: frozenset[str],
    ) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self._looked_at += 1
                if self._looked_at > _MOST_FIELDS_MERGED:
                    raise _TooMany(selection.name.value, self._looked_at)
                fields.setdefault((selection.alias or selection.name).value, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                self._fold(selection.selection_set, fields, spread, on_path)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                # An unknown fragment, or one spread inside itself, is its own error.
                if name in self._fragments and name not in on_path:
                    spread.add(name)


class RepeatedFieldsBound(SchemaExtension):
    """Refuses, before validation runs, a document selecting one response name more than
    `most` times in one selection set (TOO_MANY_REPEATS): validating it would hold the
    event loop for seconds, every other request waiting."""

    def __init__(self, most: int, validated: ValidationResults) -> None:
        super().__init__()
        self._most = most
        self._validated = validated

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        # A document validated before passed this count then: not walked again per request.
        seen = context.query is not None and self._validated.seen(context, context.query)
        if document is not None and context.pre_execution_errors is None and not seen:
            over = _Repeats(document, self._most).over()
            if over is not None:
                name, count = over
                # Validation is skipped: strawberry validates only a document without errors.
                context.pre_execution_errors = [
                    GraphQLError(
                        f"'{name}' is selected {count} times at one place of the answer "
                        f"(its selection sets merged); at most {self._most}",
                        extensions={"code": "TOO_MANY_REPEATS"},
                    )
                ]
        yield


class CodedMaxTokensLimiter(MaxTokensLimiter):
    """strawberry's token bound, its refusal (the parser's syntax error) carrying a code
    as every other bound's does."""

    def on_parse(self) -> Iterator[None]:
        yield
        over = f"more than {self.max_token_count} tokens"
        for error in self.execution_context.pre_execution_errors or ():
            if isinstance(error, GraphQLSyntaxError) and over in error.message:
                error.extensions = {**(error.extensions or {}), "code": "TOO_MANY_TOKENS"}


def operation_name_rule(max_chars: int) -> type[ValidationRule]:
    """A validation rule refusing a document that names an operation longer than
    `max_chars`: without `operationName` the document's name is the one audited."""

    class OperationNameRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            if node.name is not None and len(node.name.value) > max_chars:
                self.report_error(
                    GraphQLError(
                        f"the operation's name is over {max_chars} characters",
                        extensions={"code": "OPERATION_NAME_TOO_LONG"},
                    )
                )

    return OperationNameRule


class SmallDocumentParserCache(ParserCache):
    """The parser cache, keeping only documents up to a size (big ones are parsed afresh)."""

    def __init__(self, maxsize: int, max_document_chars: int) -> None:
        super().__init__(maxsize=maxsize)
        self._max_document_chars = max_document_chars

    def on_parse(self) -> Iterator[None]:
        execution_context = self.execution_context
        query = execution_context.query
        if query is not None and len(query) <= self._max_document_chars:
            # A syntax error raised here, inside the extensions' parse step, passed the
            # others by (the token bound's code was lost): strawberry parses the document
            # again itself, where each extension sees the error (the cache keeps none).
            with contextlib.suppress(GraphQLSyntaxError):
                execution_context.graphql_document = self.cached_parse_document(
                    query, **execution_context.parse_options
                )
        # Otherwise strawberry parses it itself, uncached.
        yield


class ValidationResults:
    """The validation errors of documents already seen, by schema, text and rules, the
    `maxsize` most recently used kept.

    Keyed by the document's text, not its parsed form: the parser cache gives every
    request of one text the same document, whose validation is therefore the same, and a
    parsed document is hashed node by node in Python (a case view's ~200 nodes cost more
    than looking its answers up). Strawberry's `ValidationCache` keys on the document.
    """

    def __init__(self, maxsize: int) -> None:
        self._maxsize = maxsize
        self._errors: OrderedDict[tuple[object, str, object], list[GraphQLError]] = OrderedDict()

    @staticmethod
    def _key(execution_context: ExecutionContext, query: str) -> tuple[object, str, object]:
        return (execution_context.schema._schema, query, execution_context.validation_rules)

    def seen(self, execution_context: ExecutionContext, query: str) -> bool:
        """Whether the document of this text was validated here before (and so passed
        every check run ahead of validation: a refused document is never kept)."""
        return self._key(execution_context, query) in self._errors

    def errors(self, execution_context: ExecutionContext, query: str) -> list[GraphQLError]:
        schema = execution_context.schema._schema
        rules = execution_context.validation_rules
        key = self._key(execution_context, query)
        found = self._errors.get(key)
        if found is not None:
            self._errors.move_to_end(key)
            return found
        document = execution_context.graphql_document
        assert document is not None
        errors = validate_document(schema, document, rules)
        if self._maxsize > 0:
            self._errors[key] = errors
            if len(self._errors) > self._maxsize:
                self._errors.popitem(last=False)
        return errors


class SmallDocumentValidationCache(SchemaExtension):
    """The validation cache, keeping only documents up to a size."""

    def __init__(self, results: ValidationResults, max_document_chars: int) -> None:
        super().__init__()
        self._results = results
        self._max_document_chars = max_document_chars

    def on_validate(self) -> Iterator[None]:
        query = self.execution_context.query
        refused = self.execution_context.pre_execution_errors is not None
        if query is not None and len(query) <= self._max_document_chars and not refused:
            self.execution_context.pre_execution_errors = self._results.errors(
                self.execution_context, query
            )
        # else strawberry validates it itself, uncached
        yield


class OneOperationChosen(SchemaExtension):
    """GraphQL's GetOperation: a document of several operations runs the one
    `operationName` names, and without a name the request is an error. Strawberry runs
    the first operation instead (and audits it under that name), as if it were chosen."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        # Strawberry keeps the name the request gave apart from `operation_name`, which
        # falls back to the first operation's; the test of this rule fails if that moves.
        given = vars(context).get("_provided_operation_name")
        if given is None and document is not None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > 1:
                context.pre_execution_errors = [
                    *(context.pre_execution_errors or ()),
                    GraphQLError(
                        "Must provide operation name if query contains multiple operations.",
                        extensions={"code": "OPERATION_NAME_REQUIRED"},
                    ),
                ]
        yield


@cache
def _rules(limits: RequestLimits) -> tuple[type[ValidationRule], ...]:
    return (
        aliases_rule(limits.max_aliases),
        depth_rule(limits.max_depth),
        cost_rule(limits.max_cost),
        operation_name_rule(limits.max_operation_name_chars),
    )


def limit_extensions(limits: RequestLimits) -> list[Callable[[], SchemaExtension]]:
    """The extension factories that enforce `limits` (one fresh set per request)."""
    rules: list[type[ASTValidationRule]] = list(_rules(limits))
    # One set of validation results per schema built with these limits.
    validated = ValidationResults(limits.cache_size)
    return [
        lambda: CodedMaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: AddValidationRules(rules),
        lambda: SmallDocumentParserCache(limits.cache_size, limits.max_cached_document_chars),
        # Before the validation cache, which would validate the document first.
        lambda: RepeatedFieldsBound(limits.max_repeated_fields, validated),
        lambda: SmallDocumentValidationCache(validated, limits.max_cached_document_chars),
        # After the cache, which sets the document's validation errors: this adds to them.
        OneOperationChosen,
    ]


def argument_refused(
    field_name: str, argument: str, rule: str, where: Node | None = None
) -> GraphQLError:
    """A field's argument outside its rule, refused as BAD_USER_INPUT naming both.

    For list fields with no result union to carry InvalidInput: GraphQL's types cannot say
    that a number runs from 1 to 500, so the refusal names the field, the argument and
    the rule, and the field answers nothing rather than another number of items. `where`,
    the value in the document (or the variable standing for it), gives the error its
    `locations`, as graphql-core's own refusals have.
    """
    return GraphQLError(
        f"{field_name}({argument}:) {rule}",
        where,
        extensions={"code": "BAD_USER_INPUT", "argument": argument},
    )


def page_size_refused(field_name: str, argument: str, asked: int) -> GraphQLError | None:
    """The refusal of a list field's page size outside 1 to `MOST_AT_ONCE`; None within."""
    if 1 <= asked <= MOST_AT_ONCE:
        return None
    return argument_refused(
        field_name, argument, f"must be between 1 and {MOST_AT_ONCE}; got {asked}"
    )
