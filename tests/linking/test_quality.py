"""The matcher on a labelled set with realistic mess: no wrong auto-link, recall printed."""

from __future__ import annotations

import pytest

from graph import FalkorDBStore
from tests.linking.labelled_pairs import generate
from tests.linking.quality import load_known, measure

pytestmark = pytest.mark.anyio


def test_the_labelled_set_is_the_same_for_the_same_seed() -> None:
    assert generate(seed=7) == generate(seed=7)
    assert generate(seed=7) != generate(seed=8)


@pytest.mark.parametrize("seed", [20261205, 11])
async def test_no_wrong_auto_link_and_most_records_found(
    store: FalkorDBStore, seed: int, capsys: pytest.CaptureFixture[str]
) -> None:
    linking_set = generate(seed=seed)
    assert len(linking_set.records) >= 200
    await load_known(store, linking_set)

    quality = await measure(store, linking_set)

    with capsys.disabled():
        print(f"\nlinking, seed {seed}: {quality.summary()}; missed {dict(quality.missed)}")
    assert quality.wrong_auto_links == []
    assert quality.precision == 1.0
    assert quality.auto_link_recall >= 0.6
    assert quality.found_recall >= 0.85
