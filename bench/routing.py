"""Routing quality on real LaporGub complaints: category and agency, with the auto-route guarantee.

Usage: python bench/routing.py [--data-dir ../shared/data/complaints] [--skip-lg24]

dev.csv, 5-fold stratified cross-validation by category (random_state=42). Each fold fits the
model exactly as `suara train` does (`suara.routing.model.fit`: category pipeline + agency head)
on the training folds and scores the held-out fold. Agency labels are dev.csv's `agency` mapped
onto the directory; rows with status "Laporan Bukan Wewenang" train and score the category only.

- category: macro-F1 (fold mean), accuracy, against the SOURCE.md baseline (LinearSVC) on the same folds
- agency: accuracy, macro-F1 over the model's agencies, top-3; and "category → default agency"
  (the directory's map, today's fallback) on the same folds
- auto-routing, with a threshold chosen on items the model was not fitted on: the held-out rows
  of every fold are split in two fixed halves (seed 42); the threshold is the lowest confidence at
  which the one-sided 95 % Clopper–Pearson lower bound of the agency-level precision of half A's
  items above it is ≥ 0.95, judged on half B, and the other way round. Coverage, precision, its
  bound and the top-3 of the items left to people are those of the judged halves.
- refit vs fold: `suara train` without calibration data fits on 80 % of its rows and calibrates on
  the other 20 %. Applying that threshold to a model refit on all rows lets more through: both are
  scored on the held-out fold.
- single-prediction latency (the whole agency decision) and batched throughput.

dev.csv is read from its shared path only; no complaint text is printed or written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from suara.agencies.names import directory_defaults
from suara.routing.calibration import bound_threshold, routed_figures
from suara.routing.evaluate import agency_figures, expected_calibration_error
from suara.routing.model import RANDOM_STATE, calibrate, fit, split_for_calibration
from suara.routing.training import read_routing_csv

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "complaints"


def baseline() -> Pipeline:
    return Pipeline([
        ("features", FeatureUnion([
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2)),
        ])),
        ("classify", LinearSVC(C=0.5, class_weight="balanced")),
    ])


def split_halves(fold_of: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """0/1 per row of ``rows``: each fold's rows split in two random halves (seed 42)."""
    rng = np.random.default_rng(RANDOM_STATE)
    half = np.zeros(len(rows), dtype=int)
    for fold in np.unique(fold_of[rows]):
        members = np.flatnonzero(fold_of[rows] == fold)
        half[rng.permutation(members)[: len(members) // 2]] = 1
    return half


def cross_validate(data, *, refit_check: bool = True) -> dict:
    texts = np.asarray(data.texts, dtype=object)
    labels = np.asarray(data.labels)
    agencies = np.asarray(data.agencies if data.agencies is not None else [None] * len(texts), dtype=object)
    scored = np.array([a is not None for a in agencies])
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=RANDOM_STATE)
    defaults = directory_defaults()
    n = len(texts)
    category_predicted = np.empty(n, dtype=object)
    category_confidence = np.zeros(n)
    agency_predicted = np.empty(n, dtype=object)
    agency_top3: list = [None] * n
    confidence = np.zeros(n)
    default_agency = np.empty(n, dtype=object)
    fold_of = np.zeros(n, dtype=int)
    per_fold = {"f1": [], "acc": [], "baseline_f1": [], "baseline_acc": []}
    refit = {"sub": ([], []), "refit": ([], [])}
    model = None
    for fold, (train_rows, test_rows) in enumerate(folds.split(texts, labels), start=1):
        started = time.perf_counter()
        train_agencies = list(agencies[train_rows]) if data.agencies is not None else None
        model = fit(list(texts[train_rows]), list(labels[train_rows]), agencies=train_agencies,
                    name="bench", source=f"fold {fold}")
        held_out = list(texts[test_rows])
        probabilities = model.predict_proba(held_out)
        category_predicted[test_rows] = np.asarray(model.labels)[probabilities.argmax(axis=1)]
        category_confidence[test_rows] = probabilities.max(axis=1)
        default_agency[test_rows] = [defaults.get(c) for c in category_predicted[test_rows]]
        if model.agency_head is not None:
            for row, prediction in zip(test_rows, model.route_many(held_out)):
                agency_predicted[row] = prediction.agency
                agency_top3[row] = [s.agency for s in prediction.top]
                confidence[row] = prediction.confidence
        fold_of[test_rows] = fold
        truth = labels[test_rows]
        per_fold["f1"].append(f1_score(truth, category_predicted[test_rows], average="macro"))
        per_fold["acc"].append(accuracy_score(truth, category_predicted[test_rows]))
        reference = baseline().fit(list(texts[train_rows]), labels[train_rows]).predict(held_out)
        per_fold["baseline_f1"].append(f1_score(truth, reference, average="macro"))
        per_fold["baseline_acc"].append(accuracy_score(truth, reference))
        if refit_check and model.agency_head is not None:
            # `suara train` without calibration data: fit on 80 %, threshold on the other 20 %.
            fit_part, calibration_part = split_for_calibration(list(labels[train_rows]))
            inner = [train_rows[i] for i in fit_part]
            calibration_rows = [train_rows[i] for i in calibration_part]
            sub = fit(list(texts[inner]), list(labels[inner]), agencies=list(agencies[inner]),
                      name="bench-sub", source=f"fold {fold}, 80 %")
            calibrate(sub, list(texts[calibration_rows]), list(labels[calibration_rows]),
                      agencies=list(agencies[calibration_rows]), source="the other 20 %")
            judged = [row for row in test_rows if scored[row]]
            for key, which in (("sub", sub), ("refit", model)):
                predictions = which.route_many(list(texts[judged]))
                refit[key][0].extend(p.confidence >= sub.threshold for p in predictions)
                refit[key][1].extend(p.agency == agencies[row] for p, row in zip(predictions, judged))
        print(f"  fold {fold}: category macro-F1 {per_fold['f1'][-1]:.3f} (baseline {per_fold['baseline_f1'][-1]:.3f}), "
              f"{time.perf_counter() - started:.0f} s", flush=True)

    result = {
        "rows": n,
        "category_macro_f1": float(np.mean(per_fold["f1"])),
        "category_macro_f1_std": float(np.std(per_fold["f1"])),
        "category_accuracy": float(np.mean(per_fold["acc"])),
        "baseline_macro_f1": float(np.mean(per_fold["baseline_f1"])),
        "baseline_accuracy": float(np.mean(per_fold["baseline_acc"])),
        "category_calibration_error": expected_calibration_error(
            category_confidence, (category_predicted == labels).astype(float)),
    }
    if model is None or model.agency_head is None:
        return result | {"model": model}

    truth = agencies[scored]
    half = split_halves(fold_of, np.flatnonzero(scored))
    correct = agency_predicted[scored] == truth
    routed = np.zeros(len(truth), dtype=bool)
    thresholds = []
    for calibrate_on in (0, 1):
        on, judged = half == calibrate_on, half != calibrate_on
        threshold = bound_threshold(confidence[scored][on], correct[on])
        thresholds.append(threshold)
        routed[judged] = confidence[scored][judged] >= threshold
    figures = agency_figures(agency_predicted[scored], truth, [agency_top3[i] for i in np.flatnonzero(scored)],
                             np.where(routed, 1.0, 0.0), 0.5, model.agency_labels)
    result |= {
        "scored_rows": int(scored.sum()),
        "agency_accuracy": figures["agency_accuracy"],
        "agency_macro_f1": figures["agency_macro_f1"],
        "agency_top3_accuracy": figures["agency_top3_accuracy"],
        "default_agency_accuracy": float(np.mean(default_agency[scored] == truth)),
        "auto_route_coverage": figures["auto_route_coverage"],
        "auto_route_precision": figures["auto_route_precision"],
        "auto_route_precision_lower_bound": figures["auto_route_precision_lower_bound"],
        "triage_top3_accuracy": figures["triage_top3_accuracy"],
        "thresholds": thresholds,
    }
    if refit_check:
        for key in ("sub", "refit"):
            chosen, right = np.asarray(refit[key][0], dtype=bool), np.asarray(refit[key][1], dtype=bool)
            result[f"{key}_threshold"] = routed_figures(chosen.astype(float), right, 0.5)
    return result | {"model": model}


def report(title: str, result: dict) -> None:
    print(f"\n{title}")
    print(f"  {'':40}{'suara':>10}{'baseline':>10}")
    print(f"  {'category macro-F1 (fold mean)':40}{result['category_macro_f1']:10.3f}{result['baseline_macro_f1']:10.3f}"
          f"   ± {result['category_macro_f1_std']:.3f}")
    print(f"  {'category accuracy':40}{result['category_accuracy']:10.3f}{result['baseline_accuracy']:10.3f}")
    print(f"  {'category calibration error':40}{result['category_calibration_error']:10.3f}")
    if "agency_accuracy" not in result:
        return
    print(f"\n  agency level, {result['scored_rows']} scored rows ('Laporan Bukan Wewenang' left out)")
    print(f"  {'agency accuracy':40}{result['agency_accuracy']:10.3f}   (category → default agency: "
          f"{result['default_agency_accuracy']:.3f})")
    print(f"  {'agency macro-F1':40}{result['agency_macro_f1']:10.3f}")
    print(f"  {'agency top-3 accuracy':40}{result['agency_top3_accuracy']:10.3f}")
    print("  auto-routing, threshold chosen on one half of the held-out rows, judged on the other:")
    print(f"  {'  auto-routed share':40}{result['auto_route_coverage']:10.3f}")
    print(f"  {'  agency precision of auto-routed':40}{result['auto_route_precision']:10.3f}")
    print(f"  {'  its 95 % lower bound (Clopper–Pearson)':40}{result['auto_route_precision_lower_bound']:10.3f}")
    print(f"  {'  right agency in top 3 of items left':40}{result['triage_top3_accuracy']:10.3f}")
    print(f"  {'  thresholds (half A, half B)':40}{', '.join(f'{t:.3f}' for t in result['thresholds'])}")
    if "sub_threshold" in result:
        sub, refit = result["sub_threshold"], result["refit_threshold"]
        print("  refit vs fold: threshold chosen on 20 % of the training folds held out from an 80 % model,")
        print("  applied on the held-out fold to that 80 % model (as `suara train` ships it) and to a model refit on all:")
        for name, figures in (("80 % model (calibrated)", sub), ("refit on 100 %", refit)):
            print(f"  {'  ' + name:40}coverage {figures['auto_route_coverage']:.3f}, precision "
                  f"{figures['auto_route_precision']:.3f}, bound {figures['auto_route_precision_lower_bound']:.3f}")


def latency(model, texts: list[str]) -> dict:
    """Wall-clock and CPU time of one whole agency decision per call; CPU time is what a loaded,
    shared machine does not inflate (the wall figures then include waiting for a core)."""
    sample = texts[:1000]
    decide = model.route if model.agency_head is not None else model.suggest
    for text in sample[:50]:
        decide(text)
    wall, cpu = [], []
    for text in sample:
        started, started_cpu = time.perf_counter(), time.thread_time()
        decide(text)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    if model.agency_head is not None:
        model.route_many(sample)
    else:
        model.suggest_many(sample)
    batched = (time.perf_counter() - started) * 1000 / len(sample)
    figures = {"p50_ms": float(np.percentile(wall, 50)), "p99_ms": float(np.percentile(wall, 99)),
               "cpu_p50_ms": float(np.percentile(cpu, 50)), "cpu_p99_ms": float(np.percentile(cpu, 99)),
               "batched_ms": batched, "load_average": os.getloadavg()[0]}
    print(f"\nprediction latency (whole agency decision): single p50 {figures['p50_ms']:.2f} ms, "
          f"p99 {figures['p99_ms']:.2f} ms (CPU time p50 {figures['cpu_p50_ms']:.2f} ms, p99 {figures['cpu_p99_ms']:.2f} ms; "
          f"load average {figures['load_average']:.1f}); batched {batched:.3f} ms per item")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--skip-lg24", action="store_true", help="Only the raw-text dataset (faster).")
    parser.add_argument("--skip-refit-check", action="store_true",
                        help="Leave out the refit-vs-fold measurement (one more fit per fold).")
    args = parser.parse_args()
    primary = args.data_dir / "dev.csv"
    if not primary.exists():
        sys.exit(f"{primary} not found: this benchmark needs the shared LaporGub data (see SOURCE.md).")
    started = time.perf_counter()
    data = read_routing_csv(primary)
    print(f"LG18 dev.csv: {len(data)} complaints, {len(set(data.labels))} categories, "
          f"{len({a for a in data.agencies if a})} agencies (every name mapped onto the directory)")
    result = cross_validate(data, refit_check=not args.skip_refit_check)
    model = result.pop("model")
    report("LG18 (raw text), 5-fold CV, seed 42", result)
    result["latency"] = latency(model, data.texts)
    targets = {
        "agency accuracy ≥ 0.68": result["agency_accuracy"] >= 0.68,
        "category macro-F1 ≥ 0.74": result["category_macro_f1"] >= 0.74,
        "auto-route bound ≥ 0.95 with ≥ 25 % routed": result["auto_route_precision_lower_bound"] >= 0.95
        and result["auto_route_coverage"] >= 0.25,
        "top-3 of items left ≥ 0.80": result["triage_top3_accuracy"] >= 0.80,
        "single prediction p99 < 2 ms": result["latency"]["p99_ms"] < 2.0,
    }
    print("\ntargets: " + "; ".join(f"{name}: {'yes' if held else 'NO'}" for name, held in targets.items()))

    secondary = args.data_dir / "dev_laporgub2024_tokens.csv"
    if not args.skip_lg24 and secondary.exists():
        lg24 = read_routing_csv(secondary)
        print(f"\nLG24 tokens: {len(lg24)} complaints, {len(set(lg24.labels))} categories (no agencies)")
        lg24_result = cross_validate(lg24, refit_check=False)
        lg24_result.pop("model")
        report("LG24 (pre-tokenised), 5-fold CV, seed 42", lg24_result)
        result["lg24"] = lg24_result
    print(f"\nrun time {time.perf_counter() - started:.0f} s")
    print(json.dumps({key: (round(value, 4) if isinstance(value, float) else value) for key, value in result.items()},
                     default=lambda value: round(value, 4) if isinstance(value, float) else str(value)))


if __name__ == "__main__":
    main()
