"""Seeded wild care journeys: any code of the DfE's lists, changes on the same day and on
different days, steps recorded late and out of order, dates of birth put right, orders
depriving a child of liberty, care leavers and their contacts, all recorded through the
GraphQL API as the social worker and the team manager record them.

Unlike tests/returns/generated.py, whose journeys are legal by construction and whose
every step must be accepted, these choose freely: the hub may refuse a step (that is what
refusing at entry is for), and the journey goes on without it. What the hub accepted must
give returns that both DfE validators pass. A GraphQL error (a crash, not an answer) is
a failure as well.

Run many seeds by hand (not part of `make test`, which runs a few fixed ones in
tests/returns/test_journey_fuzz.py):

    .venv/bin/python -m tests.returns.journey_fuzz --seeds 1 200 --children 12 --out var/fuzz

Each seed's failures are written to `<out>/seed-<n>.json` with every named child's journey,
dated, so it can be replayed as a minimal test. A child the return's own year-end warnings
name for the same rule (returns/year_end.py: a step not recorded yet, which no save could
refuse) is listed apart, under "warned": the analyst is told to send it back to the worker.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from hub.settings import Settings
from tests.e2e.journey_helpers import act
from tests.e2e.scenarios.county import ETHNICITIES
from tests.e2e.scenarios.driver import PLACEMENT_POSTCODE, Child, persona_headers
from tests.helpers import graphql
from tests.returns.generated import _age, _birthday, accepted, outcomes, referral
from tests.returns.journeys import hertfordshire_upn
from workflow import codes

FIRST = date(2024, 4, 8)
LAST_START = date(2026, 3, 1)
HORIZON = date(2026, 8, 31)
# What a refusal at entry looks like in the driver's assertion: an answer, not a crash.
REFUSALS = ("InvalidInput", "TransitionRefused", "NotFound", "NotAuthorised")
# Codes a period of care starts or goes on in: every code of the DfE's lists but the ones
# the hub records another way (short breaks are recordShortBreak; X1 is a new episode).
STATUSES = [m.name for m in codes.LegalStatus if not m.name.startswith(("V3", "V4"))]
PLACEMENTS = [m.name for m in codes.PlacementType]
PROVIDERS = [m.name for m in codes.PlacementProvider]
MOVE_REASONS = [m.name for m in codes.ReasonPlaceChange]
ENDINGS = [m.name for m in codes.ReasonEpisodeCeased if not m.name.startswith("X1")]
IN_TOUCH = [m.name for m in codes.CareLeaverInTouch]
ACTIVITIES = [m.name for m in codes.CareLeaverActivity]
ACCOMMODATION = [m.name for m in codes.CareLeaverAccommodation]
PARTICIPATION = [m.name for m in codes.ReviewParticipation]
REGISTERED = ("K1", "K2", "K3", "S1", "R1", "R2", "R3", "R5")

DEPRIVE = """mutation ($input: RecordDeprivationOfLibertyInput!) {
  recordDeprivationOfLiberty(input: $input) { __typename
    ... on InvalidInput { problems { rule } } } }"""
CORRECT_ADOPTION = """mutation ($id: ID!, $version: Int!, $input: CorrectAdoptionPlanDateInput!) {
  correctAdoptionPlanDate(adoptionPlanId: $id, version: $version, input: $input) { __typename
    ... on AdoptionPlan { id version } ... on InvalidInput { problems { rule } } } }"""
REVERSALS = [m.name for m in codes.ReasonPlacedCeased]
# The steps of care a worker may withdraw as recorded in error (withdrawCareStep).
WITHDRAWN = ("LOOKED_AFTER_REVIEW", "STATUTORY_VISIT", "HEALTH_ASSESSMENT", "RETURN_HOME_INTERVIEW")
WITHDRAWN += ("PERSONAL_EDUCATION_PLAN", "PATHWAY_PLAN", "CARE_LEAVER_CONTACT")
CORRECT_BIRTH = """mutation ($input: RecordDateOfBirthInput!) { recordDateOfBirth(input: $input) {
  __typename ... on InvalidInput { problems { rule } } } }"""


def _placement_details(rng: random.Random, place: str) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if place.split("_")[0] in REGISTERED:
        details["urn"] = f"SC{rng.randint(100000, 999999)}"
    if place.startswith(("U1", "U4")):
        details["longTermPlacement"] = True
    return details


@dataclass
class Wild:
    """One child's wild journey: the driver, its own random source, and what happened."""

    child: Child
    rng: random.Random
    log: list[str] = field(default_factory=list)
    refused: int = 0

    async def attempt(self, on: date, what: str, step: Callable[[], Awaitable[object]]) -> bool:
        """Record a step; a refusal is noted and the journey goes on without it."""
        try:
            await step()
        except AssertionError as problem:
            text = str(problem)
            if not any(f"'__typename': '{kind}'" in text for kind in REFUSALS):
                self.log.append(f"{on} {what}: CRASHED {text[:300]}")
                raise
            self.refused += 1
            self.log.append(f"{on} {what}: refused {text[:200]}")
            return False
        self.log.append(f"{on} {what}")
        return True

    async def answer(self, on: date, what: str, query: str, data: dict[str, Any]) -> bool:
        """A mutation answered with a union: accepted unless it is a refusal."""
        found = await graphql(self.child.client, self.child.worker, query, {"input": data})
        kind = next(iter(found.values()))["__typename"]
        accepted_ = kind not in REFUSALS
        self.refused += not accepted_
        self.log.append(f"{on} {what}" + ("" if accepted_ else f": refused {found}"[:200]))
        return accepted_


async def wild_care(w: Wild, first: date) -> None:
    """Referred, looked after under any legal status in any placement, then a year or two
    of moves, orders, same-day changes, reviews, visits, missing episodes, orders depriving
    of liberty and birth date corrections, some written up late; care may end for any
    reason, a care leaver's contacts after."""
    rng, child = w.rng, w.child
    await referral_step(w, first)
    day = first + timedelta(days=rng.randint(0, 10))
    place = rng.choice(PLACEMENTS)
    status = rng.choice(STATUSES)
    started = await w.attempt(
        day,
        f"looked after {status} {place}",
        lambda: child.looked_after_in(
            day, status, place, rng.choice(PROVIDERS), **_placement_details(rng, place)
        ),
    )
    if not started:
        place, status = "U6_FOSTER_OTHER_CARER_OTHER", "C1_INTERIM_CARE_ORDER"
        started = await w.attempt(
            day, "looked after C1 U6", lambda: child.looked_after_in(day, status, place)
        )
        if not started:
            return
    care_start = day
    events: list[tuple[date, str]] = []
    for _ in range(rng.randint(2, 9)):
        events.append(
            (
                care_start + timedelta(days=rng.randint(0, 500)),
                rng.choice(
                    (
                        "move",
                        "move",
                        "status",
                        "both",
                        "review",
                        "visit",
                        "health",
                        "pep",
                        "missing",
                        "liberty",
                        "birth",
                        "correct",
                        "pathway",
                        "adoption",
                        "start corrected",
                        "withdraw",
                    )
                ),
            )
        )
    await played_in_order(w, sorted(events), _event)
    # The year's health and SDQ facts a child in care a year has (SSDA903 OC2).
    shim = _Shim(child, rng, care_start)
    await w.attempt(care_start, "outcomes", lambda: outcomes(shim, care_start))  # type: ignore[arg-type]
    ends = max((on for on, _ in events), default=care_start) + timedelta(days=rng.randint(1, 60))
    if ends > HORIZON or rng.random() < 0.3:
        return
    reason = rng.choice(ENDINGS)
    leaver = _age(child.born, ends) >= 16 and rng.random() < 0.7
    left = await w.attempt(
        ends,
        f"care ended {reason} leaver={leaver}",
        lambda: child.left_care(ends, reason, care_leaver=leaver),
    )
    if not left:
        reason = "E4A_RETURNED_HOME_AS_PLANNED"
        left = await w.attempt(ends, "care ended E4A", lambda: child.left_care(ends, reason))
    if left and rng.random() < 0.3:
        await _end_corrected(w, ends)
    if not left or not leaver:
        return
    for age in range(_age(child.born, ends) + 1, 22):
        contact = _birthday(child.born, age) + timedelta(days=rng.randint(-40, 40))
        if contact > HORIZON:
            break
        if contact <= ends:
            continue
        touch, activity, accommodation = (
            rng.choice(IN_TOUCH),
            rng.choice(ACTIVITIES),
            rng.choice(ACCOMMODATION),
        )
        await w.attempt(
            contact,
            f"care leaver contact {touch} {activity} {accommodation}",
            lambda c=contact, a=activity, m=accommodation, t=touch: child.care_leaver_contact(
                c, a, m, in_touch=t
            ),
        )
        if rng.random() < 0.3:
            plan = contact + timedelta(days=rng.randint(0, 20))
            if plan <= HORIZON:
                await w.attempt(
                    plan,
                    "pathway plan",
                    lambda p=plan: child._care_act("recordPathwayPlan", {"on": p.isoformat()}),
                )
        if rng.random() < 0.2:
            await _event(w, contact, "withdraw")


async def played_in_order(
    w: Wild,
    events: list[tuple[date, str]],
    play: Callable[[Wild, date, str], Awaitable[None]],
) -> None:
    """`events` (in the order they happened) up to the horizon, one in five written up
    only after what follows it."""
    late: list[tuple[date, str]] = []
    for on, kind in events:
        if on > HORIZON:
            break
        if w.rng.random() < 0.2:
            late.append((on, kind))
            continue
        await play(w, on, kind)
    for on, kind in late:
        await play(w, on, kind)


async def referral_step(w: Wild, first: date) -> None:
    journey = _Shim(w.child, w.rng, first)
    await referral(journey)  # type: ignore[arg-type]
    await accepted(journey)  # type: ignore[arg-type]


@dataclass
class _Shim:
    """Just enough of tests.returns.generated.Journey for its referral steps."""

    child: Child
    rng: random.Random
    day: date

    def note(self, text: str) -> None:
        pass

    def after(self, low: int, high: int) -> date:
        self.day += timedelta(days=self.rng.randint(low, high))
        return self.day


async def _event(w: Wild, on: date, kind: str) -> None:
    rng, child = w.rng, w.child
    if kind in ("move", "both"):
        place = rng.choice(PLACEMENTS)
        details = _placement_details(rng, place)
        if kind == "both":
            details["legalStatus"] = rng.choice(STATUSES)
        if rng.random() < 0.2:
            details["sameCarer"] = True
        reason = rng.choice(MOVE_REASONS)
        await w.attempt(
            on,
            f"placement {place} {reason} {details}",
            lambda: child.placement_changed(on, place, rng.choice(PROVIDERS), reason, **details),
        )
    elif kind == "status":
        status = rng.choice(STATUSES)
        await w.attempt(
            on, f"legal status {status}", lambda: child.legal_status_changed(on, status)
        )
    elif kind == "review":
        participation = rng.choice(PARTICIPATION)
        await w.attempt(
            on,
            f"review {participation}",
            lambda: child.looked_after_review(on, participation),
        )
    elif kind == "visit":
        await w.attempt(on, "visit", lambda: child.statutory_visit(on))
    elif kind == "health":
        await w.attempt(on, "health assessment", lambda: child.health_assessment(on))
    elif kind == "pep":
        await w.attempt(on, "PEP", lambda: child.personal_education_plan(on))
    elif kind == "pathway":
        await w.attempt(
            on,
            "pathway plan",
            lambda: child._care_act("recordPathwayPlan", {"on": on.isoformat()}),
        )
    elif kind == "missing":
        back = on + timedelta(days=rng.randint(0, 5))
        kind_ = rng.choice(("M_MISSING", "A_AWAY"))
        await w.attempt(
            on, f"{kind_} to {back}", lambda: child.went_missing(on, min(back, HORIZON), kind_)
        )
    elif kind == "liberty":
        data: dict[str, Any] = {"childId": child.child_id, "on": on.isoformat()}
        if rng.random() < 0.7:
            data["ceasedOn"] = (on + timedelta(days=rng.randint(0, 120))).isoformat()
        await w.answer(on, f"DoLO {data}", DEPRIVE, data)
    elif kind == "birth":
        born = child.born + timedelta(days=rng.randint(-400, 400))
        data = {"childId": child.child_id, "dateOfBirth": born.isoformat(), "on": on.isoformat()}
        if await w.answer(on, f"date of birth corrected to {born}", CORRECT_BIRTH, data):
            child.born = born
    elif kind == "adoption":
        await _adoption(w, on)
    elif kind == "start corrected":
        await _start_corrected(w, on)
    elif kind == "withdraw":
        await _withdrawn(w, on)
    elif kind == "correct":
        place = rng.choice(PLACEMENTS)
        fixed: dict[str, Any] = {
            "placementType": place,
            "placementProvider": rng.choice(PROVIDERS),
            "placementPostcode": PLACEMENT_POSTCODE,
            **{k: v for k, v in _placement_details(rng, place).items() if k == "urn"},
        }
        await w.attempt(
            on,
            f"placement corrected to {place}",
            lambda: child._care_act("correctPlacement", fixed),
        )


async def _adoption(w: Wild, on: date) -> None:
    """The decision that the child should be placed for adoption; perhaps the placement
    order (E1) after it, the decision reversed, or its day corrected, in any order."""
    rng, child = w.rng, w.child
    if not await w.attempt(on, "decided for adoption", lambda: child.adoption_decided(on)):
        return
    steps: list[tuple[date, str]] = []
    if rng.random() < 0.7:
        steps.append((on + timedelta(days=rng.randint(0, 120)), "order"))
    if rng.random() < 0.4:
        steps.append((on + timedelta(days=rng.randint(0, 240)), "reversed"))
    if rng.random() < 0.3:
        steps.append((on + timedelta(days=rng.randint(-60, 90)), "corrected"))
    rng.shuffle(steps)
    for day, step in steps:
        if day > HORIZON:
            continue
        if step == "order":
            granted = await w.attempt(
                day,
                "placement order",
                lambda d=day: child.adoption_step("recordPlacementOrder", grantedOn=d),
            )
            if granted or rng.random() < 0.5:
                await w.attempt(
                    day,
                    "legal status E1",
                    lambda d=day: child.legal_status_changed(d, "E1_PLACEMENT_ORDER"),
                )
        elif step == "reversed":
            reason = rng.choice(REVERSALS)
            await w.attempt(
                day,
                f"adoption decision reversed {reason}",
                lambda d=day, r=reason: child.adoption_plan_ceased(d, r, d),
            )
        else:
            plan = child.adoption_plan
            data = {"step": "DECISION", "happenedOn": day.isoformat(), "reason": "Typed wrong"}
            found = await graphql(
                child.client,
                child.worker,
                CORRECT_ADOPTION,
                {"id": plan["id"], "version": plan["version"], "input": data},
            )
            answer = found["correctAdoptionPlanDate"]
            if answer["__typename"] == "AdoptionPlan":
                plan["version"] = answer["version"]
            w.log.append(f"{day} adoption decision corrected: {answer['__typename']}")


async def _start_corrected(w: Wild, on: date) -> None:
    """An episode's start (the start of care, a move, a legal status change) typed with
    the wrong day, corrected."""
    rng, child = w.rng, w.child
    episodes = [
        s
        for s in child.care["steps"]
        if s["kind"] == "LOOKED_AFTER_EPISODE" and s["status"] != "CANCELLED"
    ]
    if not episodes:
        return
    was = rng.choice(episodes)["startDate"]
    day = date.fromisoformat(was) + timedelta(days=rng.choice((-1, 1)) * rng.randint(1, 40))
    data = {"episodeFrom": was, "startedOn": day.isoformat(), "reason": "Typed wrong"}
    await w.attempt(
        on,
        f"episode start {was} corrected to {day}",
        lambda: child._care_act("correctEpisodeStart", data),
    )


async def _withdrawn(w: Wild, on: date) -> None:
    """A step of care recorded in error (a review, visit, interview, contact...) withdrawn."""
    rng, child = w.rng, w.child
    held = [s for s in child.care["steps"] if s["kind"] in WITHDRAWN and s["status"] == "DONE"]
    if not held:
        return
    step = rng.choice(held)
    data = {"stepId": step["id"], "reason": "Recorded in error"}
    await w.attempt(
        on,
        f"{step['kind']} of {step['completedDate']} withdrawn",
        lambda: child._care_act("withdrawCareStep", data),
    )


async def _end_corrected(w: Wild, ended: date) -> None:
    """The manager corrects the day care ended, its SSDA903 reason, or both."""
    rng, child = w.rng, w.child
    data: dict[str, Any] = {"reason": "Typed wrong"}
    if rng.random() < 0.7:
        data["endedOn"] = (ended + timedelta(days=rng.randint(-30, 30))).isoformat()
    if "endedOn" not in data or rng.random() < 0.4:
        data["reasonCeased"] = rng.choice(ENDINGS)

    async def correct() -> None:
        answer = await act(child.client, child.manager, "correctEndOfCare", child.care, data)
        assert answer["__typename"] == "PeriodOfCare", answer
        child.care = answer

    await w.attempt(ended, f"end of care corrected {data}", correct)


@dataclass
class Played:
    name: str
    child_id: str
    log: list[str]
    refused: int


# One child's wild journey from its first day: care (here) or an episode of need
# (tests/returns/need_fuzz.py).
WildJourney = Callable[[Wild, date], Awaitable[None]]


async def generate(
    client: httpx.AsyncClient,
    settings: Settings,
    seed: int,
    children: int,
    journey: WildJourney = wild_care,
) -> list[Played]:
    """Record `children` wild journeys (seeded) through the API."""
    rng = random.Random(seed)
    played = []
    for number in range(children):
        first = FIRST + timedelta(days=rng.randint(0, (LAST_START - FIRST).days))
        born = first - timedelta(days=rng.randint(30, 365 * 18 - 30))
        name = f"Wild{rng.choice('ABCDEFGHJK')}{number} Fuzz-{seed}"
        school_age = _age(born, date(2026, 3, 31)) >= 5
        child = Child(
            client,
            settings,
            name,
            born,
            sex=rng.choice(("M", "F")),
            ethnicity=rng.choice(ETHNICITIES),
            upn=hertfordshire_upn(name) if school_age else None,
            upn_unknown=None if school_age else "UN1_NOT_OF_SCHOOL_AGE",
            confirm_new=True,
        )
        wild = Wild(child, random.Random(rng.random()))
        try:
            await journey(wild, first)
        except AssertionError as problem:
            raise AssertionError(
                f"seed {seed} child {number} crashed after:\n" + "\n".join(wild.log)
            ) from problem
        played.append(Played(name, child.child_id, wild.log, wild.refused))
    return played


# ---- running seeds by hand -------------------------------------------------------------


@dataclass
class Recorded:
    """A seed's journeys, and the rules each year's SSDA903 warned of, by child."""

    played: list[Played]
    warned: dict[str, set[tuple[str, str]]]


async def _record(
    socket: str, seed: int, children: int, folder: Path, journey: WildJourney = wild_care
) -> Recorded:
    """One seed in a graph of its own: the journeys and both returns, in `folder`."""
    from graph import FalkorDBStore
    from returns import CollectionYear, write_cin_census, write_ssda903
    from tests.e2e.scenarios.county import served
    from tests.e2e.scenarios.driver import staff_the_county

    year = CollectionYear(2026)
    store = FalkorDBStore(socket, f"fuzz-{uuid.uuid4().hex}")
    await store.apply_schema()
    try:
        settings = Settings(var_dir=folder / "var", rate_limit="1000000/second", _env_file=None)  # type: ignore[call-arg]
        async with served(store, settings) as client:
            await staff_the_county(client, settings, store)
            played = await generate(client, settings, seed, children, journey)
            entered = await _cin_entry_warnings(client, settings)
        this_year, last_year = await write_ssda903(store, year, folder / "903")
        census = await write_cin_census(store, year, folder / "cin.xml", "919")
    finally:
        await store.drop()
        await store.close()
    warned = {
        kind: {(w.child_id.upper(), w.code.removeprefix("903 ")) for w in written.warnings}
        for kind, written in (("903", this_year), ("903-previous", last_year))
    }
    # Told at entry, or named by the census itself (returns/cin_year_end.py).
    warned["cin"] = entered | {
        (w.child_id.upper(), w.code.removeprefix("CIN ")) for w in census.warnings
    }
    return Recorded(played, warned)


WORK_WARNINGS = "{ myWork { dataWarnings { code childId } } }"


async def _cin_entry_warnings(
    client: httpx.AsyncClient, settings: Settings
) -> set[tuple[str, str]]:
    """The CIN census rules the worker was warned of as the steps were saved
    (returns/entry_checks.py), by child: what the census would query, told at entry."""

    found = await graphql(client, persona_headers(settings, "social-worker"), WORK_WARNINGS)
    return {
        (w["childId"].upper(), w["code"].removeprefix("CIN "))
        for w in found["myWork"]["dataWarnings"]
        if w["code"].startswith("CIN ")
    }


def _has_rows(table: Path) -> bool:
    """Whether a return's CSV table holds a row beside its header."""
    return table.exists() and len(table.read_text().splitlines()) > 1


def run_seed(
    socket: str, seed: int, children: int, out: Path, journey: WildJourney = wild_care
) -> dict[str, Any]:
    """One seed: the journeys, both returns, both validators; the failures left."""
    from returns import CollectionYear
    from tests.returns.conftest import LA_ONS_CODE, RUNNER, _interpreter
    from tests.returns.known_broken import KNOWN_BROKEN_CIN_QUERIES, unexplained_failures

    year = CollectionYear(2026)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        recorded = asyncio.run(_record(socket, seed, children, folder, journey))
        played = recorded.played
        found: dict[str, Any] = {}
        for kind, path, extra in (
            ("903", folder / "903", ["--prev", str(folder / "903" / "previous")]),
            ("903-previous", folder / "903" / "previous", []),
            ("cin", folder / "cin.xml", []),
        ):
            if kind != "cin" and not _has_rows(path / "header.csv"):
                continue  # no child looked after in the year: no 903 to check
            the_year = "2025" if kind == "903-previous" else "2026"
            command = [str(_interpreter()), str(RUNNER), kind[:3], str(path), "--year", the_year]
            done = subprocess.run(
                [*command, "--la", LA_ONS_CODE, *extra],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                # A return the validator cannot read at all (its last words kept): a
                # finding of its own, not a reason to lose the seed's other returns.
                found[kind] = {"unreadable": {"message": done.stderr[-600:], "children": []}}
                continue
            report = json.loads(done.stdout)
            if kind == "cin":
                left = {
                    c: f for c, f in report["failures"].items() if c not in KNOWN_BROKEN_CIN_QUERIES
                }
            else:
                end = year.end if kind == "903" else year.previous().end
                left = unexplained_failures(
                    report, path, path if not extra else path / "previous", end
                )
            if report.get("crashed"):
                left["crashed"] = report["crashed"]
            found[kind] = left
    by_id = {p.child_id.upper(): p for p in played}

    def journeys(kind: str, code: str, failure: dict[str, Any], warned: bool) -> dict[str, Any]:
        return {
            c: by_id[c.upper()].log
            for c in failure.get("children", [])
            if c.upper() in by_id
            and ((c.upper(), code) in recorded.warned.get(kind, set())) == warned
        }

    result = {
        "seed": seed,
        "children": len(played),
        "refused": sum(p.refused for p in played),
        "failures": {
            kind: {
                code: {
                    "message": failure.get("message"),
                    "journeys": journeys(kind, code, failure, warned=False),
                    "warned": journeys(kind, code, failure, warned=True),
                }
                for code, failure in left.items()
                if code != "crashed"
            }
            for kind, left in found.items()
        },
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / f"seed-{seed}.json").write_text(json.dumps(result, indent=1, default=str))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", nargs=2, type=int, default=(1, 10), metavar=("FROM", "TO"))
    parser.add_argument("--children", type=int, default=12)
    parser.add_argument("--out", type=Path, default=Path("var/fuzz"))
    parser.add_argument("--journey", choices=("care", "need"), default="care")
    args = parser.parse_args()
    from graph import EmbeddedEngine
    from tests.returns.need_fuzz import wild_need

    journey = wild_need if args.journey == "need" else wild_care

    with tempfile.TemporaryDirectory() as scratch:
        engine = EmbeddedEngine(Path(scratch), appendfsync="no")
        engine.start()
        try:
            assert engine.socket_path is not None
            for seed in range(args.seeds[0], args.seeds[1] + 1):
                try:
                    result = run_seed(
                        str(engine.socket_path), seed, args.children, args.out, journey
                    )
                except AssertionError as problem:
                    print(f"seed {seed}: CRASH {str(problem)[:3000]}", flush=True)
                    continue
                failures = result["failures"].items()
                rules = sorted(
                    f"{kind} {code}"
                    for kind, left in failures
                    for code, failure in left.items()
                    if failure["journeys"] or not failure["warned"]
                )
                warned = sorted(
                    f"{kind} {code}"
                    for kind, left in failures
                    for code, failure in left.items()
                    if failure["warned"]
                )
                print(
                    f"seed {seed}: refused {result['refused']} rules {rules} warned {warned}",
                    flush=True,
                )
        finally:
            engine.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
