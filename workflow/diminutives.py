"""English diminutives the `nicknames` package lacks, read from a table kept as data.

The `nicknames` package's table comes from American genealogy lists: it knows Bill and
William, Peggy and Margaret, but not Alfie and Alfred or Charlie and Charlotte, which
English schools and early help workers write every day. `english_diminutives.csv` (its
header says where it comes from and the check still owed) fills that gap; a new pair is
a new row, never code.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TABLE = Path(__file__).with_name("english_diminutives.csv")


@dataclass(frozen=True, slots=True)
class Diminutives:
    """Which names a name shortens to, and which names a diminutive stands for."""

    of_name: dict[str, frozenset[str]]
    names_of: dict[str, frozenset[str]]

    def nicknames_of(self, name: str) -> frozenset[str]:
        """The diminutives of `name` (folded: lower case, letters only)."""
        return self.of_name.get(name, frozenset())

    def canonicals_of(self, diminutive: str) -> frozenset[str]:
        """The names `diminutive` is short for (folded: lower case, letters only)."""
        return self.names_of.get(diminutive, frozenset())


def read_table(lines: list[str]) -> Diminutives:
    """The table from its CSV text: `#` lines are its sources, then `name,diminutive`."""
    rows = csv.DictReader(line for line in lines if not line.startswith("#"))
    of_name: defaultdict[str, set[str]] = defaultdict(set)
    names_of: defaultdict[str, set[str]] = defaultdict(set)
    for row in rows:
        name, diminutive = row["name"].strip().casefold(), row["diminutive"].strip().casefold()
        of_name[name].add(diminutive)
        names_of[diminutive].add(name)
    return Diminutives(
        {name: frozenset(found) for name, found in of_name.items()},
        {name: frozenset(found) for name, found in names_of.items()},
    )


@cache
def english_diminutives() -> Diminutives:
    """The table shipped beside this module, read once."""
    return read_table(TABLE.read_text(encoding="utf-8").splitlines())
