"""DfE validator rules known to misfire in the published packages, and exactly where.

A rule listed here is excused only for the children its defect explains, decided from the
return's own tables; anything else it names is a real error. test_known_broken.py shows
each defect on a minimal hand-made return.

csc-validator-be-903 0.1.17:
- 231, 233 raise on every input: they read columns no table has (UASC_STATUS,
  DATE_EPISODE_CEASED). The runner reports them as crashed; they check nothing.
- 1001 drops every care leaver aged 20 or over from its merge and then flags them, so a
  correct OC3 row for a care leaver aged 20 or 21 is always flagged.
- 1002 looks for the care leaver's episodes in this year's and last year's tables only: a
  young person who left care more than two years ago is always flagged.
- 552, 553, 554 and 560 read one adoption decision per child, though the DfE's own rules
  579 and 583 expect a new decision after an earlier one was reversed (a placement with
  adopters that broke down, RD1, and a new decision months later), with both in the
  PlacedAdoption table. 552 pairs the latest decision with the first adoptive placement;
  553 flags the reversed decision beside an open E1 episode though a current decision
  exists; 554 pairs every decision with the first E1 episode, so a decision made after
  the placement order (the only kind a second decision can be) is flagged; 560 compares
  every decision of this year with last year's open one. Each is excused only for a
  child with successive decisions whose first decision satisfies the rule.
- SW12STG2 demands a social-worker episode starting on or after the day care began, for
  a child whose first episode of care ended with X1 in the year; a social worker allocated
  before care began (which the rule's own message asks to be reported) fails it, and no
  encoding of a continuous allocation passes. It also pairs every social-worker episode
  with every episode and flags an episode any one of them fails, where one that covers it
  is what it asks: a social worker allocated after care ended (the message asks for those
  too) flags the episode that ended care, if it began with a move or a legal status
  change, though the allocation of the whole spell covers it. Excused only for a child
  each of whose episodes the rule reads has a social-worker episode it accepts.
- 625 compares a mother's baby's birth (MC_DOB) with the end of her last episode that
  ended, ignoring the one still open: a girl who moved placement and then had her baby,
  still looked after, is always flagged. Excused only for a child whose last episode is
  open on 31 March and whose baby was born by then.
- 218 asks for a URN for every placement but a few types (P1, R1, T0-T4, Z11-Z14...),
  whatever the legal status, while 214 refuses any placement location (PL_POST, URN) for
  a short break (V3, V4): a short break with foster carers (U1-U6) or in a children's
  home fails one of the two whatever its URN. The return follows 214, the rule written
  for short breaks; 218 is excused only for a child whose episodes without a URN are all
  short breaks.
- 706, 709 and 710 (2026-27, deprivation of liberty orders) raise on every return with a
  DoLo table: 706 reads last year's DoLo table, which no year before 2026-27 has, and 709
  and 710 read an episodes column PLACEMENT (the column is PLACE). They check nothing.
- 584 (a new decision for adoption after one reversed last year comes after it) compares
  the DATE_PLACED values as dd/mm/YYYY text, and flags the rows of this year's
  PlacedAdoption table at the positions of the merged rows that fail, not the rows
  themselves: a child whose new decision follows last year's reversal, and whoever comes
  first in the table, are flagged. Excused only for a child whose own decisions all come
  after each of their decisions reversed last year.
- 583 (every decision for adoption but the latest has been reversed) finds the latest by
  sorting the DATE_PLACED values as dd/mm/YYYY text: a child whose reversed decision's
  day of the month is later than the new decision's is flagged. Excused only for a child
  whose decisions, by their dates, were each reversed before the next was made.
- 146 in the 2024-25 rule set lists supported accommodation as "k3", lower case, though
  the validator upper-cases every value it reads, and its own 2024-25 rules 221, 371 and
  503D use K3: a K3 placement in a 2024-25 return is always flagged. Excused only for a
  child whose placements 146 cannot read are all K3, in a 2024-25 return.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

CRASHING_903 = {"231", "233"}
# 2026-27's DoLo rules: 706 reads last year's DoLo table, which no earlier year's return
# has (KeyError 'DoLo_last'); 709 and 710 read an episodes column PLACEMENT, which is PLACE.
CRASHING_DOLO = {"706", "709", "710"}
_DOLO_FROM = date(2027, 3, 31)
# csc-validator-be-cin 0.1.13: 2887Q ("fewer than 8 disability codes used in your return")
# counts the children coded NONE instead of the distinct codes used, so it is raised for
# any return with fewer than eight children coded NONE, however many codes it uses.
KNOWN_BROKEN_CIN_QUERIES = {"2887Q"}
_ADOPTIVE_PLACEMENTS = {"A3", "A4", "A5", "A6"}
_SHORT_BREAKS = {"V3", "V4"}


def _table(folder: Path, name: str) -> list[dict[str, str]]:
    path = folder / f"{name}.csv"
    if not path.exists():
        # No last year's tables: the hub knew no child looked after then.
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _day(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date()


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def care_leavers_aged_20_or_21(folder: Path, year_end: date) -> set[str]:
    return {
        row["CHILD"]
        for row in _table(folder, "oc3")
        if _age(_day(row["DOB"]), year_end) in (20, 21)
    }


def care_leavers_without_recent_episodes(folder: Path, previous: Path) -> set[str]:
    seen = {row["CHILD"] for row in _table(folder, "episodes") + _table(previous, "episodes")}
    return {row["CHILD"] for row in _table(folder, "oc3")} - seen


def allocated_before_care_began(folder: Path) -> set[str]:
    """Children whose care began (RNE S) in an episode that ended X1, with a social
    worker episode that began before that day."""
    workers: dict[str, list[date]] = {}
    for row in _table(folder, "sw_episodes"):
        workers.setdefault(row["CHILD"], []).append(_day(row["SW_DECOM"]))
    found = set()
    for row in _table(folder, "episodes"):
        if row["RNE"] == "S" and row["REC"] == "X1":
            began = _day(row["DECOM"])
            if any(start < began for start in workers.get(row["CHILD"], [])):
                found.add(row["CHILD"])
    return found


def covered_and_allocated_again(folder: Path, year_end: date) -> set[str]:
    """Children each of whose episodes SW12STG2 reads (no short break, and not one begun
    and ended within a spell, by a move or a legal status change and X1) has a
    social-worker episode the rule accepts beside it (begun by the episode's end, 31 March
    if open, when that end is not X1, or on or after its first day when it began care),
    and one that another social-worker episode fails."""
    workers: dict[str, list[date]] = {}
    for row in _table(folder, "sw_episodes"):
        workers.setdefault(row["CHILD"], []).append(_day(row["SW_DECOM"]))
    covered: dict[str, bool] = {}
    failed = set()
    for row in _table(folder, "episodes"):
        if row["LS"] in _SHORT_BREAKS or (row["RNE"] != "S" and row["REC"] == "X1"):
            continue
        began, end = _day(row["DECOM"]), _day(row["DEC"]) if row["DEC"] else year_end
        accepted = [
            (start <= end and row["REC"] != "X1") or (row["RNE"] == "S" and start >= began)
            for start in workers.get(row["CHILD"], [])
        ]
        covered[row["CHILD"]] = covered.get(row["CHILD"], True) and any(accepted)
        if not all(accepted):
            failed.add(row["CHILD"])
    return {child for child, all_covered in covered.items() if all_covered} & failed


def mothers_still_looked_after(folder: Path, year_end: date) -> set[str]:
    """625: the child's baby was born by 31 March, and an episode is still open then."""
    still = {r["CHILD"] for r in _table(folder, "episodes") if not r["DEC"]}
    return {
        r["CHILD"]
        for r in _table(folder, "header")
        if r["MC_DOB"] and _day(r["MC_DOB"]) <= year_end and r["CHILD"] in still
    }


def short_breaks_without_a_urn(folder: Path) -> set[str]:
    """218: the child's episodes with no URN are all short breaks (V3, V4)."""
    without = [r for r in _table(folder, "episodes") if not r["URN"]]
    breaks = {r["CHILD"] for r in without if r["LS"] in _SHORT_BREAKS}
    return breaks - {r["CHILD"] for r in without if r["LS"] not in _SHORT_BREAKS}


@dataclass(frozen=True)
class Decision:
    """A row of PlacedAdoption: the decision that the child should be placed for
    adoption, and when it was reversed, if it was."""

    made: date
    reversed_on: date | None

    def in_force_on(self, day: date) -> bool:
        return self.made <= day and (self.reversed_on is None or self.reversed_on >= day)


def successive_decisions(folder: Path) -> dict[str, list[Decision]]:
    """Children with more than one adoption decision, each but the latest reversed before
    the next was made (what 579 and 583 ask of successive decisions), oldest first."""
    found: dict[str, list[Decision]] = {}
    for row in _table(folder, "placed_for_adoption"):
        ceased = row["DATE_PLACED_CEASED"]
        decision = Decision(_day(row["DATE_PLACED"]), _day(ceased) if ceased else None)
        found.setdefault(row["CHILD"], []).append(decision)
    successive = {}
    for child, decisions in found.items():
        decisions.sort(key=lambda d: d.made)
        earlier, latest = decisions[:-1], decisions[-1]
        if earlier and all(
            d.reversed_on is not None and d.reversed_on <= after.made
            for d, after in zip(earlier, decisions[1:], strict=True)
        ):
            successive[child] = [*earlier, latest]
    return successive


def _first_episode(
    folder: Path, child: str, matches: Callable[[dict[str, str]], bool]
) -> date | None:
    days = [
        _day(r["DECOM"]) for r in _table(folder, "episodes") if r["CHILD"] == child and matches(r)
    ]
    return min(days, default=None)


def placed_under_an_earlier_decision(folder: Path) -> set[str]:
    """552: the first adoptive placement (A3-A6) followed a decision in force that day."""
    found = set()
    for child, decisions in successive_decisions(folder).items():
        placed = _first_episode(folder, child, lambda r: r["PLACE"] in _ADOPTIVE_PLACEMENTS)
        if placed is not None and any(d.in_force_on(placed) for d in decisions):
            found.add(child)
    return found


def reversed_beside_a_current_decision(folder: Path) -> set[str]:
    """553: the ceased row is an earlier decision; the latest one is not reversed."""
    return {c for c, ds in successive_decisions(folder).items() if ds[-1].reversed_on is None}


def decided_before_the_placement_order(folder: Path) -> set[str]:
    """554: the first decision came on or before the first E1 episode began."""
    found = set()
    for child, decisions in successive_decisions(folder).items():
        ordered = _first_episode(folder, child, lambda r: r["LS"] == "E1")
        if ordered is not None and decisions[0].made <= ordered:
            found.add(child)
    return found


def last_years_decision_carried_on(folder: Path, previous: Path) -> set[str]:
    """560: last year's open decision is in this year's table with the same date (now
    reversed); the other rows are the decisions made after it."""
    open_last_year = {
        (r["CHILD"], _day(r["DATE_PLACED"]))
        for r in _table(previous, "placed_for_adoption")
        if not r["DATE_PLACED_CEASED"]
    }
    return {
        child
        for child, decisions in successive_decisions(folder).items()
        if any((child, d.made) in open_last_year for d in decisions[:-1])
    }


def reversed_before_each_new_decision(folder: Path) -> set[str]:
    """583: by their dates, each of the child's decisions but the latest was reversed by
    the day the next was made."""
    return set(successive_decisions(folder))


def decided_after_last_years_reversal(folder: Path, previous: Path) -> set[str]:
    """584: every decision of the child in this year's table is dated after each of the
    child's decisions reversed in last year's."""
    reversed_last_year: dict[str, list[date]] = {}
    for row in _table(previous, "placed_for_adoption"):
        if row["DATE_PLACED_CEASED"] or row["REASON_PLACED_CEASED"]:
            reversed_last_year.setdefault(row["CHILD"], []).append(_day(row["DATE_PLACED"]))
    rows = _table(folder, "placed_for_adoption")
    breaking = {
        row["CHILD"]
        for row in rows
        if not row["DATE_PLACED"]
        or any(_day(row["DATE_PLACED"]) <= d for d in reversed_last_year.get(row["CHILD"], []))
    }
    return {row["CHILD"] for row in rows} - breaking


_K3_MISSPELT_IN = date(2025, 3, 31)
_KNOWN_PLACEMENTS_2024_25 = {
    *("A3", "A4", "A5", "A6", "H5", "K1", "K2", "P1", "P2", "P3", "R1", "R2", "R3", "R5"),
    *("S1", "T0", "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6", "Z1"),
}


def supported_accommodation_in_2024_25(folder: Path, year_end: date) -> set[str]:
    """146 (2024-25 rules): every placement it cannot read is K3."""
    if year_end != _K3_MISSPELT_IN:
        return set()
    unread = [r for r in _table(folder, "episodes") if r["PLACE"] not in _KNOWN_PLACEMENTS_2024_25]
    k3 = {r["CHILD"] for r in unread if r["PLACE"] == "K3"}
    return k3 - {r["CHILD"] for r in unread if r["PLACE"] != "K3"}


def excused(folder: Path, previous: Path, year_end: date) -> dict[str, set[str]]:
    """Per rule, the children the rule's known defect explains in this return."""
    return {
        "146": supported_accommodation_in_2024_25(folder, year_end),
        "1001": care_leavers_aged_20_or_21(folder, year_end),
        "1002": care_leavers_without_recent_episodes(folder, previous),
        "SW12STG2": allocated_before_care_began(folder)
        | covered_and_allocated_again(folder, year_end),
        "218": short_breaks_without_a_urn(folder),
        "625": mothers_still_looked_after(folder, year_end),
        "552": placed_under_an_earlier_decision(folder),
        "553": reversed_beside_a_current_decision(folder),
        "554": decided_before_the_placement_order(folder),
        "560": last_years_decision_carried_on(folder, previous),
        "583": reversed_before_each_new_decision(folder),
        "584": decided_after_last_years_reversal(folder, previous),
    }


def unexplained_failures(
    report: dict[str, Any], folder: Path, previous: Path, year_end: date
) -> dict[str, Any]:
    """The failures of a 903 report that no known defect explains (should be none)."""
    crashing = CRASHING_903 | (CRASHING_DOLO if year_end >= _DOLO_FROM else set())
    assert set(report["crashed"]) <= crashing, report["crashed"]
    explained = excused(folder, previous, year_end)
    left: dict[str, Any] = {}
    for code, failure in report["failures"].items():
        children = set(failure["children"]) - explained.get(code, set())
        if children or not failure["children"]:
            left[code] = {**failure, "children": sorted(children)}
    return left
