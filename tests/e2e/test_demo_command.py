"""`lcs-hub demo`: identifiers no real child has, and a store loaded whole or not at all."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import pty
import select
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from connectors.livelink.content_store import DocumentDelivery
from connectors.livelink.embedded_store import EmbeddedContentStore
from connectors.livelink.form_store import FormStore
from demo import county
from graph import FalkorDBStore
from hub.demo import DemoRefused, load_demo, nodes_by_label
from workflow import identifiers

pytestmark = pytest.mark.anyio

TODAY = date(2026, 11, 2)
LCS_HUB = str(Path(sys.executable).parent / "lcs-hub")
PERSON_ADDRESS = "MATCH (p:Person {id: $id})-[:LIVES_AT]->(a) RETURN a.line1 AS line1"


def test_demo_identifiers_come_from_ranges_kept_for_testing() -> None:
    world = county.generate("medium", today=TODAY)
    numbers = [person["nhsNumber"] for person in world.people]
    upns = [person["upn"] for person in world.people if person["upn"]]
    assert len(upns) > 500
    # The NHS keeps 999 000 0000 - 999 999 9999 for testing.
    assert all(number.startswith("999") for number in numbers)
    assert all(identifiers.nhs_number(number) == number for number in numbers)
    # Characters 2-4 of a UPN: an LA number the DfE never allocated.
    assert {upn[1:4] for upn in upns} == {"999"}
    assert all(identifiers.upn(upn) == upn for upn in upns)
    assert len(set(numbers)) == len(numbers)
    assert len(set(upns)) == len(upns)


async def _address_of_first_adult(store: FalkorDBStore, world: county.County) -> str:
    adult = next(person for person in world.people if not person["child"])
    rows = await store.read(PERSON_ADDRESS, {"id": adult["id"]})
    return str(rows[0]["line1"])


def _never_asked(nodes: int) -> bool:
    raise AssertionError(f"asked to delete {nodes} nodes")


async def test_a_store_that_holds_records_is_refused_and_left_as_it_was(
    store: FalkorDBStore,
) -> None:
    first = county.generate("tiny", today=TODAY)
    summary = await load_demo(
        store, first, "tiny", reset=False, confirm_reset=_never_asked, show_progress=False
    )
    assert summary.nodes_by_label == await nodes_by_label(store)
    assert summary.nodes_by_label["Family"] == len(first.families)
    assert summary.lines()[0].startswith("demo county (tiny) loaded: ")
    before = await nodes_by_label(store)
    address = await _address_of_first_adult(store, first)

    # Another seed shares the ids and would rewrite the same people's addresses.
    other = county.generate("tiny", seed=7, today=TODAY)
    with pytest.raises(DemoRefused) as refused:
        await load_demo(
            store, other, "tiny", reset=False, confirm_reset=_never_asked, show_progress=False
        )
    held = sum(before.values())
    assert str(refused.value) == (
        f"the store already holds {held} nodes, nothing was changed; `lcs-hub demo --reset` "
        "replaces them with the demo county (it asks first, or pass --yes)"
    )
    assert await nodes_by_label(store) == before
    assert await _address_of_first_adult(store, first) == address


async def test_a_reset_not_confirmed_changes_nothing(store: FalkorDBStore) -> None:
    world = county.generate("tiny", today=TODAY)
    await load_demo(
        store, world, "tiny", reset=False, confirm_reset=_never_asked, show_progress=False
    )
    before = await nodes_by_label(store)
    asked: list[int] = []

    def decline(nodes: int) -> bool:
        asked.append(nodes)
        return False

    with pytest.raises(DemoRefused, match="reset not confirmed, nothing was changed"):
        await load_demo(
            store, world, "tiny", reset=True, confirm_reset=decline, show_progress=False
        )
    assert asked == [sum(before.values())]
    assert await nodes_by_label(store) == before


async def test_a_confirmed_reset_replaces_everything(store: FalkorDBStore) -> None:
    await store.write("CREATE (:Agency {id: 'not-from-the-demo', name: 'Elsewhere'})")
    world = county.generate("tiny", today=TODAY)
    summary = await load_demo(
        store,
        world,
        "tiny",
        reset=True,
        confirm_reset=lambda nodes: nodes == 1,
        show_progress=False,
    )
    assert summary.removed == 1
    assert "(replacing 1 nodes)" in summary.lines()[0]
    assert await store.read("MATCH (a:Agency {id: 'not-from-the-demo'}) RETURN a.id AS id") == []
    fresh = county.generate("tiny", today=TODAY)
    assert summary.nodes_by_label["Agency"] == len(fresh.agencies)


async def test_a_load_that_fails_part_way_leaves_the_store_empty(store: FalkorDBStore) -> None:
    world = county.generate("tiny", today=TODAY)
    # A contact about a child the county does not hold: the workflow refuses it after the
    # bulk rows (families, people, workers) have been written.
    world.contacts[-1]["childId"] = "C-nobody"
    with pytest.raises(DemoRefused) as refused:
        await load_demo(
            store, world, "tiny", reset=False, confirm_reset=_never_asked, show_progress=False
        )
    assert str(refused.value).startswith("loading the demo county failed (AssertionError")
    assert str(refused.value).endswith(
        "the partial load was removed and the store is empty (as before)"
    )
    assert await nodes_by_label(store) == {}


def _demo(var_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {"LCS_HUB_VAR_DIR": str(var_dir), "PATH": "/usr/bin:/bin"}
    if "PYTHONPATH" in os.environ:  # a worktree run against a shared virtualenv
        environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return subprocess.run(
        [LCS_HUB, "demo", "--size", "tiny", *args],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def test_the_demo_command_refuses_then_resets_only_when_told(tmp_path: Path) -> None:
    loaded = _demo(tmp_path / "var")
    assert loaded.returncode == 0, loaded.stderr
    summary = loaded.stdout.splitlines()
    assert summary[0].startswith("demo county (tiny) loaded: ")
    assert "Family" in summary[0]

    again = _demo(tmp_path / "var")
    assert again.returncode == 1
    assert again.stderr.splitlines()[-1].startswith("lcs-hub demo: the store already holds ")
    assert "Traceback" not in again.stderr

    unconfirmed = _demo(tmp_path / "var", "--reset")
    assert unconfirmed.returncode == 1
    assert unconfirmed.stderr.splitlines()[-1].endswith(
        "nothing was changed. There is no terminal to ask: add --yes to confirm"
    )

    reset = _demo(tmp_path / "var", "--reset", "--yes")
    assert reset.returncode == 0, reset.stderr
    assert "(replacing " in reset.stdout.splitlines()[0]


def _demo_at_a_terminal(var_dir: Path, answer: str) -> tuple[int, str]:
    """`lcs-hub demo --reset` with a terminal to ask on; returns its status and output."""
    environment = {"LCS_HUB_VAR_DIR": str(var_dir), "PATH": "/usr/bin:/bin"}
    if "PYTHONPATH" in os.environ:
        environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [LCS_HUB, "demo", "--size", "tiny", "--reset"],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=environment,
    )
    os.close(terminal)
    output = b""
    try:
        while b"[y/N]" not in output:
            ready, _, _ = select.select([controller], [], [], 120)
            assert ready, f"no question asked: {output!r}"
            output += os.read(controller, 4096)
        os.write(controller, answer.encode() + b"\n")
        status = process.wait(timeout=300)
        with contextlib.suppress(OSError):  # the terminal closes with the process
            while chunk := os.read(controller, 4096):
                output += chunk
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()
    return status, output.decode()


def test_a_reset_asks_at_a_terminal_and_no_keeps_the_store(tmp_path: Path) -> None:
    assert _demo(tmp_path / "var").returncode == 0
    status, output = _demo_at_a_terminal(tmp_path / "var", "n")
    assert status == 1
    assert "Delete all " in output
    # The question names what else a reset deletes: the documents kept under var/.
    assert f"forms, Livelink documents and returns under {tmp_path / 'var'}" in output
    assert "reset not confirmed, nothing was changed" in output

    status, output = _demo_at_a_terminal(tmp_path / "var", "y")
    assert status == 0, output
    assert "demo county (tiny) loaded (replacing " in output


def _plant_documents(var_dir: Path) -> None:
    """A generated form and a filed Livelink document under `var_dir`, as a hub leaves them."""
    content = b"%PDF-1.7 a child's contact record"

    async def plant() -> None:
        await FormStore(var_dir / "forms").put(content)
        livelink = await EmbeddedContentStore.open(var_dir / "content")
        await livelink.ensure_child_file("C-demo-1")
        await livelink.put_document(
            DocumentDelivery(
                delivery_key="outbox-1",
                child_id="C-demo-1",
                folder_key="looked_after",
                document_id="doc-1",
                version=1,
                template_key="cla_review_record",
                record_class="looked_after",
                filename="cla-review-record.pdf",
                mime_type="application/pdf",
                content=content,
                checksum_sha256=hashlib.sha256(content).hexdigest(),
            )
        )

    asyncio.run(plant())


def _files_under(root: Path) -> list[str]:
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    )


def test_a_reset_removes_the_documents_of_the_children_it_removed(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    assert _demo(var_dir).returncode == 0
    _plant_documents(var_dir)
    assert _files_under(var_dir / "forms")
    assert _files_under(var_dir / "content")

    reset = _demo(var_dir, "--reset", "--yes")
    assert reset.returncode == 0, reset.stderr
    # The children those documents were of are gone from the graph, so are their bytes:
    # nothing of theirs is exported or kept on disk.
    assert _files_under(var_dir / "forms") == []
    assert _files_under(var_dir / "content") == []
    # The Livelink store is still there (its marker), empty, for the next filing.
    assert (var_dir / "content" / ".lcs-content-store").is_file()


def test_a_reset_removes_the_statutory_returns_made_from_the_records_it_removed(
    tmp_path: Path,
) -> None:
    var_dir = tmp_path / "var"
    assert _demo(var_dir).returncode == 0
    # A finished return job's file, as `startReturn` leaves it: every child in it named,
    # its job record in the graph the reset empties.
    job = var_dir / "returns" / "job-1"
    job.mkdir(parents=True)
    (job / "cin-census-2025-26.xml").write_text("<Message><Children/></Message>")

    reset = _demo(var_dir, "--reset", "--yes")
    assert reset.returncode == 0, reset.stderr
    assert _files_under(var_dir / "returns") == []
