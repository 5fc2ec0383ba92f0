"""Form templates: what LCS and IES generate, where each is filed, and how it is rendered.

Every template maps to exactly one subfolder of the child's file and one retention
record class. Rendering gives the HTML (the exact record, with every character the
worker typed) and a PDF made from the same HTML with fpdf2.

Escaping: Jinja2 runs with autoescape on for every template, so text a worker or a
partner typed is always shown as text, never interpreted as markup. Free text goes
through the `paragraphs` filter, which escapes first and only then adds the
paragraph and line-break tags.

Characters in the PDF: every script a child's name may use is drawn with an embedded
Noto face (`pdf_fonts.py`), shaped by HarfBuzz (joined Arabic letters, Devanagari
conjuncts) and ordered right to left where the text is, and each glyph maps back to its
characters, so the PDF's text can be searched and copied exactly as typed. A character
no embedded face has (rare symbols) is drawn as "?", and
`RenderedForm.pdf_characters_replaced` counts them; the HTML, which the LCS keeps beside
the PDF, keeps the exact text either way.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any

import jinja2
from fpdf import FPDF
from fpdf.enums import TextDirection, TextMode
from fpdf.fonts import TextStyle
from fpdf.line_break import Fragment
from markupsafe import Markup, escape

from connectors.livelink import pdf_fonts, pdf_text
from connectors.livelink.content_store import sha256_hex
from connectors.livelink.file_plan import FOLDER_KEYS
from connectors.livelink.retention import RecordClass

__all__ = [
    "FORM_TEMPLATES",
    "FormTemplate",
    "RenderedForm",
    "TemplateContextError",
    "render_form",
    "render_html",
    "render_pdf",
]


@dataclass(frozen=True, slots=True)
class FormTemplate:
    """One form template and where its documents are filed.

    Attributes:
        key: the stable template key stored with every generated document.
        title: the form's title as practitioners know it.
        folder_key: the one file plan subfolder its documents are filed in.
        record_class: the retention record class of its documents.
        source: the Jinja2 file under ``connectors/livelink/templates/``.
    """

    key: str
    title: str
    folder_key: str
    record_class: RecordClass
    source: str

    @property
    def filename_stem(self) -> str:
        """The base of filed file names, e.g. ``contact-record``."""
        return self.key.replace("_", "-")


_TEMPLATES = (
    FormTemplate(
        "contact_record",
        "Contact record",
        "referral_and_assessment",
        RecordClass.GENERAL,
        "contact_record.html",
    ),
    FormTemplate(
        "child_and_family_assessment",
        "Child and Family assessment",
        "referral_and_assessment",
        RecordClass.CHILD_IN_NEED,
        "child_and_family_assessment.html",
    ),
    FormTemplate(
        "strategy_discussion_record",
        "Strategy discussion record",
        "child_protection",
        RecordClass.CHILD_PROTECTION,
        "strategy_discussion_record.html",
    ),
    FormTemplate(
        "section_47_enquiry_outcome",
        "Section 47 enquiry outcome",
        "child_protection",
        RecordClass.CHILD_PROTECTION,
        "section_47_enquiry_outcome.html",
    ),
    FormTemplate(
        "icpc_minutes",
        "Initial child protection conference minutes",
        "child_protection",
        RecordClass.CHILD_PROTECTION,
        "icpc_minutes.html",
    ),
    FormTemplate(
        "child_protection_plan",
        "Child protection plan",
        "child_protection",
        RecordClass.CHILD_PROTECTION,
        "child_protection_plan.html",
    ),
    FormTemplate(
        "child_in_need_plan",
        "Child in need plan",
        "child_in_need",
        RecordClass.CHILD_IN_NEED,
        "child_in_need_plan.html",
    ),
    FormTemplate(
        "cla_review_record",
        "Child looked after review record",
        "looked_after",
        RecordClass.LOOKED_AFTER,
        "cla_review_record.html",
    ),
    FormTemplate(
        "pathway_plan",
        "Pathway plan",
        "leaving_care",
        RecordClass.CARE_LEAVER,
        "pathway_plan.html",
    ),
    # Closure ends the child in need episode, so the summary sits with the CIN work.
    FormTemplate(
        "case_closure_summary",
        "Case closure summary",
        "child_in_need",
        RecordClass.CHILD_IN_NEED,
        "case_closure_summary.html",
    ),
    # The Single Service Request is the education system's referral: records officers
    # look for it with the child's other education documents.
    FormTemplate(
        "ssr_summary",
        "Single Service Request (IES) summary",
        "education",
        RecordClass.GENERAL,
        "ssr_summary.html",
    ),
)

FORM_TEMPLATES: Mapping[str, FormTemplate] = MappingProxyType(
    {template.key: template for template in _TEMPLATES}
)

for _template in _TEMPLATES:
    # A template pointing at a subfolder the plan does not have would file nowhere.
    if _template.folder_key not in FOLDER_KEYS:
        raise RuntimeError(
            f"template {_template.key} maps to {_template.folder_key!r}, "
            "which is not in the file plan"
        )


class TemplateContextError(ValueError):
    """The context given to a template is missing something the form shows."""


@dataclass(frozen=True, slots=True)
class RenderedForm:
    """A rendered form: the HTML record, its PDF, and the checksum of each."""

    template_key: str
    html: str
    pdf: bytes
    checksum_html: str
    checksum_pdf: str
    pdf_characters_replaced: int


def render_html(template_key: str, context: Mapping[str, Any]) -> str:
    """Render a form to a complete HTML document.

    Args:
        template_key: a key of `FORM_TEMPLATES`.
        context: the form's values; every value the template shows must be given
            (None is shown as "Not recorded"). Every form shows ``child_name``,
            ``child_id``, ``date_of_birth``, ``author``, ``completed_on``,
            ``local_authority`` and ``generated_at`` (`render_form` supplies the
            last), then the fields of its own template file.

    Raises:
        KeyError: there is no such template.
        TemplateContextError: the context lacks a value the template uses.
    """
    template = FORM_TEMPLATES[template_key]
    values = {"form_title": template.title, **context}
    try:
        return _ENVIRONMENT.get_template(template.source).render(values)
    except jinja2.UndefinedError as error:
        raise TemplateContextError(f"template {template_key}: {error.message}") from error


def render_pdf(html: str, *, generated_at: datetime | None = None) -> bytes:
    """Render the body of an HTML form to PDF bytes with fpdf2.

    `generated_at` becomes the PDF's creation date; giving the form's own
    timestamp makes the bytes, and so the checksum, reproducible.
    """
    return _render_pdf(html, generated_at)[0]


def render_form(
    template_key: str, context: Mapping[str, Any], *, generated_at: datetime
) -> RenderedForm:
    """Render a form to HTML and PDF and checksum both.

    `generated_at` is shown on the form and used as the PDF creation date.
    """
    html = render_html(template_key, {"generated_at": generated_at, **context})
    pdf, replaced = _render_pdf(html, generated_at)
    return RenderedForm(
        template_key=template_key,
        html=html,
        pdf=pdf,
        checksum_html=sha256_hex(html.encode("utf-8")),
        checksum_pdf=sha256_hex(pdf),
        pdf_characters_replaced=replaced,
    )


# -- Jinja2 ------------------------------------------------------------------------


def _not_recorded(value: Any) -> Any:
    return "Not recorded" if value is None or value == "" else value


def _uk_date(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return "Not recorded"
    if isinstance(value, datetime):
        zone = f" {value.tzname()}" if value.tzinfo is not None else ""
        return f"{value.day} {value:%B %Y %H:%M}{zone}"
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    return value


def _paragraphs(value: str | None) -> Markup:
    """Escape free text, then keep its paragraphs and line breaks."""
    if value is None or not value.strip():
        return Markup("<p>Not recorded</p>")
    blocks = [block for block in value.replace("\r\n", "\n").split("\n\n") if block.strip()]
    rendered = [
        Markup("<p>{}</p>").format(Markup("<br>").join(escape(line) for line in block.split("\n")))
        for block in blocks
    ]
    return Markup("\n").join(rendered)


def _yes_no(value: bool | None) -> str:
    if value is None:
        return "Not recorded"
    return "Yes" if value else "No"


_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("connectors.livelink", "templates"),
    # On for every template whatever its name: user text must never become markup.
    autoescape=True,
    # A missing value must fail loudly, not file a form with blanks.
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_ENVIRONMENT.filters["uk_date"] = _uk_date
_ENVIRONMENT.filters["paragraphs"] = _paragraphs
_ENVIRONMENT.filters["or_not_recorded"] = _not_recorded
_ENVIRONMENT.filters["yes_no"] = _yes_no


# -- PDF -----------------------------------------------------------------------------

# Plain black headings sized for an A4 form (fpdf2's defaults are large and red).
_PDF_TAG_STYLES = {
    "h1": TextStyle(color="#000000", font_size_pt=16, t_margin=2, b_margin=2),
    "h2": TextStyle(color="#000000", font_size_pt=12, t_margin=4, b_margin=1),
}
_STRONG_RIGHT_TO_LEFT = frozenset({"R", "AL"})
# Outline width of bold text (in points, as fpdf2 writes it): about Bold's extra stem.
_BOLD_STROKE = 0.35


class _FormPdf(FPDF):
    """FPDF with the Noto faces a form's text needs, shaped, in bidirectional order."""

    def __init__(self, text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        needed, _ = pdf_fonts.faces_for(text)
        # The forms use bold (<b>, <th>), set in the Regular face (see pdf_fonts).
        for style in ("", "B"):
            self.add_font(pdf_fonts.BASE.family, style, pdf_fonts.BASE.path)
        # Each style is its own subset of the face: named alike, a reader that caches fonts
        # by name (poppler) draws one subset's text with the other's glyphs.
        bold = self.fonts[f"{pdf_fonts.BASE.family.lower()}B"]
        bold.name = f"{bold.name}-B"
        for face in needed:
            self.add_font(face.family, "", face.path)
        pdf_text.exact_text(self)
        self.set_font(pdf_fonts.BASE.family, size=10)
        self.set_fallback_fonts([face.family for face in needed], exact_match=False)
        self.set_text_shaping(use_shaping_engine=True)
        self._needed = needed
        self._direction_settled = False

    # fpdf2 2.8 sets the page's font for a line whose first run is in a fallback face
    # inside that line's q/Q, and then believes it is still set after the Q: the next line
    # would be drawn with no font, or the wrong one. Setting it outside the line first
    # keeps what fpdf2 believes and what the page holds the same.
    def _render_styled_text_line(self, *args: Any, **kwargs: Any) -> bool:
        if not self.current_font_is_set_on_page and self.current_font is not None:
            self._out(self._set_font_for_page(self.current_font, self.font_size_pt))
        return bool(super()._render_styled_text_line(*args, **kwargs))

    # fpdf2 runs the Unicode bidirectional algorithm in cell() and multi_cell() but not in
    # the paragraphs write_html() builds, which would draw an Arabic name's letters in
    # reverse. Text with right-to-left letters is sent through the same ordering here.
    def _preload_bidirectional_text(self, text: str, markdown: bool) -> Sequence[Fragment]:
        self._direction_settled = True
        try:
            return super()._preload_bidirectional_text(text, markdown)
        finally:
            self._direction_settled = False

    def _preload_font_styles(
        self,
        text: str | None,
        markdown: bool,
        _initial_emphasis: tuple[bool, bool, bool, bool] | None = None,
    ) -> Sequence[Fragment]:
        if text and not self._direction_settled and _has_right_to_left(text):
            return self._preload_bidirectional_text(text, markdown)
        shaping = self.text_shaping
        if shaping and not self._direction_settled:
            # Text with no right-to-left letter runs left to right. Said so, HarfBuzz does
            # not guess a direction from the script, which lays Arabic-script digits out
            # right to left (١٢٣ drawn as ٣٢١, another number); nor does a direction left
            # from the last right-to-left run apply.
            direction = shaping["fragment_direction"]
            shaping["fragment_direction"] = TextDirection.LTR
            self._direction_settled = True
            try:
                return self._preload_font_styles(text, markdown, _initial_emphasis)
            finally:
                self._direction_settled = False
                shaping["fragment_direction"] = direction
        if "B" in self.font_style and self.text_mode == TextMode.FILL:
            # The bold style is the Regular face: outlining each glyph as it is filled
            # gives the weight back (the text itself is unchanged).
            mode, width = self.text_mode, self.line_width
            self.text_mode, self.line_width = TextMode.FILL_STROKE, _BOLD_STROKE
            try:
                return self._preload_font_styles(text, markdown, _initial_emphasis)
            finally:
                self.text_mode, self.line_width = mode, width
        face = self._right_to_left_face(text)
        if face is None:
            return super()._preload_font_styles(text, markdown, _initial_emphasis)
        # A right-to-left run ("محمد علي") set in its own face, spaces included, is drawn
        # as one run, so a reader extracts its words in the order they were typed rather
        # than the order they are drawn in.
        family, style, size = self.font_family, self.font_style, self.font_size_pt
        self.set_font(face.family, "", size)
        try:
            return super()._preload_font_styles(text, markdown, _initial_emphasis)
        finally:
            self.set_font(family, style, size)

    def _right_to_left_face(self, text: str | None) -> pdf_fonts.Face | None:
        shaping = self.text_shaping
        if not text or not shaping or shaping.get("fragment_direction") != TextDirection.RTL:
            return None
        letters = {ord(character) for character in text if not character.isspace()}
        return next(
            (
                face
                for face in self._needed
                if ord(" ") in face.characters and letters <= face.characters
            ),
            None,
        )


def _has_right_to_left(text: str) -> bool:
    return any(unicodedata.bidirectional(character) in _STRONG_RIGHT_TO_LEFT for character in text)


def _drawable(text: str) -> tuple[str, int]:
    """`text` with every character no embedded face has replaced by "?", and how many."""
    _, missing = pdf_fonts.faces_for(text)
    if not missing:
        return text, 0
    replaced = sum(1 for character in text if character in missing)
    return "".join("?" if character in missing else character for character in text), replaced


def _body(html: str) -> str:
    # Our document shell has exactly one <body>; escaped user text cannot contain
    # the tag. The head (title, style) is not content and fpdf2 would print it.
    start = html.find("<body>")
    end = html.rfind("</body>")
    if start == -1 or end == -1:
        return html
    return html[start + len("<body>") : end]


def _render_pdf(html: str, generated_at: datetime | None) -> tuple[bytes, int]:
    # Replaced once, on the whole body, so each character is counted once.
    body, replaced = _drawable(_body(html))
    pdf = _FormPdf(body)
    pdf.set_creation_date(generated_at or datetime.now(UTC))
    pdf.set_margins(left=18, top=18, right=18)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.write_html(
        body,
        ul_bullet_char="\u2022",
        table_line_separators=True,
        tag_styles=_PDF_TAG_STYLES,
    )
    return bytes(pdf.output(output_producer_class=pdf_text.ExactTextOutput)), replaced
