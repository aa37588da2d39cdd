"""Masking of personal data in text that the public will read (kept for writers that mask on save).

The rule itself lives in :mod:`suara.submissions.public_text`; this is its write-time entry point.
"""

from __future__ import annotations

from suara.submissions.public_text import MASKS, mask_public_text

__all__ = ["MASKS", "mask_personal_data"]


def mask_personal_data(text: str, reporter_name: str | None = None) -> str:
    """Hide e-mails, NIKs, phone numbers and the reporter's own name from public text."""
    return mask_public_text(text, names=[reporter_name] if reporter_name else ())
