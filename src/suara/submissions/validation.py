"""Checks on what a citizen sends, collecting every problem at once so a form can show them all."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass

import phonenumbers

from suara.common.errors import FieldProblem, ValidationFailed
from suara.submissions.models import Channel, Kind
from suara.submissions.origins import CLIENT, Origin, reserved_channel_problem

TEXT_MIN, TEXT_MAX = 10, 5000
TITLE_MAX = 200
LOCATION_MAX = 300
NAME_MAX = 120
IDEMPOTENCY_KEY_MIN, IDEMPOTENCY_KEY_MAX = 16, 128

EMAIL_SYNTAX = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
REGION_CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
IDEMPOTENCY_KEY = re.compile(rf"^[A-Za-z0-9._:-]{{{IDEMPOTENCY_KEY_MIN},{IDEMPOTENCY_KEY_MAX}}}$")
"""A client's key: long enough that nobody guesses another client's (a UUID is 36 characters)."""


@dataclass
class SubmissionDraft:
    """What a citizen sends, as plain values, before any checks."""

    kind: str
    text: str
    channel: str = Channel.API
    title: str | None = None
    anonymous: bool = False
    confidential: bool = False
    location_text: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    region_code: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    reporter_email: str | None = None
    reporter_nik: str | None = None
    idempotency_key: str | None = None
    service_slug: str | None = None
    """The catalogue service the submission is about, if the citizen chose one."""
    photo_digests: tuple[str, ...] = ()
    """SHA-256 of each photo sent with it (the files are kept by `suara.media`): part of the request an
    idempotency key stands for."""


@dataclass(frozen=True)
class CleanSubmission:
    kind: Kind
    channel: Channel
    text: str
    title: str | None
    anonymous: bool
    confidential: bool
    location_text: str | None
    latitude: float | None
    longitude: float | None
    region_code: str | None
    reporter_name: str | None
    reporter_phone: str | None
    reporter_email: str | None
    reporter_nik: str | None
    idempotency_key: str | None
    service_slug: str | None = None
    photo_digests: tuple[str, ...] = ()

    @property
    def has_contact(self) -> bool:
        return any((self.reporter_name, self.reporter_phone, self.reporter_email, self.reporter_nik))

    def fingerprint(self) -> str:
        """Digest of everything filed except the key: a replay must carry the same request."""
        values = asdict(self)
        values.pop("idempotency_key")
        if not values["photo_digests"]:  # fingerprints of filings without photos stay as they were
            values.pop("photo_digests")
        return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def invalid_idempotency_key_problem() -> FieldProblem:
    return FieldProblem(
        "idempotencyKey", "invalid_idempotency_key",
        f"Kunci idempotensi harus {IDEMPOTENCY_KEY_MIN} sampai {IDEMPOTENCY_KEY_MAX} karakter huruf, angka, "
        "titik, titik dua, - atau _ (misalnya sebuah UUID).",
        f"The idempotency key must be {IDEMPOTENCY_KEY_MIN} to {IDEMPOTENCY_KEY_MAX} letters, digits, "
        "'.', ':', '-' or '_' (a UUID, for example).",
    )


def client_key_problems(key: str | None, origin: Origin) -> list[FieldProblem]:
    """A key chosen outside Suara must be long and plain; Suara's own keys are trusted."""
    if key and origin.client_key and not IDEMPOTENCY_KEY.match(key):
        return [invalid_idempotency_key_problem()]
    return []


def unknown_service_problem() -> FieldProblem:
    return FieldProblem(
        "serviceSlug", "unknown_service",
        "Layanan itu tidak ada di katalog layanan publik.",
        "That service is not in the public services catalogue.",
    )


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def normalise_phone(raw: str) -> str | None:
    """Indonesian numbers as people write them (0812…, +62 812…, 62812…) in E.164, or None."""
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class CleanContact:
    """A reporter's contact as stored: blanks are None, the phone in E.164, the NIK as 16 digits."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    nik: str | None = None

    def is_empty(self) -> bool:
        return not any((self.name, self.phone, self.email, self.nik))


def check_contact(
    name: str | None, phone: str | None, email: str | None, nik: str | None,
) -> tuple[CleanContact, list[FieldProblem]]:
    """The contact fields of a filing or of a citizen's correction: cleaned values and every problem."""
    problems: list[FieldProblem] = []
    name = _blank_to_none(name)
    if name and len(name) > NAME_MAX:
        problems.append(FieldProblem("reporterName", "too_long", f"Nama maksimal {NAME_MAX} karakter.",
                                     f"The name must be at most {NAME_MAX} characters long."))
    phone = _blank_to_none(phone)
    if phone:
        normalised = normalise_phone(phone)
        if normalised is None:
            problems.append(FieldProblem("reporterPhone", "invalid_phone",
                                         "Nomor telepon tidak valid. Contoh: 0812 3456 7890.",
                                         "The phone number is not valid. Example: 0812 3456 7890."))
        phone = normalised
    email = _blank_to_none(email)
    if email and (len(email) > 254 or not EMAIL_SYNTAX.match(email)):
        problems.append(FieldProblem("reporterEmail", "invalid_email", "Alamat email tidak valid.",
                                     "The e-mail address is not valid."))
    nik = _blank_to_none(nik)
    if nik is not None:
        nik = re.sub(r"[\s.-]", "", nik)
        if not (len(nik) == 16 and nik.isdigit()):
            problems.append(FieldProblem("reporterNik", "invalid_nik", "NIK harus tepat 16 angka.",
                                         "The NIK must be exactly 16 digits."))
    return CleanContact(name, phone, email, nik), problems


def validate_submission(
    draft: SubmissionDraft, *, service_known: bool = False, origin: Origin = CLIENT
) -> CleanSubmission:
    """Check a draft. The caller looks the service up and says whether it exists (``service_known``),
    so this stays free of the database and still reports every problem at once. ``origin`` says
    who files, which decides the channels it may claim and how its idempotency key is checked."""
    problems: list[FieldProblem] = []

    def problem(field: str, code: str, message_id: str, message_en: str) -> None:
        problems.append(FieldProblem(field, code, message_id, message_en))

    kinds = {k.value for k in Kind}
    if draft.kind not in kinds:
        problem("kind", "invalid_choice",
                "Jenis laporan harus pengaduan, aspirasi, atau permintaan informasi.",
                "Kind must be complaint, aspiration or information_request.")
    channels = {c.value for c in Channel}
    if draft.channel not in channels:
        problem("channel", "invalid_choice",
                "Kanal tidak dikenal.", "Unknown channel.")
    elif draft.channel not in origin.channels:
        problems.append(reserved_channel_problem())

    text = (draft.text or "").strip()
    if len(text) < TEXT_MIN:
        problem("text", "too_short",
                f"Isi laporan minimal {TEXT_MIN} karakter.",
                f"The text must be at least {TEXT_MIN} characters long.")
    elif len(text) > TEXT_MAX:
        problem("text", "too_long",
                f"Isi laporan maksimal {TEXT_MAX} karakter.",
                f"The text must be at most {TEXT_MAX} characters long.")

    title = _blank_to_none(draft.title)
    if title and len(title) > TITLE_MAX:
        problem("title", "too_long", f"Judul maksimal {TITLE_MAX} karakter.",
                f"The title must be at most {TITLE_MAX} characters long.")

    location_text = _blank_to_none(draft.location_text)
    if location_text and len(location_text) > LOCATION_MAX:
        problem("locationText", "too_long", f"Lokasi maksimal {LOCATION_MAX} karakter.",
                f"The location must be at most {LOCATION_MAX} characters long.")

    if (draft.latitude is None) != (draft.longitude is None):
        problem("latitude", "incomplete_coordinates",
                "Isi lintang dan bujur sekaligus, atau kosongkan keduanya.",
                "Give both latitude and longitude, or neither.")
    if draft.latitude is not None and not -90 <= draft.latitude <= 90:
        problem("latitude", "out_of_range", "Lintang harus antara -90 dan 90.",
                "Latitude must be between -90 and 90.")
    if draft.longitude is not None and not -180 <= draft.longitude <= 180:
        problem("longitude", "out_of_range", "Bujur harus antara -180 dan 180.",
                "Longitude must be between -180 and 180.")

    region_code = _blank_to_none(draft.region_code)
    if region_code and not REGION_CODE.match(region_code):
        problem("regionCode", "invalid_region_code",
                "Kode wilayah harus berformat Kemendagri, misalnya 33 atau 33.74.",
                "The region code must follow the Kemendagri format, e.g. 33 or 33.74.")

    contact, contact_problems = check_contact(
        draft.reporter_name, draft.reporter_phone, draft.reporter_email, draft.reporter_nik)
    problems.extend(contact_problems)
    name, phone, email, nik = contact.name, contact.phone, contact.email, contact.nik

    if draft.anonymous and any((name, phone, email, nik)):
        problem("anonymous", "contact_with_anonymous",
                "Laporan anonim tidak menyimpan data diri. Kosongkan kontak atau matikan anonim.",
                "An anonymous submission stores no contact. Clear the contact or turn anonymity off.")

    key = _blank_to_none(draft.idempotency_key)
    problems.extend(client_key_problems(key, origin))

    service_slug = _blank_to_none(draft.service_slug)
    if service_slug and not service_known:
        problems.append(unknown_service_problem())

    if problems:
        raise ValidationFailed(problems)
    return CleanSubmission(
        kind=Kind(draft.kind), channel=Channel(draft.channel), text=text, title=title,
        anonymous=draft.anonymous, confidential=draft.confidential,
        location_text=location_text, latitude=draft.latitude, longitude=draft.longitude,
        region_code=region_code, reporter_name=name, reporter_phone=phone,
        reporter_email=email, reporter_nik=nik, idempotency_key=key, service_slug=service_slug,
        photo_digests=tuple(draft.photo_digests),
    )
