"""`lcs-hub ingest ehm|ies FILE` as its own process, attached to the session's engine."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from graph import EmbeddedEngine, FalkorDBStore
from tests.connectors.intake.world import counts, stored, write_csv
from tests.helpers import run_lcs_hub

pytestmark = pytest.mark.anyio


ROW = {
    "recordType": "EARLY_HELP_EPISODE",
    "recordId": "EP1",
    "version": "1",
    "givenName": "Amir",
    "familyName": "Haddad",
    "dateOfBirth": "2017-02-20",
    "startDate": "2025-09-01",
}


def _ingest(
    engine: EmbeddedEngine, store: FalkorDBStore, tmp: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return run_lcs_hub(engine.data_dir, store.graph_name, tmp / "var", "ingest", *args, timeout=120)


async def test_the_command_reports_each_bad_line_lands_the_rest_and_replays_as_a_no_op(
    engine: EmbeddedEngine, store: FalkorDBStore, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "ehm.csv",
        [ROW, {**ROW, "recordId": "EP2", "dateOfBirth": "20/02/2017"}, {**ROW, "recordId": "EP3"}],
    )
    report_path = tmp_path / "report.json"

    first = _ingest(engine, store, tmp_path, "ehm", str(path), "--report", str(report_path))

    assert first.returncode == 1, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0].startswith("3 rows: 2 created, 0 updated, 0 unchanged, 0 stale, 1 rejected")
    assert lines[1].startswith("line 3 (EP2): dateOfBirth: ")
    assert "ehm ehm.csv [" in first.stderr
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["created"] == 2
    assert report["problems"][0]["line"] == 3
    one = await stored(store, "EHM:EARLY_HELP_EPISODE:EP1")
    three = await stored(store, "EHM:EARLY_HELP_EPISODE:EP3")
    assert one["childId"] == three["childId"] is not None
    assert one["link"]["by"].startswith("cli")
    before = await counts(store)

    again = _ingest(engine, store, tmp_path, "ehm", str(path))

    assert again.stdout.splitlines()[0].startswith(
        "3 rows: 0 created, 0 updated, 2 unchanged, 0 stale, 1 rejected"
    )
    assert await counts(store) == before


async def test_a_file_of_another_format_is_refused_before_anything_is_opened(
    engine: EmbeddedEngine, store: FalkorDBStore, tmp_path: Path
) -> None:
    path = tmp_path / "ies.xlsx"
    path.write_bytes(b"not a csv")

    result = _ingest(engine, store, tmp_path, "ies", str(path))

    assert result.returncode == 2
    assert "a bulk file is .csv or .jsonl" in result.stderr


async def test_a_file_from_an_old_system_is_read_in_the_encoding_given_names_kept_exactly(
    engine: EmbeddedEngine, store: FalkorDBStore, tmp_path: Path
) -> None:
    # An old system's export in Windows-1252 was refused whole as undecodable, with no way
    # to say what it is in; the push reads the charset it declares, the command the
    # encoding it is given.
    path = tmp_path / "ehm.csv"
    names = [("Šárka", "Nováková"), ("Zoë", "O’Brien")]
    rows = "".join(
        f"EARLY_HELP_EPISODE,EP{n},1,{given},{family},2017-02-2{n},2025-09-01\n"
        for n, (given, family) in enumerate(names, 1)
    )
    path.write_bytes((",".join(ROW) + "\n" + rows).encode("cp1252"))

    undeclared = _ingest(engine, store, tmp_path, "ehm", str(path))
    unknown = _ingest(engine, store, tmp_path, "ehm", str(path), "--encoding", "rot13")
    assert (undeclared.returncode, unknown.returncode) == (2, 2)
    assert undeclared.stderr.splitlines()[-1] == (
        "lcs-hub ingest: ehm.csv is not UTF-8 (byte 0x8a at offset 96); give the encoding "
        "it is in, e.g. --encoding windows-1252"
    )
    assert unknown.stderr.splitlines()[-1] == (
        "lcs-hub ingest: --encoding: 'rot13' is not a text encoding the hub reads"
    )
    assert (await counts(store))["records"] == 0

    for encoding in ("windows-1252", "ISO-8859-1"):
        done = _ingest(engine, store, tmp_path, "ehm", str(path), "--encoding", encoding)
        assert done.returncode == 0, done.stderr
    kept = await store.read("MATCH (c:Child) RETURN c.givenName AS given, c.familyName AS family")
    assert sorted((row["given"], row["family"]) for row in kept) == sorted(names)
