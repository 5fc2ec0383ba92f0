"""EHM bulk files through the real graph: idempotent, version-guarded, bad rows reported."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from connectors import ehm
from connectors.intake import (
    Applied,
    IncomingRecord,
    apply_record,
    ingest,
    read_rows,
    write_params,
)
from graph import ConstraintViolation, FalkorDBStore
from graph.cypher import linking
from tests.connectors.intake.world import RUBY_NHS, add_child, counts, stored, write_csv
from workflow.linking import match_person
from workflow.matching import Decision

pytestmark = pytest.mark.anyio


def episode(record_id: str, version: int = 1, **changes: Any) -> dict[str, Any]:
    row = {
        "recordType": "EARLY_HELP_EPISODE",
        "recordId": record_id,
        "version": version,
        "givenName": "Ruby",
        "familyName": "Newman",
        "dateOfBirth": "2019-05-04",
        "sex": "F",
        "postcode": "SG13 8DE",
        "nhsNumber": "",
        "startDate": "2025-09-01",
        "endDate": "",
        "closureOutcome": "",
        "reason": "Parenting support",
    }
    return {**row, **changes}


async def test_a_batch_lands_its_good_rows_reports_bad_ones_and_replays_as_a_no_op(
    store: FalkorDBStore, tmp_path: Path
) -> None:
    await add_child(store, "C-RUBY", "Ruby", "Newman", date(2019, 5, 4), nhs=RUBY_NHS)
    rows = [
        episode("EP1", nhsNumber=RUBY_NHS),
        episode("EP2", givenName="RUBY", familyName="newman", dateOfBirth="2019-04-05"),
        # The NHS number fails its check digit: reported, nothing of it written.
        episode("EP3", nhsNumber="9434765918"),
        {
            "recordType": "TEAM_AROUND_THE_FAMILY",
            "recordId": "TAF1",
            "version": 1,
            "givenName": "Ruby",
            "familyName": "Newman",
            "dateOfBirth": "2019-05-04",
            "startDate": "2025-09-10",
            "episodeId": "EP1",
            "leadProfessional": "Sam Lee",
            "members": "School nurse; Family support worker; GP",
        },
        # Closed without an outcome.
        episode("EP4", endDate="2025-12-01"),
    ]
    path = write_csv(tmp_path / "ehm.csv", rows)

    report = await ingest(store, read_rows(path), ehm.SOURCE, by="cli:test")

    assert report.applied[Applied.CREATED] == 3
    assert [(p.line, p.record_id) for p in report.rejected] == [(4, "EP3"), (6, "EP4")]
    assert report.rejected[0].problems[0].field == "nhsNumber"
    assert "modulus-11" in report.rejected[0].problems[0].rule
    assert "closureOutcome" in report.rejected[1].problems[0].rule
    first = await stored(store, "EHM:EARLY_HELP_EPISODE:EP1")
    assert first["childId"] == "C-RUBY"
    assert first["link"] == {
        "rule": "NHS_NUMBER",
        "score": first["link"]["score"],
        "by": "cli:test",
    }
    swapped = await stored(store, "EHM:EARLY_HELP_EPISODE:EP2")
    assert (swapped["childId"], swapped["link"]["rule"]) == ("C-RUBY", "SCORE")
    team = await stored(store, "EHM:TEAM_AROUND_THE_FAMILY:TAF1")
    assert json.loads(team["record"]["details"])["members"] == [
        "School nurse",
        "Family support worker",
        "GP",
    ]
    assert team["record"]["startDate"] == date(2025, 9, 10)
    before = await counts(store)
    assert before == {"records": 3, "linkEvents": 3, "children": 1}

    replay = await ingest(store, read_rows(path), ehm.SOURCE, by="cli:again")

    assert replay.applied[Applied.UNCHANGED] == 3
    assert len(replay.rejected) == 2
    assert await counts(store) == before
    assert (await stored(store, "EHM:EARLY_HELP_EPISODE:EP1"))["link"]["by"] == "cli:test"


async def test_an_older_version_never_overwrites_a_newer(
    store: FalkorDBStore, tmp_path: Path
) -> None:
    closed = episode("EP1", 3, endDate="2026-01-15", closureOutcome="NEEDS_MET")
    older = episode("EP1", 2, reason="An older reason")
    newer = episode("EP1", 4, endDate="2026-01-15", closureOutcome="STEP_UP_TO_SOCIAL_CARE")

    first = await ingest(
        store, read_rows(write_csv(tmp_path / "a.csv", [closed])), ehm.SOURCE, by="t"
    )
    second = await ingest(
        store, read_rows(write_csv(tmp_path / "b.csv", [older])), ehm.SOURCE, by="t"
    )

    assert first.applied[Applied.CREATED] == 1
    assert second.applied[Applied.STALE] == 1
    record = (await stored(store, "EHM:EARLY_HELP_EPISODE:EP1"))["record"]
    assert record["version"] == 3
    assert json.loads(record["details"])["closureOutcome"] == "NEEDS_MET"
    assert record["endDate"] == date(2026, 1, 15)

    third = await ingest(
        store, read_rows(write_csv(tmp_path / "c.csv", [newer])), ehm.SOURCE, by="t"
    )

    assert third.applied[Applied.UPDATED] == 1
    record = (await stored(store, "EHM:EARLY_HELP_EPISODE:EP1"))["record"]
    assert (record["version"], json.loads(record["details"])["closureOutcome"]) == (
        4,
        "STEP_UP_TO_SOCIAL_CARE",
    )
    assert (await counts(store))["linkEvents"] == 1


async def test_a_version_sent_again_with_other_content_is_a_bad_row_not_a_replay(
    store: FalkorDBStore, tmp_path: Path
) -> None:
    # EHM corrected the closure but kept the version number: dropped as a replay, the
    # correction never landed and nobody was told.
    closed = episode("EP1", 3, endDate="2026-01-15", closureOutcome="NEEDS_MET")
    corrected = episode("EP1", 3, endDate="2026-01-15", closureOutcome="STEP_UP_TO_SOCIAL_CARE")

    await ingest(store, read_rows(write_csv(tmp_path / "a.csv", [closed])), ehm.SOURCE, by="t")
    replay = await ingest(
        store, read_rows(write_csv(tmp_path / "b.csv", [closed])), ehm.SOURCE, by="t"
    )
    changed = await ingest(
        store, read_rows(write_csv(tmp_path / "c.csv", [corrected])), ehm.SOURCE, by="t"
    )

    assert replay.applied[Applied.UNCHANGED] == 1
    assert not replay.rejected
    assert sum(changed.applied.values()) == 0
    (problem,) = changed.rejected
    assert (problem.line, problem.record_id) == (2, "EP1")
    assert problem.problems[0].field == "version"
    assert "different content" in problem.problems[0].rule
    record = (await stored(store, "EHM:EARLY_HELP_EPISODE:EP1"))["record"]
    assert json.loads(record["details"])["closureOutcome"] == "NEEDS_MET"


async def test_a_child_the_hub_has_not_met_becomes_one_new_child_not_two(
    store: FalkorDBStore, tmp_path: Path
) -> None:
    rows = [
        episode("EP1", givenName="Amir", familyName="Haddad", dateOfBirth="2017-02-20"),
        episode("EP2", givenName="Amir", familyName="Haddad", dateOfBirth="2017-02-20"),
    ]

    report = await ingest(
        store, read_rows(write_csv(tmp_path / "new.csv", rows)), ehm.SOURCE, by="t"
    )

    assert report.decisions == {Decision.NEW_PERSON: 1, Decision.AUTO_LINK: 1}
    one = await stored(store, "EHM:EARLY_HELP_EPISODE:EP1")
    two = await stored(store, "EHM:EARLY_HELP_EPISODE:EP2")
    assert one["link"]["rule"] == "NEW_PERSON"
    assert one["childId"] == two["childId"]
    assert (await counts(store))["children"] == 1


async def test_a_doubtful_record_waits_in_the_review_queue_with_its_candidates(
    store: FalkorDBStore, tmp_path: Path
) -> None:
    await add_child(store, "C-JACK", "Jack", "Newman", date(2019, 5, 4), sex="M")
    # Jake: a twin, or Jack misspelt? A person decides.
    row = episode("EP1", givenName="Jake", sex="M")

    report = await ingest(
        store, read_rows(write_csv(tmp_path / "twin.csv", [row])), ehm.SOURCE, by="t"
    )

    assert report.decisions == {Decision.REVIEW: 1}
    record = await stored(store, "EHM:EARLY_HELP_EPISODE:EP1")
    assert record["childId"] is None
    assert record["record"]["linkState"] == "REVIEW"
    assert record["record"]["reviewCandidates"] == ["C-JACK"]
    assert (await counts(store))["children"] == 1


async def test_a_batch_that_lost_the_race_to_create_an_unknown_child_links_to_the_winner(
    store: FalkorDBStore,
) -> None:
    amir = {"givenName": "Amir", "familyName": "Haddad", "dateOfBirth": "2017-02-20"}
    winner, loser = (ehm.SOURCE.parse(episode(f"EP{n}", **amir)) for n in (1, 2))
    assert isinstance(winner, IncomingRecord)
    assert isinstance(loser, IncomingRecord)
    # The loser decided "new person" before the winner's child landed.
    stale = await match_person(store, loser.row.subject())
    await apply_record(store, winner, by="push:1")

    with pytest.raises(ConstraintViolation):
        await store.write(
            linking.UPSERT_RECORD, write_params(loser, loser.row.subject(), stale, "push:2")
        )
    result = await apply_record(store, loser, by="push:2")

    assert stale.decision is Decision.NEW_PERSON
    assert (result.applied, result.decision) == (Applied.CREATED, Decision.AUTO_LINK)
    assert (await counts(store))["children"] == 1


async def test_a_record_that_would_duplicate_a_child_it_does_not_match_waits_for_a_person(
    store: FalkorDBStore, tmp_path: Path
) -> None:
    amir = {"givenName": "Amir", "familyName": "Haddad", "dateOfBirth": "2017-02-20"}
    # The same name and birth date with another child's NHS number: a mistyped number, or
    # two children? Neither the matcher nor a second child should decide that.
    rows = [
        episode("EP1", **amir, nhsNumber=RUBY_NHS),
        episode("EP2", **amir, nhsNumber="9434765870"),
    ]

    report = await ingest(
        store, read_rows(write_csv(tmp_path / "clash.csv", rows)), ehm.SOURCE, by="t"
    )

    assert report.decisions == {Decision.NEW_PERSON: 1, Decision.REVIEW: 1}
    first = await stored(store, "EHM:EARLY_HELP_EPISODE:EP1")
    second = await stored(store, "EHM:EARLY_HELP_EPISODE:EP2")
    assert second["record"]["linkState"] == "REVIEW"
    assert second["record"]["reviewCandidates"] == [first["childId"]]
    assert (await counts(store))["children"] == 1


async def test_a_bad_row_is_reported_on_its_own_line_of_the_file_the_first_one_too(
    store: FalkorDBStore, tmp_path: Path
) -> None:
    # Line 1 is the header: the first record is on line 2, wherever it is reported. A
    # quoted cell running over two lines moves every later record down one.
    rows = [
        episode("EP1", nhsNumber="9434765918"),
        episode("EP2", reason="Parenting support\nand sleep"),
        episode("EP3", version=0),
    ]
    path = write_csv(tmp_path / "ehm.csv", rows)

    report = await ingest(store, read_rows(path), ehm.SOURCE, by="cli:test")

    assert [(p.line, p.record_id) for p in report.rejected] == [(2, "EP1"), (5, "EP3")]
    assert path.read_text(encoding="utf-8").splitlines()[4].startswith("EARLY_HELP_EPISODE,EP3,")


async def test_an_id_with_a_control_character_is_refused_not_stored_as_another_id(
    store: FalkorDBStore,
) -> None:
    # The engine keeps a NUL as U+FFFD: "EP\x00" was stored as "EP\ufffd", so two ids the
    # source keeps apart became one record. An id is written as a name is.
    team = {
        "recordType": "TEAM_AROUND_THE_FAMILY",
        "recordId": "TAF1",
        "version": 1,
        "givenName": "Ruby",
        "familyName": "Newman",
        "dateOfBirth": "2019-05-04",
        "startDate": "2025-09-01",
        "episodeId": "EP\x1b[2J",
        "leadProfessional": "Jo Bright",
        "members": "School nurse",
    }
    rows = [(1, episode("EP\x00")), (2, episode("EP\ufffd")), (3, team)]

    report = await ingest(store, rows, ehm.SOURCE, by="t")

    assert [(p.line, p.problems[0].field, p.problems[0].rule) for p in report.rejected] == [
        (1, "recordId", "must not contain the control character U+0000"),
        (3, "episodeId", "must not contain the control character U+001B"),
    ]
    assert (await counts(store))["records"] == 1
