"""The fonts a form's PDF embeds, so every script a child's name may use is drawn as typed.

All are Noto (SIL Open Font License), installed from PyPI with the hub: Noto Sans for
Latin, Greek and Cyrillic and one Noto Sans face per other script from `manimgx-fonts`,
Noto Sans SC for Chinese (and Japanese kana) from `pylopdf-fonts-zh-cn`, Noto Sans KR for
Korean from `pylopdf-fonts-ko`. A document embeds
the base face plus only the faces its text needs, subset to the glyphs it uses; the
Chinese and Korean faces' PostScript outlines are redrawn as TrueType's on the way in
(`with_truetype_outlines`), so readers map their glyphs back to text like any other.

Bold: the packaged faces are variable fonts whose default instance is Regular, and
cutting a Bold instance out of one takes seconds per face, so bold text is the Regular
face outlined as it is filled (PDF text render mode 2); its text is unchanged.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import manimgx_fonts
import pylopdf_fonts_ko
import pylopdf_fonts_zh_cn
from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

_NOTO = Path(manimgx_fonts.__file__).parent


@dataclass(frozen=True)
class Face:
    """One embeddable font file, by the family name the PDF gives it."""

    family: str
    path: Path

    @property
    def characters(self) -> frozenset[int]:
        """The code points the face has glyphs for."""
        return _characters(self.path)


BASE = Face("NotoSans", _NOTO / "NotoSans[wght].ttf")
# In the order a character is looked for when the base face lacks it.
FALLBACKS = (
    Face("NotoSansArabic", _NOTO / "NotoSansArabic[wght].ttf"),
    Face("NotoSansHebrew", _NOTO / "NotoSansHebrew[wght].ttf"),
    Face("NotoSansDevanagari", _NOTO / "NotoSansDevanagari[wght].ttf"),
    Face("NotoSansBengali", _NOTO / "NotoSansBengali[wght].ttf"),
    Face("NotoSansGurmukhi", _NOTO / "NotoSansGurmukhi[wght].ttf"),
    Face("NotoSansGujarati", _NOTO / "NotoSansGujarati[wght].ttf"),
    Face("NotoSansOriya", _NOTO / "NotoSansOriya[wght].ttf"),
    Face("NotoSansTamil", _NOTO / "NotoSansTamil[wght].ttf"),
    Face("NotoSansTelugu", _NOTO / "NotoSansTelugu[wght].ttf"),
    Face("NotoSansKannada", _NOTO / "NotoSansKannada[wght].ttf"),
    Face("NotoSansMalayalam", _NOTO / "NotoSansMalayalam[wght].ttf"),
    Face("NotoSansSinhala", _NOTO / "NotoSansSinhala[wght].ttf"),
    Face("NotoSansThai", _NOTO / "NotoSansThai[wght].ttf"),
    Face("NotoSansLao", _NOTO / "NotoSansLao[wght].ttf"),
    Face("NotoSansKhmer", _NOTO / "NotoSansKhmer[wght].ttf"),
    Face("NotoSansMyanmar", _NOTO / "NotoSansMyanmar[wght].ttf"),
    Face("NotoSansEthiopic", _NOTO / "NotoSansEthiopic[wght].ttf"),
    Face("NotoSansGeorgian", _NOTO / "NotoSansGeorgian[wght].ttf"),
    Face("NotoSansArmenian", _NOTO / "NotoSansArmenian[wght].ttf"),
    Face("NotoSansSC", pylopdf_fonts_zh_cn.sans_path()),
    Face("NotoSansKR", pylopdf_fonts_ko.sans_path()),
    Face("NotoSansSymbols", _NOTO / "NotoSansSymbols[wght].ttf"),
)


@cache
def _characters(path: Path) -> frozenset[int]:
    # Only the character map is read (lazily): the faces are looked at once per process.
    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def faces_for(text: str) -> tuple[list[Face], set[str]]:
    """The fallback faces `text` needs beyond the base face, and the characters no face has.

    Whitespace, control and format characters need no glyph and are never reported.
    """
    needed: list[Face] = []
    missing: set[str] = set()
    for character in set(text):
        # Spaces, controls and format characters (joiners) are never drawn as glyphs.
        if ord(character) in BASE.characters or character.isspace():
            continue
        if unicodedata.category(character) in {"Cc", "Cf"}:
            continue
        face = next((f for f in FALLBACKS if ord(character) in f.characters), None)
        if face is None:
            missing.add(character)
        elif face not in needed:
            needed.append(face)
    needed.sort(key=FALLBACKS.index)
    return needed, missing


def with_truetype_outlines(font: TTFont, glyph_names: list[str]) -> TTFont:
    """`font` (PostScript outlines) cut to `glyph_names`, its outlines redrawn as TrueType's.

    The Chinese and Korean faces have PostScript (CFF) outlines, which fpdf2 embeds with a
    character-code map of its own that neither pypdf nor pdfminer reads: their text came
    out as stray codes or not at all. With TrueType outlines the face is embedded like
    every other, mapped by glyph index. Only the glyphs a document draws are redrawn (a
    whole face takes minutes), and their names are kept, which is how fpdf2 finds them.
    """
    options = subset.Options(notdef_outline=True, glyph_names=True, name_IDs=["*"])
    options.layout_features = []
    options.drop_tables += ["VORG", "GSUB", "GPOS", "GDEF", "BASE"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(glyphs=glyph_names)
    subsetter.subset(font)
    outlines = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = font.getGlyphOrder()
    glyf.glyphs = {}
    for name in glyf.glyphOrder:
        pen = TTGlyphPen(None)
        # Cubic curves become quadratic ones within one font unit; PostScript outlines run
        # the other way round from TrueType's.
        outlines[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    font.sfntVersion = "\x00\x01\x00\x00"
    font["head"].glyphDataFormat = 0
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for field in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
        "maxComponentDepth",
    ):
        setattr(maxp, field, 1 if field == "maxZones" else 0)
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    return font
