"""Each DfE 903 rule excused in test_ssda903.py, misfiring on a minimal hand-made return
(csc-validator-be-903 0.1.17, rule set lac2025_26); and a plain error the rules do catch,
so the check itself can fail."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from returns import SSDA903_TABLES
from tests.returns.conftest import DfeRules
from tests.returns.known_broken import CRASHING_903, CRASHING_DOLO, excused
from workflow.episode_codes import NO_URN

YEAR = 2026
# A girl looked after since 2022, in foster care all year: a valid return on its own.
SETTLED = {
    "header": [["LAC1", "F", "03/09/2011", "WBRI", "N919216724001", "0", ""]],
    "episodes": [
        [
            "LAC1",
            "01/03/2022",
            "S",
            "C2",
            "N1",
            "U4",
            "PR1",
            "",
            "",
            "",
            "SG1 1HN",
            "SG2 0JU",
            NO_URN,
        ]
    ],
    "reviews": [["LAC1", "03/09/2011", "10/07/2025", "PN1"]],
    "oc2": [["LAC1", "03/09/2011", "14", "", "0", "", "1", "1", "1", "0", "", ""]],
    "sw_episodes": [["LAC1", "03/09/2011", "SW100001", "15/01/2022", "", "FCONTA"]],
}


def write(folder: Path, tables: dict[str, list[list[str]]]) -> Path:
    folder.mkdir(parents=True)
    for name, columns in SSDA903_TABLES.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            out = csv.writer(handle, lineterminator="\n")
            out.writerow(columns)
            out.writerows(tables.get(name, []))
    return folder


def last_year(folder: Path, tables: dict[str, list[list[str]]]) -> Path:
    return write(folder, {"header": SETTLED["header"], **tables})


def test_231_and_233_raise_on_a_valid_return(tmp_path: Path, dfe_rules: DfeRules) -> None:
    report = dfe_rules("903", write(tmp_path / "now", SETTLED), year=YEAR)
    assert report["failures"] == {}
    assert set(report["crashed"]) == CRASHING_903
    assert "UASC_STATUS" in report["crashed"]["231"]
    assert "DATE_EPISODE_CEASED" in report["crashed"]["233"]


def test_706_709_and_710_raise_on_any_2026_27_return_with_a_dolo_table(
    tmp_path: Path, dfe_rules: DfeRules
) -> None:
    folder = write(tmp_path / "now", SETTLED)
    (folder / "dolo.csv").write_text("CHILD,DOB,DOLO_START,DOLO_END\n", encoding="utf-8")
    report = dfe_rules("903", folder, year=2027)
    assert set(report["crashed"]) == CRASHING_903 | CRASHING_DOLO
    assert "DoLo_last" in report["crashed"]["706"]
    assert "PLACEMENT" in report["crashed"]["709"]
    assert "PLACEMENT" in report["crashed"]["710"]


def test_1001_and_1002_flag_every_care_leaver_aged_20(tmp_path: Path, dfe_rules: DfeRules) -> None:
    # Both young people were looked after from 16 to 18 and are in touch around this
    # year's birthday. LEAVER19 left care last year, so last year's episodes show it;
    # LEAVER20 left two years before that (care ends at 18): no year's file can show it.
    leavers = {
        "header": [
            *SETTLED["header"],
            ["LEAVER19", "M", "05/10/2006", "WBRI", "N919216724002", "", ""],
            ["LEAVER20", "M", "10/06/2005", "WBRI", "N919216724003", "", ""],
        ],
        "oc3": [
            ["LEAVER19", "05/10/2006", "YES", "F2", "D1"],
            ["LEAVER20", "10/06/2005", "YES", "F2", "D1"],
        ],
    }
    leaving = [
        "LEAVER19",
        "01/09/2022",
        "S",
        "V2",
        "N5",
        "U6",
        "PR1",
        "07/10/2024",
        "E5",
        "",
        "SG1 1HN",
        "SG2 0JU",
        NO_URN,
    ]
    previous = last_year(tmp_path / "last", {"episodes": [SETTLED["episodes"][0], leaving]})
    now = write(tmp_path / "now", {**SETTLED, **leavers})
    report = dfe_rules("903", now, year=YEAR, prev=previous)
    assert report["failures"]["1001"]["children"] == ["LEAVER20"]
    assert report["failures"]["1002"]["children"] == ["LEAVER20"]


def test_sw12stg2_flags_a_social_worker_allocated_before_care_began(
    tmp_path: Path, dfe_rules: DfeRules
) -> None:
    # Care began on 12 May with an interim order; a full order followed in November. The
    # social worker held the case from the referral on 1 May, all year (the rule's own
    # message asks for every social-worker episode of the year).
    def episodes(child: str) -> list[list[str]]:
        common = ["N1", "U6", "PR1"]
        places = ["SG1 1HN", "SG2 0JU", NO_URN]
        return [
            [child, "12/05/2025", "S", "C1", *common, "03/11/2025", "X1", "", *places],
            [child, "03/11/2025", "L", "C2", *common, "", "", "", *places],
        ]

    children = {"BEFORE": "01/05/2025", "SAMEDAY": "12/05/2025"}
    tables = {
        "header": [[c, "M", "14/02/2016", "WBRI", "", "", ""] for c in children],
        "episodes": [row for child in children for row in episodes(child)],
        "prev_perm": [[c, "14/02/2016", "Z1", "", ""] for c in children],
        "sw_episodes": [
            [c, "14/02/2016", "SW100001", start, "", "FCONTA"] for c, start in children.items()
        ],
    }
    report = dfe_rules("903", write(tmp_path / "now", tables), year=YEAR)
    # Only the true record is flagged; saying the allocation began with care would pass.
    assert report["failures"]["SW12STG2"]["children"] == ["BEFORE"]


def test_sw12stg2_flags_a_social_worker_allocated_after_care_ended(
    tmp_path: Path, dfe_rules: DfeRules
) -> None:
    # Looked after from 1 May, moved on 1 June, home on 1 July; the social worker held the
    # case from 1 May. AFTER's case went to a new social worker on 1 September, after care
    # (the rule's own message asks for those too); SINGLE's likewise, its care one episode.
    # The rule reads each social-worker episode of the child beside each episode and flags
    # an episode that any one of them fails: the September allocation fails the move's
    # episode (begun neither with care nor by the end of care), though the May one
    # covers it. NONE had no social worker at all: a real error.
    def episodes(child: str, moved: bool) -> list[list[str]]:
        common = ["N1", "PR1"]
        places = ["SG1 1HN", "SG2 0JU", NO_URN]
        if not moved:
            return [[child, "01/05/2025", "S", "C2", common[0], "U6", common[1], "01/07/2025",
                     "E4A", "", *places]]  # fmt: skip
        return [
            [child, "01/05/2025", "S", "C2", common[0], "U6", common[1], "01/06/2025", "X1", "",
             *places],
            [child, "01/06/2025", "P", "C2", common[0], "U4", common[1], "01/07/2025", "E4A", "",
             *places],
        ]  # fmt: skip

    children = {"AFTER": True, "SINGLE": False, "NONE": True}
    workers = {"AFTER": ["01/05/2025", "01/09/2025"], "SINGLE": ["01/05/2025", "01/09/2025"]}
    tables = {
        "header": [[c, "M", "14/02/2016", "WBRI", "", "", ""] for c in children],
        "episodes": [row for child, moved in children.items() for row in episodes(child, moved)],
        "sw_episodes": [
            [c, "14/02/2016", "SW100001", start, "", "FCONTA"]
            for c, starts in workers.items()
            for start in starts
        ],
    }
    now = write(tmp_path / "now", tables)
    report = dfe_rules("903", now, year=YEAR)
    assert report["failures"]["SW12STG2"]["children"] == ["AFTER", "NONE"]
    assert excused(now, now, date(YEAR, 3, 31))["SW12STG2"] == {"AFTER"}


def test_552_553_554_560_flag_a_second_adoption_decision_after_a_reversal(
    tmp_path: Path, dfe_rules: DfeRules
) -> None:
    # REVERSED: in foster care on an interim order; the decision to place for adoption on
    # 1 October 2024, the placement order on 6 January 2025 (the same foster carer: RNE
    # L), placed with adopters in April, the placement broke down in August and the
    # decision was reversed (RD1); a new decision in November, back in foster care on the
    # placement order. LATE: a single decision made after the child was placed with
    # adopters, the error 552 exists to catch.
    def episode(child: str, start: str, rne: str, ls: str, place: str, end: str = "") -> list[str]:
        rec = "X1" if end else ""
        reason = "CARPL" if end else ""
        return [
            child,
            start,
            rne,
            ls,
            "N1",
            place,
            "PR1",
            end,
            rec,
            reason,
            "SG1 1HN",
            "SG2 0JU",
            NO_URN,
        ]

    born = "01/01/2023"
    header = [[c, "M", born, "WBRI", "UN1", "", ""] for c in ("REVERSED", "LATE")]
    workers = [[c, born, "SW100002", "01/05/2024", "", "FCONTA"] for c in ("REVERSED", "LATE")]
    previous = last_year(
        tmp_path / "last",
        {
            "header": header,
            "episodes": [
                episode("REVERSED", "02/05/2024", "S", "C1", "U6", "06/01/2025"),
                episode("REVERSED", "06/01/2025", "L", "E1", "U6"),
                episode("LATE", "02/05/2024", "S", "C2", "U6"),
            ],
            "placed_for_adoption": [["REVERSED", born, "01/10/2024", "", ""]],
            "prev_perm": [[c, born, "Z1", "", ""] for c in ("REVERSED", "LATE")],
            "sw_episodes": workers,
        },
    )
    now = write(
        tmp_path / "now",
        {
            "header": header,
            "episodes": [
                episode("REVERSED", "06/01/2025", "L", "E1", "U6", "14/04/2025"),
                episode("REVERSED", "14/04/2025", "P", "E1", "A6", "04/08/2025"),
                episode("REVERSED", "04/08/2025", "P", "E1", "U6"),
                episode("LATE", "02/05/2024", "S", "C2", "U6", "02/06/2025"),
                episode("LATE", "02/06/2025", "P", "C2", "A5"),
            ],
            "placed_for_adoption": [
                ["REVERSED", born, "01/10/2024", "04/08/2025", "RD1"],
                ["REVERSED", born, "03/11/2025", "", ""],
                ["LATE", born, "09/06/2025", "", ""],
            ],
            "sw_episodes": workers,
        },
    )
    report = dfe_rules("903", now, year=YEAR, prev=previous)
    failures = report["failures"]
    for code in ("553", "554", "560"):
        assert failures[code]["children"] == ["REVERSED"], code
    assert failures["552"]["children"] == ["LATE", "REVERSED"]
    # The DfE's rules on successive decisions accept the record: each decision after the
    # last one was reversed, none overlapping.
    assert not {"579", "583"} & set(failures)
    # Excused for the child the defect explains, never for the real error.
    explained = excused(now, previous, date(YEAR, 3, 31))
    assert {code: explained[code] for code in ("552", "553", "554", "560")} == {
        "552": {"REVERSED"},
        "553": {"REVERSED"},
        "554": {"REVERSED"},
        "560": {"REVERSED"},
    }


def test_218_and_214_leave_no_urn_for_a_short_break_with_foster_carers(
    tmp_path: Path, dfe_rules: DfeRules
) -> None:
    # A disabled boy's weekend with short breaks foster carers (V3, U6), once with no URN
    # and once with the DfE's "no URN" code: 218 reports the first, 214 the second. A
    # foster placement of a child in care (C2) with no URN is 218's real error.
    def episode(child: str, ls: str, urn: str) -> list[str]:
        end, rec = ("", "") if ls == "C2" else ("06/07/2025", "E4A")
        return [child, "04/07/2025", "S", ls, "N2", "U6", "PR1", end, rec, "", "", "", urn]

    children = {"BLANK": ("V3", ""), "CODED": ("V3", NO_URN), "CARE": ("C2", "")}
    tables = {
        "header": [[c, "M", "14/02/2016", "WBRI", "", "", ""] for c in children],
        "episodes": [episode(c, ls, urn) for c, (ls, urn) in children.items()],
        "prev_perm": [[c, "14/02/2016", "Z1", "", ""] for c in children],
        "sw_episodes": [
            [c, "14/02/2016", "SW100001", "01/05/2025", "", "FCONTA"] for c in children
        ],
    }
    now = write(tmp_path / "now", tables)
    report = dfe_rules("903", now, year=YEAR)
    assert report["failures"]["218"]["children"] == ["BLANK", "CARE"]
    assert report["failures"]["214"]["children"] == ["CODED"]
    assert excused(now, now, date(YEAR, 3, 31))["218"] == {"BLANK"}


def test_625_flags_a_mother_who_moved_placement_before_her_baby_was_born(
    tmp_path: Path, dfe_rules: DfeRules
) -> None:
    # Looked after all year; moved placement on 10 November and had her baby on
    # 27 November, still in care: the rule reads the move's end as the end of care.
    common = ["N1", "U6", "PR1"]
    places = ["SG1 1HN", "SG2 0JU", NO_URN]
    tables = {
        "header": [["MUM", "F", "03/09/2009", "WBRI", "", "1", "27/11/2025"]],
        "episodes": [
            ["MUM", "01/03/2025", "S", "C2", *common, "10/11/2025", "X1", "CARPL", *places],
            ["MUM", "10/11/2025", "P", "C2", *common, "", "", "", *places],
        ],
    }
    now = write(tmp_path / "now", tables)
    report = dfe_rules("903", now, year=YEAR)
    assert report["failures"]["625"]["children"] == ["MUM"]
    assert excused(now, now, date(YEAR, 3, 31))["625"] == {"MUM"}


def test_the_rules_catch_a_plain_error(tmp_path: Path, dfe_rules: DfeRules) -> None:
    # Rule 103: the ethnicity code must be one of the DfE's.
    wrong = [[*SETTLED["header"][0][:3], "ZZZZ", *SETTLED["header"][0][4:]]]
    report = dfe_rules("903", write(tmp_path / "now", {**SETTLED, "header": wrong}), year=YEAR)
    assert set(report["failures"]) == {"103"}
    assert report["failures"]["103"]["children"] == ["LAC1"]


DISABLED = """<?xml version="1.0" encoding="UTF-8"?>
<Message>
  <Header>
    <CollectionDetails><Collection>CIN</Collection><Year>2026</Year>
      <ReferenceDate>2026-03-31</ReferenceDate></CollectionDetails>
    <Source><SourceLevel>L</SourceLevel><LEA>919</LEA><SoftwareCode>LCS-HUB</SoftwareCode>
      <Release>1</Release><SerialNo>001</SerialNo><DateTime>2026-04-15T09:00:00</DateTime>
    </Source>
  </Header>
  <Children><Child>
    <ChildIdentifiers><LAchildID>CIN1</LAchildID><UPN>N919216724001</UPN>
      <PersonBirthDate>2014-05-10</PersonBirthDate><Sex>F</Sex></ChildIdentifiers>
    <ChildCharacteristics><Ethnicity>WBRI</Ethnicity><Disabilities>
      <Disability>MOB</Disability><Disability>HAND</Disability><Disability>PC</Disability>
      <Disability>INC</Disability><Disability>COMM</Disability><Disability>LD</Disability>
      <Disability>HEAR</Disability><Disability>VIS</Disability>
    </Disabilities></ChildCharacteristics>
    <CINdetails><CINreferralDate>2025-06-02</CINreferralDate><ReferralSource>2A</ReferralSource>
      <PrimaryNeedCode>N2</PrimaryNeedCode><ReferralNFA>false</ReferralNFA></CINdetails>
  </Child></Children>
</Message>
"""


def test_2887q_is_raised_for_a_return_using_eight_disability_codes(
    tmp_path: Path, dfe_rules: DfeRules
) -> None:
    # The DfE's query asks whether fewer than 8 distinct codes were used; this return
    # uses 8 and is still queried.
    (tmp_path / "cin.xml").write_text(DISABLED, encoding="utf-8")
    report = dfe_rules("cin", tmp_path / "cin.xml", year=2026)
    assert report["failures"]["2887Q"]["return_level"] is True


def test_every_review_date_of_a_plan_s_one_reviews_group_is_checked(
    tmp_path: Path, dfe_rules: DfeRules
) -> None:
    # The DfE's XSD puts all a plan's review dates in one Reviews group; the validator's
    # ingress reads only the first of a group, so the runner gives each date its own and
    # a bad second date (before the plan began: rule 8841) is still reported.
    plan = """<ChildProtectionPlans><CPPstartDate>2025-06-12</CPPstartDate>
      <InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>
      <LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse>
      <NumberOfPreviousCPP>0</NumberOfPreviousCPP>
      <Reviews><CPPreviewDate>2025-09-10</CPPreviewDate><CPPreviewDate>2025-06-02</CPPreviewDate>
      </Reviews></ChildProtectionPlans>"""
    protected = DISABLED.replace(
        "<ReferralNFA>false</ReferralNFA>", "<ReferralNFA>false</ReferralNFA>" + plan
    )
    (tmp_path / "cin.xml").write_text(protected, encoding="utf-8")
    report = dfe_rules("cin", tmp_path / "cin.xml", year=2026)
    assert report["failures"]["8841"]["children"] == ["CIN1"]


def test_146_flags_supported_accommodation_in_a_2024_25_return(
    tmp_path: Path, dfe_rules: DfeRules
) -> None:
    # A 16-year-old in supported accommodation (K3, a 2024-25 code the same rule set's 371
    # checks) is flagged by 146, which lists it as "k3"; a made-up code is flagged too, and
    # only the K3 child is excused.
    def episode(child: str, place: str) -> list[str]:
        row = ["", "01/06/2024", "S", "V2", "N4", place, "PR4", "", "", "", "", "SG2 0JU"]
        return [child, *row[1:], "SC654321"]

    children = {"SUPPORTED": "K3", "WRONG": "K9"}
    tables = {
        "header": [[c, "M", "20/11/2007", "WBRI", "", "", ""] for c in children],
        "episodes": [episode(c, place) for c, place in children.items()],
    }
    now = write(tmp_path / "now", tables)
    report = dfe_rules("903", now, year=2025)
    assert report["failures"]["146"]["children"] == ["SUPPORTED", "WRONG"]
    assert excused(now, now, date(2025, 3, 31))["146"] == {"SUPPORTED"}
    assert excused(now, now, date(2026, 3, 31))["146"] == set()


def test_584_compares_decision_dates_as_text_and_flags_the_row_at_another_child_s_place(
    tmp_path: Path, dfe_rules: DfeRules
) -> None:
    # Fuzz seed 105. AGAIN: a decision for adoption on 30 November 2024, reversed on 24
    # December (RD3), and a new decision on 13 October 2025, after it, as rule 584 asks.
    # FIRST: one decision, on 22 March 2026, never reversed. 584 compares the dates as
    # dd/mm/YYYY text ("13/10/2025" <= "30/11/2024") and flags the row of this year's
    # table at the positions of the merged rows that fail (AGAIN's and EARLY's): FIRST's
    # and AGAIN's. EARLY, a new decision dated before the reversed one, is the error the
    # rule exists for, and it misses it.
    born = "01/01/2016"
    children = ("FIRST", "AGAIN", "EARLY")

    def episode(child: str) -> list[str]:
        return [child, "02/05/2024", "S", "C2", "N1", "U6", "PR1", "", "", ""]

    places = ["SG1 1HN", "SG2 0JU", NO_URN]
    header = [[c, "M", born, "WBRI", "N919216724001", "", ""] for c in children]
    workers = [[c, born, "SW100002", "01/05/2024", "", "FCONTA"] for c in children]
    common = {
        "header": header,
        "episodes": [[*episode(c), *places] for c in children],
        "sw_episodes": workers,
        "prev_perm": [[c, born, "Z1", "", ""] for c in children],
    }
    reversed_last_year = [born, "30/11/2024", "24/12/2024", "RD3"]
    previous = last_year(
        tmp_path / "last",
        {
            **common,
            "placed_for_adoption": [["AGAIN", *reversed_last_year], ["EARLY", *reversed_last_year]],
        },
    )
    now = write(
        tmp_path / "now",
        {
            **common,
            "reviews": [[c, born, "10/07/2025", "PN1"] for c in children],
            "placed_for_adoption": [
                ["FIRST", born, "22/03/2026", "", ""],
                ["AGAIN", born, "13/10/2025", "", ""],
                ["EARLY", born, "01/11/2024", "", ""],
            ],
        },
    )
    report = dfe_rules("903", now, year=YEAR, prev=previous)
    assert report["failures"]["584"]["children"] == ["AGAIN", "FIRST"]
    # Excused for the children whose own decisions keep the rule, never for EARLY.
    assert excused(now, previous, date(YEAR, 3, 31))["584"] == {"AGAIN", "FIRST"}


def test_583_orders_decision_dates_as_text_and_takes_an_earlier_one_for_the_latest(
    tmp_path: Path, dfe_rules: DfeRules
) -> None:
    # Fuzz seed 158. TEXT: a decision for adoption on 11 April 2025, reversed on 5 October
    # (RD3), and a new decision on 4 November, after it. 583 (all but the latest decision
    # reversed) finds the latest by sorting the dd/mm/YYYY text ("11/04/2025" after
    # "04/11/2025"), so it takes the reversed one for the latest and flags the open one.
    # OPEN: two decisions, the earlier never reversed, the error the rule exists for.
    born = "01/01/2016"
    children = ("TEXT", "OPEN")
    places = ["SG1 1HN", "SG2 0JU", NO_URN]
    common = {
        "header": [[c, "M", born, "WBRI", "N919216724001", "", ""] for c in children],
        "episodes": [
            [c, "02/05/2024", "S", "C2", "N1", "U6", "PR1", "", "", "", *places] for c in children
        ],
        "sw_episodes": [[c, born, "SW100002", "01/05/2024", "", "FCONTA"] for c in children],
        "prev_perm": [[c, born, "Z1", "", ""] for c in children],
    }
    previous = last_year(tmp_path / "last", common)
    now = write(
        tmp_path / "now",
        {
            **common,
            "reviews": [[c, born, "10/07/2025", "PN1"] for c in children],
            "placed_for_adoption": [
                ["TEXT", born, "11/04/2025", "05/10/2025", "RD3"],
                ["TEXT", born, "04/11/2025", "", ""],
                ["OPEN", born, "01/05/2025", "", ""],
                ["OPEN", born, "01/09/2025", "", ""],
            ],
        },
    )
    report = dfe_rules("903", now, year=YEAR, prev=previous)
    assert report["failures"]["583"]["children"] == ["OPEN", "TEXT"]
    # Excused for the child whose decisions keep the rule, never for OPEN.
    assert excused(now, previous, date(YEAR, 3, 31))["583"] == {"TEXT"}
