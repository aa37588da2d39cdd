"""Refusals of the dialogue that a citizen can understand and act on."""

from __future__ import annotations

from suara.common.errors import DomainError


class DialogueRefusal(DomainError):
    """Base: a stable code and a message in Indonesian and English."""

    def __init__(self, code: str, message_id: str, message_en: str):
        super().__init__(code)
        self.code = code
        self.message_id = message_id
        self.message_en = message_en


class VotingClosed(DialogueRefusal):
    def __init__(self, what: str = "poll"):
        messages = {
            "poll": ("Pemungutan suara belum dibuka atau sudah ditutup.", "Voting is not open (yet or any more)."),
            "consultation": ("Konsultasi ini tidak sedang dibuka untuk komentar.",
                             "This consultation is not open for comments."),
            "proposal": ("Usulan ini tidak lagi menerima dukungan.", "This proposal no longer takes supports."),
        }
        super().__init__(f"{what}_closed", *messages[what])


class AlreadyVoted(DialogueRefusal):
    def __init__(self, what: str = "vote"):
        messages = {
            "vote": ("Anda sudah memberikan suara ini.", "You already cast this vote."),
            "support": ("Anda sudah mendukung usulan ini.", "You already support this proposal."),
            "reaction": ("Anda sudah memberi tanggapan ini.", "You already reacted this way."),
        }
        super().__init__(f"already_{'voted' if what == 'vote' else what}", *messages[what])


class NotVerified(DialogueRefusal):
    def __init__(self, code: str = "not_verified"):
        messages = {
            "not_verified": ("Verifikasi nomor HP Anda dulu.", "Verify your phone number first."),
            "token_expired": ("Verifikasi Anda sudah kedaluwarsa; minta kode baru.",
                              "Your verification expired; ask for a new code."),
            "code_expired": ("Kode tidak berlaku lagi; minta kode baru.", "The code is no longer valid; ask for a new one."),
            "wrong_code": ("Kode salah.", "Wrong code."),
            "too_many_attempts": ("Terlalu banyak percobaan; minta kode baru.", "Too many attempts; ask for a new code."),
            "other_phone": ("Verifikasi ini untuk nomor lain, bukan nomor di laporan ini.",
                            "This verification is for another number than the one on this submission."),
        }
        super().__init__(code, *messages[code])


class RateLimited(DialogueRefusal):
    def __init__(self, retry_after_seconds: int):
        minutes = max(1, -(-retry_after_seconds // 60))
        super().__init__(
            "rate_limited",
            f"Terlalu banyak permintaan kode. Coba lagi dalam {minutes} menit.",
            f"Too many code requests. Try again in {minutes} minutes.",
        )
        self.retry_after_seconds = retry_after_seconds
