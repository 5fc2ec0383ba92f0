from __future__ import annotations

import hashlib
import io
import logging
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
import uharfbuzz
from fontTools.ttLib import TTFont
from pdfminer.high_level import extract_text
from pypdf import PdfReader
from pypdf.generic import ContentStream

from connectors.livelink import pdf_fonts
from connectors.livelink.file_plan import FOLDER_KEYS
from connectors.livelink.retention import RecordClass
from connectors.livelink.templates import (
    FORM_TEMPLATES,
    TemplateContextError,
    render_form,
    render_html,
    render_pdf,
)

GENERATED_AT = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)

CHILD = {
    "child_name": "Jamie Smith",
    "child_id": "C1001",
    "date_of_birth": date(2015, 2, 28),
    "author": "Alex Worker",
    "completed_on": date(2024, 5, 1),
    "local_authority": "Hertfordshire County Council",
}
PEOPLE = [
    {"name": "Sam Patel", "agency": "Police", "role": "Detective Sergeant"},
    {"name": "Dr Lee", "agency": "Health", "role": "Paediatrician"},
]
ACTIONS = [
    {
        "need": "Safe sleep",
        "action": "Health visitor visit",
        "who": "HV",
        "by_when": date(2024, 6, 1),
    },
    {
        "need": "School attendance",
        "action": "Daily check-in",
        "who": "School",
        "by_when": "Ongoing",
    },
]
FORMS: dict[str, dict[str, Any]] = {
    "contact_record": {
        "contact_date": date(2024, 4, 30),
        "contact_source": "School designated safeguarding lead",
        "parents_aware": True,
        "consent_given": None,
        "reason": "Bruise seen on arm.\nChild said it happened at home.",
        "decision": "Referral to children's social care",
        "decided_by": "Team Manager",
        "decided_on": date(2024, 5, 1),
        "decision_rationale": "Threshold met.",
    },
    "child_and_family_assessment": {
        "referral_date": date(2024, 5, 1),
        "started_on": date(2024, 5, 2),
        "authorised_on": date(2024, 6, 20),
        "authorised_by": "Team Manager",
        "factors": ["2B Domestic violence: parent/carer", "4A Mental health: parent/carer"],
        "child_views": "Likes school.",
        "parent_views": "Wants help.",
        "analysis": "Needs support.",
        "outcome": "Child in need plan",
    },
    "strategy_discussion_record": {
        "held_on": date(2024, 5, 3),
        "chair": "Team Manager",
        "attendees": PEOPLE,
        "concerns": "Injury unexplained.",
        "section_47_started": True,
        "decision_rationale": "Reasonable cause to suspect significant harm.",
        "actions": ACTIONS,
    },
    "section_47_enquiry_outcome": {
        "started_on": date(2024, 5, 3),
        "concluded_on": date(2024, 5, 14),
        "concerns_substantiated": True,
        "outcome": "Initial child protection conference",
        "icpc_due_on": date(2024, 5, 24),
        "authorised_by": "Team Manager",
        "findings": "Concerns substantiated.",
    },
    "icpc_minutes": {
        "held_on": date(2024, 5, 24),
        "chair": "Conference Chair",
        "minute_taker": "Minute Taker",
        "attendees": PEOPLE,
        "apologies": ["GP"],
        "discussion": "Discussed risks and strengths.",
        "plan_required": True,
        "lead_social_worker": "Alex Worker",
        "first_review_due": date(2024, 8, 24),
        "categories": ["Physical abuse"],
        "recommendations": ["Core group within 10 working days"],
    },
    "child_protection_plan": {
        "plan_started": date(2024, 5, 24),
        "lead_social_worker": "Alex Worker",
        "next_review": date(2024, 8, 24),
        "categories": ["Physical abuse"],
        "core_group": PEOPLE,
        "outcomes": ACTIONS,
        "contingency": "Strategy discussion if the plan is not followed.",
    },
    "child_in_need_plan": {
        "plan_started": date(2024, 6, 20),
        "lead_professional": "Alex Worker",
        "next_review": date(2024, 9, 20),
        "needs_and_actions": ACTIONS,
        "family_views": "Agree with the plan.",
    },
    "cla_review_record": {
        "held_on": date(2024, 7, 1),
        "independent_reviewing_officer": "IRO Name",
        "legal_status": "C2 Full care order",
        "placement": "Foster placement",
        "child_participated": True,
        "next_review_due": date(2024, 10, 1),
        "child_views": "Happy at placement.",
        "progress": "Settled.",
        "decisions": ["Placement to continue"],
    },
    "pathway_plan": {
        "plan_date": date(2033, 3, 1),
        "personal_adviser": "PA Name",
        "care_leaver_status": "Relevant child",
        "next_review": date(2033, 9, 1),
        "accommodation": "Supported lodgings.",
        "education_training_employment": "College.",
        "health": "Registered with a GP.",
        "finances": "Setting-up-home allowance.",
        "actions": ACTIONS,
    },
    "case_closure_summary": {
        "closure_date": date(2025, 1, 10),
        "reason_for_closure": "RC4 Case closed after assessment, referred to early help",
        "authorised_by": "Team Manager",
        "family_informed": True,
        "summary": "Work completed.",
        "continuing_services": [],
    },
    "ssr_summary": {
        "ssr_reference": "SSR-2024-0001",
        "upn": "A820200123001",
        "school": "Oak Primary School",
        "requested_by": "Designated safeguarding lead",
        "requested_on": date(2024, 4, 29),
        "finalised_on": date(2024, 4, 30),
        "status": "Finalised",
        "services_requested": ["Educational psychology"],
        "reason": "Attendance and wellbeing.",
    },
}


def context(template_key: str, **overrides: Any) -> dict[str, Any]:
    return {**CHILD, **FORMS[template_key], **overrides}


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as a reader extracts it (what search and copy see)."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def test_the_registry_has_each_form_mapped_to_one_subfolder_and_record_class() -> None:
    assert set(FORM_TEMPLATES) == set(FORMS)
    for key, template in FORM_TEMPLATES.items():
        assert template.key == key
        assert template.folder_key in FOLDER_KEYS
        assert isinstance(template.record_class, RecordClass)
    mapping = {key: (t.folder_key, t.record_class) for key, t in FORM_TEMPLATES.items()}
    assert mapping["icpc_minutes"] == ("child_protection", RecordClass.CHILD_PROTECTION)
    assert mapping["cla_review_record"] == ("looked_after", RecordClass.LOOKED_AFTER)
    assert mapping["pathway_plan"] == ("leaving_care", RecordClass.CARE_LEAVER)
    assert mapping["ssr_summary"] == ("education", RecordClass.GENERAL)
    assert FORM_TEMPLATES["section_47_enquiry_outcome"].filename_stem == (
        "section-47-enquiry-outcome"
    )


@pytest.mark.parametrize("template_key", sorted(FORMS))
def test_every_form_renders_to_html_and_a_real_pdf(
    template_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="fpdf")

    rendered = render_form(template_key, context(template_key), generated_at=GENERATED_AT)

    title = FORM_TEMPLATES[template_key].title
    assert rendered.html.startswith("<!DOCTYPE html>")
    assert f"<h1>{title}</h1>" in rendered.html
    assert "C1001" in rendered.html
    assert rendered.pdf.startswith(b"%PDF-")
    assert rendered.pdf.rstrip().endswith(b"%%EOF")
    assert page_count(rendered.pdf) >= 1
    text = pdf_text(rendered.pdf)
    assert title in text
    assert "Jamie Smith" in text
    assert "28 February 2015" in text
    assert rendered.checksum_html == hashlib.sha256(rendered.html.encode("utf-8")).hexdigest()
    assert rendered.checksum_pdf == hashlib.sha256(rendered.pdf).hexdigest()
    assert rendered.pdf_characters_replaced == 0
    # Bold labels: the Regular face filled and outlined.
    assert b" 2 Tr " in PdfReader(io.BytesIO(rendered.pdf)).pages[0].get_contents().get_data()
    # fpdf2 logs, rather than raises, on HTML it does not understand.
    assert [record.getMessage() for record in caplog.records] == []


def test_typed_text_is_escaped_never_markup() -> None:
    hostile = '<script>alert("x")</script><b onclick="y">bold?</b>'
    html = render_html(
        "contact_record",
        context(
            "contact_record",
            child_name=hostile,
            reason=f"First line {hostile}\nsecond line\n\nNext paragraph & more",
            generated_at=GENERATED_AT,
        ),
    )

    assert "<script>" not in html
    assert "<b onclick" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert (
        "<p>First line &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b onclick=&#34;y&#34;"
        "&gt;bold?&lt;/b&gt;<br>second line</p>\n<p>Next paragraph &amp; more</p>"
    ) in html
    text = pdf_text(render_pdf(html, generated_at=GENERATED_AT))
    assert '<script>alert("x")</script>' in text


def test_missing_values_fail_loudly_and_none_reads_not_recorded() -> None:
    incomplete = context("section_47_enquiry_outcome", generated_at=GENERATED_AT)
    del incomplete["findings"]

    with pytest.raises(TemplateContextError, match="'findings' is undefined"):
        render_html("section_47_enquiry_outcome", incomplete)

    html = render_html(
        "section_47_enquiry_outcome",
        context("section_47_enquiry_outcome", icpc_due_on=None, generated_at=GENERATED_AT),
    )
    assert (
        "<tr><td><b>Initial child protection conference due</b></td><td>Not recorded</td></tr>"
        in html
    )


def test_an_unknown_template_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        render_html("no_such_form", CHILD)


# A child's name in each script the county's families write names in.
NAMES_BY_SCRIPT = {
    "Latin (Polish)": "Łucja Wiśniewska",
    "Latin (Romanian, Vietnamese)": "Ștefan Nguyễn Thị",
    "Greek": "Γιώργος Παπαδόπουλος",
    "Cyrillic": "Дмитрий Иванов",
    "Hebrew (right to left)": "נועה כהן",
    "Arabic (right to left, joined)": "محمد علي",
    "Devanagari (conjuncts)": "आरव शर्मा",
    "Bengali (vowel sign drawn before its consonant)": "আয়েশা রহমান",
    "Gurmukhi": "ਹਰਪ੍ਰੀਤ ਸਿੰਘ",
    "Gujarati": "પ્રિયા પટેલ",
    "Tamil": "அருண் குமார்",
    "Thai": "สมชาย ใจดี",
    "Georgian": "გიორგი ბერიძე",
    "Armenian": "Արամ Պետրոսյան",
    "Ethiopic (Tigrinya)": "ሰላም ተስፋዬ",
    "Chinese": "王小明",
    "Korean": "김민준",
}


def _form_for(name: str) -> Any:
    return render_form(
        "contact_record", context("contact_record", child_name=name), generated_at=GENERATED_AT
    )


def pdfminer_text(pdf: bytes) -> str:
    """The PDF's text as pdfminer.six extracts it (in the order glyphs are drawn)."""
    return extract_text(io.BytesIO(pdf))


@pytest.mark.parametrize("script", sorted(NAMES_BY_SCRIPT))
def test_a_childs_name_in_any_script_is_kept_exactly_in_the_html_and_drawn_in_the_pdf(
    script: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="fpdf")
    name = NAMES_BY_SCRIPT[script]
    rendered = _form_for(name)

    assert f'<td width="65%">{name}</td>' in rendered.html
    assert f"<title>Contact record: {name}</title>" in rendered.html
    assert rendered.pdf_characters_replaced == 0
    # Every face is embedded (subset), none only referenced.
    assert rendered.pdf.count(b"/FontFile") == rendered.pdf.count(b"/Type /FontDescriptor")
    assert [record.getMessage() for record in caplog.records] == []


@pytest.mark.parametrize("script", sorted(NAMES_BY_SCRIPT))
def test_the_pdf_text_finds_the_exact_name_with_pypdf_and_pdfminer(script: str) -> None:
    # Every letter is drawn from an embedded face and maps back to itself, in the order
    # typed, with no stray code and no split: a records officer searching the text index,
    # or a checker extracting the text, finds the name as typed whichever reader it uses
    # (pypdf puts a right-to-left run back in order; pdfminer keeps the drawing order).
    name = NAMES_BY_SCRIPT[script]
    pdf = _form_for(name).pdf

    assert f"Name {name}\n" in pdf_text(pdf)
    assert f"\n{name}\n" in pdfminer_text(pdf)


def _glyphs_drawn(pdf: bytes, family: str) -> tuple[TTFont, list[str]]:
    """The embedded subset of the face `family`, and the glyphs drawn in it, in order.

    The glyphs are found by their codes (the text a reader gets says nothing about the
    order they are drawn in): code, then glyph in the embedded subset.
    """
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    fonts = page["/Resources"]["/Font"]
    key = next(key for key, font in fonts.items() if font["/BaseFont"].endswith(f"+{family}"))
    descendant = fonts[key]["/DescendantFonts"][0].get_object()
    glyph_of_code = descendant["/CIDToGIDMap"].get_object().get_data()
    embedded = TTFont(io.BytesIO(descendant["/FontDescriptor"]["/FontFile2"].get_data()))
    names = embedded.getGlyphOrder()
    drawn, current, saved = [], None, []
    for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
        # The font is part of the graphics state, which q saves and Q restores.
        if operator == b"q":
            saved.append(current)
        elif operator == b"Q":
            current = saved.pop()
        elif operator == b"Tf":
            current = operands[0]
        elif operator == b"Tj" and current == key:
            codes = bytes(operands[0].original_bytes)
            for index in range(0, len(codes), 2):
                code = int.from_bytes(codes[index : index + 2])
                drawn.append(names[int.from_bytes(glyph_of_code[2 * code : 2 * code + 2])])
    return embedded, drawn


def _advances_drawn(pdf: bytes, family: str) -> list[int]:
    """The advance of each glyph drawn in the face `family`, in the order drawn."""
    embedded, drawn = _glyphs_drawn(pdf, family)
    return [embedded["hmtx"].metrics[name][0] for name in drawn]


def _characters_drawn(pdf: bytes, family: str, among: str) -> str:
    """Which of the characters `among` are drawn in the face `family`, left to right.

    Only glyphs that draw one of them on their own (digits, unjoined letters) count; a
    face may draw several characters with one glyph, hence `among`.
    """
    embedded, drawn = _glyphs_drawn(pdf, family)
    glyphs = embedded.getBestCmap()
    character_of = {glyphs[ord(character)]: character for character in among}
    return "".join(character_of.get(name, "") for name in drawn)


def _advances_laid_out(text: str, face: pdf_fonts.Face) -> list[int]:
    """The advance of each glyph HarfBuzz lays `text` out with, left to right on the page."""
    font = uharfbuzz.Font(uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(face.path))))
    buffer = uharfbuzz.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    uharfbuzz.shape(font, buffer, {})
    with TTFont(face.path, lazy=True) as original:
        metrics = original["hmtx"].metrics
        return [metrics[font.glyph_to_string(info.codepoint)][0] for info in buffer.glyph_infos]


@pytest.mark.parametrize(
    ("where", "html"),
    [
        ("a table cell", None),
        ("a paragraph", "<p>محمد علي</p>"),
        ("an English sentence", "<p>We met محمد علي at school.</p>"),
    ],
)
def test_a_right_to_left_name_is_drawn_right_to_left(where: str, html: str | None) -> None:
    # محمد علي: drawn from its last letter (yeh, at the left) to its first (meem, at the
    # right), joined as HarfBuzz lays it out; drawn in the order typed, it would read
    # backwards on the page.
    name = "محمد علي"
    if html is None:
        pdf = _form_for(name).pdf
    else:
        pdf = render_pdf(f"<html><body>{html}<p>After: Jamie Smith</p></body></html>")
        # The text after it keeps its own face (fpdf2 once lost it after such a line).
        assert "After: Jamie Smith" in pdf_text(pdf)
        assert html[3:-4] in pdf_text(pdf)
    arabic = next(face for face in pdf_fonts.FALLBACKS if face.family == "NotoSansArabic")
    laid_out = _advances_laid_out(name, arabic)

    assert _advances_drawn(pdf, "NotoSansArabic") == laid_out
    assert laid_out != laid_out[::-1]


def test_arabic_script_digits_are_drawn_left_to_right_as_numbers_are() -> None:
    # A number reads left to right in every script (Unicode's bidirectional algorithm);
    # HarfBuzz, left to guess, would lay Arabic-script digits out right to left: ١٢٣ drawn
    # as ٣٢١ reads as another number. Arabic-Indic and Persian digits, alone, in an English
    # sentence and in an Arabic one.
    pdf = render_pdf("<html><body><p>Case ١٢٣ and ٤٥</p><p>۶۷۸</p><p>رقم ٩٠</p></body></html>")

    digits = "١٢٣٤٥۶۷۸٩٠"
    assert _characters_drawn(pdf, "NotoSansArabic", among=digits) == digits
    assert "Case ١٢٣ and ٤٥\n۶۷۸\n" in pdf_text(pdf)


def test_characters_no_embedded_font_has_are_replaced_and_counted() -> None:
    # U+E000 is a private-use character: no font the hub embeds draws it.
    name = "Jamie \ue000Smith\ue000"
    rendered = render_form(
        "contact_record", context("contact_record", child_name=name), generated_at=GENERATED_AT
    )

    assert name in rendered.html
    assert "Jamie ?Smith?" in pdf_text(rendered.pdf)
    assert rendered.pdf_characters_replaced == 2


def test_the_same_form_renders_to_the_same_bytes() -> None:
    first = render_form("icpc_minutes", context("icpc_minutes"), generated_at=GENERATED_AT)
    second = render_form("icpc_minutes", context("icpc_minutes"), generated_at=GENERATED_AT)
    later = render_form(
        "icpc_minutes", context("icpc_minutes"), generated_at=datetime(2024, 5, 2, tzinfo=UTC)
    )

    assert first == second
    assert later.checksum_pdf != first.checksum_pdf


def test_long_forms_flow_onto_more_pages() -> None:
    paragraphs = "\n\n".join(f"Paragraph {number}: " + "word " * 80 for number in range(40))
    rendered = render_form(
        "child_and_family_assessment",
        context("child_and_family_assessment", analysis=paragraphs),
        generated_at=GENERATED_AT,
    )

    assert page_count(rendered.pdf) > 2
    assert "Paragraph 39:" in pdf_text(rendered.pdf)
