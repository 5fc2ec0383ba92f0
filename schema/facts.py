"""The statutory facts about a child in the API: one mutation per kind, and the history.

Every mutation takes the child, the day the fact happened (`on`, today if absent) and the
fact itself; each answers the recorded `ChildFact` or why nothing was recorded.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

import strawberry
from pydantic.alias_generators import to_snake
from strawberry.types import Info

import schema.enums  # noqa: F401  (registers Sex)
from resolvers import facts as fact_resolvers
from resolvers.context import HubContext
from schema.inputs import plain_input
from schema.outcomes import InvalidInput, NotAuthorised, NotFound, TransitionRefused, answer
from workflow import codes, facts
from workflow.contacts import Sex
from workflow.facts import SPECS, FactKind

for _code_list in (
    codes.Disability,
    codes.UPNUnknown,
    codes.PreviousPermanence,
    codes.SdqReason,
    codes.AdoptersLegalStatus,
):
    strawberry.enum(_code_list, name=_code_list.__name__, description=_code_list.dfe_item)
strawberry.enum(FactKind, name="ChildFactKind", description="What a statutory fact is about")

_ON = "The day it happened (today if absent); never in the future"


def _on() -> Any:
    return strawberry.field(default=None, description=_ON)


@strawberry.input(description="The child's home postcode from a day (SSDA903 HOME_POST)")
class RecordHomePostcodeInput:
    child_id: strawberry.ID
    postcode: str
    on: date | None = _on()


@strawberry.input(description="The child's disabilities (CIN census Disability; NONE alone)")
class RecordDisabilitiesInput:
    child_id: strawberry.ID
    disabilities: list[codes.Disability]
    on: date | None = _on()


@strawberry.input(
    description="The child became an unaccompanied asylum-seeker `on`; `ceasedOn` ends it"
)
class RecordUascStatusInput:
    child_id: strawberry.ID
    on: date | None = _on()
    ceased_on: date | None = None


@strawberry.input(
    description="A court's order depriving the child of liberty (SSDA903 DoLo) began `on`;"
    " `ceasedOn` ends it (the same order, recorded again)"
)
class RecordDeprivationOfLibertyInput:
    child_id: strawberry.ID
    on: date | None = _on()
    ceased_on: date | None = None


@strawberry.input(description="Why the child has no UPN (CIN census UPNunknown)")
class RecordUpnUnknownInput:
    child_id: strawberry.ID
    reason: codes.UPNUnknown
    on: date | None = _on()


@strawberry.input(description="An unborn child's birth, on the child's own record")
class RecordBirthInput:
    child_id: strawberry.ID
    on: date | None = strawberry.field(default=None, description="The day of birth")
    sex: Sex | None = None


@strawberry.input(description="Child protection plans the child had elsewhere before")
class RecordPreviousChildProtectionPlansInput:
    child_id: strawberry.ID
    number_of_plans: int
    on: date | None = _on()


@strawberry.input(description="A day known in part: each part absent when it is not known")
class PartialDateInput:
    year: int | None = None
    month: int | None = None
    day: int | None = strawberry.field(default=None, description="Only with its month")


@strawberry.type(description="A day known in part: each part null when it is not known")
class PartialDate:
    year: int | None
    month: int | None
    day: int | None


@strawberry.input(description="The child's previous permanence option (SSDA903 PrevPerm)")
class RecordPreviousPermanenceInput:
    child_id: strawberry.ID
    permanence: codes.PreviousPermanence
    local_authority: str | None = strawberry.field(
        default=None, description="The DfE number of the authority that made the order (LA_PERM)"
    )
    order_date: date | None = None
    order_date_known: PartialDateInput | None = strawberry.field(
        default=None,
        description="The order's date when part of it is not known (DATE_PERM with ZZ for"
        " each unknown part), instead of orderDate",
    )
    on: date | None = _on()


@strawberry.input(description="Something that happened on a day (a check, a conviction)")
class FactOnDayInput:
    child_id: strawberry.ID
    on: date | None = _on()


@strawberry.input(description="Whether the child's immunisations are up to date (OC2)")
class RecordImmunisationsInput:
    child_id: strawberry.ID
    up_to_date: bool
    on: date | None = _on()


@strawberry.input(description="The SDQ score, or the reason it was not done (OC2)")
class RecordSdqInput:
    child_id: strawberry.ID
    score: int | None = None
    reason: codes.SdqReason | None = None
    on: date | None = _on()


@strawberry.input(description="A substance misuse problem identified, and interventions (OC2)")
class RecordSubstanceMisuseInput:
    child_id: strawberry.ID
    intervention_offered: bool | None = None
    intervention_received: bool | None = None
    on: date | None = _on()


@strawberry.input(description="A looked-after young woman became a mother (SSDA903 MOTHER)")
class RecordMotherhoodInput:
    child_id: strawberry.ID
    baby_born_on: date
    on: date | None = _on()


@strawberry.input(
    description="The child's ethnicity, given or corrected (a DfE code: CIN census Ethnicity, "
    "SSDA903 ETHNIC)"
)
class RecordEthnicityInput:
    child_id: strawberry.ID
    ethnicity: str
    on: date | None = _on()


@strawberry.input(description="The child's sex, corrected (CIN census Sex, SSDA903 SEX)")
class RecordSexInput:
    child_id: strawberry.ID
    sex: Sex
    on: date | None = _on()


@strawberry.input(
    description="The child's date of birth, put right (CIN census PersonBirthDate, SSDA903 DOB);"
    " `on` is the day it was known"
)
class RecordDateOfBirthInput:
    child_id: strawberry.ID
    date_of_birth: date
    on: date | None = _on()


def _instant(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC)


def _partial(text: str | None) -> PartialDate | None:
    if not text:
        return None
    known = facts.PartialDate.from_text(text)
    return PartialDate(year=known.year, month=known.month, day=known.day)


def _code[Code: codes.DfECode](code_list: type[Code], value: Any) -> Code | None:
    return code_list.from_code(value) if value else None


@strawberry.type(description="A dated statutory fact about a child, and who recorded it")
class ChildFact:
    id: strawberry.ID
    child_id: strawberry.ID
    fact_kind: FactKind
    on: date
    recorded_by: str
    recorded_at: datetime
    postcode: str | None
    disabilities: list[codes.Disability]
    ceased_on: date | None = strawberry.field(
        description="When UASC status, or an order depriving the child of liberty, ended"
    )
    upn_unknown_reason: codes.UPNUnknown | None
    sex: Sex | None
    number_of_plans: int | None
    permanence: codes.PreviousPermanence | None
    local_authority: str | None
    order_date: date | None
    order_date_known: PartialDate | None = strawberry.field(
        description="The order's date, when part of it is not known"
    )
    up_to_date: bool | None
    sdq_score: int | None
    sdq_reason: codes.SdqReason | None
    intervention_offered: bool | None
    intervention_received: bool | None
    baby_born_on: date | None
    ethnicity: str | None = strawberry.field(description="The ethnicity given (a DfE code)")
    previous_ethnicity: str | None = strawberry.field(
        description="The ethnicity it replaced (null: none was recorded)"
    )
    previous_sex: Sex | None = strawberry.field(
        description="The sex it replaced (null: none was recorded)"
    )
    date_of_birth: date | None = strawberry.field(description="The date of birth given")
    previous_date_of_birth: date | None = strawberry.field(
        description="The date of birth it replaced (null: none was recorded)"
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ChildFact:
        fact = row["fact"]
        kind = FactKind(fact["kind"])
        reason = fact.get("reason")
        return cls(
            id=strawberry.ID(fact["id"]),
            child_id=strawberry.ID(row["childId"]),
            fact_kind=kind,
            on=fact["on"],
            recorded_by=fact["recordedBy"],
            recorded_at=_instant(fact["recordedAt"]),
            postcode=fact.get("postcode"),
            disabilities=[codes.Disability.from_code(c) for c in fact.get("disabilities") or ()],
            ceased_on=fact.get("ceasedOn"),
            upn_unknown_reason=(
                _code(codes.UPNUnknown, reason) if kind is FactKind.UPN_UNKNOWN else None
            ),
            sex=Sex(fact["sex"]) if fact.get("sex") else None,
            number_of_plans=fact.get("numberOfPlans"),
            permanence=_code(codes.PreviousPermanence, fact.get("permanence")),
            local_authority=fact.get("localAuthority"),
            order_date=fact.get("orderDate"),
            order_date_known=_partial(fact.get("orderDateKnown")),
            up_to_date=fact.get("upToDate"),
            sdq_score=fact.get("score"),
            sdq_reason=_code(codes.SdqReason, reason) if kind is FactKind.SDQ else None,
            intervention_offered=fact.get("interventionOffered"),
            intervention_received=fact.get("interventionReceived"),
            baby_born_on=fact.get("babyBornOn"),
            ethnicity=fact.get("ethnicity"),
            previous_ethnicity=fact.get("previousEthnicity"),
            previous_sex=Sex(fact["previousSex"]) if fact.get("previousSex") else None,
            date_of_birth=fact.get("dateOfBirth"),
            previous_date_of_birth=fact.get("previousDateOfBirth"),
        )


ChildFactResult = Annotated[
    ChildFact | NotFound | NotAuthorised | InvalidInput, strawberry.union("ChildFactResult")
]
BirthResult = Annotated[
    ChildFact | NotFound | NotAuthorised | InvalidInput | TransitionRefused,
    strawberry.union("BirthResult"),
]


def _fact_mutation(mutation: str, input_type: type, description: str) -> Any:
    async def resolve(info: Info[HubContext, None], input: Any) -> Any:
        result = await fact_resolvers.record_fact(info.context, mutation, plain_input(input))
        return answer(result, ChildFact.from_row)

    # Strawberry reads argument types from the annotations; one body serves every fact.
    resolve.__annotations__ = {
        "info": Info[HubContext, None],
        "input": input_type,
        "return": ChildFactResult,
    }
    return strawberry.mutation(resolver=resolve, description=description)


@strawberry.type
class FactQueries:
    @strawberry.field(
        description="The child's statutory facts, newest first (empty if not visible)"
    )
    async def child_facts(
        self,
        info: Info[HubContext, None],
        child_id: strawberry.ID,
        kinds: list[FactKind] | None = None,
        current_only: Annotated[
            bool,
            strawberry.argument(description="Only the latest fact of each kind: what holds now"),
        ] = False,
    ) -> list[ChildFact]:
        rows = await fact_resolvers.facts_of(info.context, child_id, kinds or [])
        facts = [ChildFact.from_row(row) for row in rows]
        if not current_only:
            return facts
        # Newest first, so the first of each kind is the one that holds now.
        latest: dict[FactKind, ChildFact] = {}
        for fact in facts:
            latest.setdefault(fact.fact_kind, fact)
        return list(latest.values())


# Each fact's input and description; the workflow declares the same facts (SPECS).
_FACT_MUTATIONS: dict[str, tuple[type, str]] = {
    "recordHomePostcode": (RecordHomePostcodeInput, "Record the child's home postcode"),
    "recordDisabilities": (RecordDisabilitiesInput, "Record the child's disabilities"),
    "recordUascStatus": (
        RecordUascStatusInput,
        "Record that the child is an unaccompanied asylum-seeking child, and when it ended",
    ),
    "recordUpnUnknown": (RecordUpnUnknownInput, "Record why the child has no UPN"),
    "recordPreviousChildProtectionPlans": (
        RecordPreviousChildProtectionPlansInput,
        "Record how many child protection plans the child had elsewhere",
    ),
    "recordPreviousPermanence": (
        RecordPreviousPermanenceInput,
        "Record the child's previous permanence option (adoption, SGO, CAO)",
    ),
    "recordDentalCheck": (FactOnDayInput, "Record a dental check"),
    "recordImmunisations": (
        RecordImmunisationsInput,
        "Record whether the child's immunisations are up to date",
    ),
    "recordDevelopmentCheck": (FactOnDayInput, "Record a development check (under 5)"),
    "recordSdq": (RecordSdqInput, "Record an SDQ score, or why it was not done"),
    "recordConviction": (FactOnDayInput, "Record a conviction, final warning or reprimand"),
    "recordSubstanceMisuse": (
        RecordSubstanceMisuseInput,
        "Record a substance misuse problem and the interventions offered or received",
    ),
    "recordMotherhood": (RecordMotherhoodInput, "Record that the young woman became a mother"),
    "recordEthnicity": (
        RecordEthnicityInput,
        "Record or correct the child's ethnicity (the value it replaces is kept on the fact)",
    ),
    "recordSex": (
        RecordSexInput,
        "Correct the child's sex (the value it replaces is kept on the fact)",
    ),
    "recordDeprivationOfLiberty": (
        RecordDeprivationOfLibertyInput,
        "Record a court's order depriving the child of liberty, and when it ended",
    ),
    "recordDateOfBirth": (
        RecordDateOfBirthInput,
        "Correct the child's date of birth (the date it replaces is kept on the fact); what"
        " was recorded must fit the new date, and what falls due from a birthday is due anew",
    ),
}
assert set(_FACT_MUTATIONS) == set(SPECS), "every declared fact needs its mutation"


class _FactMutationFields:
    @strawberry.mutation(description="Record the birth of an unborn child on the same record")
    async def record_birth(
        self, info: Info[HubContext, None], input: RecordBirthInput
    ) -> BirthResult:
        result = await fact_resolvers.record_birth(info.context, plain_input(input))
        return answer(result, ChildFact.from_row)


for _name, (_input_type, _description) in _FACT_MUTATIONS.items():
    setattr(_FactMutationFields, to_snake(_name), _fact_mutation(_name, _input_type, _description))
strawberry.type(_FactMutationFields)


@strawberry.type
class FactMutations(_FactMutationFields):
    """The fact mutations, generated above, as a root area like every other."""
