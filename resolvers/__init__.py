"""Thin GraphQL resolvers: arguments in, calls on the rooms, rows or outcomes out."""
