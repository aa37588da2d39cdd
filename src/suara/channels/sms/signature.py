"""Is an inbound webhook really from our gateway? Two schemes, both compared in constant time.

* Suara scheme (any gateway that can sign): ``X-Suara-Timestamp: <unix seconds>`` and
  ``X-Suara-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>``. The timestamp is
  inside the signature, so a captured request cannot be replayed later with a fresh one.
* Twilio scheme: ``X-Twilio-Signature: <base64 HMAC-SHA1(auth token, URL + sorted name+value pairs)>``,
  as Twilio documents it. Twilio sends no timestamp; replays are caught by the message id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MAX_AGE = timedelta(minutes=5)
TIMESTAMP = re.compile(r"[0-9]{1,11}")
"""Unix seconds; more digits would overflow the date (and could only be a forgery)."""


def _same(expected: str, given: str) -> bool:
    """Constant-time comparison that also takes a header with non-ASCII bytes (as a mismatch)."""
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogatepass"))


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""
    sent_at: datetime | None = None


def suara_signature(secret: bytes, timestamp: str, body: bytes) -> str:
    return "v1=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def twilio_signature(secret: bytes, url: str, params: list[tuple[str, str]]) -> str:
    payload = url + "".join(name + value for name, value in sorted(params))
    return base64.b64encode(hmac.new(secret, payload.encode(), hashlib.sha1).digest()).decode()


def verify(secret: bytes, headers, url: str, body: bytes, params: list[tuple[str, str]],
           now: datetime | None = None) -> Verdict:
    now = now or datetime.now(UTC)
    if "x-suara-signature" in headers:
        timestamp = headers.get("x-suara-timestamp", "")
        if not TIMESTAMP.fullmatch(timestamp):
            return Verdict(False, "missing_timestamp")
        expected = suara_signature(secret, timestamp, body)
        if not _same(expected, headers["x-suara-signature"]):
            return Verdict(False, "bad_signature")
        sent_at = datetime.fromtimestamp(int(timestamp), UTC)
        if abs(now - sent_at) > MAX_AGE:
            return Verdict(False, "stale_timestamp")
        return Verdict(True, sent_at=sent_at)
    if "x-twilio-signature" in headers:
        expected = twilio_signature(secret, url, params)
        if not _same(expected, headers["x-twilio-signature"]):
            return Verdict(False, "bad_signature")
        return Verdict(True)
    return Verdict(False, "missing_signature")
