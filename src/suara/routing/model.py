"""The routing model: from text to a calibrated category and, when trained with agencies, agency.

normalise → tf-idf of words (1–2-grams) and characters (3–5-grams) → ridge classifier, whose
scores a temperature-scaled softmax turns into probabilities. The temperature is fitted on
out-of-fold scores, so the probabilities are calibrated while the ridge's ranking (and so its
accuracy) is kept. With agency labels an `AgencyHead` on the same features predicts the agency
(`suara.routing.agency`). The auto-route threshold is chosen on held-out items the model was not
fitted on, so that a one-sided 95 % Clopper–Pearson lower bound on the precision of the items at
or above it meets the target (`suara.routing.calibration`). Files are written and read with skops;
only allow-listed types load.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy.sparse
import sklearn
import skops.io as sio
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import RidgeClassifier
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict, train_test_split
from sklearn.pipeline import FeatureUnion, Pipeline

from suara.agencies.names import directory_defaults
from suara.routing.agency import (
    OTHER,
    AgencyHead,
    AgencyPrediction,
    AgencySuggestion,
    combine,
    routing_confidence,
)
from suara.routing.calibration import (
    BOUND_CONFIDENCE,
    NEVER,
    TARGET_PRECISION,
    bound_threshold,
    routed_figures,
)
from suara.routing.evaluate import evaluate
from suara.routing.normalize import TextNormalizer

CV_FOLDS = 5
RANDOM_STATE = 42
RELIABILITY_PRIOR = 5.0
"""Pseudo-predictions at the overall out-of-fold accuracy added to each class's own count."""


@dataclass(frozen=True)
class Suggestion:
    category: str
    confidence: float


class ModelLoadError(Exception):
    """The model file is missing, corrupt, or holds types we do not trust."""


class TemperatureScaledClassifier(BaseEstimator, ClassifierMixin):
    """A linear classifier whose scores become probabilities by softmax(scores / temperature).

    Scaling by one temperature keeps the argmax (accuracy is the base model's) and is fitted by
    minimising the log-loss of out-of-fold scores, which calibrates the confidences.
    """

    def __init__(self, estimator=None, cv: int = CV_FOLDS):
        self.estimator = estimator
        self.cv = cv

    def _base(self):
        return self.estimator if self.estimator is not None else RidgeClassifier(alpha=1.0, class_weight="balanced")

    def fit(self, features, labels):
        labels = np.asarray(labels)
        folds = StratifiedKFold(n_splits=min(self.cv, int(np.min(np.unique(labels, return_counts=True)[1]))),
                                shuffle=True, random_state=RANDOM_STATE)
        scores = _two_columns(cross_val_predict(clone(self._base()), features, labels, cv=folds,
                                                method="decision_function"))
        self.classes_ = np.unique(labels)
        truth = np.searchsorted(self.classes_, labels)

        def negative_log_likelihood(log_temperature: float) -> float:
            scaled = scores / np.exp(log_temperature)
            return -float(np.mean(log_softmax(scaled, axis=1)[np.arange(len(truth)), truth]))

        result = minimize_scalar(negative_log_likelihood, bounds=(-8.0, 3.0), method="bounded")
        self.temperature_ = float(np.exp(result.x))
        # How often an out-of-fold prediction of each class was right, shrunk toward the overall rate.
        predicted = scores.argmax(axis=1)
        right = predicted == truth
        made = np.bincount(predicted, minlength=len(self.classes_))
        hits = np.bincount(predicted, weights=right, minlength=len(self.classes_))
        self.class_precision_ = (hits + RELIABILITY_PRIOR * right.mean()) / (made + RELIABILITY_PRIOR)
        self.oof_accuracy_ = float(right.mean())
        self.oof_macro_f1_ = float(f1_score(truth, predicted, average="macro"))
        self.estimator_ = clone(self._base()).fit(features, labels)
        return self

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_row_major_weights", None)  # a cache rebuilt on first use, never written to a model file
        return state

    def row_major_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """(weights as features × classes, row-major; intercepts), two columns for two classes."""
        weights = getattr(self, "_row_major_weights", None)
        if weights is None:
            coef, intercept = np.atleast_2d(self.estimator_.coef_), np.atleast_1d(self.estimator_.intercept_)
            if coef.shape[0] == 1:  # a binary ridge scores the second class only: softmax of ±s/2 is sigmoid(s)
                coef, intercept = np.vstack([-coef / 2, coef / 2]), np.r_[-intercept / 2, intercept / 2]
            weights = self._row_major_weights = (np.ascontiguousarray(coef.T), intercept)
        return weights

    def decision_function(self, features):
        # X @ W with W stored row-major: sklearn's coef_.T would copy every weight on each call.
        weights, intercepts = self.row_major_weights()
        return np.asarray(features @ weights) + intercepts

    def predict_proba(self, features):
        return softmax(self.decision_function(features) / self.temperature_, axis=1)

    def predict(self, features):
        return self.classes_[np.argmax(self.decision_function(features), axis=1)]


def _tfidf(vectorizer: TfidfVectorizer, documents: list[str]):
    """`vectorizer.transform(documents)` without its input checks, which cost a single prediction
    more than the counting itself (the same arithmetic: counts, 1 + log tf, idf, l2 rows)."""
    _, counts = vectorizer._count_vocab(documents, fixed_vocab=True)
    counts = counts.astype(np.float64)
    if vectorizer.sublinear_tf:
        np.log(counts.data, counts.data)
        counts.data += 1
    counts.data *= vectorizer.idf_[counts.indices]
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    counts.data /= np.repeat(norms, np.diff(counts.indptr))
    return counts


def _two_columns(scores: np.ndarray) -> np.ndarray:
    return np.c_[-scores / 2, scores / 2] if scores.ndim == 1 else scores


def build_pipeline() -> Pipeline:
    features = FeatureUnion([
        ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2)),
    ])
    return Pipeline([
        ("normalise", TextNormalizer()),
        ("features", features),
        ("classify", TemperatureScaledClassifier()),
    ])



def choose_threshold(probabilities_top: np.ndarray, correct: np.ndarray, target_precision: float = TARGET_PRECISION) -> float:
    """The auto-route threshold for these held-out confidences: `calibration.bound_threshold` (kept
    under its old name; it now bounds the precision from below instead of taking its point estimate)."""
    return bound_threshold(probabilities_top, correct, target_precision)


class UncalibratedModel(Exception):
    """A model without a threshold chosen on held-out items cannot auto-route."""


@dataclass(frozen=True)
class AgencyScores:
    """Every agency-level number of a batch of texts (agency columns in ``labels`` order)."""

    labels: list[str]
    category: np.ndarray
    direct: np.ndarray
    hierarchical: np.ndarray
    joint: np.ndarray
    best: np.ndarray
    """Index of each row's most likely real agency (never ``OTHER``)."""
    confidence: np.ndarray
    """The auto-route confidence of that agency (`suara.routing.agency.routing_confidence`)."""

    @property
    def combined(self) -> np.ndarray:
        return combine(self.direct, self.hierarchical)


@dataclass
class RoutingModel:
    pipeline: Pipeline
    name: str
    version: str
    trained_at: str
    threshold: float
    labels: list[str]
    sklearn_version: str
    training_summary: dict
    cv_metrics: dict = field(default_factory=dict)
    """The published evaluation figures (held-out items; see ``calibration["evaluated_on"]``)."""
    agency_head: AgencyHead | None = None
    threshold_level: str = "category"
    """``agency`` when the threshold bounds the precision of reaching the right agency."""
    calibration: dict = field(default_factory=dict)
    """Where the threshold was chosen and what it gave there (items, coverage, precision, bound)."""
    corpus_metrics: dict = field(default_factory=dict)
    """Cross-validated figures on the training data itself (kept apart from the held-out figures)."""

    @property
    def agency_labels(self) -> list[str]:
        """The agencies this model can route to (empty for a category-only model)."""
        return [a for a in self.agency_head.labels if a != OTHER] if self.agency_head is not None else []

    def features(self, texts):
        steps = self.pipeline.named_steps
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            normalised = steps["normalise"].transform(list(texts))
            return scipy.sparse.hstack(
                [_tfidf(vectorizer, normalised) for _, vectorizer in steps["features"].transformer_list],
                format="csr",
            )

    def predict_proba(self, texts) -> np.ndarray:
        """Category probabilities (columns in ``labels`` order); the pipeline's fitted steps called
        directly to skip FeatureUnion's joblib overhead and re-validation."""
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            return self.pipeline.named_steps["classify"].predict_proba(self.features(texts))

    def agency_scores(self, texts) -> AgencyScores:
        if self.agency_head is None:
            raise ValueError(f"model {self.version} was trained without agency labels")
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            category, direct, hierarchical, joint = self.agency_head.probabilities(
                self.features(texts), self.pipeline.named_steps["classify"])
        combined = combine(direct, hierarchical)
        best = combined[:, :-1].argmax(axis=1)  # OTHER is the last column and is never routed to
        return AgencyScores(list(self.agency_head.labels), category, direct, hierarchical, joint, best,
                            routing_confidence(combined, best, self.agency_head.reliability))

    def confidence(self, texts) -> np.ndarray:
        """The number auto-routing compares to ``threshold``, at the threshold's level."""
        if self.agency_head is not None:
            return self.agency_scores(texts).confidence
        return self.predict_proba(texts).max(axis=1)

    def route_many(self, texts: list[str], k: int = 3) -> list[AgencyPrediction]:
        """Each text's agency, its confidence and the top-k agencies, each with its likeliest category."""
        scores = self.agency_scores(texts)
        combined = scores.combined
        categories = self.pipeline.named_steps["classify"].classes_
        predictions = []
        for row in range(len(combined)):
            real = combined[row, :-1]
            order = np.argsort(-real, kind="stable")[:k]
            top = [AgencySuggestion(scores.labels[j], str(categories[scores.joint[row, :, j].argmax()]),
                                    float(real[j])) for j in order]
            category_index = int(scores.category[row].argmax())
            predictions.append(AgencyPrediction(
                agency=top[0].agency, confidence=float(scores.confidence[row]), category=top[0].category,
                category_confidence=float(scores.category[row, category_index]), top=top,
            ))
        return predictions

    def route(self, text: str, k: int = 3) -> AgencyPrediction:
        return self.route_many([text], k)[0]

    def suggest_many(self, texts: list[str], k: int = 3) -> list[list[Suggestion]]:
        probabilities = self.predict_proba(texts)
        top = np.argsort(-probabilities, axis=1)[:, :k]
        return [
            [Suggestion(str(self.labels[j]), float(row[j])) for j in indices]
            for row, indices in zip(probabilities, top)
        ]

    def suggest(self, text: str, k: int = 3) -> list[Suggestion]:
        return self.suggest_many([text], k)[0]


def _without_pruned_terms(pipeline: Pipeline) -> Pipeline:
    """Drop each vectoriser's ``stop_words_``: every pruned n-gram, kept only for introspection, most of the file."""
    for _, vectorizer in pipeline.named_steps["features"].transformer_list:
        if hasattr(vectorizer, "stop_words_"):
            del vectorizer.stop_words_
    return pipeline


def fit(
    texts: list[str], labels: list[str], *, agencies: list[str | None] | None = None, name: str, source: str,
    category_defaults: dict[str, str] | None = None, progress: Callable[[str], None] | None = None,
) -> RoutingModel:
    """Fit the category pipeline and, with agency labels, the agency head, on every given row.

    ``agencies[i]`` is the agency slug of row i, or None when it has none (no label, or the agency
    refused it as outside its authority): such rows still teach the category. The model comes back
    uncalibrated (threshold ``NEVER``): `calibrate` it on rows it was not fitted on.
    """
    if len(texts) != len(labels) or not texts:
        raise ValueError("need as many labels as texts, and at least one")
    if agencies is not None and len(agencies) != len(texts):
        raise ValueError("need as many agency values as texts")
    if progress:
        progress("fitting the category model")
    pipeline = build_pipeline()
    steps = pipeline.named_steps
    features = steps["features"].fit_transform(steps["normalise"].transform(list(texts)))
    steps["classify"].fit(features, np.asarray(labels))
    head = None
    if agencies is not None and sum(a is not None for a in agencies) > 0:
        if progress:
            progress("fitting the agency classifiers")
        defaults = category_defaults if category_defaults is not None else directory_defaults()
        head = AgencyHead.fit(features, labels, agencies, defaults, TemperatureScaledClassifier)
    trained_at = datetime.now(UTC).replace(microsecond=0)
    digest = hashlib.sha256("\n".join(
        f"{text}\t{label}\t{agency or ''}"
        for text, label, agency in zip(texts, labels, agencies or [None] * len(texts))).encode()).hexdigest()[:8]
    summary = {"rows": len(texts), "per_label": dict(sorted(Counter(labels).items())), "source": source}
    if head is not None:
        summary["agency_rows"] = sum(a is not None for a in agencies)
        summary["per_agency"] = dict(sorted(Counter(a for a in agencies if a is not None).items()))
    return RoutingModel(
        pipeline=_without_pruned_terms(pipeline),
        name=name,
        version=f"{name}-{trained_at:%Y%m%d}-{digest}",
        trained_at=trained_at.isoformat(),
        threshold=NEVER,
        labels=[str(label) for label in steps["classify"].classes_],
        sklearn_version=sklearn.__version__,
        training_summary=summary,
        agency_head=head,
        threshold_level="agency" if head is not None else "category",
    )


def calibrate(
    model: RoutingModel, texts: list[str], labels: list[str], *, agencies: list[str | None] | None = None,
    source: str,
) -> RoutingModel:
    """Choose the auto-route threshold on rows the model was not fitted on, by the precision bound.

    An agency-level model counts an item right when it reaches the right agency; rows without an
    agency label are left out of that choice. The figures at the threshold (on these same rows)
    go to ``model.calibration``.
    """
    if model.agency_head is not None and agencies is not None:
        scored = np.array([a is not None for a in agencies])
        scores = model.agency_scores([t for t, keep in zip(texts, scored) if keep])
        predicted = np.asarray(scores.labels)[scores.best]
        correct = predicted == np.asarray([a for a in agencies if a is not None])
        confidence = scores.confidence
        level = "agency"
    else:
        if model.agency_head is not None:
            raise UncalibratedModel("an agency-level model needs agency labels to be calibrated")
        probabilities = model.predict_proba(texts)
        correct = np.asarray(model.labels)[probabilities.argmax(axis=1)] == np.asarray(labels)
        confidence = probabilities.max(axis=1)
        level = "category"
    model.threshold = bound_threshold(confidence, correct)
    model.threshold_level = level
    model.calibration = {
        "source": source, "level": level, "target_precision": TARGET_PRECISION,
        "bound_confidence": BOUND_CONFIDENCE, "threshold": model.threshold,
        **routed_figures(confidence, correct, model.threshold),
    }
    return model


def measure_reliability(model: RoutingModel, texts: list[str], agencies: list[str | None]) -> RoutingModel:
    """Set the agency head's per-agency reliability from held-out items with a true agency."""
    rows = [i for i, agency in enumerate(agencies) if agency is not None]
    scores = model.agency_scores([texts[i] for i in rows])
    correct = np.asarray(scores.labels)[scores.best] == np.asarray([agencies[i] for i in rows])
    margin = scores.confidence / model.agency_head.reliability[scores.best]
    model.agency_head.measure_reliability(scores.best, correct, margin, RELIABILITY_PRIOR)
    return model


def own_data_figures(model: RoutingModel) -> dict:
    """Cross-validated figures on the model's own training data, from the out-of-fold scores its
    classifiers computed anyway (tf-idf vocabulary fitted on all rows, so slightly optimistic)."""
    classify = model.pipeline.named_steps["classify"]
    figures = {"folds": CV_FOLDS, "macro_f1": getattr(classify, "oof_macro_f1_", float("nan")),
               "accuracy": getattr(classify, "oof_accuracy_", float("nan"))}
    if model.agency_head is not None:
        figures["agency_accuracy_direct_head"] = getattr(model.agency_head.direct, "oof_accuracy_", float("nan"))
    return figures


CALIBRATION_SHARE = 0.2
"""Without separate calibration data, this share of the rows (stratified, fixed seed) is held out for it."""


def split_for_calibration(labels: list[str], share: float = CALIBRATION_SHARE) -> tuple[np.ndarray, np.ndarray]:
    """(fit rows, calibration rows): stratified by label when every label has two rows."""
    indices = np.arange(len(labels))
    stratify = labels if min(Counter(labels).values()) >= 2 and len(labels) * share >= len(set(labels)) else None
    fit_rows, calibration_rows = train_test_split(indices, test_size=share, random_state=RANDOM_STATE, stratify=stratify)
    return np.sort(fit_rows), np.sort(calibration_rows)


def train(
    texts: list[str], labels: list[str], *, agencies: list[str | None] | None = None, name: str, source: str,
    calibration: tuple[list[str], list[str], list[str | None] | None] | None = None,
    calibration_source: str | None = None, category_defaults: dict[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> RoutingModel:
    """Fit, then calibrate on held-out rows and publish the figures there.

    With ``calibration`` (texts, labels, agencies) the model is fitted on all given rows and
    calibrated on those. Without, a stratified fifth of the rows is held out for it and the model
    shipped is the one fitted on the rest: a model refit on all rows would score new texts more
    confidently than the held-out ones the threshold was chosen on, letting more through.
    """
    if len(texts) != len(labels) or not texts:
        raise ValueError("need as many labels as texts, and at least one")
    if calibration is None:
        fit_rows, held_out = split_for_calibration(labels)
        pick = lambda values, rows: None if values is None else [values[i] for i in rows]
        calibration = (pick(texts, held_out), pick(labels, held_out), pick(agencies, held_out))
        calibration_source = calibration_source or f"held-out {CALIBRATION_SHARE:.0%} of the training data"
        texts, labels, agencies = pick(texts, fit_rows), pick(labels, fit_rows), pick(agencies, fit_rows)
    model = fit(texts, labels, agencies=agencies, name=name, source=source,
                category_defaults=category_defaults, progress=progress)
    if progress:
        progress("choosing the auto-route threshold on held-out rows")
    calibration_texts, calibration_labels, calibration_agencies = calibration
    calibrate(model, calibration_texts, calibration_labels, agencies=calibration_agencies,
              source=calibration_source or "calibration data")
    model.cv_metrics = evaluate(model, calibration_texts, calibration_labels, calibration_agencies)
    model.calibration["evaluated_on"] = "the calibration rows (the threshold was chosen on them)"
    model.corpus_metrics = own_data_figures(model)
    return model


def _metadata(model: RoutingModel) -> dict:
    return {
        "name": model.name, "version": model.version, "trained_at": model.trained_at,
        "threshold": model.threshold, "labels": model.labels, "sklearn_version": model.sklearn_version,
        "training_summary": model.training_summary, "cv_metrics": model.cv_metrics,
        "threshold_level": model.threshold_level, "calibration": model.calibration,
        "corpus_metrics": model.corpus_metrics, "agency_labels": model.agency_labels,
    }


def save(model: RoutingModel, path: Path, card_notes: str = "") -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"pipeline": model.pipeline, "metadata": _metadata(model)}
    if model.agency_head is not None:
        payload["agency"] = model.agency_head
    sio.dump(payload, path, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    write_model_card(model, path.with_suffix(".md"), card_notes)
    return path


TRUSTED_TYPES = frozenset({
    "suara.routing.normalize.TextNormalizer",
    "suara.routing.model.TemperatureScaledClassifier",
    "suara.routing.agency.AgencyHead",
    "sklearn.pipeline.Pipeline",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._ridge.RidgeClassifier",
    "sklearn.preprocessing._label.LabelBinarizer",
    "builtins.slice",
    "numpy.float64",
    "numpy.int64",
    "numpy.dtype",
    "numpy.str_",
    "scipy.sparse._csr.csr_matrix",
    "builtins.getattr",
})
"""Everything a Suara model file may contain beyond skops' own safe defaults."""


def load(path: Path) -> RoutingModel:
    path = Path(path)
    try:
        untrusted = set(sio.get_untrusted_types(file=path))
    except FileNotFoundError as error:
        raise ModelLoadError(f"no model file at {path}") from error
    except Exception as error:
        raise ModelLoadError(f"unreadable model file {path}: {error}") from error
    refused = untrusted - TRUSTED_TYPES
    if refused:
        raise ModelLoadError(f"{path} holds types Suara does not trust: {sorted(refused)}")
    try:
        payload = sio.load(path, trusted=sorted(untrusted))
        meta = dict(payload["metadata"])
        meta.pop("agency_labels", None)  # derived from the agency head
        return RoutingModel(pipeline=payload["pipeline"], agency_head=payload.get("agency"), **meta)
    except Exception as error:
        raise ModelLoadError(f"unreadable model file {path}: {error}") from error


def _figure(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def write_model_card(model: RoutingModel, path: Path, notes: str = "") -> None:
    metrics = model.cv_metrics
    calibration = model.calibration
    out = io.StringIO()
    out.write(f"# Routing model `{model.name}`\n\n")
    out.write(f"- Version: `{model.version}`\n- Trained: {model.trained_at}\n")
    out.write(f"- scikit-learn: {model.sklearn_version}\n")
    out.write(f"- Training data: {model.training_summary['rows']} rows from {model.training_summary['source']}")
    if model.agency_head is not None:
        out.write(f"; {model.training_summary.get('agency_rows', 0)} of them with an agency label, "
                  f"{len(model.agency_labels)} agencies\n")
    else:
        out.write("; no agency labels: the agency is the category's default agency\n")
    if calibration:
        out.write(f"- Auto-route threshold: {model.threshold:.3f} at the **{model.threshold_level}** level, chosen on "
                  f"{calibration.get('items', 0)} items of {calibration['source']} (not fitted on) so that the one-sided "
                  f"{calibration['bound_confidence']:.0%} Clopper–Pearson lower bound of the precision of the items "
                  f"at or above it is ≥ {calibration['target_precision']:.0%} (there: coverage "
                  f"{calibration['auto_route_coverage']:.3f}, precision {calibration['auto_route_precision']:.3f}, "
                  f"bound {calibration['auto_route_precision_lower_bound']:.3f})\n\n")
    else:
        out.write("- Auto-route threshold: none chosen (uncalibrated): nothing routes without a person\n\n")
    out.write("Pipeline: normalisation (lower case; URLs, e-mails, phones, NIK and numbers masked; slang "
              "and Javanese mapped; salutations removed; long texts cut to 160 words) → tf-idf words 1–2 + char_wb 3–5 → "
              "RidgeClassifier(alpha=1, balanced) → temperature-scaled softmax (calibrated on out-of-fold scores)")
    if model.agency_head is not None:
        out.write("; agency = mean of a direct agency classifier and Σ P(category)·P(agency | category); the "
                  "auto-route confidence is the margin of the top agency over the runner-up times that agency's "
                  "reliability (how often its predictions were right)")
    out.write(".\n\n")
    if notes:
        out.write(notes.rstrip() + "\n\n")
    if metrics:
        out.write(f"## Figures on held-out items ({calibration.get('evaluated_on', 'held-out items')})\n\n"
                  "| figure | value |\n|---|---|\n")
        for key in ("n", "macro_f1", "accuracy", "top3_accuracy", "agency_items", "agency_accuracy",
                    "agency_macro_f1", "agency_top3_accuracy", "auto_route_level", "auto_route_coverage",
                    "auto_route_precision", "auto_route_precision_lower_bound", "triage_top3_accuracy",
                    "expected_calibration_error"):
            if key in metrics:
                out.write(f"| {key} | {_figure(metrics[key])} |\n")
        out.write("\n## Per category\n\n| category | training rows | precision | recall | F1 |\n|---|---|---|---|---|\n")
        for label, values in sorted(metrics["per_class"].items()):
            out.write(f"| {label} | {model.training_summary['per_label'].get(label, 0)} | {values['precision']:.3f} | "
                      f"{values['recall']:.3f} | {values['f1']:.3f} |\n")
    if model.corpus_metrics:
        corpus = model.corpus_metrics
        out.write(f"\n## Own-corpus figures ({corpus['folds']}-fold cross-validation on the training data)\n\n"
                  "Texts written like the training texts are easier than real complaints: these figures are "
                  "not a promise about real complaints (the figures above are).\n\n| figure | value |\n|---|---|\n")
        for key in ("macro_f1", "accuracy", "agency_accuracy_direct_head"):
            if key in corpus:
                out.write(f"| {key} | {corpus[key]:.3f} |\n")
    out.write("\n## Reproduce\n\n```sh\nsuara train --data FILE.csv --out models/NAME.skops\n"
              "# the shipped model (seed corpus; threshold from the first half of the real complaints):\n"
              "suara train --seed-corpus --calibration ../shared/data/complaints/dev.csv --calibrate-on-first-half \\\n"
              "    --out models/default.skops --name default\n"
              "suara evaluate --data ../shared/data/complaints/dev.csv --half second --json\n```\n")
    path.write_text(out.getvalue(), encoding="utf-8")
