"""The field policy: one declaration per field of every GraphQL type, in one table.

Each entry says which audiences' schemas contain the field and, for internal staff,
which capability reading it needs. The same entry drives the audience schemas (a field
an audience may not see does not exist in its schema), the run-time check for internal
roles, and the federation `@tag`s a gateway builds its partner contracts from.
A type or field the table does not name cannot be served: a test walks the schema
and fails on any field without a declaration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from auth.capabilities import Capability
from auth.principal import Audience


@dataclass(frozen=True, slots=True)
class FieldPolicy:
    """Who may see one field."""

    audiences: frozenset[Audience]
    capability: Capability | None = None  # what an internal role needs to read it

    def visible_to(self, audience: Audience) -> bool:
        return audience in self.audiences

    def tags(self) -> tuple[str, ...]:
        """Federation tags a gateway contract excludes per partner audience."""
        return tuple(
            f"hidden-from-{audience.value}"
            for audience in Audience
            if audience is not Audience.INTERNAL and audience not in self.audiences
        )


def _for(*audiences: Audience, capability: Capability | None = None) -> FieldPolicy:
    return FieldPolicy(frozenset({Audience.INTERNAL, *audiences}), capability)


INTERNAL: Final = _for()
NARRATIVE: Final = _for(capability=Capability.READ_CASE_NOTES)
EVERYONE: Final = _for(Audience.POLICE, Audience.HEALTH, Audience.EDUCATION)
POLICE_EDUCATION: Final = _for(Audience.POLICE, Audience.EDUCATION)
POLICE_ONLY: Final = _for(Audience.POLICE)
EDUCATION_ONLY: Final = _for(Audience.EDUCATION)
HEALTH_ONLY: Final = _for(Audience.HEALTH)


# Every record of an episode of need (schema/journey_types.py EpisodeRecord) has these.
_EPISODE_RECORD_FIELDS: Final = (
    "id",
    "caseId",
    "childId",
    "version",
    "awaitingAuthorisationOf",
    "allowedActions",
    "recordedBy",
    "recordedAt",
    "steps",
)

# Type name -> field name (as in GraphQL) -> policy. Internal is the default a reviewer
# sees written out: sharing with a partner is always an explicit entry.
_TABLE: dict[str, dict[str, FieldPolicy]] = {
    # ---- roots -------------------------------------------------------------------
    "Query": {
        # Federation is the gateway's and internal staff's: partner schemas are not
        # subgraphs, so no partner can resolve a reference around its own dataset.
        "_entities": INTERNAL,
        "_service": INTERNAL,
        "me": EVERYONE,
        "child": INTERNAL,
        "searchChildren": INTERNAL,
        "accessTrail": INTERNAL,
        # Each partner's own dataset root (graph/cypher/partners.py holds the row rules).
        "enquiryChildren": POLICE_ONLY,
        "myPupils": EDUCATION_ONLY,
        "cpisRecord": HEALTH_ONLY,
        "cpisLookup": HEALTH_ONLY,
        "myPartnerAccessNotices": INTERNAL,
        # ---- Livelink records ----
        "documentContent": INTERNAL,
        "disposalReviewList": INTERNAL,
        "outboxItems": INTERNAL,
        "outboxBacklog": INTERNAL,
        # ---- the case journey ----
        "myWork": INTERNAL,
        "teamWork": INTERNAL,
        "case": INTERNAL,
        "asAt": INTERNAL,
        "periodOfCare": INTERNAL,
        "adoptionPlan": INTERNAL,
        "fosteringHouseholds": INTERNAL,
        # ---- EHM and IES records and their links (resolvers/linking.py checks roles) ----
        "sourceRecord": INTERNAL,
        "childSourceRecords": INTERNAL,
        "suspectedDuplicateChildren": INTERNAL,
        "sourceRecordCandidates": INTERNAL,
        "linkReviewQueue": INTERNAL,
    },
    "Mutation": {
        "linkSourceRecord": INTERNAL,
        "linkSourceRecordToNewChild": INTERNAL,
        "unlinkSourceRecord": INTERNAL,
        "recordContact": INTERNAL,
        "finaliseContact": INTERNAL,
        "addCaseNote": INTERNAL,
        "editCaseNoteDraft": INTERNAL,
        "finaliseCaseNote": INTERNAL,
        "correctCaseNote": INTERNAL,
        "grantRecordAccess": INTERNAL,
        "restrictRecord": INTERNAL,
        "recordTrainingCompletion": INTERNAL,
        "importTrainingMatrix": INTERNAL,
        "openMultiAgencyEnquiry": INTERNAL,
        "closeMultiAgencyEnquiry": INTERNAL,
        # ---- Livelink records ----
        "generateForm": INTERNAL,
        "recomputeRetention": INTERNAL,
        "applyHold": INTERNAL,
        "holdByQuery": INTERNAL,
        "liftHold": INTERNAL,
        "disposeFile": INTERNAL,
        "replayOutboxItem": INTERNAL,
        "replayFailedOutboxItems": INTERNAL,
        # ---- the case journey ----
        "decideReferral": INTERNAL,
        "closeWithNoFurtherAction": INTERNAL,
        "startAssessment": INTERNAL,
        "holdStrategyDiscussion": INTERNAL,
        "holdTransferInConference": INTERNAL,
        "startChildInNeedPlan": INTERNAL,
        "closeCase": INTERNAL,
        "correctContactOutcome": INTERNAL,
        "withdrawContact": INTERNAL,
        "moveContact": INTERNAL,
        "reopenCase": INTERNAL,
        "withdrawReferral": INTERNAL,
        "correctReferralDate": INTERNAL,
        "correctReferralDecisionDate": INTERNAL,
        "recordDecisionLateReason": INTERNAL,
        "completeAssessment": INTERNAL,
        "withdrawAssessment": INTERNAL,
        "requestInitialConference": INTERNAL,
        "concludeEnquiryWithoutConference": INTERNAL,
        "withdrawSection47Enquiry": INTERNAL,
        "correctStrategyDiscussionDate": INTERNAL,
        "holdInitialConference": INTERNAL,
        "withdrawInitialConference": INTERNAL,
        "correctInitialConferenceDate": INTERNAL,
        "holdReviewConference": INTERNAL,
        "holdCoreGroup": INTERNAL,
        "recordChildProtectionVisit": INTERNAL,
        "endChildProtectionPlan": INTERNAL,
        "correctChildProtectionStepDate": INTERNAL,
        "correctChildInNeedStepDate": INTERNAL,
        "withdrawChildProtectionStep": INTERNAL,
        "withdrawChildInNeedStep": INTERNAL,
        "correctCareStepDate": INTERNAL,
        "correctEpisodeStart": INTERNAL,
        "correctAssessmentDates": INTERNAL,
        "correctChildProtectionPlanEnd": INTERNAL,
        "correctEndOfCare": INTERNAL,
        "correctChildInNeedPlanDates": INTERNAL,
        "withdrawCareStep": INTERNAL,
        "recordLateReason": INTERNAL,
        "correctMissingEpisode": INTERNAL,
        "reviewChildInNeedPlan": INTERNAL,
        "recordChildInNeedVisit": INTERNAL,
        "endChildInNeedPlan": INTERNAL,
        "withdrawChildInNeedPlan": INTERNAL,
        "authoriseAssessment": INTERNAL,
        "returnAssessmentForRework": INTERNAL,
        "authoriseSection47Enquiry": INTERNAL,
        "returnSection47EnquiryForRework": INTERNAL,
        "authoriseChildInNeedPlan": INTERNAL,
        "returnChildInNeedPlanForRework": INTERNAL,
        "authoriseInitialConference": INTERNAL,
        "returnInitialConferenceForRework": INTERNAL,
        "changePlacement": INTERNAL,
        "correctPlacement": INTERNAL,
        "correctLegalStatus": INTERNAL,
        "changeLegalStatus": INTERNAL,
        "holdLookedAfterReview": INTERNAL,
        "recordStatutoryVisit": INTERNAL,
        "recordHealthAssessment": INTERNAL,
        "recordPersonalEducationPlan": INTERNAL,
        "recordMissingEpisode": INTERNAL,
        "recordReturnHomeInterview": INTERNAL,
        "ceaseLookedAfter": INTERNAL,
        "recordPathwayPlan": INTERNAL,
        "recordCareLeaverContact": INTERNAL,
        "endLeavingCareServices": INTERNAL,
        "startLookedAfter": INTERNAL,
        "authoriseCase": INTERNAL,
        "returnCaseForRework": INTERNAL,
        "authorisePeriodOfCare": INTERNAL,
        "returnPeriodOfCareForRework": INTERNAL,
        "acknowledgeNotice": INTERNAL,
        "decideAdoption": INTERNAL,
        "recordPlacementOrder": INTERNAL,
        "matchWithAdopters": INTERNAL,
        "placeForAdoption": INTERNAL,
        "grantAdoptionOrder": INTERNAL,
        "ceaseAdoptionPlan": INTERNAL,
        "correctAdoptionPlanDate": INTERNAL,
        "withdrawAdoptionPlan": INTERNAL,
        "authoriseAdoptionPlan": INTERNAL,
        "returnAdoptionPlanForRework": INTERNAL,
        "approveFosteringHousehold": INTERNAL,
        "endFosteringApproval": INTERNAL,
        "recordShortBreak": INTERNAL,
    },
    # ---- the caller ----------------------------------------------------------------
    "Me": {
        name: EVERYONE
        for name in ("id", "name", "role", "audience", "agencyId", "teamId", "purpose")
    },
    # ---- the child and the people around them --------------------------------------
    "Child": {
        "id": EVERYONE,
        "givenName": POLICE_EDUCATION,
        "familyName": POLICE_EDUCATION,
        "dateOfBirth": POLICE_EDUCATION,
        "expectedDateOfBirth": INTERNAL,
        "unborn": INTERNAL,
        "sex": POLICE_EDUCATION,
        "ethnicity": INTERNAL,
        "nhsNumber": INTERNAL,
        "upn": EDUCATION_ONLY,
        "openEpisodes": POLICE_EDUCATION,
        "personalEducationPlan": EDUCATION_ONLY,
        "address": POLICE_ONLY,
        "family": POLICE_ONLY,
        "relationships": INTERNAL,
        "allocatedWorker": POLICE_EDUCATION,
        "school": INTERNAL,
        "involvements": INTERNAL,
        "contacts": INTERNAL,
        "caseNotes": NARRATIVE,
        "file": INTERNAL,
        "files": INTERNAL,
        # ---- the case journey ----
        "cases": INTERNAL,
        "periodsOfCare": INTERNAL,
        "adoptionPlans": INTERNAL,
        "shortBreaks": INTERNAL,
        "childProtectionPlan": INTERNAL,
        "chronology": NARRATIVE,
        "singleServiceRequests": INTERNAL,
        "earlyHelpRequests": INTERNAL,
    },
    "EarlyHelpRequest": dict.fromkeys(
        [
            "id",
            "origin",
            "originId",
            "reasonCode",
            "reasonDescription",
            "happenedOn",
            "requestedBy",
            "recordedAt",
            "deliveryState",
            "ehmReference",
            "recall",
        ],
        INTERNAL,
    ),
    "EarlyHelpRecall": {
        **dict.fromkeys(
            ["recalledOn", "recalledBy", "recalledAt", "deliveryState", "ehmReference"], INTERNAL
        ),
        # The manager's reason for withdrawing, correcting or reopening the record the step
        # down came of: narrative there (ContactWithdrawal, CaseReopening), so here too.
        "reason": NARRATIVE,
    },
    # ---- education: Single Service Requests from IES -------------------------------
    "SingleServiceRequest": {
        **dict.fromkeys(
            [
                "id",
                "recordId",
                "version",
                "schoolUrn",
                "status",
                "requestedOn",
                "finalisedOn",
            ],
            INTERNAL,
        ),
        # What the school reported is narrative, as a contact's summary is.
        "summary": NARRATIVE,
    },
    "Person": {
        "id": POLICE_ONLY,
        "givenName": POLICE_ONLY,
        "familyName": POLICE_ONLY,
        "dateOfBirth": POLICE_ONLY,
        "unborn": INTERNAL,
        "kind": POLICE_ONLY,
    },
    "Family": {"id": POLICE_ONLY, "name": POLICE_ONLY, "members": POLICE_ONLY},
    "FamilyMember": {"person": POLICE_ONLY, "householdRole": POLICE_ONLY},
    "Relationship": {"type": INTERNAL, "person": INTERNAL},
    "Address": {
        "id": POLICE_ONLY,
        "line1": POLICE_ONLY,
        "line2": POLICE_ONLY,
        "town": POLICE_ONLY,
        "postcode": POLICE_ONLY,
    },
    "Worker": {
        "id": INTERNAL,
        "name": POLICE_EDUCATION,
        "role": POLICE_EDUCATION,
        "team": POLICE_EDUCATION,
        "email": POLICE_EDUCATION,
        "phone": POLICE_EDUCATION,
    },
    "Agency": {"id": INTERNAL, "name": INTERNAL, "kind": INTERNAL, "phone": INTERNAL},
    "Involvement": {
        name: INTERNAL for name in ("id", "role", "worker", "agency", "startDate", "endDate")
    },
    # ---- the front door ------------------------------------------------------------
    "Contact": {
        # What was reported is case narrative (the performance analyst counts contacts
        # but does not read them), and so is why its decision was late.
        "summary": NARRATIVE,
        "decisionLateReason": NARRATIVE,
        **{
            name: INTERNAL
            for name in (
                "id",
                "childId",
                "receivedDate",
                "source",
                "status",
                "outcome",
                "decisionDue",
                "decisionDate",
                "recordedAt",
                "recordedBy",
                "finalisedAt",
                "finalisedBy",
                "referralId",
                "version",
                "outcomeCorrection",
                "withdrawal",
                "move",
                "reopened",
                "steppedUpFrom",
                "earlyHelpHistory",
            )
        },
    },
    "ContactOutcomeCorrection": {
        "reason": NARRATIVE,
        **dict.fromkeys(["previousOutcome", "correctedBy", "correctedAt"], INTERNAL),
    },
    "ContactMove": {
        "reason": NARRATIVE,
        **dict.fromkeys(["movedBy", "movedAt"], INTERNAL),
    },
    "ContactWithdrawal": {
        "reason": NARRATIVE,
        **dict.fromkeys(["withdrawnBy", "withdrawnAt"], INTERNAL),
    },
    "ContactReopening": {
        "withdrawnReason": NARRATIVE,
        **dict.fromkeys(["withdrawnBy", "withdrawnAt", "reopenedBy", "reopenedAt"], INTERNAL),
    },
    # What early help found is narrative, as on the record itself (SourceRecord.details).
    "EarlyHelpHistoryEntry": {
        **dict.fromkeys(["kind", "recordId", "version", "startDate", "endDate"], INTERNAL),
        "details": NARRATIVE,
    },
    "FinalisedContact": {
        "contact": INTERNAL,
        "fileOpened": INTERNAL,
        "joinedOpenEpisode": INTERNAL,
    },
    "CaseNote": {
        name: INTERNAL
        for name in (
            "id",
            "type",
            "text",
            "occurredAt",
            "recordedAt",
            "status",
            "author",
            "version",
            # ---- the case journey ----
            "revision",
            "episodeId",
            "current",
            "previousVersionId",
            "supersededById",
            "finalisedAt",
            "versions",
        )
    }
    # A case note is narrative (Child.caseNotes); why one was corrected is too.
    | {"correctionReason": NARRATIVE},
    # ---- Livelink ------------------------------------------------------------------
    "LivelinkFile": {
        name: INTERNAL
        for name in (
            "id",
            "createdAt",
            "openedBy",
            "folders",
            "filingState",
            "retention",
            "disposedAt",
            "documents",
            "holds",
        )
    },
    "Folder": {"id": INTERNAL, "key": INTERNAL, "name": INTERNAL, "documents": INTERNAL},
    # ---- Livelink records ----
    **{
        type_name: dict.fromkeys(spelled.split(), INTERNAL)
        for type_name, spelled in {
            "Document": (
                "id title templateKey folderKey recordClass sourceId createdAt latestVersion"
                " versions misfiled misfiledBefore childId"
            ),
            "Misfiling": "at byName reason",
            "PastMisfiling": "at byName reason endedAt endedByName",
            "DocumentVersion": (
                "id version checksumPdf checksumHtml sizePdf generatedAt generatedBy templateKey"
                " folderKey recordClass filename filingState filingAttempts filingError"
                " outboxItemId remoteNodeId remoteVersion disposedAt"
            ),
            "Retention": "retainUntil rule citation recordClasses missing computedAt",
            "HoldOnFile": (
                "key active standing appliedVia appliedAt appliedBy liftedAt liftedBy filingState"
            ),
            "GeneratedForm": "document version fileOpened",
            "DocumentContent": (
                "versionId filename mimeType checksumSha256 sizeBytes contentBase64"
            ),
            "RetentionRecomputed": (
                "fileId retainUntil rule citation recordClasses missing holdsApplied"
            ),
            "HoldChanged": "key fileIds",
            "DisposalReviewEntry": (
                "fileId childId childName retainUntil rule citation recordClasses"
            ),
            "DisposalReview": "asOf files",
            "FileDisposed": (
                "recordId fileId childId disposedAt disposedBy reason retainUntil rule"
            ),
            "OutboxItem": "id kind state attempts lastError createdAt nextAttemptAt leasedUntil",
            "OutboxItemList": "items",
            "OutboxReplayed": "replayed",
            "OutboxBacklog": "pending failed oldestQueuedAt oldestAgeSeconds alert",
            "RecordsAlert": "kind since items detail",
        }.items()
    },
    # ---- access control ---------------------------------------------------------
    "AccessEvent": {
        name: INTERNAL
        for name in (
            "id",
            "at",
            "subject",
            "subjectName",
            "agency",
            "audience",
            "role",
            "purpose",
            "operation",
            "fields",
        )
    },
    "AccessTrail": {"childId": INTERNAL, "events": INTERNAL},
    "PartnerAccessNotice": {
        name: INTERNAL
        for name in (
            "id",
            "at",
            "childId",
            "childName",
            "audience",
            "agency",
            "reader",
            "purpose",
            "acknowledged",
        )
    },
    "AccessGrant": {
        name: INTERNAL
        for name in ("id", "workerId", "expiresAt", "reason", "grantedBy", "grantedAt")
    },
    "RecordRestriction": {"childId": INTERNAL, "restricted": INTERNAL},
    "TrainingCompletion": {"workerId": INTERNAL, "module": INTERNAL},
    "TrainingMatrixImported": {"requirements": INTERNAL},
    # ---- partner datasets -----------------------------------------------------------
    "CpisRecord": {
        "nhsNumber": HEALTH_ONLY,
        "plans": HEALTH_ONLY,
        "responsibleAuthority": HEALTH_ONLY,
    },
    "NoCpisRecord": {"nhsNumber": HEALTH_ONLY},
    "CpisPlan": {"type": HEALTH_ONLY, "startDate": HEALTH_ONLY, "endDate": HEALTH_ONLY},
    "ResponsibleAuthority": {
        "name": HEALTH_ONLY,
        "officeHoursPhone": HEALTH_ONLY,
        "outOfHoursPhone": HEALTH_ONLY,
    },
    "PersonalEducationPlanStatus": {
        "inPlace": EDUCATION_ONLY,
        "lastCompleted": EDUCATION_ONLY,
        "nextDue": EDUCATION_ONLY,
        "overdue": EDUCATION_ONLY,
    },
    "MultiAgencyEnquiry": {"id": INTERNAL, "parties": INTERNAL},
    "ClosedEnquiry": {"id": INTERNAL},
    # ---- the case journey ----
    "JourneyStep": {
        name: INTERNAL
        for name in (
            "id",
            "kind",
            "status",
            "startDate",
            "dueDate",
            "dueRule",
            "dueRuleName",
            "overdue",
            "completedDate",
            "completedLate",
            "authorisedDate",
            "outcome",
            "factors",
            "initialCategoriesOfAbuse",
            "latestCategoriesOfAbuse",
            "seenAlone",
            "legalStatus",
            "placementType",
            "placementProvider",
            "reasonNewEpisode",
            "reasonEpisodeCeased",
            "reasonPlaceChange",
            "participation",
            "missingType",
            "inTouch",
            "activity",
            "accommodation",
            "recordedBy",
            "recordedAt",
        )
    },
    "Case": {
        name: INTERNAL
        for name in (
            "id",
            "childId",
            "status",
            "version",
            "referralDate",
            "referralSource",
            "primaryNeed",
            "decisionDue",
            "decisionDate",
            "closureDate",
            "closureReason",
            "noFurtherAction",
            "awaitingAuthorisationOf",
            "reopened",
            "referralDateCorrection",
            "decisionAuthorisedOn",
            "decisionDateCorrection",
            "withdrawal",
            "allowedActions",
            "recordedBy",
            "recordedAt",
            "steps",
            "assessments",
            "section47Enquiries",
            "initialConferences",
            "childProtectionPlans",
            "childInNeedPlans",
        )
    },
    **{
        type_name: {
            **{name: INTERNAL for name in (*_EPISODE_RECORD_FIELDS, *own)},
            # Why it was withdrawn in error: free text naming people (the wrong child).
            "withdrawnReason": NARRATIVE,
        }
        for type_name, own in {
            "Assessment": (
                "status",
                "startDate",
                "dueDate",
                "completedDate",
                "authorisedDate",
                "factors",
            ),
            "Section47Enquiry": (
                "status",
                "strategyDiscussionDate",
                "initialConferenceTarget",
                "endDate",
                "conferenceRequired",
            ),
            "InitialChildProtectionConference": (
                "status",
                "dueDate",
                "heldDate",
                "transferIn",
                "notifiedDate",
                "section47EnquiryId",
            ),
            "ChildProtectionPlan": (
                "status",
                "startDate",
                "endDate",
                "endReason",
                "transferIn",
                "conferenceId",
                "initialCategoriesOfAbuse",
                "latestCategoriesOfAbuse",
                "reviewDates",
            ),
            "ChildInNeedPlan": ("status", "startDate", "endDate"),
        }.items()
    },
    # Why a closure was reopened, or a referral's day corrected: narrative, as a contact's.
    "CaseReopening": {
        **{
            name: INTERNAL
            for name in (
                "closureDate",
                "closureReason",
                "noFurtherAction",
                "reopenedOn",
                "reopenedBy",
                "reopenedAt",
            )
        },
        "reason": NARRATIVE,
    },
    "ReferralDateCorrection": {
        **{name: INTERNAL for name in ("previousDate", "correctedBy", "correctedAt")},
        "reason": NARRATIVE,
    },
    "ReferralWithdrawal": {
        **{name: INTERNAL for name in ("withdrawnOn", "withdrawnBy", "withdrawnAt")},
        "reason": NARRATIVE,
    },
    "AsAt": {
        name: INTERNAL
        for name in (
            "on",
            "openEpisodes",
            "childProtectionPlans",
            "childInNeedPlans",
            "lookedAfter",
        )
    },
    "AsAtCategory": {"count": INTERNAL, "children": INTERNAL},
    "AsAtChild": {"childId": INTERNAL, "name": INTERNAL},
    "PeriodOfCare": {
        name: INTERNAL
        for name in (
            "id",
            "childId",
            "status",
            "version",
            "startDate",
            "endDate",
            "reasonCeased",
            "legalStatus",
            "placementType",
            "awaitingAuthorisationOf",
            "allowedActions",
            "recordedBy",
            "recordedAt",
            "steps",
        )
    },
    "AdoptionPlan": {
        name: INTERNAL
        for name in (
            "id",
            "childId",
            "periodOfCareId",
            "status",
            "version",
            "decisionDate",
            "placementOrderDate",
            "matchedDate",
            "placedDate",
            "adoptionOrderDate",
            "ceasedDate",
            "ceasedReason",
            "adopterSex",
            "numberOfAdopters",
            "adoptedByFosterCarer",
            "awaitingAuthorisationOf",
            "allowedActions",
        )
    },
    "FosteringHousehold": {
        name: INTERNAL
        for name in (
            "id",
            "name",
            "approvalType",
            "capacity",
            "status",
            "version",
            "approvedOn",
            "endedOn",
            "endReason",
        )
    },
    "ShortBreak": {
        name: INTERNAL
        for name in (
            "id",
            "childId",
            "legalStatus",
            "startDate",
            "endDate",
            "placementType",
            "placementProvider",
            "householdId",
            "householdName",
        )
    },
    "ChildProtectionPlanDates": {
        name: INTERNAL
        for name in (
            "startDate",
            "endDate",
        )
    },
    "WorkItem": {
        name: INTERNAL
        for name in (
            "childId",
            "childName",
            "workerId",
            "workerName",
            "recordId",
            "process",
            "stepId",
            "kind",
            "awaitingAction",
            "dueDate",
            "rule",
            "ruleName",
            "overdue",
            "workingDaysLeft",
        )
    },
    "Caseload": {
        name: INTERNAL
        for name in (
            "workerId",
            "workerName",
            "children",
            "overdue",
            "dueSoon",
            "awaitingAuthorisation",
        )
    },
    "WorkNotice": {
        name: INTERNAL
        for name in (
            "id",
            "kind",
            "at",
            "childId",
            "childName",
            "detail",
            "acknowledged",
        )
    },
    "MyWork": {
        name: INTERNAL
        for name in (
            "items",
            "notices",
            "caseload",
            "recordsAlerts",
        )
    },
    "TeamWork": {
        name: INTERNAL
        for name in (
            "teamId",
            "caseloads",
            "items",
        )
    },
    "ChronologyEntry": {
        name: INTERNAL
        for name in (
            "on",
            "at",
            "kind",
            "title",
            "detail",
            "recordId",
        )
    },
    # ---- EHM and IES records and their links ---------------------------------------
    "SourceRecord": {
        **dict.fromkeys(
            [
                "id",
                "source",
                "kind",
                "recordId",
                "version",
                "startDate",
                "endDate",
                "givenName",
                "familyName",
                "dateOfBirth",
                "postcode",
                "nhsNumber",
                "upn",
                "linkState",
                "candidateChildIds",
                "hiddenCandidates",
                "link",
                "history",
                "childId",
            ],
            INTERNAL,
        ),
        # What an early help assessment found, why a school asked for help: narrative.
        "details": NARRATIVE,
        # Why a person linked the record to a child or took it off one ("the wrong child
        # was picked: this is her brother"), or why the source withdrew it: narrative.
        "linkReason": NARRATIVE,
    },
    **{
        type_name: dict.fromkeys(fields.split(), INTERNAL)
        for type_name, fields in {
            "RecordLink": "childId rule score linkedBy linkedAt",
            # `reason` is written by a person, as SourceRecord.linkReason is (below).
            "LinkEvent": "action rule score childId by at",
            "RecordDetail": "name value",
            "FieldAgreement": "field level",
            "LinkCandidate": "childId givenName familyName dateOfBirth score rule agreement",
            "RecordCandidates": "record decision reason candidates",
            "LinkReviewQueue": "records",
            "PossibleDuplicates": "reason candidates hiddenMatches",
            "DuplicateCandidate": "childId givenName familyName dateOfBirth score rule",
            "SuspectedDuplicate": "first second score rule agreement",
            "SuspectedDuplicateList": "pairs",
        }.items()
    },
    # ---- expected outcomes ---------------------------------------------------------
    # Police and schools reach these only through their own Operation Encompass mutations
    # (a partner schema has no other mutation); they name no record a partner cannot see.
    "NotFound": {"kind": POLICE_EDUCATION, "id": POLICE_EDUCATION},
    "TransitionRefused": {
        "currentState": INTERNAL,
        "allowedNextSteps": INTERNAL,
        "reason": INTERNAL,
    },
    "NotAuthorised": {
        "reason": POLICE_EDUCATION,
        "missingTrainingModules": POLICE_EDUCATION,
    },
    # Health reaches these through `cpisLookup` (a mistyped NHS number).
    "FieldProblem": {"field": EVERYONE, "rule": EVERYONE},
    "InvalidInput": {"problems": EVERYONE},
}

# Why a file is held, or a hold lifted, is a records officer's free text on the child's
# file ("a claim by the mother's solicitor", "misfiled: her brother's"): narrative, read
# with the case-notes capability (records officers hold it), not by whoever sees the file.
_TABLE["HoldOnFile"].update(reason=NARRATIVE, liftReason=NARRATIVE)

# ---- the workforce and allocations (schema/workforce.py) -----------------------------
# Declared apart so each area's entries merge without touching another's.
_TABLE["Query"].update(
    dict.fromkeys(("teams", "worker", "allocations", "unallocatedChildren"), INTERNAL)
)
_TABLE["TeamWork"]["unallocatedChildren"] = INTERNAL
_TABLE["MyWork"]["allocatedChildren"] = INTERNAL
# The DfE rules a saved record breaks (issue 9, checks at the point of entry): staff only.
_TABLE["DataWarning"] = dict.fromkeys(
    (
        "code",
        "field",
        "message",
        "childId",
        "childName",
        "recordId",
        "recordedBy",
        "recordedAt",
    ),
    INTERNAL,
)
for _owner in ("Case", "PeriodOfCare"):
    _TABLE[_owner]["warnings"] = INTERNAL
_TABLE["MyWork"]["dataWarnings"] = INTERNAL
_TABLE["TeamWork"]["dataWarnings"] = INTERNAL
_TABLE["Mutation"].update(
    dict.fromkeys(
        (
            "saveAgency",
            "saveTeam",
            "saveWorker",
            "importWorkforce",
            "allocateChild",
            "correctAllocation",
            "endAllocation",
        ),
        INTERNAL,
    )
)
_TABLE.update(
    {
        type_name: dict.fromkeys(fields, INTERNAL)
        for type_name, fields in {
            "StaffMember": (
                "id",
                "name",
                "role",
                "teamId",
                "teamName",
                "managerId",
                "managerName",
                "email",
                "phone",
                "registrationNumber",
                "startDate",
                "endDate",
                "recordedBy",
                "recordedAt",
            ),
            "Team": ("id", "name", "agencyId", "members"),
            "SavedAgency": ("id", "name", "kind", "phone", "outOfHoursPhone"),
            "Allocation": (
                "id",
                "childId",
                "workerId",
                "workerName",
                "teamId",
                "startDate",
                "endDate",
                "reasonForChange",
                "recordedBy",
                "recordedAt",
                "endedBy",
                "endedAt",
                "correction",
                "startCorrection",
            ),
            "UnallocatedChild": ("childId", "childName", "lastAllocatedUntil", "workerLeftOn"),
            "AllocatedChild": ("childId", "childName", "allocatedOn", "reasonForChange"),
            "ImportProblem": ("line", "field", "reason"),
            "WorkforceImported": ("created", "updated", "unchanged", "teamsCreated", "problems"),
        }.items()
    }
)

# Why an allocation was made to the wrong worker is a manager's free text.
_TABLE["AllocationCorrection"] = {
    "reason": NARRATIVE,
    **dict.fromkeys(
        ("previousWorkerId", "previousWorkerName", "correctedBy", "correctedAt"), INTERNAL
    ),
}
_TABLE["AllocationStartCorrection"] = {
    "reason": NARRATIVE,
    **dict.fromkeys(("startedFrom", "correctedBy", "correctedAt"), INTERNAL),
}

# ---- the statutory facts about a child (schema/facts.py) ------------------------------
_TABLE["Query"]["childFacts"] = INTERNAL
_TABLE["Mutation"].update(
    dict.fromkeys(
        (
            "recordHomePostcode",
            "recordDisabilities",
            "recordUascStatus",
            "recordUpnUnknown",
            "recordBirth",
            "recordPreviousChildProtectionPlans",
            "recordPreviousPermanence",
            "recordDentalCheck",
            "recordImmunisations",
            "recordDevelopmentCheck",
            "recordSdq",
            "recordConviction",
            "recordSubstanceMisuse",
            "recordMotherhood",
            "recordEthnicity",
            "recordSex",
            "recordDeprivationOfLiberty",
            "recordDateOfBirth",
        ),
        INTERNAL,
    )
)
_TABLE["ChildFact"] = dict.fromkeys(
    (
        "id",
        "childId",
        "factKind",
        "on",
        "recordedBy",
        "recordedAt",
        "postcode",
        "disabilities",
        "ceasedOn",
        "upnUnknownReason",
        "sex",
        "numberOfPlans",
        "permanence",
        "localAuthority",
        "orderDate",
        "orderDateKnown",
        "upToDate",
        "sdqScore",
        "sdqReason",
        "interventionOffered",
        "interventionReceived",
        "babyBornOn",
        "ethnicity",
        "previousEthnicity",
        "previousSex",
        "dateOfBirth",
        "previousDateOfBirth",
    ),
    INTERNAL,
)

# A previous permanence order's date known in part (SSDA903 DATE_PERM with ZZ).
_TABLE["PartialDate"] = dict.fromkeys(("year", "month", "day"), INTERNAL)

# ---- placement details and adopters' legal status (SSDA903 PL_POST, URN, LS_ADOPTR) ----
_TABLE["JourneyStep"].update(dict.fromkeys(("placementPostcode", "urn"), INTERNAL))
_TABLE["JourneyStep"].update(
    dict.fromkeys(("correctedFrom", "correctedBy", "correctedAt"), INTERNAL),
    correctionReason=NARRATIVE,
)
_TABLE["JourneyStep"].update(
    dict.fromkeys(("lateReasonRecordedBy", "lateReasonRecordedAt"), INTERNAL)
)
# An episode's legal status corrected as entered; why is a worker's free text.
_TABLE["JourneyStep"]["legalStatusCorrection"] = INTERNAL
_TABLE["LegalStatusCorrection"] = {
    "reason": NARRATIVE,
    **dict.fromkeys(("correctedFrom", "correctedBy", "correctedAt"), INTERNAL),
}
# A held step withdrawn as recorded in error; why is a worker's free text.
_TABLE["JourneyStep"].update(
    dict.fromkeys(("withdrawnBy", "withdrawnAt"), INTERNAL), withdrawnReason=NARRATIVE
)
_TABLE["LateReasonRecorded"] = dict.fromkeys(("childId", "step"), INTERNAL)
_TABLE["Case"].update(
    dict.fromkeys(("decisionLateReasonRecordedBy", "decisionLateReasonRecordedAt"), INTERNAL)
)
_TABLE["Case"]["decisionLateReason"] = NARRATIVE
_TABLE["Contact"].update(
    dict.fromkeys(("decisionLateReasonRecordedBy", "decisionLateReasonRecordedAt"), INTERNAL)
)
# Why a step (a review, a visit, an assessment, a conference) was late: free text that
# names people (the chair was ill, the family was away), read as a case note is.
for _timed in ("JourneyStep", "Assessment", "InitialChildProtectionConference"):
    _TABLE[_timed]["lateReason"] = NARRATIVE
_TABLE["AdoptionPlan"]["adoptersLegalStatus"] = INTERNAL
# A step of the plan corrected to the day it happened; why is a worker's free text.
_TABLE["AdoptionPlan"]["correction"] = INTERNAL
_TABLE["AdoptionPlanCorrection"] = {
    "reason": NARRATIVE,
    **dict.fromkeys(("step", "correctedFrom", "correctedBy", "correctedAt"), INTERNAL),
}
# A plan withdrawn as recorded in error; why is a manager's free text (ReferralWithdrawal).
_TABLE["AdoptionPlan"]["withdrawal"] = INTERNAL
_TABLE["AdoptionPlanWithdrawal"] = dict(_TABLE["ReferralWithdrawal"])
# The day of the decision on a referral corrected; why is a manager's free text.
_TABLE["ReferralDecisionDateCorrection"] = dict(_TABLE["ReferralDateCorrection"])
# Why a record was linked to a child or unlinked, in its history: as SourceRecord.linkReason.
_TABLE["LinkEvent"]["reason"] = NARRATIVE

# ---- the DfE statutory returns as jobs (schema/returns.py; resolvers check RUN_RETURNS) --
_TABLE["Query"]["returnJob"] = INTERNAL
_TABLE["Mutation"]["startReturn"] = INTERNAL
_TABLE["ReturnJob"] = dict.fromkeys(
    (
        "id",
        "statutoryReturn",
        "year",
        "state",
        "done",
        "total",
        "children",
        "requestedAt",
        "finishedAt",
        "problem",
        "downloadPath",
        "warnings",
        "warningCount",
        "filesRemovedAt",
    ),
    INTERNAL,
)
_TABLE["ReturnWarning"] = dict.fromkeys(("childId", "code", "message"), INTERNAL)

# ---- what EHM and IES sent about a child, on the child (schema/early_help.py,
# schema/school_records.py) ----
# Internal only: DOMAIN.md entitles no partner to early help or to the education system's
# records (a school sees its own pupils' social care status and PEP, not other schools'
# rolls, attendance or SSRs; police and health see neither). What a family told early help
# and why a school asked for help are case narrative.
_TABLE["Child"].update(dict.fromkeys(("earlyHelpEpisodes", "education"), INTERNAL))
_TABLE.update(
    {
        type_name: dict.fromkeys(fields.split(), INTERNAL)
        for type_name, fields in {
            "EarlyHelpEpisode": (
                "recordId received startDate endDate leadProfessional closureOutcome"
                " assessments teamsAroundTheFamily"
            ),
            "EarlyHelpAssessment": "recordId startDate completedDate outcome",
            "TeamAroundTheFamily": "recordId startDate endDate leadProfessional members",
            "EducationRecords": "pupilRecords schoolStays attendance exclusions",
            "SchoolStay": "recordId schoolUrn schoolName admittedOn leftOn",
            "PupilRecord": "recordId upn schoolUrn schoolName yearGroup startDate endDate",
            "AttendancePeriod": (
                "recordId schoolUrn startDate endDate sessionsPossible sessionsAttended"
                " unauthorisedAbsences"
            ),
            "SchoolExclusion": "recordId schoolUrn category reason sessions startDate",
        }.items()
    }
)
_TABLE["EarlyHelpEpisode"]["reason"] = NARRATIVE
_TABLE["EarlyHelpAssessment"]["needs"] = NARRATIVE

# ---- Operation Encompass (schema/encompass.py) ----------------------------------------
# Police notify; a school reads and acknowledges its own notices; the MASH works the rest.
_TABLE["Query"].update({"myEncompassNotices": EDUCATION_ONLY, "mashEncompassNotices": INTERNAL})
_TABLE["Mutation"].update(
    {
        "notifyDomesticAbuseIncident": POLICE_ONLY,
        "acknowledgeEncompassNotice": EDUCATION_ONLY,
        "followUpEncompassNotice": INTERNAL,
    }
)
_TABLE.update(
    {
        "IncidentNotified": dict.fromkeys(
            ("forceReference", "occurredAt", "children"), POLICE_ONLY
        ),
        "IncidentChildResult": dict.fromkeys(("position", "outcome", "reason"), POLICE_ONLY),
        # The statutory content only: that an incident happened, when, the child present
        # or not; the school's own pupil named; nothing of the police's or the LA's record.
        "EncompassNotice": dict.fromkeys(
            (
                "id",
                "pupilGivenName",
                "pupilFamilyName",
                "pupilDateOfBirth",
                "upn",
                "incidentOccurredAt",
                "childPresent",
                "dueAt",
                "schoolDaysToDue",
                "overdue",
                "schoolDaysOverdue",
                "acknowledgedAt",
                "acknowledgedBy",
            ),
            EDUCATION_ONLY,
        ),
        "MashEncompassNotice": dict.fromkeys(
            (
                "id",
                "route",
                "childId",
                "childName",
                "dateOfBirth",
                "withheld",
                "childPresent",
                "incidentOccurredAt",
                "dueAt",
                "overdue",
                "schoolDaysOverdue",
                "schoolName",
                "schoolPhone",
            ),
            INTERNAL,
        ),
        "MashEncompassNotices": {"notices": INTERNAL},
        "EncompassFollowedUp": {"id": INTERNAL},
    }
)

# ---- merging two records of one child (schema/merging.py; resolvers check MERGE_RECORDS) --
_TABLE["Query"]["childMerges"] = INTERNAL
_TABLE["Mutation"].update(dict.fromkeys(("mergeChildren", "unmergeChildren"), INTERNAL))
_TABLE["ChildMerge"] = dict.fromkeys(
    (
        "id",
        "keptChildId",
        "mergedChildId",
        "reason",
        "mergedOn",
        "recordedBy",
        "recordedAt",
        "movedRelationships",
        "undoneBy",
        "undoneAt",
        "undoReason",
        "restoredRelationships",
    ),
    INTERNAL,
)
_TABLE["ChildMergeList"] = {"merges": INTERNAL}

# Types federation adds to every subgraph; each audience's schema describes itself.
FEDERATION_TYPES: Final = frozenset({"_Service"})

FIELD_POLICY: Final[Mapping[str, Mapping[str, FieldPolicy]]] = MappingProxyType(
    {type_name: MappingProxyType(fields) for type_name, fields in _TABLE.items()}
)


# The values of an enum an audience may be answered, where that is fewer than every
# audience that reaches the enum: a partner's introspection names no answer it can never
# be given, and the subgraph tags the value for gateway contracts as it tags a field.
ENUM_VALUE_POLICY: Final[Mapping[str, Mapping[str, FieldPolicy]]] = MappingProxyType(
    {
        # A school is never told of care that has ended (DOMAIN "Who sees what"; the
        # education row rule in graph/cypher/access.py): police see the open episodes.
        "EpisodeType": MappingProxyType({"CARE_LEAVER": POLICE_ONLY}),
    }
)


def enum_value_policy(enum_name: str, value: str) -> FieldPolicy | None:
    """Who may be answered one value of an enum; None: whoever reaches the enum."""
    return ENUM_VALUE_POLICY.get(enum_name, {}).get(value)


class UndeclaredField(LookupError):
    """A field the policy table does not declare: it must not be served to anyone."""


def policy_for(type_name: str, field_name: str) -> FieldPolicy:
    """The declared policy of one field.

    Raises:
        UndeclaredField: the table has no entry for it.
    """
    try:
        return FIELD_POLICY[type_name][field_name]
    except KeyError:
        raise UndeclaredField(f"{type_name}.{field_name} has no field policy") from None
