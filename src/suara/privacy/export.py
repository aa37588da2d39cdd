"""Everything Suara holds about a citizen in one submission, as JSON they can download (UU PDP's right
of access).

The item's own row is exported column by column (every column but those `LEFT_OUT` names, each with its
reason), so a column added later is exported unless someone decides otherwise. What is not included at all,
and why, is `NOT_INCLUDED` (also in the file itself and in docs/privacy.md).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.models import Agency
from suara.db.columns import utcnow
from suara.privacy.access_log import reads
from suara.privacy.erasure import erasure_of
from suara.submissions import codes
from suara.submissions.models import ReporterContact, Submission, SubmissionEvent
from suara.submissions.outbox_models import OutboxMessage
from suara.submissions.sms_models import SmsInbound, SmsThread
from suara.submissions.workflow import EVENT_KINDS, Action

FORMAT = "suara.personal-data/1"

LEFT_OUT = {
    "id": "nomor baris internal / an internal row number",
    "idempotency_key": "kunci teknis pengiriman ulang / a technical retry key",
    "idempotency_fingerprint": "sidik teknis dari isi kiriman Anda / a technical digest of what you sent",
    "duplicate_bands": "sidik teknis teks untuk mencari laporan serupa / technical fingerprints of the text, "
                       "for finding similar reports",
    "duplicate_of_id": "nomor baris internal; kode laporan yang dipertahankan ada di riwayat / an internal row "
                       "number; the kept report's code is in the history",
    "assigned_staff_id": "identitas petugas: data pribadi orang lain / which officer: someone else's personal data",
    "version": "penghitung teknis / a technical counter",
}
"""Columns of the item's row left out of the export, with the reason given in the file."""

NOT_INCLUDED = [
    {"what": "internal_notes",
     "id": "Catatan internal petugas dan tindakan internal (penugasan, konfirmasi rute): catatan kerja instansi, "
           "bukan data tentang Anda; jawaban dan alasan yang ditujukan kepada Anda disertakan.",
     "en": "Staff's internal notes and internal actions (assignment, routing confirmation): the agency's working "
           "notes, not data about you; the answers and reasons addressed to you are included."},
    {"what": "staff_identities",
     "id": "Siapa petugas yang menangani atau membaca kontak Anda: data pribadi orang lain. Waktu dan instansi "
           "setiap pembacaan kontak disertakan.",
     "en": "Which officer handled the report or read your contact: other people's personal data. The time and "
           "agency of every read of your contact are included."},
    {"what": "supporters",
     "id": "Siapa yang mendukung laporan: data warga lain; hanya jumlahnya yang disertakan.",
     "en": "Who supported the report: other citizens' data; only their number is included."},
    {"what": "other_reports",
     "id": "Laporan lain, juga dari nomor yang sama: setiap laporan punya kodenya sendiri; unduh satu per satu.",
     "en": "Other reports, also from the same number: each has its own code; download each one."},
    {"what": "dialogue",
     "id": "Suara, komentar dan usulan di dialog publik: disimpan dengan tanda samaran, tidak terkait laporan ini.",
     "en": "Votes, comments and proposals in the public dialogue: kept under a pseudonym, not linked to this report."},
    {"what": "technical_records",
     "id": "Catatan teknis: batas laju (tersandi), log server (tanpa data pribadi), dan cadangan basis data "
           "(penghapusan diterapkan lagi setiap kali cadangan dipulihkan).",
     "en": "Technical records: rate-limit counts (keyed hashes), server logs (no personal data), and database "
           "backups (erasures are applied again whenever a backup is restored)."},
]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _actor(label: str) -> str:
    """Who did it, without naming staff: you, the agency, Suara itself or the routing model."""
    if label.startswith("citizen"):
        return "citizen"
    if label.startswith("staff:"):
        return "agency"
    return "model" if label.startswith("model:") else "system"


OWN_REQUESTS = {EVENT_KINDS[Action.CORRECT_CONTACT], EVENT_KINDS[Action.ERASE_PERSONAL_DATA]}
"""Private events the citizen caused, shown to them with the public history."""


async def export_personal_data(session: AsyncSession, submission: Submission) -> dict[str, Any]:
    """The export of one item for its reporter (authorised by the caller, who read the item fresh)."""
    item_id, row = submission.id, submission
    agencies = {a.id: a for a in await session.exec(select(Agency))}
    contact = await session.get(ReporterContact, item_id, populate_existing=True)
    thread = await session.get(SmsThread, item_id, populate_existing=True)
    events = list(await session.exec(
        select(SubmissionEvent).where(SubmissionEvent.submission_id == item_id).order_by(SubmissionEvent.id)))
    shown = [e for e in events if e.public or e.kind in OWN_REQUESTS]
    addresses = {a for a in (contact and contact.phone, contact and contact.email, thread and thread.phone) if a}
    messages = list(await session.exec(
        select(OutboxMessage).where(OutboxMessage.submission_id == item_id).order_by(OutboxMessage.id)))
    inbound = list(await session.exec(
        select(SmsInbound).where(SmsInbound.submission_id == item_id).order_by(SmsInbound.id)))
    contact_reads = list(await session.exec(
        reads().where(SubmissionEvent.submission_id == item_id).order_by(SubmissionEvent.id)))
    erasure = await erasure_of(session, item_id)

    def agency(agency_id: int | None) -> dict | None:
        found = agencies.get(agency_id)
        return {"slug": found.slug, "name": found.name} if found else None

    return {
        "format": FORMAT,
        "generated_at": utcnow().isoformat(),
        "tracking_code": codes.format_tracking_code(row.tracking_code),
        "submission": {
            **{column.key: _plain(getattr(row, column.key)) for column in Submission.__table__.c
               if column.key not in LEFT_OUT},
            "agency": agency(row.agency_id),
        },
        "contact": None if contact is None else {
            column.key: _plain(getattr(contact, column.key)) for column in ReporterContact.__table__.c
            if column.key != "submission_id"},
        "sms_phone": None if thread is None else {"phone": thread.phone, "since": _plain(thread.created_at)},
        "events": [{
            "kind": e.kind, "by": _actor(e.actor), "status_before": e.status_before, "status_after": e.status_after,
            "at": _plain(e.created_at), "agency": agency((e.details or {}).get("agency_id")),
            "note": (e.details or {}).get("public_note"),
        } for e in shown],
        "answers": [{"at": _plain(e.created_at), "kind": e.kind, "text": e.details["public_note"]}
                    for e in shown if _actor(e.actor) == "agency" and (e.details or {}).get("public_note")],
        "messages_to_you": [{
            "at": _plain(m.created_at), "channel": m.channel, "to": m.recipient, "subject": m.subject,
            "text": m.body, "state": m.state, "sent_at": _plain(m.sent_at),
        } for m in messages if m.recipient in addresses],
        "sms_received": [{
            "at": _plain(m.received_at), "command": m.command, "text": m.text, "state": m.state,
        } for m in inbound],
        "contact_reads": [{"at": _plain(event.created_at), "agency": agency(staff.agency_id)}
                          for event, staff in contact_reads],
        "erasure": None if erasure is None else {"at": _plain(erasure.erased_at), "reason": erasure.reason},
        "left_out_fields": LEFT_OUT,
        "not_included": NOT_INCLUDED,
    }
