"""Records officers see the children who may be one child recorded twice."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from tests.connectors.intake.world import add_child, role_headers
from tests.helpers import bearer, graphql

pytestmark = pytest.mark.anyio

SUSPECTED = """{ suspectedDuplicateChildren { __typename
  ... on SuspectedDuplicateList { pairs { rule score
      first { childId givenName } second { childId givenName }
      agreement { field level } } }
  ... on NotAuthorised { reason } } }"""


async def test_pairs_born_the_same_day_or_with_day_and_month_swapped_are_listed(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    await add_child(store, "C-1", "Ruby", "Newman", date(2019, 5, 4))
    await add_child(store, "C-2", "RUBY", "Newman", date(2019, 4, 5))
    # Twins: one birthday, two names; not suspected.
    await add_child(store, "C-3", "Oliver", "Shah", date(2016, 7, 30), sex="M")
    await add_child(store, "C-4", "Amelia", "Shah", date(2016, 7, 30))
    # One UPN on two children (the NHS number cannot be: it is unique).
    await add_child(store, "C-5", "Leo", "Marsh", date(2014, 3, 9), upn="E938200112001")
    await add_child(store, "C-6", "Leon", "Marsh-Green", date(2014, 3, 9), upn="E938200112001")
    officer = await role_headers(store, settings, "records_officer", "records-officer-1")

    listed = (await graphql(client, officer, SUSPECTED))["suspectedDuplicateChildren"]

    pairs = [
        (pair["rule"], {pair["first"]["childId"], pair["second"]["childId"]})
        for pair in listed["pairs"]
    ]
    assert pairs == [("UPN", {"C-5", "C-6"}), ("SCORE", {"C-1", "C-2"})]
    ruby = listed["pairs"][1]
    levels = {a["field"]: a["level"] for a in ruby["agreement"]}
    assert (levels["givenName"], levels["dateOfBirth"]) == ("EXACT", "SWAPPED")


async def test_only_records_officers_see_suspected_duplicates(
    client: httpx.AsyncClient, store: FalkorDBStore, settings: Settings
) -> None:
    answer = await graphql(client, bearer(settings, "social-worker"), SUSPECTED)

    assert answer["suspectedDuplicateChildren"]["__typename"] == "NotAuthorised"
