"""Masking of personal data in text that the public will read."""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
PHONE = re.compile(r"(?<![\w+])(?:\+62|62|0)[\s.-]?8[\d\s.-]{7,14}\d")

MASKS = {"email": "[email]", "nik": "[NIK]", "phone": "[nomor telepon]", "name": "[nama]"}


def mask_personal_data(text: str, reporter_name: str | None = None) -> str:
    """Hide e-mails, NIKs, phone numbers and the reporter's own name from public text."""
    masked = EMAIL.sub(MASKS["email"], text)
    masked = NIK.sub(MASKS["nik"], masked)
    masked = PHONE.sub(MASKS["phone"], masked)
    if reporter_name:
        masked = _mask_name(masked, reporter_name)
    return masked


def _mask_name(text: str, name: str) -> str:
    full = re.escape(name.strip())
    text = re.sub(full, MASKS["name"], text, flags=re.IGNORECASE)
    for part in name.split():
        if len(part) >= 4:
            text = re.sub(rf"\b{re.escape(part)}\b", MASKS["name"], text, flags=re.IGNORECASE)
    return text
