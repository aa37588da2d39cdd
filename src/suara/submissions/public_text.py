"""The one rule for free text that the public reads: contact data masked, everything else readable.

Every public surface (GraphQL, Open311 JSON/XML, open data, the web pages) shows a submission's
title, text, place and history notes only through :func:`mask_public_text`, applied when the text is
read, so rows written under an older rule are covered too.

Masked: e-mail addresses; NIK (16 digits, any separators); phone numbers in any Indonesian format
(``0812-3456-7890``, ``(0812) 98765432``, ``+62 812 3456 7890``, ``62812…``, ``0812.3456.7890``,
landlines with an area code such as ``021-5551234``, mobiles without the leading 0); the reporter's
own name (the full name, and each name word of 3+ letters as a whole word, in any case).

Kept readable, because complaints are about them: rupiah amounts (``Rp 1.500.000``, ``Rp1,5 juta``,
``1.500.000 rupiah``), dates (``12-01-2026``, ``12/01/2026``, ``2026-01-12``), RT/RW and house
numbers (``RT 03/RW 05``, ``No. 12``), tracking codes (``K7M-2QX-9PA``) and agencies' directory
phones (an answer may say "call our hotline"). ``phonenumbers`` finds phones the patterns miss, but
only outside the kept spans: its matcher takes "Rp 1.500.000" for a phone number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

MASKS = {"email": "[email]", "nik": "[NIK]", "phone": "[nomor telepon]", "name": "[nama]"}

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
NIK = re.compile(r"(?<![\d+.,])(?<!\d[ .\-/])[1-9]\d*(?:([ .\-/])\d+)?(?:\1\d+)*")
"""A run of digit groups with one kind of separator; it is a NIK when its first groups hold 16 digits."""
# A run of digit groups joined by phone separators, optionally after "+" or "(".
DIGIT_RUN = re.compile(r"(?<![\d+])\+?\(?\d[\d \t.\-()/]*\d\)?(?!\d)")
GROUP = re.compile(r"\d+")
AMOUNT = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")
"""Thousands in dots (850.000.000) are an amount, not a phone number."""

_NUMBER = r"\d+(?:[.,]\d+)*"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_UNITS = r"(?:juta|jt|ribu|rb|miliar|milyar|triliun|rupiah|perak)"
KEPT = [
    re.compile(rf"(?<![A-Za-z])(?:Rp|IDR)\.?\s*{_NUMBER}(?:\s*{_UNITS}\b)?(?:,-)?", re.IGNORECASE),
    re.compile(rf"(?<![\w]){_NUMBER}\s*{_UNITS}\b", re.IGNORECASE),
    # A date, a house number or an RT/RW is never part of a longer run of digits (0812-34-56-78-90).
    re.compile(rf"(?<!\d)(?<!\d[-/.]){_DAY}([-/.]){_MONTH}\1(?:(?:19|20)\d\d|\d\d)(?!\d|[-/.]\d)"),  # 12-01-2026
    re.compile(rf"(?<!\d)(?<!\d[-/.])(?:19|20)\d\d([-/.]){_MONTH}\1{_DAY}(?!\d|[-/.]\d)"),  # 2026-01-12
    re.compile(r"\bR[TW]\.?\s*\d{1,3}(?:\s*/\s*(?:R[TW]\.?\s*)?\d{1,3})?(?![\d.\-]|\s\d)", re.IGNORECASE),
    re.compile(r"\b(?:No|Nomor|Nomer|Blok|Gang|Gg|Kav|Lt)\.?\s*[1-9]\d{0,3}[A-Za-z]?\b(?![\d.\-]|\s\d)",
               re.IGNORECASE),
    re.compile(r"(?<![\w-])[2-9A-HJKMNP-TV-Z]{3}-[2-9A-HJKMNP-TV-Z]{3}-[2-9A-HJKMNP-TV-Z]{3}(?![\w-])"),  # codes
]
FILLER = "\u2063"
"""Stands in for a kept span while phones are looked for: neither a digit nor a separator."""


@dataclass(frozen=True)
class TextMask:
    """Who a text belongs to: the reporter names to hide and the directory phones to keep."""

    names: tuple[str, ...] = ()
    kept_phones: frozenset[str] = frozenset()

    def __call__(self, text: str | None) -> str | None:
        return _cached_mask(text, self.names, self.kept_phones) if text else text


@lru_cache(maxsize=8192)
def _cached_mask(text: str, names: tuple[str, ...], kept_phones: frozenset[str]) -> str:
    """Lists (Open311, 1,000 items) read the same texts again and again."""
    return mask_public_text(text, names=names, kept_phones=kept_phones)


def forget_cached_texts() -> None:
    """Empty this process's cache of masked texts: its keys are original texts (after an erasure)."""
    _cached_mask.cache_clear()


def national_digits(raw: str) -> str | None:
    """The number without country code or trunk 0 (``812…``, ``215551234``) if ``raw`` can be an
    Indonesian phone number, else None."""
    if AMOUNT.fullmatch(raw.strip()):
        return None
    digits = "".join(ch for ch in raw if ch.isdigit())
    plus = raw.lstrip().startswith("+")
    if plus and not digits.startswith("62"):
        return digits if 7 <= len(digits) <= 15 else None  # a foreign number: mask it too
    if digits.startswith("62") and (plus or len(digits) >= 10):
        national = digits[2:].removeprefix("0")
    elif digits.startswith("0"):
        national = digits[1:]
    elif digits.startswith("8"):
        national = digits
        if len(national) < 9:
            return None
    else:
        return None
    if not 8 <= len(national) <= 12 or national[0] == "0" or national[0] == "1":
        return None
    return national


def mask_public_text(text: str, *, names: Iterable[str] = (), kept_phones: Iterable[str] = ()) -> str:
    """``text`` with contact data replaced by ``[email]``, ``[NIK]``, ``[nomor telepon]``, ``[nama]``."""
    if not text:
        return text
    kept_national = {n for n in (national_digits(p) for p in kept_phones if p) if n}
    spans: list[tuple[int, int, str]] = []
    work = text  # the text with masked spans blanked out
    for match in EMAIL.finditer(work):
        spans.append((match.start(), match.end(), MASKS["email"]))
    work = _blank(work, spans)
    spans += [(start, end, MASKS["nik"]) for start, end in _nik_spans(work)]
    work = _blank(work, spans)
    phones_only = work  # where phones are looked for: kept spans blanked out as well
    for pattern in KEPT:
        phones_only = pattern.sub(lambda m: FILLER * len(m.group()), phones_only)
    spans += [(start, end, MASKS["phone"]) for start, end in _phone_spans(phones_only, kept_national)]
    phones_only = _blank(phones_only, spans)
    if sum(ch.isdigit() for ch in phones_only) >= 7:  # else no phone can be left: skip the slow matcher
        for found in phonenumbers.PhoneNumberMatcher(phones_only, "ID", leniency=phonenumbers.Leniency.VALID):
            if FILLER not in found.raw_string and national_digits(found.raw_string) not in kept_national:
                spans.append((found.start, found.end, MASKS["phone"]))
    work = _blank(work, spans)
    spans += [(start, end, MASKS["name"]) for start, end in _name_spans(work, names)]
    return _replace(text, spans)


def _blank(text: str, spans: list[tuple[int, int, str]]) -> str:
    chars = list(text)
    for start, end, _ in spans:
        chars[start:end] = FILLER * (end - start)
    return "".join(chars)


def _nik_spans(work: str) -> list[tuple[int, int]]:
    found = []
    for run in NIK.finditer(work):
        digits = 0
        for group in GROUP.finditer(run.group()):
            digits += len(group.group())
            if digits == 16 and not work[run.start() + group.end():][:1].isdigit():
                found.append((run.start(), run.start() + group.end()))
            if digits >= 16:
                break
    return found


def _phone_spans(work: str, kept_national: set[str]) -> list[tuple[int, int]]:
    """Spans of digit runs that read as phone numbers; a run of several numbers is split at its gaps."""
    found = []
    for run in DIGIT_RUN.finditer(work):
        groups = list(GROUP.finditer(run.group()))
        offset = run.start()
        i = 0
        while i < len(groups):
            for j in range(len(groups) - 1, i - 1, -1):
                start = offset + groups[i].start()
                if i == 0:
                    start = offset  # keep a leading "+" or "("
                end = offset + groups[j].end()
                if j == len(groups) - 1 and run.group().endswith(")"):
                    end = run.end()
                national = national_digits(work[start:end])
                if national and national not in kept_national:
                    found.append((start, end))
                    i = j + 1
                    break
                if national in kept_national and national:
                    i = j + 1
                    break
            else:
                i += 1
    return found


def _name_spans(work: str, names: Iterable[str]) -> list[tuple[int, int]]:
    found = []
    for name in names:
        words = re.findall(r"[^\W\d_]+(?:['’][^\W\d_]+)?", name or "")
        if not words:
            continue
        full = r"[\s.,]+".join(map(re.escape, words))
        patterns = [full] + [re.escape(word) for word in words if len(word) >= 3]
        for pattern in patterns:
            for match in re.finditer(rf"(?<![\w]){pattern}(?![\w])", work, flags=re.IGNORECASE):
                found.append((match.start(), match.end()))
    return found


def _replace(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Each masked span replaced once; overlapping spans merge under the first mask."""
    out, position = [], 0
    for start, end, mask in sorted(spans):
        if end <= position:
            continue
        if start < position:
            start = position
        else:
            out.append(text[position:start])
            out.append(mask)
        position = max(position, end)
    out.append(text[position:])
    return "".join(out)
