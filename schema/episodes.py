"""A child's open episodes (child in need, child protection, looked after, care leaver)."""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from strawberry.types import Info

from resolvers import partners as partner_resolvers
from resolvers.context import HubContext


@strawberry.enum(description="An open episode of children's social care")
class EpisodeType(enum.StrEnum):
    CHILD_IN_NEED = "CHILD_IN_NEED"
    CHILD_PROTECTION = "CHILD_PROTECTION"
    LOOKED_AFTER = "LOOKED_AFTER"
    CARE_LEAVER = "CARE_LEAVER"


def episode_types(case_states: list[str], care_states: list[str]) -> list[EpisodeType]:
    """The open episode types of a child from the states of their case and care records."""
    types: list[EpisodeType] = []
    if case_states:
        types.append(EpisodeType.CHILD_IN_NEED)
    if "CHILD_PROTECTION_PLAN" in case_states:
        types.append(EpisodeType.CHILD_PROTECTION)
    if any(state != "CARE_LEAVER" for state in care_states):
        types.append(EpisodeType.LOOKED_AFTER)
    if "CARE_LEAVER" in care_states:
        types.append(EpisodeType.CARE_LEAVER)
    return types


async def open_episodes(root: Any, info: Info[HubContext, None]) -> list[EpisodeType]:
    """Resolver of `Child.openEpisodes`."""
    case_states, care_states = await partner_resolvers.open_episodes_loader(info.context).load(
        str(root.id)
    )
    return episode_types(case_states, care_states)
