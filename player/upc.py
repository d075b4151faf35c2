"""UPC-A barcodes as bar patterns, for the coupon zone to draw.

A UPC-A symbol is 95 modules: start guard 101, six digits in L-code, centre guard 01010,
six digits in R-code (the L-code inverted), end guard 101. A scanner reads the bars, so
they are drawn from the 12 digits of the coupon's `barcode` (the validator makes every
barcode 12 digits: an 11-digit number gets its check digit, scheduler.upc).
"""

from __future__ import annotations


_L_CODES = ("0001101", "0011001", "0010011", "0111101", "0100011",
            "0110001", "0101111", "0111011", "0110111", "0001011")


def modules(barcode: str) -> str:
    """The 95 modules of `barcode` as '1' (bar) and '0' (space)."""
    if len(barcode) != 12 or not barcode.isdigit():
        raise ValueError(f"a UPC-A barcode is 12 digits, not {barcode!r}")
    left = "".join(_L_CODES[int(d)] for d in barcode[:6])
    right = "".join(_L_CODES[int(d)].translate(str.maketrans("01", "10")) for d in barcode[6:])
    return "101" + left + "01010" + right + "101"


def bars(barcode: str) -> list[tuple[int, int]]:
    """(first module, width in modules) of each bar, for drawing rectangles."""
    runs, start = [], None
    for index, module in enumerate(modules(barcode) + "0"):
        if module == "1" and start is None:
            start = index
        elif module == "0" and start is not None:
            runs.append((start, index - start))
            start = None
    return runs
