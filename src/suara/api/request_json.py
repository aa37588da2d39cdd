"""Reading a JSON request body that must be one object, refusing anything else with a clear reason.

Invalid UTF-8, JSON arrays or scalars and deeply nested values are a client's mistake (400), not a
server error: nesting is measured before parsing so no parser or walker ever recurses that deep.
"""

from __future__ import annotations

import json
import re

MAX_NESTING = 64
_STRINGS_AND_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class BadJson(ValueError):
    def __init__(self, code: str, message_id: str, message_en: str):
        super().__init__(f"{message_id} / {message_en}")
        self.code = code


def nesting(text: str) -> int:
    """The deepest bracket nesting of a JSON text, ignoring brackets inside strings."""
    depth = deepest = 0
    for match in _STRINGS_AND_BRACKETS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


def read_json_object(data: bytes | str) -> dict:
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise BadJson("invalid_utf8", "Isi permintaan bukan UTF-8 yang sah.",
                      "The request body is not valid UTF-8.") from None
    if nesting(text) > MAX_NESTING:
        raise BadJson("too_deep", f"JSON bersarang terlalu dalam (paling banyak {MAX_NESTING} tingkat).",
                      f"The JSON is nested too deeply (at most {MAX_NESTING} levels).")
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise BadJson("invalid_json", "Isi permintaan bukan JSON yang sah.",
                      "The request body is not valid JSON.") from None
    if not isinstance(value, dict):
        raise BadJson("not_an_object", "Isi permintaan harus berupa objek JSON.",
                      "The request body must be a JSON object.")
    return value
