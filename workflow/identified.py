"""Whom an incoming record is about: the identifiers and names every source may send.

Police reports (Operation Encompass) and EHM/IES records name a child the same way: an NHS
number, a UPN, or given name, family name and date of birth together. One model says so,
and turns what was sent into the matcher's `PersonDetails`.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Self

from pydantic import AfterValidator, model_validator

from workflow import identifiers
from workflow.contacts import Name, PastDate
from workflow.matching import PersonDetails
from workflow.validation import Input


class IdentifiedChild(Input):
    """A child named by an NHS number, a UPN, or names and date of birth."""

    # What a record that names nobody is told (each source words it for its senders).
    unidentified: ClassVar[str] = (
        "a child is identified by an NHS number, a UPN, or given name, family name"
        " and date of birth"
    )

    nhs_number: Annotated[str, AfterValidator(identifiers.nhs_number)] | None = None
    upn: Annotated[str, AfterValidator(identifiers.upn)] | None = None
    given_name: Name | None = None
    family_name: Name | None = None
    date_of_birth: PastDate | None = None

    @model_validator(mode="after")
    def _identified(self) -> Self:
        named = self.given_name and self.family_name and self.date_of_birth
        if not (named or self.nhs_number or self.upn):
            raise ValueError(self.unidentified)
        return self

    def subject(self) -> PersonDetails:
        """Whom the record is about, as the matcher compares people."""
        return PersonDetails(
            given_name=self.given_name,
            family_name=self.family_name,
            date_of_birth=self.date_of_birth,
            nhs_number=self.nhs_number,
            upn=self.upn,
        )


class NhsNumberLookup(Input):
    """One NHS number looked up, as a clinician types it (spaces or hyphens allowed)."""

    nhs_number: Annotated[str, AfterValidator(identifiers.nhs_number)]
