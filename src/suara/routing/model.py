"""The routing model: a scikit-learn pipeline from text to a calibrated category probability.

normalise → tf-idf of words (1–2-grams) and characters (3–5-grams) → ridge classifier, whose
scores a temperature-scaled softmax turns into probabilities. The temperature is fitted on
out-of-fold scores, so the probabilities are calibrated while the ridge's ranking (and so its
accuracy) is kept. Files are written and read with skops; only allow-listed types load.
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
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline

from suara.routing.evaluate import metrics_from_probabilities
from suara.routing.normalize import TextNormalizer

TARGET_PRECISION = 0.95
CV_FOLDS = 5
RANDOM_STATE = 42


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
        scores = cross_val_predict(clone(self._base()), features, labels, cv=folds, method="decision_function")
        self.classes_ = np.unique(labels)
        truth = np.searchsorted(self.classes_, labels)

        def negative_log_likelihood(log_temperature: float) -> float:
            scaled = scores / np.exp(log_temperature)
            return -float(np.mean(log_softmax(scaled, axis=1)[np.arange(len(truth)), truth]))

        result = minimize_scalar(negative_log_likelihood, bounds=(-8.0, 3.0), method="bounded")
        self.temperature_ = float(np.exp(result.x))
        self.estimator_ = clone(self._base()).fit(features, labels)
        return self

    def decision_function(self, features):
        # X @ W with W stored row-major: sklearn's coef_.T would copy every weight on each call.
        weights = getattr(self, "_row_major_weights", None)
        if weights is None:
            weights = self._row_major_weights = np.ascontiguousarray(self.estimator_.coef_.T)
        return np.asarray(features @ weights) + self.estimator_.intercept_

    def predict_proba(self, features):
        return softmax(self.decision_function(features) / self.temperature_, axis=1)

    def predict(self, features):
        return self.classes_[np.argmax(self.decision_function(features), axis=1)]


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
    """The lowest confidence at which the items at or above it are at least ``target`` precise.

    Walking down the sorted confidences, the threshold is the last point where the running
    precision still meets the target; with no such point nothing is auto-routed (threshold > 1).
    """
    order = np.argsort(-probabilities_top, kind="stable")
    sorted_top = probabilities_top[order]
    running_precision = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    meets = np.flatnonzero(running_precision >= target_precision)
    if len(meets) == 0:
        return 1.0 + 1e-9
    last = meets[-1]
    # Items tied with the last kept one would also pass the threshold; stay above them if they are wrong.
    while last + 1 < len(sorted_top) and sorted_top[last + 1] == sorted_top[last] and running_precision[last + 1] < target_precision:
        last -= 1
        if last < 0:
            return 1.0 + 1e-9
    return float(sorted_top[last])


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

    def predict_proba(self, texts) -> np.ndarray:
        """The pipeline's own fitted steps, called directly to skip FeatureUnion's joblib overhead."""
        steps = self.pipeline.named_steps
        # The fitted pipeline validated its inputs when it was trained; re-checking costs more than predicting.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            normalised = steps["normalise"].transform(list(texts))
            features = scipy.sparse.hstack(
                [vectorizer.transform(normalised) for _, vectorizer in steps["features"].transformer_list],
                format="csr",
            )
            return steps["classify"].predict_proba(features)

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


def out_of_fold_probabilities(
    texts: list[str], labels: list[str], *, folds: int = CV_FOLDS, progress: Callable[[str], None] | None = None
) -> tuple[list[str], np.ndarray]:
    """Cross-validated probabilities of build_pipeline() for every training text."""
    y = np.asarray(labels)
    classes = sorted(set(labels))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=RANDOM_STATE)
    probabilities = np.zeros((len(texts), len(classes)))
    text_array = np.asarray(texts, dtype=object)
    for fold, (train, test) in enumerate(splitter.split(text_array, y), start=1):
        if progress:
            progress(f"cross-validation fold {fold}/{folds}")
        pipeline = build_pipeline().fit(list(text_array[train]), y[train])
        fold_classes = list(pipeline.classes_)
        columns = [classes.index(c) for c in fold_classes]
        probabilities[np.ix_(test, columns)] = pipeline.predict_proba(list(text_array[test]))
    return classes, probabilities


def train(
    texts: list[str], labels: list[str], *, name: str, source: str,
    progress: Callable[[str], None] | None = None,
) -> RoutingModel:
    """Fit the pipeline on everything; pick the auto-route threshold and the metrics by cross-validation."""
    if len(texts) != len(labels) or not texts:
        raise ValueError("need as many labels as texts, and at least one")
    classes, probabilities = out_of_fold_probabilities(texts, labels, progress=progress)
    top = probabilities.max(axis=1)
    predicted = np.asarray(classes)[probabilities.argmax(axis=1)]
    threshold = choose_threshold(top, predicted == np.asarray(labels))
    cv_metrics = metrics_from_probabilities(classes, probabilities, labels, threshold)
    if progress:
        progress("fitting the final model on all data")
    pipeline = _without_pruned_terms(build_pipeline().fit(texts, labels))
    trained_at = datetime.now(UTC).replace(microsecond=0)
    digest = hashlib.sha256("\n".join(f"{text}\t{label}" for text, label in zip(texts, labels)).encode()).hexdigest()[:8]
    return RoutingModel(
        pipeline=pipeline,
        name=name,
        version=f"{name}-{trained_at:%Y%m%d}-{digest}",
        trained_at=trained_at.isoformat(),
        threshold=threshold,
        labels=[str(label) for label in pipeline.classes_],
        sklearn_version=sklearn.__version__,
        training_summary={"rows": len(texts), "per_label": dict(sorted(Counter(labels).items())), "source": source},
        cv_metrics=cv_metrics,
    )


def _metadata(model: RoutingModel) -> dict:
    return {
        "name": model.name, "version": model.version, "trained_at": model.trained_at,
        "threshold": model.threshold, "labels": model.labels, "sklearn_version": model.sklearn_version,
        "training_summary": model.training_summary, "cv_metrics": model.cv_metrics,
    }


def save(model: RoutingModel, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sio.dump({"pipeline": model.pipeline, "metadata": _metadata(model)}, path,
             compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    write_model_card(model, path.with_suffix(".md"))
    return path


TRUSTED_TYPES = frozenset({
    "suara.routing.normalize.TextNormalizer",
    "suara.routing.model.TemperatureScaledClassifier",
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
        meta = payload["metadata"]
        return RoutingModel(pipeline=payload["pipeline"], **meta)
    except Exception as error:
        raise ModelLoadError(f"unreadable model file {path}: {error}") from error


def write_model_card(model: RoutingModel, path: Path) -> None:
    metrics = model.cv_metrics
    out = io.StringIO()
    out.write(f"# Routing model `{model.name}`\n\n")
    out.write(f"- Version: `{model.version}`\n- Trained: {model.trained_at}\n")
    out.write(f"- scikit-learn: {model.sklearn_version}\n")
    out.write(f"- Training data: {model.training_summary['rows']} rows from {model.training_summary['source']}\n")
    out.write(f"- Auto-route threshold: {model.threshold:.3f} (chosen by {CV_FOLDS}-fold cross-validation "
              f"for ≥ {TARGET_PRECISION:.0%} precision of auto-routed items)\n\n")
    out.write("Pipeline: normalisation (lower case; URLs, e-mails, phones, NIK and numbers masked; slang "
              "and Javanese mapped; salutations removed; long texts cut to 160 words) → tf-idf words 1–2 + char_wb 3–5 → "
              "RidgeClassifier(alpha=1, balanced) → temperature-scaled softmax (calibrated on out-of-fold scores).\n\n")
    if metrics:
        out.write("## Cross-validated figures\n\n| figure | value |\n|---|---|\n")
        for key in ("macro_f1", "accuracy", "top3_accuracy", "auto_route_coverage", "auto_route_precision",
                    "expected_calibration_error"):
            if key in metrics:
                out.write(f"| {key} | {metrics[key]:.3f} |\n")
        out.write("\n## Per category\n\n| category | training rows | precision | recall | F1 |\n|---|---|---|---|---|\n")
        for label, values in sorted(metrics["per_class"].items()):
            out.write(f"| {label} | {model.training_summary['per_label'].get(label, 0)} | {values['precision']:.3f} | "
                      f"{values['recall']:.3f} | {values['f1']:.3f} |\n")
    out.write("\n## Reproduce\n\n```sh\nsuara train --data FILE.csv --out models/NAME.skops\n```\n")
    path.write_text(out.getvalue(), encoding="utf-8")
