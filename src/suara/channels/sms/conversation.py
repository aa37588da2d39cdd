"""An SMS conversation: file, check, confirm or dispute, opt out — every answer through the outbox.

`converse` runs in the intake worker's transaction (see `intake`): the message's new state, the
submission and the replies are written together or not at all, so each message is processed once.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.models import Agency
from suara.channels.sms.commands import FILING, Command, Parsed, parse
from suara.common.errors import DomainError, ValidationFailed
from suara.common.gsm import segments, to_gsm7
from suara.common.text import parse_row_id
from suara.dialogue import polls
from suara.dialogue.errors import DialogueRefusal
from suara.dialogue.identity import voter_hash
from suara.dialogue.models import Poll
from suara.ratelimits.service import RateLimits
from suara.routing.router import Router
from suara.submissions import codes, origins
from suara.submissions import service as submissions
from suara.submissions.models import Submission
from suara.submissions.outbox_models import OutboxMessage
from suara.submissions.sms_models import SmsOptOut, SmsPart, SmsThread
from suara.submissions.validation import SubmissionDraft
from suara.triage import service as triage

WIB = ZoneInfo("Asia/Jakarta")
STATUS_WORDS = {
    "received": ("diterima", "received"), "in_triage": ("sedang dipilah petugas", "being sorted by staff"),
    "routed": ("diteruskan", "sent on"), "forwarded": ("dialihkan", "forwarded"),
    "acknowledged": ("sedang ditangani", "being handled"), "in_progress": ("sedang ditindaklanjuti", "in progress"),
    "reopened": ("dibuka kembali", "reopened"), "resolved": ("dinyatakan selesai", "marked resolved"),
    "closed": ("ditutup", "closed"), "rejected": ("ditolak", "rejected"),
}
KIND_WORDS = {
    "complaint": ("Pengaduan", "Complaint"), "aspiration": ("Aspirasi", "Aspiration"),
    "information_request": ("Permintaan info", "Info request"),
}
HELP = (
    "Suara: LAPOR <isi> pengaduan, ASPIRASI <isi> usulan, INFO <isi> tanya, CEK <kode> status, "
    "SELESAI/BELUM <kode>, BERHENTI stop kabar. Awali ANONIM agar nama tak tampil.",
    "Suara: REPORT <text>, ASPIRATION <text>, INFO <text>, CHECK <code>, DONE/NOTYET <code>, "
    "STOP to stop updates. Start with ANONYMOUS to hide your name.",
)


@dataclass(frozen=True)
class InboundSms:
    message_id: str
    phone: str
    """E.164."""
    text: str
    part: tuple[str, int, int] | None = None
    """(reference, part number, total parts) when the gateway delivers a long message in parts."""


@dataclass(frozen=True)
class Outcome:
    status: str
    """waiting_for_parts | rate_limited | the command handled."""
    submission_id: int | None = None


def _say(lang: str, indonesian: str, english: str) -> str:
    return english if lang == "en" else indonesian


def queue_reply(session: AsyncSession, phone: str, text: str, submission_id: int | None = None) -> None:
    """An answer to what the person sent: never capped or suppressed by opt-out (they asked)."""
    session.add(OutboxMessage(channel="sms", recipient=phone, body=to_gsm7(text), submission_id=submission_id))


def fit_one(*candidates: str) -> str:
    """The first candidate that fits one GSM-7 message (the last one regardless)."""
    for text in candidates:
        if len(segments(to_gsm7(text))) == 1:
            return text
    return candidates[-1]


async def converse(
    session: AsyncSession, sms: InboundSms, *, router: Router, secret_key: bytes, limits: RateLimits | None = None
) -> Outcome:
    """Run the conversation for one stored message (the intake worker calls this once per message,
    in order per phone); filings are limited per phone."""
    text = sms.text
    if sms.part is not None:
        text = await _assembled(session, sms)
        if text is None:
            return Outcome("waiting_for_parts")
    parsed = parse(text)
    if parsed.command in FILING and limits is not None and await _too_many_filings(session, sms.phone, parsed, limits):
        return Outcome("rate_limited")
    return await _handle(session, sms.phone, parsed, sms.message_id, router, secret_key)


async def _too_many_filings(session: AsyncSession, phone: str, parsed: Parsed, limits: RateLimits) -> bool:
    """Over the per-phone limit: the first refused filing of a run gets one polite answer, later ones
    none (a flood must not turn into a flood of paid replies); the gateway still gets its 2xx."""
    verdict = await limits.check((limits.sms_filing, phone))
    if verdict.allowed:
        return False
    if verdict.first_refusal:
        minutes = max(1, -(-verdict.retry_after_seconds // 60))
        queue_reply(session, phone, _say(
            "en" if parsed.english else "id",
            f"Suara: terlalu banyak laporan dari nomor ini. Laporan ini tidak dicatat; coba lagi dalam {minutes} menit.",
            f"Suara: too many reports from this number. This one was not filed; try again in {minutes} minutes."))
    return True


async def _assembled(session: AsyncSession, sms: InboundSms) -> str | None:
    reference, number, total = sms.part
    await session.exec(pg_insert(SmsPart).values(
        phone=sms.phone, reference=reference, part_number=number, total_parts=total, text=sms.text,
    ).on_conflict_do_nothing())
    # Parts of one message may arrive at once: lock the set so exactly one request assembles it.
    parts = list(await session.exec(
        select(SmsPart).where(SmsPart.phone == sms.phone, SmsPart.reference == reference)
        .order_by(SmsPart.part_number).with_for_update()
    ))
    if len({part.part_number for part in parts}) < total:
        return None
    await session.exec(delete(SmsPart).where(SmsPart.phone == sms.phone, SmsPart.reference == reference))
    return "".join(part.text for part in parts)


async def _handle(session, phone: str, parsed: Parsed, message_id: str, router, secret_key) -> Outcome:
    lang = "en" if parsed.english else "id"
    if parsed.command in FILING:
        return await _file(session, phone, parsed, message_id, lang, router, secret_key)
    if parsed.command == Command.CHECK:
        return await _check(session, phone, parsed.rest, lang)
    if parsed.command in (Command.CONFIRM, Command.DISPUTE):
        return await _confirm_or_dispute(session, phone, parsed, lang, secret_key)
    if parsed.command == Command.VOTE:
        return await _vote(session, phone, parsed.rest, lang, secret_key)
    if parsed.command == Command.STOP:
        await session.exec(pg_insert(SmsOptOut).values(phone=phone).on_conflict_do_nothing())
        queue_reply(session, phone, _say(
            lang, "Suara: Anda tidak akan menerima kabar status lagi. Kirim MULAI untuk menerimanya kembali.",
            "Suara: you will get no more status updates. Send START to get them again."))
        return Outcome("stop")
    if parsed.command == Command.START:
        await session.exec(delete(SmsOptOut).where(SmsOptOut.phone == phone))
        queue_reply(session, phone, _say(lang, "Suara: kabar status aktif kembali.", "Suara: status updates are on again."))
        return Outcome("start")
    queue_reply(session, phone, HELP[1] if lang == "en" else HELP[0])
    return Outcome("help")


async def _vote(session, phone: str, rest: str, lang: str, secret_key: bytes) -> Outcome:
    """`PILIH <poll> <option>`: the sender's number is the verified identity (one person, one vote).
    The option is its number, its letter (A = 1) or its label."""
    words = rest.split(maxsplit=1)
    poll_ref = words[0].lstrip("#") if words else ""
    choice = words[1].strip() if len(words) > 1 else ""
    poll_id = parse_row_id(poll_ref)
    poll = await session.get(Poll, poll_id) if poll_id is not None else None
    if poll is None or not choice:
        queue_reply(session, phone, _say(
            lang, "Suara: format PILIH <nomor jajak> <nomor pilihan>, mis. PILIH 12 2.",
            "Suara: send VOTE <poll number> <option number>, e.g. VOTE 12 2."))
        return Outcome("vote_unknown")
    options = (await polls.options_of(session, [poll.id]))[poll.id]
    chosen = next((o for o in options if choice == str(o.position)
                   or (len(choice) == 1 and choice.upper() == chr(64 + o.position))
                   or choice.casefold() == o.label.casefold()), None)
    if chosen is None:
        listing = ", ".join(f"{o.position}={o.label}" for o in options)
        queue_reply(session, phone, _say(lang, f"Suara: pilihan tidak ada. Pilihan: {listing}",
                                         f"Suara: no such option. Options: {listing}"))
        return Outcome("vote_invalid")
    try:
        outcome = await polls.cast_vote(session, poll.id, [chosen.id], voter_hash(secret_key, phone))
    except DialogueRefusal as refusal:
        queue_reply(session, phone, f"Suara: {_say(lang, refusal.message_id, refusal.message_en)}")
        return Outcome(refusal.code)
    except DomainError:  # a sender number that is no phone (a short code) cannot vote
        queue_reply(session, phone, _say(lang, "Suara: nomor ini tidak dapat memilih.", "Suara: this number cannot vote."))
        return Outcome("vote_refused")
    queue_reply(session, phone, _say(
        lang, f"Suara: pilihan Anda di jajak {poll.id} {'diubah menjadi' if outcome.changed else 'tercatat:'} {chosen.label}.",
        f"Suara: your vote in poll {poll.id} {'changed to' if outcome.changed else 'is recorded:'} {chosen.label}."))
    return Outcome("vote_changed" if outcome.changed else "voted")


async def _file(session, phone, parsed: Parsed, message_id, lang, router, secret_key) -> Outcome:
    draft = SubmissionDraft(
        kind=parsed.command.value, text=parsed.rest, channel="sms", anonymous=parsed.anonymous,
        reporter_phone=None if parsed.anonymous else phone, idempotency_key=message_id,
    )
    try:
        receipt = await submissions.submit(session, draft, router=router, secret_key=secret_key, origin=origins.SMS)
    except ValidationFailed as failure:
        problem = failure.problems[0]
        example = _say(lang, "Contoh: LAPOR jalan rusak di desa Sukamaju RT 02", "Example: REPORT broken road in Sukamaju")
        queue_reply(session, phone, f"Suara: {_say(lang, problem.message_id, problem.message_en)} {example}")
        return Outcome("invalid")
    item = receipt.submission
    session.add(SmsThread(submission_id=item.id, phone=phone))
    code = codes.format_tracking_code(item.tracking_code)
    agency = await session.get(Agency, item.agency_id) if item.agency_id else None
    kind_word = KIND_WORDS[item.kind][1 if lang == "en" else 0]
    where = (_say(lang, f"diteruskan ke {agency.short_name or agency.name}", f"sent to {agency.short_name or agency.name}")
             if agency else _say(lang, "dipilah petugas", "being sorted by staff"))
    check = f"{_say(lang, 'CEK', 'CHECK')} {item.tracking_code}"
    hint = "" if parsed.keyword_given else _say(lang, " Awali LAPOR/ASPIRASI/INFO. BANTUAN: bantuan", "")
    queue_reply(session, phone, fit_one(
        f"{code}: {kind_word} diterima, {where}. Status: {check}.{hint}" if lang == "id"
        else f"{code}: {kind_word} received, {where}. Status: {check}.",
        f"{code}: {kind_word} {_say(lang, 'diterima', 'received')}. Status: {check}.{hint}",
        f"{code}: {kind_word} {_say(lang, 'diterima', 'received')}. Status: {check}",
    ), item.id)
    return Outcome(parsed.command.value, item.id)


async def owned_submission(session: AsyncSession, raw_code: str, phone: str) -> Submission | None:
    """The submission with this code if this number filed it; anyone else's code reads as unknown."""
    code = codes.normalise_tracking_code(raw_code or "")
    if code is None:
        return None
    return (await session.exec(
        select(Submission).join(SmsThread, SmsThread.submission_id == Submission.id)
        .where(Submission.tracking_code == code, SmsThread.phone == phone)
    )).first()


def _not_found(lang: str, raw_code: str) -> str:
    shown = to_gsm7(raw_code.strip()[:20]) or "-"
    return _say(lang, f"Suara: kode {shown} tidak ditemukan untuk nomor ini. Contoh: CEK K7M2QX9PA",
                f"Suara: code {shown} was not found for this number. Example: CHECK K7M2QX9PA")


async def _check(session, phone: str, rest: str, lang: str) -> Outcome:
    raw_code = rest.split(" ")[0] if rest else ""
    item = await owned_submission(session, raw_code, phone)
    if item is None:
        queue_reply(session, phone, _not_found(lang, raw_code))
        return Outcome("check_unknown")
    agency = await session.get(Agency, item.agency_id) if item.agency_id else None
    status = STATUS_WORDS.get(item.status, (item.status, item.status))[1 if lang == "en" else 0]
    parts = [f"{codes.format_tracking_code(item.tracking_code)}: {status}"]
    if agency:
        parts.append(agency.short_name or agency.name)
    if item.due_at and item.status not in ("resolved", "closed", "rejected"):
        parts.append(_say(lang, "batas ", "due ") + item.due_at.astimezone(WIB).strftime("%d-%m-%Y"))
    if item.status == "resolved":
        parts.append(_say(lang, f"Balas SELESAI {item.tracking_code} atau BELUM {item.tracking_code}",
                          f"Reply DONE {item.tracking_code} or NOTYET {item.tracking_code}"))
    queue_reply(session, phone, fit_one(". ".join(parts) + ".", ". ".join(parts[:2]) + "."), item.id)
    return Outcome("check", item.id)


async def _confirm_or_dispute(session, phone: str, parsed: Parsed, lang: str, secret_key: bytes) -> Outcome:
    raw_code, _, reason = parsed.rest.partition(" ")
    item = await owned_submission(session, raw_code, phone)
    if item is None:
        queue_reply(session, phone, _not_found(lang, raw_code))
        return Outcome("unknown_code")
    secret = codes.citizen_secret(item.tracking_code, secret_key)
    code = codes.format_tracking_code(item.tracking_code)
    try:
        async with session.begin_nested():
            if parsed.command == Command.CONFIRM:
                await triage.confirm_resolved(session, item.tracking_code, secret, key=secret_key, channel="sms")
            else:
                await triage.dispute(session, item.tracking_code, secret,
                                     reason or "Menurut pelapor belum selesai (SMS).", key=secret_key, channel="sms")
    except DomainError:
        queue_reply(session, phone, _say(
            lang, f"{code}: belum bisa, laporan belum dinyatakan selesai oleh instansi.",
            f"{code}: not possible, the agency has not marked it resolved."), item.id)
        return Outcome("not_resolved_yet", item.id)
    queue_reply(session, phone, _say(
        lang, f"{code}: terima kasih, laporan ditutup." if parsed.command == Command.CONFIRM
        else f"{code}: laporan dibuka kembali dan dikembalikan ke instansi.",
        "Thank you, the report is closed." if parsed.command == Command.CONFIRM
        else f"{code}: reopened and sent back to the agency."), item.id)
    return Outcome(parsed.command.value, item.id)
