"""Which SSDA903 codes go together in one episode of care: the placement against its
provider, its Ofsted URN, the legal status it is under and the reason it ended.

Each rule is a pairing no lawful care journey makes (a parent does not run a children's
home; a child placed with parents is not accommodated for a single period under
section 20; placed for adoption "with a placement order" means one was made), so the
hub refuses it at entry, whichever of the codes is recorded last: starting care, a move,
a legal status change, a placement corrected (workflow/journey/care.py) and a short
break (workflow/fostering.py) all ask here. Data saved before the rule was refused is
still reported by the warnings of returns/entry_checks.py, read from this same table.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from workflow.codes import PlacementProvider, PlacementType

# SSDA903 rule 213: a temporary (T0-T4) or "other" (Z11-Z14) placement has no provider.
TEMPORARY = frozenset(f"T{n}" for n in range(5))
NO_PROVIDER = TEMPORARY | frozenset(f"Z1{n}" for n in range(1, 5))
# Rule 222's URN placeholder for "no URN", accepted on any placement.
NO_URN = "XXXXXXX"


@dataclass(frozen=True, slots=True)
class EpisodeCodes:
    """An episode's codes as the SSDA903 writes them (the provider blank where the
    placement has none; the reason it ceased blank while it is open)."""

    legal_status: str
    placement: str
    provider: str
    urn: str
    reason_ceased: str = ""

    @classmethod
    def of(cls, facts: Mapping[str, Any]) -> EpisodeCodes:
        """From an episode's facts (`legalStatus`, `placementType`, `placementProvider`,
        `urn`, `reasonEpisodeCeased`), enum members or their codes."""

        def code(key: str) -> str:
            value = facts.get(key)
            return str(getattr(value, "value", value) or "")

        placement = code("placementType")
        provider = "" if placement in NO_PROVIDER else code("placementProvider")
        return cls(
            code("legalStatus"), placement, provider, code("urn"), code("reasonEpisodeCeased")
        )


@dataclass(frozen=True, slots=True)
class CodeRule:
    """A DfE rule on one episode's codes: `fields` are the input fields it reads, the
    first the one named when the episode as a whole breaks it."""

    code: str
    fields: tuple[str, ...]
    message: str
    breaks: Callable[[EpisodeCodes], bool]


def _provider_cannot_provide(provider: PlacementProvider, *places: str) -> Callable[..., bool]:
    return lambda e: e.provider == provider.value and e.placement in places


_FOSTER = ("U1", "U2", "U3", "U4", "U5", "U6")
_FOSTER_AND_ADOPTION = ("A3", "A4", "A5", "A6", *_FOSTER)
# Special guardianship by the former foster carers (E45, E46).
_BY_FORMER_FOSTER_CARERS = ("E45", "E46")
# Rule 222: placements Ofsted registers no URN for.
_WITHOUT_URN = frozenset({"P1", "P3", "R1", "R2", "R5"}) | NO_PROVIDER
_PLACED_WITH_PARENTS = PlacementType.P1_PLACED_WITH_PARENTS.value
_PROVIDER = ("placementProvider", "placementType")
_STATUS = ("placementType", "legalStatus")

# SSDA903 2025-26 validation rules (csc-validator-be-903, lac2025_26).
EPISODE_RULES: tuple[CodeRule, ...] = (
    CodeRule(
        "527",
        _PROVIDER,
        "a placement provider code of PR1 cannot be associated with placements P1, R2 or R5",
        _provider_cannot_provide(PlacementProvider.PR1_OWN_PROVISION, "P1", "R2", "R5"),
    ),
    CodeRule(
        "528",
        _PROVIDER,
        "a placement provider code of PR2 cannot be associated with placements P1, R2 or R5",
        _provider_cannot_provide(PlacementProvider.PR2_OTHER_LOCAL_AUTHORITY, "P1", "R2", "R5"),
    ),
    CodeRule(
        "529",
        _PROVIDER,
        "a placement provider code of PR3 cannot be associated with placements P1, A3 to A6,"
        " K1, K2 and U1 to U6: other public organisations do not provide them",
        _provider_cannot_provide(
            PlacementProvider.PR3_OTHER_PUBLIC, "P1", "K1", "K2", *_FOSTER_AND_ADOPTION
        ),
    ),
    CodeRule(
        "530",
        _PROVIDER,
        "a placement provider code of PR4 cannot be associated with placement P1",
        _provider_cannot_provide(PlacementProvider.PR4_PRIVATE, "P1"),
    ),
    CodeRule(
        "531",
        _PROVIDER,
        "a placement provider code of PR5 cannot be associated with placement P1",
        _provider_cannot_provide(PlacementProvider.PR5_VOLUNTARY, "P1"),
    ),
    CodeRule(
        "550",
        _PROVIDER,
        "a placement provider code of PR0 (parents) can only be associated with placement P1",
        lambda e: (
            e.provider == PlacementProvider.PR0_PARENTS.value
            and e.placement != _PLACED_WITH_PARENTS
        ),
    ),
    CodeRule(
        "222",
        ("urn", "placementType"),
        "an Ofsted unique reference number (URN) is not recorded for placements P1, P3, R1,"
        " R2, R5, T0 to T4 or Z11 to Z14",
        lambda e: e.placement in _WITHOUT_URN and e.urn not in ("", NO_URN),
    ),
    CodeRule(
        "378",
        _STATUS,
        "a child placed with parents (P1) cannot be looked after under a single period of"
        " accommodation under section 20 of the Children Act 1989 (V2)",
        lambda e: e.placement == _PLACED_WITH_PARENTS and e.legal_status == "V2",
    ),
    CodeRule(
        "384",
        _STATUS,
        "a child receiving short breaks (V3, V4) cannot be in a long-term foster placement",
        lambda e: e.legal_status in ("V3", "V4") and e.placement in ("U1", "U4"),
    ),
    CodeRule(
        "408",
        _STATUS,
        "placed for adoption with a placement order (A5, A6) needs the placement order (E1)"
        " as the legal status: placed with consent is A3 or A4",
        lambda e: e.placement in ("A5", "A6") and e.legal_status != "E1",
    ),
    CodeRule(
        "516",
        ("reason", "placementType"),
        "care ended by a special guardianship order to the former foster carers (E45, E46)"
        " from a foster placement (U1 to U6) with them",
        lambda e: e.reason_ceased in _BY_FORMER_FOSTER_CARERS and e.placement not in _FOSTER,
    ),
)


def codes_unfit(facts: Mapping[str, Any], changed: Collection[str] = ()) -> tuple[str, str] | None:
    """The field to name and why, when an episode with `facts` breaks a rule of
    EPISODE_RULES (the field the save `changed` that the rule reads, else the rule's
    first), or None."""
    episode = EpisodeCodes.of(facts)
    for rule in EPISODE_RULES:
        if rule.breaks(episode):
            field = next((f for f in rule.fields if f in changed), rule.fields[0])
            return field, f"{rule.message} (SSDA903 rule {rule.code})"
    return None
