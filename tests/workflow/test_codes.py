from __future__ import annotations

import re

import pytest

from workflow.codes import (
    DFE_CODE_LISTS,
    AdopterSex,
    AdoptersLegalStatus,
    AssessmentFactor,
    CareLeaverAccommodation,
    CareLeaverActivity,
    CareLeaverInTouch,
    CategoryOfAbuse,
    DfECode,
    Disability,
    Ethnicity,
    LegalStatus,
    MissingType,
    PlacementProvider,
    PlacementType,
    PreviousPermanence,
    PrimaryNeedCode,
    ReasonEpisodeCeased,
    ReasonForClosure,
    ReasonNewEpisode,
    ReasonPlaceChange,
    ReasonPlacedCeased,
    ReferralSource,
    ReviewParticipation,
    SdqReason,
    SocialWorkerChangeReason,
    UPNUnknown,
)

# The valid values as the DfE publishes them: the CIN census schema for the CIN lists, and
# the 2025-26 rule set of the 903 validator (rules 131, 132, 133, 146, SW13STG1, ...).
EXPECTED_CODES: list[tuple[type[DfECode], str]] = [
    (ReferralSource, "1A 1B 1C 1D 2A 2B 3A 3B 3C 3D 3E 3F 4 5A 5B 5C 5D 6 7 8 9 10"),
    (PrimaryNeedCode, "N0 N1 N2 N3 N4 N5 N6 N7 N8 N9"),
    (ReasonForClosure, "RC1 RC2 RC3 RC4 RC5 RC6 RC7 RC8 RC9"),
    (CategoryOfAbuse, "NEG PHY SAB EMO MUL"),
    (
        AssessmentFactor,
        "1A 1B 1C 2A 2B 2C 3A 3B 3C 4A 4B 4C 5A 5B 5C 6A 6B 6C 7A 8B 8C 8D 8E 8F 9A 10A 11A "
        "12A 13A 14A 15A 16A 17A 18B 18C 19B 19C 20 21 22A 23A 24A",
    ),
    (UPNUnknown, "UN1 UN2 UN3 UN4 UN5 UN6 UN7"),
    (LegalStatus, "C1 C2 D1 E1 V2 V3 V4 L1 L2 L3 J1 J2 J3"),
    (ReasonNewEpisode, "S L P T B U"),
    (
        ReasonEpisodeCeased,
        "X1 E11 E12 E2 E3 E4A E4B E13 E41 E45 E46 E47 E48 E5 E6 E7 E8 E9 E14 E15 E16 E17",
    ),
    (
        PlacementType,
        "A3 A4 A5 A6 K1 K2 K3 P1 P3 R1 R2 R3 R5 S1 T0 T1 T2 T3 T4 U1 U2 U3 U4 U5 U6 "
        "Z11 Z12 Z13 Z14",
    ),
    (PlacementProvider, "PR0 PR1 PR2 PR3 PR4 PR5"),
    (ReasonPlaceChange, "CARPL CLOSE ALLEG STAND APPRR CREQB CREQO CHILD LAREQ PLACE CUSTOD OTHER"),
    (ReviewParticipation, "PN0 PN1 PN2 PN3 PN4 PN5 PN6 PN7"),
    (
        SocialWorkerChangeReason,
        "MANAGE FCONTA LEFTRL ORGRST TSPROC ABSENC CHCHAN PCCHAN SWDIED OTHERS",
    ),
    (PreviousPermanence, "P1 P2 P3 P4 Z1"),
    (MissingType, "M A"),
    (CareLeaverInTouch, "YES NO DIED REFU NREQ RHOM"),
    (CareLeaverActivity, "F1 P1 F2 P2 F4 P4 F5 P5 G4 G5 G6 0"),
    (
        CareLeaverAccommodation,
        "B1 B2 C1 C2 D1 D2 E1 E2 G1 G2 H1 H2 K1 K2 R1 R2 S2 T1 T2 U1 U2 V1 V2 W1 W2 X2 Y1 Y2 "
        "Z1 Z2 0",
    ),
    # 903 rule 120 (REASON_PLACED_CEASED); AD1 SEX_ADOPTR.
    (ReasonPlacedCeased, "RD1 RD2 RD3 RD4"),
    (AdopterSex, "M1 F1 MM FF MF"),
    # CIN census Disability; 903 OC2 SDQ_REASON (rule 196) and AD1 LS_ADOPTR (rule 177).
    (Disability, "NONE MOB HAND PC INC COMM LD HEAR VIS BEH CON AUT DDA"),
    (SdqReason, "SDQ1 SDQ2 SDQ3 SDQ4 SDQ5"),
    (AdoptersLegalStatus, "L0 L11 L12 L2 L3 L4"),
    # CIN census Ethnicity; the 903's ETHNIC (rule 103) takes the same list.
    (
        Ethnicity,
        "WBRI WIRI WIRT WOTH WROM MWBC MWBA MWAS MOTH AIND APKN ABAN AOTH BCRB BAFR BOTH CHNE "
        "OOTH REFU NOBT",
    ),
]


@pytest.mark.parametrize(("code_list", "codes"), EXPECTED_CODES)
def test_each_list_holds_exactly_the_dfe_codes(code_list: type[DfECode], codes: str) -> None:
    expected = codes.split()
    assert len(expected) == len(set(expected))
    assert sorted(member.value for member in code_list) == sorted(expected)


def test_every_code_list_is_checked_and_exported() -> None:
    assert {code_list for code_list, _ in EXPECTED_CODES} == set(DFE_CODE_LISTS)
    assert set(DfECode.__subclasses__()) == set(DFE_CODE_LISTS)


@pytest.mark.parametrize("code_list", DFE_CODE_LISTS)
def test_names_are_readable_graphql_enum_values(code_list: type[DfECode]) -> None:
    for member in code_list:
        # GraphQL exposes the name: an UPPER_SNAKE identifier that is not a GraphQL literal.
        assert re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", member.name), member.name
        assert member.name not in {"TRUE", "FALSE", "NULL"}
        # A code that starts with a letter leads the name; one that starts with a digit cannot.
        if member.value[0].isalpha():
            assert member.name.startswith(f"{member.value}_"), member.name
        assert member.description.strip() == member.description
        assert len(member.description) > 1


@pytest.mark.parametrize(
    ("member", "code"),
    [
        (ReferralSource.SCHOOLS, "2A"),  # digit-led code: readable name only
        (ReferralSource.UNKNOWN, "10"),
        (PrimaryNeedCode.N1_ABUSE_OR_NEGLECT, "N1"),
        (ReasonForClosure.RC1_ADOPTED, "RC1"),
        (ReasonForClosure.RC8_CLOSED_AFTER_ASSESSMENT_NO_FURTHER_ACTION, "RC8"),
        (AssessmentFactor.NO_FACTORS_IDENTIFIED, "21"),
        (LegalStatus.C2_FULL_CARE_ORDER, "C2"),
        (PlacementType.U4_FOSTER_OTHER_CARER_LONG_TERM, "U4"),
        (CareLeaverAccommodation.S2_NO_FIXED_ABODE_NOT_SUITABLE, "S2"),
    ],
)
def test_value_is_the_dfe_code(member: DfECode, code: str) -> None:
    assert member.value == code
    assert member.code == code


@pytest.mark.parametrize(
    ("code_list", "code", "expected"),
    [
        (ReferralSource, "2A", ReferralSource.SCHOOLS),
        (ReasonForClosure, "rc8", ReasonForClosure.RC8_CLOSED_AFTER_ASSESSMENT_NO_FURTHER_ACTION),
        (PlacementType, " Z11 ", PlacementType.Z11_OTHER_PLACEMENT),  # spaces forgiven
        (CareLeaverActivity, "0", CareLeaverActivity.NOT_KNOWN),
        (CareLeaverInTouch, "refu", CareLeaverInTouch.REFU_REFUSES_CONTACT),
        (MissingType, "A", MissingType.A_AWAY),
    ],
)
def test_from_code(code_list: type[DfECode], code: str, expected: DfECode) -> None:
    assert code_list.from_code(code) is expected


@pytest.mark.parametrize(
    ("code_list", "code", "message"),
    [
        (LegalStatus, "C3", "'C3' is not in the LegalStatus code list (SSDA903 LS)"),
        # Retired 2024-25: queries 8945Q/8950Q.
        (AssessmentFactor, "18A", "'18A' is not in the AssessmentFactor code list (CIN census"),
        # No longer valid from 2025-26 (903 rule 146).
        (PlacementType, "Z1", "'Z1' is not in the PlacementType code list (SSDA903 PLACE)"),
        (PlacementType, "H5", "'H5' is not in the PlacementType code list (SSDA903 PLACE)"),
        # Homelessness is never suitable accommodation (903 rule 133).
        (CareLeaverAccommodation, "S1", "'S1' is not in the CareLeaverAccommodation code list"),
        (
            ReferralSource,
            "",
            "'' is not in the ReferralSource code list (CIN census ReferralSource)",
        ),
    ],
)
def test_unknown_code_names_the_list(code_list: type[DfECode], code: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        code_list.from_code(code)
