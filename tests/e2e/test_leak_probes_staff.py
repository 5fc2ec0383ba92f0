"""The probe of test_leak_probes.py as every other member of staff: the demo's team
manager, practitioner, records officer, analyst, administrator and the EHM system
client, and the leak walks' support officer, adult worker and front door manager
(test_no_leaks.py), each against their own rule, once every grant has ended; and nothing
of a child's in the logs or the metrics. A file of its own so that the test run probes
these beside Sam and the partners instead of after them."""

from __future__ import annotations

import logging

import httpx
import pytest

from auth.principal import Audience
from demo import county
from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e import test_no_leaks as walks
from tests.e2e.test_leak_probes import no_personal_data_logged_or_scraped, probe_hidden_as_missing

pytestmark = pytest.mark.anyio

demo = walks.demo  # the county every leak walk runs on
settings = walks.settings  # and its cost bound

DEMO_STAFF: tuple[walks.Walker, ...] = tuple(
    (persona, Audience.INTERNAL, None)
    for persona in (
        "team-manager",
        "practitioner",
        "records-officer",
        "analyst",
        "administrator",
        "ehm-system",
    )
)
# The walks' analyst is the demo's; their team colleague and records officer hold the
# same role and rule as Sam and the demo's records officer (the probe takes minutes).
LEAK_WALK_STAFF: tuple[walks.Walker, ...] = tuple(
    ("staff", Audience.INTERNAL, who)
    for who in walks.OTHER_STAFF
    if who not in ("analyst", "team colleague", "records officer")
)


async def test_a_hidden_record_answers_exactly_as_a_missing_one_to_every_member_of_staff(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    demo: county.County,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await probe_hidden_as_missing(client, settings, store, demo, DEMO_STAFF + LEAK_WALK_STAFF)
    await no_personal_data_logged_or_scraped(client, store, caplog)
