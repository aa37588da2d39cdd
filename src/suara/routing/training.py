"""Reading labelled data for training and evaluation."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from suara.agencies.names import agency_slug

SEED_CORPUS_DIR = Path(__file__).parent
REFUSED_STATUS = "Laporan Bukan Wewenang"
"""LaporGub's status for a report the named agency refused as outside its authority: its agency is doubtful."""


class TrainingDataError(Exception):
    pass


@dataclass(frozen=True)
class LabelledData:
    """Texts with their category and, where known, the agency (a directory slug) that handles them.

    ``agencies`` is None when the data has no agency column; an item is None where the row has no
    usable agency (empty, or refused by the named agency): it still teaches the category.
    """

    texts: list[str]
    labels: list[str]
    agencies: list[str | None] | None = None
    ids: list[str] | None = None

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, rows) -> LabelledData:
        pick = lambda values: None if values is None else [values[i] for i in rows]
        return LabelledData(pick(self.texts), pick(self.labels), pick(self.agencies), pick(self.ids))

    def __add__(self, other: LabelledData) -> LabelledData:
        def agencies(data: LabelledData) -> list[str | None]:
            return data.agencies if data.agencies is not None else [None] * len(data)

        with_agencies = self.agencies is not None or other.agencies is not None
        return LabelledData(self.texts + other.texts, self.labels + other.labels,
                            agencies(self) + agencies(other) if with_agencies else None)


def read_labelled_csv(path: Path) -> tuple[list[str], list[str]]:
    """Columns ``text`` and ``label`` (others ignored); blank rows skipped."""
    data = read_routing_csv(path, agencies=False)
    return data.texts, data.labels


def read_routing_csv(path: Path, *, agencies: bool = True) -> LabelledData:
    """Columns ``text`` and ``label``, and ``agency`` when present (others ignored); blank rows skipped.

    Agency names are mapped onto the directory (`suara.agencies.names`); a name the directory does
    not know is an error, so no label is lost silently. Rows whose ``status`` is "Laporan Bukan
    Wewenang" keep their category but get no agency.
    """
    path = Path(path)
    if not path.exists():
        raise TrainingDataError(f"{path} does not exist")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"text", "label"} - set(reader.fieldnames or [])
        if missing:
            raise TrainingDataError(f"{path} lacks the column(s) {', '.join(sorted(missing))}")
        with_agency = agencies and "agency" in (reader.fieldnames or [])
        rows = [row for row in reader if row["text"] and row["label"] and row["text"].strip() and row["label"].strip()]
    if not rows:
        raise TrainingDataError(f"{path} has no labelled rows")
    slugs = None
    if with_agency:
        unknown = sorted({row["agency"].strip() for row in rows if row["agency"] and row["agency"].strip()
                          and agency_slug(row["agency"]) is None})
        if unknown:
            raise TrainingDataError(f"{path}: agency names the directory does not know: {', '.join(unknown)}")
        slugs = [agency_slug(row["agency"] or "") if (row.get("status") or "").strip() != REFUSED_STATUS else None
                 for row in rows]
    ids = [row["id"] for row in rows] if "id" in rows[0] else None
    return LabelledData([row["text"].strip() for row in rows], [row["label"].strip() for row in rows], slugs, ids)


def seed_corpus_data() -> LabelledData:
    """The project's own training corpus, written for Suara (no citizen data), with its agencies."""
    data = LabelledData([], [], [])
    for path in sorted(SEED_CORPUS_DIR.glob("seed_corpus*.csv")):
        data = data + read_routing_csv(path)
    return data


def seed_corpus() -> tuple[list[str], list[str]]:
    """The seed corpus's texts and categories."""
    data = seed_corpus_data()
    return data.texts, data.labels


def fixed_halves(data: LabelledData) -> tuple[list[int], list[int]]:
    """Two fixed halves of a data set, the same on every machine and run: within each category, rows
    ordered by a hash of their id (else their text) go alternately to the first and the second half.

    The shipped model's threshold is calibrated on the first half of dev.csv and its card reports
    the second half only.
    """
    keys = data.ids if data.ids is not None else data.texts
    first: list[int] = []
    second: list[int] = []
    for label in sorted(set(data.labels)):
        rows = [i for i, value in enumerate(data.labels) if value == label]
        rows.sort(key=lambda i: hashlib.sha256(keys[i].encode()).hexdigest())
        first += rows[0::2]
        second += rows[1::2]
    return sorted(first), sorted(second)
