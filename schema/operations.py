"""The root Query and Mutation of the internal schema, assembled from each area's roots.

An area of the record (the front door, the case journey, Livelink, access) keeps its
root fields in its own module as a `...Queries` / `...Mutations` class; this module is
the one place they are put together.
"""

from __future__ import annotations

import strawberry

from schema.access import AccessMutations, AccessQueries
from schema.adoption import AdoptionMutations, AdoptionQueries
from schema.encompass import EncompassMutations, EncompassQueries
from schema.facts import FactMutations, FactQueries
from schema.fostering import FosteringMutations, FosteringQueries
from schema.front_door import ChildQueries, FrontDoorMutations
from schema.journey import JourneyMutations, JourneyQueries
from schema.linking import LinkingMutations, LinkingQueries
from schema.merging import MergingMutations, MergingQueries
from schema.partners import EnquiryMutations, PartnerQueries
from schema.records import RecordsMutations, RecordsQueries
from schema.returns import ReturnMutations, ReturnQueries
from schema.workforce import WorkforceMutations, WorkforceQueries


@strawberry.type
class Query(
    ChildQueries,
    AccessQueries,
    PartnerQueries,
    RecordsQueries,
    JourneyQueries,
    AdoptionQueries,
    FosteringQueries,
    WorkforceQueries,
    FactQueries,
    LinkingQueries,
    MergingQueries,
    ReturnQueries,
    EncompassQueries,
):
    pass


@strawberry.type
class Mutation(
    FrontDoorMutations,
    AccessMutations,
    EnquiryMutations,
    RecordsMutations,
    JourneyMutations,
    AdoptionMutations,
    FosteringMutations,
    WorkforceMutations,
    FactMutations,
    LinkingMutations,
    MergingMutations,
    ReturnMutations,
    EncompassMutations,
):
    pass
