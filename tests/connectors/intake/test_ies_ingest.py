"""IES JSON Lines through the real graph: pupils link by UPN, bad lines are reported."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from connectors import ies
from connectors.intake import Applied, ingest, read_rows
from graph import FalkorDBStore
from tests.connectors.intake.world import add_child, counts, stored, write_jsonl
from workflow.matching import Decision

pytestmark = pytest.mark.anyio

UPN = "E938200112001"
PUPIL = {
    "recordType": "PUPIL",
    "recordId": "P1",
    "version": 1,
    "givenName": "Leo",
    "familyName": "Marsh",
    "dateOfBirth": "2014-03-09",
    "upn": UPN,
    "schoolUrn": "117000",
    "schoolName": "Hertford Primary",
    "yearGroup": "6",
    "startDate": "2019-09-04",
}


async def test_pupils_attendance_exclusions_and_ssrs_land_and_bad_lines_do_not(
    store: FalkorDBStore, tmp_path: Path
) -> None:
    # Known to the hub by UPN under another spelling of his name.
    await add_child(store, "C-LEO", "Leon", "Marsh", date(2014, 3, 9), sex="M", upn=UPN)
    rows: list[dict[str, object] | str] = [
        PUPIL,
        {
            "recordType": "ATTENDANCE",
            "recordId": "A1",
            "version": 1,
            "upn": UPN,
            "schoolUrn": "117000",
            "startDate": "2025-09-03",
            "endDate": "2025-12-19",
            "sessionsPossible": 140,
            "sessionsAttended": 120,
            "unauthorisedAbsences": 12,
        },
        {
            "recordType": "EXCLUSION",
            "recordId": "X1",
            "version": 1,
            "upn": UPN,
            "schoolUrn": "117000",
            "startDate": "2025-11-03",
            "category": "SUSPENSION",
            "reason": "PA",
            "sessions": 4,
        },
        {
            "recordType": "SSR",
            "recordId": "S1",
            "version": 1,
            "upn": UPN,
            "schoolUrn": "117000",
            "status": "SUBMITTED",
            "summary": "Concerns about neglect",
            "startDate": "2025-11-20",
        },
        '{"recordType": "PUPIL", "recordId": ',  # a line cut short
        {**PUPIL, "recordId": "P2", "upn": "E938200112002"},  # the check letter is wrong
        {**PUPIL, "recordId": "P3", "yearGroup": "15", "startDate": "2099-01-01"},
        {**PUPIL, "recordType": "TIMETABLE", "recordId": "T1"},
    ]
    path = write_jsonl(tmp_path / "ies.jsonl", rows)

    report = await ingest(store, read_rows(path), ies.SOURCE, by="cli:test")

    assert report.applied[Applied.CREATED] == 4
    assert report.decisions == {Decision.AUTO_LINK: 4}
    problems = {p.line: {(f.field, f.rule) for f in p.problems} for p in report.rejected}
    assert set(problems) == {5, 6, 7, 8}
    assert {field for field, _ in problems[5]} == {"row"}
    assert problems[6] == {("upn", "the UPN's check letter does not match (DfE UPN algorithm)")}
    assert {field for field, _ in problems[7]} == {"yearGroup", "startDate"}
    assert {field for field, _ in problems[8]} == {"recordType"}
    for key in ("IES:PUPIL:P1", "IES:ATTENDANCE:A1", "IES:EXCLUSION:X1", "IES:SSR:S1"):
        linked = await stored(store, key)
        assert (linked["childId"], linked["link"]["rule"]) == ("C-LEO", "UPN"), key
    attendance = json.loads((await stored(store, "IES:ATTENDANCE:A1"))["record"]["details"])
    assert attendance == {
        "schoolUrn": "117000",
        "sessionsPossible": 140,
        "sessionsAttended": 120,
        "unauthorisedAbsences": 12,
    }
    assert await counts(store) == {"records": 4, "linkEvents": 4, "children": 1}


async def test_attendance_that_does_not_add_up_is_refused(store: FalkorDBStore) -> None:
    row = {
        "recordType": "ATTENDANCE",
        "recordId": "A1",
        "version": 1,
        "upn": UPN,
        "schoolUrn": "117000",
        "startDate": "2025-09-03",
        "endDate": "2025-12-19",
        "sessionsPossible": 100,
        "sessionsAttended": 100,
        "unauthorisedAbsences": 1,
    }

    report = await ingest(store, [(1, row)], ies.SOURCE, by="t")

    assert [p.problems[0].rule for p in report.rejected] == [
        "attended plus unauthorised absences exceed sessionsPossible"
    ]
    assert await counts(store) == {"records": 0, "linkEvents": 0, "children": 0}
