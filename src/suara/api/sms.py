"""POST /sms/inbound: the webhook SMS gateways call with each message a citizen sends.

Only signed requests are read (see `channels.sms.signature`). A message that passes the checks
(signature, size, encoding, fields) is stored once by its gateway message id and the gateway gets
its answer at once; the intake workers run the conversation and reply through the outbox
(`channels.sms.intake`), so a burst costs the gateway a share of one grouped insert per message.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from suara.channels.sms.conversation import InboundSms
from suara.channels.sms.intake import store_once
from suara.channels.sms.signature import verify
from suara.common.text import INVALID_TEXT_EN, INVALID_TEXT_ID, is_storable
from suara.submissions.validation import normalise_phone

FIELDS = {
    "sender": ("from", "From", "msisdn", "sender"),
    "text": ("text", "Body", "message"),
    "message_id": ("message_id", "MessageSid", "SmsMessageSid", "messageId"),
}
"""Field names of the generic shape first, then Twilio's and Vonage's."""
MAX_TEXT_CHARS = 10_000
"""Twice what a submission may hold (longer filings get the usual "too long" reply): anything
beyond is no SMS, and is refused before it is stored."""
_cached_phone = functools.lru_cache(maxsize=65_536)(normalise_phone)


def sender_phone(raw: str) -> str | None:
    """Parsing a number costs more than the rest of the request and gateways repeat the same
    senders: cached, for strings short enough to be a number (the cache stays small)."""
    return _cached_phone(raw) if len(raw) <= 32 else normalise_phone(raw)


QUEUED, DUPLICATE = b'{"status":"queued"}', b'{"status":"duplicate"}'
"""The two answers a stored message gets, encoded once."""
TWIML_EMPTY = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>"


def webhook_secret(state) -> bytes:
    configured = state.settings.suara_sms_webhook_secret
    if configured:
        return configured.encode()
    return hmac.new(state.secret_key, b"sms-webhook", hashlib.sha256).hexdigest().encode()


def _refuse(status: int, error: str, message_id: str, message_en: str) -> JSONResponse:
    return JSONResponse({"error": error, "message": message_id, "message_en": message_en}, status_code=status)


def _field(params: dict[str, str], name: str) -> str | None:
    return next((params[key] for key in FIELDS[name] if params.get(key)), None)


def _part(params: dict[str, str]) -> tuple[str, int, int] | None | str:
    reference, number, total = (params.get(k) for k in ("concat_ref", "concat_part", "concat_total"))
    if not reference:
        return None
    if not (number and total and number.isdigit() and total.isdigit() and 1 <= int(number) <= int(total) <= 20):
        return "bad"
    return reference[:32], int(number), int(total)


async def sms_inbound(request: Request) -> Response:
    state = request.app.state.suara
    body = await request.body()
    pairs = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    public = state.settings.suara_public_url
    url = public.rstrip("/") + request.url.path if public else str(request.url)
    verdict = verify(webhook_secret(state), request.headers, url, body, pairs)
    if not verdict.ok:
        return _refuse(403, verdict.reason, "Tanda tangan permintaan tidak sah atau kedaluwarsa.",
                       "The request signature is missing, wrong or too old.")
    if not all(is_storable(name) and is_storable(value) for name, value in pairs):
        return _refuse(400, "invalid_text", INVALID_TEXT_ID, INVALID_TEXT_EN)
    params = dict(pairs)
    values = {name: _field(params, name) for name in FIELDS}
    missing = [name for name, value in values.items() if value is None]
    if missing:
        return _refuse(400, "missing_field", f"Kolom wajib tidak ada: {', '.join(missing)}.",
                       f"Missing fields: {', '.join(missing)}.")
    phone = sender_phone(values["sender"])
    if phone is None:
        return _refuse(400, "invalid_sender", "Nomor pengirim tidak sah.", "The sender number is not valid.")
    part = _part(params)
    if part == "bad":
        return _refuse(400, "invalid_part", "Data pesan bersambung tidak sah.", "Invalid concatenation fields.")
    if len(values["text"]) > MAX_TEXT_CHARS:
        return _refuse(413, "text_too_long", f"Pesan lebih dari {MAX_TEXT_CHARS} karakter.",
                       f"The message is over {MAX_TEXT_CHARS} characters.")
    sms = InboundSms(message_id=values["message_id"][:128], phone=phone, text=values["text"], part=part)
    queued = await store_once(state.sessions, sms)
    if "x-twilio-signature" in request.headers:
        return Response(TWIML_EMPTY, media_type="text/xml")
    return Response(QUEUED if queued else DUPLICATE, media_type="application/json")


routes = [Route("/sms/inbound", sms_inbound, methods=["POST"])]
