"""GSM 03.38 text: what fits in one SMS, how longer texts split, and what to do with other characters.

Cheap phones show GSM-7 reliably; one non-GSM character (an emoji, a curly quote) turns a
message into UCS-2 and cuts it from 160 to 70 characters. Replies are therefore made GSM-7
by transliteration before they are measured and split.
"""

from __future__ import annotations

import unicodedata

BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENDED = "^{}\\[~]|€\f"
"""Characters sent as an escape plus one septet: they count twice."""

SINGLE_GSM, PART_GSM = 160, 153
SINGLE_UCS2, PART_UCS2 = 70, 67
"""Capacity of one message, and of each part of a concatenated one (the header takes the rest)."""

REPLACEMENTS = {
    "‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-", "…": "...",
    "\u00a0": " ", "•": "-", "·": "-", "×": "x", "`": "'", "\t": " ",
}


def is_gsm7(text: str) -> bool:
    return all(ch in BASIC or ch in EXTENDED for ch in text)


def septets(text: str) -> int:
    return sum(2 if ch in EXTENDED else 1 for ch in text)


def to_gsm7(text: str) -> str:
    """Replace what GSM-7 lacks: typographic punctuation by ASCII, accents dropped, the rest by '?'."""
    out = []
    for ch in text:
        if ch in BASIC or ch in EXTENDED:
            out.append(ch)
            continue
        if ch in REPLACEMENTS:
            out.append(REPLACEMENTS[ch])
            continue
        stripped = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(stripped if stripped and all(c in BASIC or c in EXTENDED for c in stripped) else "?")
    return "".join(out)


def segments(text: str) -> list[str]:
    """The parts a text is sent as: one part if it fits, else parts of 153 septets (67 UCS-2 chars),
    never splitting an escape pair."""
    if is_gsm7(text):
        if septets(text) <= SINGLE_GSM:
            return [text]
        limit, measure = PART_GSM, septets
    else:
        if len(text) <= SINGLE_UCS2:
            return [text]
        limit, measure = PART_UCS2, len
    parts, current = [], ""
    for ch in text:
        if measure(current + ch) > limit:
            parts.append(current)
            current = ""
        current += ch
    if current:
        parts.append(current)
    return parts


def fits_one_message(text: str) -> bool:
    return len(segments(text)) == 1
