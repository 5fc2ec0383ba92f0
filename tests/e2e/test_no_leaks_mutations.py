"""The generated walk of every mutation (test_no_leaks.py) called with what each walker
may see: what a mutation answers about a child of theirs names no relative, household
member or record of a child they may not see. Mutations here change the graph, so this
walk has a graph of its own (each test has one), beside the read-only walks."""

from __future__ import annotations

import httpx
import pytest

from demo import county
from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e import test_no_leaks as walk

pytestmark = pytest.mark.anyio

demo = walk.demo  # the same county as the other walks
settings = walk.settings  # and the same cost bound


async def test_every_mutation_called_with_what_the_caller_may_see_names_no_one_else(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    await walk.walk_mutations_with_allowed_ids(client, settings, store, demo, walk.MUTATION_WALKERS)
