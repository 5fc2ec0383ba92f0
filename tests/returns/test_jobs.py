"""A return run as a job: its state in the graph, its audit and its one file."""

from __future__ import annotations

import csv
import io
import os
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from graph import FalkorDBStore
from hub.settings import Settings
from returns.jobs import (
    DAY_MS,
    STALLED_AFTER_MS,
    ReturnKind,
    ReturnRequest,
    fail_stalled_jobs,
    job_of,
    remove_old_files,
    remove_orphan_folders,
    run_job,
    start_job,
)
from returns.years import CollectionYear
from tests.e2e.journey_helpers import demo_county
from tests.helpers import bearer
from tests.returns.journeys import FORGET_COUNTY_CARE, FREE_CHILDREN, Recorder

pytestmark = pytest.mark.anyio

YEAR = CollectionYear(2026)


def header_children(archive: Path) -> list[str]:
    with zipfile.ZipFile(archive) as files:
        text = files.read("header.csv").decode("utf-8")
        # These stories begin in 2025-26: no child to compare with last year, no tables.
        assert [n for n in files.namelist() if n.startswith("previous")] == []
    return [row["CHILD"] for row in csv.DictReader(io.StringIO(text))]


async def test_a_903_job_records_its_progress_audits_each_child_and_gives_one_file(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore, tmp_path: Path
) -> None:
    await demo_county(store)
    await store.write(FORGET_COUNTY_CARE, {})
    record = Recorder(
        client, store, bearer(settings, "social-worker"), bearer(settings, "team-manager")
    )
    children = [row["id"] for row in await store.read(FREE_CHILDREN, {})][:2]
    for child in children:
        await record.born(child, "2014-02-14", "F", allocated_from="2025-05-01")
        await record.start(child, "2025-05-12", "C1", "U6")

    request = ReturnRequest(ReturnKind.SSDA903, YEAR, requested_by="analyst-1")
    job = await start_job(store, request)
    assert (job["state"], job["done"], job["kind"], job["year"]) == ("RUNNING", 0, "SSDA903", 2026)
    assert await job_of(store, job["id"], "analyst-2") is None

    audited: list[str] = []

    async def audit(ids: list[str]) -> None:
        audited.extend(ids)

    finished = await run_job(store, job, request, tmp_path, audit)
    assert finished["state"] == "DONE", finished
    assert (finished["done"], finished["total"], finished["children"]) == (2, 2, 2)
    assert sorted(audited) == sorted(children)
    assert sorted(header_children(Path(finished["file"]))) == sorted(children)
    assert await job_of(store, job["id"], "analyst-1") == finished


async def test_a_census_job_without_the_la_number_fails_and_says_why(
    store: FalkorDBStore, tmp_path: Path
) -> None:
    request = ReturnRequest(ReturnKind.CIN_CENSUS, YEAR, requested_by="analyst-1")
    job = await start_job(store, request)

    async def audit(ids: list[str]) -> None:
        raise AssertionError("nothing was returned, so nothing is audited")

    finished = await run_job(store, job, request, tmp_path, audit)
    assert (finished["state"], finished["file"]) == ("FAILED", None)
    assert finished["problem"].startswith("la_number:")


async def test_old_return_files_go_a_bounded_batch_at_a_time_oldest_first(
    store: FalkorDBStore, tmp_path: Path
) -> None:
    request = ReturnRequest(ReturnKind.SSDA903, YEAR, requested_by="analyst-1")

    async def audit(ids: list[str]) -> None:
        return None

    jobs = [
        await run_job(store, await start_job(store, request), request, tmp_path, audit)
        for _ in range(3)
    ]
    assert all((tmp_path / job["id"]).is_dir() for job in jobs)
    # A job whose hub was killed never ended: its part-written folder counts from its start.
    killed = await start_job(store, request)
    (tmp_path / killed["id"]).mkdir()
    oldest = sorted(
        [*jobs, killed], key=lambda job: (job.get("finishedAt") or job["requestedAt"], job["id"])
    )
    # Two days after the last of them ended (or, killed, started).
    now = (oldest[-1].get("finishedAt") or oldest[-1]["requestedAt"]) + 2 * DAY_MS

    first = await remove_old_files(store, tmp_path, keep_days=2, now=now, limit=2)
    assert first == [job["id"] for job in oldest[:2]]
    assert await remove_old_files(store, tmp_path, keep_days=3, now=now, limit=2) == []
    rest = await remove_old_files(store, tmp_path, keep_days=2, now=now, limit=2)
    assert rest == [job["id"] for job in oldest[2:]]
    assert await remove_old_files(store, tmp_path, keep_days=2, now=now, limit=2) == []
    for job in [*jobs, killed]:
        assert not (tmp_path / job["id"]).exists()
        found = await job_of(store, job["id"], "analyst-1")
        assert found is not None
        assert (found["filesRemovedAt"], found["file"]) == (now, None)


async def test_a_job_whose_hub_was_killed_fails_once_it_made_no_progress_for_an_hour(
    store: FalkorDBStore, tmp_path: Path
) -> None:
    request = ReturnRequest(ReturnKind.SSDA903, YEAR, requested_by="analyst-1")

    async def audit(ids: list[str]) -> None:
        return None

    # `kill -9` runs no clean-up: the job read RUNNING for ever.
    killed = await start_job(store, request)
    running = await start_job(store, request)
    stalled = killed["requestedAt"] + STALLED_AFTER_MS
    assert await fail_stalled_jobs(store, now=stalled - 1, running=[], limit=10) == []
    assert await fail_stalled_jobs(store, now=stalled, running=[running["id"]], limit=10) == [
        killed["id"]
    ]
    failed = await job_of(store, killed["id"], "analyst-1")
    assert failed is not None
    assert (failed["state"], failed["file"], failed["finishedAt"]) == ("FAILED", None, stalled)
    assert "make the return again" in failed["problem"]

    # The one this process runs is left, and ends as it would.
    done = await run_job(store, running, request, tmp_path, audit)
    assert done["state"] == "DONE", done
    # A run that outlived its being failed (an engine that hung an hour) ends without a crash,
    # and the job keeps saying it failed.
    late = await start_job(store, request)
    assert late["id"] in await fail_stalled_jobs(
        store, now=late["requestedAt"] + STALLED_AFTER_MS, running=[], limit=10
    )
    ended = await run_job(store, late, request, tmp_path, audit)
    assert ended["state"] == "FAILED", ended


async def test_a_folder_no_job_in_the_store_holds_goes_once_untouched_for_the_keep_period(
    store: FalkorDBStore, tmp_path: Path
) -> None:
    # A store dropped or renamed (LCS_HUB_GRAPH_NAME), or moved away by export and import,
    # leaves its jobs' folders behind: nothing in this store names them, and the files in
    # them name every child in a return.
    request = ReturnRequest(ReturnKind.SSDA903, YEAR, requested_by="analyst-1")

    async def audit(ids: list[str]) -> None:
        return None

    kept = await run_job(store, await start_job(store, request), request, tmp_path, audit)
    orphans = [tmp_path / "a-dropped-stores-job", tmp_path / "another-dropped-stores-job"]
    for orphan in orphans:
        (orphan / "ssda903").mkdir(parents=True)
        (orphan / "ssda903" / "header.csv").write_text("CHILD\nC0000000\n")
    # Written long ago: their mtimes are all the sweep has to go on.
    written = 1_700_000_000_000
    for orphan in orphans:
        for path in [orphan, *orphan.rglob("*")]:
            os.utime(path, (written / 1000, written / 1000))
    stray = tmp_path / "not-a-folder.txt"
    stray.write_text("left by hand")

    assert await remove_orphan_folders(store, tmp_path, keep_days=2, now=written, limit=1) == []
    now = written + 2 * DAY_MS
    first = await remove_orphan_folders(store, tmp_path, keep_days=2, now=now, limit=1)
    rest = await remove_orphan_folders(store, tmp_path, keep_days=2, now=now, limit=1)
    assert sorted([*first, *rest]) == sorted(orphan.name for orphan in orphans)
    assert not any(orphan.exists() for orphan in orphans)
    # The store's own job keeps its folder until its own keep period has run; a stray file is
    # not a job's folder and is left.
    assert (tmp_path / kept["id"]).is_dir()
    assert stray.is_file()
    assert await remove_orphan_folders(store, tmp_path, keep_days=2, now=now, limit=1) == []


async def test_a_folder_whose_job_says_its_files_went_is_swept_as_an_orphan(
    store: FalkorDBStore, tmp_path: Path
) -> None:
    request = ReturnRequest(ReturnKind.SSDA903, YEAR, requested_by="analyst-1")

    async def audit(ids: list[str]) -> None:
        return None

    job = await run_job(store, await start_job(store, request), request, tmp_path, audit)
    # An import marks a job's files as not carried while another store's copy of the folder
    # stays: this store holds no file in it.
    await store.write(
        "MATCH (j:ReturnJob {id: $id}) SET j.filesRemovedAt = $now, j.file = null",
        {"id": job["id"], "now": job["finishedAt"]},
    )
    later = int(time.time() * 1000) + 3 * DAY_MS
    assert await remove_orphan_folders(store, tmp_path, keep_days=2, now=later, limit=5) == [
        job["id"]
    ]
    assert not (tmp_path / job["id"]).exists()
