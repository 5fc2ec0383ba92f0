"""How each glyph a form's PDF draws maps back to the text typed, so a reader gets it exactly.

A reader (a search index, a checker, copy and paste) rebuilds a PDF's text from each
glyph's entry in its font's ToUnicode map, in the order the glyphs are drawn, and spaces
words by the gaps it sees between glyphs. HarfBuzz often draws one letter with several
glyphs (an Arabic letter and its dots, a Gurmukhi conjunct, a Vietnamese dot below) or a
vowel sign before the consonant it follows (Bengali); fpdf2 2.8.9 gives the first glyph
of such a cluster its text and leaves the others out of the map, so a reader shows their
codes as stray control characters. Here each glyph of a cluster carries a share of its
text, in the order typed, a glyph with none is mapped to the empty string, and each
glyph's width runs to where the next one is drawn, so a mark drawn off the pen leaves no
gap a reader would take for a space.

Right-to-left text is drawn from its last letter to its first. Some readers (pypdf)
reverse such a run back; others (pdfminer) keep the order glyphs are drawn in. A whole
right-to-left run is therefore carried by the first glyph drawn, as typed, and its other
glyphs map to no text: both get the run once, in the order typed.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from fpdf.enums import TextDirection
from fpdf.fonts import TTFFont
from fpdf.output import OutputProducer
from fpdf.syntax import PDFContentStream

from connectors.livelink import pdf_fonts

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fpdf import FPDF
    from fpdf.output import PDFExtGState, PDFXObject
    from fpdf.pattern import Pattern

__all__ = ["ExactTextFont", "ExactTextOutput", "exact_text", "glyph_texts"]


def glyph_texts(text: str, clusters: Sequence[int], *, right_to_left: bool) -> list[str]:
    """The text each shaped glyph maps back to, in the order the glyphs are drawn.

    Args:
        text: the run as typed (logical order).
        clusters: HarfBuzz's cluster of each glyph, in drawing order: the index in `text`
            of the first character the glyph draws.
        right_to_left: the run is drawn right to left (its first glyph is its last letter).

    Returns:
        One string per glyph, joined in drawing order giving `text` exactly.
    """
    if not clusters:
        return []
    if right_to_left:
        return [text, *([""] * (len(clusters) - 1))]
    # A cluster's text runs from its index to the next cluster's; text before the first
    # cluster HarfBuzz reports stays with it rather than being lost.
    starts = sorted(set(clusters))
    untaken = {
        start: text[begin:end]
        for start, begin, end in zip(
            starts, [0, *starts[1:]], [*starts[1:], len(text)], strict=True
        )
    }
    glyphs_left = Counter(clusters)
    texts: list[str] = []
    for cluster in clusters:
        # The cluster's characters go to its glyphs one each, in the order typed, and its
        # last glyph takes any left over: no glyph inside a word is left without text,
        # which a reader that spaces words by the gaps between texts (poppler) would
        # take for a space.
        glyphs_left[cluster] -= 1
        characters = untaken[cluster]
        taken = characters if glyphs_left[cluster] == 0 else characters[:1]
        untaken[cluster] = characters[len(taken) :]
        texts.append(taken)
    return texts


class ExactTextFont(TTFFont):
    """A TrueType face whose shaped glyphs each map back to exactly the text they draw."""

    __slots__ = ()

    def shape_text(
        self,
        text: str,
        font_size_pt: float,
        text_shaping_params: dict[str, Any] | None,
    ) -> Sequence[dict[str, Any]]:
        if not text:
            return []
        infos, positions = self.perform_harfbuzz_shaping(text, font_size_pt, text_shaping_params)
        direction = (text_shaping_params or {}).get("fragment_direction")
        texts = glyph_texts(
            text,
            [int(info.cluster) for info in infos],
            right_to_left=direction == TextDirection.RTL,
        )
        # Where each glyph is drawn, relative to the pen, and so where the next one is.
        next_offsets = [*(position.x_offset for position in positions[1:]), 0]
        shaped = []
        for info, position, next_offset, glyph_text in zip(
            infos, positions, next_offsets, texts, strict=True
        ):
            name = self.ttfont.getGlyphName(info.codepoint)
            width, exact = self._width_to_next(position.x_advance + next_offset - position.x_offset)
            # The glyph is keyed by its text and width too: the same glyph drawing other
            # text (or none), or advancing by another width, gets its own code.
            glyph = self.subset.get_glyph(
                glyph=info.codepoint,
                unicode=tuple(ord(character) for character in glyph_text),
                glyph_name=name,
                glyph_width=width,
            )
            if glyph is None:
                continue
            shaped.append(
                {
                    "mapped_char": self.subset.pick_glyph(glyph),
                    "x_advance": position.x_advance,
                    "y_advance": position.y_advance,
                    "x_offset": position.x_offset,
                    "y_offset": position.y_offset,
                    "force_positioning": (
                        not exact or position.y_offset != 0 or position.y_advance != 0
                    ),
                }
            )
        return shaped

    def _width_to_next(self, distance: int) -> tuple[int, bool]:
        """The width a glyph's code is given, and whether it puts the pen where HarfBuzz does.

        `distance` runs from where the glyph is drawn to where the next one is (font
        units). A reader spaces words by the gap between one glyph's width and the next
        glyph: a mark HarfBuzz draws off the pen (a Bengali nukta, a Vietnamese dot below)
        would leave a gap it takes for a space inside the word. With the width to the
        next glyph, the glyphs run on with no gap, and the pen needs no setting after it.
        """
        if distance >= 0:
            width = round(self.scale * distance)
            return width, width == self.scale * distance
        # The next glyph is drawn left of this one: no width, and fpdf2 sets the pen back,
        # which no reader takes for a space.
        return 0, False

    def __deepcopy__(self, memo: dict[int, Any]) -> ExactTextFont:
        # fpdf2 copies fonts as plain TTFFont (for its page-break recorder); keep the class.
        copy = super().__deepcopy__(memo)
        copy.__class__ = ExactTextFont
        return copy  # type: ignore[return-value]


def exact_text(pdf: FPDF) -> None:
    """Make every TrueType face `pdf` has an `ExactTextFont` (call after adding faces)."""
    for font in pdf.fonts.values():
        if type(font) is TTFFont:
            # Same slots, one method more: the face fpdf2 loaded, not a second copy.
            font.__class__ = ExactTextFont


class ExactTextOutput(OutputProducer):
    """fpdf2's output, with every glyph in the ToUnicode map and CFF faces as TrueType."""

    def _add_fonts(
        self,
        image_objects_per_index: dict[int, PDFXObject],
        gfxstate_objs_per_name: dict[str, PDFExtGState],
        pattern_objs_per_name: dict[str, Pattern],
    ) -> dict[int, Any]:
        for font in self.fpdf.fonts.values():
            if isinstance(font, TTFFont) and font.is_cff:
                # Before fpdf2 subsets and embeds it (see pdf_fonts.with_truetype_outlines).
                font.ttfont = pdf_fonts.with_truetype_outlines(
                    font.ttfont, list(font.subset.get_all_glyph_names())
                )
                font.is_cff = font.is_cid_keyed = False
        font_objects = super()._add_fonts(
            image_objects_per_index, gfxstate_objs_per_name, pattern_objs_per_name
        )
        for font in self.fpdf.fonts.values():
            if not isinstance(font, ExactTextFont):
                continue
            silent = sorted(
                code
                for glyph, code in font.subset.items()
                if glyph is not None and glyph.unicode == ()
            )
            stream = font_objects[font.i].to_unicode
            if silent and isinstance(stream, PDFContentStream):
                _map_to_nothing(stream, silent)
        return font_objects


def _map_to_nothing(stream: PDFContentStream, codes: list[int]) -> None:
    # fpdf2 leaves a glyph without text out of the map, and a reader then shows its code:
    # mapped to the empty string, it adds nothing to the text (PDF 32000-1 9.10.3).
    blocks = "".join(
        f"{len(chunk)} beginbfchar\n"
        + "".join(f"<{code:04X}> <>\n" for code in chunk)
        + "endbfchar\n"
        for chunk in (codes[start : start + 100] for start in range(0, len(codes), 100))
    )
    contents = stream.content_stream().replace(
        b"endcmap\n", blocks.encode("ascii") + b"endcmap\n", 1
    )
    stream._contents = contents
    stream.length = len(contents)
