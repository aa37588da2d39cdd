"""The auto-route threshold with a guarantee: a lower confidence bound on precision, not a point estimate.

A threshold picked where the *observed* precision of the items above it first reaches 95 % is
right only on those very items; on new ones it falls short about half the time. Instead the
threshold is the lowest confidence at which the one-sided 95 % Clopper–Pearson lower bound of
the precision of the calibration items at or above it is still ≥ the target. The calibration
items must be ones the model was not fitted on: a model scores its own training texts (and a
model refit on more data scores new texts) more confidently than held-out ones.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import beta

TARGET_PRECISION = 0.95
BOUND_CONFIDENCE = 0.95
NEVER = 1.0 + 1e-9
"""A threshold no probability reaches: nothing is routed without a person."""


def clopper_pearson_lower(correct: int, n: int, confidence: float = BOUND_CONFIDENCE) -> float:
    """One-sided lower confidence bound of a binomial proportion (exact, conservative)."""
    if n <= 0 or correct <= 0:
        return 0.0
    return float(beta.ppf(1 - confidence, correct, n - correct + 1))


def bound_threshold(confidence: np.ndarray, correct: np.ndarray, target: float = TARGET_PRECISION) -> float:
    """The lowest confidence whose items at or above it have a lower precision bound ≥ ``target``.

    Items with equal confidence pass together, so the bound is checked only where the confidence
    changes. With no such point nothing is routed automatically (``NEVER``).
    """
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    order = np.argsort(-confidence, kind="stable")
    ordered = confidence[order]
    hits = np.cumsum(correct[order])
    counts = np.arange(1, len(order) + 1)
    last_of_tie = np.r_[ordered[1:] != ordered[:-1], True]
    # The bound only rises with more hits and only falls with more items: test the candidates at once.
    candidates = np.flatnonzero(last_of_tie & (hits / counts >= target))
    if len(candidates) == 0:
        return NEVER
    lower = beta.ppf(1 - BOUND_CONFIDENCE, hits[candidates], counts[candidates] - hits[candidates] + 1)
    good = candidates[np.nan_to_num(lower, nan=0.0) >= target]
    return float(ordered[good[-1]]) if len(good) else NEVER


def routed_figures(confidence: np.ndarray, correct: np.ndarray, threshold: float) -> dict:
    """Coverage, precision and its lower bound of the items at or above ``threshold``."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    routed = confidence >= threshold
    hits, n = int(correct[routed].sum()), int(routed.sum())
    return {
        "items": len(confidence),
        "auto_routed": n,
        "auto_route_coverage": float(routed.mean()) if len(confidence) else 0.0,
        "auto_route_precision": hits / n if n else 0.0,
        "auto_route_precision_lower_bound": clopper_pearson_lower(hits, n),
    }
