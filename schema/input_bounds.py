"""Bounds on what a request's inputs carry, wherever the schema takes them: the length of
every id and the number of items of every list.

An id of a megabyte was looked up like any other (it answered NotFound) and was carried into
the statement, the log and the audit on its way; a list of 20,000 incident children was
coerced item by item (4.4 s of a worker) before the field's own rule refused it. Every
argument and input field whose type is `ID`, and every one that is a list, in every
audience's schema, is bounded here from the schema itself, not from a list of fields: a
field added later is bounded without anyone remembering to. A value is either written in the
document (checked once per document, with its validation, which is cached) or sent as a
variable (checked per request, before the variables are coerced); either way one over its
bound is refused as BAD_USER_INPUT naming the field, the argument and the rule, and nothing
runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Final

from graphql import (
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    TypeInfo,
    TypeInfoVisitor,
    ValidationRule,
    Visitor,
    get_named_type,
    visit,
)
from graphql.execution import ExecutionResult
from strawberry.extensions import SchemaExtension

from schema.limits import argument_refused

if TYPE_CHECKING:
    from graphql import (
        ArgumentNode,
        FieldNode,
        GraphQLInputType,
        IntValueNode,
        ListValueNode,
        Node,
        ObjectFieldNode,
        StringValueNode,
        ValidationContext,
        VariableDefinitionNode,
        VariableNode,
    )

# The longest id the hub or a peer issues is a source record's key, "IES:ATTENDANCE:" or
# "EHM:TEAM_AROUND_THE_FAMILY:" and the source's own id of up to 100 characters (127 in
# all); the hub's own ids are UUIDs (36), workforce ids at most 100, Livelink node ids a
# number, NHS numbers 10 and UPNs 13 characters. Twice the longest leaves room for a peer's
# longer ids without letting a document's worth of text through.
MOST_ID_CHARS: Final = 256
# The longest list a field takes is 20 items (an enquiry's children, an incident's); a
# thousand leaves room while refusing a body's worth of items before they are read. The
# gateway's `_entities` representations (`_Any`) are bounded by the body alone: one fetch
# carries an entity for every item of the lists a query crosses.
MOST_LIST_ITEMS: Final = 1000


def _rule(length: int) -> str:
    return f"an ID is at most {MOST_ID_CHARS} characters; got {length}"


def _list_rule(items: int) -> str:
    return f"a list is at most {MOST_LIST_ITEMS} items; got {items}"


def _bounded_list(input_type: Any) -> bool:
    while isinstance(input_type, GraphQLNonNull):
        input_type = input_type.of_type
    return isinstance(input_type, GraphQLList) and get_named_type(input_type).name != "_Any"


def _is_id(input_type: Any) -> bool:
    return get_named_type(input_type).name == "ID"


def _over(
    value: object, input_type: GraphQLInputType | None, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], str]]:
    """Where in a variable's value an ID or a list is over its bound (input fields down to
    it), and the rule it breaks."""
    if _bounded_list(input_type) and isinstance(value, list) and len(value) > MOST_LIST_ITEMS:
        yield path, _list_rule(len(value))
        return
    while isinstance(input_type, GraphQLNonNull):
        input_type = input_type.of_type
    if isinstance(input_type, GraphQLList):
        # GraphQL takes a single value where a list is asked for as a list of one.
        for item in value if isinstance(value, list) else [value]:
            yield from _over(item, input_type.of_type, path)
    elif isinstance(input_type, GraphQLInputObjectType) and isinstance(value, dict):
        for name, field in input_type.fields.items():
            if name in value:
                yield from _over(value[name], field.type, (*path, name))
    elif _is_id(input_type) and isinstance(value, str | int) and len(str(value)) > MOST_ID_CHARS:
        yield path, _rule(len(str(value)))


class _BoundsWalk(Visitor):
    """Finds the over-long ids and lists of a document, each named by the field and
    argument it is given to: those written in it, or (with `variables`) those sent as
    variables.

    Walked with graphql-core's TypeInfo, which knows the input type at every value.
    """

    def begin_walk(
        self,
        types: TypeInfo | ValidationContext,
        report: Callable[[GraphQLError], None],
        variables: dict[str, Any] | None = None,
    ) -> None:
        # Where the walk is in the schema: at a list value the input type is already its
        # items', and the list's own is the parent's.
        self._input_type = types.get_input_type
        self._list_type = types.get_parent_input_type
        self._report = report
        self._variables = variables
        self._fields: list[str] = []
        self._argument: list[str] = []
        self._variable: str | None = None

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        self._fields.append(node.name.value)

    def leave_field(self, *_: Any) -> None:
        self._fields.pop()

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        self._argument.append(node.name.value)

    def leave_argument(self, *_: Any) -> None:
        self._argument.pop()

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        self._argument.append(node.name.value)

    def leave_object_field(self, *_: Any) -> None:
        self._argument.pop()

    def enter_variable_definition(self, node: VariableDefinitionNode, *_: Any) -> None:
        self._variable = node.variable.name.value

    def leave_variable_definition(self, *_: Any) -> None:
        self._variable = None

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        self._literal(node)

    def enter_int_value(self, node: IntValueNode, *_: Any) -> None:
        self._literal(node)

    def enter_list_value(self, node: ListValueNode, *_: Any) -> None:
        items = len(node.values)
        literal = self._variables is None
        if literal and items > MOST_LIST_ITEMS and _bounded_list(self._list_type()):
            self._refuse(_list_rule(items), node)

    def enter_variable(self, node: VariableNode, *_: Any) -> None:
        if self._variables is None or not self._argument:
            return  # a literal walk, or the variable's own definition
        name = node.name.value
        if name in self._variables:
            for path, rule in _over(self._variables[name], self._input_type()):
                sent_as = ".".join((f"${name}", *path))
                self._refuse(f"{rule} (sent as {sent_as})", node, path)

    def _literal(self, node: StringValueNode | IntValueNode) -> None:
        value = node.value
        if self._variables is None and len(value) > MOST_ID_CHARS and _is_id(self._input_type()):
            self._refuse(_rule(len(value)), node)

    def _refuse(self, rule: str, where: Node, inside: tuple[str, ...] = ()) -> None:
        if self._fields and self._argument:
            argument = ".".join((*self._argument, *inside))
            self._report(argument_refused(self._fields[-1], argument, rule, where))
        else:
            # The default value of a variable, written in its definition.
            variable = f"${self._variable}" if self._variable else "a value"
            self._report(
                GraphQLError(
                    f"{variable}'s default {rule}",
                    where,
                    extensions={"code": "BAD_USER_INPUT", "variable": self._variable},
                )
            )


class InputBoundsRule(_BoundsWalk, ValidationRule):
    """A validation rule refusing an ID over `MOST_ID_CHARS`, or a list over
    `MOST_LIST_ITEMS`, written in a document."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.begin_walk(context, self.report_error)


def _largest(value: object) -> tuple[int, int]:
    """The length of the longest text or number, and of the longest list, anywhere in a
    variable's value.

    Walked without recursion: a value may be nested as deep as the body's JSON allows
    (~1,000 levels), past Python's recursion limit with the request's frames below it.
    """
    longest_text = longest_list = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            longest_list = max(longest_list, len(item))
            pending.extend(item)
        elif isinstance(item, str | int) and not isinstance(item, bool):
            longest_text = max(longest_text, len(str(item)))
    return longest_text, longest_list


def _over_a_bound(variables: dict[str, Any]) -> bool:
    longest_text, longest_list = _largest(variables)
    return longest_text > MOST_ID_CHARS or longest_list > MOST_LIST_ITEMS


class VariablesBounded(SchemaExtension):
    """Refuses a request whose variables carry an ID over `MOST_ID_CHARS` or a list over
    `MOST_LIST_ITEMS`, before they are coerced and anything runs.

    Free text may be longer than any id, and `_entities` takes longer lists, so they are
    refused only where the schema bounds them; the document is walked for that only when
    some variable is that long at all, which an ordinary request never is.
    """

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        variables = context.variables
        document = context.graphql_document
        if variables and document is not None and _over_a_bound(variables):
            errors: list[GraphQLError] = []
            type_info = TypeInfo(context.schema._schema)
            walk = _BoundsWalk()
            walk.begin_walk(type_info, errors.append, variables)
            visit(document, TypeInfoVisitor(type_info, walk))
            if errors:
                # A result already set is the one strawberry answers: nothing executes.
                context.result = ExecutionResult(data=None, errors=errors)
        yield
