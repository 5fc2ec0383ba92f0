"""Probes on Operation Encompass: a record restricted after its notice was sent gives away
neither the child nor the school, to the MASH, the school or police."""

from __future__ import annotations

import httpx
import pytest

from graph import FalkorDBStore
from graph.migrations import MIGRATIONS
from hub.settings import Settings
from tests.e2e.test_encompass import (
    FRIDAY_NIGHT,
    MASH,
    MASH_TEAM,
    NOTICES,
    RUBY_NHS,
    SCHOOL_B,
    UPN_OMAR,
    _ies_sends,
    _incident,
    _notify,
    internal,
    school_lead,
)
from tests.e2e.test_encompass import county as county  # a fixture
from tests.e2e.test_encompass import settings as settings  # a fixture
from tests.helpers import graphql

pytestmark = pytest.mark.anyio


async def test_a_notice_of_a_record_restricted_after_it_was_sent_names_neither_child_nor_school(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, county: None
) -> None:
    # Omar's notice went to school B on Friday night and is past due unacknowledged, so
    # the MASH sees it. His record is then restricted (say, placed for adoption): the MASH
    # worker without a grant must not learn his name, id, birth date nor where he goes to
    # school (the school is what a restriction hides from those who would find a child).
    notified = await _notify(
        client, settings, _incident("HC/R/2", FRIDAY_NIGHT, {"upn": UPN_OMAR, "present": True})
    )
    assert notified["children"] == [{"position": 0, "outcome": "RECEIVED", "reason": None}]
    mash = await internal(store, settings, "worker-mash", MASH_TEAM)
    withheld_query = MASH.replace("schoolName", "schoolName schoolPhone")
    [before] = (await graphql(client, mash, withheld_query))["mashEncompassNotices"]["notices"]
    assert before["schoolName"] == "School 100002"  # the probe can fail
    await store.write("MATCH (c:Child {id: 'C-OMAR'}) SET c.restricted = true")

    response = await client.post("/graphql", json={"query": withheld_query}, headers=mash)

    [notice] = response.json()["data"]["mashEncompassNotices"]["notices"]
    assert notice["withheld"] is True
    assert (notice["childId"], notice["childName"], notice["dateOfBirth"]) == (None, None, None)
    assert (notice["schoolName"], notice["schoolPhone"]) == (None, None)
    for secret in ("C-OMAR", "Omar", "Hussain", UPN_OMAR, "2016-02-11", "100002"):
        assert secret not in response.text, secret
    # The school no longer sees it either.
    assert (await graphql(client, school_lead(settings, SCHOOL_B), NOTICES)) == {
        "myEncompassNotices": []
    }
    # Police are told no more about a restricted child than about any other.
    again = await _notify(
        client, settings, _incident("HC/R/3", FRIDAY_NIGHT, {"upn": UPN_OMAR, "present": True})
    )
    assert again["children"] == notified["children"]


async def test_police_cannot_tell_a_known_child_from_an_unknown_one(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, county: None
) -> None:
    # Whether the authority holds a record on a child is not police information: a known
    # child, a restricted one and a number no record carries are answered alike, so an
    # incident report cannot be used to ask.
    await store.write("MATCH (c:Child {id: 'C-OMAR'}) SET c.restricted = true")
    report = _incident(
        "HC/R/4",
        FRIDAY_NIGHT,
        {"nhsNumber": RUBY_NHS, "present": True},
        {"upn": UPN_OMAR, "present": True},
        {"nhsNumber": "9990000018", "present": True},
    )
    notified = await _notify(client, settings, report)
    assert [{**child, "position": 0} for child in notified["children"]] == [
        {"position": 0, "outcome": "RECEIVED", "reason": None}
    ] * 3


async def test_a_school_keeps_the_notice_it_was_sent_and_learns_nothing_new_after_a_move(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, county: None
) -> None:
    """A notice is the school's record of what it was told: it stays after the child moves
    to another school, naming the pupil as they were named to it then. What the record
    comes to hold later (another name, a new UPN) is not the old school's to learn."""
    report = _incident("HC/M/1", FRIDAY_NIGHT, {"upn": UPN_OMAR, "present": True})
    assert (await _notify(client, settings, report))["__typename"] == "IncidentNotified"
    school_b = school_lead(settings, SCHOOL_B)
    [told] = (await graphql(client, school_b, NOTICES))["myEncompassNotices"]
    assert (told["pupilGivenName"], told["pupilFamilyName"], told["upn"]) == (
        "Omar",
        "Hussain",
        UPN_OMAR,
    )
    # Omar moves to school A; his record later holds another name and UPN.
    await _ies_sends(store, 2, "100001", "2026-11-09")
    await store.write(
        "MATCH (c:Child {id: 'C-OMAR'}) SET c.givenName = 'Omer', c.familyName = 'Ashby',"
        " c.upn = 'A999200126099', c.dateOfBirth = date('2016-02-12')"
    )

    response = await client.post("/graphql", json={"query": NOTICES}, headers=school_b)

    assert response.json()["data"]["myEncompassNotices"] == [told]
    for later in ("Omer", "Ashby", "A999200126099", "2016-02-12"):
        assert later not in response.text, later


async def test_a_notice_sent_before_it_kept_the_pupil_as_told_takes_the_record_then(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, county: None
) -> None:
    """The migration gives a notice written before notices kept the pupil as told the
    child's record as it is when the store is migrated, once."""
    report = _incident("HC/M/2", FRIDAY_NIGHT, {"upn": UPN_OMAR, "present": True})
    assert (await _notify(client, settings, report))["__typename"] == "IncidentNotified"
    school_b = school_lead(settings, SCHOOL_B)
    [told] = (await graphql(client, school_b, NOTICES))["myEncompassNotices"]
    await store.write(
        "MATCH (n:EncompassNotice) REMOVE n.pupilGivenName, n.pupilFamilyName,"
        " n.pupilDateOfBirth, n.pupilUpn, n.pupilAsOf"
    )
    [unnamed] = (await graphql(client, school_b, NOTICES))["myEncompassNotices"]
    assert (unnamed["pupilGivenName"], unnamed["upn"]) == (None, None)
    migration = next(m for m in MIGRATIONS if m.version == 6)

    await migration.apply(store)
    await store.write("MATCH (c:Child {id: 'C-OMAR'}) SET c.familyName = 'Ashby'")
    await migration.apply(store)

    assert (await graphql(client, school_b, NOTICES))["myEncompassNotices"] == [told]
