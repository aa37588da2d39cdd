"""Finding open submissions with near-identical text, cheaply, at submit time.

Each text gets a MinHash signature of its word shingles, stored as 8 band hashes in an indexed
array column; texts sharing any band are candidates (locality-sensitive hashing), and candidates
are kept when their exact shingle Jaccard similarity is high. A public read never scans the table.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

SHINGLE_WORDS = 3
BANDS, ROWS = 8, 4
SIMILARITY_THRESHOLD = 0.6
_rng = np.random.default_rng(20261125)
_SEEDS = _rng.integers(0, 2**63, size=BANDS * ROWS, dtype=np.uint64)
_ODD_MULTIPLIERS = _rng.integers(0, 2**63, size=BANDS * ROWS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_WORD = re.compile(r"[a-z0-9]+")


def shingles(text: str) -> set[str]:
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def _hash64(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=8).digest(), "big")


def band_hashes(text: str) -> list[int]:
    """Eight signed 64-bit band hashes (PostgreSQL bigint) of the text's MinHash signature."""
    items = shingles(text)
    if not items:
        return []
    values = np.array([_hash64(s) for s in items], dtype=np.uint64)
    with np.errstate(over="ignore"):  # multiply-xorshift hashing relies on wrap-around mod 2^64
        permuted = (values[:, None] ^ _SEEDS[None, :]) * _ODD_MULTIPLIERS[None, :]
    signature = permuted.min(axis=0).tolist()
    bands = []
    for band in range(BANDS):
        chunk = signature[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(repr((band, chunk)).encode(), digest_size=8).digest()
        bands.append(int.from_bytes(digest, "big", signed=True))
    return bands


def similarity(first: str | set[str], second: str) -> float:
    """Jaccard similarity of word shingles; pass a shingle set as ``first`` to reuse it."""
    a = first if isinstance(first, set) else shingles(first)
    b = shingles(second)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
