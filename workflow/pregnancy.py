"""How long before a child's birth anything about them can have happened.

A pregnancy lasts no more than 40 weeks, so no work with a child starts more than 280 days
before their (expected) date of birth: CIN census rule 8606 for a referral, and the same
rule for a record from another system that would become one. Every path that dates work
on a child, or dates a child's birth, asks this module.
"""

from __future__ import annotations

from datetime import date, timedelta

# CIN census rule 8606: a pregnancy lasts no more than 40 weeks.
LONGEST_PREGNANCY = timedelta(weeks=40)
CIN_8606 = "CIN census rule 8606"


def latest_birth(happened: date) -> date:
    """The latest (expected) birth date of a child something happened to on `happened`:
    what a statement compares a child's birth date with, so the rule holds in the write."""
    return happened + LONGEST_PREGNANCY


def before_a_pregnancy(
    happened: date, born: date, *, unborn: bool = False, rule: str | None = None
) -> str | None:
    """Why nothing about a child can have happened on `happened`, or None: a pregnancy
    lasts no more than 40 weeks, so no work with a child (a referral: CIN census rule
    8606, `rule`) starts more than 280 days before their (expected) date of birth."""
    if born <= latest_birth(happened):
        return None
    expected = "expected " if unborn else ""
    cited = f"; {rule}" if rule else ""
    return (
        f"is more than 40 weeks before the child's {expected}date of birth"
        f" ({born.isoformat()}{cited})"
    )
