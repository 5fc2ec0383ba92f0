"""Generating forms into the graph and filing them through the outbox, on the real engine."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.livelink import FILE_PLAN
from connectors.livelink.embedded_store import EmbeddedContentStore
from connectors.livelink.filing import GeneratedForm, RecordMissing, generate_form
from connectors.livelink.form_store import FormStore
from connectors.livelink.outbox import OutboxWorker
from graph import FalkorDBStore
from tests.connectors.livelink import records_world as world
from tests.connectors.livelink.test_templates import pdf_text, pdfminer_text
from workflow.ids import now_ms

pytestmark = pytest.mark.anyio

CHILD = "C100"


@pytest.fixture
async def seeded(store: FalkorDBStore) -> FalkorDBStore:
    await world.add_worker(store)
    await world.add_child(store, CHILD)
    await world.add_contact(store, CHILD, "K1")
    return store


async def _generate(
    store: FalkorDBStore,
    forms: FormStore,
    *,
    template: str = "contact_record",
    source: str | None = "K1",
    child: str = CHILD,
    at: datetime | None = None,
) -> GeneratedForm | RecordMissing | object:
    return await generate_form(
        store,
        forms,
        world.scope(),
        author_name=world.WORKER_NAME,
        child_id=child,
        template_key=template,
        source_id=source,
        local_authority="Hertfordshire County Council",
        new_id=world.counter(f"{template}-{at.timestamp() if at else 0}"),
        generated_at=at,
    )


async def test_a_form_for_a_child_without_a_file_opens_the_file_in_the_same_statement(
    seeded: FalkorDBStore, forms: FormStore
) -> None:
    result = await _generate(seeded, forms)

    assert isinstance(result, GeneratedForm)
    assert result.file_created is True
    rows = await seeded.read(
        "MATCH (c:Child {id: $id})-[r:HAS_FILE]->(f:File)-[h:HAS_FOLDER]->(d:Folder)"
        " RETURN count(r) AS files, collect(d.key) AS folders, f.openedBy AS openedBy",
        {"id": CHILD},
    )
    assert sorted(rows[0]["folders"]) == sorted(folder.key for folder in FILE_PLAN)
    assert rows[0]["openedBy"] == "FORM"
    items = await seeded.read(
        "MATCH (o:OutboxItem) RETURN o.kind AS kind, o.state AS state ORDER BY kind"
    )
    assert items == [
        {"kind": "FILE_DOCUMENT", "state": "PENDING"},
        {"kind": "OPEN_FILE", "state": "PENDING"},
    ]
    # The document sits in the template's mapped folder, with the bytes in the form store.
    placed = await seeded.read(
        "MATCH (d:Folder)-[:HOLDS]->(doc:Document)-[:HAS_VERSION]->(v:DocumentVersion)"
        " RETURN d.key AS folder, doc.templateKey AS template, v.version AS version,"
        " v.checksumPdf AS pdf, v.checksumHtml AS html"
    )
    assert len(placed) == 1
    assert placed[0]["folder"] == "referral_and_assessment"
    assert placed[0]["version"] == 1
    assert (await forms.get(placed[0]["pdf"])).startswith(b"%PDF")
    html = (await forms.get(placed[0]["html"])).decode()
    assert "Bruise seen on arm." in html
    assert world.WORKER_NAME in html


@pytest.mark.parametrize(
    ("given", "family"),
    [
        # Decomposed (NFD), as some keyboards and systems send it: kept as sent, not
        # recomposed, so a search for the name as stored finds the form.
        (unicodedata.normalize("NFD", "Zoë"), unicodedata.normalize("NFD", "Šťastná")),
        ("محمد", "علي"),
        ("আয়েশা", "রহমান"),
        ("小明", "王"),
    ],
)
async def test_a_childs_name_is_filed_exactly_as_recorded_in_the_html_and_the_pdf_text(
    store: FalkorDBStore, forms: FormStore, given: str, family: str
) -> None:
    await world.add_worker(store)
    await world.add_child(store, CHILD, given=given, family=family)
    await world.add_contact(store, CHILD, "K1")

    result = await _generate(store, forms)

    assert isinstance(result, GeneratedForm)
    name = f"{given} {family}"
    html = (await forms.get(result.version["checksumHtml"])).decode()
    assert f"<title>Contact record: {name}</title>" in html
    pdf = await forms.get(result.version["checksumPdf"])
    assert f"Name {name}\n" in pdf_text(pdf)
    assert f"\n{name}\n" in pdfminer_text(pdf)


async def test_regenerating_makes_version_two_with_a_new_checksum_in_one_document(
    seeded: FalkorDBStore, forms: FormStore
) -> None:
    first = await _generate(seeded, forms, at=datetime(2024, 5, 1, 9, 0, tzinfo=UTC))
    second = await _generate(seeded, forms, at=datetime(2024, 5, 2, 9, 0, tzinfo=UTC))

    assert isinstance(first, GeneratedForm)
    assert isinstance(second, GeneratedForm)
    assert second.file_created is False
    assert second.document["id"] == first.document["id"]
    assert (first.version["version"], second.version["version"]) == (1, 2)
    assert second.version["checksumPdf"] != first.version["checksumPdf"]
    counts = await seeded.read(
        "MATCH (f:File) WITH count(f) AS files"
        " MATCH (doc:Document) WITH files, count(doc) AS documents"
        " MATCH (v:DocumentVersion) RETURN files, documents, count(v) AS versions"
    )
    assert counts == [{"files": 1, "documents": 1, "versions": 2}]


async def test_a_child_or_source_the_worker_may_not_see_is_missing(
    seeded: FalkorDBStore, forms: FormStore
) -> None:
    await world.add_child(seeded, "C-other", allocated=False)
    await world.add_contact(seeded, "C-other", "K-other")

    assert await _generate(seeded, forms, child="C-other", source=None) == RecordMissing(
        "Child", "C-other"
    )
    # A contact about another child is not this child's source record.
    assert await _generate(seeded, forms, source="K-other") == RecordMissing("Contact", "K-other")
    assert await seeded.read("MATCH (n:DocumentVersion) RETURN n.id AS id") == []


async def test_the_worker_files_each_version_once_into_the_mapped_subfolder(
    seeded: FalkorDBStore, forms: FormStore, tmp_path: Path
) -> None:
    await _generate(seeded, forms, at=datetime(2024, 5, 1, 9, 0, tzinfo=UTC))
    await _generate(seeded, forms, at=datetime(2024, 5, 2, 9, 0, tzinfo=UTC))
    content = await EmbeddedContentStore.open(tmp_path / "content")
    worker = OutboxWorker(seeded, content, form_store=forms)

    report = await worker.deliver_due(now_ms())
    again = await worker.deliver_due(now_ms())

    assert (report.delivered, report.retried, report.failed) == (3, 0, 0)
    assert again.delivered == 0
    versions = await seeded.read(
        "MATCH (doc:Document)-[:HAS_VERSION]->(v:DocumentVersion)<-[:DELIVERS]-(o:OutboxItem)"
        " RETURN doc.id AS doc, v.version AS version, v.remoteNodeId AS node,"
        " v.remoteVersion AS remote, v.checksumPdf AS pdf, o.state AS state ORDER BY version"
    )
    assert [(v["version"], v["remote"], v["state"]) for v in versions] == [
        (1, 1, "DELIVERED"),
        (2, 2, "DELIVERED"),
    ]
    record = json.loads(
        (
            tmp_path
            / "content"
            / "children"
            / CHILD
            / "referral_and_assessment"
            / f"{versions[0]['doc']}.json"
        ).read_text()
    )
    assert [v["sha256"] for v in record["versions"]] == [v["pdf"] for v in versions]
    for version in versions:
        filed = await content.fetch_document(version["node"], version["remote"])
        assert filed == await forms.get(version["pdf"])
