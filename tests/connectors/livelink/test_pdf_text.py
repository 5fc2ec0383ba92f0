from __future__ import annotations

from connectors.livelink.pdf_text import glyph_texts


def test_each_glyph_of_a_cluster_carries_a_share_of_its_text_in_the_order_typed() -> None:
    # আয়েশা as HarfBuzz draws it: the vowel sign (cluster 1) first, then য and its nukta
    # in the same cluster; শা is one cluster of two glyphs.
    name = "\u0986\u09af\u09bc\u09c7\u09b6\u09be"
    texts = glyph_texts(name, [0, 1, 1, 1, 4, 4], right_to_left=False)

    assert texts == ["\u0986", "\u09af", "\u09bc", "\u09c7", "\u09b6", "\u09be"]
    assert "".join(texts) == name


def test_a_glyph_beyond_its_clusters_text_maps_to_nothing_and_a_ligature_to_all() -> None:
    # ị drawn as i and a dot below (two glyphs, one character); "ffi" drawn as one glyph.
    assert glyph_texts("Th\u1ecb", [0, 1, 2, 2], right_to_left=False) == [
        "T",
        "h",
        "\u1ecb",
        "",
    ]
    assert glyph_texts("office", [0, 1, 4, 5], right_to_left=False) == ["o", "ffi", "c", "e"]


def test_a_right_to_left_run_is_carried_whole_by_the_first_glyph_drawn() -> None:
    # Drawn from its last letter: the yeh's dots and the dotless yeh come first.
    name = "\u0645\u062d\u0645\u062f \u0639\u0644\u064a"
    texts = glyph_texts(name, [7, 7, 6, 5, 4, 3, 2, 1, 0], right_to_left=True)

    assert texts == [name, *[""] * 8]


def test_nothing_shaped_maps_to_nothing() -> None:
    assert glyph_texts("", [], right_to_left=False) == []
