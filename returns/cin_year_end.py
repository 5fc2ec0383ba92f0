"""What the CIN census will query of a child that no save could refuse, told to the analyst.

The census is one year's view of episodes that run across years. An enquiry in the year
beside an assessment authorised in the year before (in an earlier census, rule 8696)
reads as an enquiry with no assessment (2991Q), and a closure after assessment as one
with none (8825Q); an initial conference asked for and still not held 15 working days
and more before 31 March is late (8675Q); an assessment recorded as beginning while
another of the episode went on is queried (8863Q), as is one begun 45 working days and
more before 31 March and not authorised by then (8670Q). Each is a DfE query (the LA
explains or corrects it), true of what happened, so the return names the child and says
what to check. One error is told the same way: a plan begun in the year with no
conference of the episode's enquiries on its day (2885), which a transfer-in
conference's plan is in an episode that also holds an enquiry. They are read off the
child's element as written, exactly what the validator reads (csc-validator-be-cin's
rules of the same codes).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from returns.entry_checks import CLOSED_AFTER_ASSESSMENT, started_during_another
from returns.year_end import ReturnWarning

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

    from returns.years import CollectionYear
    from workflow.calendar import WorkingDayCalendar

# Rule 8675Q: an enquiry that asked for a conference and began this many working days
# or more before the reference date should have one by then; rule 8670Q: an assessment,
# its authorisation.
_CONFERENCE_WORKING_DAYS = 15
_ASSESSMENT_WORKING_DAYS = 45


def _day(element: ET.Element, tag: str) -> date | None:
    text = element.findtext(tag)
    return date.fromisoformat(text) if text else None


def census_warnings(
    child: ET.Element, year: CollectionYear, calendar: WorkingDayCalendar
) -> list[ReturnWarning]:
    """The queries the census raises on `child` (its `Child` element) for `year`."""
    child_id = child.findtext("ChildIdentifiers/LAchildID") or ""
    found: list[ReturnWarning] = []
    # Counted as the validator counts them: the reference date is the first of the days.
    late_from = calendar.add_working_days(year.end, 1 - _CONFERENCE_WORKING_DAYS)
    unauthorised_from = calendar.add_working_days(year.end, 1 - _ASSESSMENT_WORKING_DAYS)
    for episode in child.iter("CINdetails"):
        referred = episode.findtext("CINreferralDate") or "?"
        assessments = [
            (started, _day(a, "AssessmentAuthorisationDate"))
            for a in episode.iter("Assessments")
            if (started := _day(a, "AssessmentActualStartDate")) is not None
        ]
        enquiries = list(episode.iter("Section47"))

        def warn(code: str, message: str, referred: str = referred) -> None:
            found.append(
                ReturnWarning(child_id, f"CIN {code}", f"episode referred {referred}: {message}")
            )

        if enquiries and not assessments:
            warn(
                "2991Q",
                "a section 47 enquiry is in the census and no assessment of the episode is"
                " (an assessment authorised before the year is in an earlier census): record"
                " the assessment if one ran in the year, else give the census the reason",
            )
        closure = episode.findtext("ReasonForClosure") or ""
        if closure in CLOSED_AFTER_ASSESSMENT and not assessments:
            warn(
                "8825Q",
                "closed after assessment (RC8 or RC9) with no assessment in the census (one"
                " authorised before the year is in an earlier census): give the census the"
                " reason, or correct the reason for closure",
            )
        for enquiry in enquiries:
            began = _day(enquiry, "S47ActualStartDate")
            asked = (enquiry.findtext("ICPCnotRequired") or "") in ("false", "0")
            if (
                asked
                and began is not None
                and began < late_from
                and not _day(enquiry, "DateOfInitialCPC")
            ):
                warn(
                    "8675Q",
                    f"the section 47 enquiry begun {began.isoformat()} asked for an initial"
                    f" conference, not held by {year.end.isoformat()}: record the conference"
                    " if it was held, else give the census the reason it is late",
                )
        for started, authorised in assessments:
            if authorised is None and started < unauthorised_from:
                warn(
                    "8670Q",
                    f"the assessment begun {started.isoformat()} was not authorised by"
                    f" {year.end.isoformat()}, 45 working days and more after it began: record"
                    " its authorisation if it was given, else give the census the reason",
                )
        conferences = {_day(enquiry, "DateOfInitialCPC") for enquiry in enquiries}
        for plan in episode.iter("ChildProtectionPlans"):
            began = _day(plan, "CPPstartDate")
            if began is None or not year.start <= began <= year.end:
                continue
            if enquiries and began not in conferences:
                warn(
                    "2885",
                    f"the child protection plan begun {began.isoformat()} has no initial"
                    " conference of the episode's section 47 enquiries on its day (a"
                    " transfer-in conference's plan, in an episode that also holds an"
                    " enquiry, is rejected): check the plan's and the conferences' days",
                )
        for started, other in started_during_another(assessments):
            warn(
                "8863Q",
                f"an assessment begun {started.isoformat()} while another, begun"
                f" {other.isoformat()}, was still going on: correct the days if either was"
                " recorded wrongly, else give the census the reason",
            )
    return found
