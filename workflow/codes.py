"""The DfE code lists of the CIN census and the SSDA903 return, as enumerations.

A member's value is the DfE code exactly as the returns carry it; its name is what GraphQL
exposes, so it is a readable UPPER_SNAKE identifier. Where the code starts with a letter
the name starts with the code (`RC8_CLOSED_AFTER_ASSESSMENT_NO_FURTHER_ACTION`); codes that
start with a digit cannot begin an identifier, so those names are the readable text alone
(`ReferralSource.SCHOOLS` is "2A"). `description` is the DfE's text for the code.

Sources: the DfE CIN census XML schema (2024) and the valid-value lists of the DfE's
validators for 2025-26 (`csc-validator-be-cin`, `csc-validator-be-903`).
"""

from __future__ import annotations

from enum import Enum, unique
from typing import Any, ClassVar, Self


class DfECode(Enum):
    """A DfE code list; members are declared as `NAME = "code", "DfE description"`."""

    _value_: str
    description: str
    dfe_item: ClassVar[str]

    def __init_subclass__(cls, *, dfe_item: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.dfe_item = dfe_item

    def __new__(cls, code: str, description: str) -> Self:
        member = object.__new__(cls)
        member._value_ = code
        member.description = description
        return member

    @property
    def code(self) -> str:
        return self._value_

    @classmethod
    def from_code(cls, code: str) -> Self:
        """The member for `code` (surrounding spaces and letter case are forgiven).

        Raises:
            ValueError: `code` is not in this list; the message names the list.
        """
        wanted = code.strip().upper()
        for member in cls:
            if member.value == wanted:
                return member
        valid = ", ".join(member.value for member in cls)
        raise ValueError(
            f"{code!r} is not in the {cls.__name__} code list ({cls.dfe_item}); valid: {valid}"
        )


@unique
class ReferralSource(DfECode, dfe_item="CIN census ReferralSource"):
    FAMILY_MEMBER_RELATIVE_OR_CARER = "1A", "INDIVIDUAL – family member, relative or carer"
    ACQUAINTANCE = "1B", "INDIVIDUAL – acquaintance (including neighbours and child minders)"
    SELF = "1C", "INDIVIDUAL – self"
    OTHER_INDIVIDUAL = "1D", "INDIVIDUAL – other (including strangers)"
    SCHOOLS = "2A", "SCHOOLS"
    EDUCATION_SERVICES = "2B", "EDUCATION SERVICES"
    GENERAL_PRACTITIONER = "3A", "HEALTH SERVICES – general practitioner (GP)"
    HEALTH_VISITOR = "3B", "HEALTH SERVICES – health visitor"
    SCHOOL_NURSE = "3C", "HEALTH SERVICES – school nurse"
    OTHER_PRIMARY_HEALTH_SERVICES = "3D", "HEALTH SERVICES – other primary health services"
    ACCIDENT_AND_EMERGENCY = "3E", "HEALTH SERVICES – A&E (accident and emergency department)"
    OTHER_HEALTH_SERVICES = "3F", "HEALTH SERVICES – other (for example hospice)"
    HOUSING = "4", "HOUSING - local authority housing or housing association"
    LOCAL_AUTHORITY_SOCIAL_CARE = (
        "5A",
        "LA SERVICES – social care for example adults social care services",
    )
    LOCAL_AUTHORITY_OTHER_INTERNAL = (
        "5B",
        "LA SERVICES – other internal (department other than social care in local "
        "authorities, for example, youth offending (excluding housing))",
    )
    LOCAL_AUTHORITY_EXTERNAL = (
        "5C",
        "LA SERVICES – external, for example, from another local authority’s adults social "
        "care services",
    )
    LOCAL_AUTHORITY_EARLY_HELP = "5D", "LA SERVICES – early help"
    POLICE = "6", "POLICE"
    OTHER_LEGAL_AGENCY = (
        "7",
        "OTHER LEGAL AGENCY – including courts, probation, immigration, CAFCASS (Children and "
        "Family Court Advisory and Support Service) or prison",
    )
    OTHER = (
        "8",
        "OTHER – including children’s centres, independent agency providers or voluntary "
        "organisations",
    )
    ANONYMOUS = "9", "ANONYMOUS"
    UNKNOWN = "10", "UNKNOWN"


@unique
class PrimaryNeedCode(DfECode, dfe_item="CIN census PrimaryNeedCode"):
    # The 903 return's CIN column accepts N1–N8 only.
    N1_ABUSE_OR_NEGLECT = "N1", "Abuse or neglect"
    N2_CHILD_DISABILITY = "N2", "Child's disability"
    N3_PARENTAL_DISABILITY_OR_ILLNESS = "N3", "Parental disability or illness"
    N4_FAMILY_IN_ACUTE_STRESS = "N4", "Family in acute stress"
    N5_FAMILY_DYSFUNCTION = "N5", "Family dysfunction"
    N6_SOCIALLY_UNACCEPTABLE_BEHAVIOUR = "N6", "Socially unacceptable behaviour"
    N7_LOW_INCOME = "N7", "Low income"
    N8_ABSENT_PARENTING = "N8", "Absent parenting"
    N9_CASES_OTHER_THAN_CHILDREN_IN_NEED = "N9", "Cases other than children in need"
    N0_NOT_STATED = "N0", "Not stated"


@unique
class ReasonForClosure(DfECode, dfe_item="CIN census ReasonForClosure"):
    RC1_ADOPTED = "RC1", "Adopted"
    RC2_DIED = "RC2", "Died"
    RC3_CHILD_ARRANGEMENTS_ORDER = "RC3", "Child arrangements order"
    RC4_SPECIAL_GUARDIANSHIP_ORDER = "RC4", "Special guardianship order"
    RC5_TRANSFERRED_TO_ANOTHER_LOCAL_AUTHORITY = (
        "RC5",
        "Transferred to services of another local authority",
    )
    RC6_TRANSFERRED_TO_ADULT_SOCIAL_CARE = "RC6", "Transferred to adult social care services"
    RC7_SERVICES_CEASED_FOR_ANY_OTHER_REASON = (
        "RC7",
        "Services ceased for any other reason, including child no longer in need",
    )
    RC8_CLOSED_AFTER_ASSESSMENT_NO_FURTHER_ACTION = (
        "RC8",
        "Case closed after assessment, no further action",
    )
    RC9_CLOSED_AFTER_ASSESSMENT_REFERRED_TO_EARLY_HELP = (
        "RC9",
        "Case closed after assessment, referred to early help",
    )


@unique
class CategoryOfAbuse(
    DfECode, dfe_item="CIN census InitialCategoryOfAbuse / LatestCategoryOfAbuse"
):
    NEG_NEGLECT = "NEG", "Neglect"
    PHY_PHYSICAL_ABUSE = "PHY", "Physical abuse"
    SAB_SEXUAL_ABUSE = "SAB", "Sexual abuse"
    EMO_EMOTIONAL_ABUSE = "EMO", "Emotional abuse"
    MUL_MULTIPLE = "MUL", "Multiple/not recommended"


_SERVICES_OR_HARM = "concerns that services may be required or the child may be"
_ABUSE_OR_NEGLECT = (
    f"{_SERVICES_OR_HARM} suffering or likely to suffer significant harm due to abuse or neglect"
)


@unique
class AssessmentFactor(DfECode, dfe_item="CIN census AssessmentFactors"):
    # 18A and 19A were retired (CIN queries 8945Q, 8950Q flag them), so they are not offered.
    ALCOHOL_MISUSE_CHILD = "1A", "Alcohol misuse: concerns about alcohol misuse by the child"
    ALCOHOL_MISUSE_PARENT_OR_CARER = (
        "1B",
        "Alcohol misuse: concerns about alcohol misuse by the parent(s)/carer(s)",
    )
    ALCOHOL_MISUSE_OTHER_IN_HOUSEHOLD = (
        "1C",
        "Alcohol misuse: concerns about alcohol misuse by another person living in the household",
    )
    DRUG_MISUSE_CHILD = "2A", "Drug misuse: concerns about drug misuse by the child"
    DRUG_MISUSE_PARENT_OR_CARER = (
        "2B",
        "Drug misuse: concerns about drug misuse by the parent(s)/carer(s)",
    )
    DRUG_MISUSE_OTHER_IN_HOUSEHOLD = (
        "2C",
        "Drug misuse: concerns about drug misuse by another person living in the household",
    )
    DOMESTIC_ABUSE_CHILD = (
        "3A",
        "Domestic violence: concerns about the child being the subject of domestic violence",
    )
    DOMESTIC_ABUSE_PARENT_OR_CARER = (
        "3B",
        "Domestic violence: concerns about the child’s parent(s)/carer(s) being the subject "
        "of domestic violence",
    )
    DOMESTIC_ABUSE_OTHER_IN_HOUSEHOLD = (
        "3C",
        "Domestic violence: concerns about another person living in the household being the "
        "subject of domestic violence",
    )
    MENTAL_HEALTH_CHILD = "4A", "Mental health: concerns about the mental health of the child"
    MENTAL_HEALTH_PARENT_OR_CARER = (
        "4B",
        "Mental health: concerns about the mental health of the parent(s)/carer(s)",
    )
    MENTAL_HEALTH_OTHER_IN_HOUSEHOLD = (
        "4C",
        "Mental health: concerns about the mental health of another person in the family/household",
    )
    LEARNING_DISABILITY_CHILD = (
        "5A",
        "Learning disability: concerns about the child’s learning disability",
    )
    LEARNING_DISABILITY_PARENT_OR_CARER = (
        "5B",
        "Learning disability: concerns about the parent(s)/carer(s) learning disability",
    )
    LEARNING_DISABILITY_OTHER_IN_HOUSEHOLD = (
        "5C",
        "Learning disability: concerns about another person in the family/household’s "
        "learning disability",
    )
    PHYSICAL_DISABILITY_OR_ILLNESS_CHILD = (
        "6A",
        "Physical disability or illness: concerns about a physical disability or illness of "
        "the child",
    )
    PHYSICAL_DISABILITY_OR_ILLNESS_PARENT_OR_CARER = (
        "6B",
        "Physical disability or illness: concerns about a physical disability or illness of "
        "the parent(s)/carer(s)",
    )
    PHYSICAL_DISABILITY_OR_ILLNESS_OTHER_IN_HOUSEHOLD = (
        "6C",
        "Physical disability or illness: concerns about a physical disability or illness of "
        "another person in the family/household",
    )
    YOUNG_CARER = (
        "7A",
        "Young carer: concerns that services may be required or the child’s health or "
        "development may be impaired due to their caring responsibilities",
    )
    PRIVATELY_FOSTERED_OVERSEAS_INTENDING_TO_RETURN = (
        "8B",
        f"Privately fostered: {_SERVICES_OR_HARM} at risk as a privately fostered child - "
        "overseas children who intend to return",
    )
    PRIVATELY_FOSTERED_OVERSEAS_INTENDING_TO_STAY = (
        "8C",
        f"Privately fostered: {_SERVICES_OR_HARM} at risk as a privately fostered child - "
        "overseas children who intend to stay",
    )
    PRIVATELY_FOSTERED_UK_EDUCATIONAL_PLACEMENT = (
        "8D",
        f"Privately fostered: {_SERVICES_OR_HARM} at risk as a privately fostered child - "
        "UK children in educational placements",
    )
    PRIVATELY_FOSTERED_UK_ALTERNATIVE_FAMILY_ARRANGEMENT = (
        "8E",
        f"Privately fostered: {_SERVICES_OR_HARM} at risk as a privately fostered child - "
        "UK children making alternative family arrangements",
    )
    PRIVATELY_FOSTERED_OTHER = (
        "8F",
        f"Privately fostered: {_SERVICES_OR_HARM} at risk as a privately fostered child - other",
    )
    UNACCOMPANIED_ASYLUM_SEEKING_CHILD = (
        "9A",
        f"UASC: {_SERVICES_OR_HARM} at risk of harm as an unaccompanied asylum-seeking child",
    )
    MISSING = "10A", f"Missing: {_SERVICES_OR_HARM} at risk of harm due to going/being missing"
    CHILD_SEXUAL_EXPLOITATION = (
        "11A",
        f"Child sexual exploitation: {_SERVICES_OR_HARM} at risk of harm due to child sexual "
        "exploitation",
    )
    TRAFFICKING = "12A", f"Trafficking: {_SERVICES_OR_HARM} at risk of harm due to trafficking"
    GANGS = (
        "13A",
        f"Gangs: {_SERVICES_OR_HARM} at risk of harm because of involvement in/with gangs",
    )
    SOCIALLY_UNACCEPTABLE_BEHAVIOUR = (
        "14A",
        f"Socially unacceptable behaviour: {_SERVICES_OR_HARM} at risk due to their socially "
        "unacceptable behaviour",
    )
    SELF_HARM = (
        "15A",
        "Self-harm: concerns that services may be required or due to suspected/actual "
        "self-harming child may be at risk of harm",
    )
    NEGLECT = "16A", f"Abuse or neglect – ‘NEGLECT’: {_ABUSE_OR_NEGLECT}"
    EMOTIONAL_ABUSE = "17A", f"Abuse or neglect – ‘EMOTIONAL ABUSE’: {_ABUSE_OR_NEGLECT}"
    PHYSICAL_ABUSE_CHILD_ON_CHILD = (
        "18B",
        f"Abuse or neglect – ‘PHYSICAL ABUSE’ (child on child): {_ABUSE_OR_NEGLECT} by "
        "another child",
    )
    PHYSICAL_ABUSE_ADULT_ON_CHILD = (
        "18C",
        f"Abuse or neglect – ‘PHYSICAL ABUSE’ (adult on child): {_ABUSE_OR_NEGLECT} by an adult",
    )
    SEXUAL_ABUSE_CHILD_ON_CHILD = (
        "19B",
        f"Abuse or neglect – ‘SEXUAL ABUSE’ (child on child): {_ABUSE_OR_NEGLECT} by another child",
    )
    SEXUAL_ABUSE_ADULT_ON_CHILD = (
        "19C",
        f"Abuse or neglect – ‘SEXUAL ABUSE’ (adult on child): {_ABUSE_OR_NEGLECT} by an adult",
    )
    OTHER = "20", "Other"
    NO_FACTORS_IDENTIFIED = (
        "21",
        "No factors identified - only use this if there is no evidence of any of the factors "
        "above and no further action is being taken",
    )
    FEMALE_GENITAL_MUTILATION = (
        "22A",
        f"Female genital mutilation (FGM) - {_SERVICES_OR_HARM} at risk due to female genital "
        "mutilation",
    )
    ABUSE_LINKED_TO_FAITH_OR_BELIEF = (
        "23A",
        f"Abuse linked to faith or belief - {_SERVICES_OR_HARM} at risk due to abuse linked "
        "to faith or belief",
    )
    CHILD_CRIMINAL_EXPLOITATION = (
        "24A",
        f"Child criminal exploitation: {_SERVICES_OR_HARM} at risk of harm due to child "
        "criminal exploitation",
    )


@unique
class UPNUnknown(DfECode, dfe_item="CIN census UPNunknown / SSDA903 UPN"):
    # The CIN census takes UN1–UN7; the 903 header's UPN column takes UN1–UN5.
    UN1_NOT_OF_SCHOOL_AGE = (
        "UN1",
        "Child is not of school age and has not yet been assigned a unique pupil number (UPN)",
    )
    UN2_NEVER_ATTENDED_MAINTAINED_SCHOOL_IN_ENGLAND = (
        "UN2",
        "Child has never attended a maintained school in England (for example, some "
        "unaccompanied asylum-seeking children (UASC))",
    )
    UN3_EDUCATED_OUTSIDE_ENGLAND = "UN3", "Child is educated outside England"
    UN4_UPN_NOT_YET_KNOWN = (
        "UN4",
        "Child is new to the local authority (903: newly looked after) and the UPN was not "
        "yet known at the time of the return",
    )
    UN5_SOURCES_DISAGREE = (
        "UN5",
        "Sources collating unique pupil numbers (UPNs) reflect discrepancy(ies) for the "
        "child's name and/or surname and/or date of birth, preventing reliable matching",
    )
    UN6_UNDER_SIX_NOT_YET_AT_SCHOOL = (
        "UN6",
        "Child is aged under 6 years old and is not yet attending school",
    )
    UN7_REFERRAL_WITH_NO_FURTHER_ACTION = "UN7", "Referral with no further action"


@unique
class LegalStatus(DfECode, dfe_item="SSDA903 LS"):
    C1_INTERIM_CARE_ORDER = "C1", "Interim care order"
    C2_FULL_CARE_ORDER = "C2", "Full care order"
    D1_FREEING_ORDER = "D1", "Freeing order granted"
    E1_PLACEMENT_ORDER = "E1", "Placement order granted"
    V2_SINGLE_PERIOD_OF_ACCOMMODATION = (
        "V2",
        "Single period of accommodation under section 20 (Children Act 1989)",
    )
    V3_SHORT_BREAKS_EPISODES = (
        "V3",
        "Accommodated under an agreed series of short-term breaks, when individual episodes "
        "of care are recorded",
    )
    V4_SHORT_BREAKS_AGREEMENTS = (
        "V4",
        "Accommodated under an agreed series of short-term breaks, when agreements are "
        "recorded (NOT individual episodes of care)",
    )
    L1_POLICE_PROTECTION = (
        "L1",
        "Under police protection and in local authority accommodation",
    )
    L2_EMERGENCY_PROTECTION_ORDER = "L2", "Emergency protection order (EPO)"
    L3_CHILD_ASSESSMENT_ORDER = (
        "L3",
        "Under child assessment order and in local authority accommodation",
    )
    J1_REMAND = (
        "J1",
        "Remanded to local authority accommodation or to youth detention accommodation",
    )
    J2_POLICE_AND_CRIMINAL_EVIDENCE_ACT_ACCOMMODATION = (
        "J2",
        "Placed in local authority accommodation under the Police and Criminal Evidence Act "
        "1984, including secure accommodation, not necessarily where child would be detained",
    )
    J3_YOUTH_REHABILITATION_ORDER = (
        "J3",
        "Sentenced to Youth Rehabilitation Order (Criminal Justice and Immigration Act 2008 as "
        "amended by Legal Aid, Sentencing and Punishment of Offenders Act 2012 with residence "
        "or intensive fostering requirement)",
    )


@unique
class ReasonNewEpisode(DfECode, dfe_item="SSDA903 RNE"):
    S_STARTED_TO_BE_LOOKED_AFTER = "S", "Started to be looked-after"
    L_LEGAL_STATUS_CHANGE = "L", "Change of legal status only"
    P_PLACEMENT_AND_CARER_CHANGE = "P", "Change of placement and carer(s) only"
    T_PLACEMENT_CHANGE_SAME_CARER = "T", "Change of placement (but same carer(s)) only"
    B_LEGAL_STATUS_PLACEMENT_AND_CARER_CHANGE = (
        "B",
        "Change of legal status and placement and carer(s) at the same time",
    )
    U_LEGAL_STATUS_AND_PLACEMENT_CHANGE_SAME_CARER = (
        "U",
        "Change of legal status and change of placement (but same carer(s)) at the same time",
    )


_NOT_ORDER = (
    "(not under a special guardianship order or residence order or (from 22 April 2014) a "
    "child arrangement order)"
)


@unique
class ReasonEpisodeCeased(DfECode, dfe_item="SSDA903 REC"):
    # The 2025-26 list; E43/E44 (split into E45–E48) and E99 are no longer valid.
    X1_NEW_EPISODE_SAME_DAY = (
        "X1",
        "Episode ceases, and new episode begins on same day, for any reason",
    )
    E11_ADOPTED_UNOPPOSED = "E11", "Adopted - application for an adoption order unopposed"
    E12_ADOPTED_CONSENT_DISPENSED_WITH = "E12", "Adopted – consent dispensed with by the court"
    E2_DIED = "E2", "Died"
    E3_CARE_TAKEN_OVER_BY_ANOTHER_LOCAL_AUTHORITY = (
        "E3",
        "Care taken over by another local authority in the UK",
    )
    E4A_RETURNED_HOME_AS_PLANNED = (
        "E4A",
        "Returned home to live with parent(s), relative(s), or other person(s) with parental "
        f"responsibility as part of the care planning process {_NOT_ORDER}",
    )
    E4B_RETURNED_HOME_NOT_AS_PLANNED = (
        "E4B",
        "Returned home to live with parent(s), relative(s), or other person(s) with parental "
        f"responsibility which was not part of the current care planning process {_NOT_ORDER}",
    )
    E13_LEFT_TO_LIVE_WITH_PERSON_WITHOUT_PARENTAL_RESPONSIBILITY = (
        "E13",
        "Left care to live with parent(s), relative(s), or other person(s) with no parental "
        "responsibility",
    )
    E41_CHILD_ARRANGEMENTS_ORDER = (
        "E41",
        "Residence order (or, from 22 April 2014, a child arrangement order which sets out "
        "with whom the child is to live) granted",
    )
    E45_SPECIAL_GUARDIANSHIP_FORMER_FOSTER_CARER_RELATIVE_OR_FRIEND = (
        "E45",
        "Special guardianship order made to former foster carer(s), who was/are a "
        "relative(s) or friend(s)",
    )
    E46_SPECIAL_GUARDIANSHIP_FORMER_FOSTER_CARER_OTHER = (
        "E46",
        "Special guardianship order made to former foster carer(s), other than relative(s) "
        "or friend(s)",
    )
    E47_SPECIAL_GUARDIANSHIP_OTHER_CARER_RELATIVE_OR_FRIEND = (
        "E47",
        "Special guardianship order made to carer(s), other than former foster carer(s), who "
        "was/are a relative(s) or friend(s)",
    )
    E48_SPECIAL_GUARDIANSHIP_OTHER_CARER_OTHER = (
        "E48",
        "Special guardianship order made to carer(s), other than former foster carer(s), "
        "other than relative(s) or friend(s)",
    )
    E5_INDEPENDENT_LIVING_WITH_SUPPORT = (
        "E5",
        "Moved into independent living arrangement and no longer looked-after: supportive "
        "accommodation providing formalised advice/support arrangements (such as most "
        "hostels, young men’s Christian association, foyers, staying close and care leavers "
        "projects). Includes both children leaving care before and at age 18",
    )
    E6_INDEPENDENT_LIVING_WITHOUT_SUPPORT = (
        "E6",
        "Moved into independent living arrangement and no longer looked-after: accommodation "
        "providing no formalised advice/support arrangements (such as bedsit, own flat, "
        "living with friend(s)). Includes both children leaving care before and at age 18",
    )
    E7_ADULT_RESIDENTIAL_CARE = (
        "E7",
        "Transferred to residential care funded by adult social care services",
    )
    E8_CEASED_FOR_ANY_OTHER_REASON = (
        "E8",
        "Period of being looked-after ceased for any other reason (where none of the other "
        "reasons apply)",
    )
    E9_SENTENCED_TO_CUSTODY = "E9", "Sentenced to custody"
    E14_REMAND_ENDED = "E14", "Accommodation on remand ended"
    E15_AGE_ASSESSED_AS_18_OR_OVER = (
        "E15",
        "Age assessment determined child is aged 18 or over and E5, E6 and E7 do not apply, "
        "such as an unaccompanied asylum-seeking child (UASC) whose age has been disputed",
    )
    E16_MOVED_ABROAD = "E16", "Child moved abroad"
    E17_STAYED_WITH_CARERS_AT_18 = (
        "E17",
        "Aged 18 (or over) and remained with current carers (inc under staying put arrangements)",
    )


_ADOPTION_ACT_2002 = "the Adoption and Children Act 2002"
_ADOPTION_ACT_1976 = "the Adoption Act 1976"


@unique
class PlacementType(DfECode, dfe_item="SSDA903 PLACE"):
    # The 2025-26 list (903 rule 146): K3 and Z11–Z14 are new; H5, P2 and Z1 are no longer
    # valid. Z11–Z14 split the old "other placements" code; their DfE wording is in the
    # 2025-26 technical specification.
    A3_PLACED_FOR_ADOPTION_WITH_CONSENT_WITH_CURRENT_FOSTER_CARER = (
        "A3",
        "Placed for adoption with parental/guardian consent with current foster carer(s) "
        f"(under Section 19 of {_ADOPTION_ACT_2002}) or with a freeing order where "
        "parental/guardian consent has been given "
        f"(under Section 18(1)(a) of {_ADOPTION_ACT_1976})",
    )
    A4_PLACED_FOR_ADOPTION_WITH_CONSENT_NOT_WITH_CURRENT_FOSTER_CARER = (
        "A4",
        "Placed for adoption with parental/guardian consent not with current foster carer(s) "
        f"(under Section 19 of {_ADOPTION_ACT_2002}) or with a freeing order where "
        f"parental/guardian consent has been given under Section 18(1)(a) of {_ADOPTION_ACT_1976}",
    )
    A5_PLACED_FOR_ADOPTION_WITH_PLACEMENT_ORDER_WITH_CURRENT_FOSTER_CARER = (
        "A5",
        "Placed for adoption with placement order with current foster carer(s) (under "
        f"Section 21 of {_ADOPTION_ACT_2002}) or with a freeing order where parental/guardian "
        f"consent was dispensed with (under Section 18(1)(b) of {_ADOPTION_ACT_1976})",
    )
    A6_PLACED_FOR_ADOPTION_WITH_PLACEMENT_ORDER_NOT_WITH_CURRENT_FOSTER_CARER = (
        "A6",
        "Placed for adoption with placement order not with current foster carer(s) (under "
        f"Section 21 of {_ADOPTION_ACT_2002}) or with a freeing order where parental/guardian "
        f"consent was dispensed with (under Section 18(1)(b) of {_ADOPTION_ACT_1976})",
    )
    K1_SECURE_CHILDRENS_HOME = "K1", "Secure children’s homes"
    K2_CHILDRENS_HOME = "K2", "Children’s Homes subject to Children’s Homes Regulations"
    K3_REGISTERED_SUPPORTED_ACCOMMODATION = "K3", "Registered supported accommodation"
    P1_PLACED_WITH_PARENTS = (
        "P1",
        "Placed with own parent(s) or other person(s) with parental responsibility",
    )
    P3_RESIDENTIAL_EMPLOYMENT = "P3", "Residential employment"
    R1_RESIDENTIAL_CARE_HOME = "R1", "Residential care home"
    R2_NHS_OR_HEALTH_TRUST = (
        "R2",
        "National Health Service (NHS)/health trust or other establishment providing medical "
        "or nursing care",
    )
    R3_FAMILY_CENTRE_OR_MOTHER_AND_BABY_UNIT = "R3", "Family centre or mother and baby unit"
    R5_YOUNG_OFFENDER_INSTITUTION = "R5", "Young offender institution (YOI)"
    S1_RESIDENTIAL_SCHOOL = (
        "S1",
        "All residential schools, except where dual-registered as a school and children’s home",
    )
    T0_TEMPORARY_MOVE = "T0", "All types of temporary move"
    T1_TEMPORARY_HOSPITAL = "T1", "Temporary periods in hospital"
    T2_TEMPORARY_HOLIDAY = "T2", "Temporary absences of the child on holiday"
    T3_TEMPORARY_WHILE_CARER_ON_HOLIDAY = (
        "T3",
        "Temporary accommodation whilst normal foster carer(s) is/are on holiday",
    )
    T4_TEMPORARY_SEVEN_DAYS_OR_LESS = (
        "T4",
        "Temporary accommodation of seven days or less, for any reason, not covered by codes "
        "T1 to T3",
    )
    U1_FOSTER_RELATIVE_OR_FRIEND_LONG_TERM = (
        "U1",
        "Foster placement with relative(s) or friend(s) – long term fostering",
    )
    U2_FOSTER_RELATIVE_OR_FRIEND_FOSTERING_FOR_ADOPTION = (
        "U2",
        "Fostering placement with relative(s) or friend(s) who is/are also an approved "
        "adopter(s) – fostering for adoption /concurrent planning",
    )
    U3_FOSTER_RELATIVE_OR_FRIEND_OTHER = (
        "U3",
        "Fostering placement with relative(s) or friend(s) who is/are not long-term or "
        "fostering for adoption /concurrent planning",
    )
    U4_FOSTER_OTHER_CARER_LONG_TERM = (
        "U4",
        "Foster placement with other foster carer(s) – long term fostering",
    )
    U5_FOSTER_OTHER_CARER_FOSTERING_FOR_ADOPTION = (
        "U5",
        "Foster placement with other foster carer(s) who is/are also an approved adopter(s) – "
        "fostering for adoption /concurrent planning",
    )
    U6_FOSTER_OTHER_CARER_OTHER = (
        "U6",
        "Foster placement with other foster carer(s) – not long term or fostering for "
        "adoption /concurrent planning",
    )
    Z11_OTHER_PLACEMENT = "Z11", "Other placement (Z11, one of the 2025-26 codes replacing Z1)"
    Z12_OTHER_PLACEMENT = "Z12", "Other placement (Z12, one of the 2025-26 codes replacing Z1)"
    Z13_OTHER_PLACEMENT = "Z13", "Other placement (Z13, one of the 2025-26 codes replacing Z1)"
    Z14_OTHER_PLACEMENT = "Z14", "Other placement (Z14, one of the 2025-26 codes replacing Z1)"


@unique
class PlacementProvider(DfECode, dfe_item="SSDA903 PLACE_PROVIDER"):
    PR0_PARENTS = "PR0", "Parent(s) or other person(s) with parental responsibility"
    PR1_OWN_PROVISION = (
        "PR1",
        "Own provision (by the local authority) including a regional adoption agency where "
        "the child’s responsible local authority is the host authority",
    )
    PR2_OTHER_LOCAL_AUTHORITY = (
        "PR2",
        "Other local authority provision, including a regional adoption agency where another "
        "local authority is the host authority",
    )
    PR3_OTHER_PUBLIC = "PR3", "Other public provision (for example, a primary care trust)"
    PR4_PRIVATE = "PR4", "Private provision"
    PR5_VOLUNTARY = "PR5", "Voluntary/third sector provision"


@unique
class ReasonPlaceChange(DfECode, dfe_item="SSDA903 REASON_PLACE_CHANGE"):
    CARPL_CARE_PLAN = "CARPL", "Change to/Implementation of Care Plan"
    CLOSE_PROVISION_CLOSED = "CLOSE", "Resignation/ closure of provision"
    ALLEG_ALLEGATION = "ALLEG", "Allegation (s47)"
    STAND_STANDARDS_OF_CARE = "STAND", "Standards of care concern"
    APPRR_APPROVAL_REMOVED = "APPRR", "Approval removed"
    CREQB_CARER_REQUEST_CHILD_BEHAVIOUR = (
        "CREQB",
        "Carer(s) requests placement end due to child’s behaviour",
    )
    CREQO_CARER_REQUEST_OTHER = (
        "CREQO",
        "Carer(s) requests placement end other than due to child’s behaviour",
    )
    CHILD_CHILD_REQUEST = "CHILD", "Child requests placement end"
    LAREQ_AUTHORITY_REQUEST = "LAREQ", "Responsible/area authority requests placement end"
    PLACE_STATUS_CHANGE_ONLY = "PLACE", "Change in the status of placement only"
    CUSTOD_CUSTODY = "CUSTOD", "Custody arrangement"
    OTHER_REASON = "OTHER", "Other"


@unique
class ReviewParticipation(DfECode, dfe_item="SSDA903 REVIEW_CODE"):
    PN0_UNDER_FOUR = "PN0", "Child aged under 4 at the time of the review"
    PN1_ATTENDS_AND_SPEAKS = (
        "PN1",
        "Child physically attends and speaks for him or herself (Attendance)",
    )
    PN2_ATTENDS_ADVOCATE_SPEAKS = (
        "PN2",
        "Child physically attends and an advocate speaks on his or her behalf (Attendance "
        "views represented by advocate or independent reviewing officer (IRO))",
    )
    PN3_ATTENDS_CONVEYS_VIEWS_SYMBOLICALLY = (
        "PN3",
        "Child attends and conveys his or her view symbolically (non-verbally) (Attendance "
        "symbols)",
    )
    PN4_ATTENDS_WITHOUT_CONTRIBUTION = (
        "PN4",
        "Child physically attends but does not speak for him or herself, does not convey his "
        "or her view symbolically (non-verbally) and does not ask an advocate to speak for "
        "him or her (Attendance without contribution)",
    )
    PN5_ABSENT_ADVOCATE_BRIEFED = (
        "PN5",
        "Child does not attend physically but briefs an advocate to speak for him or her "
        "(Views represented by advocate or independent reviewing officer (IRO))",
    )
    PN6_ABSENT_VIEWS_BY_FACILITATIVE_MEDIUM = (
        "PN6",
        "Child does not attend but conveys his or her feelings to the review by a "
        "facilitative medium (Texting the chair, written format, phone, audio/video, "
        "viewpoint)",
    )
    PN7_ABSENT_NO_VIEWS_CONVEYED = (
        "PN7",
        "Child does not attend nor are his or her views conveyed to the review",
    )


@unique
class SocialWorkerChangeReason(DfECode, dfe_item="SSDA903 SW_REASON"):
    # Texts for MANAGE, FCONTA, TSPROC, ABSENC and CHCHAN are the DfE's published labels;
    # the others read the code (the 903 guide has the full wording).
    MANAGE_MANAGING_CASELOADS = "MANAGE", "Managing caseloads"
    FCONTA_FIRST_CONTACT_OR_REREFERRAL = "FCONTA", "First contact or re-referral"
    LEFTRL_SOCIAL_WORKER_LEFT_ROLE = "LEFTRL", "Previous social worker left the role"
    ORGRST_ORGANISATIONAL_RESTRUCTURE = "ORGRST", "Organisational restructure"
    TSPROC_TRANSFER_BY_STANDARD_PROCESS = (
        "TSPROC",
        "New social worker assigned following child transfer due to standard process",
    )
    ABSENC_ABSENCE_COVER = "ABSENC", "Absence cover or return from absence"
    CHCHAN_CHILD_REQUESTED_CHANGE = (
        "CHCHAN",
        "Child requested change from previous social worker",
    )
    PCCHAN_PARENT_OR_CARER_REQUESTED_CHANGE = (
        "PCCHAN",
        "Parent or carer requested change from previous social worker",
    )
    SWDIED_SOCIAL_WORKER_DIED = "SWDIED", "Previous social worker died"
    OTHERS_OTHER_REASON = "OTHERS", "Other"


@unique
class PreviousPermanence(DfECode, dfe_item="SSDA903 PREV_PERM"):
    P1_ADOPTION = "P1", "Adoption"
    P2_SPECIAL_GUARDIANSHIP_ORDER = "P2", "Special guardianship order (SGO)"
    P3_RESIDENCE_OR_CHILD_ARRANGEMENTS_ORDER = (
        "P3",
        "Residence order (RO) or child arrangements order (CAO) which sets out with whom the "
        "child is to live",
    )
    P4_UNKNOWN = "P4", "Unknown"
    Z1_NONE = "Z1", "Child has not previously had a permanence option"


@unique
class MissingType(DfECode, dfe_item="SSDA903 MISSING"):
    M_MISSING = (
        "M",
        "Missing from care: a looked-after child who is not at their placement or the place "
        "they are expected to be (for example school) and their whereabouts is not known",
    )
    A_AWAY = (
        "A",
        "Away from placement without authorisation: a looked-after child whose whereabouts is "
        "known but who is not at their placement or place they are expected to be and the "
        "carer has concerns or the incident has been notified to the local authority or the "
        "police",
    )


@unique
class CareLeaverInTouch(DfECode, dfe_item="SSDA903 OC3 IN_TOUCH"):
    YES_IN_TOUCH = "YES", "Yes – in touch"
    NO_NOT_IN_TOUCH = "NO", "No – not in touch"
    DIED_AFTER_LEAVING_CARE = "DIED", "Died after leaving care"
    REFU_REFUSES_CONTACT = "REFU", "Young person refuses contact"
    NREQ_NO_LONGER_REQUIRES_SERVICES = (
        "NREQ",
        "Young person no longer requires children’s social care services",
    )
    RHOM_RETURNED_HOME = (
        "RHOM",
        "Young person returned to live with parents or someone with parental responsibility "
        "for a continuous period of 6 months or more",
    )


_NOT_KNOWN = (
    "Not in touch with the young person and do not know their {}, or the young person has "
    "died, or returned home to live with parents or someone with parental responsibility for "
    "a continuous period of 6 months or more"
)


@unique
class CareLeaverActivity(DfECode, dfe_item="SSDA903 OC3 ACTIV"):
    NOT_KNOWN = "0", _NOT_KNOWN.format("activity")
    F1_FULL_TIME_HIGHER_EDUCATION = (
        "F1",
        "Young person engaged full time in higher education (for example studies beyond A level)",
    )
    P1_PART_TIME_HIGHER_EDUCATION = (
        "P1",
        "Young person engaged part time in higher education (for example studies beyond A level)",
    )
    F2_FULL_TIME_OTHER_EDUCATION = (
        "F2",
        "Young person engaged full time in education other than higher education",
    )
    P2_PART_TIME_OTHER_EDUCATION = (
        "P2",
        "Young person engaged part time in education other than higher education",
    )
    F4_FULL_TIME_APPRENTICESHIP = "F4", "Young person engaged full time in an apprenticeship"
    P4_PART_TIME_APPRENTICESHIP = "P4", "Young person engaged part time in an apprenticeship"
    F5_FULL_TIME_TRAINING_OR_EMPLOYMENT = (
        "F5",
        "Young person engaged full time in training or employment (not apprenticeship)",
    )
    P5_PART_TIME_TRAINING_OR_EMPLOYMENT = (
        "P5",
        "Young person engaged part time in training or employment (not apprenticeship)",
    )
    G4_NEET_ILLNESS_OR_DISABILITY = (
        "G4",
        "Young person not in education, employment or training because of illness or disability",
    )
    G5_NEET_OTHER = (
        "G5",
        "Young person not in education, employment or training: other circumstances",
    )
    G6_NEET_PREGNANCY_OR_PARENTING = (
        "G6",
        "Young person not in education, employment or training due to pregnancy or parenting",
    )


_SUITABLE = " (accommodation considered suitable)"
_NOT_SUITABLE = " (accommodation considered not suitable)"
_WITH_PARENTS = "With parent(s) or relative(s)"
_RESIDENTIAL = (
    "Community home or other form of residential care such as an National Health Service (NHS) "
    "establishment"
)
_SEMI_INDEPENDENT = (
    "Semi-independent, transitional accommodation (like a supported hostel, trainer flats); "
    "self-contained accommodation with specialist personal assistance support (for example, "
    "for young people with disabilities, pregnant young women and single parents); and "
    "self-contained accommodation with floating support"
)
_SUPPORTED_LODGINGS = (
    "Supported lodgings (accommodation, usually in a family home, where adult(s) in the "
    "“host family” provide formal advice and support)"
)
_FOYER = (
    "Foyers and similar supported accommodation which combines the accommodation with "
    "opportunities for education, training or employment"
)
_INDEPENDENT = (
    "Independent living, for example independent tenancy of flat, house or bedsit, including "
    "local authority or housing association tenancy, or accommodation provided by a college or "
    "university. Includes flat sharing"
)
_EMERGENCY = "Emergency accommodation (like a night shelter, direct access or emergency hostel)"
_FORMER_FOSTER_CARERS = (
    "With former foster carer(s) - where the young person has been fostered and on turning 18 "
    "continues to remain with the same carer(s) who had fostered them immediately prior to "
    "their reaching legal adulthood"
)


@unique
class CareLeaverAccommodation(DfECode, dfe_item="SSDA903 OC3 ACCOM"):
    # The letter is the kind of accommodation; the digit is 1 when it is considered suitable
    # and 2 when not. No fixed abode (S) and custody (X) are never suitable: S1 and X1 do
    # not exist (903 rule 133).
    NOT_KNOWN = "0", _NOT_KNOWN.format("accommodation")
    B1_WITH_PARENTS_OR_RELATIVES_SUITABLE = "B1", _WITH_PARENTS + _SUITABLE
    B2_WITH_PARENTS_OR_RELATIVES_NOT_SUITABLE = "B2", _WITH_PARENTS + _NOT_SUITABLE
    C1_RESIDENTIAL_CARE_SUITABLE = "C1", _RESIDENTIAL + _SUITABLE
    C2_RESIDENTIAL_CARE_NOT_SUITABLE = "C2", _RESIDENTIAL + _NOT_SUITABLE
    D1_SEMI_INDEPENDENT_SUITABLE = "D1", _SEMI_INDEPENDENT + _SUITABLE
    D2_SEMI_INDEPENDENT_NOT_SUITABLE = "D2", _SEMI_INDEPENDENT + _NOT_SUITABLE
    E1_SUPPORTED_LODGINGS_SUITABLE = "E1", _SUPPORTED_LODGINGS + _SUITABLE
    E2_SUPPORTED_LODGINGS_NOT_SUITABLE = "E2", _SUPPORTED_LODGINGS + _NOT_SUITABLE
    G1_GONE_ABROAD_SUITABLE = "G1", "Gone abroad" + _SUITABLE
    G2_GONE_ABROAD_NOT_SUITABLE = "G2", "Gone abroad" + _NOT_SUITABLE
    H1_DEPORTED_SUITABLE = "H1", "Deported" + _SUITABLE
    H2_DEPORTED_NOT_SUITABLE = "H2", "Deported" + _NOT_SUITABLE
    K1_ORDINARY_LODGINGS_SUITABLE = "K1", "Ordinary lodgings, without formal support" + _SUITABLE
    K2_ORDINARY_LODGINGS_NOT_SUITABLE = (
        "K2",
        "Ordinary lodgings, without formal support" + _NOT_SUITABLE,
    )
    R1_RESIDENCE_NOT_KNOWN_SUITABLE = "R1", "Residence not known" + _SUITABLE
    R2_RESIDENCE_NOT_KNOWN_NOT_SUITABLE = "R2", "Residence not known" + _NOT_SUITABLE
    S2_NO_FIXED_ABODE_NOT_SUITABLE = "S2", "No fixed abode / homeless" + _NOT_SUITABLE
    T1_FOYER_SUITABLE = "T1", _FOYER + _SUITABLE
    T2_FOYER_NOT_SUITABLE = "T2", _FOYER + _NOT_SUITABLE
    U1_INDEPENDENT_LIVING_SUITABLE = "U1", _INDEPENDENT + _SUITABLE
    U2_INDEPENDENT_LIVING_NOT_SUITABLE = "U2", _INDEPENDENT + _NOT_SUITABLE
    V1_EMERGENCY_ACCOMMODATION_SUITABLE = "V1", _EMERGENCY + _SUITABLE
    V2_EMERGENCY_ACCOMMODATION_NOT_SUITABLE = "V2", _EMERGENCY + _NOT_SUITABLE
    W1_BED_AND_BREAKFAST_SUITABLE = "W1", "Bed and breakfast" + _SUITABLE
    W2_BED_AND_BREAKFAST_NOT_SUITABLE = "W2", "Bed and breakfast" + _NOT_SUITABLE
    X2_IN_CUSTODY_NOT_SUITABLE = "X2", "In custody" + _NOT_SUITABLE
    Y1_OTHER_ACCOMMODATION_SUITABLE = "Y1", "Other accommodation" + _SUITABLE
    Y2_OTHER_ACCOMMODATION_NOT_SUITABLE = "Y2", "Other accommodation" + _NOT_SUITABLE
    Z1_WITH_FORMER_FOSTER_CARERS_SUITABLE = "Z1", _FORMER_FOSTER_CARERS + _SUITABLE
    Z2_WITH_FORMER_FOSTER_CARERS_NOT_SUITABLE = "Z2", _FORMER_FOSTER_CARERS + _NOT_SUITABLE


@unique
class ReasonPlacedCeased(DfECode, dfe_item="SSDA903 PlacedAdoption REASON_PLACED_CEASED"):
    # Why the decision that the child should be placed for adoption was reversed.
    RD1_CHILDS_NEEDS_CHANGED = "RD1", "The child's needs changed subsequent to the decision"
    RD2_NO_PLACEMENT_ORDER = "RD2", "The court did not make a placement order"
    RD3_NO_ADOPTERS_FOUND = "RD3", "Prospective adopters could not be found"
    RD4_ANY_OTHER_REASON = "RD4", "Any other reason"


@unique
class AdopterSex(DfECode, dfe_item="SSDA903 AD1 SEX_ADOPTR"):
    M1_SINGLE_MALE = "M1", "Male adopter (single)"
    F1_SINGLE_FEMALE = "F1", "Female adopter (single)"
    MM_MALE_COUPLE = "MM", "Male couple"
    FF_FEMALE_COUPLE = "FF", "Female couple"
    MF_MIXED_COUPLE = "MF", "Mixed-sex couple"


@unique
class Disability(DfECode, dfe_item="CIN census Disability"):
    NONE_NO_DISABILITY = "NONE", "No disability"
    MOB_MOBILITY = "MOB", "Mobility: getting about, moving, walking"
    HAND_HAND_FUNCTION = "HAND", "Hand function: holding, gripping, using the hands"
    PC_PERSONAL_CARE = "PC", "Personal care: eating, washing, dressing, toileting"
    INC_INCONTINENCE = "INC", "Incontinence: controlling the passage of urine or faeces"
    COMM_COMMUNICATION = "COMM", "Communication: speaking and understanding others"
    LD_LEARNING = "LD", "Learning: understanding, concentrating and learning"
    HEAR_HEARING = "HEAR", "Hearing"
    VIS_VISION = "VIS", "Vision: seeing"
    BEH_BEHAVIOUR = "BEH", "Behaviour: a condition entailing behavioural difficulties"
    CON_CONSCIOUSNESS = "CON", "Consciousness: seizures"
    AUT_AUTISM = "AUT", "Diagnosed with autism or Asperger syndrome"
    DDA_OTHER = "DDA", "Other disability under the Equality Act 2010 (formerly the DDA)"


@unique
class SdqReason(DfECode, dfe_item="SSDA903 OC2 SDQ_REASON"):
    SDQ1_OUTSIDE_AGE_RANGE = (
        "SDQ1",
        "No form returned as the child was aged under 4 or over 17 at the date of the latest "
        "assessment",
    )
    SDQ2_CARER_REFUSED = "SDQ2", "Carer(s) refused to complete and return the questionnaire"
    SDQ3_SEVERITY_OF_DISABILITY = (
        "SDQ3",
        "Not possible to complete the questionnaire due to the severity of the child's disability",
    )
    SDQ4_OTHER = "SDQ4", "Other"
    SDQ5_CHILD_REFUSED = "SDQ5", "The child or young person refuses to allow an SDQ to be completed"


@unique
class AdoptersLegalStatus(DfECode, dfe_item="SSDA903 AD1 LS_ADOPTR"):
    # The DfE's rules tie each status to the adopters' sexes (SEX_ADOPTR): 514 (L0 is a
    # single adopter), 517 (L3 is MF), 519 (L2 is a couple), 520 (L11 is MF).
    L0_SINGLE = "L0", "A single adopter"
    L11_MARRIED_DIFFERENT_SEX = "L11", "A married couple of different sexes"
    L12_MARRIED_SAME_SEX = "L12", "A married couple of the same sex"
    L2_CIVIL_PARTNERS = "L2", "A couple in a civil partnership"
    L3_UNMARRIED_DIFFERENT_SEX = "L3", "An unmarried couple of different sexes"
    L4_UNMARRIED_SAME_SEX = "L4", "An unmarried couple of the same sex"


@unique
class Ethnicity(DfECode, dfe_item="CIN census Ethnicity and SSDA903 ETHNIC"):
    WBRI_WHITE_BRITISH = "WBRI", "White British"
    WIRI_WHITE_IRISH = "WIRI", "White Irish"
    WIRT_TRAVELLER_OF_IRISH_HERITAGE = "WIRT", "Traveller of Irish heritage"
    WOTH_ANY_OTHER_WHITE_BACKGROUND = "WOTH", "Any other White background"
    WROM_GYPSY_ROMA = "WROM", "Gypsy/Roma"
    MWBC_WHITE_AND_BLACK_CARIBBEAN = "MWBC", "White and Black Caribbean"
    MWBA_WHITE_AND_BLACK_AFRICAN = "MWBA", "White and Black African"
    MWAS_WHITE_AND_ASIAN = "MWAS", "White and Asian"
    MOTH_ANY_OTHER_MIXED_BACKGROUND = "MOTH", "Any other mixed background"
    AIND_INDIAN = "AIND", "Indian"
    APKN_PAKISTANI = "APKN", "Pakistani"
    ABAN_BANGLADESHI = "ABAN", "Bangladeshi"
    AOTH_ANY_OTHER_ASIAN_BACKGROUND = "AOTH", "Any other Asian background"
    BCRB_CARIBBEAN = "BCRB", "Caribbean"
    BAFR_AFRICAN = "BAFR", "African"
    BOTH_ANY_OTHER_BLACK_BACKGROUND = "BOTH", "Any other Black background"
    CHNE_CHINESE = "CHNE", "Chinese"
    OOTH_ANY_OTHER_ETHNIC_GROUP = "OOTH", "Any other ethnic group"
    REFU_REFUSED = "REFU", "Refused"
    NOBT_INFORMATION_NOT_YET_OBTAINED = "NOBT", "Information not yet obtained"


DFE_CODE_LISTS: tuple[type[DfECode], ...] = (
    ReferralSource,
    PrimaryNeedCode,
    ReasonForClosure,
    CategoryOfAbuse,
    AssessmentFactor,
    UPNUnknown,
    LegalStatus,
    ReasonNewEpisode,
    ReasonEpisodeCeased,
    PlacementType,
    PlacementProvider,
    ReasonPlaceChange,
    ReviewParticipation,
    SocialWorkerChangeReason,
    PreviousPermanence,
    MissingType,
    CareLeaverInTouch,
    CareLeaverActivity,
    CareLeaverAccommodation,
    ReasonPlacedCeased,
    AdopterSex,
    Disability,
    SdqReason,
    AdoptersLegalStatus,
    Ethnicity,
)
