"""UPC-A numbers as coupons carry them.

A UPC-A symbol encodes 12 digits: an 11-digit number and a check digit computed from
it. GSTV's coupon playlists carry the 11 digits without the check digit (their QA's
valid messages do); seed 001 only says a barcode is required. Both forms are taken:
11 digits get their check digit computed, 12 digits must carry the right one (a wrong
one is a mistyped number: the scanner at the till would refuse the coupon).
"""

from __future__ import annotations


def check_digit(first_eleven: str) -> int:
    """The UPC-A check digit of an 11-digit number."""
    odd = sum(int(d) for d in first_eleven[0::2])
    even = sum(int(d) for d in first_eleven[1::2])
    return (10 - (odd * 3 + even) % 10) % 10


def full_upc_a(digits: str) -> str:
    """The 12 digits to draw for an 11-digit number (its check digit appended), or a
    12-digit one as given. The caller has checked the form (`problem`)."""
    return digits + str(check_digit(digits)) if len(digits) == 11 else digits


def problem(text: str) -> str | None:
    """Why `text` is no UPC-A number ("form", "check digit"), or None."""
    if not (text.isascii() and text.isdigit() and len(text) in (11, 12)):
        return "form"
    if len(text) == 12 and int(text[11]) != check_digit(text[:11]):
        return "check digit"
    return None
