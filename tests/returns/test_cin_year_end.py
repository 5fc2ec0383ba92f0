"""The CIN census's own queries by child (returns/cin_year_end.py), on hand-made elements;
tests/returns/test_cin_census.py checks two against the DfE's validator on a recorded
journey."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from returns import CollectionYear
from returns.cin_year_end import census_warnings
from workflow.calendar import default_calendar

YEAR = CollectionYear(2026)


def _child(*episodes: str) -> ET.Element:
    text = "".join(
        f"<CINdetails><CINreferralDate>2025-05-01</CINreferralDate>{e}</CINdetails>"
        for e in episodes
    )
    return ET.fromstring(  # noqa: S314 - a literal of the test's own
        f"<Child><ChildIdentifiers><LAchildID>C1</LAchildID></ChildIdentifiers>{text}</Child>"
    )


def _assessment(started: str, authorised: str | None = None) -> str:
    end = (
        f"<AssessmentAuthorisationDate>{authorised}</AssessmentAuthorisationDate>"
        if authorised
        else ""
    )
    start = f"<AssessmentActualStartDate>{started}</AssessmentActualStartDate>"
    return f"<Assessments>{start}{end}</Assessments>"


def _enquiry(started: str, held: str | None = None, not_required: str = "false") -> str:
    conference = f"<DateOfInitialCPC>{held}</DateOfInitialCPC>" if held else ""
    return (
        f"<Section47><S47ActualStartDate>{started}</S47ActualStartDate>{conference}"
        f"<ICPCnotRequired>{not_required}</ICPCnotRequired></Section47>"
    )


def _plan(started: str) -> str:
    return f"<ChildProtectionPlans><CPPstartDate>{started}</CPPstartDate></ChildProtectionPlans>"


def _codes(child: ET.Element) -> list[str]:
    found = census_warnings(child, YEAR, default_calendar())
    assert all(w.child_id == "C1" for w in found)
    return sorted(w.code for w in found)


@pytest.mark.parametrize(
    ("episode", "codes"),
    [
        # An enquiry with an assessment beside it; one concluded without a conference.
        (_assessment("2025-05-02", "2025-06-01") + _enquiry("2025-05-02", "2025-05-20"), []),
        (_enquiry("2025-05-02", not_required="true"), ["CIN 2991Q"]),
        # 8675Q: the validator counts 31 March 2026 as the first of the 15 working days: they
        # begin on 11 March (Easter is in April).
        (_assessment("2026-03-02") + _enquiry("2026-03-10"), ["CIN 8675Q"]),
        (_assessment("2026-03-02") + _enquiry("2026-03-11"), []),
        (_assessment("2026-03-02") + _enquiry("2025-10-01", not_required="true"), []),
        # 8670Q: the 45 working days begin on 28 January.
        (_assessment("2026-01-27"), ["CIN 8670Q"]),
        (_assessment("2026-01-28"), []),
        (_assessment("2025-06-01", "2025-07-01"), []),
        # 8825Q: closed after assessment with none in the census.
        ("<ReasonForClosure>RC8</ReasonForClosure>", ["CIN 8825Q"]),
        ("<ReasonForClosure>RC7</ReasonForClosure>", []),
        # 8863Q: on the other's authorisation day, and after the start of one going on.
        (
            _assessment("2025-06-01", "2025-07-01") + _assessment("2025-07-01", "2025-08-01"),
            ["CIN 8863Q"],
        ),
        (_assessment("2025-06-01", "2025-07-01") + _assessment("2025-07-02", "2025-08-01"), []),
        (_assessment("2026-03-01") + _assessment("2026-03-20"), ["CIN 8863Q"]),
        # 2885: a plan begun in the year with no enquiry's conference on its day.
        (_assessment("2025-06-01", "2025-07-01") + _plan("2025-06-11"), []),
        (
            _assessment("2025-06-01", "2025-07-01")
            + _enquiry("2025-12-16", "2026-01-16")
            + _plan("2025-06-11")
            + _plan("2026-01-16"),
            ["CIN 2885"],
        ),
        (
            _assessment("2025-06-01", "2025-07-01")
            + _enquiry("2025-12-16", "2026-01-16")
            + _plan("2024-06-11")
            + _plan("2026-01-16"),
            [],
        ),
    ],
)
def test_each_census_query_names_the_child(episode: str, codes: list[str]) -> None:
    assert _codes(_child(episode)) == codes


def test_each_episode_is_read_on_its_own() -> None:
    # The enquiry's episode has no assessment though another episode of the child has.
    child = _child(_assessment("2025-05-02", "2025-06-01"), _enquiry("2025-09-01", "2025-09-15"))
    found = census_warnings(child, YEAR, default_calendar())
    assert [(w.code, w.message.split(":")[0]) for w in found] == [
        ("CIN 2991Q", "episode referred 2025-05-01")
    ]
