"""A labelled linking set with realistic mess, generated reproducibly from a seed.

A county of children the hub knows (families, siblings, twins — sometimes only one twin
is known — common names shared by unrelated children) and incoming records, each
labelled with the child it is really about (or None for somebody the hub has not met).
The mess: typos, day and month swapped, missing NHS numbers, family names changed,
hyphenated and double-barrelled names, transliterated names, moves of house.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from workflow.identifiers import upn_check_letter
from workflow.matching import PersonDetails


def _names(text: str) -> list[str]:
    return text.split()


BOYS = _names(
    "Oliver George Noah Arthur Harry Leo Muhammad Jack Charlie Oscar Jacob Henry "
    "Thomas Freddie Alfie Theo William Theodore Archie Joshua Alexander James Isaac "
    "Edward Lucas Tommy Finley Yusuf Ibrahim Dmitri Jakub Mateusz Kacper Aarav Vihaan "
    "Sebastian"
)
GIRLS = _names(
    "Olivia Amelia Isla Ava Ivy Freya Lily Florence Mia Willow Rosie Sophia Isabella "
    "Grace Daisy Sienna Poppy Elsie Emily Ella Evelyn Phoebe Sofia Evie Charlotte "
    "Harper Aisha Zainab Fatima Maryam Zofia Anastasia Priya Saanvi Mary-Jane Chloe"
)
FAMILIES = _names(
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts "
    "Robinson Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris "
    "Clarke Patel Khan Ahmed Ali Nowak Kowalski Wiśniewska Ivanov Popescu O'Brien "
    "McDonald Okafor Mensah Nguyen Chowdhury Begum Hussain Singh Kaur Fernández"
)
# The same name as different systems write it: transliteration, anglicisation, accents.
VARIANTS = {
    "Muhammad": ["Mohammed", "Mohammad", "Muhammed"],
    "Yusuf": ["Yousef", "Yusef"],
    "Ibrahim": ["Ebrahim", "Ibraheem"],
    "Dmitri": ["Dmitry", "Dimitri"],
    "Alexander": ["Aleksandr", "Alexandr"],
    "Aisha": ["Ayesha", "Aysha"],
    "Zainab": ["Zaynab", "Zaineb"],
    "Fatima": ["Fatimah", "Fatema"],
    "Maryam": ["Mariam", "Miriam"],
    "Zofia": ["Sofia", "Zophia"],
    "Anastasia": ["Anastasiya", "Anastacia"],
    "Ahmed": ["Ahmad", "Ahmet"],
    "Chowdhury": ["Choudhury", "Chaudhry"],
    "Hussain": ["Hussein", "Husain"],
    "Ivanov": ["Ivanoff", "Iwanow"],
    "Wiśniewska": ["Wisniewska", "Wiszniewska"],
    "Fernández": ["Fernandez"],
    "Nguyen": ["Nguyễn"],
    "O'Brien": ["OBrien", "O Brien"],
    "Kowalski": ["Kowalsky"],
}
OUTWARD = ["AL1", "AL3", "SG1", "SG12", "WD17", "WD24", "HP2", "HP3", "EN8", "CM23", "LU1"]


@dataclass(frozen=True, slots=True)
class Known:
    """A child the hub knows, and their family."""

    child_id: str
    family: str
    details: PersonDetails
    sex: str


@dataclass(frozen=True, slots=True)
class Labelled:
    """An incoming record and the child it is really about (None: not known to the hub)."""

    scenario: str
    details: PersonDetails
    truth: str | None


@dataclass(frozen=True, slots=True)
class LinkingSet:
    """The known children (with their postcodes) and the labelled records."""

    known: list[Known]
    records: list[Labelled]


def nhs_number(rng: random.Random) -> str:
    """A random NHS number with a valid modulus-11 check digit."""
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        digits[0] = rng.randint(4, 9)
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def upn(rng: random.Random) -> str:
    """A random UPN with a valid DfE check letter."""
    body = "".join(str(rng.randint(0, 9)) for _ in range(12))
    return upn_check_letter(body) + body


def postcode(rng: random.Random) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{rng.choice(OUTWARD)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def typo(rng: random.Random, name: str) -> str:
    """One keystroke wrong: a letter dropped, doubled, swapped with its neighbour or replaced."""
    letters = list(name)
    at = rng.randrange(1, len(letters) - 1) if len(letters) > 2 else 0
    match rng.choice(("drop", "double", "swap", "replace")):
        case "drop":
            del letters[at]
        case "double":
            letters.insert(at, letters[at])
        case "swap":
            letters[at], letters[at + 1] = letters[at + 1], letters[at]
        case _:
            letters[at] = rng.choice("aeiou" if letters[at] not in "aeiou" else "rstln")
    return "".join(letters)


def _birth(rng: random.Random) -> date:
    return date(2008, 1, 1) + timedelta(days=rng.randrange(0, 365 * 17))


def generate(seed: int = 20261205, families: int = 140, records: int = 320) -> LinkingSet:
    """The county and `records` labelled records, the same for the same seed."""
    rng = random.Random(seed)
    known: list[Known] = []
    unknown: list[tuple[str, Known]] = []  # (why unknown, a person the hub has not met)
    serial = 0

    def person(family: str, born: date, where: str, sex: str, taken: set[str]) -> Known:
        nonlocal serial
        serial += 1
        pool = [n for n in (BOYS if sex == "M" else GIRLS) if n not in taken]
        given = rng.choice(pool)
        taken.add(given)
        details = PersonDetails(
            given_name=given,
            family_name=family,
            date_of_birth=born,
            sex=sex,
            postcode=where,
            nhs_number=nhs_number(rng),
            upn=upn(rng) if born < date(2022, 1, 1) else None,
        )
        return Known(child_id=f"K{serial:05d}", family=family, details=details, sex=sex)

    for number in range(families):
        family = rng.choice(FAMILIES)
        where = postcode(rng)
        taken: set[str] = set()
        members: list[Known] = []
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            members.append(person(family, _birth(rng), where, rng.choice("MF"), taken))
        if number % 6 == 0:
            # Twins: one birth date, one family, one address, two first names.
            born = _birth(rng)
            twins = [person(family, born, where, rng.choice("MF"), taken) for _ in range(2)]
            if number % 12 == 0:
                # Only one twin is known: a record about the other must not link to them.
                members.append(twins[0])
                unknown.append(("twin of a known child", twins[1]))
                # The known twin's NHS number typed onto the other twin's record.
                wrong = replace(twins[1].details, nhs_number=twins[0].details.nhs_number)
                unknown.append(
                    ("twin with the known twin's NHS number", replace(twins[1], details=wrong))
                )
            else:
                members.extend(twins)
        if number % 5 == 0:
            unknown.append(
                ("sibling of a known child", person(family, _birth(rng), where, "F", taken))
            )
        known.extend(members)

    # Children the hub has never met, some of them namesakes of a known child.
    for index in range(40):
        if index % 2 == 0:
            twin = rng.choice(known)
            born = _birth(rng)
            namesake = replace(
                twin.details,
                date_of_birth=born,
                postcode=postcode(rng),
                nhs_number=nhs_number(rng),
                upn=None,
            )
            unknown.append(("namesake with another birth date", replace(twin, details=namesake)))
        else:
            unknown.append(
                ("stranger", person(rng.choice(FAMILIES), _birth(rng), postcode(rng), "M", set()))
            )

    labelled: list[Labelled] = []
    for index in range(records):
        if index % 4 == 3:
            why, stranger = unknown[index // 4 % len(unknown)]
            seen = stranger.details
            if rng.random() < 0.5 and "NHS number" not in why:
                seen = replace(seen, nhs_number=None, upn=None)
            labelled.append(Labelled(why, seen, None))
            continue
        child = rng.choice(known)
        scenario, seen = _mess(rng, child.details)
        labelled.append(Labelled(scenario, seen, child.child_id))
    return LinkingSet(known=known, records=labelled)


def _variant(rng: random.Random, name: str) -> str | None:
    for part in name.replace("-", " "):
        if part in VARIANTS:
            return name.replace(part, rng.choice(VARIANTS[part]))
    return None


def _mess(rng: random.Random, true: PersonDetails) -> tuple[str, PersonDetails]:
    """A record about `true` as another system might have written it."""
    # Most records from early help and education do not carry the NHS number.
    seen = replace(true, nhs_number=true.nhs_number if rng.random() < 0.3 else None)
    if rng.random() < 0.6:
        seen = replace(seen, upn=None)
    scenario = rng.choice(
        (
            "clean",
            "typo in first name",
            "typo in family name",
            "day and month swapped",
            "family name changed",
            "hyphenated family name",
            "transliterated name",
            "moved house",
            "capitals and spaces",
            "no identifiers and a typo",
        )
    )
    given, family = seen.given_name or "", seen.family_name or ""
    match scenario:
        case "typo in first name":
            seen = replace(seen, given_name=typo(rng, given))
        case "typo in family name":
            seen = replace(seen, family_name=typo(rng, family))
        case "day and month swapped":
            born = seen.date_of_birth
            assert born is not None
            if born.day <= 12 and born.day != born.month:
                seen = replace(seen, date_of_birth=born.replace(day=born.month, month=born.day))
            else:
                scenario = "clean"
        case "family name changed":
            seen = replace(seen, family_name=rng.choice([f for f in FAMILIES if f != family]))
        case "hyphenated family name":
            seen = replace(seen, family_name=f"{family}-{rng.choice(FAMILIES)}")
        case "transliterated name":
            changed = _variant(rng, given)
            if changed is not None:
                seen = replace(seen, given_name=changed)
            elif (changed := _variant(rng, family)) is not None:
                seen = replace(seen, family_name=changed)
            else:
                seen = replace(seen, given_name=given.upper())
                scenario = "capitals and spaces"
        case "moved house":
            seen = replace(seen, postcode=postcode(random.Random(rng.random())))
        case "capitals and spaces":
            seen = replace(seen, given_name=f" {given.upper()}", family_name=family.lower())
        case "no identifiers and a typo":
            seen = replace(seen, nhs_number=None, upn=None, given_name=typo(rng, given))
    return scenario, seen
