"""Reading commands and fitting replies into GSM-7 messages."""

from __future__ import annotations

import pytest

from suara.channels.sms.commands import Command, parse
from suara.common.gsm import is_gsm7, segments, septets, to_gsm7


@pytest.mark.parametrize("text, command, rest", [
    ("LAPOR jalan rusak di desa Sukamaju", Command.COMPLAINT, "jalan rusak di desa Sukamaju"),
    ("  lapor:   jalan   rusak\n di desa ", Command.COMPLAINT, "jalan rusak di desa"),
    ("Aspirasi mohon taman kota", Command.ASPIRATION, "mohon taman kota"),
    ("info syarat akta kelahiran", Command.INFORMATION, "syarat akta kelahiran"),
    ("cek K7M-2QX-9PA", Command.CHECK, "K7M-2QX-9PA"),
    ("CEK#k7m2qx9pa", Command.CHECK, "k7m2qx9pa"),
    ("SELESAI K7M2QX9PA", Command.CONFIRM, "K7M2QX9PA"),
    ("belum K7M2QX9PA masih banjir", Command.DISPUTE, "K7M2QX9PA masih banjir"),
    ("PILIH 12 2", Command.VOTE, "12 2"),
    ("bantuan", Command.HELP, ""),
    ("STOP", Command.STOP, ""),
    ("Berhenti", Command.STOP, ""),
    ("check K7M2QX9PA", Command.CHECK, "K7M2QX9PA"),
])
def test_keywords_are_read_whatever_the_case_and_spacing(text, command, rest):
    parsed = parse(text)
    assert (parsed.command, parsed.rest, parsed.keyword_given) == (command, rest, True)


def test_text_without_a_keyword_is_a_complaint_and_anonim_hides_the_reporter():
    plain = parse("lampu jalan mati sudah seminggu")
    assert (plain.command, plain.keyword_given, plain.rest) == (Command.COMPLAINT, False, "lampu jalan mati sudah seminggu")
    hidden = parse("ANONIM LAPOR pungli di kantor desa")
    assert (hidden.command, hidden.anonymous, hidden.rest) == (Command.COMPLAINT, True, "pungli di kantor desa")
    assert parse("CHECK K7M2QX9PA").english and not parse("CEK K7M2QX9PA").english


def test_a_message_of_160_gsm_characters_is_one_part_and_161_are_two():
    assert segments("a" * 160) == ["a" * 160]
    parts = segments("a" * 161)
    assert [len(p) for p in parts] == [153, 8]


def test_extended_characters_count_twice_and_are_never_split():
    assert septets("€[]") == 6
    parts = segments("x" * 152 + "€" + "y" * 10)
    assert parts[0] == "x" * 152 and parts[1].startswith("€")


def test_non_gsm_text_is_transliterated_before_sending():
    text = to_gsm7("“Jalan” rusak — mohon dicek… ✓")
    assert is_gsm7(text) and text == '"Jalan" rusak - mohon dicek... ?'
    assert segments("é" * 70) == ["é" * 70]  # é is GSM-7
    assert [len(p) for p in segments("✓" * 71)] == [67, 4]  # UCS-2 parts
