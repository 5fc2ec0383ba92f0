"""The scoring rules one by one, on hand-made children."""

from __future__ import annotations

from datetime import date

from workflow.diminutives import english_diminutives
from workflow.matching import (
    Candidate,
    Decision,
    Level,
    PersonDetails,
    Rule,
    compare_birth_dates,
    compare_names,
    decide,
    identity_key,
)

# How a name and its diminutive may agree: as a nickname, or closer where spelling alone
# already says so (Isabel, Issy sound alike).
ALIKE = {Level.NICKNAME, Level.PHONETIC, Level.TYPO, Level.PART, Level.PARTIAL}

RUBY = PersonDetails(
    given_name="Ruby",
    family_name="Newman",
    date_of_birth=date(2019, 5, 4),
    sex="F",
    postcode="SG13 8DE",
)


def known(child_id: str, details: PersonDetails, nhs: str | None = None) -> Candidate:
    return Candidate(
        child_id=child_id,
        details=details,
        nhs_numbers=frozenset({nhs} if nhs else set()),
        postcodes=frozenset({details.postcode} if details.postcode else set()),
    )


def test_names_agree_through_accents_hyphens_typos_and_transliteration() -> None:
    assert compare_names("Fernández", "FERNANDEZ") is Level.EXACT
    assert compare_names("Smith-Jones", "Smith") is Level.PART
    assert compare_names("Charlotte", "Charlote") is Level.TYPO
    assert compare_names("Yusuf", "Yousef") is Level.PHONETIC
    assert compare_names("Oliver", "Amelia") is Level.DIFFERENT
    assert compare_names(None, "Amelia") is Level.MISSING


def test_names_in_other_scripts_compare_as_spelled_never_as_nothing() -> None:
    assert compare_names("Иван", "ИВАН") is Level.EXACT
    assert compare_names("Пётр", "Петр") is Level.EXACT  # the breve and diaeresis are marks
    assert compare_names("Иван", "Пётр") is Level.DIFFERENT
    assert compare_names("محمد", "محمد") is Level.EXACT
    assert compare_names("王伟", "李娜") is Level.DIFFERENT
    # English sound rules say nothing of another script: no PHONETIC agreement from them.
    assert compare_names("Ольга", "Ирина") is Level.DIFFERENT


def test_latin_letters_nfkd_does_not_split_agree_with_the_letters_they_are_written_as() -> None:
    # ł, ø, ß, æ and đ carry no separable mark: a system without them writes l, o, ss, ae, d.
    assert compare_names("Paweł", "Pawel") is Level.EXACT
    assert compare_names("Łukasz", "LUKASZ") is Level.EXACT
    assert compare_names("Strauß", "Strauss") is Level.EXACT
    assert compare_names("Søren", "Soren") is Level.EXACT
    assert compare_names("Đorđe", "Dorde") is Level.EXACT
    pawel = PersonDetails(given_name="Paweł", family_name="Wójcik", date_of_birth=date(2015, 6, 1))
    ascii_only = PersonDetails(
        given_name="Pawel", family_name="Wojcik", date_of_birth=date(2015, 6, 1)
    )
    assert decide(ascii_only, [known("C1", pawel)]).decision is Decision.AUTO_LINK


def test_a_name_in_another_script_and_its_transliteration_go_to_a_person() -> None:
    # The LCS keeps a name in the script the family wrote it in; IES writes it in Latin
    # letters. Transliterations differ (Dmitriy, Dmitry), so a person decides: never a
    # new child, never an automatic link.
    assert compare_names("Дмитрий", "Dmitry") is Level.TRANSLITERATED
    assert compare_names("Иванов", "Ivanov") is Level.TRANSLITERATED
    assert compare_names("伟", "Wei") is Level.TRANSLITERATED
    assert compare_names("Мария", "Oliver") is Level.DIFFERENT
    for written, latin in (
        (("Дмитрий", "Иванов"), ("Dmitry", "Ivanov")),
        (("伟", "张"), ("Wei", "Zhang")),
    ):
        child = PersonDetails(
            given_name=written[0], family_name=written[1], date_of_birth=date(2015, 6, 1)
        )
        record = PersonDetails(
            given_name=latin[0], family_name=latin[1], date_of_birth=date(2015, 6, 1)
        )
        assert decide(record, [known("C1", child)]).decision is Decision.REVIEW, latin


def test_children_with_non_latin_names_born_on_one_day_have_their_own_identity_keys() -> None:
    born = date(2019, 5, 4)
    keys = {
        identity_key(PersonDetails(given_name=given, family_name=family, date_of_birth=born))
        for given, family in (
            ("Иван", "Петров"),
            ("Ольга", "Смирнова"),
            ("伟", "王"),
            ("نور", "حسن"),
        )
    }
    assert len(keys) == 4


def test_birth_dates_agree_with_day_and_month_swapped() -> None:
    assert compare_birth_dates(date(2019, 5, 4), date(2019, 4, 5)) is Level.SWAPPED
    assert compare_birth_dates(date(2019, 5, 4), date(2019, 5, 4)) is Level.EXACT
    assert compare_birth_dates(date(2019, 5, 4), date(2018, 5, 4)) is Level.TYPO
    assert compare_birth_dates(date(2019, 5, 4), date(2012, 11, 23)) is Level.DIFFERENT


def test_an_exact_match_links_and_a_swapped_birth_date_too() -> None:
    assert decide(RUBY, [known("C1", RUBY)]).decision is Decision.AUTO_LINK
    swapped = PersonDetails(**{**_fields(RUBY), "date_of_birth": date(2019, 4, 5)})
    assert decide(swapped, [known("C1", RUBY)]).decision is Decision.AUTO_LINK


def test_a_twin_whose_name_only_sounds_alike_goes_to_a_person() -> None:
    jack = PersonDetails(**{**_fields(RUBY), "given_name": "Jack", "sex": "M"})
    jake = PersonDetails(**{**_fields(RUBY), "given_name": "Jake", "sex": "M"})
    match = decide(jake, [known("C1", jack)])
    assert match.decision is Decision.REVIEW


def test_a_twin_with_another_name_is_a_new_person() -> None:
    amber = PersonDetails(**{**_fields(RUBY), "given_name": "Amber"})
    assert decide(amber, [known("C1", RUBY)]).decision is Decision.NEW_PERSON


def test_two_close_candidates_go_to_review_not_to_the_higher() -> None:
    rubi = PersonDetails(**{**_fields(RUBY), "given_name": "Rubi"})
    match = decide(RUBY, [known("C1", RUBY), known("C2", rubi)])
    assert match.decision is Decision.REVIEW
    assert [found.child_id for found in match.candidates] == ["C1", "C2"]


def test_the_same_nhs_number_links_unless_name_and_birth_both_differ() -> None:
    with_nhs = PersonDetails(**{**_fields(RUBY), "nhs_number": "9434765919"})
    renamed = PersonDetails(**{**_fields(with_nhs), "family_name": "Okafor"})
    match = decide(renamed, [known("C1", RUBY, nhs="9434765919")])
    assert (match.decision, match.best and match.best.rule) == (
        Decision.AUTO_LINK,
        Rule.NHS_NUMBER,
    )
    stranger = PersonDetails(
        given_name="Tom",
        family_name="Hall",
        date_of_birth=date(2011, 1, 30),
        nhs_number="9434765919",
    )
    assert decide(stranger, [known("C1", RUBY, nhs="9434765919")]).decision is Decision.REVIEW


def test_a_twin_s_nhs_number_on_a_record_goes_to_a_person() -> None:
    amber = PersonDetails(**{**_fields(RUBY), "given_name": "Amber", "nhs_number": "9434765919"})
    match = decide(amber, [known("C1", RUBY, nhs="9434765919")])
    assert (match.decision, match.reason) == (
        Decision.REVIEW,
        "same NHS_NUMBER, but the rest of the record differs",
    )


def test_different_nhs_numbers_are_different_children() -> None:
    with_nhs = PersonDetails(**{**_fields(RUBY), "nhs_number": "9434765870"})
    match = decide(with_nhs, [known("C1", RUBY, nhs="9434765919")])
    assert match.decision is Decision.NEW_PERSON


def test_a_name_written_family_name_first_goes_to_a_person_not_to_a_new_child() -> None:
    # Chinese, Hungarian and Vietnamese names are often written family name first, and
    # systems put them in the fields in different orders: "Wei Zhang" is "Zhang Wei".
    wei = PersonDetails(given_name="Wei", family_name="Zhang", date_of_birth=date(2016, 3, 14))
    known_wei = known("C1", wei)
    swapped = PersonDetails(
        given_name="ZHANG", family_name="Wei", date_of_birth=date(2016, 3, 14), sex="M"
    )
    match = decide(swapped, [known_wei])
    assert match.decision is Decision.REVIEW
    assert match.best is not None
    assert (match.best.levels["givenName"], match.best.levels["familyName"]) == (
        Level.SWAPPED,
        Level.SWAPPED,
    )
    # Spelt a little differently as well, and with the same postcode: still a person's call,
    # never an automatic link (only an agreeing first name links without a person).
    nguyen = PersonDetails(**{**_fields(RUBY), "given_name": "Thi Lan", "family_name": "Nguyễn"})
    written = PersonDetails(**{**_fields(RUBY), "given_name": "Nguyen", "family_name": "Thi-Lan"})
    assert decide(written, [known("C2", nguyen)]).decision is Decision.REVIEW
    # Twins cross-match on nothing: a sibling is not a swapped name.
    amber = PersonDetails(**{**_fields(RUBY), "given_name": "Amber"})
    assert decide(amber, [known("C1", RUBY)]).decision is Decision.NEW_PERSON


def test_a_nickname_goes_to_a_person_not_to_a_new_child() -> None:
    # Schools and early help workers often write the name a child goes by: Bill for
    # William, Peggy for Margaret. Same family name and birthday: a person should look;
    # only an agreeing first name links without one.
    for known_as, written in (("William", "Bill"), ("Margaret", "Peggy"), ("Robert", "Bob")):
        child = PersonDetails(**{**_fields(RUBY), "given_name": known_as})
        record = PersonDetails(**{**_fields(RUBY), "given_name": written})
        match = decide(record, [known("C1", child)])
        assert match.decision is Decision.REVIEW, (known_as, written)
        assert match.best is not None
        assert match.best.levels["givenName"] is Level.NICKNAME
    assert compare_names("Bill", "William") is Level.DIFFERENT  # as a family name, no
    # A nickname never overrides a name that is simply another child's.
    amber = PersonDetails(**{**_fields(RUBY), "given_name": "Amber"})
    assert decide(amber, [known("C1", RUBY)]).decision is Decision.NEW_PERSON


def test_an_english_diminutive_the_nicknames_package_lacks_goes_to_a_person() -> None:
    # Alfie for Alfred, Charlie for Charlotte, Evie for Evelyn: the names English schools
    # write every day, missing from the package's American table, made a second child.
    for known_as, written in (
        ("Alfred", "Alfie"),
        ("Charlotte", "Charlie"),
        ("Evelyn", "Evie"),
        ("Elizabeth", "Ellie"),
        ("Isabella", "Izzy"),
        ("Margaret", "Maisie"),
    ):
        child = PersonDetails(**{**_fields(RUBY), "given_name": known_as})
        record = PersonDetails(**{**_fields(RUBY), "given_name": written})
        match = decide(record, [known("C1", child)])
        assert match.decision is Decision.REVIEW, (known_as, written)
        assert match.best is not None
        assert match.best.levels["givenName"] is Level.NICKNAME
    # Two diminutives of one name agree too (Sasha, Lexie), and the table is data: every
    # row of it agrees as a nickname, both ways round.
    assert compare_names("Sasha", "Lexie", first_names=True) is Level.NICKNAME
    table = english_diminutives()
    rows = [(name, short) for name, shorts in table.of_name.items() for short in shorts]
    assert len(rows) >= 60
    for name, short in rows:
        assert compare_names(short, name, first_names=True) in ALIKE, (name, short)
        assert compare_names(name, short, first_names=True) in ALIKE, (name, short)


def _fields(details: PersonDetails) -> dict[str, object]:
    return {name: getattr(details, name) for name in details.__slots__}  # type: ignore[attr-defined]
