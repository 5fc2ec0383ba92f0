"""Every path that writes a child's birth date writes its text key beside it.

Matching seeks a record's birth date by the key (`dateOfBirthKey`, graph/vocabulary.py):
FalkorDB's index on a date value costs time that grows with the children indexed, so a
push of records about new children grew faster than its size. A child written without
the key would be missing from every match by birth date, and a second record of them
could be made. So the statements are walked and each path is run for real.
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
from graph.cypher.access import AccessScope
from tests.connectors.intake.world import add_child
from tests.helpers import add_worker
from workflow.calendar import default_calendar
from workflow.codes import ReferralSource
from workflow.contacts import NewChild, RecordContact, record_contact
from workflow.linking import find_candidates, link_record_to_new_child
from workflow.matching import PersonDetails

if TYPE_CHECKING:
    from graph import FalkorDBStore

pytestmark = pytest.mark.anyio

# A statement that makes a child, or writes a birth date onto one.
_WRITES_A_BIRTH_DATE = re.compile(
    r"CREATE \(\w+:Person:Child|SET \w+:Child|\bc\.dateOfBirth = date\("
)
KEYS = """
MATCH (c:Child) WHERE c.dateOfBirth IS NOT NULL
RETURN c.id AS id, c.dateOfBirth AS born, c.dateOfBirthKey AS key
ORDER BY c.id
"""


async def _unkeyed(store: FalkorDBStore) -> list[str]:
    return [row["id"] for row in await store.read(KEYS) if row["key"] != row["born"].isoformat()]


def test_every_statement_that_writes_a_child_s_birth_date_writes_the_key() -> None:
    writers = []
    for module_info in pkgutil.iter_modules(graph.cypher.__path__):
        module = importlib.import_module(f"graph.cypher.{module_info.name}")
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str) and _WRITES_A_BIRTH_DATE.search(value):
                writers.append((f"{module_info.name}.{name}", value))
    # The bulk load, a contact's new child, a birth, intake's and a person's new child,
    # and the returns benchmark's cohort.
    assert len(writers) >= 6, [name for name, _ in writers]
    for name, text in writers:
        if "dateOfBirth" in text:
            assert "dateOfBirthKey" in text, name


async def test_the_demo_county_keys_every_child_s_birth_date(store: FalkorDBStore) -> None:
    await county.load(store, county.generate("tiny", seed=5), show_progress=False)
    assert len(await store.read(KEYS)) > 10
    assert await _unkeyed(store) == []


async def test_each_new_child_is_keyed_and_found_by_its_birth_date(store: FalkorDBStore) -> None:
    await add_worker(store, "sw-1", "social_worker", "team-1")
    scope = AccessScope(viewer="sw-1", team="team-1", view_all=False, now_ms=0)
    contact = RecordContact(
        child=NewChild(given_name="Zoë", family_name="Núñez", date_of_birth=date(2018, 1, 2)),
        received_date=date(2025, 1, 6),
        source=ReferralSource.SCHOOLS,
        summary="Concern raised by the school",
    )
    assert isinstance(await record_contact(store, scope, contact, default_calendar()), dict)
    record = {
        "recordType": "EARLY_HELP_EPISODE",
        "version": 1,
        "sex": "M",
        "startDate": "2025-09-01",
    }
    unknown = {**record, "recordId": "EP0", "givenName": "Łukasz", "familyName": "Wójcik"}
    unknown["dateOfBirth"] = "2016-02-03"
    await add_child(store, "C-JACK", "Jack", "Newman", date(2019, 5, 4), sex="M")
    twin = {**record, "recordId": "EP1", "givenName": "Jake", "familyName": "Newman"}
    twin["dateOfBirth"] = "2019-05-04"
    await ingest(store, [(1, unknown), (2, twin)], ehm.SOURCE, by="system:ehm-system")
    [waiting] = await store.read("MATCH (s:SourceRecord {linkState: 'REVIEW'}) RETURN s.id AS id")
    officer = AccessScope(viewer="records-officer-1", team=None, view_all=True, now_ms=0)
    assert not isinstance(
        await link_record_to_new_child(store, officer, waiting["id"], "Jack's twin"), Exception
    )

    assert len(await store.read(KEYS)) == 4
    assert await _unkeyed(store) == []
    # Found by the birth date alone (a family name written differently), day and month
    # swapped too: the key is what matching seeks.
    for born in (date(2016, 2, 3), date(2016, 3, 2)):
        found = await find_candidates(store, PersonDetails(given_name="Lukas", date_of_birth=born))
        assert [candidate.details.family_name for candidate in found] == ["Wójcik"]
