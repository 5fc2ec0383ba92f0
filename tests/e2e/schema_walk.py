"""The generated leak walk: every path of an audience's schema that can name a child.

Built from the caller's own introspection, so a field, argument, union member or
mutation added later is walked without editing a test: from every query root and every
mutation's payload, each field that leads (within a depth) to a `Child`, a `Person` or a
leaf whose value identifies a child (a field named for a child's id or name, a UPN, an
NHS number, a given and family name), through union members and interface
implementations, with required arguments given values generated from their types.
`visited` keeps every type the walk looked into, so a test can fail when a type
reachable from a root is never visited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
)

from workflow.calendar import today_in_england

CHILD_TYPES = frozenset({"Child", "Person"})
# A leaf whose value identifies a child, by the end of its name (case ignored): the
# child's own id and kind are read on `Child` and `Person` only.
_CHILD_ID_ENDINGS = ("childid", "childids")
_CHILD_NAME_ENDINGS = ("childname",)
_PERSON_ENDINGS = ("givenname", "familyname", "upn", "nhsnumber", "dateofbirth")


def unwrap(graphql_type: Any) -> Any:
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        graphql_type = graphql_type.of_type
    return graphql_type


def required(argument: GraphQLArgument) -> bool:
    # graphql-core 3.3 keeps an introspected default in `default`, a built one in
    # `default_value`.
    return (
        isinstance(argument.type, GraphQLNonNull)
        and argument.default_value is Undefined
        and getattr(argument, "default", None) is None
    )


def identifies_a_child(owner: str, name: str) -> bool:
    """Whether the leaf `owner.name` can carry what identifies a child."""
    lowered = name.lower()
    if owner in CHILD_TYPES and name in ("id", "kind"):
        return True
    return lowered.endswith(_CHILD_ID_ENDINGS + _CHILD_NAME_ENDINGS + _PERSON_ENDINGS)


@dataclass
class SchemaWalk:
    """Selections and generated argument values for one audience's schema."""

    schema: GraphQLSchema
    # Values by argument (or input field) name: the first is used below the root.
    values: dict[str, list[Any]]
    visited: set[str] = field(default_factory=set)
    variables: dict[str, tuple[str, Any]] = field(default_factory=dict)
    # Optional arguments passed too (a form's `sourceId`), with a value from `values`.
    optional: frozenset[str] = frozenset()

    def reachable(self, mutations: bool = True) -> set[str]:
        """Every object type reachable from the query (and mutation) roots."""
        roots = [self.schema.query_type, self.schema.mutation_type if mutations else None]
        roots = [root for root in roots if root]
        seen: set[str] = set()
        stack: list[Any] = list(roots)
        while stack:
            graphql_type = stack.pop()
            for member in self._members(graphql_type):
                if member.name in seen:
                    continue
                seen.add(member.name)
                stack.extend(unwrap(f.type) for f in member.fields.values())
        return seen

    def _members(self, graphql_type: Any) -> list[GraphQLObjectType]:
        if isinstance(graphql_type, GraphQLObjectType):
            return [graphql_type]
        if isinstance(graphql_type, GraphQLUnionType | GraphQLInterfaceType):
            return list(self.schema.get_possible_types(graphql_type))
        return []

    def selection(self, graphql_type: Any, depth: int) -> str | None:
        """Every field below `graphql_type` that can name a child, or None."""
        if isinstance(graphql_type, GraphQLUnionType | GraphQLInterfaceType):
            members = [
                f"... on {member.name} {{ {below} }}"
                for member in self._members(graphql_type)
                if (below := self.selection(member, depth))
            ]
            return f"__typename {' '.join(members)}" if members else None
        if not isinstance(graphql_type, GraphQLObjectType):
            return None
        self.visited.add(graphql_type.name)
        parts: list[str] = []
        reaches = graphql_type.name in CHILD_TYPES
        for name, graphql_field in graphql_type.fields.items():
            inner = unwrap(graphql_field.type)
            if isinstance(inner, GraphQLObjectType | GraphQLUnionType | GraphQLInterfaceType):
                below = self.selection(inner, depth - 1) if depth > 0 else None
                if below:
                    parts.append(f"{name}{self.arguments(graphql_field)} {{ {below} }}")
                    reaches = True
            elif identifies_a_child(graphql_type.name, name):
                parts.append(f"{name}{self.arguments(graphql_field)}")
                reaches = True
        return " ".join(["__typename", *parts]) if reaches else None

    def arguments(self, graphql_field: GraphQLField, choice: int = 0, prefix: str = "v") -> str:
        """The field's required arguments, each as a variable with a generated value."""
        passed = []
        for name, argument in graphql_field.args.items():
            if not required(argument) and not (name in self.optional and self.values.get(name)):
                continue
            variable = f"{prefix}{len(self.variables)}"
            self.variables[variable] = (str(argument.type), self.value(name, argument.type, choice))
            passed.append(f"{name}: ${variable}")
        return f"({', '.join(passed)})" if passed else ""

    def declared(self) -> str:
        if not self.variables:
            return ""
        return f"({', '.join(f'${name}: {kind}' for name, (kind, _) in self.variables.items())})"

    def value(self, name: str, graphql_type: Any, choice: int = 0) -> Any:
        """A value of `graphql_type` for the argument or input field `name`: a scenario
        value where the name has some (the `choice`-th, cycling), else one made from the
        type (an enum's first value, a page size, today, a probe's text)."""
        if isinstance(graphql_type, GraphQLNonNull):
            return self.value(name, graphql_type.of_type, choice)
        if self.values.get(name):
            options = self.values[name]
            return options[choice % len(options)]
        if isinstance(graphql_type, GraphQLList):
            return [self.value(name, graphql_type.of_type, choice)]
        if isinstance(graphql_type, GraphQLEnumType):
            return next(iter(graphql_type.values))
        if isinstance(graphql_type, GraphQLInputObjectType):
            return {
                field_name: self.value(field_name, input_field.type, choice)
                for field_name, input_field in graphql_type.fields.items()
                # An optional field is filled where the scenario has values for it (a
                # contact's `childId`): the probe is about those.
                if (
                    isinstance(input_field.type, GraphQLNonNull)
                    and input_field.default_value is Undefined
                )
                or field_name in self.values
            }
        assert isinstance(graphql_type, GraphQLScalarType), graphql_type
        if graphql_type.name == "Int":
            return 10
        if graphql_type.name == "Float":
            return 1.0
        if graphql_type.name == "Boolean":
            return False
        if graphql_type.name == "Date":
            return today_in_england().isoformat()
        if graphql_type.name == "DateTime":
            return f"{today_in_england().isoformat()}T00:00:00+00:00"
        if graphql_type.name == "ID":
            options = self.values["id"]
            return options[choice % len(options)]
        return "leak probe"
