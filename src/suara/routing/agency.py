"""Agency-level routing: which agency a text goes to, from a direct and a hierarchical head.

The *direct* head is one classifier over agencies. The *hierarchical* head sums, over every
category c, P(c | text) · P(agency | c, text): within a category that several agencies share
(infrastructure: roads, housing, transport, land, water…) a small classifier picks among them;
a category without agency-level data sends its whole share to the category's default agency.
The published agency probability is the mean of the two heads (measured best in
`bench/agency_routing_spike.py`), and the auto-route confidence rewards the heads agreeing
(`routing_confidence`).

Agencies with fewer than ``MIN_AGENCY_ROWS`` training rows are grouped as ``OTHER``: a
prediction of it is never routed and never suggested.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator

OTHER = "other"
MIN_AGENCY_ROWS = 4
"""An agency with fewer training rows is grouped as OTHER. Few rows suffice to suggest an agency to
people; its reliability (shrunk toward the average with little evidence) keeps it from auto-routing."""
MIN_WITHIN_CATEGORY_ROWS = 5


@dataclass(frozen=True)
class AgencySuggestion:
    agency: str
    category: str
    confidence: float


@dataclass(frozen=True)
class AgencyPrediction:
    """One text's agency: the most likely one, the confidence auto-routing compares to the
    model's threshold, and the top-3 agencies (each with its most likely category)."""

    agency: str
    confidence: float
    category: str
    category_confidence: float
    top: list[AgencySuggestion]


def _softmax(scores: np.ndarray) -> np.ndarray:
    """Row softmax; scipy's costs more than the arithmetic on a handful of columns."""
    exponentials = np.exp(scores - scores.max(axis=1, keepdims=True))
    return exponentials / exponentials.sum(axis=1, keepdims=True)


def combine(direct: np.ndarray, hierarchical: np.ndarray) -> np.ndarray:
    """The published agency probabilities: the mean of the two heads."""
    return 0.5 * (direct + hierarchical)


def routing_confidence(combined: np.ndarray, best: np.ndarray, reliability: np.ndarray) -> np.ndarray:
    """Per row, the auto-route confidence of agency ``best[row]``.

    The margin of the combined probability over the runner-up (an item two agencies share is
    not sure however high the top one is), times the agency's reliability: how often the direct
    head's out-of-fold predictions of that agency were right in training. Agencies that are
    often confused with a neighbour (land office and housing, environment and water resources)
    need a wider margin than ones whose complaints are unmistakable (e-KTP, schools).
    """
    rows = np.arange(len(best))
    top = combined[rows, best]
    rest = combined.copy()
    rest[rows, best] = -np.inf
    return (top - rest.max(axis=1)) * reliability[best]


class AgencyHead(BaseEstimator):
    """The agency classifiers of a routing model, over the category model's features.

    ``labels`` are agency slugs (``OTHER`` last); ``defaults`` maps each category to the agency
    its share goes to when it has no classifier of its own in ``within``.
    """

    def __init__(self, labels=None, direct=None, within=None, defaults=None):
        self.labels = labels
        self.direct = direct
        self.within = within
        self.defaults = defaults

    @classmethod
    def fit(cls, features, categories, agencies, defaults: dict[str, str], make_classifier) -> AgencyHead:
        """``agencies[i]`` is None where row i has no usable agency label (it still trains categories)."""
        categories = np.asarray(categories)
        labelled = np.array([a is not None for a in agencies])
        known = np.asarray([a if a is not None else "" for a in agencies], dtype=object)
        counts = Counter(known[labelled].tolist())
        kept = sorted(a for a, n in counts.items() if n >= MIN_AGENCY_ROWS and a != OTHER)
        present = set(categories.tolist())
        defaults = {c: a for c, a in defaults.items() if c in present and a}
        labels = sorted(set(kept) | set(defaults.values())) + [OTHER]
        index = set(labels)
        grouped = np.array([a if a in index else OTHER for a in known], dtype=object)
        direct = make_classifier().fit(features[labelled], grouped[labelled].astype(str))
        within = {}
        for category in sorted(set(categories.tolist())):
            rows = labelled & (categories == category)
            local_counts = Counter(grouped[rows].tolist())
            enough = {a for a, n in local_counts.items() if n >= MIN_WITHIN_CATEGORY_ROWS and a != OTHER}
            if len(enough) < 2:
                continue
            local = np.array([a if a in enough else OTHER for a in grouped[rows]], dtype=object).astype(str)
            keep = np.ones(len(local), dtype=bool)
            if Counter(local.tolist()).get(OTHER, 0) == 1:  # a one-row "other" cannot be cross-validated
                keep = local != OTHER
            within[str(category)] = make_classifier().fit(features[rows][keep], local[keep])
        return cls(labels=labels, direct=direct, within=within, defaults=dict(defaults))

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_stack", None)  # a cache rebuilt on first use, never written to a model file
        return state

    @property
    def reliability(self) -> np.ndarray:
        """Per agency column, how often predictions of it were right: measured on real held-out items
        when `measure_reliability` was given some, else the direct head's out-of-fold precision."""
        measured = getattr(self, "reliability_", None)
        if measured is not None:
            return measured
        index = {a: i for i, a in enumerate(self.labels)}
        values = np.full(len(self.labels), float(np.mean(getattr(self.direct, "class_precision_", [1.0]))))
        for agency, precision in zip(self.direct.classes_, getattr(self.direct, "class_precision_", [])):
            values[index[agency]] = precision
        return values

    def measure_reliability(self, best: np.ndarray, correct: np.ndarray, margin: np.ndarray, prior: float) -> None:
        """Per agency, the precision of its predictions among the more confident half of held-out items
        (where auto-routing happens), shrunk toward their average by ``prior`` pseudo-predictions.

        A model trained on written examples cannot know which agencies real complaints confuse;
        items it was not fitted on can. Use other items than the ones the threshold is chosen on."""
        confident = margin >= np.median(margin)
        overall = float(correct[confident].mean()) if confident.any() else 0.0
        made = np.bincount(best[confident], minlength=len(self.labels))
        hits = np.bincount(best[confident], weights=correct[confident], minlength=len(self.labels))
        self.reliability_ = (hits + prior * overall) / (made + prior)

    # Prediction: every classifier's weights stacked in one matrix, so a text costs one product.
    def _stacked(self, category_model):
        stacked = getattr(self, "_stack", None)
        if stacked is not None and stacked[0] is category_model:
            return stacked
        index = {a: i for i, a in enumerate(self.labels)}
        blocks = [("category", category_model, None), ("direct", self.direct, [index[c] for c in self.direct.classes_])]
        blocks += [(c, model, [index[a] for a in model.classes_]) for c, model in self.within.items()]
        weights, intercepts, layout, start = [], [], [], 0
        for name, model, columns in blocks:
            model_weights, model_intercepts = model.row_major_weights()
            weights.append(model_weights)
            intercepts.append(model_intercepts)
            width = len(model.classes_)
            layout.append((name, slice(start, start + width), model.temperature_, columns))
            start += width
        default_columns = {
            c: index.get(self.defaults.get(c) or OTHER, index[OTHER])
            for c in category_model.classes_ if c not in self.within
        }
        stacked = (category_model, np.ascontiguousarray(np.hstack(weights)), np.concatenate(intercepts), layout,
                   {c: i for i, c in enumerate(category_model.classes_)}, default_columns)
        self._stack = stacked
        return stacked

    def probabilities(self, features, category_model) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(P_category, P_direct, P_hierarchical, joint) for each row; agency columns in ``labels`` order.

        ``joint[:, c, a]`` is the hierarchical P(c)·P(a | c): it names each agency's likeliest category.
        """
        _, weights, intercepts, layout, category_index, default_columns = self._stacked(category_model)
        scores = np.asarray(features @ weights) + intercepts
        n, k = scores.shape[0], len(self.labels)
        direct = np.zeros((n, k))
        joint = np.zeros((n, len(category_index), k))
        p_category = None
        for name, columns_slice, temperature, columns in layout:
            p = _softmax(scores[:, columns_slice] / temperature)
            if name == "category":
                p_category = p
                for c, column in default_columns.items():
                    joint[:, category_index[c], column] += p_category[:, category_index[c]]
            elif name == "direct":
                direct[:, columns] = p
            else:
                c = category_index[name]
                joint[:, c, columns] += p_category[:, [c]] * p
        return p_category, direct, joint.sum(axis=1), joint
