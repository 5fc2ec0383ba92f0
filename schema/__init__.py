"""The GraphQL schemas: strawberry types, the audience schemas, federation."""

from schema.build import FEDERATION_VERSION, build_internal_schema, build_schemas
from schema.limits import RequestLimits

__all__ = ["FEDERATION_VERSION", "RequestLimits", "build_internal_schema", "build_schemas"]
