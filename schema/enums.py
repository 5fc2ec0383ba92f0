"""The domain's enumerations, registered with strawberry once, where every type finds them."""

from __future__ import annotations

import strawberry

from workflow.codes import ReferralSource
from workflow.contacts import ContactOutcome, Sex
from workflow.notes import CaseNoteType

strawberry.enum(Sex, name="Sex", description="CIN census / SSDA903 sex code")
strawberry.enum(ReferralSource, name="ReferralSource", description="DfE CIN census referral source")
strawberry.enum(ContactOutcome, name="ContactOutcome", description="The front door's decision")
strawberry.enum(CaseNoteType, name="CaseNoteType", description="What kind of case note")

__all__ = ["CaseNoteType", "ContactOutcome", "ReferralSource", "Sex"]
