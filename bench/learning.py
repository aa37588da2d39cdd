"""Learning from corrections (issue 17): how fast do triage corrections teach the router the right agency?

Usage: python bench/learning.py [--data-dir ../shared/data/complaints] [--limit 400] [--every 200]
                                [--holdout 0.2] [--orders uncertainty,random] [--seed 42]

The first ``--limit`` rows of dev.csv in date order are split by date: the earlier ones are the stream,
the latest ``--holdout`` share is never corrected and scores every model. For each order, on a fresh
database (the embedded server under .suara/bench, or DATABASE_URL):

1. every stream row is filed in date order through `suara.submissions.service.submit` with the shipped
   model (models/default.skops), and held for people: the whole stream waits in the triage queue with the
   model's suggestions (what the auto-route would have done is what the held-out figures measure);
2. a triage admin works the queue ``--every`` items at a time with the row's true agency as the correction
   (`suara.triage.service.route_submission`: its category, and its agency when dev.csv's name maps onto
   the directory, else the category's default agency), in the order asked for:
   ``deadline`` (the queue's default: oldest first, i.e. date order), ``uncertainty`` (the queue's
   uncertainty order: smallest margin between the two best suggestions first, as stored at filing) or
   ``random`` (seeded);
3. after each ``--every`` corrections, `suara train --from-db` retrains (seed corpus + staff labels) and
   the new model is scored on the held-out rows.

Printed per order: corrections, agency accuracy on the held-out rows (rows whose agency maps onto the
directory and that the agency did not refuse as outside its authority; a prediction names an agency
directly when the router gives one, else through the predicted category's default agency), the share of
held-out rows the model would route automatically, and the agency precision of those.

dev.csv is read from its shared path only; no complaint text is printed or written, and the benchmark
databases are dropped and made anew on each run. Retraining dominates the run time (about a minute of CPU
per retrain with the seed corpus): the defaults take a few minutes on an idle two-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from agency_routing_spike import DIRECTORY_ALIASES, REFUSED
from common import REPO, fresh_database

from suara.common.errors import DomainError
from suara.db.engine import make_engine, make_session_factory, transaction
from suara.routing.loading import ModelRouter
from suara.routing.model import load
from suara.submissions import service as submissions
from suara.submissions.validation import SubmissionDraft
from suara.triage import auth, inbox
from suara.triage import service as triage

DEFAULT_DATA = REPO.parent / "shared" / "data" / "complaints"
DIRECTORY_FILE = REPO / "src" / "suara" / "agencies" / "directory.json"
SHIPPED_MODEL = REPO / "models" / "default.skops"
KEY = b"bench-learning-key"
ORDERS = ("deadline", "uncertainty", "random")


@dataclass(frozen=True)
class Row:
    text: str
    category: str
    agency_name: str
    agency: str | None
    """The directory slug dev.csv's agency name maps onto, or None."""
    refused: bool
    date: str

    @property
    def scored(self) -> bool:
        return self.agency is not None and not self.refused


def directory() -> tuple[dict[str, str], dict[str, str]]:
    """(folded agency name → slug, category → default agency slug), with every spelling we know: the
    directory's names, short names and aliases (when it has them), and the spike's dev.csv spellings."""
    data = json.loads(DIRECTORY_FILE.read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    for agency in data["agencies"]:
        for name in [agency["slug"], agency["name"], agency["short_name"], *agency.get("aliases", [])]:
            names.setdefault(name.casefold().strip(), agency["slug"])
    for slug, name in DIRECTORY_ALIASES.items():
        names.setdefault(name.casefold().strip(), slug)
    return names, {category["slug"]: category["default_agency"] for category in data["categories"]}


def read_rows(path: Path, limit: int | None) -> list[Row]:
    names, _ = directory()
    with path.open(newline="", encoding="utf-8") as handle:
        raw = [row for row in csv.DictReader(handle) if row["text"].strip() and row["label"].strip()]
    raw.sort(key=lambda row: (row["date"], row["id"]))
    rows = [Row(text=row["text"].strip(), category=row["label"].strip(), agency_name=row["agency"].strip(),
                agency=names.get(row["agency"].casefold().strip()), refused=row["status"].strip() == REFUSED,
                date=row["date"]) for row in raw]
    return rows[:limit] if limit else rows


class HeldForPeople:
    """The shipped router, except that nothing routes itself: the whole stream waits in the triage queue."""

    def __init__(self, router: ModelRouter) -> None:
        self.router = router
        self.model = router.model
        self.version = router.version

    def decide(self, text: str):
        return replace(self.router.decide(text), automatic=False)

    def suggest(self, text: str, k: int = 3) -> list[dict]:
        return self.router.suggest(text, k)


def predicted_agency(decision, defaults: dict[str, str], slugs_by_id: dict[int, str]) -> str | None:
    """The agency a decision sends the item to: the router's own when it names one, else the default of its
    category (today's router predicts categories only)."""
    for value in (getattr(decision, "agency", None), getattr(decision, "agency_slug", None),
                  (decision.suggestions[0].get("agency") if decision.suggestions else None)):
        if isinstance(value, str) and value:
            return value
        if isinstance(value, int):
            return slugs_by_id.get(value)
        if isinstance(value, dict) and value.get("slug"):
            return value["slug"]
    return defaults.get(decision.category) if decision.category else None


@dataclass(frozen=True)
class Point:
    corrections: int
    accuracy: float
    scored: int
    auto_share: float
    auto_precision: float | None
    model_version: str


def score(model, rows: list[Row], corrections: int, defaults: dict[str, str], slugs_by_id: dict[int, str]) -> Point:
    router = ModelRouter(model)
    right = scored = automatic = automatic_right = automatic_scored = 0
    for row in rows:
        decision = router.decide(row.text)
        automatic += decision.automatic
        if not row.scored:
            continue
        hit = predicted_agency(decision, defaults, slugs_by_id) == row.agency
        scored += 1
        right += hit
        if decision.automatic:
            automatic_scored += 1
            automatic_right += hit
    return Point(corrections, right / max(scored, 1), scored, automatic / max(len(rows), 1),
                 automatic_right / automatic_scored if automatic_scored else None, model.version)


async def file_stream(sessions, router, stream: list[Row]) -> dict[int, Row]:
    """File each row in date order (each its own transaction, as citizens do); returns submission id → row."""
    filed: dict[int, Row] = {}
    for row in stream:
        try:
            async with transaction(sessions) as session:
                receipt = await submissions.submit(
                    session, SubmissionDraft(kind="complaint", text=row.text[:5000], channel="api"),
                    router=router, secret_key=KEY)
        except DomainError:
            continue  # a text Suara's validation refuses (too short): a citizen would be asked to fix it
        filed[receipt.submission.id] = row
    return filed


async def next_batch(sessions, admin, order: str, size: int, shuffled: list[int]) -> list[int]:
    """The next ``size`` items the triage admin corrects, in ``order``."""
    if order == "random":
        batch, shuffled[:] = shuffled[:size], shuffled[size:]
        return batch
    chosen: list[int] = []
    after = None
    async with transaction(sessions) as session:
        while len(chosen) < size:
            page = await inbox.triage_queue_page(session, admin, first=min(100, size - len(chosen)), after=after,
                                                 order=inbox.TriageOrder(order))
            chosen += [item.id for item in page.items]
            if not page.has_next_page:
                break
            after = page.cursor_of(page.items[-1], inbox.TRIAGE_SORTS[inbox.TriageOrder(order)])
    return chosen


async def correct(sessions, admin, filed: dict[int, Row], ids: list[int]) -> None:
    for submission_id in ids:
        row = filed[submission_id]
        async with transaction(sessions) as session:
            await triage.route_submission(session, admin, submission_id, row.category, row.agency)


def retrain(url: str, out: Path) -> Path:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "suara.cli", "train", "--from-db", "--out", str(out)],
                            env=dict(os.environ, DATABASE_URL=url), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"suara train --from-db failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    print(f"    retrained in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return out


async def replay(
    order: str, stream: list[Row], heldout: list[Row], start: Point | None, args, workdir: Path,
) -> tuple[list[Point], Point]:
    """The curve of one order; ``start`` is the shipped model's point (scored here the first time)."""
    url = await fresh_database(f"suara_bench_learning_{order}")
    engine = make_engine(url, pool_size=2)
    sessions = make_session_factory(engine)
    _, defaults = directory()
    try:
        async with transaction(sessions) as session:
            staff, _ = await auth.create_staff(session, agency_slug="pemprov-jateng", role="triage_admin",
                                               email="triase@bench.suara.test", password="bench-learning-pass-1")
            admin = auth.Actor.of(staff)
            slugs_by_id = await _slugs_by_id(session)
        if start is None:
            start = score(load(SHIPPED_MODEL), heldout, 0, defaults, slugs_by_id)
        filed = await file_stream(sessions, HeldForPeople(ModelRouter(load(SHIPPED_MODEL))), stream)
        print(f"  {order}: {len(filed)} items filed into the triage queue", file=sys.stderr)
        shuffled = sorted(filed)
        random.Random(args.seed).shuffle(shuffled)
        points, corrections = [start], 0
        while True:
            batch = await next_batch(sessions, admin, order, args.every, shuffled)
            if not batch:
                return points, start
            await correct(sessions, admin, filed, batch)
            corrections += len(batch)
            model = load(retrain(url, workdir / f"{order}-{corrections}.skops"))
            points.append(score(model, heldout, corrections, defaults, slugs_by_id))
            print(f"    {order}: {corrections} corrections, agency accuracy {points[-1].accuracy:.3f}", file=sys.stderr)
    finally:
        await engine.dispose()


async def _slugs_by_id(session) -> dict[int, str]:
    from sqlmodel import select

    from suara.agencies.models import Agency

    return {agency_id: slug for agency_id, slug in await session.exec(select(Agency.id, Agency.slug))}


def table(order: str, points: list[Point]) -> str:
    lines = [f"\n{order} order", "corrections  agency accuracy  auto-routed share  auto-routed agency precision",
             "-----------  ---------------  -----------------  ----------------------------"]
    for point in points:
        precision = f"{point.auto_precision:.3f}" if point.auto_precision is not None else "—"
        lines.append(f"{point.corrections:11d}  {point.accuracy:15.3f}  {point.auto_share:17.3f}  {precision:>28}")
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=400, help="Rows of dev.csv (date order) to replay; 0: all.")
    parser.add_argument("--every", type=int, default=200, help="Corrections between retrains.")
    parser.add_argument("--holdout", type=float, default=0.2, help="Latest share of the rows scored, never corrected.")
    parser.add_argument("--orders", default="uncertainty,random",
                        help=f"Comma-separated, of {', '.join(ORDERS)} (the queue's two orders, and random).")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    orders = [order.strip() for order in args.orders.split(",") if order.strip()]
    if not orders or set(orders) - set(ORDERS):
        parser.error(f"--orders takes {', '.join(ORDERS)}")
    rows = read_rows(args.data_dir / "dev.csv", args.limit or None)
    cut = int(len(rows) * (1 - args.holdout))
    stream, heldout = rows[:cut], rows[cut:]
    mapped = sum(row.agency is not None for row in rows)
    print(f"dev.csv: {len(rows)} rows in date order ({rows[0].date[:10]} … {rows[-1].date[:10]}); stream {len(stream)}, "
          f"held out {len(heldout)} (scored on agency: {sum(row.scored for row in heldout)}); agency names mapped "
          f"onto the directory for {mapped}/{len(rows)} rows; retrain every {args.every} corrections")
    started = time.perf_counter()
    curves, start = {}, None
    with tempfile.TemporaryDirectory(prefix="suara-learning-") as workdir:
        for order in orders:
            curves[order], start = await replay(order, stream, heldout, start, args, Path(workdir))
    print(f"\nstart: shipped model {start.model_version}")
    for order, points in curves.items():
        print(table(order, points))
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    asyncio.run(main())
