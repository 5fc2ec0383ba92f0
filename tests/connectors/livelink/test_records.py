"""Retention, holds and disposal on the real graph: dates from the child's history."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from connectors.livelink.filing import GeneratedForm, generate_form
from connectors.livelink.form_store import FormBytesMissing, FormStore
from connectors.livelink.records import (
    DisposalRefused,
    FileDisposal,
    HoldCriteria,
    dispose_file,
    hold_by_query,
    recompute_retention,
)
from connectors.livelink.retention import RecordClass
from graph import FalkorDBStore
from graph.cypher import records as statements
from tests.connectors.livelink import records_world as world
from workflow.ids import now_ms

pytestmark = pytest.mark.anyio


async def _recompute(store: FalkorDBStore, child_id: str) -> date | None:
    stored = await recompute_retention(
        store,
        world.scope(view_all=True),
        child_id,
        actor_name="Records Officer",
        now_ms=now_ms(),
        run_id=world.counter("run")(),
    )
    assert stored is not None
    return stored.decision.retain_until if stored.decision else None


async def _open_file(store: FalkorDBStore, forms: FormStore, child_id: str) -> str:
    result = await generate_form(
        store,
        forms,
        world.scope(),
        author_name=world.WORKER_NAME,
        child_id=child_id,
        template_key="contact_record",
        source_id=f"K{child_id}",
        local_authority="Hertfordshire County Council",
        new_id=world.counter(child_id),
    )
    assert isinstance(result, GeneratedForm)
    return result.file_id


@pytest.fixture
def forms(tmp_path: Path) -> FormStore:
    return FormStore(tmp_path / "forms")


async def _child(store: FalkorDBStore, forms: FormStore, child_id: str, **kwargs: date) -> str:
    await world.add_child(store, child_id, **kwargs)
    await world.add_contact(store, child_id, f"K{child_id}", received=date(2014, 6, 1))
    return await _open_file(store, forms, child_id)


@pytest.fixture
async def officer_world(store: FalkorDBStore) -> FalkorDBStore:
    await world.add_worker(store)
    return store


async def test_retention_is_computed_from_the_history_and_stored_with_its_citation(
    officer_world: FalkorDBStore, forms: FormStore
) -> None:
    store = officer_world
    await _child(store, forms, "C301", born=date(2008, 2, 29))
    # A closed contact only: a general record, to the 25th birthday (29 Feb -> 1 March).
    assert await _recompute(store, "C301") == date(2033, 3, 1)
    rows = await store.read(
        "MATCH (f:File {childId: 'C301'}) RETURN f.retainUntil AS until, f.retentionRule AS rule,"
        " f.retentionCitation AS citation, f.recordClasses AS classes"
    )
    assert rows[0]["until"] == date(2033, 3, 1)
    assert rows[0]["rule"] == "general"
    assert "25th" in rows[0]["citation"]
    assert rows[0]["classes"] == ["general"]


async def test_a_status_change_recomputes_retention(
    officer_world: FalkorDBStore, forms: FormStore
) -> None:
    store = officer_world
    await _child(store, forms, "C302", born=date(2010, 1, 15))
    assert await _recompute(store, "C302") == date(2035, 1, 15)

    # A case has a child protection plan and is still open: its local period runs from
    # the last contact, which an open case does not have yet, so the file is kept.
    await world.add_record(
        store,
        "C302",
        "Referral",
        "R1",
        status="ACCEPTED",
        dates={"referralDate": date(2013, 3, 1), "decisionDate": date(2013, 3, 4)},
    )
    await world.add_record(
        store,
        "C302",
        "ChildProtectionPlan",
        "CPP1",
        status="ACTIVE",
        dates={"startDate": date(2013, 5, 1)},
    )
    assert await _recompute(store, "C302") is None
    missing = await store.read(
        "MATCH (f:File {childId: 'C302'}) RETURN f.retentionMissing AS missing,"
        " f.recordClasses AS classes"
    )
    assert missing == [
        {
            "missing": ["last_contact_date"],
            "classes": ["child_in_need", "child_protection", "general"],
        }
    ]

    # The plan ends and the case closes: 35 years after the last contact, the closure.
    await store.write(
        "MATCH (p:ChildProtectionPlan {id: 'CPP1'})"
        " SET p.status = 'ENDED', p.endDate = date('2015-07-20')"
        " WITH p MATCH (r:Referral {id: 'R1'})"
        " SET r.status = 'CLOSED', r.closureDate = date('2015-07-31')"
    )
    assert await _recompute(store, "C302") == date(2050, 7, 31)

    # The child comes into care: to the 75th birthday, the regulation 50 citation.
    await world.add_period_of_care(
        store, "C302", "POC1", start=date(2016, 1, 4), end=date(2020, 1, 4), reasonCeased="E8"
    )
    assert await _recompute(store, "C302") == date(2085, 1, 15)
    rule = await store.read("MATCH (f:File {childId: 'C302'}) RETURN f.retentionCitation AS c")
    assert "reg 50" in rule[0]["c"]


async def test_a_period_of_care_ended_by_adoption_keeps_the_file_100_years_from_the_order(
    officer_world: FalkorDBStore, forms: FormStore
) -> None:
    store = officer_world
    await _child(store, forms, "C308", born=date(2015, 6, 1))
    # SSDA903 E11: care ends on the day the adoption order is made.
    await world.add_period_of_care(
        store, "C308", "POC8", start=date(2016, 2, 1), end=date(2018, 9, 14), reasonCeased="E11"
    )
    assert await _recompute(store, "C308") == date(2118, 9, 14)


async def test_a_care_leaver_is_a_care_leaver_record_while_services_continue(
    officer_world: FalkorDBStore, forms: FormStore
) -> None:
    store = officer_world
    await _child(store, forms, "C309", born=date(2005, 4, 2))
    await world.add_record(
        store,
        "C309",
        "PeriodOfCare",
        "POC9",
        status="CARE_LEAVER",
        dates={"startDate": date(2019, 1, 7), "endDate": date(2023, 4, 2)},
        steps=[{"id": "PP9", "kind": "PATHWAY_PLAN", "status": "OPEN"}],
        events=[("LOOKED_AFTER", date(2019, 1, 7)), ("CARE_LEAVER", date(2023, 4, 2))],
    )
    stored = await recompute_retention(
        store,
        world.scope(view_all=True),
        "C309",
        actor_name="Records Officer",
        now_ms=now_ms(),
        run_id="run-309",
    )
    assert stored is not None
    assert stored.record_classes == {
        RecordClass.GENERAL,
        RecordClass.LOOKED_AFTER,
        RecordClass.CARE_LEAVER,
    }
    # Looked after: the 75th birthday, whatever the care leaver's own period says.
    assert stored.decision is not None
    assert stored.decision.retain_until == date(2080, 4, 2)


async def test_a_hold_blocks_disposal_until_it_is_lifted_and_disposal_is_audited(
    officer_world: FalkorDBStore, forms: FormStore
) -> None:
    store = officer_world
    file_id = await _child(store, forms, "C303", born=date(1990, 1, 1))
    assert await _recompute(store, "C303") == date(2015, 1, 1)
    officer = world.scope(view_all=True, viewer="records-officer")
    review = await store.read(
        statements.DISPOSAL_REVIEW, {**officer.params(), "today": date(2026, 1, 1), "limit": 10}
    )
    assert [row["fileId"] for row in review] == [file_id]

    applied = await store.write(
        statements.APPLY_HOLD,
        {
            **officer.params(),
            "viewerName": "Records Officer",
            "key": "LIT-2026-001",
            "holdId": "hold-1",
            "reason": "Civil claim notified",
            "standing": False,
            "criteria": None,
            "via": "FILE",
            "targets": [{"fileId": file_id, "applicationId": "app-1", "outboxId": "out-1"}],
        },
    )
    assert applied == [{"fileId": file_id, "childId": "C303", "applied": True}]
    review = await store.read(
        statements.DISPOSAL_REVIEW, {**officer.params(), "today": date(2026, 1, 1), "limit": 10}
    )
    assert review == []

    async def dispose() -> FileDisposal | DisposalRefused | None:
        return await dispose_file(
            store,
            officer,
            file_id,
            reason="Retention period ended; reviewed",
            actor_name="Records Officer",
            role="records_officer",
            today=date(2026, 1, 1),
            now_ms=now_ms(),
            record_id=world.counter("disposal")(),
        )

    refused = await dispose()
    assert refused == DisposalRefused(
        state="HELD",
        reason="the file is under legal hold (LIT-2026-001); lift every hold first",
        held_by=("LIT-2026-001",),
    )
    assert await store.read("MATCH (e:DisposalRecord) RETURN e.id AS id") == []

    lifted = await store.write(
        statements.LIFT_HOLD,
        {
            **officer.params(),
            "viewerName": "Records Officer",
            "key": "LIT-2026-001",
            "fileId": file_id,
            "reason": "Claim settled",
            "runId": "lift-1",
        },
    )
    assert lifted == [{"fileId": file_id, "childId": "C303"}]
    disposed = await dispose()
    assert isinstance(disposed, FileDisposal)
    assert disposed.record["reason"] == "Retention period ended; reviewed"
    assert disposed.record["by"] == "records-officer"
    await forms.discard(list(disposed.checksums))
    with pytest.raises(FormBytesMissing):
        await forms.get(disposed.checksums[0])
    assert await dispose() == DisposalRefused(
        state="DISPOSED", reason="the file has already been disposed of"
    )
    history = await store.read(
        "MATCH (a:HoldApplication)-[:APPLIES_TO]->(:File {id: $id})"
        " RETURN a.active AS active, a.liftReason AS reason",
        {"id": file_id},
    )
    assert history == [{"active": False, "reason": "Claim settled"}]


async def test_a_file_still_in_its_retention_period_is_not_disposed(
    officer_world: FalkorDBStore, forms: FormStore
) -> None:
    store = officer_world
    file_id = await _child(store, forms, "C304", born=date(2010, 1, 1))
    await _recompute(store, "C304")
    refused = await dispose_file(
        store,
        world.scope(view_all=True),
        file_id,
        reason="x",
        actor_name="Records Officer",
        role="records_officer",
        today=date(2026, 1, 1),
        now_ms=now_ms(),
        record_id="d-1",
    )
    assert refused == DisposalRefused(
        state="RETAINED", reason="the file must be kept until 2035-01-01"
    )


async def test_a_standing_hold_by_query_is_kept_while_no_file_matches_yet(
    officer_world: FalkorDBStore, forms: FormStore
) -> None:
    # A hold on files no one has is refused and leaves nothing (applyHold); a standing
    # rule is made whether or not a file matches yet: it holds the later ones.
    store = officer_world
    await _child(store, forms, "C308")
    held = await hold_by_query(
        store,
        world.scope(view_all=True),
        HoldCriteria(record_class=RecordClass.LOOKED_AFTER, started_before=date(2015, 1, 1)),
        key="INQUIRY-EMPTY",
        reason="Public inquiry moratorium on destruction",
        standing=True,
        actor_name="Records Officer",
        now_ms=now_ms(),
        new_id=world.counter("empty"),
    )
    assert held == []
    assert await store.read(
        "MATCH (h:LegalHold {key: 'INQUIRY-EMPTY'}) RETURN h.standing AS standing"
    ) == [{"standing": True}]


async def test_an_inquiry_moratorium_holds_by_query_and_as_a_standing_rule(
    officer_world: FalkorDBStore, forms: FormStore
) -> None:
    store = officer_world
    before = await _child(store, forms, "C305")
    await world.add_period_of_care(
        store, "C305", "POC-old", start=date(2012, 3, 1), end=date(2013, 1, 1)
    )
    after = await _child(store, forms, "C306")
    await world.add_period_of_care(store, "C306", "POC-new", start=date(2016, 3, 1))
    never = await _child(store, forms, "C307")
    officer = world.scope(view_all=True)

    held = await hold_by_query(
        store,
        officer,
        HoldCriteria(record_class=RecordClass.LOOKED_AFTER, started_before=date(2015, 1, 1)),
        key="INQUIRY-2026",
        reason="Public inquiry moratorium on destruction",
        standing=True,
        actor_name="Records Officer",
        now_ms=now_ms(),
        new_id=world.counter("inquiry"),
    )
    assert [row["fileId"] for row in held] == [before]
    assert after != never

    # C307's history changes: a looked-after episode from 2014 surfaces; the recompute
    # the status change triggers puts the file under the standing hold.
    await world.add_period_of_care(
        store, "C307", "POC-found", start=date(2014, 2, 1), end=date(2014, 9, 1)
    )
    stored = await recompute_retention(
        store, officer, "C307", actor_name="Sam Patel", now_ms=now_ms(), run_id="run-307"
    )
    assert stored is not None
    assert stored.holds_applied == ("INQUIRY-2026",)
    again = await recompute_retention(
        store, officer, "C307", actor_name="Sam Patel", now_ms=now_ms(), run_id="run-307b"
    )
    assert again is not None
    assert again.holds_applied == ()
    held_files = await store.read(
        "MATCH (a:HoldApplication {active: true})-[:APPLIES_TO]->(f:File)"
        " RETURN f.childId AS child, a.via AS via ORDER BY child"
    )
    assert held_files == [{"child": "C305", "via": "QUERY"}, {"child": "C307", "via": "RULE"}]
    outbox = await store.read("MATCH (o:OutboxItem {kind: 'APPLY_HOLD'}) RETURN count(o) AS n")
    assert outbox == [{"n": 2}]
