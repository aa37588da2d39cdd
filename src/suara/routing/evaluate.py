"""Routing quality figures, computed the same way by `suara train`, `suara evaluate` and the bench."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

CALIBRATION_BINS = 10


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = CALIBRATION_BINS) -> float:
    """Average gap between stated confidence and observed accuracy, weighted by bin size."""
    edges = np.linspace(0, 1, bins + 1)
    error = 0.0
    for low, high in zip(edges[:-1], edges[1:]):
        in_bin = (confidence > low) & (confidence <= high)
        if in_bin.any():
            error += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(error)


def metrics_from_probabilities(labels: list[str], probabilities: np.ndarray, truth, threshold: float) -> dict:
    """Every published figure from a probability matrix (columns in ``labels`` order)."""
    truth = np.asarray(list(truth))
    label_array = np.asarray(labels)
    predicted = label_array[probabilities.argmax(axis=1)]
    top = probabilities.max(axis=1)
    correct = predicted == truth
    top3 = label_array[np.argsort(-probabilities, axis=1)[:, :3]]
    auto = top >= threshold
    classes = sorted(set(labels) | set(truth))
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=classes, zero_division=0)
    return {
        "n": len(truth),
        "macro_f1": float(f1_score(truth, predicted, labels=classes, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(truth, predicted)),
        "top3_accuracy": float(np.mean([t in row for t, row in zip(truth, top3)])),
        "threshold": float(threshold),
        "auto_route_coverage": float(auto.mean()),
        "auto_route_precision": float(correct[auto].mean()) if auto.any() else 0.0,
        "triage_top3_accuracy": float(np.mean([t in row for t, row in zip(truth[~auto], top3[~auto])]))
        if (~auto).any() else 1.0,
        "expected_calibration_error": expected_calibration_error(top, correct),
        "per_class": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for label, p, r, f, s in zip(classes, precision, recall, f1, support)
        },
    }


def evaluate(model, texts: list[str], truth: list[str]) -> dict:
    """Figures of a trained model on labelled texts, at the model's own threshold."""
    return metrics_from_probabilities(model.labels, model.predict_proba(texts), truth, model.threshold)


def format_report(metrics: dict) -> str:
    lines = [
        f"items                 {metrics['n']}",
        f"macro-F1              {metrics['macro_f1']:.3f}",
        f"accuracy              {metrics['accuracy']:.3f}",
        f"top-3 accuracy        {metrics['top3_accuracy']:.3f}",
        f"auto-route threshold  {metrics['threshold']:.3f}",
        f"auto-route coverage   {metrics['auto_route_coverage']:.3f}",
        f"auto-route precision  {metrics['auto_route_precision']:.3f}",
        f"triage top-3 accuracy {metrics['triage_top3_accuracy']:.3f}",
        f"calibration error     {metrics['expected_calibration_error']:.3f}",
        "",
        f"{'category':28} {'precision':>9} {'recall':>7} {'F1':>6} {'n':>5}",
    ]
    for label, values in sorted(metrics["per_class"].items()):
        lines.append(f"{label:28} {values['precision']:9.3f} {values['recall']:7.3f} {values['f1']:6.3f} {values['support']:5d}")
    return "\n".join(lines)
