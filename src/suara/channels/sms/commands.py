"""Reading an SMS: a keyword (Indonesian or English), maybe ANONIM, and the rest.

Tolerant of case, extra spaces, and a keyword glued to punctuation ("lapor:", "CEK#K7M2QX9PA").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Command(StrEnum):
    COMPLAINT = "complaint"
    ASPIRATION = "aspiration"
    INFORMATION = "information_request"
    CHECK = "check"
    CONFIRM = "confirm"
    DISPUTE = "dispute"
    VOTE = "vote"
    HELP = "help"
    STOP = "stop"
    START = "start"


KEYWORDS = {
    "LAPOR": Command.COMPLAINT, "ADUAN": Command.COMPLAINT, "KELUHAN": Command.COMPLAINT,
    "REPORT": Command.COMPLAINT, "COMPLAINT": Command.COMPLAINT,
    "ASPIRASI": Command.ASPIRATION, "USUL": Command.ASPIRATION, "ASPIRATION": Command.ASPIRATION,
    "IDEA": Command.ASPIRATION,
    "INFO": Command.INFORMATION, "TANYA": Command.INFORMATION, "INFORMATION": Command.INFORMATION,
    "CEK": Command.CHECK, "STATUS": Command.CHECK, "CHECK": Command.CHECK,
    "SELESAI": Command.CONFIRM, "BERES": Command.CONFIRM, "DONE": Command.CONFIRM, "SOLVED": Command.CONFIRM,
    "BELUM": Command.DISPUTE, "NOTYET": Command.DISPUTE, "UNSOLVED": Command.DISPUTE,
    "PILIH": Command.VOTE, "VOTE": Command.VOTE,
    "BANTUAN": Command.HELP, "BANTU": Command.HELP, "HELP": Command.HELP, "?": Command.HELP,
    "BERHENTI": Command.STOP, "STOP": Command.STOP, "UNSUBSCRIBE": Command.STOP,
    "MULAI": Command.START, "START": Command.START,
}
ENGLISH = {"REPORT", "COMPLAINT", "ASPIRATION", "IDEA", "INFORMATION", "CHECK", "STATUS", "DONE", "SOLVED",
           "NOTYET", "UNSOLVED", "VOTE", "HELP", "STOP", "UNSUBSCRIBE", "START"}
"""Keywords answered in English; everything else is answered in Indonesian."""
FILING = {Command.COMPLAINT, Command.ASPIRATION, Command.INFORMATION}
ANONYMOUS_WORDS = {"ANONIM", "ANONYMOUS", "ANON"}
_TOKEN = re.compile(r"^\s*([A-Za-z?]+)[\s:.,#\-]*(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Parsed:
    command: Command
    rest: str
    anonymous: bool = False
    keyword_given: bool = True
    english: bool = False


def _split(text: str) -> tuple[str, str]:
    match = _TOKEN.match(text)
    if not match:
        return "", text.strip()
    return match.group(1).upper(), match.group(2).strip()


def parse(text: str) -> Parsed:
    """The command in an SMS. Text without a keyword is a complaint (and the reply explains keywords)."""
    text = " ".join(text.split())  # any run of spaces and newlines reads as one space
    anonymous = False
    word, rest = _split(text)
    if word in ANONYMOUS_WORDS:
        anonymous, text = True, rest
        word, rest = _split(rest)
    command = KEYWORDS.get(word)
    if command is None:
        return Parsed(Command.COMPLAINT, text, anonymous, keyword_given=False)
    return Parsed(command, rest, anonymous, english=word in ENGLISH)
