"""Text normalisation for routing, as a scikit-learn transformer inside the pipeline.

Being part of the pipeline means training and prediction always normalise the same way: lower
case, personal data and numbers masked, letters repeated for emphasis squeezed, salutations
removed (they say nothing about the topic), SMS slang and Javanese words mapped to Indonesian,
and very long texts cut to their first words.
"""

from __future__ import annotations

import re

from sklearn.base import BaseEstimator, TransformerMixin

from suara.routing.slang import SALUTATIONS, SLANG

URL = re.compile(r"(?:https?://|www\.)\S+|\b\S+\.(?:com|id|co\.id|go\.id|net|org)(?:/\S*)?\b")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE_PLACEHOLDER = re.compile(r"<\s*nomor[_ ]telepon\s*>")
NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
PHONE = re.compile(r"(?<![\w+])(?:\+62|62|0)[\s.-]?8[\d\s.-]{7,14}\d")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
REPEATED = re.compile(r"([a-z])\1{2,}")
TOKEN = re.compile(r"[a-z]+(?:-[a-z]+)*")
MAX_CHARACTERS = 1200
MAX_TOKENS = 160
"""Long run-on messages state their topic early; the cap keeps one prediction within milliseconds."""
SALUTATION = re.compile(
    r"\b(?:" + "|".join(re.escape(s) for s in sorted(SALUTATIONS, key=len, reverse=True)) + r")\b"
)


def normalise(text: str) -> str:
    text = text[:MAX_CHARACTERS].lower()
    text = PHONE_PLACEHOLDER.sub(" nomortelepon ", text)
    text = URL.sub(" urltoken ", text)
    text = EMAIL.sub(" emailtoken ", text)
    text = NIK.sub(" niktoken ", text)
    text = PHONE.sub(" nomortelepon ", text)
    text = NUMBER.sub(" angka ", text)
    text = REPEATED.sub(r"\1", text)
    text = SALUTATION.sub(" ", text)
    tokens = TOKEN.findall(text)[:MAX_TOKENS]
    return " ".join(SLANG.get(token, token) for token in tokens)


class TextNormalizer(BaseEstimator, TransformerMixin):
    """Stateless: fit learns nothing, so it is safe to persist and to reuse across folds."""

    def fit(self, texts, labels=None):
        return self

    def transform(self, texts):
        return [normalise(str(text)) for text in texts]
