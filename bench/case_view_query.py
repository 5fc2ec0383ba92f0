"""The case view every benchmark requests, and the children it is requested for.

One query for all of them (in process, over HTTP, against the naive server and the
policy floor), so their figures are about the same work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.hub_request import staff
from demo import personas

if TYPE_CHECKING:
    from graph import GraphStore

# The internal case view issue 14 names: the child, the household and its members,
# the episodes of need with the due dates of their processes, the 20 newest notes with
# their authors, and the file with the documents in each folder.
CASE_VIEW = """
query CaseView($id: ID!) {
  child(id: $id) {
    id givenName familyName dateOfBirth nhsNumber
    address { line1 town postcode }
    family { name members { householdRole person { id givenName kind } } }
    relationships { type person { id givenName } }
    allocatedWorker { name team }
    contacts { id status outcome receivedDate decisionDue }
    cases {
      id status referralDate decisionDue closureDate
      assessments { id status startDate dueDate completedDate }
      section47Enquiries { id status strategyDiscussionDate initialConferenceTarget }
      initialConferences { id status dueDate heldDate }
      childProtectionPlans { id status startDate endDate }
      childInNeedPlans { id status startDate endDate }
    }
    caseNotes(latest: 20) { type text occurredAt author }
    file { id folders { key name documents { id title createdAt latestVersion } } }
  }
}
"""

# The case view asking for every note: round trips must stay flat however long the list.
CASE_VIEW_EVERY_NOTE = CASE_VIEW.replace("caseNotes(latest: 20)", "caseNotes")

# The demo's allocated social worker, whose caseload the case views are of.
SOCIAL_WORKER = staff("worker-sw-demo", "social_worker", personas.SAFEGUARDING_TEAM)


async def caseload(store: GraphStore) -> list[str]:
    """The demo social worker's children: the case views the benchmarks request."""
    rows = await store.read(
        "MATCH (:Worker {id: $worker})<-[:ALLOCATED_TO]-(c:Child) RETURN c.id AS id ORDER BY id",
        {"worker": SOCIAL_WORKER.subject},
    )
    return [row["id"] for row in rows]
