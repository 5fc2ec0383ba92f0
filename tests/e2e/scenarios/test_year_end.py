"""The scenario county's year (tests/e2e/scenarios/county.py), played once per module
through the GraphQL API; then the performance analyst's "as at" view at the year end
(31 March 2026) and mid-year must count exactly the children the DfE would, and each
scenario whose point is a fact must read back with that fact."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest

from graph import EmbeddedEngine, FalkorDBStore
from hub.settings import Settings
from tests.e2e.scenarios.county import MID_YEAR, SCENARIOS, YEAR_END, play_all, served
from tests.e2e.scenarios.driver import Child, bearer_for
from tests.helpers import bearer, graphql
from workflow.calendar import today_in_england

pytestmark = pytest.mark.anyio

CATEGORIES = {
    "E": "openEpisodes",
    "P": "childProtectionPlans",
    "N": "childInNeedPlans",
    "L": "lookedAfter",
}
AS_AT = """query ($on: Date) { asAt(on: $on) { __typename ... on AsAt { on
  openEpisodes { count children { childId name } }
  childProtectionPlans { count children { childId name } }
  childInNeedPlans { count children { childId name } }
  lookedAfter { count children { childId name } } }
  ... on NotAuthorised { reason } ... on InvalidInput { problems { field rule } } } }"""


@dataclass
class County:
    client: httpx.AsyncClient
    settings: Settings
    store: FalkorDBStore
    children: dict[str, Child]

    def analyst(self) -> dict[str, str]:
        return bearer_for(self.settings, "analyst-county", "performance_analyst")

    async def ask(self, query: str, variables: dict[str, Any], persona: str = "") -> Any:
        headers = bearer(self.settings, persona) if persona else self.analyst()
        return await graphql(self.client, headers, query, variables)


# The county is played once for the module: the whole year takes a few seconds, and the
# tests below only read it.
@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def county_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var = tmp_path_factory.mktemp("county") / "var"
    return Settings(var_dir=var, rate_limit="1000000/second", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture(scope="module")
async def county(engine: EmbeddedEngine, county_settings: Settings) -> AsyncIterator[County]:
    assert engine.socket_path is not None
    store = FalkorDBStore(engine.socket_path, f"test-county-{uuid.uuid4().hex}")
    await store.apply_schema()
    try:
        async with served(store, county_settings) as client:
            children = await play_all(client, county_settings, store)
            yield County(client, county_settings, store, children)
    finally:
        await store.drop()
        await store.close()


def test_the_county_has_every_journey_in_at_least_forty_children() -> None:
    assert len(SCENARIOS) >= 40
    assert len({s.name for s in SCENARIOS}) == len(SCENARIOS)
    for column in ("mid_year", "year_end"):
        found = [set(getattr(s, column)) for s in SCENARIOS]
        # Every category is counted on each date, and none is empty.
        assert set().union(*found) == set(CATEGORIES), column
        # The DfE's model: no CIN plan beside a CP plan, nothing without an open episode
        # but a period of care.
        assert not [letters for letters in found if {"P", "N"} <= letters]
        assert not [letters for letters in found if letters - {"L"} and "E" not in letters]


@pytest.mark.parametrize(("on", "column"), [(MID_YEAR, "mid_year"), (YEAR_END, "year_end")])
async def test_the_as_at_view_counts_the_year_from_the_dates_things_happened(
    county: County, on: date, column: str
) -> None:
    view = (await county.ask(AS_AT, {"on": on.isoformat()}))["asAt"]
    assert view["on"] == on.isoformat()
    for letter, category in CATEGORIES.items():
        expected = sorted(
            (county.children[s.name].child_id, s.name)
            for s in SCENARIOS
            if letter in getattr(s, column)
        )
        found = view[category]
        assert sorted((c["childId"], c["name"]) for c in found["children"]) == expected, (
            on,
            category,
        )
        assert found["count"] == len(expected)


async def test_the_as_at_view_is_for_performance_staff_and_not_the_future(
    county: County,
) -> None:
    refused = await county.ask(AS_AT, {}, persona="social-worker")
    assert refused["asAt"]["__typename"] == "NotAuthorised"
    tomorrow = date.fromordinal(today_in_england().toordinal() + 1)
    future = await county.ask(AS_AT, {"on": tomorrow.isoformat()})
    assert future["asAt"]["problems"] == [{"field": "on", "rule": "must not be in the future"}]


# Each list nested in a list multiplies a query's cost: the fields these tests read.
_STEPS = "steps { kind status startDate completedDate dueDate }"
CHILD = f"""query ($id: ID!) {{ child(id: $id) {{ id unborn dateOfBirth expectedDateOfBirth sex
  openEpisodes
  cases {{ id referralDate closureDate closureReason noFurtherAction
    assessments {{ startDate completedDate authorisedDate }}
    section47Enquiries {{ strategyDiscussionDate }}
    childProtectionPlans {{ startDate status transferIn reviewDates }} }}
  periodsOfCare {{ id status startDate endDate reasonCeased {_STEPS} }}
  adoptionPlans {{ status decisionDate placementOrderDate matchedDate placedDate
    adoptionOrderDate ceasedDate ceasedReason }} }} }}"""
FACTS = """query ($id: ID!, $kinds: [ChildFactKind!], $current: Boolean! = false) {
  childFacts(childId: $id, kinds: $kinds, currentOnly: $current) {
    factKind on ceasedOn babyBornOn sdqScore sdqReason upToDate } }"""
ALLOCATIONS = """query ($id: ID!) { allocations(childId: $id) {
  workerId startDate endDate reasonForChange } }"""


async def _child(county: County, name: str) -> dict[str, Any]:
    found = await county.ask(CHILD, {"id": county.children[name].child_id}, "social-worker")
    assert found["child"] is not None, name
    return found["child"]  # type: ignore[no-any-return]


async def _facts(
    county: County, name: str, *kinds: str, current: bool = False
) -> list[dict[str, Any]]:
    variables = {"id": county.children[name].child_id, "kinds": list(kinds), "current": current}
    return (await county.ask(FACTS, variables, "social-worker"))["childFacts"]  # type: ignore[no-any-return]


def _steps(record: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [s for s in record["steps"] if s["kind"] == kind]


async def test_the_adoption_decision_reversed_has_ceased_with_its_reason(county: County) -> None:
    reversed_plan = (await _child(county, "Remy Ross"))["adoptionPlans"]
    assert [
        (
            p["status"],
            p["decisionDate"],
            p["placementOrderDate"],
            p["ceasedDate"],
            p["ceasedReason"],
        )
        for p in reversed_plan
    ] == [("CEASED", "2025-05-12", "2025-08-18", "2026-01-26", "RD3_NO_ADOPTERS_FOUND")]
    adopted = await _child(county, "Suki Tran")
    plan = adopted["adoptionPlans"][0]
    assert (plan["status"], plan["matchedDate"], plan["placedDate"], plan["adoptionOrderDate"]) == (
        "ADOPTED",
        "2025-05-19",
        "2025-06-09",
        "2025-12-08",
    )
    care = adopted["periodsOfCare"][0]
    assert (care["status"], care["endDate"], care["reasonCeased"]) == (
        "CEASED",
        "2025-12-08",
        "E11_ADOPTED_UNOPPOSED",
    )
    assert [(c["closureDate"], c["closureReason"]) for c in adopted["cases"]] == [
        ("2025-12-08", "RC1_ADOPTED")
    ]


async def test_the_unborn_child_was_born_on_the_same_record(county: County) -> None:
    baby = await _child(county, "Baby Zeal")
    assert (baby["unborn"], baby["dateOfBirth"], baby["expectedDateOfBirth"], baby["sex"]) == (
        False,
        "2025-09-12",
        "2025-09-20",
        "M",
    )
    # The plan made before the birth carries on after it, in the same episode.
    (case,) = baby["cases"]
    plan = case["childProtectionPlans"][0]
    assert (plan["startDate"], plan["status"], plan["reviewDates"]) == (
        "2025-07-22",
        "ACTIVE",
        ["2025-10-17"],
    )
    still_unborn = await _child(county, "Baby Cross")
    assert (still_unborn["unborn"], still_unborn["dateOfBirth"]) == (True, None)


async def test_reallocations_keep_each_worker_with_the_dfe_reason(county: County) -> None:
    def history(rows: list[dict[str, Any]]) -> list[tuple[str, str, str | None, str]]:
        return [(r["workerId"], r["startDate"], r["endDate"], r["reasonForChange"]) for r in rows]

    covered = await county.ask(
        ALLOCATIONS, {"id": county.children["Yara Zorn"].child_id}, "team-manager"
    )
    assert history(covered["allocations"]) == [
        ("worker-sw-demo", "2025-12-01", None, "ABSENC_ABSENCE_COVER"),
        ("worker-sw-cover", "2025-10-06", "2025-12-01", "ABSENC_ABSENCE_COVER"),
        ("worker-sw-demo", "2025-06-02", "2025-10-06", "FCONTA_FIRST_CONTACT_OR_REREFERRAL"),
    ]
    left = await county.ask(
        ALLOCATIONS, {"id": county.children["Zak Ames"].child_id}, "team-manager"
    )
    assert history(left["allocations"]) == [
        ("worker-sw-demo", "2026-02-16", None, "MANAGE_MANAGING_CASELOADS"),
        ("worker-sw-cover", "2025-11-28", "2026-02-16", "LEFTRL_SOCIAL_WORKER_LEFT_ROLE"),
        ("worker-sw-leaver", "2025-04-14", "2025-11-28", "FCONTA_FIRST_CONTACT_OR_REREFERRAL"),
    ]


async def test_care_leavers_are_kept_in_touch_with_around_their_birthdays(
    county: County,
) -> None:
    contacts = {}
    for name in ("Mia North", "Ned Oakes", "Ola Pike", "Pam Quinn"):
        child = await _child(county, name)
        (care,) = child["periodsOfCare"]
        assert care["status"] == "CARE_LEAVER", name
        assert "CARE_LEAVER" in child["openEpisodes"]
        assert "LOOKED_AFTER" not in child["openEpisodes"]
        contacts[name] = [
            (s["status"], s["completedDate"], s["dueDate"])
            for s in _steps(care, "CARE_LEAVER_CONTACT")
        ]
    # Each contact counts for the birthday it is around; the next birthday is due after it.
    # Care that ends on the 18th birthday makes the 19th's the first one due (the SSDA903
    # has no care leaver information for the birthday care ended on, rules 1007 and 1016):
    # a contact around the 18th is kept as a contact, for no birthday.
    assert contacts == {
        "Mia North": [("DONE", "2025-10-01", "2025-10-03"), ("OPEN", None, "2026-10-03")],
        "Ned Oakes": [("DONE", "2025-07-02", None), ("OPEN", None, "2026-06-20")],
        "Ola Pike": [
            ("DONE", "2024-08-12", None),
            ("DONE", "2025-08-11", "2025-08-12"),
            ("OPEN", None, "2026-08-12"),
        ],
        "Pam Quinn": [
            ("DONE", "2022-11-15", None),
            ("DONE", "2023-11-14", "2023-11-15"),
            ("DONE", "2024-11-18", "2024-11-15"),
            ("DONE", "2025-11-13", "2025-11-15"),
            ("OPEN", None, "2026-11-15"),
        ],
    }


async def test_missing_episodes_and_temporary_placements_read_back(county: County) -> None:
    still_missing = (await _child(county, "Ian Jacks"))["periodsOfCare"][0]
    open_episodes = [s for s in _steps(still_missing, "MISSING_EPISODE") if s["status"] == "OPEN"]
    assert [(s["startDate"], s["completedDate"]) for s in open_episodes] == [("2026-03-28", None)]
    returned = (await _child(county, "Jo Kemp"))["periodsOfCare"][0]
    assert [
        (s["status"], s["startDate"], s["completedDate"])
        for s in _steps(returned, "MISSING_EPISODE")
    ] == [("DONE", "2025-09-27", "2025-10-02")]


async def test_uasc_and_its_end_and_two_periods_of_care(county: County) -> None:
    # Recorded on arrival, and again with its end on the 18th birthday: both kept, the
    # later one holds.
    uasc = await _facts(county, "Karim Nouri", "UASC")
    assert sorted((f["on"], f["ceasedOn"] or "") for f in uasc) == [
        ("2025-06-16", ""),
        ("2025-06-16", "2026-01-20"),
    ]
    uasc = await _facts(county, "Karim Nouri", "UASC", current=True)
    assert [(f["on"], f["ceasedOn"]) for f in uasc] == [("2025-06-16", "2026-01-20")]
    uasc = await _facts(county, "Luca Marin", "UASC")
    assert [(f["on"], f["ceasedOn"]) for f in uasc] == [("2025-11-10", None)]
    periods = (await _child(county, "Gus Hale"))["periodsOfCare"]
    assert sorted((p["startDate"], p["endDate"], p["status"]) for p in periods) == [
        ("2025-04-11", "2025-07-11", "CEASED"),
        ("2025-12-01", None, "LOOKED_AFTER"),
    ]


async def test_outcome_facts_of_a_looked_after_child(county: County) -> None:
    # The facts that hold now (last year's SDQ is kept but superseded).
    facts = {f["factKind"]: f for f in await _facts(county, "Wren Xu", current=True)}
    assert facts["MOTHERHOOD"]["babyBornOn"] == "2025-11-02"
    assert (facts["SDQ"]["sdqScore"], facts["SDQ"]["on"]) == (19, "2025-09-15")
    assert facts["DENTAL_CHECK"]["on"] == "2025-07-21"
    assert facts["IMMUNISATIONS"]["upToDate"] is True
    refused_sdq = {f["factKind"]: f for f in await _facts(county, "Xavi Yates", current=True)}
    assert refused_sdq["SDQ"]["sdqReason"] == "SDQ5_CHILD_REFUSED"
    assert refused_sdq["CONVICTION"]["on"] == "2025-08-20"


async def test_the_front_door_and_child_protection_facts_keep_their_dates(
    county: County,
) -> None:
    (nfa,) = (await _child(county, "Ava Allen"))["cases"]
    assert (nfa["noFurtherAction"], nfa["referralDate"], nfa["closureDate"]) == (
        True,
        "2025-06-02",
        "2025-06-03",
    )
    # Strategy discussion, section 47 enquiry and assessment on the day of referral.
    (concurrent,) = (await _child(county, "Gia Grant"))["cases"]
    enquiry = concurrent["section47Enquiries"][0]
    assessment = concurrent["assessments"][0]
    assert (enquiry["strategyDiscussionDate"], assessment["startDate"]) == (
        "2025-10-06",
        "2025-10-06",
    )
    assert (assessment["completedDate"], assessment["authorisedDate"]) == (
        "2025-11-28",
        "2025-12-01",
    )
    assert concurrent["childProtectionPlans"][0]["startDate"] == "2025-10-24"
    (transfer,) = (await _child(county, "Ivy Innes"))["cases"]
    plan = transfer["childProtectionPlans"][0]
    assert (plan["transferIn"], plan["startDate"], transfer["section47Enquiries"]) == (
        True,
        "2026-02-16",
        [],
    )
