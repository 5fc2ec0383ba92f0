"""The demo personas: one user per audience, each with a place in the demo county.

`lcs-hub token --as NAME` issues a token for one of them; the demo county gives the
internal ones their caseload and team, and the partners their force, trust or school.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Persona:
    """A demo user: the claims their token carries."""

    name: str
    subject: str
    display_name: str
    role: str
    agency: str
    team: str | None = None


LOCAL_AUTHORITY = "agency-la"
POLICE_FORCE = "agency-police"
HEALTH_TRUST = "agency-nhs"
DEMO_SCHOOL = "agency-school-01"
SAFEGUARDING_TEAM = "team-safeguarding-north"
FRONT_DOOR_TEAM = "team-front-door"
# Records management, performance and systems: the staff who keep the record itself.
BUSINESS_SUPPORT_TEAM = "team-business-support"

PERSONAS: tuple[Persona, ...] = (
    Persona(
        "social-worker",
        "worker-sw-demo",
        "Sam Patel",
        "social_worker",
        LOCAL_AUTHORITY,
        SAFEGUARDING_TEAM,
    ),
    Persona(
        "team-manager",
        "worker-tm-demo",
        "Alex Morgan",
        "team_manager",
        LOCAL_AUTHORITY,
        SAFEGUARDING_TEAM,
    ),
    Persona(
        "practitioner",
        "worker-cp-demo",
        "Jordan Ellis",
        "childrens_practitioner",
        LOCAL_AUTHORITY,
        SAFEGUARDING_TEAM,
    ),
    Persona(
        "records-officer",
        "worker-ro-demo",
        "Rita Okafor",
        "records_officer",
        LOCAL_AUTHORITY,
        BUSINESS_SUPPORT_TEAM,
    ),
    Persona(
        "analyst",
        "worker-pa-demo",
        "Dev Malhotra",
        "performance_analyst",
        LOCAL_AUTHORITY,
        BUSINESS_SUPPORT_TEAM,
    ),
    Persona(
        "administrator",
        "worker-admin-demo",
        "Jamie Fox",
        "system_administrator",
        LOCAL_AUTHORITY,
        BUSINESS_SUPPORT_TEAM,
    ),
    # The Early Help Module's own account: it pushes EHM records to /ingest/ehm and reads
    # how each was linked (sourceRecord), and sees no child's record.
    Persona(
        "ehm-system",
        "system-ehm-demo",
        "Early Help Module",
        "system_client",
        LOCAL_AUTHORITY,
        BUSINESS_SUPPORT_TEAM,
    ),
    Persona("police", "partner-police-demo", "DC Jo Reid", "police_officer", POLICE_FORCE),
    Persona("health", "partner-health-demo", "Dr Priya Shah", "health_practitioner", HEALTH_TRUST),
    Persona(
        "education",
        "partner-education-demo",
        "Chris Lee",
        "education_safeguarding_lead",
        DEMO_SCHOOL,
    ),
)

BY_NAME = {persona.name: persona for persona in PERSONAS}
