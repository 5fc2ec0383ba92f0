"""The generated walk of every path (test_no_leaks.py) as internal staff other than the
allocated social worker: a support officer and a social worker of his team, an adult
worker, a manager of another team with a report, an analyst, each against its own rule,
each with a grant to the restricted child in the first walk and none in the second. A
file of its own so that the test run walks these beside the partners' walk instead of
after it."""

from __future__ import annotations

import httpx
import pytest

from demo import county
from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e import test_no_leaks as walk

pytestmark = pytest.mark.anyio

demo = walk.demo  # the same county as the partners' walk


async def test_every_path_that_reaches_a_child_keeps_to_each_staff_role_s_rule(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, demo: county.County
) -> None:
    await walk.walk_every_path(client, settings, store, demo, walk.OTHER_STAFF_WALKERS)
