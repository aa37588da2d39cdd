"""Small builders of test data."""

from __future__ import annotations

import itertools
import uuid

from suara.submissions.validation import SubmissionDraft

_counter = itertools.count(1)

SUBMIT = """
mutation Submit($input: SubmitInput!) {
  submit(input: $input) {
    __typename
    ... on SubmissionReceipt {
      trackingCode citizenSecret replayed
      routing { state confidence modelVersion suggestions { confidence category { slug } agency { slug } } }
      submission { trackingCode status statusGroup text agency { slug } category { slug } }
    }
    ... on ValidationError { field code message messageEn problems { field code message messageEn } }
  }
}
"""

TRACK = """
query Track($code: String!) {
  submission(trackingCode: $code) {
    trackingCode kind status statusGroup confidential anonymous title text channel
    location { text regionCode latitude longitude }
    createdAt updatedAt agency { slug name } category { slug }
    events { kind status at note agency { slug } }
  }
}
"""


def unique_text(prefix: str = "Jalan di desa kami rusak berlubang") -> str:
    return f"{prefix}, laporan uji nomor {next(_counter)} ({uuid.uuid4().hex[:8]})."


def draft(**overrides) -> SubmissionDraft:
    values = dict(kind="complaint", text=unique_text(), channel="api")
    values.update(overrides)
    return SubmissionDraft(**values)


def submit_input(**overrides) -> dict:
    values = {"kind": "COMPLAINT", "text": unique_text(), "channel": "API"}
    values.update(overrides)
    return values
