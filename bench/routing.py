"""Routing quality on real LaporGub complaints: Suara's pipeline against the SOURCE.md baseline.

Usage: python bench/routing.py [--data-dir ../shared/data/complaints] [--skip-lg24]
5-fold stratified cross-validation (random_state=42) of the pipeline exactly as `suara train`
builds it; the auto-route threshold is chosen inside each training fold only (by `train`'s own
inner cross-validation). The baseline (tf-idf word 1–2 + char_wb 3–5, LinearSVC C=0.5 balanced)
runs on the same folds in the same run. Also prints single and batched prediction latency.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from suara.routing.evaluate import expected_calibration_error
from suara.routing.model import RANDOM_STATE, train
from suara.routing.training import read_labelled_csv

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "complaints"


def baseline() -> Pipeline:
    return Pipeline([
        ("features", FeatureUnion([
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2)),
        ])),
        ("classify", LinearSVC(C=0.5, class_weight="balanced")),
    ])


def cross_validate(texts: list[str], labels: list[str], name: str) -> tuple[dict, dict, object]:
    x = np.asarray(texts, dtype=object)
    y = np.asarray(labels)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=RANDOM_STATE)
    ours = {"f1": [], "acc": [], "top3": [], "auto": [], "auto_correct": [], "conf": [], "correct": [],
            "triage_top3": []}
    base = {"f1": [], "acc": []}
    model = None
    for fold, (train_idx, test_idx) in enumerate(folds.split(x, y), start=1):
        started = time.perf_counter()
        model = train(list(x[train_idx]), list(y[train_idx]), name=name, source=f"fold {fold}")
        probabilities = model.predict_proba(list(x[test_idx]))
        labels_array = np.asarray(model.labels)
        predicted = labels_array[probabilities.argmax(axis=1)]
        truth = y[test_idx]
        top = probabilities.max(axis=1)
        top3 = labels_array[np.argsort(-probabilities, axis=1)[:, :3]]
        ours["f1"].append(f1_score(truth, predicted, average="macro"))
        ours["acc"].append(accuracy_score(truth, predicted))
        ours["top3"].append(np.mean([t in row for t, row in zip(truth, top3)]))
        auto = top >= model.threshold
        ours["auto"].extend(auto)
        ours["auto_correct"].extend((predicted == truth)[auto])
        ours["triage_top3"].extend(t in row for t, row, a in zip(truth, top3, auto) if not a)
        ours["conf"].extend(top)
        ours["correct"].extend(predicted == truth)
        reference = baseline().fit(list(x[train_idx]), y[train_idx]).predict(list(x[test_idx]))
        base["f1"].append(f1_score(truth, reference, average="macro"))
        base["acc"].append(accuracy_score(truth, reference))
        print(f"  fold {fold}: macro-F1 {ours['f1'][-1]:.3f} (baseline {base['f1'][-1]:.3f}), "
              f"threshold {model.threshold:.3f}, {time.perf_counter() - started:.0f} s", flush=True)
    return ours, base, model


def report(title: str, ours: dict, base: dict) -> None:
    auto = np.asarray(ours["auto"])
    print(f"\n{title}")
    print(f"  {'':28}{'suara':>10}{'baseline':>10}")
    print(f"  {'macro-F1 (fold mean)':28}{np.mean(ours['f1']):10.3f}{np.mean(base['f1']):10.3f}"
          f"   ± {np.std(ours['f1']):.3f}")
    print(f"  {'accuracy':28}{np.mean(ours['acc']):10.3f}{np.mean(base['acc']):10.3f}")
    print(f"  {'top-3 accuracy':28}{np.mean(ours['top3']):10.3f}")
    print(f"  {'auto-route coverage':28}{auto.mean():10.3f}")
    print(f"  {'auto-route precision':28}{np.mean(ours['auto_correct']):10.3f}")
    print(f"  {'top-3 of items left to people':28}{np.mean(ours['triage_top3']):10.3f}")
    print(f"  {'expected calibration error':28}"
          f"{expected_calibration_error(np.asarray(ours['conf']), np.asarray(ours['correct'], dtype=float)):10.3f}")


def latency(model, texts: list[str]) -> None:
    sample = texts[:1000]
    for text in sample[:50]:
        model.suggest(text)
    timings = []
    for text in sample:
        started = time.perf_counter()
        model.suggest(text)
        timings.append((time.perf_counter() - started) * 1000)
    ordered = sorted(timings)
    started = time.perf_counter()
    model.suggest_many(sample)
    batched = (time.perf_counter() - started) * 1000 / len(sample)
    print(f"\nprediction latency: single p50 {ordered[len(ordered) // 2]:.2f} ms, "
          f"p99 {ordered[int(0.99 * (len(ordered) - 1))]:.2f} ms; batched {batched:.3f} ms per item")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--skip-lg24", action="store_true", help="Only the raw-text dataset (faster).")
    args = parser.parse_args()
    primary = args.data_dir / "dev.csv"
    if not primary.exists():
        sys.exit(f"{primary} not found: this benchmark needs the shared LaporGub data (see SOURCE.md).")

    texts, labels = read_labelled_csv(primary)
    print(f"LG18 dev.csv: {len(texts)} complaints, {len(set(labels))} categories")
    ours, base, model = cross_validate(texts, labels, "bench-lg18")
    report("LG18 (raw text), 5-fold CV, seed 42", ours, base)
    latency(model, texts)

    secondary = args.data_dir / "dev_laporgub2024_tokens.csv"
    if not args.skip_lg24 and secondary.exists():
        texts, labels = read_labelled_csv(secondary)
        print(f"\nLG24 tokens: {len(texts)} complaints, {len(set(labels))} categories")
        ours, base, _ = cross_validate(texts, labels, "bench-lg24")
        report("LG24 (pre-tokenised), 5-fold CV, seed 42", ours, base)


if __name__ == "__main__":
    main()
