"""Form templates: what LCS and IES generate, where each is filed, and how it is rendered.

Every template maps to exactly one subfolder of the child's file and one retention
record class. Rendering gives the HTML (the exact record, with every character the
worker typed) and a PDF made from the same HTML with fpdf2.

Escaping: Jinja2 runs with autoescape on for every template, so text a worker or a
partner typed is always shown as text, never interpreted as markup. Free text goes
through the `paragraphs` filter, which escapes first and only then adds the
paragraph and line-break tags.

Characters in the PDF: the PDF uses the core Helvetica font with the Windows-1252
encoding, so no font file has to ship with the hub and the bytes are reproducible.
Characters outside Windows-1252 (for example Polish "Ł" or Arabic script) are
replaced: letters by their unaccented form where Unicode gives one ("Ș" becomes
"S"), anything else by "?". `RenderedForm.pdf_characters_replaced` counts them,
and the HTML, which the LCS keeps beside the PDF, keeps the exact text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any

import jinja2
from fpdf import FPDF
from fpdf.fonts import TextStyle
from markupsafe import Markup, escape

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

_PDF_ENCODING = "windows-1252"

# Plain black headings sized for an A4 form (fpdf2's defaults are large and red).
_PDF_TAG_STYLES = {
    "h1": TextStyle(color="#000000", font_size_pt=16, t_margin=2, b_margin=2),
    "h2": TextStyle(color="#000000", font_size_pt=12, t_margin=4, b_margin=1),
}

# Letters Unicode does not decompose into a base letter plus accents.
_TRANSLITERATIONS = {
    "Ł": "L",
    "ł": "l",
    "Đ": "D",
    "đ": "d",
    "Ħ": "H",
    "ħ": "h",
    "ı": "i",
    "Ŀ": "L",
    "ŀ": "l",
    "Ŋ": "N",
    "ŋ": "n",
    "Ŧ": "T",
    "ŧ": "t",
}


class _FormPdf(FPDF):
    """FPDF on the core fonts, with Windows-1252 rather than Latin-1 text.

    Text reaching it has already been made encodable by `_pdf_text`; the override
    is the safety net that keeps an unforeseen character from aborting a render.
    """

    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.core_fonts_encoding = _PDF_ENCODING

    def normalize_text(self, text: str) -> str:
        return super().normalize_text(_pdf_text(text)[0])


def _pdf_text(text: str) -> tuple[str, int]:
    """Return `text` with every character the PDF font lacks replaced, and how many."""
    try:
        text.encode(_PDF_ENCODING)
    except UnicodeEncodeError:
        pass
    else:
        return text, 0
    out: list[str] = []
    replaced = 0
    for character in text:
        try:
            character.encode(_PDF_ENCODING)
        except UnicodeEncodeError:
            replaced += 1
            out.append(_fallback(character))
        else:
            out.append(character)
    return "".join(out), replaced


def _fallback(character: str) -> str:
    if character in _TRANSLITERATIONS:
        return _TRANSLITERATIONS[character]
    base = "".join(
        part for part in unicodedata.normalize("NFKD", character) if not unicodedata.combining(part)
    )
    try:
        base.encode(_PDF_ENCODING)
    except UnicodeEncodeError:
        return "?"
    return base or "?"


def _body(html: str) -> str:
    # Our document shell has exactly one <body>; escaped user text cannot contain
    # the tag. The head (title, style) is not content and fpdf2 would print it.
    start = html.find("<body>")
    end = html.rfind("</body>")
    if start == -1 or end == -1:
        return html
    return html[start + len("<body>") : end]


def _render_pdf(html: str, generated_at: datetime | None) -> tuple[bytes, int]:
    pdf = _FormPdf()
    pdf.set_creation_date(generated_at or datetime.now(UTC))
    pdf.set_margins(left=18, top=18, right=18)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    # Replaced once, on the whole body, so each character is counted once (fpdf2
    # normalises some strings more than once while laying out).
    body, replaced = _pdf_text(_body(html))
    # The default bullet is a Latin-1 byte; with Windows-1252 it must be the real one.
    pdf.write_html(
        body,
        ul_bullet_char="\u2022",
        table_line_separators=True,
        tag_styles=_PDF_TAG_STYLES,
    )
    return bytes(pdf.output()), replaced
