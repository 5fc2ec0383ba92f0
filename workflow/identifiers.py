"""Identifiers validated at the edge: NHS number, UPN, LA child id.

Each validator returns the normalised identifier or raises `ValueError` with a
message that names the rule, so pydantic reports "field: rule" to the caller.
"""

from __future__ import annotations

import unicodedata

# DfE "Unique pupil numbers (UPN)" guidance: the check letter alphabet omits I, O
# and S, which are too easily misread as digits.
_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def _digits(text: str) -> str | None:
    """`text` in the digits 0-9 when every character of it is a decimal digit of some
    script (Arabic-Indic, Devanagari, full-width: the same number, kept one way, so it
    meets its own record), else None (a superscript is a digit to `str.isdigit`, not a
    decimal one)."""
    values = [unicodedata.decimal(char, None) for char in text]
    if not text or any(value is None for value in values):
        return None
    return "".join(str(value) for value in values)


def nhs_number(value: str) -> str:
    """Validate an NHS number: 10 digits whose last is the modulus-11 check digit."""
    digits = _digits(value.replace(" ", "").replace("-", ""))
    if digits is None or len(digits) != 10:
        raise ValueError("an NHS number is 10 digits")
    # NHS Data Dictionary: weights 10..2 on the first nine digits; 11 - (sum mod 11)
    # is the check digit, 11 becomes 0 and 10 means the number was never issued.
    total = sum(
        int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True)
    )
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10 or check != int(digits[9]):
        raise ValueError("the NHS number fails its modulus-11 check digit")
    return digits


def upn_check_letter(body: str) -> str:
    """The DfE check letter for the last 12 characters of a UPN."""
    total = 0
    for weight, char in enumerate(body, start=2):
        # A temporary UPN ends in a letter, valued by its place in the check alphabet.
        number = int(char) if char.isdigit() else _UPN_LETTERS.index(char)
        total += number * weight
    return _UPN_LETTERS[total % 23]


def upn(value: str) -> str:
    """Validate a unique pupil number: check letter, 11 digits, a digit or letter last."""
    candidate = value.strip().upper()
    if len(candidate) != 13:
        raise ValueError("a UPN is 13 characters")
    serial = _digits(candidate[1:-1])
    last = candidate[-1] if candidate[-1] in _UPN_LETTERS else _digits(candidate[-1])
    if serial is None or last is None:
        raise ValueError("a UPN is a check letter, 11 digits, then a digit or letter")
    candidate = f"{candidate[0]}{serial}{last}"
    body = candidate[1:]
    if candidate[0] != upn_check_letter(body):
        raise ValueError("the UPN's check letter does not match (DfE UPN algorithm)")
    return candidate


def la_child_id(value: str) -> str:
    """Validate an LA child id as the DfE returns need it: 1-20 letters or digits."""
    candidate = value.strip()
    if not 1 <= len(candidate) <= 20 or not candidate.isalnum() or not candidate.isascii():
        raise ValueError("an LA child id is 1 to 20 letters or digits (CIN rule 1570)")
    return candidate
