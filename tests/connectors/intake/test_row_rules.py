"""A record that breaks a rule across its fields is refused naming the field to change."""

from __future__ import annotations

from typing import Any

import pytest

from connectors import ehm, ies
from connectors.intake import Source
from workflow.outcomes import InvalidInput

UPN = "E938200112001"
NAMED = {"givenName": "Leo", "familyName": "Marsh", "dateOfBirth": "2014-03-09"}
EPISODE = {"recordType": "EARLY_HELP_EPISODE", "recordId": "EP1", "version": 1, **NAMED}
ASSESSMENT = {**EPISODE, "recordType": "EARLY_HELP_ASSESSMENT", "episodeId": "EP1"}
ATTENDANCE = {
    "recordType": "ATTENDANCE",
    "recordId": "A1",
    "version": 1,
    "upn": UPN,
    "schoolUrn": "117000",
    "startDate": "2025-09-03",
    "endDate": "2025-12-19",
    "sessionsPossible": 140,
    "sessionsAttended": 120,
}
SSR = {
    "recordType": "SSR",
    "recordId": "S1",
    "version": 1,
    "upn": UPN,
    "schoolUrn": "117000",
    "summary": "Concerns about neglect",
    "startDate": "2025-11-20",
}


BEFORE_BIRTH = "is more than 40 weeks before the child's date of birth (2014-03-09)"


@pytest.mark.parametrize(
    ("source", "row"),
    [
        (ehm.SOURCE, {**EPISODE, "startDate": "2013-06-01"}),
        (ehm.SOURCE, {**ASSESSMENT, "startDate": "2010-01-04"}),
        # A step up becomes a contact, which the front door refuses so early (CIN 8606).
        (
            ehm.SOURCE,
            {
                **EPISODE,
                "recordType": "STEP_UP",
                "recordId": "SU1",
                "episodeId": "EP1",
                "reason": "Escalating neglect",
                "startDate": "2009-11-02",
            },
        ),
        (ies.SOURCE, {**SSR, **NAMED, "status": "SUBMITTED", "startDate": "2012-09-05"}),
        (ies.SOURCE, {**ATTENDANCE, **NAMED, "startDate": "2013-01-07"}),
    ],
)
def test_a_record_dated_before_the_child_could_be_known_names_its_start_date(
    source: Source, row: dict[str, Any]
) -> None:
    # 40 weeks before 9 March 2014 is 2 June 2013: work with an unborn child is real, work
    # with a child years before their birth is a mistyped year or the wrong child.
    parsed = source.parse(row)

    assert isinstance(parsed, InvalidInput)
    assert [(p.field, p.rule) for p in parsed.problems] == [("startDate", BEFORE_BIRTH)]
    assert not isinstance(source.parse({**row, "startDate": "2013-06-02"}), InvalidInput)


@pytest.mark.parametrize(
    ("source", "row", "field", "rule"),
    [
        (
            ehm.SOURCE,
            {**EPISODE, "startDate": "2025-09-01", "endDate": "2025-08-01"},
            "endDate",
            "endDate must not be before startDate",
        ),
        (
            ehm.SOURCE,
            {**EPISODE, "startDate": "2025-09-01", "endDate": "2025-10-01"},
            "closureOutcome",
            "a closed episode has both endDate and closureOutcome",
        ),
        (
            ehm.SOURCE,
            {**EPISODE, "startDate": "2025-09-01", "closureOutcome": "NEEDS_MET"},
            "endDate",
            "a closed episode has both endDate and closureOutcome",
        ),
        (
            ehm.SOURCE,
            {**ASSESSMENT, "startDate": "2025-09-01", "completedDate": "2025-08-30"},
            "completedDate",
            "completedDate must not be before startDate",
        ),
        (
            ehm.SOURCE,
            {**ASSESSMENT, "startDate": "2025-09-01", "completedDate": "2025-09-30"},
            "outcome",
            "a completed assessment has both completedDate and outcome",
        ),
        (
            ehm.SOURCE,
            {**ASSESSMENT, "startDate": "2025-09-01", "outcome": "EARLY_HELP_PLAN"},
            "completedDate",
            "a completed assessment has both completedDate and outcome",
        ),
        (
            ies.SOURCE,
            {key: value for key, value in ATTENDANCE.items() if key != "endDate"},
            "endDate",
            "an attendance period has an endDate",
        ),
        (
            ies.SOURCE,
            {**ATTENDANCE, "unauthorisedAbsences": 30},
            "sessionsAttended",
            "attended plus unauthorised absences exceed sessionsPossible",
        ),
        (
            ies.SOURCE,
            {**SSR, "status": "FINALISED"},
            "finalisedDate",
            "a FINALISED SSR has a finalisedDate, and only then",
        ),
        (
            ies.SOURCE,
            {**SSR, "status": "SUBMITTED", "finalisedDate": "2025-11-21"},
            "finalisedDate",
            "a FINALISED SSR has a finalisedDate, and only then",
        ),
        (
            ies.SOURCE,
            {**SSR, "status": "FINALISED", "finalisedDate": "2025-11-19"},
            "finalisedDate",
            "finalisedDate must not be before startDate",
        ),
    ],
)
def test_a_rule_across_fields_names_the_field_to_change(
    source: Source, row: dict[str, Any], field: str, rule: str
) -> None:
    parsed = source.parse(row)

    assert isinstance(parsed, InvalidInput)
    assert [(p.field, p.rule) for p in parsed.problems] == [(field, rule)]


@pytest.mark.parametrize(
    ("named", "field"),
    [
        ({}, "nhsNumber"),
        ({"givenName": "Leo"}, "familyName"),
        ({"givenName": "Leo", "familyName": "Marsh"}, "dateOfBirth"),
        ({"familyName": "Marsh", "dateOfBirth": "2014-03-09"}, "givenName"),
    ],
)
def test_a_record_naming_nobody_names_what_is_missing(named: dict[str, str], field: str) -> None:
    row = {"recordType": "EARLY_HELP_EPISODE", "recordId": "EP1", "version": 1}
    parsed = ehm.SOURCE.parse({**row, **named, "startDate": "2025-09-01"})

    assert isinstance(parsed, InvalidInput)
    assert [(p.field, p.rule) for p in parsed.problems] == [
        (
            field,
            "a record names its child: an NHS number, a UPN, or given name, family name"
            " and date of birth",
        )
    ]


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        # JSON numbers are not dates: pydantic would read them as Unix timestamps
        # (0 is 1 January 1970), so a sender's bug would become a birthday.
        ({"dateOfBirth": 0}, "dateOfBirth", "a date is written YYYY-MM-DD"),
        ({"startDate": 1735689600}, "startDate", "a date is written YYYY-MM-DD"),
        ({"dateOfBirth": "1735689600"}, "dateOfBirth", "a date is written YYYY-MM-DD"),
        # true is not version 1.
        ({"version": True}, "version", "must be a whole number, not true or false"),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused_not_read_as_another(
    changes: dict[str, Any], field: str, rule: str
) -> None:
    parsed = ehm.SOURCE.parse({**EPISODE, "startDate": "2025-09-01", **changes})

    assert isinstance(parsed, InvalidInput)
    assert [(p.field, p.rule) for p in parsed.problems] == [(field, rule)]


def test_dates_and_versions_as_a_csv_sends_them_still_land() -> None:
    parsed = ehm.SOURCE.parse({**EPISODE, "version": "2", "startDate": "2025-09-01"})

    assert not isinstance(parsed, InvalidInput)
    assert (parsed.row.version, parsed.row.start_date.isoformat()) == (2, "2025-09-01")
