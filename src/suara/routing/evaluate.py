"""Routing quality figures, computed the same way by `suara train`, `suara evaluate` and the bench."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from suara.agencies.names import directory_defaults
from suara.routing.calibration import clopper_pearson_lower

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
        "auto_route_precision_lower_bound": clopper_pearson_lower(int(correct[auto].sum()), int(auto.sum())),
        "triage_top3_accuracy": float(np.mean([t in row for t, row in zip(truth[~auto], top3[~auto])]))
        if (~auto).any() else 1.0,
        "expected_calibration_error": expected_calibration_error(top, correct),
        "per_class": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for label, p, r, f, s in zip(classes, precision, recall, f1, support)
        },
    }


def agency_figures(predicted, truth, top3, confidence, threshold: float, agency_labels: list[str]) -> dict:
    """Agency-level figures of the rows that have a true agency; auto-route figures at ``threshold``."""
    predicted, truth, confidence = np.asarray(predicted), np.asarray(truth), np.asarray(confidence)
    correct = predicted == truth
    in_top3 = np.array([t in row for t, row in zip(truth, top3)], dtype=bool)
    auto = confidence >= threshold
    hits, routed = int(correct[auto].sum()), int(auto.sum())
    scored_labels = sorted(set(agency_labels) & (set(truth.tolist()) | set(predicted.tolist())))
    return {
        "agency_items": len(truth),
        "agency_accuracy": float(correct.mean()) if len(truth) else 0.0,
        "agency_macro_f1": float(f1_score(truth, predicted, labels=scored_labels, average="macro", zero_division=0))
        if scored_labels else 0.0,
        "agency_top3_accuracy": float(in_top3.mean()) if len(truth) else 0.0,
        "auto_route_level": "agency",
        "auto_route_coverage": float(auto.mean()) if len(truth) else 0.0,
        "auto_route_precision": hits / routed if routed else 0.0,
        "auto_route_precision_lower_bound": clopper_pearson_lower(hits, routed),
        "triage_top3_accuracy": float(in_top3[~auto].mean()) if (~auto).any() else 1.0,
    }


def evaluate(model, texts: list[str], truth: list[str], agencies: list[str | None] | None = None) -> dict:
    """Figures of a trained model on labelled texts, at the model's own threshold.

    With true agencies (None where a row has none) and an agency-level model, the auto-route
    figures are agency-level: an automatic route is right when it reached the right agency.
    """
    probabilities = model.predict_proba(texts)
    metrics = metrics_from_probabilities(model.labels, probabilities, truth, model.threshold)
    metrics["auto_route_level"] = "category"
    if model.agency_head is None:
        if agencies is not None:
            # A category-only model sends each item to its category's default agency.
            defaults = directory_defaults()
            rows = [i for i, agency in enumerate(agencies) if agency is not None]
            order = np.argsort(-probabilities[rows], axis=1)
            labels = np.asarray(model.labels)
            top3 = [list(dict.fromkeys(defaults.get(c) for c in labels[row]))[:3] for row in order]
            metrics.update(agency_figures(
                [agencies_of[0] for agencies_of in top3], [agencies[i] for i in rows], top3,
                probabilities[rows].max(axis=1), model.threshold, sorted(set(defaults.values())),
            ))
        return metrics
    if agencies is None:
        # No true agencies: judge each automatic route by the category of the agency it chose.
        predictions = model.route_many(list(texts))
        confidence = np.array([p.confidence for p in predictions])
        correct = np.array([p.category == t for p, t in zip(predictions, truth)])
        auto = confidence >= model.threshold
        hits, routed = int(correct[auto].sum()), int(auto.sum())
        metrics.update(auto_route_coverage=float(auto.mean()), auto_route_precision=hits / routed if routed else 0.0,
                       auto_route_precision_lower_bound=clopper_pearson_lower(hits, routed))
        return metrics
    rows = [i for i, agency in enumerate(agencies) if agency is not None]
    predictions = model.route_many([texts[i] for i in rows]) if rows else []
    metrics.update(agency_figures(
        [p.agency for p in predictions], [agencies[i] for i in rows], [[s.agency for s in p.top] for p in predictions],
        [p.confidence for p in predictions], model.threshold, model.agency_labels,
    ))
    return metrics


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
    ]
    lines.insert(7, f"auto-route bound (95%) {metrics['auto_route_precision_lower_bound']:.3f}"
                    f" ({metrics.get('auto_route_level', 'category')} level)")
    if "agency_accuracy" in metrics:
        lines += [
            f"agency items          {metrics['agency_items']}",
            f"agency accuracy       {metrics['agency_accuracy']:.3f}",
            f"agency macro-F1       {metrics['agency_macro_f1']:.3f}",
            f"agency top-3 accuracy {metrics['agency_top3_accuracy']:.3f}",
        ]
    lines += [
        "",
        f"{'category':28} {'precision':>9} {'recall':>7} {'F1':>6} {'n':>5}",
    ]
    for label, values in sorted(metrics["per_class"].items()):
        lines.append(f"{label:28} {values['precision']:9.3f} {values['recall']:7.3f} {values['f1']:6.3f} {values['support']:5d}")
    return "\n".join(lines)
