"""Linking quality on a labelled set: precision, recall and wrong auto-links.

`tests/linking/test_quality.py` prints them: it loads the set's known children into a real
graph and decides every record through the hub's own candidate search and scoring.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graph import name_key_fields
from graph.cypher import bulk
from tests.linking.labelled_pairs import LinkingSet
from workflow.linking import match_person
from workflow.matching import Decision

if TYPE_CHECKING:
    from graph import GraphStore


@dataclass
class Quality:
    """How the decisions on a labelled set compare with the truth."""

    records: int = 0
    about_known: int = 0
    auto_links: int = 0
    right_auto_links: int = 0
    found: int = 0  # the right child auto-linked, or first in the review queue's candidates
    reviews: int = 0
    new_people: int = 0
    right_new_people: int = 0
    wrong_auto_links: list[str] = field(default_factory=list)
    missed: Counter[str] = field(default_factory=Counter)

    @property
    def precision(self) -> float:
        return self.right_auto_links / self.auto_links if self.auto_links else 1.0

    @property
    def auto_link_recall(self) -> float:
        return self.right_auto_links / self.about_known if self.about_known else 1.0

    @property
    def found_recall(self) -> float:
        return self.found / self.about_known if self.about_known else 1.0

    def summary(self) -> str:
        return (
            f"{self.records} records ({self.about_known} about known children): "
            f"auto-link precision {self.precision:.3f}, auto-link recall "
            f"{self.auto_link_recall:.3f}, recall with the review queue "
            f"{self.found_recall:.3f}; {self.auto_links} auto-links, {self.reviews} to review, "
            f"{self.new_people} new people ({self.right_new_people} rightly); "
            f"wrong auto-links {len(self.wrong_auto_links)}"
        )


async def load_known(store: GraphStore, linking_set: LinkingSet) -> None:
    """Put the set's known children in the graph, each family at its address."""
    families: dict[tuple[str, str], str] = {}
    people = []
    for known in linking_set.known:
        details = known.details
        place = (known.family, details.postcode or "")
        family_id = families.setdefault(place, f"F{len(families):05d}")
        people.append(
            {
                "id": known.child_id,
                "family": family_id,
                "address": f"A-{family_id}",
                "givenName": details.given_name,
                "familyName": details.family_name,
                **name_key_fields(details.family_name),
                "dateOfBirth": details.date_of_birth,
                "sex": details.sex,
                "ethnicity": None,
                "nhsNumber": details.nhs_number,
                "upn": details.upn,
                "householdRole": "CHILD",
                "child": True,
            }
        )
    family_rows = [
        {
            "id": family_id,
            "name": family,
            "address": {
                "id": f"A-{family_id}",
                "line1": "1 High Street",
                "town": "Hertford",
                "postcode": postcode,
            },
        }
        for (family, postcode), family_id in families.items()
    ]
    await store.write(bulk.LOAD_FAMILIES, {"rows": family_rows})
    await store.write(bulk.LOAD_PEOPLE, {"rows": people})


async def measure(store: GraphStore, linking_set: LinkingSet) -> Quality:
    """Decide every labelled record and count how the decisions compare with the truth."""
    quality = Quality()
    for record in linking_set.records:
        match = await match_person(store, record.details)
        quality.records += 1
        if record.truth is not None:
            quality.about_known += 1
        best = match.best
        match match.decision:
            case Decision.AUTO_LINK:
                assert best is not None
                quality.auto_links += 1
                if best.child_id == record.truth:
                    quality.right_auto_links += 1
                    quality.found += 1
                else:
                    quality.wrong_auto_links.append(f"{record.scenario}: {best.child_id}")
            case Decision.REVIEW:
                quality.reviews += 1
                if best is not None and best.child_id == record.truth:
                    quality.found += 1
                elif record.truth is not None:
                    quality.missed[record.scenario] += 1
            case Decision.NEW_PERSON:
                quality.new_people += 1
                if record.truth is None:
                    quality.right_new_people += 1
                else:
                    quality.missed[record.scenario] += 1
    return quality
