"""Three lists at county scale, each against its floor: a team manager's work, a health
look-up by NHS number and a police enquiry list.

Each request runs in process through the real audience schema with the read audit (and,
for partners, the notice to the allocated worker), as the persona the demo gives that
role. Its floor is the engine's own time for exactly the statements that request ran
(recorded, then run again directly in the same concurrent waves, the audit write
included), so what is left over is the hub's own cost. p50/p95 of both and the ratios.

- team manager: `teamWork` (every item due in the team, and each worker's caseload);
- health: `cpisRecord` for NHS numbers of children on a plan and, as most of A&E's checks
  are, of children on none;
- police: `enquiryChildren` for a force party to `--enquiries` open MASH enquiries (the
  county itself opens one; the rest are opened here, about families with an allocated
  worker, once per reused county).

    python -m bench.work_lists --reuse DIR [--iterations 100] [--enquiries 200]
    python -m bench.work_lists --size small
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auth.principal import Principal
from bench.county_store import county_store
from bench.hub_request import request
from bench.recording import against_floor, interleaved
from demo import county, personas
from graph import FalkorDBStore
from graph.cypher.access import AccessScope
from graph.cypher.partners import NHS_NUMBERS_ON_PLANS
from workflow.enquiries import EnquiryKind, OpenEnquiry, open_enquiry

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from graph import GraphStore

TEAM_WORK = """{ teamWork { ... on TeamWork { items { kind childName dueDate overdue }
    caseloads { workerName children } } } }"""
CPIS = """query ($nhs: String!) { cpisRecord(nhsNumber: $nhs) { nhsNumber
    plans { type startDate endDate } responsibleAuthority { name } } }"""
ENQUIRY_CHILDREN = "{ enquiryChildren { givenName familyName address { line1 } } }"
ENQUIRY_REASON = "Bench: police report of a domestic incident; MASH research"
FAMILIES_WITH_A_WORKER = """
MATCH (w:Worker)<-[:ALLOCATED_TO]-(c:Child)-[:MEMBER_OF]->(f:Family)
WITH f, w, collect(c.id) AS children
RETURN f.id AS family, w.id AS worker, children
ORDER BY family
LIMIT $limit
"""


def _persona(name: str, purpose: str | None = None) -> Principal:
    persona = personas.BY_NAME[name]
    return Principal(
        subject=persona.subject,
        name=persona.display_name,
        role=persona.role,
        agency_id=persona.agency,
        token_id="bench",  # noqa: S106 - a token id, not a secret
        team_id=persona.team,
        purpose=purpose,
    )


async def measure(
    store: FalkorDBStore,
    ask: Callable[[GraphStore, int], Awaitable[dict[str, Any]]],
    iterations: int,
) -> dict[str, float]:
    """p50/p95 of the request and of its floor, interleaved request by request."""
    await ask(store, 0)  # the schema is built once per process, as the app does at start
    return await interleaved(store, ask, iterations)


async def open_enquiries(store: GraphStore, wanted: int) -> int:
    """Open MASH enquiries with the demo police force until it is party to `wanted`."""
    opened = await store.read(
        "MATCH (e:MultiAgencyEnquiry {reason: $reason}) RETURN count(e) AS n",
        {"reason": ENQUIRY_REASON},
    )
    missing = wanted - 1 - int(opened[0]["n"])
    if missing <= 0:
        return 0
    families = await store.read(FAMILIES_WITH_A_WORKER, {"limit": wanted + 10})
    made = 0
    for family in families[-missing:]:
        scope = AccessScope(
            viewer=family["worker"], team=None, view_all=True, now_ms=int(time.time() * 1000)
        )
        enquiry = OpenEnquiry(
            child_ids=family["children"],
            kind=EnquiryKind.MASH,
            agency_ids=[personas.POLICE_FORCE, personas.LOCAL_AUTHORITY],
            reason=ENQUIRY_REASON,
        )
        if isinstance(await open_enquiry(store, scope, enquiry), dict):
            made += 1
    return made


async def run(
    size: str,
    iterations: int,
    enquiries: int,
    reuse: Path | None,
    team_iterations: int | None = None,
) -> str:
    """Load (or reuse) a county and measure the three lists."""
    async with county_store(size, reuse) as loaded:
        store = loaded.store
        opened = await open_enquiries(store, enquiries)
        on_plans = [
            row["nhsNumber"]
            for row in await store.read(NHS_NUMBERS_ON_PLANS, {"limit": 20})
            if row["nhsNumber"]
        ]
        others = await store.read(
            "MATCH (c:Child) WHERE c.nhsNumber IS NOT NULL RETURN c.nhsNumber AS nhs LIMIT 80"
        )
        # Most A&E checks find no plan: four in five here.
        numbers = [*on_plans, *(row["nhs"] for row in others)] or ["0000000000"]
        manager = _persona("team-manager")
        health = _persona("health", "UNSCHEDULED_CARE")
        police = _persona("police", "MASH_RESEARCH")
        sizes: dict[str, int] = {}

        async def team_work(store: GraphStore, _: int) -> dict[str, Any]:
            data = await request(store, manager, TEAM_WORK, {})
            sizes["team work items"] = len(data["teamWork"]["items"])
            return data

        async def cpis(store: GraphStore, number: int) -> dict[str, Any]:
            nhs = numbers[number % len(numbers)]
            return await request(store, health, CPIS, {"nhs": nhs})

        async def enquiry_list(store: GraphStore, _: int) -> dict[str, Any]:
            data = await request(store, police, ENQUIRY_CHILDREN, {})
            sizes["children in the police list"] = len(data["enquiryChildren"])
            return data

        figures = {
            "team manager's work list (teamWork)": await measure(
                store, team_work, team_iterations or iterations
            ),
            "health look-up by NHS number (cpisRecord)": await measure(store, cpis, iterations),
            "police enquiry list (enquiryChildren)": await measure(store, enquiry_list, iterations),
        }
        counted = await store.read("MATCH (c:Child) RETURN count(c) AS n")
    lines = [
        f"county of {counted[0]['n']:,} children; {iterations} requests each"
        f" ({team_iterations or iterations} of the team's work list);"
        f" {len(on_plans)} of {len(numbers)} NHS numbers on a plan; enquiries opened now:"
        f" {opened}; " + ", ".join(f"{count:,} {name}" for name, count in sizes.items())
    ]
    for name, each in figures.items():
        lines.append(f"{name}: {against_floor(each)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="small", choices=sorted(county.SIZES))
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--enquiries", type=int, default=200, help="open police enquiries")
    parser.add_argument("--reuse", type=Path, help="a data directory from bench.county_load")
    parser.add_argument(
        "--team-iterations", type=int, help="requests of the team's work list (default: same)"
    )
    args = parser.parse_args(argv)
    print(
        asyncio.run(
            run(args.size, args.iterations, args.enquiries, args.reuse, args.team_iterations)
        )
    )


if __name__ == "__main__":
    main()
