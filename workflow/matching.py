"""Is this record about that child? Scoring a person's details against a known child.

One child, one record: linking the wrong child is as dangerous as failing to link, so
the rules lean to a person reading the evidence (the review queue) whenever it is thin.

- Deterministic: the same NHS number or UPN links, unless the rest of the record says
  it is somebody else (a twin's or sibling's number typed onto the record is a known error:
  the first name then differs).
- Otherwise a Fellegi-Sunter style score: each field's agreement level adds a weight
  (log2 of how much likelier that agreement is between records of one child than of two).
  Names are compared after folding accents, case, hyphens and spaces, then by
  Damerau-Levenshtein distance and Jaro-Winkler similarity (rapidfuzz) and by phonetic
  codes (Metaphone and NYSIIS, from jellyfish) for transliterations (Mohammed/Muhammad,
  Aleksandr/Alexander). Dates of birth also agree with day and month swapped.
- Latin letters NFKD does not split (ł, ø, ß, æ, đ) agree with the letters a system
  without them writes (l, o, ss, ae, d). A name in another script (Cyrillic, Arabic,
  Han) and a Latin spelling of it agree as TRANSLITERATED when their transliterations
  (anyascii) agree: enough for a person to look, never for an automatic link.
- A first name may be the name the child goes by (Bill for William, Peggy for
  Margaret): NICKNAME, from the `nicknames` package's hand-curated table of English
  names and the English diminutives it lacks (Alfie for Alfred, Charlie for Charlotte:
  `workflow/english_diminutives.csv`), enough for a person to look, never for an
  automatic link.
- Names written in the other order (family name first, as many Chinese, Vietnamese and
  Hungarian names are, and as systems file them differently) agree crosswise: both
  names are SWAPPED, enough for a person to look, never for an automatic link.
- Auto-link needs more than a score: the first names agree exactly (twins share
  everything else), the date of birth agrees, and no other candidate comes close.

rapidfuzz, jellyfish, nicknames and anyascii are small, maintained, offline libraries; splink would
bring DuckDB and an estimation step this hub does not need at a few candidates per record.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import jellyfish
from anyascii import anyascii
from nicknames import NickNamer
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from workflow.diminutives import english_diminutives

# Scores at or above AUTO_LINK may link without a person; REVIEW and above go to the
# review queue; below REVIEW the record is about somebody the hub has not met.
AUTO_LINK_THRESHOLD = 16.0
REVIEW_THRESHOLD = 8.0
# The best candidate must beat the next by this much to be linked automatically.
AUTO_LINK_MARGIN = 6.0


class Level(enum.StrEnum):
    """How well one field agrees, from best to worst."""

    EXACT = "EXACT"
    PART = "PART"  # one name is a part of the other (hyphenated, double-barrelled, middle)
    SWAPPED = "SWAPPED"  # a date with day and month swapped
    TYPO = "TYPO"  # one or two keystrokes apart
    PHONETIC = "PHONETIC"  # sounds the same (transliteration, spelling variants)
    NICKNAME = "NICKNAME"  # a first name and a name it is shortened to (Bill, William)
    TRANSLITERATED = "TRANSLITERATED"  # one in another script, spelt alike in Latin letters
    PARTIAL = "PARTIAL"  # similar, but weakly
    DIFFERENT = "DIFFERENT"
    MISSING = "MISSING"  # one side does not know


class Rule(enum.StrEnum):
    """How a link was, or would be, made."""

    NHS_NUMBER = "NHS_NUMBER"
    UPN = "UPN"
    SCORE = "SCORE"
    MANUAL = "MANUAL"


class Decision(enum.StrEnum):
    """What happens to a record after matching."""

    AUTO_LINK = "AUTO_LINK"
    REVIEW = "REVIEW"
    NEW_PERSON = "NEW_PERSON"


@dataclass(frozen=True, slots=True)
class PersonDetails:
    """What a record says about who it is about. Every field may be missing."""

    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: date | None = None
    sex: str | None = None
    postcode: str | None = None
    nhs_number: str | None = None
    upn: str | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A child the hub knows, with every identifier and postcode it has seen for them."""

    child_id: str
    details: PersonDetails
    nhs_numbers: frozenset[str] = frozenset()
    upns: frozenset[str] = frozenset()
    postcodes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Score:
    """One candidate's score and the agreement levels behind it."""

    child_id: str
    score: float
    rule: Rule
    levels: dict[str, Level] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Match:
    """The decision for one record and the scored candidates it was made from."""

    decision: Decision
    candidates: tuple[Score, ...]
    reason: str

    @property
    def best(self) -> Score | None:
        return self.candidates[0] if self.candidates else None


# log2 weights per level. Family names change (adoption, a parent's new partner) far
# more often than first names or birth dates, so their disagreement costs less.
_GIVEN = {
    Level.EXACT: 6.0,
    Level.PART: 5.0,
    Level.SWAPPED: 4.0,
    Level.TYPO: 3.5,
    Level.PHONETIC: 3.0,
    Level.NICKNAME: 3.0,
    Level.TRANSLITERATED: 3.0,
    Level.PARTIAL: 0.5,
    Level.DIFFERENT: -8.0,
}
_FAMILY = {
    Level.EXACT: 5.0,
    Level.PART: 4.0,
    Level.SWAPPED: 3.0,
    Level.TYPO: 3.0,
    Level.PHONETIC: 2.5,
    Level.TRANSLITERATED: 2.5,
    Level.PARTIAL: 0.5,
    Level.DIFFERENT: -2.0,
}
_BIRTH = {
    Level.EXACT: 7.0,
    Level.SWAPPED: 5.0,
    Level.TYPO: 1.0,
    Level.DIFFERENT: -9.0,
}
_SEX = {Level.EXACT: 0.5, Level.DIFFERENT: -3.0}
_POSTCODE = {Level.EXACT: 3.0, Level.PARTIAL: 1.0, Level.DIFFERENT: -0.5}
# Two different verified identifiers are two different people (both carry check digits).
_IDENTIFIER_CONFLICT = -20.0


def fold(name: str | None, *, digits: bool = False) -> str:
    """A name without accents, case, punctuation or spaces: how names are compared.

    Letters of every script are kept (only the marks NFKD splits off an accented letter
    go): a name in Cyrillic, Arabic or Han compares as itself, never as nothing, or two
    different children born on one day would share an identity key.

    Args:
        digits: keep digits too (an unborn child's placeholder name, "Twin 1").
    """
    if not name:
        return ""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if ch.isalpha() or (digits and ch.isdigit()))


def identity_key(person: PersonDetails) -> str | None:
    """Who a new child is, as a key every record of them shares (None: too little to say).

    The folded first and family names and the date of birth: what two racing contacts, or
    two racing batches, about one child have in common. A unique constraint on it makes
    them converge on one child; twins differ in their first names. An unborn child has no
    date of birth (see `unborn_identity_key`).
    """
    if not (person.given_name and person.family_name and person.date_of_birth):
        return None
    return "|".join(
        (fold(person.given_name), fold(person.family_name), person.date_of_birth.isoformat())
    )


def unborn_identity_key(given_name: str, family_name: str, expected: date) -> str:
    """An unborn child's key: the names and the expected date of birth.

    Unborn twins share a family name and a due date (and often a placeholder first name
    such as "Baby"): the worker names them apart ("Twin 1", "Twin 2"; digits count here).
    """
    return "|".join(
        (
            "unborn",
            fold(given_name, digits=True),
            fold(family_name, digits=True),
            expected.isoformat(),
        )
    )


def same_identity(found: Score) -> bool:
    """Whether a scored candidate has the record's identity key (names and birth date) and
    no verified identifier that says it is somebody else."""
    levels = found.levels
    return all(
        levels.get(name) is Level.EXACT for name in ("givenName", "familyName", "dateOfBirth")
    ) and Level.DIFFERENT not in (levels.get("nhsNumber"), levels.get("upn"))


def name_parts(name: str | None) -> list[str]:
    """The parts of a hyphenated, double-barrelled or multi-word name, folded."""
    if not name:
        return []
    spaced = name.replace("-", " ").replace("'", " ").replace(".", " ")
    return [part for part in (fold(word) for word in spaced.split()) if part]


def _sounds_alike(left: str, right: str) -> bool:
    # Metaphone and NYSIIS are rules for English spelling: of a name in another script
    # Metaphone says nothing (an empty code, which would make any two names alike) and
    # NYSIIS echoes it. Names written in other scripts agree only as spelled.
    if not (left.isascii() and right.isascii()):
        return False
    return jellyfish.metaphone(left) == jellyfish.metaphone(right) or (
        jellyfish.nysiis(left) == jellyfish.nysiis(right)
    )


_NICKNAMES = NickNamer()


def _nicknames_of(name: str) -> set[str]:
    return _NICKNAMES.nicknames_of(name) | english_diminutives().nicknames_of(name)


def _canonicals_of(name: str) -> set[str]:
    return _NICKNAMES.canonicals_of(name) | english_diminutives().canonicals_of(name)


def _nicknames_alike(left: str, right: str) -> bool:
    # One is a nickname of the other, or both are nicknames of one name (Bill, Will):
    # in the package's table or in the English diminutives it lacks (Alfie, Alfred).
    if not (left.isascii() and right.isascii()):
        return False
    return (
        right in _nicknames_of(left)
        or left in _nicknames_of(right)
        or bool(_canonicals_of(left) & _canonicals_of(right))
    )


def _latin(folded: str) -> bool:
    return all(unicodedata.name(ch, "").startswith("LATIN") for ch in folded)


def _in_latin_letters(folded: str) -> str:
    return fold(anyascii(folded))


def compare_names(left: str | None, right: str | None, *, first_names: bool = False) -> Level:
    """How well two names agree.

    Args:
        first_names: the names are first names, which may agree as a nickname.
    """
    a, b = fold(left), fold(right)
    if not a or not b:
        return Level.MISSING
    if a == b:
        return Level.EXACT
    latin_a, latin_b = _latin(a), _latin(b)
    if latin_a and latin_b and _in_latin_letters(a) == _in_latin_letters(b):
        return Level.EXACT
    if latin_a != latin_b:
        # One name in another script: compared as both are written in Latin letters,
        # never closer than TRANSLITERATED (transliterations differ: Dmitriy, Dmitry).
        alike = compare_names(_in_latin_letters(a), _in_latin_letters(b), first_names=first_names)
        return Level.TRANSLITERATED if alike in _AGREEING else Level.DIFFERENT
    parts_a, parts_b = set(name_parts(left)), set(name_parts(right))
    if parts_a & parts_b and (parts_a <= parts_b or parts_b <= parts_a):
        return Level.PART
    distance = DamerauLevenshtein.distance(a, b)
    similarity = JaroWinkler.similarity(a, b)
    # One keystroke in a short name, two in a long one; short names differing by one
    # letter are often different names, so Jaro-Winkler must agree as well.
    if (distance == 1 and min(len(a), len(b)) >= 4 and similarity >= 0.9) or (
        distance == 2 and min(len(a), len(b)) >= 8
    ):
        return Level.TYPO
    if _sounds_alike(a, b):
        return Level.PHONETIC
    if first_names and _nicknames_alike(a, b):
        return Level.NICKNAME
    if similarity >= 0.88:
        return Level.PARTIAL
    return Level.DIFFERENT


def compare_birth_dates(left: date | None, right: date | None) -> Level:
    """How well two dates of birth agree (day and month swapped is a common slip)."""
    if left is None or right is None:
        return Level.MISSING
    if left == right:
        return Level.EXACT
    if left.year == right.year and left.day == right.month and left.month == right.day:
        return Level.SWAPPED
    if DamerauLevenshtein.distance(left.isoformat(), right.isoformat()) == 1:
        return Level.TYPO
    return Level.DIFFERENT


def normalise_postcode(postcode: str | None) -> str:
    """A postcode in capitals without spaces, for comparison."""
    return "".join((postcode or "").split()).upper()


def _outward(postcode: str) -> str:
    # The inward code is always three characters: what is left is the district.
    return postcode[:-3]


def compare_postcodes(left: str | None, right: frozenset[str]) -> Level:
    """How a record's postcode agrees with any postcode a child has been known at."""
    mine = normalise_postcode(left)
    known = {normalise_postcode(p) for p in right} - {""}
    if not mine or not known:
        return Level.MISSING
    if mine in known:
        return Level.EXACT
    if len(mine) > 3 and _outward(mine) in {_outward(p) for p in known if len(p) > 3}:
        return Level.PARTIAL
    return Level.DIFFERENT


def _compare_sex(left: str | None, right: str | None) -> Level:
    # U (not known) says nothing either way.
    if left in (None, "", "U") or right in (None, "", "U"):
        return Level.MISSING
    return Level.EXACT if left == right else Level.DIFFERENT


def _identifier(mine: str | None, theirs: frozenset[str]) -> Level:
    if not mine or not theirs:
        return Level.MISSING
    return Level.EXACT if mine in theirs else Level.DIFFERENT


_AGREEING = frozenset({Level.EXACT, Level.PART, Level.TYPO, Level.PHONETIC, Level.NICKNAME})


def _compare_full_names(record: PersonDetails, child: PersonDetails) -> tuple[Level, Level]:
    """How the given and the family names agree: each with its own, or crosswise.

    When neither name agrees with its own but each agrees with the other one, the name
    was written in the other order: both are SWAPPED.
    """
    given = compare_names(record.given_name, child.given_name, first_names=True)
    family = compare_names(record.family_name, child.family_name)
    if given in _AGREEING or family in _AGREEING:
        return given, family
    crosswise = (
        compare_names(record.given_name, child.family_name),
        compare_names(record.family_name, child.given_name),
    )
    if all(level in _AGREEING for level in crosswise):
        return Level.SWAPPED, Level.SWAPPED
    return given, family


def score(record: PersonDetails, candidate: Candidate) -> Score:
    """Score one candidate against a record's details."""
    child = candidate.details
    given, family = _compare_full_names(record, child)
    levels = {
        "givenName": given,
        "familyName": family,
        "dateOfBirth": compare_birth_dates(record.date_of_birth, child.date_of_birth),
        "sex": _compare_sex(record.sex, child.sex),
        "postcode": compare_postcodes(record.postcode, candidate.postcodes),
        "nhsNumber": _identifier(record.nhs_number, candidate.nhs_numbers),
        "upn": _identifier(record.upn, candidate.upns),
    }
    total = (
        _GIVEN.get(levels["givenName"], 0.0)
        + _FAMILY.get(levels["familyName"], 0.0)
        + _BIRTH.get(levels["dateOfBirth"], 0.0)
        + _SEX.get(levels["sex"], 0.0)
        + _POSTCODE.get(levels["postcode"], 0.0)
    )
    if Level.DIFFERENT in (levels["nhsNumber"], levels["upn"]):
        total += _IDENTIFIER_CONFLICT
    rule = Rule.SCORE
    if levels["nhsNumber"] is Level.EXACT:
        rule = Rule.NHS_NUMBER
    elif levels["upn"] is Level.EXACT:
        rule = Rule.UPN
    return Score(child_id=candidate.child_id, score=round(total, 2), rule=rule, levels=levels)


def _identifier_is_plausible(found: Score) -> bool:
    """An identifier match links only if the rest of the record does not say otherwise.

    A twin's or a sibling's number typed onto a record is the error to catch: their first
    name differs. Family names change, and a birth date may be mistyped, but not both.
    """
    levels = found.levels
    if Level.DIFFERENT in (levels["nhsNumber"], levels["upn"]):
        return False  # one identifier agrees and the other does not
    if levels["givenName"] is Level.DIFFERENT:
        return False
    return not (
        levels["dateOfBirth"] is Level.DIFFERENT and levels["familyName"] is Level.DIFFERENT
    )


def _strong_enough(found: Score) -> bool:
    # Twins share a family name, a birth date, a postcode and often a first name that
    # sounds alike: only an exactly agreeing first name may link without a person.
    return (
        found.score >= AUTO_LINK_THRESHOLD
        and found.levels["givenName"] in (Level.EXACT, Level.PART)
        and found.levels["dateOfBirth"] in (Level.EXACT, Level.SWAPPED)
    )


def decide(record: PersonDetails, candidates: Sequence[Candidate]) -> Match:
    """Score every candidate and decide: auto-link, review, or a new person."""
    scored = sorted(
        (score(record, candidate) for candidate in candidates),
        key=lambda found: (found.rule is Rule.SCORE, -found.score, found.child_id),
    )
    by_identifier = [found for found in scored if found.rule is not Rule.SCORE]
    if by_identifier:
        if len({found.child_id for found in by_identifier}) > 1:
            return Match(Decision.REVIEW, tuple(scored), "the identifier is on several children")
        found = by_identifier[0]
        if _identifier_is_plausible(found):
            return Match(Decision.AUTO_LINK, tuple(scored), f"same {found.rule.value}")
        return Match(
            Decision.REVIEW,
            tuple(scored),
            f"same {found.rule.value}, but the rest of the record differs",
        )
    scored.sort(key=lambda found: (-found.score, found.child_id))
    likely = [found for found in scored if found.score >= REVIEW_THRESHOLD]
    if not likely:
        return Match(Decision.NEW_PERSON, tuple(scored), "no candidate scores high enough")
    best = likely[0]
    runner_up = likely[1].score if len(likely) > 1 else None
    if _strong_enough(best) and (runner_up is None or best.score - runner_up >= AUTO_LINK_MARGIN):
        return Match(Decision.AUTO_LINK, tuple(scored), "names and date of birth agree")
    if runner_up is not None:
        return Match(Decision.REVIEW, tuple(scored), "several children are close")
    return Match(Decision.REVIEW, tuple(scored), "a likely match a person should confirm")
