"""Every path that writes a child's family name writes its search key beside it.

A child written without the key would be missing from every search by name, silently.
So the statements are walked (any that creates a child with a name, or gives a node the
Child label, must write the key), and each path is run for real: the demo county's bulk
load, a contact about a new child, an intake record making a new child, and a person
linking a record to a new child.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from datetime import date
from typing import TYPE_CHECKING

import pytest

import graph.cypher
from connectors import ehm
from connectors.intake import ingest
from demo import county
from graph import name_key_fields
from graph.cypher.access import AccessScope
from tests.connectors.intake.world import add_child
from tests.helpers import add_worker
from workflow.calendar import default_calendar
from workflow.codes import ReferralSource
from workflow.contacts import NewChild, RecordContact, record_contact
from workflow.linking import link_record_to_new_child

if TYPE_CHECKING:
    from graph import FalkorDBStore

pytestmark = pytest.mark.anyio

_MAKES_A_CHILD = re.compile(r"CREATE \(\w+:Person:Child|SET \w+:Child")
KEYS = """
MATCH (c:Child) WHERE c.familyName IS NOT NULL
RETURN c.id AS id, c.familyName AS familyName, c.familyNameKey AS familyNameKey,
       c.familyNamePrefixes AS familyNamePrefixes
ORDER BY c.id
"""


async def _unkeyed(store: FalkorDBStore) -> list[str]:
    return [
        row["id"]
        for row in await store.read(KEYS)
        if {"familyNameKey": row["familyNameKey"], "familyNamePrefixes": row["familyNamePrefixes"]}
        != name_key_fields(row["familyName"])
    ]


def test_every_statement_that_makes_a_named_child_writes_the_key() -> None:
    makers = []
    for module_info in pkgutil.iter_modules(graph.cypher.__path__):
        module = importlib.import_module(f"graph.cypher.{module_info.name}")
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str) and _MAKES_A_CHILD.search(value):
                makers.append((f"{module_info.name}.{name}", value))
    # The bulk load, a contact's new child, intake's and a person's new child, and the
    # returns benchmark's nameless cohort.
    assert len(makers) >= 5, [name for name, _ in makers]
    for name, text in makers:
        if "familyName" in text:
            assert "familyNameKey" in text, name
            assert "familyNamePrefixes" in text, name


async def test_the_demo_county_keys_every_child(store: FalkorDBStore) -> None:
    await county.load(store, county.generate("tiny", seed=5), show_progress=False)
    assert len(await store.read(KEYS)) > 10
    assert await _unkeyed(store) == []


async def test_a_contact_about_a_new_child_keys_the_child(store: FalkorDBStore) -> None:
    await add_worker(store, "sw-1", "social_worker", "team-1")
    scope = AccessScope(viewer="sw-1", team="team-1", view_all=False, now_ms=0)
    contact = RecordContact(
        child=NewChild(
            given_name="Zoë", family_name="Núñez-O'Brien", date_of_birth=date(2018, 1, 2)
        ),
        received_date=date(2025, 1, 6),
        source=ReferralSource.SCHOOLS,
        summary="Concern raised by the school",
    )
    recorded = await record_contact(store, scope, contact, default_calendar())
    assert isinstance(recorded, dict), recorded
    rows = await store.read(KEYS)
    assert [row["familyNameKey"] for row in rows] == ["nunez-o'brien"]
    assert await _unkeyed(store) == []


async def test_intake_and_a_person_linking_to_a_new_child_key_the_child(
    store: FalkorDBStore,
) -> None:
    record = {
        "recordType": "EARLY_HELP_EPISODE",
        "version": 1,
        "sex": "M",
        "postcode": "SG13 8DE",
        "startDate": "2025-09-01",
        "reason": "Parenting support",
    }
    # A child nobody knows: the intake creates them.
    unknown = {**record, "recordId": "EP0", "givenName": "Łukasz", "familyName": "Wójcik"}
    unknown["dateOfBirth"] = "2016-02-03"
    # Jack's twin: a close match to a known child waits for a person, who says new.
    await add_child(store, "C-JACK", "Jack", "Ñewman", date(2019, 5, 4), sex="M")
    twin = {**record, "recordId": "EP1", "givenName": "Jake", "familyName": "Ñewman"}
    twin["dateOfBirth"] = "2019-05-04"
    await ingest(store, [(1, unknown), (2, twin)], ehm.SOURCE, by="system:ehm-system")
    waiting = await store.read(
        "MATCH (s:SourceRecord {linkState: 'REVIEW'}) RETURN s.id AS id, s.familyNameKey AS key"
    )
    assert [row["key"] for row in waiting] == ["newman"]
    scope = AccessScope(viewer="records-officer-1", team=None, view_all=True, now_ms=0)
    linked = await link_record_to_new_child(store, scope, waiting[0]["id"], "Jack's twin")
    assert not isinstance(linked, Exception)
    rows = await store.read(KEYS)
    assert sorted(row["familyNameKey"] for row in rows) == ["newman", "newman", "wojcik"]
    assert await _unkeyed(store) == []
