"""Probes on Operation Encompass: a record restricted after its notice was sent gives away
neither the child nor the school, to the MASH, the school or police."""

from __future__ import annotations

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.e2e.test_encompass import (
    FRIDAY_NIGHT,
    MASH,
    MASH_TEAM,
    NOTICES,
    RUBY_NHS,
    SCHOOL_B,
    UPN_OMAR,
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
