"""Days in England: the one time zone of the record, for every room.

A day in the record begins and ends at midnight in London (23:00 UTC the day before under
British Summer Time), whatever the hub's clock is set to. The graph room is the bottom
of the rooms (DESIGN.md), so the zone is declared here and the workflow's calendar and
the row rules read the same one.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

ENGLAND = ZoneInfo("Europe/London")
