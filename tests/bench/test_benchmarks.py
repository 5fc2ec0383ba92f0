"""Each benchmark runs end to end at a tiny size, so none rots between the runs by hand.

The figures themselves are never asserted (tests do not assert timings); what is checked
is that each benchmark measures what it says: the load lands every row it generated, the
floor does the same work, the round trips are counted, the rewritten statements answer
as the old ones did.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bench import (
    access_rule,
    audit_writes,
    case_view,
    concurrency,
    county_load,
    naive,
    policy_overhead,
    startup,
    work_lists,
)
from bench import returns as returns_bench
from bench import search as search_bench
from bench.case_view_query import SOCIAL_WORKER, caseload
from bench.county_store import county_store
from bench.recording import AnsweringStore, RecordingStore
from demo import county
from graph import FalkorDBStore
from tests.graph import test_plans

pytestmark = pytest.mark.anyio


async def test_the_county_load_lands_what_it_generated_and_reports_it(tmp_path: Path) -> None:
    figures = await county_load.load(tmp_path, "tiny", 7, 4, show_progress=False)
    world = county.generate("tiny", seed=7)
    # The journeys add a child of their own (a birth during a pre-birth plan).
    assert figures["counts"]["Child"] >= len(world.children)
    expected_notes = sum(1 for _ in county.case_note_rows(world, 7, 4))
    assert figures["notes"] == expected_notes > 0
    # The workflow's own notes (one per finalised contact) come on top of the bulk ones.
    assert figures["counts"]["CaseNote"] >= expected_notes
    # What the load queued for Livelink is filed by the load, not by the first serve.
    assert figures["filed"] == figures["counts"]["File"] > 0
    # The files hold the old system's documents; every generated one lands in a file.
    expected_documents = sum(1 for _ in county.document_rows(world, 7, 6))
    assert figures["documents"] == expected_documents == figures["counts"]["Document"] > 0
    report = county_load.report(figures)
    assert f"{expected_documents:,} documents" in report
    assert "engine start on the loaded files" in report
    assert re.search(r"peak memory: loader \d+ MiB, engine \d+ MiB", report)


async def test_the_generator_is_reproducible_by_seed() -> None:
    first, again, other = (county.generate("tiny", seed=seed) for seed in (3, 3, 4))
    assert first.people == again.people
    assert first.people != other.people
    assert list(county.case_note_rows(first, 3, 4)) == list(county.case_note_rows(again, 3, 4))


async def test_the_case_view_benchmark_runs_and_its_round_trips_are_flat() -> None:
    report = await case_view.run("tiny", 4, None)
    assert "ratio p50" in report
    assert "1/10/100/1000 notes" in report
    assert "(flat)" in report, report
    assert "case notes of a child (NOTES_OF): before" in report


async def test_the_policy_overhead_floor_does_the_same_work() -> None:
    outcome = await policy_overhead.run("tiny", 5)
    assert outcome["floor_ms"] > 0
    assert outcome["policy_ms"] > 0
    # The rule's share is measured on its own (the worker without the audit write).
    assert outcome["rule_ms"] > 0
    assert outcome["rule_ratio"] == outcome["rule_ms"] / outcome["floor_ms"]


async def test_the_naive_server_answers_as_the_hub_does_and_is_compared() -> None:
    # `run` stops with SystemExit if the naive answer differs from the hub's.
    report = await naive.run("tiny", 10, 2, None)
    assert re.search(r"hub \d+ req/s \(\d+ statements each", report), report
    assert re.search(r"naive strawberry \d+ req/s \(\d+ statements each\); ratio", report)


async def test_the_naive_statements_seek_indexes_as_the_hubs_do(store: FalkorDBStore) -> None:
    # A naive server that scanned where the hub seeks would flatter the hub's ratio.
    for statement in naive.STATEMENTS:
        assert test_plans.large_scans(await test_plans.plan(store, statement)) == [], statement


async def test_the_returns_benchmark_checks_its_floor_read_the_same_rows() -> None:
    # `run` stops with SystemExit unless each floor ran the same statements with the
    # same ids and got the same number of rows as its return.
    report = await returns_bench.run("tiny", 30, None)
    assert re.search(r"SSDA903 holds \d+ children \(of \d+ ever looked after\)", report)
    for name in ("SSDA903", "CIN census"):
        assert re.search(
            rf"{name}: [\d.]+ s; floor \(a plain read of the same \d+ statements' rows, "
            rf"checked\) [\d.]+ s; ratio [\d.]+; peak RSS: this process \d+ MiB",
            report,
        ), report


def test_a_reused_county_is_measured_in_the_collection_year_of_its_day() -> None:
    assert returns_bench.current_year(date(2026, 12, 5)).end_year == 2027
    assert returns_bench.current_year(date(2026, 3, 31)).end_year == 2026
    assert returns_bench.current_year(date(2026, 4, 1)).end_year == 2027


async def test_the_returns_floor_check_sees_a_missing_page(store: FalkorDBStore) -> None:
    await returns_bench.load_cohort(store, 3)
    # A reused county keeps its cohort: a second load adds nothing.
    assert await returns_bench.load_cohort(store, 3) == 0
    whole, short = RecordingStore(store), RecordingStore(store)
    ids, page = (
        returns_bench.ssda903_statements.LOOKED_AFTER_IDS,
        returns_bench.ssda903_statements.LOOKED_AFTER_PAGE,
    )
    assert await returns_bench.plain_read(whole, ids, page) == 3
    await short.read(ids, {})
    assert returns_bench.reads(whole.calls) != returns_bench.reads(short.calls)


async def test_the_search_benchmark_compares_answers_before_timing() -> None:
    # `run` stops with SystemExit if the indexed search answers a term differently.
    report = await search_bench.run("tiny", 2, None)
    assert re.search(r"name keys written now: \d+ in [\d.]+ s", report), report
    assert len(re.findall(r"before [\d.]+ ms, after [\d.]+ ms", report)) == 10, report


async def test_the_access_rule_benchmark_compares_answers_before_timing() -> None:
    # `run` stops with SystemExit if the cut rule answers a viewer differently.
    report = await access_rule.run("tiny", 2, None)
    assert re.search(r"records officer \(every record\) \([1-9]\d* found\)", report), report
    assert len(re.findall(r"every audience's rule [\d.]+ ms, the caller's [\d.]+ ms", report)) == 3


@pytest.mark.parametrize("standalone", [False, True], ids=["embedded", "standalone"])
async def test_the_concurrency_benchmark_runs_several_hubs_without_errors(
    standalone: bool,
) -> None:
    report, errors = await concurrency.run(None, standalone, "tiny", [1, 2], [1, 3], 1.0)
    assert errors == 0, report
    rows = [line.split() for line in report.splitlines()[2:]]
    assert [(row[0], row[1]) for row in rows] == [("1", "1"), ("1", "3"), ("2", "1"), ("2", "3")]
    assert all(int(row[2]) > 0 for row in rows), report


async def test_the_work_lists_benchmark_measures_each_list_against_its_floor() -> None:
    report = await work_lists.run("tiny", 3, 3, None)
    assert re.search(r"enquiries opened now: 2; \d+ team work items, [1-9]\d* children", report)
    for name in ("teamWork", "cpisRecord", "enquiryChildren"):
        assert re.search(rf"\({name}\): p50 [\d.]+ ms, p95 [\d.]+ ms; floor", report), report


async def test_the_startup_benchmark_starts_the_hub_twice_around_a_day_of_use() -> None:
    report = await startup.run("tiny", 30, None)
    assert "FAILED" not in report, report
    assert re.search(r"a day of use: 30 audited case views and 3 case notes", report), report
    assert re.search(r"start after the day: [\d.]+ s .*; ratio [\d.]+", report), report


async def test_the_audit_benchmark_floor_writes_the_same_rows_one_request_at_a_time(
    store: FalkorDBStore,
) -> None:
    await store.write("UNWIND ['a', 'b', 'c'] AS id CREATE (:Child {id: id})")
    children = ["a", "b", "c"]
    _, floor = await audit_writes.audits_per_second(store, children, 8, 3, shared=False)
    _, group = await audit_writes.audits_per_second(store, children, 8, 3, shared=True)
    assert floor == 8 * 3
    # Eight callers at once: the first of each round writes alone, the rest share one.
    assert group < floor
    events = await store.read("MATCH (e:AuditEvent)-[:ACCESSED]->(:Child) RETURN count(e) AS n")
    assert events == [{"n": 2 * 8 * 3}]


async def test_the_floor_answers_a_request_from_memory_as_the_engine_did() -> None:
    async with county_store("tiny", None, with_notes=True) as loaded:
        child = (await caseload(loaded.store))[0]
        recording = RecordingStore(loaded.store)
        live = await case_view.case_view(recording, SOCIAL_WORKER, child)
        answering = AnsweringStore(recording.calls)
        assert await case_view.case_view(answering, SOCIAL_WORKER, child) == live
        assert live["child"]["caseNotes"]
    # A statement the recording never saw stops the run rather than answering nothing.
    with pytest.raises(SystemExit):
        await AnsweringStore([]).read("MATCH (c:Child) RETURN c.id AS id")
