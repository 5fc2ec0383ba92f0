"""`lcs-hub returns 903`: the same tables as the library, page size aside, with progress."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from graph import EmbeddedEngine, FalkorDBStore
from hub.settings import Settings
from returns import SSDA903_TABLES, CollectionYear, write_cin_census, write_ssda903
from tests.e2e.journey_helpers import demo_county
from tests.helpers import bearer, run_lcs_hub
from tests.returns.journeys import FREE_CHILDREN, Recorder

pytestmark = pytest.mark.anyio


def _run(
    engine: EmbeddedEngine, store: FalkorDBStore, tmp: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return run_lcs_hub(
        engine.data_dir, store.graph_name, tmp / "var", "returns", *args, timeout=300
    )


async def test_the_command_writes_what_the_library_writes_a_child_at_a_time(
    client: httpx.AsyncClient,
    settings: Settings,
    store: FalkorDBStore,
    engine: EmbeddedEngine,
    tmp_path: Path,
) -> None:
    await demo_county(store)
    record = Recorder(
        client, store, bearer(settings, "social-worker"), bearer(settings, "team-manager")
    )
    children = [row["id"] for row in await store.read(FREE_CHILDREN, {})][:3]
    for index, child in enumerate(children):
        await record.born(child, f"201{index}-02-14", "M", allocated_from="2025-05-01")
        care = await record.start(child, "2025-05-12", "C1", "U6")
        await record.move(care, f"2025-09-0{index + 1}", "U4")

    # One child per page: the pages join up with nothing lost or repeated.
    current, _ = await write_ssda903(store, CollectionYear(2026), tmp_path / "paged", page=1)
    assert current.rows["header"] >= 3
    done = _run(engine, store, tmp_path, "903", "--year", "2026", "--out", str(tmp_path / "cli"))
    assert done.returncode == 0, done.stderr
    assert "SSDA903 2025-26 [" in done.stderr  # the progress bar
    assert f"header {current.rows['header']}" in done.stdout
    for folder in ("", "previous"):
        for table in SSDA903_TABLES:
            paged = (tmp_path / "paged" / folder / f"{table}.csv").read_text()
            assert (tmp_path / "cli" / folder / f"{table}.csv").read_text() == paged, table


async def test_a_year_outside_the_collections_is_refused_with_its_rule(
    store: FalkorDBStore, engine: EmbeddedEngine, tmp_path: Path
) -> None:
    done = _run(engine, store, tmp_path, "903", "--year", "1999", "--out", str(tmp_path / "x"))
    assert done.returncode == 2
    assert "year: 1999 is not a collection year" in done.stderr
    assert not (tmp_path / "x").exists()


async def test_the_census_command_writes_the_message_and_needs_the_la_number(
    store: FalkorDBStore, engine: EmbeddedEngine, tmp_path: Path
) -> None:
    await demo_county(store)
    out = tmp_path / "cin.xml"
    refused = _run(engine, store, tmp_path, "cin", "--year", "2026", "--out", str(out))
    assert refused.returncode == 2
    assert "--la-number" in refused.stderr
    assert not out.exists()
    done = _run(
        engine, store, tmp_path, "cin", "--year", "2026", "--out", str(out), "--la-number", "919"
    )
    assert done.returncode == 0, done.stderr
    assert "CIN census 2025-26 [" in done.stderr
    census = await write_cin_census(store, CollectionYear(2026), tmp_path / "lib.xml", "919")
    written = census.children
    assert f": {written} children" in done.stdout
    assert out.read_text().count("<Child>") == written > 0
