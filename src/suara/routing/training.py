"""Reading labelled data for training and evaluation."""

from __future__ import annotations

import csv
from pathlib import Path

SEED_CORPUS_DIR = Path(__file__).parent


class TrainingDataError(Exception):
    pass


def read_labelled_csv(path: Path) -> tuple[list[str], list[str]]:
    """Columns ``text`` and ``label`` (others ignored); blank rows skipped."""
    path = Path(path)
    if not path.exists():
        raise TrainingDataError(f"{path} does not exist")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"text", "label"} - set(reader.fieldnames or [])
        if missing:
            raise TrainingDataError(f"{path} lacks the column(s) {', '.join(sorted(missing))}")
        rows = [(row["text"].strip(), row["label"].strip()) for row in reader if row["text"] and row["label"]]
    if not rows:
        raise TrainingDataError(f"{path} has no labelled rows")
    texts, labels = zip(*rows)
    return list(texts), list(labels)


def seed_corpus() -> tuple[list[str], list[str]]:
    """The project's own training corpus, written for Suara (no citizen data)."""
    texts: list[str] = []
    labels: list[str] = []
    for path in sorted(SEED_CORPUS_DIR.glob("seed_corpus*.csv")):
        part_texts, part_labels = read_labelled_csv(path)
        texts += part_texts
        labels += part_labels
    return texts, labels
