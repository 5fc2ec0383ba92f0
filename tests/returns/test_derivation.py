"""The SSDA903 derivation on hand-made records: what a year's tables hold, as the
record stood on 31 March."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from returns import write_cin_census, write_ssda903
from returns.ssda903 import LookedAfterRecord, last_year_specification, tables_for
from returns.years import CollectionYear

YEAR = CollectionYear(2026)


def episode(start: str, end: str | None, rne: str, place: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "LOOKED_AFTER_EPISODE",
        "status": "DONE" if end else "OPEN",
        "periodId": "p1",
        "startDate": date.fromisoformat(start),
        "completedDate": date.fromisoformat(end) if end else None,
        "reasonNewEpisode": rne,
        "reasonEpisodeCeased": extra.pop("rec", "X1" if end else None),
        "legalStatus": extra.pop("ls", "C2"),
        "placementType": place,
        "placementProvider": "PR1",
        **extra,
    }


def record(steps: list[dict[str, Any]], **extra: Any) -> LookedAfterRecord:
    started = min(s["startDate"] for s in steps if s["kind"] == "LOOKED_AFTER_EPISODE")
    return LookedAfterRecord.from_row(
        {
            "child": {
                "id": "C1",
                "sex": "M",
                "dateOfBirth": extra.get("born", date(2015, 6, 1)),
                "upn": extra.get("upn", "X"),
            },
            "periods": [{"id": "p1", "status": "LOOKED_AFTER", "startDate": started}],
            "steps": steps,
            "adoptions": [],
            "facts": extra.get("facts", []),
            "allocations": [],
            "referrals": extra.get("referrals", []),
        }
    )


def test_an_episode_ended_after_31_march_is_returned_open() -> None:
    child = record(
        [
            episode("2025-06-01", "2026-04-10", "S", "U6"),
            episode("2026-04-10", None, "P", "U4", reasonPlaceChange="CARPL"),
        ]
    )
    rows = tables_for(child, YEAR)["episodes"]
    assert [(r[1], r[7], r[8], r[9]) for r in rows] == [("01/06/2025", "", "", "")]


def test_the_reason_for_a_move_is_on_the_episode_it_ended_but_not_around_a_temporary_stay() -> None:
    child = record(
        [
            episode("2025-05-01", "2025-07-01", "S", "U6"),
            episode("2025-07-01", "2025-08-01", "P", "U4", reasonPlaceChange="STAND"),
            episode("2025-08-01", "2025-08-04", "P", "T1", reasonPlaceChange="OTHER"),
            episode("2025-08-04", None, "P", "U4", reasonPlaceChange="OTHER"),
        ]
    )
    rows = tables_for(child, YEAR)["episodes"]
    # PLACE_PROVIDER is blank for the temporary placement (rule 213).
    assert [(r[5], r[6], r[9]) for r in rows] == [
        ("U6", "PR1", "STAND"),
        ("U4", "PR1", ""),
        ("T1", "", ""),
        ("U4", "PR1", ""),
    ]


def test_category_of_need_is_the_referral_before_care_for_the_whole_period() -> None:
    referrals = [
        {"referralDate": date(2025, 4, 2), "primaryNeed": "N4"},
        {"referralDate": date(2025, 9, 1), "primaryNeed": "N1"},
    ]
    child = record(
        [
            episode("2025-05-01", "2025-10-01", "S", "U6"),
            episode("2025-10-01", None, "L", "U6", ls="C2"),
        ],
        referrals=referrals,
    )
    assert [r[4] for r in tables_for(child, YEAR)["episodes"]] == ["N4", "N4"]


@pytest.mark.parametrize(
    ("returned", "expected"), [("2026-03-30", "30/03/2026"), ("2026-04-02", ""), (None, "")]
)
def test_missing_at_the_year_end(returned: str | None, expected: str) -> None:
    missing = {
        "kind": "MISSING_EPISODE",
        "status": "DONE" if returned else "OPEN",
        "periodId": "p1",
        "startDate": date(2026, 3, 20),
        "completedDate": date.fromisoformat(returned) if returned else None,
        "missingType": "M",
    }
    child = record([episode("2025-05-01", None, "S", "U6"), missing])
    assert tables_for(child, YEAR)["missing"] == [["C1", "01/06/2015", "M", "20/03/2026", expected]]


@pytest.mark.parametrize(
    ("reason", "returned"),
    [("UN6", "UN1"), ("UN1", "UN1"), ("UN4", "UN4"), ("UN2", "UN2")],
)
def test_a_upn_unknown_reason_is_returned_in_the_903_s_own_codes(
    reason: str, returned: str
) -> None:
    # The CIN census's UN6 (under 6, not at school) is the 903's UN1 (rule 168 takes
    # UN1-UN5 only).
    unknown = {"kind": "UPN_UNKNOWN", "on": date(2025, 7, 1), "reason": reason}
    child = record(
        [episode("2025-06-01", None, "S", "U1")],
        born=date(2023, 2, 1),
        upn=None,
        facts=[unknown],
    )
    assert tables_for(child, YEAR)["header"][0][4] == returned


def test_a_child_not_looked_after_in_the_year_is_not_in_it() -> None:
    child = record([episode("2023-05-01", "2024-03-01", "S", "U6", rec="E4A")])
    assert all(rows == [] for rows in tables_for(child, YEAR).values())
    # 2023-24, as the 2024-25 return's last-year tables write it (in 2024-25's coding).
    last_but_one = tables_for(
        child, CollectionYear(2024), last_year_specification(CollectionYear(2025))
    )
    assert [r[7:9] for r in last_but_one["episodes"]] == [["01/03/2024", "E4A"]]


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


@pytest.mark.anyio
async def test_a_failed_return_leaves_no_file_where_a_complete_one_is_expected(
    tmp_path: Path,
) -> None:
    class FailingStore:
        """Answers the id scan, then fails on the first page (an engine gone away)."""

        async def read(self, statement: str, params: dict[str, Any]) -> list[dict[str, Any]]:
            if "ids" in params:
                raise ConnectionError("engine gone")
            return [{"id": "C1"}]

    with pytest.raises(ConnectionError):
        await write_ssda903(FailingStore(), YEAR, tmp_path / "903")  # type: ignore[arg-type]
    with pytest.raises(ConnectionError):
        await write_cin_census(FailingStore(), YEAR, tmp_path / "cin.xml", "919")  # type: ignore[arg-type]
    assert files_in(tmp_path) == []


def test_no_care_leaver_row_for_a_birthday_spent_back_in_care() -> None:
    # SSDA903 rule 1007: care leaver information at 17 and 18 is for a young person not
    # looked after on the birthday. A care leaver at 16 who came back into care before
    # the 17th birthday is looked after on it: no OC3 row, even with the birthday's
    # contact recorded in the period they left (it is in the record, not the return).
    first = episode("2024-06-03", "2025-03-03", "S", "U6", rec="E5")
    again = {**episode("2025-07-01", None, "S", "U6"), "periodId": "p2"}
    contact = {
        "kind": "CARE_LEAVER_CONTACT",
        "status": "DONE",
        "periodId": "p1",
        "startDate": date(2025, 8, 28),
        "dueDate": date(2025, 9, 1),
        "completedDate": date(2025, 8, 28),
        "inTouch": "YES",
        "activity": "F2",
        "accommodation": "D1",
    }
    child = LookedAfterRecord.from_row(
        {
            "child": {"id": "C1", "sex": "M", "dateOfBirth": date(2008, 9, 1), "upn": "X"},
            "periods": [
                {
                    "id": "p1",
                    "status": "CARE_LEAVER",
                    "startDate": date(2024, 6, 3),
                    "endDate": date(2025, 3, 3),
                },
                {"id": "p2", "status": "LOOKED_AFTER", "startDate": date(2025, 7, 1)},
            ],
            "steps": [first, again, contact],
            "adoptions": [],
            "facts": [],
            "allocations": [],
            "referrals": [],
        }
    )
    tables = tables_for(child, YEAR)
    assert [row[1] for row in tables["episodes"]] == ["01/07/2025"]
    assert tables["oc3"] == []
    # Out of care on the birthday, the same young person has the row.
    child.periods[1]["startDate"] = date(2025, 9, 2)
    child.steps[1]["startDate"] = date(2025, 9, 2)
    assert tables_for(child, YEAR)["oc3"] == [["C1", "01/09/2008", "YES", "F2", "D1"]]


def test_a_contact_made_around_a_birthday_counts_for_it_whichever_step_it_closed() -> None:
    # Care ended on the 17th birthday (10 March 2025), which made that birthday's contact
    # due; nobody was in touch then, and the contact made around the 18th birthday closed
    # that overdue step, late. The OC3 row for the 18th birthday is the contact made
    # around it (a blank row fails rules 131-133).
    ended = episode("2024-09-02", "2025-03-10", "S", "U6", rec="E5")
    contact = {
        "kind": "CARE_LEAVER_CONTACT",
        "status": "DONE",
        "periodId": "p1",
        "startDate": date(2026, 3, 16),
        "dueDate": date(2025, 3, 10),
        "completedDate": date(2026, 3, 16),
        "inTouch": "YES",
        "activity": "F2",
        "accommodation": "D1",
    }
    child = record([ended, contact], born=date(2008, 3, 10))
    child.periods[0] |= {"status": "CARE_LEAVER", "endDate": date(2025, 3, 10)}
    assert tables_for(child, YEAR)["oc3"] == [["C1", "10/03/2008", "YES", "F2", "D1"]]
    # A contact long after the birthday's window counts for none but its own step.
    contact["completedDate"] = date(2026, 6, 1)
    assert tables_for(child, YEAR)["oc3"] == [["C1", "10/03/2008", "", "", ""]]


def test_a_mother_is_one_from_the_day_her_baby_was_born_however_late_it_is_recorded() -> None:
    # SSDA903 MOTHER and MC_DOB: a girl whose baby was born on 25 March 2025, recorded on
    # 5 April, was a mother on 31 March 2025: last year's header says so, as this year's
    # does (rule 626 compares them), though nobody knew it on the day.
    fact = {
        "kind": "MOTHERHOOD",
        "on": date(2025, 4, 5),
        "recordedAt": 1,
        "babyBornOn": date(2025, 3, 25),
    }
    child = record([episode("2024-09-14", None, "S", "U6")], born=date(2009, 5, 1), facts=[fact])
    child.child["sex"] = "F"
    for year in (YEAR.previous(), YEAR):
        header = tables_for(child, year)["header"]
        assert [(row[5], row[6]) for row in header] == [("1", "25/03/2025")], year
    # A second baby: MC_DOB stays the first child's.
    child.facts.append({**fact, "on": date(2026, 1, 9), "babyBornOn": date(2026, 1, 9)})
    assert [row[6] for row in tables_for(child, YEAR)["header"]] == ["25/03/2025"]


def test_a_child_adopted_on_31_march_was_looked_after_all_year_and_has_no_ad1_row() -> None:
    # Looked after from January 2025 and adopted on 31 March 2026: the DfE counts care
    # ending on 31 March as care all year (the OC2 cohort), and of that cohort asks no
    # adoption details (SSDA903 rule 187); adopted on 30 March, the child has them.
    def adopted_on(day: str) -> LookedAfterRecord:
        steps = [
            episode("2025-01-29", "2025-07-04", "S", "U6", ls="C1"),
            episode("2025-07-04", "2025-10-09", "L", "U6", ls="E1"),
            episode("2025-10-09", day, "P", "A6", ls="E1", rec="E11"),
        ]
        child = record(steps, born=date(2023, 1, 26))
        child.periods[0] |= {"status": "CEASED", "endDate": date.fromisoformat(day)}
        child.adoptions.append(
            {
                "decisionDate": date(2025, 5, 25),
                "matchedDate": date(2025, 9, 1),
                "adoptionOrderDate": date.fromisoformat(day),
                "numberOfAdopters": 2,
                "adopterSex": "MF",
                "adoptersLegalStatus": "L11",
                "adoptedByFosterCarer": False,
            }
        )
        return child

    on_the_day = tables_for(adopted_on("2026-03-31"), YEAR)
    assert len(on_the_day["oc2"]) == 1
    assert on_the_day["ad1"] == []
    assert len(on_the_day["placed_for_adoption"]) == 1
    day_before = tables_for(adopted_on("2026-03-30"), YEAR)
    assert (len(day_before["oc2"]), len(day_before["ad1"])) == (0, 1)
