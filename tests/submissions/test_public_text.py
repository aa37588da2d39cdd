"""The one masking rule for public text: what it hides, and what must stay readable."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from suara.submissions.public_text import TextMask, mask_public_text
from tests.contact_values import contacts, emails, landline_numbers, mobile_numbers, niks

FAST = settings(derandomize=True, database=None, max_examples=150, deadline=None)


@pytest.mark.parametrize("written", [
    "(0812) 98765432", "0812-9876-5432", "0812 9876 5432", "0812.9876.5432", "081298765432",
    "+62 812-9876-5432", "+62 812 9876 5432", "+6281298765432", "62812 9876 5432", "6281298765432",
    "+62 (812) 9876 5432", "812 9876 5432", "021-5551234", "(021) 5551234", "(024) 354 6789", "0274 512345",
    "+62 21 5551234", "+44 20 7946 0958", "0812-34-56-78-90", "0812.34.56.78.90",
])
def test_every_written_phone_format_is_masked(written):
    masked = mask_public_text(f"Hubungi {written} ya, terima kasih.")
    assert masked == "Hubungi [nomor telepon] ya, terima kasih."


@pytest.mark.parametrize(("text", "masked"), [
    ("hubungi nomor 0812 3456 7890", "hubungi nomor [nomor telepon]"),
    ("No. 0812-3456-7890", "No. [nomor telepon]"),
    ("RT 081234567890", "RT [nomor telepon]"),
    ("tgl 12-01-2026 0812 3456 7890", "tgl 12-01-2026 [nomor telepon]"),
])
def test_a_phone_next_to_words_that_keep_numbers_is_still_masked(text, masked):
    assert mask_public_text(text) == masked


@pytest.mark.parametrize("written", [
    "3374019876543210", "3374 0198 7654 3210", "3374.0198.7654.3210", "3374-0198-7654-3210",
    "337401 987654 3210", "33.74.01.987654.3210",
])
def test_a_nik_with_any_separator_is_masked(written):
    assert mask_public_text(f"NIK: {written}.") == "NIK: [NIK]."


def test_the_reporters_name_is_masked_whole_and_word_by_word_in_any_case():
    text = "Saya Sekar Ayuningtyas. SEKAR tinggal di sini; bu ayuningtyas dan Pak Adi. Sekarang sudah sore."
    masked = mask_public_text(text, names=["Sekar Ayuningtyas", "Adi"])
    assert masked == "Saya [nama]. [nama] tinggal di sini; bu [nama] dan Pak [nama]. Sekarang sudah sore."


def test_name_words_shorter_than_three_letters_stay():
    assert mask_public_text("Ke RT sebelah, Pak Ni.", names=["Ni Made Sari"]) == "Ke RT sebelah, Pak Ni."


@pytest.mark.parametrize("text", [
    "Petugas minta Rp 1.500.000 untuk KTP.", "Diminta Rp1,5 juta oleh oknum.", "Bayar 1.500.000 rupiah.",
    "Pungli Rp. 250.000,- tiap bulan.", "Total IDR 12.000.000 dan 850.000.000 untuk proyek.",
    "Tanggal 12-01-2026, 12/01/2026 dan 2026-01-12.", "Di RT 03/RW 05, Rt.3 Rw.5, RT 003 / RW 011.",
    "Rumah No. 12, Gg. 4, Blok 7A.", "Kode laporan K7M-2QX-9PA.", "Jam buka 08.00-16.00.",
    "Sejak 2019 sudah 3 kali lapor, 20 orang terdampak.", "Panjang 1.200 meter.",
])
def test_amounts_dates_addresses_and_codes_stay_readable(text):
    assert mask_public_text(text, names=["Budi Santoso"]) == text


def test_the_agencys_directory_phone_stays_in_its_answer():
    answer = "Silakan hubungi layanan kami di (024) 3546789 atau 024-354-6789; jangan ke 0812 3456 7890."
    masked = mask_public_text(answer, kept_phones=["024 3546789"])
    assert masked == ("Silakan hubungi layanan kami di (024) 3546789 atau 024-354-6789; "
                      "jangan ke [nomor telepon].")


def test_masking_twice_changes_nothing_more():
    once = mask_public_text("Saya Budi, 0812-3456-7890, budi@contoh.id, NIK 3374 0198 7654 3210", names=["Budi"])
    assert mask_public_text(once, names=["Budi"]) == once == "Saya [nama], [nomor telepon], [email], NIK [NIK]"


def test_the_mask_of_an_item_masks_empty_text_as_empty():
    mask = TextMask(names=("Budi",))
    assert mask(None) is None and mask("") == "" and mask("Pak Budi") == "Pak [nama]"


@FAST
@given(contacts(), st.sampled_from(["Rp 1.500.000", "Rp1,5 juta", "12-01-2026", "RT 03/RW 05", "No. 12",
                                    "K7M-2QX-9PA", "2026-01-12"]))
def test_no_contact_form_survives_and_the_neighbours_stay(person, neighbour):
    text = " ".join(person.sentences()) + f" Catatan: {neighbour}."
    masked = mask_public_text(text, names=[person.name])
    assert person.leaks(masked) == []
    assert f"Catatan: {neighbour}." in masked


@FAST
@given(st.one_of(mobile_numbers(), landline_numbers()))
def test_every_generated_phone_is_masked_alone(phone):
    written, _ = phone
    assert mask_public_text(f"tel {written}, makasih") == "tel [nomor telepon], makasih"


@FAST
@given(niks(), emails())
def test_every_generated_nik_and_email_is_masked(nik, email):
    assert mask_public_text(f"{nik[0]} / {email}") == "[NIK] / [email]"
