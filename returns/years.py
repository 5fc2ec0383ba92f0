"""Collection years: the DfE names a return by the year it ends (2026 = 2025-26)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class CollectionYear:
    """1 April to 31 March; `end_year` is the year of the 31 March."""

    end_year: int

    def __post_init__(self) -> None:
        # The CIN census began in 2008-09 and the hub keeps no earlier record.
        if not 2009 <= self.end_year <= 2100:
            raise ValueError(f"year: {self.end_year} is not a collection year (2009-2100)")

    @property
    def start(self) -> date:
        return date(self.end_year - 1, 4, 1)

    @property
    def end(self) -> date:
        """The census's reference date: what is returned is the record as at this day."""
        return date(self.end_year, 3, 31)

    @property
    def label(self) -> str:
        return f"{self.end_year - 1}-{self.end_year % 100:02d}"

    def previous(self) -> CollectionYear:
        return CollectionYear(self.end_year - 1)

    def covers(self, start: date | None, end: date | None) -> bool:
        """Whether a span from `start` to `end` (open when None) touches the year."""
        return start is not None and start <= self.end and (end is None or end >= self.start)
