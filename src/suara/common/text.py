"""Checks of raw client text and numbers before they reach the database or a parser.

PostgreSQL refuses NUL in text and UTF-8 cannot carry lone surrogates: either would end as a
server error deep in a query, so every surface refuses them up front with a typed error.
"""

from __future__ import annotations

import re

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
ASCII_DIGITS = re.compile(r"[0-9]{1,10}")
MAX_ROW_ID = 2**31 - 1
"""Row ids are PostgreSQL `integer` columns."""

INVALID_TEXT_ID = "Teks berisi karakter yang tidak diizinkan (NUL atau surrogate)."
INVALID_TEXT_EN = "The text contains a character that is not allowed (NUL or a lone surrogate)."


def is_storable(text: str) -> bool:
    """False for text PostgreSQL or UTF-8 cannot hold."""
    return UNSTORABLE.search(text) is None


def parse_row_id(text: str) -> int | None:
    """A database row id from client text: ASCII digits only, within `integer`; else None."""
    text = text.strip()
    if not ASCII_DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ROW_ID else None
