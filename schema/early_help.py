"""What the Early Help Module (EHM) knows about a child, as it shows on the child's record.

The records come in through `connectors/ehm` and are linked to the child there; here they
are read back in the shape a worker expects: each episode of early help with its
assessments and the team around the family. An assessment or a team whose episode EHM has
not sent (or that is linked to another child) still shows, under an episode that says it
was not received, so nothing EHM sent about the child is dropped from view.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from strawberry.types import Info

from resolvers import linking as linking_resolvers
from resolvers.context import HubContext

EPISODE = "EARLY_HELP_EPISODE"
ASSESSMENT = "EARLY_HELP_ASSESSMENT"
TEAM = "TEAM_AROUND_THE_FAMILY"


def day(value: Any) -> date | None:
    """A date from a record's details (JSON text keeps dates as ISO strings)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


@strawberry.type(description="An early help assessment (EHM)")
class EarlyHelpAssessment:
    record_id: str = strawberry.field(description="EHM's own id of the assessment")
    start_date: date
    completed_date: date | None
    outcome: str | None = strawberry.field(
        description="EARLY_HELP_PLAN, SINGLE_AGENCY_SUPPORT, REFER_TO_SOCIAL_CARE or "
        "NO_FURTHER_ACTION"
    )
    needs: list[str] = strawberry.field(description="The needs the assessment identified")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> EarlyHelpAssessment:
        details = row["details"]
        return cls(
            record_id=row["recordId"],
            start_date=row["startDate"],
            completed_date=day(details.get("completedDate")),
            outcome=details.get("outcome"),
            needs=list(details.get("needs") or []),
        )


@strawberry.type(description="The professionals working with the family (EHM)")
class TeamAroundTheFamily:
    record_id: str = strawberry.field(description="EHM's own id of the team")
    start_date: date
    end_date: date | None
    lead_professional: str | None
    members: list[str] = strawberry.field(description="The agencies and roles in the team")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> TeamAroundTheFamily:
        details = row["details"]
        return cls(
            record_id=row["recordId"],
            start_date=row["startDate"],
            end_date=row.get("endDate"),
            lead_professional=details.get("leadProfessional"),
            members=list(details.get("members") or []),
        )


@strawberry.type(description="An episode of early help (EHM), before or instead of social care")
class EarlyHelpEpisode:
    record_id: str = strawberry.field(description="EHM's own id of the episode")
    received: bool = strawberry.field(
        description="False while EHM has sent this episode's assessments or team but not the "
        "episode itself (its dates and outcome are then unknown)"
    )
    start_date: date | None
    end_date: date | None
    reason: str | None = strawberry.field(description="Why early help was offered")
    lead_professional: str | None
    closure_outcome: str | None = strawberry.field(
        description="NEEDS_MET, STEP_UP_TO_SOCIAL_CARE, FAMILY_DECLINED, MOVED_OUT_OF_AREA, "
        "NO_LONGER_ENGAGING or TRANSFERRED_TO_UNIVERSAL_SERVICES"
    )
    assessments: list[EarlyHelpAssessment]
    teams_around_the_family: list[TeamAroundTheFamily]


def early_help_episodes_of(records: list[dict[str, Any]]) -> list[EarlyHelpEpisode]:
    """The child's episodes of early help, latest first, each with its own records."""
    assessments: dict[str, list[EarlyHelpAssessment]] = {}
    teams: dict[str, list[TeamAroundTheFamily]] = {}
    for row in records:
        if row["kind"] == ASSESSMENT:
            episode_id = row["details"].get("episodeId", "")
            assessments.setdefault(episode_id, []).append(EarlyHelpAssessment.from_row(row))
        elif row["kind"] == TEAM:
            episode_id = row["details"].get("episodeId", "")
            teams.setdefault(episode_id, []).append(TeamAroundTheFamily.from_row(row))
    episodes = []
    for row in records:
        if row["kind"] != EPISODE:
            continue
        details = row["details"]
        episodes.append(
            EarlyHelpEpisode(
                record_id=row["recordId"],
                received=True,
                start_date=row["startDate"],
                end_date=row.get("endDate"),
                reason=details.get("reason"),
                lead_professional=details.get("leadProfessional"),
                closure_outcome=details.get("closureOutcome"),
                assessments=assessments.pop(row["recordId"], []),
                teams_around_the_family=teams.pop(row["recordId"], []),
            )
        )
    for episode_id in sorted(assessments.keys() | teams.keys()):
        episodes.append(
            EarlyHelpEpisode(
                record_id=episode_id,
                received=False,
                start_date=None,
                end_date=None,
                reason=None,
                lead_professional=None,
                closure_outcome=None,
                assessments=assessments.get(episode_id, []),
                teams_around_the_family=teams.get(episode_id, []),
            )
        )
    return episodes


async def early_help_episodes(root: Any, info: Info[HubContext, None]) -> list[EarlyHelpEpisode]:
    """Resolver of `Child.earlyHelpEpisodes`."""
    records = await linking_resolvers.source_records_loader(info.context).load(str(root.id))
    return early_help_episodes_of(records)
