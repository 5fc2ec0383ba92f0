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
- SW12STG2 demands a social-worker episode starting on or after the day care began, for
  a child whose first episode of care ended with X1 in the year; a social worker allocated
  before care began (which the rule's own message asks to be reported) fails it, and no
  encoding of a continuous allocation passes.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Any

CRASHING_903 = {"231", "233"}
# csc-validator-be-cin 0.1.13: 2887Q ("fewer than 8 disability codes used in your return")
# counts the children coded NONE instead of the distinct codes used, so it is raised for
# any return with fewer than eight children coded NONE, however many codes it uses.
KNOWN_BROKEN_CIN_QUERIES = {"2887Q"}


def _table(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
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


def excused(folder: Path, previous: Path, year_end: date) -> dict[str, set[str]]:
    """Per rule, the children the rule's known defect explains in this return."""
    return {
        "1001": care_leavers_aged_20_or_21(folder, year_end),
        "1002": care_leavers_without_recent_episodes(folder, previous),
        "SW12STG2": allocated_before_care_began(folder),
    }


def unexplained_failures(
    report: dict[str, Any], folder: Path, previous: Path, year_end: date
) -> dict[str, Any]:
    """The failures of a 903 report that no known defect explains (should be none)."""
    assert set(report["crashed"]) <= CRASHING_903, report["crashed"]
    explained = excused(folder, previous, year_end)
    left: dict[str, Any] = {}
    for code, failure in report["failures"].items():
        children = set(failure["children"]) - explained.get(code, set())
        if children or not failure["children"]:
            left[code] = {**failure, "children": sorted(children)}
    return left
