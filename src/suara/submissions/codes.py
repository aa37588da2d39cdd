"""Tracking codes and citizen secrets.

A tracking code is 9 characters from an alphabet without look-alikes (no 0/O, 1/I/L, U), shown in
groups of three (``K7M-2QX-9PA``): 30^9 ≈ 2^44 possibilities, short enough to read aloud or type
on a phone keypad. The citizen secret that authorises citizen-side actions is derived from the
code with a server key, so an idempotent retry can hand out the same secret without storing it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 9
SECRET_LENGTH = 12


def new_tracking_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_tracking_code(code: str) -> str:
    return "-".join(code[i : i + 3] for i in range(0, len(code), 3))


def normalise_tracking_code(raw: str) -> str | None:
    """Accept any case, spaces and dashes; return the stored form, or None if it cannot be a code."""
    code = "".join(ch for ch in raw.upper() if ch.isalnum())
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def citizen_secret(code: str, key: bytes) -> str:
    digest = hmac.new(key, b"citizen-secret:" + code.encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:10], "big")
    chars = []
    for _ in range(SECRET_LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def secret_matches(code: str, given: str, key: bytes) -> bool:
    cleaned = "".join(ch for ch in given.upper() if ch.isalnum())
    return hmac.compare_digest(citizen_secret(code, key), cleaned)
