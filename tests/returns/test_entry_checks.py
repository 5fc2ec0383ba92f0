"""Each DfE rule checked at entry (returns/entry_checks.py) fires on the data that breaks
it and not once the data is corrected; the GraphQL side is tests/e2e/test_data_warnings.py."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from returns import CIN_RULES, SSDA903_RULES, EntryRule, entry_warnings, looked_after_child
from workflow.process import Process

Row = dict[str, Any]


def _case(reason: str | None, *records: Row, proposed: bool = False) -> Row:
    episode: Row = {"id": "CASE1", "status": "OPEN"}
    if reason and proposed:
        episode |= {"pendingAction": "closeCase", "pendingInput": json.dumps({"reason": reason})}
    elif reason:
        episode |= {"status": "CLOSED", "closureReason": reason}
    return {
        "record": episode,
        "episode": episode,
        "childId": "CHILD1",
        "steps": [],
        "processes": [{"record": record, "steps": []} for record in records],
    }


ASSESSED_NO_FACTORS = {"id": "A1", "process": "ASSESSMENT", "factors": ["21"]}
ASSESSED_NEGLECT = {"id": "A2", "process": "ASSESSMENT", "factors": ["16A"]}
CIN_PLAN = {"id": "P1", "process": "CHILD_IN_NEED_PLAN"}
ENQUIRY = {"id": "S1", "process": "SECTION_47_ENQUIRY"}


def _assessment(started: date, authorised: date | None = None, status: str = "AUTHORISED") -> Row:
    return {
        "id": f"A{started.isoformat()}",
        "process": "ASSESSMENT",
        "status": status if authorised else "IN_PROGRESS",
        "startDate": started,
        "authorisedDate": authorised,
        "factors": ["16A"],
    }


EARLIER = _assessment(date(2025, 11, 6), date(2026, 1, 5))


def _codes(process: Process, row: Row) -> list[str]:
    checked = entry_warnings(process, row)
    assert checked is not None
    return sorted(w.code for w in checked[1])


@pytest.mark.parametrize(
    ("bad", "corrected", "code"),
    [
        # CIN 8825Q: closed after assessment, but there was none.
        (_case("RC8"), _case("RC7"), "CIN 8825Q"),
        (_case("RC9", proposed=True), _case("RC7", proposed=True), "CIN 8825Q"),
        # CIN 2990: a CIN plan on an episode closed after assessment.
        (
            _case("RC8", ASSESSED_NEGLECT, CIN_PLAN),
            _case("RC7", ASSESSED_NEGLECT, CIN_PLAN),
            "CIN 2990",
        ),
        # CIN 8873Q: the only assessment found no factors; closed for another reason.
        (_case("RC7", ASSESSED_NO_FACTORS), _case("RC8", ASSESSED_NO_FACTORS), "CIN 8873Q"),
        # CIN 2991Q: a section 47 enquiry and no assessment on the episode.
        (_case(None, ENQUIRY), _case(None, ENQUIRY, ASSESSED_NEGLECT), "CIN 2991Q"),
        # CIN 8863Q: an assessment started while another was going on (recorded late)...
        (
            _case(None, EARLIER, _assessment(date(2025, 11, 18), date(2025, 11, 21))),
            _case(None, EARLIER, _assessment(date(2026, 1, 6), date(2026, 2, 2))),
            "CIN 8863Q",
        ),
        # ... on the day the other was authorised (both days count) ...
        (
            _case(None, EARLIER, _assessment(date(2026, 1, 5))),
            _case(None, EARLIER, _assessment(date(2026, 1, 6))),
            "CIN 8863Q",
        ),
        # ... or after the start of one awaiting authorisation, which is still going on.
        (
            _case(
                None,
                _assessment(date(2025, 11, 6), date(2026, 1, 5), "AWAITING_AUTHORISATION"),
                _assessment(date(2026, 1, 9)),
            ),
            _case(None, EARLIER, _assessment(date(2026, 1, 9))),
            "CIN 8863Q",
        ),
    ],
)
def test_each_cin_rule_fires_and_clears(bad: Row, corrected: Row, code: str) -> None:
    assert _codes(Process.CASE, bad) == [code]
    # A save of any record of the episode checks the whole episode.
    assert _codes(Process.ASSESSMENT, bad) == [code]
    assert _codes(Process.CASE, corrected) == []


def test_an_open_episode_or_a_fitting_closure_raises_nothing() -> None:
    assert _codes(Process.CASE, _case(None)) == []
    assert _codes(Process.CASE, _case("RC8", ASSESSED_NO_FACTORS)) == []
    assert _codes(Process.CASE, _case("RC7", ASSESSED_NEGLECT, CIN_PLAN)) == []


def _care(*episodes: tuple[str | None, ...]) -> Row:
    steps = [
        {
            "id": f"E{n}",
            "kind": "LOOKED_AFTER_EPISODE",
            "startDate": date(2025, 4, 1 + n),
            "legalStatus": episode[3] if len(episode) > 3 else "C2",
            "placementType": episode[0],
            "placementProvider": episode[1],
            "urn": episode[2],
        }
        for n, episode in enumerate(episodes)
    ]
    return {"record": {"id": "CARE1"}, "childId": "CHILD1", "steps": steps}


@pytest.mark.parametrize(
    ("bad", "corrected", "code"),
    [
        (("R2", "PR1", None), ("R2", "PR3", None), "903 527"),
        (("R5", "PR2", None), ("R5", "PR3", None), "903 528"),
        (("U6", "PR3", None), ("U6", "PR1", None), "903 529"),
        (("K2", "PR3", "SC123456"), ("K2", "PR4", "SC123456"), "903 529"),
        (("P1", "PR4", None), ("P1", "PR0", None), "903 530"),
        (("P1", "PR5", None), ("P1", "PR0", None), "903 531"),
        (("U4", "PR0", None), ("U4", "PR1", None), "903 550"),
        (("P1", "PR0", "SC123456"), ("P1", "PR0", None), "903 222"),
        (("R1", "PR4", "SC123456"), ("R1", "PR4", None), "903 222"),
        (("P1", "PR0", None, "V2"), ("U6", "PR1", None, "V2"), "903 378"),
        (("U4", "PR1", None, "V3"), ("U6", "PR1", None, "V3"), "903 384"),
        (("A6", "PR1", None, "C2"), ("A6", "PR1", None, "E1"), "903 408"),
        (("A5", "PR1", None, "C1"), ("A4", "PR1", None, "C1"), "903 408"),
    ],
)
def test_each_903_rule_fires_and_clears(
    bad: tuple[str | None, ...], corrected: tuple[str | None, ...], code: str
) -> None:
    row = _care(("U6", "PR1", None), bad)
    checked = entry_warnings(Process.CARE, row)
    assert checked is not None
    record_id, found = checked
    assert (record_id, [(w.code, w.subject) for w in found]) == ("CARE1", [(code, "E1")])
    assert "episode from 2025-04-02" in found[0].message
    assert found[0].message.startswith(found[0].field)
    assert _codes(Process.CARE, _care(("U6", "PR1", None), corrected)) == []


def test_the_903_rules_read_the_provider_as_the_return_writes_it() -> None:
    # SSDA903 rule 213: a temporary placement is returned with no provider, so a PR0
    # entered beside it is not reported under 550.
    assert _codes(Process.CARE, _care(("T1", "PR0", None))) == []


def test_every_rule_has_a_dfe_code_a_field_and_a_message() -> None:
    rules: list[EntryRule[Any]] = [*CIN_RULES, *SSDA903_RULES]
    assert len({r.code for r in rules}) == len(rules)
    for rule in rules:
        assert rule.code.split()[0] in ("CIN", "903"), rule.code
        assert rule.field
        assert rule.message


def test_adoption_saves_are_not_checked() -> None:
    assert entry_warnings(Process.ADOPTION, {"record": {"id": "AD1"}}) is None


def _under_placement_order(order_ended: date | None, *decisions: tuple[date, date | None]) -> Row:
    """A period of care: a care order, then a placement order (E1) from 1 October 2025
    (ended on `order_ended`, a care order after it), and its decisions for adoption."""
    steps: list[Row] = [
        {
            "id": "C",
            "kind": "LOOKED_AFTER_EPISODE",
            "startDate": date(2025, 5, 1),
            "completedDate": date(2025, 10, 1),
            "legalStatus": "C1",
            "placementType": "U6",
            "placementProvider": "PR1",
        },
        {
            "id": "E",
            "kind": "LOOKED_AFTER_EPISODE",
            "startDate": date(2025, 10, 1),
            "completedDate": order_ended,
            "legalStatus": "E1",
            "placementType": "U6",
            "placementProvider": "PR1",
        },
    ]
    if order_ended is not None:
        steps.append({**steps[0], "id": "A", "startDate": order_ended, "completedDate": None})
    plans = [
        {"record": {"id": f"AD{n}", "decisionDate": made, "ceasedDate": ceased}, "steps": []}
        for n, (made, ceased) in enumerate(decisions)
    ]
    return {"record": {"id": "CARE1"}, "childId": "CHILD1", "steps": steps, "processes": plans}


def _order_codes(row: Row, today: date) -> list[tuple[str, str]]:
    child = looked_after_child("A123456789012", [], {"startDate": date(2025, 5, 1)}, today)
    checked = entry_warnings(Process.CARE, row, child)
    assert checked is not None
    return [(w.code, w.subject) for w in checked[1] if w.code != "903 630"]


DECIDED = date(2025, 8, 1)


@pytest.mark.parametrize(
    ("order_ended", "decisions", "today", "warned"),
    [
        # The decision stands: nothing to say.
        (None, [(DECIDED, None)], date(2026, 5, 1), False),
        # Reversed on 20 March 2026, the order still standing on 31 March (its
        # revocation recorded from 7 April): the 2025-26 return breaks 553.
        (date(2026, 4, 7), [(DECIDED, date(2026, 3, 20))], date(2026, 5, 1), True),
        # ... and while the revocation is not yet recorded, the coming return would.
        (None, [(DECIDED, date(2026, 3, 20))], date(2026, 3, 25), True),
        # The order revoked before 31 March: every row the return has is consistent.
        (date(2026, 3, 25), [(DECIDED, date(2026, 3, 20))], date(2026, 5, 1), False),
        # A new decision made after the reversal stands on 31 March.
        (None, [(DECIDED, date(2026, 1, 10)), (date(2026, 2, 2), None)], date(2026, 5, 1), False),
        # A placement order with no decision at all.
        (None, [], date(2026, 5, 1), True),
        # The 2026-27 return holds the order's last week and no decision: reversed in
        # 2025-26, it is in none of that year's rows.
        (date(2026, 4, 7), [(DECIDED, date(2026, 3, 20))], date(2027, 6, 1), True),
        # Long over: no return still to make holds the order (today in 2028-29).
        (date(2026, 4, 7), [(DECIDED, date(2026, 3, 20))], date(2028, 6, 1), False),
    ],
)
def test_a_placement_order_standing_on_31_march_needs_a_decision_in_force(
    order_ended: date | None,
    decisions: list[tuple[date, date | None]],
    today: date,
    warned: bool,
) -> None:
    # SSDA903 rule 553: the order stands until revoked, so the save stands; it warns.
    row = _under_placement_order(order_ended, *decisions)
    assert _order_codes(row, today) == ([("903 553", "E")] if warned else [])


@pytest.mark.parametrize(
    ("order", "warned"),
    [
        ({"orderDate": date(2025, 5, 31)}, False),
        ({"orderDate": date(2025, 6, 2)}, True),
        # Known in part: the DfE takes the last day it can be (rule 632's reading).
        ({"orderDateKnown": "2025-05-??"}, False),
        ({"orderDateKnown": "2025-06-??"}, True),
        ({"orderDateKnown": "2025-??-??"}, True),
        ({"orderDateKnown": "????-??-??"}, False),
    ],
)
def test_a_previous_permanence_order_comes_before_care_began(order: Row, warned: bool) -> None:
    # SSDA903 rule 632: the order that ended a previous permanence option was made before
    # the child began to be looked after (2 June 2025 here).
    fact = {"kind": "PREVIOUS_PERMANENCE", "on": date(2025, 6, 2), "recordedAt": 1}
    fact |= {"permanence": "P4", "localAuthority": "919", **order}
    child = looked_after_child(
        "A123456789012", [fact], {"startDate": date(2025, 6, 2)}, date(2025, 9, 1)
    )
    checked = entry_warnings(Process.CARE, _care(("U6", "PR1", None)), child)
    assert checked is not None
    assert [w.code for w in checked[1]] == (["903 632"] if warned else [])
