"""Tracking codes, citizen secrets and masking of personal data."""

from __future__ import annotations

import math

from suara.submissions import codes
from suara.submissions.redaction import mask_personal_data


def test_tracking_codes_carry_at_least_40_random_bits_without_look_alikes():
    assert CODE_BITS >= 40
    for ambiguous in "01ILOU":
        assert ambiguous not in codes.ALPHABET
    generated = {codes.new_tracking_code() for _ in range(2000)}
    assert len(generated) == 2000
    assert all(len(code) == 9 and set(code) <= set(codes.ALPHABET) for code in generated)


CODE_BITS = codes.CODE_LENGTH * math.log2(len(codes.ALPHABET))


def test_codes_are_shown_in_groups_of_three_and_read_back_from_any_spelling():
    code = "K7M2QX9PA"
    assert codes.format_tracking_code(code) == "K7M-2QX-9PA"
    assert codes.normalise_tracking_code(" k7m 2qx-9pa ") == code
    assert codes.normalise_tracking_code("K7M-2QX-9P0") is None
    assert codes.normalise_tracking_code("K7M") is None


def test_citizen_secret_depends_on_code_and_key():
    secret = codes.citizen_secret("K7M2QX9PA", b"key-one")
    assert secret == codes.citizen_secret("K7M2QX9PA", b"key-one")
    assert secret != codes.citizen_secret("K7M2QX9PB", b"key-one")
    assert secret != codes.citizen_secret("K7M2QX9PA", b"key-two")
    assert codes.secret_matches("K7M2QX9PA", secret.lower(), b"key-one")
    assert not codes.secret_matches("K7M2QX9PA", "WRONGSECRET2", b"key-one")


def test_public_text_masks_nik_phone_email_and_the_reporters_name():
    text = (
        "Nama saya Budi Santoso (NIK 3374010101900001), WA +62 812-3456-7890 atau 081298765432, "
        "email budi.s@mail.example. Pak Budi minta tolong."
    )
    masked = mask_personal_data(text, "Budi Santoso")
    for leaked in ("3374010101900001", "812-3456-7890", "081298765432", "budi.s@mail.example",
                   "Budi", "Santoso"):
        assert leaked not in masked
    assert "[NIK]" in masked and "[nomor telepon]" in masked and "[email]" in masked
    assert "minta tolong" in masked


def test_ordinary_numbers_stay_readable():
    text = "Jalan sepanjang 300 meter di RT 04 RW 02 rusak sejak 2023."
    assert mask_personal_data(text) == text
