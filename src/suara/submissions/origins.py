"""Who files a submission or a support, and what that lets them claim.

An idempotency key is stored as ``<namespace>:<key>`` with the namespace of the code path that
filed it, so a key a client sends can never equal one Suara writes for an SMS
(``sms:<gateway message id>``) or a proposal (``proposal:<id>``); the channel an origin may set is
fixed here too, so the per-channel figures count what really came by that channel.
"""

from __future__ import annotations

from dataclasses import dataclass

from suara.common.errors import DomainError, FieldProblem
from suara.submissions.models import Channel


@dataclass(frozen=True)
class Origin:
    namespace: str
    channels: frozenset[str]
    client_key: bool
    """The key is chosen outside Suara, so it must be long enough not to be guessed."""
    proves_phone: bool = False
    """The channel itself proves the reporter's phone: the message came from it."""

    def scoped(self, key: str | None) -> str | None:
        return f"{self.namespace}:{key}" if key else None


CLIENT = Origin("client", frozenset({Channel.WEB, Channel.API}), client_key=True)
"""GraphQL clients: the web pages and API integrations."""
SMS = Origin("sms", frozenset({Channel.SMS}), client_key=False, proves_phone=True)
PROPOSAL = Origin("proposal", frozenset({Channel.PROPOSAL}), client_key=False)


def open311(api_key_id: int | None) -> Origin:
    """Each Open311 API key has its own namespace."""
    return Origin(f"open311:{api_key_id or 0}", frozenset({Channel.OPEN311}), client_key=True)


def reserved_channel_problem(field: str = "channel") -> FieldProblem:
    return FieldProblem(
        field, "reserved_channel",
        "Kanal ini hanya diisi oleh Suara sendiri (SMS, Open311, usulan). Pakai WEB atau API.",
        "This channel is set only by Suara itself (SMS, Open311, proposals). Use WEB or API.",
    )


class IdempotencyKeyReused(DomainError):
    """The key was used before for a different request; nothing was written."""

    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(self.code)
        self.message_id = ("Kunci idempotensi ini sudah dipakai untuk permintaan dengan isi lain; tidak ada "
                           "yang disimpan. Kirim lagi sebagai permintaan baru (dengan kunci baru).")
        self.message_en = ("This idempotency key was already used for a request with other content; nothing "
                           "was saved. Send it again as a new request (with a new key).")
