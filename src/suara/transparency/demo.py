"""Demo history: N past submissions with plausible agency behaviour, for statistics and benchmarks.

Agencies get a steady pace (some fast, some slow); items are routed by the model or by people,
answered, resolved, confirmed, forwarded, rejected, or left waiting past their deadline. Rows are
written with COPY and the counters are then rebuilt from the events, so they agree by construction.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.agencies.models import Agency, Category
from suara.routing.training import seed_corpus
from suara.submissions.codes import ALPHABET, CODE_LENGTH
from suara.submissions.counting import rebuild
from suara.submissions.deadlines import deadlines_for
from suara.submissions.redaction import mask_personal_data

REGIONS = [f"33.{n:02d}" for n in range(1, 30)] + [f"33.{n}" for n in range(71, 77)]
CHANNELS = (("web", 0.55), ("sms", 0.2), ("api", 0.15), ("open311", 0.1))
KINDS = (("complaint", 0.75), ("aspiration", 0.15), ("information_request", 0.1))
SUBMISSION_COLUMNS = [
    "id", "tracking_code", "kind", "channel", "text", "public_text", "category_slug", "agency_id", "region_code",
    "anonymous", "confidential", "status", "version", "support_count", "field_check", "routed_at",
    "first_response_due_at", "resolution_due_at", "first_responded_at", "resolved_at", "closed_at", "due_at",
    "route_automatic", "overdue_since", "first_response_escalated_at", "resolution_escalated_at",
    "created_at", "updated_at",
]
UNFINISHED = {"routed", "forwarded", "acknowledged", "in_progress"}
EVENT_COLUMNS = ["submission_id", "kind", "actor", "status_before", "status_after", "details", "public", "created_at"]


@dataclass
class Timeline:
    events: list[tuple]
    row: dict


def _pick(rng: random.Random, weighted) -> str:
    values, weights = zip(*weighted)
    return rng.choices(values, weights)[0]


def _code(number: int) -> str:
    chars = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


class History:
    def __init__(self, agencies: dict[int, Agency], categories: list[Category], now: datetime, rng: random.Random):
        self.agencies = agencies
        self.categories = [c for c in categories if c.default_agency_id in agencies]
        self.now = now
        self.rng = rng
        self.pace = {agency_id: rng.choice((0.3, 0.6, 1.0, 1.5, 3.0)) for agency_id in agencies}
        texts, labels = seed_corpus()
        self.texts: dict[str, list[str]] = {}
        for text, label in zip(texts, labels):
            self.texts.setdefault(label, []).append(text)

    def item(self, submission_id: int, code: str) -> Timeline:
        rng, now = self.rng, self.now
        category = rng.choice(self.categories)
        created = now - timedelta(days=rng.uniform(0, 365))
        kind, channel = _pick(rng, KINDS), _pick(rng, CHANNELS)
        text = rng.choice(self.texts.get(category.slug) or ["Mohon perbaikan layanan publik di desa kami."])
        events: list[tuple] = []
        status = "received"

        def event(kind_: str, actor: str, after: str, at: datetime, details: dict, public: bool = True):
            nonlocal status
            events.append((submission_id, kind_, actor, status, after, json.dumps(details), public, at))
            status = after

        row = dict(
            id=submission_id, tracking_code=code, kind=kind, channel=channel, text=text,
            public_text=mask_personal_data(text), category_slug=None, agency_id=None,
            region_code=rng.choice(REGIONS), anonymous=rng.random() < 0.15, confidential=rng.random() < 0.05,
            status="received", version=1, support_count=0, field_check=False, routed_at=None,
            first_response_due_at=None, resolution_due_at=None, first_responded_at=None, resolved_at=None,
            closed_at=None, due_at=None, route_automatic=False, overdue_since=None,
            first_response_escalated_at=None, resolution_escalated_at=None, created_at=created, updated_at=created,
        )
        events.append((submission_id, "received", f"citizen:{channel}", None, "received",
                       json.dumps({"channel": channel, "kind": kind, "region_code": row["region_code"]}), True, created))
        at = created
        if rng.random() < 0.55:
            actor = "model:demo"
        else:
            event("in_triage", "model:demo", "in_triage", at, {"reason": "low_confidence"})
            at += timedelta(hours=rng.uniform(0.5, 48))
            actor = "staff:demo"
        agency = self.agencies[category.default_agency_id]
        if at > now:
            return self._finish(row, events, status, now)
        self._route(row, event, "routed", actor, "routed", agency, kind, at, {"category": category.slug})
        pace = self.pace[agency.id]
        if rng.random() < 0.04:  # forwarded to another agency, whose clock starts
            at += timedelta(hours=rng.expovariate(1 / (24 * pace)))
            target = self.agencies[rng.choice([a for a in self.agencies if a != agency.id])]
            if at > now:
                return self._finish(row, events, status, now)
            self._route(row, event, "forwarded", f"staff:{agency.id}", "forwarded", target, kind, at,
                        {"from_agency_id": agency.id})
            agency, pace = target, self.pace[target.id]
        if rng.random() < 0.12 * pace:  # never answered: stays open, eventually overdue
            return self._finish(row, events, status, now)
        at += timedelta(hours=rng.expovariate(1 / (30 * pace)))
        if at > now:
            return self._finish(row, events, status, now)
        if rng.random() < 0.05:
            row["first_responded_at"] = at
            event("rejected", f"staff:{agency.id}", "rejected", at, {"reason": "incomplete", "agency_id": agency.id})
            row["due_at"] = None
            return self._finish(row, events, status, now)
        row["first_responded_at"], row["due_at"] = at, row["resolution_due_at"]
        event("acknowledged", f"staff:{agency.id}", "acknowledged", at, {"agency_id": agency.id})
        if rng.random() < 0.6:
            at += timedelta(hours=rng.expovariate(1 / (24 * pace)))
            if at > now:
                return self._finish(row, events, status, now)
            event("responded", f"staff:{agency.id}", "in_progress", at,
                  {"agency_id": agency.id, "public_note": "Laporan sedang kami tindak lanjuti."})
        if rng.random() < 0.2 * pace:
            return self._finish(row, events, status, now)
        at += timedelta(hours=rng.expovariate(1 / (24 * 6 * pace)))
        if at > now:
            return self._finish(row, events, status, now)
        row["resolved_at"], row["due_at"] = at, None
        event("resolved", f"staff:{agency.id}", "resolved", at,
              {"agency_id": agency.id, "public_note": "Sudah ditindaklanjuti."})
        if rng.random() < 0.35:
            at += timedelta(hours=rng.uniform(2, 72))
            if at <= now:
                row["closed_at"] = at
                event("confirmed_resolved", f"citizen:{channel}", "closed", at, {})
        return self._finish(row, events, status, now)

    def _route(self, row, event, kind, actor, after, agency: Agency, submission_kind, at, details):
        deadlines = deadlines_for(agency, submission_kind, at)
        row.update(agency_id=agency.id, category_slug=row["category_slug"] or details.get("category"),
                   routed_at=at, route_automatic=actor.startswith("model:"), first_response_due_at=deadlines.first_response_due_at,
                   resolution_due_at=deadlines.resolution_due_at, due_at=deadlines.first_response_due_at,
                   first_responded_at=None)
        event(kind, actor, after, at, {**details, "agency_id": agency.id,
                                       "first_response_due_at": deadlines.first_response_due_at.isoformat(),
                                       "resolution_due_at": deadlines.resolution_due_at.isoformat()})

    @staticmethod
    def _finish(row, events, status, now) -> Timeline:
        if status in UNFINISHED and row["due_at"] is not None:
            # The jobs loop would have escalated it a minute after the deadline it missed.
            at = max(row["due_at"], events[-1][-1]) + timedelta(minutes=1)
            if at <= now:
                which = "first_response" if row["first_responded_at"] is None else "resolution"
                row[f"{which}_escalated_at"] = row["overdue_since"] = at
                events.append((row["id"], "escalated", "system", status, status,
                               json.dumps({"deadline": which, "due_at": row["due_at"].isoformat(),
                                           "agency_id": row["agency_id"]}), True, at))
        row["status"] = status
        row["version"] = len(events)
        row["updated_at"] = events[-1][-1]
        return Timeline(events, row)


async def seed_demo(session: AsyncSession, count: int, *, seed: int = 7,
                    progress: Callable[[int], None] | None = None, batch: int = 5000) -> int:
    """Write ``count`` historical submissions with their events, then rebuild the counters."""
    rng = random.Random(seed)
    agencies = {a.id: a for a in await session.exec(select(Agency))}
    categories = list(await session.exec(select(Category)))
    history = History(agencies, categories, datetime.now(UTC), rng)
    connection = await (await session.connection()).get_raw_connection()
    raw = connection.driver_connection
    first_id = await raw.fetchval("SELECT coalesce(max(id), 0) + 1 FROM submissions")
    code_base = rng.randrange(len(ALPHABET) ** CODE_LENGTH // 2)
    written = 0
    while written < count:
        size = min(batch, count - written)
        timelines = [history.item(first_id + written + i, _code(code_base + first_id + written + i)) for i in range(size)]
        await raw.copy_records_to_table(
            "submissions", columns=SUBMISSION_COLUMNS,
            records=[tuple(t.row[c] for c in SUBMISSION_COLUMNS) for t in timelines],
        )
        await raw.copy_records_to_table(
            "submission_events", columns=EVENT_COLUMNS, records=[e for t in timelines for e in t.events],
        )
        written += size
        if progress:
            progress(size)
    await raw.execute("SELECT setval('submissions_id_seq', (SELECT max(id) FROM submissions))")
    await rebuild(session)
    return written
