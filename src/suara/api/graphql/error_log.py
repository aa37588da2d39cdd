"""What the server log says about GraphQL errors: enough to find a problem, never a citizen's words.

A client's mistake (a document that does not validate, a wrong variable) is logged at INFO; a crash
at ERROR with the request id and the stack. Neither carries variables, query text or the literal
values that GraphQL and database messages quote ("found \\"0812…\\"", "invalid input: 'Budi'"):
quoted text, numbers and anything after "value"/"found" are replaced by "…" first.
"""

from __future__ import annotations

import logging
import re
import traceback

from graphql import GraphQLError

from suara.api.request_id import REQUEST_ID

log = logging.getLogger("suara.graphql")

_VALUES = re.compile(
    r"""(?:found|value|values|input|argument \$\w+|parameters?)\s*:?\s+.*?(?=;|$)"""  # "got invalid value {…}"
    r"""|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\{.*\}|\[.*\]"""  # quoted text, objects, lists
    r"""|[^\s'"]*\d[^\s'"]*|\S*@\S*""",  # anything with a digit or an @ (phones, NIK, e-mail)
    re.IGNORECASE | re.DOTALL,
)


def without_values(message: str) -> str:
    """``message`` with every value a client or the database could have quoted replaced by "…"."""
    return _VALUES.sub(lambda match: _keep_word(match.group(0)), message)[:300]


def _keep_word(match: str) -> str:
    word = match.split(None, 1)[0] if match[:1].isalpha() else ""
    return f"{word} …" if word and not any(character.isdigit() for character in word) else "…"


def is_unexpected(error: GraphQLError) -> bool:
    """A crash in our code (masked for clients), not GraphQL's own validation or a client mistake."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def log_errors(errors: list[GraphQLError]) -> None:
    """Strawberry's default logs every error at ERROR with its message; this replaces it."""
    request_id = REQUEST_ID.get()
    for error in errors:
        if is_unexpected(error):
            log.error("unexpected error at %s (request %s)\n%s", _path(error), request_id,
                      _stack_without_values(error.original_error))
        else:
            log.info("client error at %s (request %s): %s", _path(error), request_id,
                     without_values(error.message))


def _path(error: GraphQLError) -> str:
    """The response path with field names only (aliases are the client's words, list indexes are noise)."""
    return ".".join(part for part in (error.path or []) if isinstance(part, str)) or "-"


def _stack_without_values(exception: BaseException) -> str:
    """The stack of each exception in the chain, with each message passed through ``without_values``."""
    parts = []
    current: BaseException | None = exception
    while current is not None and len(parts) < 5:
        stack = "".join(traceback.format_tb(current.__traceback__))
        parts.append(f"{stack}{type(current).__module__}.{type(current).__qualname__}: {without_values(str(current))}")
        current = current.__cause__ or current.__context__
    return "\n  caused by:\n".join(parts)
