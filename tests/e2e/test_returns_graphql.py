"""The statutory returns from GraphQL: an analyst starts a job, follows it, downloads it;
no one else may, and every child in the file is in the read audit."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import os
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest

from auth.principal import Principal
from auth.tokens import LocalSigningKey, TokenIssuer
from graph import FalkorDBStore
from hub.app import token_settings
from hub.settings import Settings
from resolvers.returns import ReturnJobs
from returns import (
    SSDA903_TABLES,
    CollectionYear,
    ReturnKind,
    ReturnRequest,
    job_of,
    run_job,
    start_job,
)
from tests.e2e.journey_helpers import demo_county
from tests.helpers import add_worker, bearer, graphql
from tests.returns.journeys import FORGET_COUNTY_CARE, FORGET_COUNTY_CASES, FREE_CHILDREN, Recorder
from workflow.ids import now_ms
from workflow.outcomes import TransitionRefused

pytestmark = pytest.mark.anyio

ANALYST = "worker-pa-demo"
README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
JOB_FIELDS = (
    "id statutoryReturn year state done total children problem downloadPath"
    " warnings { childId code message } warningCount filesRemovedAt"
)
START = f"""
mutation ($kind: StatutoryReturn!, $year: Int!) {{
  startReturn(kind: $kind, year: $year) {{
    __typename
    ... on ReturnJob {{ {JOB_FIELDS} }}
    ... on NotAuthorised {{ reason }}
    ... on InvalidInput {{ problems {{ field rule }} }}
    ... on TransitionRefused {{ currentState reason }}
  }}
}}
"""
FOLLOW = f"""
query ($id: ID!) {{
  returnJob(id: $id) {{
    __typename
    ... on ReturnJob {{ {JOB_FIELDS} }}
    ... on NotFound {{ kind id }}
    ... on NotAuthorised {{ reason }}
  }}
}}
"""
AUDITED = """
MATCH (e:AuditEvent {operation: 'startReturn', subject: $subject})-[:ACCESSED]->(c:Child)
WHERE $kind IN [field IN e.fields | split(field, ' ')[0]]
RETURN c.id AS id
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # The CIN census names the authority by its DfE number (Hertfordshire: 919).
    return Settings(  # type: ignore[call-arg]
        var_dir=tmp_path / "var", rate_limit="1000000/second", la_number="919", _env_file=None
    )


async def record_children(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> tuple[str, str]:
    """One child looked after (the 903's) and one in need (the census's)."""
    await demo_county(store)
    await store.write(FORGET_COUNTY_CARE, {})
    await store.write(FORGET_COUNTY_CASES, {})
    record = Recorder(
        client, store, bearer(settings, "social-worker"), bearer(settings, "team-manager")
    )
    looked_after, in_need = [row["id"] for row in await store.read(FREE_CHILDREN, {})][:2]
    await record.born(looked_after, "2014-02-14", "F", allocated_from="2025-05-01")
    await record.start(looked_after, "2025-05-12", "C1", "U6")
    await record.born(in_need, "2016-03-01", "M", allocated_from="2025-05-01")
    await record.referred(in_need, "2025-06-02", "N1")
    return looked_after, in_need


async def start(
    client: httpx.AsyncClient, headers: dict[str, str], kind: str, year: int = 2026
) -> dict[str, Any]:
    found = await graphql(client, headers, START, {"kind": kind, "year": year})
    answer: dict[str, Any] = found["startReturn"]
    return answer


async def finished(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: str
) -> dict[str, Any]:
    """Poll the job until it ends (bounded: a job that never ends fails the test)."""
    for _ in range(600):
        job: dict[str, Any] = (await graphql(client, headers, FOLLOW, {"id": job_id}))["returnJob"]
        assert job["__typename"] == "ReturnJob", job
        if job["state"] != "RUNNING":
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"return job {job_id} still running: {job}")


async def audited(store: FalkorDBStore, kind: str) -> list[str]:
    rows = await store.read(AUDITED, {"subject": ANALYST, "kind": kind})
    return sorted(row["id"] for row in rows)


def other_analyst(settings: Settings) -> dict[str, str]:
    rules = token_settings(settings)
    issuer = TokenIssuer(rules, LocalSigningKey.load_or_create(rules.key_path))
    token = issuer.issue("analyst-2", "Other Analyst", "performance_analyst", "agency-la")
    return {"Authorization": f"Bearer {token}"}


async def test_an_analyst_makes_the_903_downloads_it_and_every_child_is_audited(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    looked_after, _ = await record_children(client, settings, store)
    analyst = bearer(settings, "analyst")

    job = await start(client, analyst, "SSDA903")
    assert job["__typename"] == "ReturnJob", job
    assert (job["statutoryReturn"], job["year"], job["downloadPath"]) == ("SSDA903", 2026, None)

    done = await finished(client, analyst, job["id"])
    assert done["state"] == "DONE", done
    assert (done["done"], done["total"], done["children"]) == (1, 1, 1)
    assert done["downloadPath"] == f"/returns/{job['id']}"
    assert (done["warnings"], done["warningCount"]) == ([], 0)

    # The download as the README's curl line spells it, with the job's id in it.
    (readme_download,) = re.findall(
        r'`curl -H "Authorization: Bearer \$TOKEN" '
        r"http://127\.0\.0\.1:8000(/returns/)<id> -o FILE`",
        README,
    )
    assert done["downloadPath"] == readme_download + job["id"]
    response = await client.get(readme_download + job["id"], headers=analyst)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = set(archive.namelist())
        assert {f"{table}.csv" for table in SSDA903_TABLES} <= names
        assert len(SSDA903_TABLES) == 11
        # The child was first looked after this year: no last year's tables to compare.
        assert [name for name in names if name.startswith("previous")] == []
        header = archive.read("header.csv").decode("utf-8")
    assert [row["CHILD"] for row in csv.DictReader(io.StringIO(header))] == [looked_after]
    assert await audited(store, "SSDA903") == [looked_after]


async def test_a_903_job_names_children_an_order_or_care_has_run_on_past_its_legal_length(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # No later step refused it: the order was begun on 2 March and nothing followed, so
    # the return has it lasting to 31 March (29 days; SSDA903 rule 362 allows 21); and a
    # young person who turned 18 on 10 March is still in foster care then (rule 359).
    # The analyst is told which child and what to record; the file is made all the same.
    looked_after, _ = await record_children(client, settings, store)
    record = Recorder(
        client, store, bearer(settings, "social-worker"), bearer(settings, "team-manager")
    )
    ordered, adult = [row["id"] for row in await store.read(FREE_CHILDREN, {})][2:4]
    await record.born(ordered, "2015-07-09", "M", allocated_from="2026-03-02")
    await record.start(ordered, "2026-03-02", "L2", "U6")
    await record.born(adult, "2008-03-10", "F", allocated_from="2026-01-05")
    await record.start(adult, "2026-01-05", "C2", "U6")
    analyst = bearer(settings, "analyst")
    done = await finished(client, analyst, (await start(client, analyst, "SSDA903"))["id"])
    assert (done["state"], done["children"], done["warningCount"]) == ("DONE", 3, 2)
    assert sorted(done["warnings"], key=lambda w: w["code"]) == [
        {
            "childId": adult,
            "code": "903 359",
            "message": "the young person turned 18 on 2026-03-10 and is still looked after on"
            " 2026-03-31 outside a community home under section 20(5) (V2 in K2; SSDA903"
            " rule 359): record the end of care, on the 18th birthday at the latest, and"
            " make the return again",
        },
        {
            "childId": ordered,
            "code": "903 362",
            "message": "the child has been under L2 since 2026-03-02 and an emergency"
            " protection order lasts at most 21 days (SSDA903 rule 362), and is still under"
            " it on 2026-03-31: record the order that followed it, or the end of care, by"
            " 2026-03-23, and make the return again",
        },
    ]
    assert looked_after not in (ordered, adult)


async def test_an_analyst_makes_the_cin_census_and_it_is_well_formed_xml(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    _, in_need = await record_children(client, settings, store)
    analyst = bearer(settings, "analyst")

    job = await start(client, analyst, "CIN")
    assert job["__typename"] == "ReturnJob", job
    done = await finished(client, analyst, job["id"])
    assert done["state"] == "DONE", done

    response = await client.get(done["downloadPath"], headers=analyst)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    message = ElementTree.fromstring(response.content)  # noqa: S314 (the hub's own file)
    in_file = sorted(
        element.text or "" for element in message.iter() if element.tag.endswith("LAchildID")
    )
    assert in_need in in_file
    assert len(in_file) == done["children"]
    assert await audited(store, "CIN_CENSUS") == in_file


async def test_a_social_worker_may_not_make_or_fetch_a_return(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # Both on record: the social worker is refused for the role, not for a missing record.
    await demo_county(store)
    analyst, worker = bearer(settings, "analyst"), bearer(settings, "social-worker")
    job = await start(client, analyst, "SSDA903")
    await finished(client, analyst, job["id"])

    refused = await start(client, worker, "SSDA903")
    assert refused["__typename"] == "NotAuthorised", refused
    followed = await graphql(client, worker, FOLLOW, {"id": job["id"]})
    assert followed["returnJob"]["__typename"] == "NotAuthorised"
    response = await client.get(f"/returns/{job['id']}", headers=worker)
    assert (response.status_code, response.json()["code"]) == (403, "FORBIDDEN")
    assert (await client.get(f"/returns/{job['id']}")).status_code == 401


async def test_another_analyst_cannot_follow_or_download_someone_elses_job(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    await add_worker(store, ANALYST, "performance_analyst")
    await add_worker(store, "analyst-2", "performance_analyst")
    analyst, other = bearer(settings, "analyst"), other_analyst(settings)
    job = await start(client, analyst, "SSDA903")
    done = await finished(client, analyst, job["id"])
    assert done["state"] == "DONE", done

    followed = await graphql(client, other, FOLLOW, {"id": job["id"]})
    assert followed["returnJob"] == {"__typename": "NotFound", "kind": "ReturnJob", "id": job["id"]}
    response = await client.get(f"/returns/{job['id']}", headers=other)
    assert (response.status_code, response.json()["code"]) == (404, "NOT_FOUND")
    assert job["id"] not in response.text


async def test_a_year_that_is_no_collection_year_is_refused_naming_the_field(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    await add_worker(store, ANALYST, "performance_analyst")
    analyst = bearer(settings, "analyst")
    # Outside the DfE's years, and a year whose collection has not begun.
    for year in (1999, 2101, 2100):
        refused = await start(client, analyst, "SSDA903", year)
        assert refused["__typename"] == "InvalidInput", refused
        assert [problem["field"] for problem in refused["problems"]] == ["year"]
    assert await store.read("MATCH (j:ReturnJob) RETURN j.id AS id") == []


async def test_one_job_of_a_kind_runs_at_a_time(store: FalkorDBStore, tmp_path: Path) -> None:
    jobs = ReturnJobs(store, tmp_path, la_number="919")
    principal = Principal(
        subject=ANALYST,
        name="Dev Malhotra",
        role="performance_analyst",
        agency_id="agency-la",
        token_id="token-1",
        on_record=True,
    )
    year = CollectionYear(2026)
    first = await jobs.start(principal, ReturnKind.SSDA903, year)
    # Asked again before the first has had a turn to run: refused, not queued.
    second = await jobs.start(principal, ReturnKind.SSDA903, year)
    census = await jobs.start(principal, ReturnKind.CIN_CENSUS, year)
    assert isinstance(first, dict), first
    assert isinstance(census, dict), census
    assert isinstance(second, TransitionRefused), second
    assert second.current_state == "RUNNING"

    for job in (first, census):
        for _ in range(600):
            found = await job_of(store, job["id"], ANALYST)
            if found is not None and found["state"] != "RUNNING":
                break
            await asyncio.sleep(0.05)
        assert found is not None
        assert found["state"] == "DONE", found
    third = await jobs.start(principal, ReturnKind.SSDA903, year)
    assert isinstance(third, dict), third
    await jobs.stop()


async def test_a_jobs_files_are_removed_once_kept_their_days_and_the_job_says_so(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    await add_worker(store, ANALYST, "performance_analyst")
    analyst = bearer(settings, "analyst")
    old = await finished(client, analyst, (await start(client, analyst, "SSDA903"))["id"])
    assert (old["state"], old["filesRemovedAt"]) == ("DONE", None)
    folder = settings.returns_dir / old["id"]
    assert folder.is_dir()

    jobs = ReturnJobs(
        store, settings.returns_dir, settings.la_number, settings.return_files_keep_days
    )
    recorded = await job_of(store, old["id"], ANALYST)
    assert recorded is not None
    kept_until = recorded["finishedAt"] + settings.return_files_keep_days * 86_400_000
    # Kept every day it is to be kept; removed once those days have passed, once.
    assert await jobs.remove_old_files(now=kept_until - 1) == 0
    assert folder.is_dir()
    assert await jobs.remove_old_files(now=kept_until) == 1
    assert await jobs.remove_old_files(now=kept_until + 1) == 0
    assert not folder.exists()

    # The job still says what it was, and that its files are gone: data, not a failure.
    followed = await finished(client, analyst, old["id"])
    assert (followed["state"], followed["children"]) == ("DONE", old["children"])
    assert (followed["downloadPath"], followed["filesRemovedAt"] is not None) == (None, True)
    response = await client.get(f"/returns/{old['id']}", headers=analyst)
    assert (response.status_code, response.json()["code"]) == (410, "RETURN_FILES_REMOVED")
    assert "make the return again" in response.json()["error"]
    # Another analyst is still told it does not exist, not that its files went.
    await add_worker(store, "analyst-2", "performance_analyst")
    other = await client.get(f"/returns/{old['id']}", headers=other_analyst(settings))
    assert (other.status_code, other.json()["code"]) == (404, "NOT_FOUND")


async def test_serve_removes_return_files_past_their_days_when_it_starts(
    store: FalkorDBStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from connectors.livelink.embedded_store import EmbeddedContentStore
    from hub.app import create_app

    monkeypatch.setenv("LCS_HUB_RETURN_FILES_KEEP_DAYS", "30")
    settings = Settings(var_dir=tmp_path / "var", _env_file=None)  # type: ignore[call-arg]
    assert settings.return_files_keep_days == 30
    await add_worker(store, ANALYST, "performance_analyst")
    jobs = ReturnJobs(store, settings.returns_dir, settings.la_number)
    request = ReturnRequest(ReturnKind.SSDA903, CollectionYear(2026), ANALYST)

    async def audit(ids: list[str]) -> None:
        return None

    old = await run_job(store, await start_job(store, request), request, jobs.folder, audit)
    new = await run_job(store, await start_job(store, request), request, jobs.folder, audit)
    # The first ended a day more than the files are kept.
    ended = now_ms() - (settings.return_files_keep_days + 1) * 86_400_000
    await store.write(
        "MATCH (j:ReturnJob {id: $id}) SET j.finishedAt = $ended", {"id": old["id"], "ended": ended}
    )
    # And one a hub killed two hours ago left RUNNING, with no progress since.
    killed = await start_job(store, request)
    await store.write(
        "MATCH (j:ReturnJob {id: $id}) SET j.progressAt = j.progressAt - 7200000",
        {"id": killed["id"]},
    )

    # And the folder of a job in a store since dropped, untouched as long as the first.
    orphan = jobs.folder / "a-dropped-stores-job"
    (orphan / "ssda903").mkdir(parents=True)
    (orphan / "ssda903" / "header.csv").write_text("CHILD\nC0000000\n")
    for path in [orphan, *orphan.rglob("*")]:
        os.utime(path, (ended / 1000, ended / 1000))

    content = await EmbeddedContentStore.open(settings.content_dir)
    app = create_app(settings, store=store, content_store=content, run_outbox=False)
    caplog.set_level(logging.INFO, logger="lcs_hub.returns")
    orphans_said = "return folders no job of this store holds removed: 1 (kept 30 days)"
    async with app.router.lifespan_context(app):
        for _ in range(600):
            swept = await job_of(store, old["id"], ANALYST)
            # The pass logs once both removals are done (the orphans last): waiting for its
            # line too, a loaded machine cannot end the app between a removal and its log.
            if (
                swept is not None
                and swept.get("filesRemovedAt")
                and not orphan.exists()
                and orphans_said in caplog.messages
            ):
                break
            await asyncio.sleep(0.05)
    await content.aclose()
    assert swept is not None
    assert swept.get("filesRemovedAt"), swept
    assert not (jobs.folder / old["id"]).exists()
    assert not orphan.exists()
    assert (jobs.folder / new["id"]).is_dir()
    kept = await job_of(store, new["id"], ANALYST)
    assert kept is not None
    assert kept.get("filesRemovedAt") is None
    stopped = await job_of(store, killed["id"], ANALYST)
    assert stopped is not None
    assert (stopped["state"], stopped["file"]) == ("FAILED", None)
    # How many went, never whose (nor which file).
    assert "return files removed: 1 jobs (kept 30 days)" in caplog.messages
    assert orphans_said in caplog.messages
    assert not any(old["id"] in message or "ssda903" in message for message in caplog.messages)


async def test_no_return_files_are_swept_while_a_load_holds_the_store(
    store: FalkorDBStore, tmp_path: Path
) -> None:
    # A store an import or demo load has not finished is written by nothing else (README):
    # its jobs are not marked, nor their folders removed, until the load is done.
    loading = True
    jobs = ReturnJobs(store, tmp_path, la_number=None, keep_days=1, held=lambda: loading)
    request = ReturnRequest(ReturnKind.SSDA903, CollectionYear(2026), ANALYST)

    async def audit(ids: list[str]) -> None:
        return None

    job = await run_job(store, await start_job(store, request), request, tmp_path, audit)
    # A folder no job names yet: the load may be about to bring its job.
    orphan = tmp_path / "a-job-the-load-brings"
    orphan.mkdir()
    os.utime(orphan, (job["finishedAt"] / 1000, job["finishedAt"] / 1000))
    later = job["finishedAt"] + 2 * 86_400_000
    assert await jobs.remove_old_files(now=later) == 0
    assert (tmp_path / job["id"]).is_dir()
    assert orphan.is_dir()
    loading = False
    assert await jobs.remove_old_files(now=later) == 2
    assert not (tmp_path / job["id"]).exists()
    assert not orphan.exists()


WORK_WARNINGS = "{ myWork { dataWarnings { code childId recordId } } }"


async def test_a_placement_order_standing_after_the_decision_was_reversed_is_named(
    client: httpx.AsyncClient, settings: Settings, store: FalkorDBStore
) -> None:
    # The decision that a child should be placed for adoption is reversed on 20 March
    # 2026; a placement order stands until the court revokes it, recorded from 7 April.
    # The save stands (the order was real) but the 2025-26 return has the order open on
    # 31 March beside a reversed decision (SSDA903 rule 553): the worker is warned when
    # the reversal is agreed, and the return names the child. A second child's order is
    # revoked on 25 March, inside the year: nothing to say of them.
    looked_after, _ = await record_children(client, settings, store)
    worker = bearer(settings, "social-worker")
    record = Recorder(client, store, worker, bearer(settings, "team-manager"))
    standing, revoked = [row["id"] for row in await store.read(FREE_CHILDREN, {})][2:4]
    for child, revoked_on in ((standing, "2026-04-07"), (revoked, "2026-03-25")):
        await record.born(child, "2024-01-15", "F", allocated_from="2025-05-01", upn=False)
        await record.referred(child, "2025-05-01", "N1")
        care = await record.start(child, "2025-05-12", "C1", "U6")
        plan = await record.adoption(care, "2025-08-01")
        plan = await record.adopt("recordPlacementOrder", plan, grantedOn="2025-10-01")
        care = await record.legal_status(care, "2025-10-01", "E1")
        plan = await record.adopt(
            "ceaseAdoptionPlan", plan, ceasedOn="2026-03-20", reason="RD3_NO_ADOPTERS_FOUND"
        )
        await record.authorise_adoption(plan)
        listed = (await graphql(client, worker, WORK_WARNINGS))["myWork"]["dataWarnings"]
        assert {(w["code"], w["recordId"]) for w in listed if w["childId"] == child} == {
            ("903 553", care["id"])
        }
        care = await record.legal_status(care, revoked_on, "C2")
    listed = (await graphql(client, worker, WORK_WARNINGS))["myWork"]["dataWarnings"]
    assert [(w["code"], w["childId"]) for w in listed] == [("903 553", standing)]

    analyst = bearer(settings, "analyst")
    done = await finished(client, analyst, (await start(client, analyst, "SSDA903"))["id"])
    assert (done["state"], done["children"], done["warningCount"]) == ("DONE", 3, 1)
    assert done["warnings"] == [
        {
            "childId": standing,
            "code": "903 553",
            "message": "the child is under a placement order (E1) in 2025-26 but the decision"
            " that the child should be placed for adoption was reversed on 2026-03-20"
            " (SSDA903 rule 553): if the order was revoked by 31 March, record the legal"
            " status that followed it from the day it was and make the return again; a"
            " placement order stands until revoked, so otherwise tell the DfE why",
        }
    ]
    assert looked_after not in (standing, revoked)
