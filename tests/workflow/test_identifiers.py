"""Identifiers are kept in ASCII digits, whatever digits they were typed in."""

from __future__ import annotations

import re

import pytest

from workflow import identifiers

NHS_NUMBER = "9434765919"
UPN_BODY = "938200112002"
UPN = identifiers.upn_check_letter(UPN_BODY) + UPN_BODY


def _in_digits(text: str, zero: str) -> str:
    """`text` with its ASCII digits written in the script whose zero is `zero`."""
    return "".join(chr(ord(zero) + int(c)) if c.isdigit() else c for c in text)


# Full-width digits (a Japanese or Chinese input method), Arabic-Indic and Devanagari.
ZEROS = {"full-width": "\uff10", "arabic-indic": "\u0660", "devanagari": "\u0966"}


@pytest.mark.parametrize("zero", ZEROS.values(), ids=ZEROS.keys())
def test_an_nhs_number_typed_in_other_digits_is_the_same_number(zero: str) -> None:
    assert identifiers.nhs_number(_in_digits(NHS_NUMBER, zero)) == NHS_NUMBER


@pytest.mark.parametrize("zero", ZEROS.values(), ids=ZEROS.keys())
def test_a_upn_typed_in_other_digits_is_the_same_upn(zero: str) -> None:
    assert identifiers.upn(_in_digits(UPN, zero)) == UPN


@pytest.mark.parametrize(
    ("typed", "rule"),
    [
        # A superscript two is a digit to Python's isdigit, but no decimal digit.
        ("\u00b2" + NHS_NUMBER[1:], "an NHS number is 10 digits"),
        ("\u2460" + NHS_NUMBER[1:], "an NHS number is 10 digits"),
    ],
    ids=["superscript", "circled"],
)
def test_a_character_that_is_no_decimal_digit_breaks_the_rule_by_name(
    typed: str, rule: str
) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(rule)}$"):
        identifiers.nhs_number(typed)


def test_a_upn_with_a_superscript_digit_breaks_the_rule_by_name() -> None:
    with pytest.raises(ValueError, match=r"^a UPN is a check letter, 11 digits"):
        identifiers.upn(UPN[:5] + "\u00b2" + UPN[6:])
