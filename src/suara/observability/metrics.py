"""The figures an operator watches, as Prometheus metrics (prometheus-client).

Every label takes its values from a closed set Suara defines — a route template, a field of the
GraphQL schema, a channel, a kind, a limit's name — never from what a client sends, so no request
can add a series. Under `suara serve --workers N` the parent gives every worker one fresh
PROMETHEUS_MULTIPROC_DIR and prometheus-client keeps the values in files there; /metrics adds them up.

Figures that live in the database (outbox backlog and age, SMS queue) are read when /metrics is
scraped (``database_figures``), not kept in memory.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUEST_SECONDS = Histogram(
    "suara_http_request_duration_seconds",
    "Time to answer an HTTP request, per route template (unmatched paths share one label).",
    ["method", "route", "status"], buckets=LATENCY_BUCKETS,
)
GRAPHQL_FIELD_SECONDS = Histogram(
    "suara_graphql_root_field_duration_seconds",
    "Time to execute a GraphQL operation, counted under each root field of the schema it asks for "
    "(never under the client's operation name or aliases).",
    ["operation", "field"], buckets=LATENCY_BUCKETS,
)
SUBMISSIONS = Counter(
    "suara_submissions_total", "Submissions filed (idempotent replays not counted).", ["channel", "kind"],
)
ROUTING_OUTCOMES = Counter(
    "suara_routing_outcomes_total",
    "Where new submissions went: routed automatically, to the triage queue (low confidence or a "
    "routing error), or not routed at filing.",
    ["outcome"],
)
RATE_LIMIT_REFUSALS = Counter(
    "suara_rate_limit_refusals_total", "Attempts refused by a rate limit, per limit.", ["limit"],
)
JOB_LAST_RUN = Gauge(
    "suara_job_last_run_timestamp_seconds",
    "When a background job last finished a round in any process (Unix time).",
    ["job"], multiprocess_mode="max",
)

GRAPHQL_INVALID_FIELD = "(invalid)"
"""The field label of documents that do not parse or name no field of the schema."""
UNMATCHED_ROUTE = "(unmatched)"
"""The route label of paths no route serves (404s): random URLs must not add series."""


def job_finished(job: str, at: float | None = None) -> None:
    JOB_LAST_RUN.labels(job=job).set(at if at is not None else time.time())


@dataclass(frozen=True)
class DatabaseFigures:
    """What /metrics reads from the database at each scrape."""

    outbox_pending: int
    outbox_oldest_due_seconds: float
    """How long the oldest pending message has been due (0 when none is)."""
    sms_queued: int
    sms_oldest_queued_seconds: float
    job_lag_seconds: dict[str, float]
    """Per job: seconds since it last finished a round in any process."""


class _FiguresCollector(Collector):
    def __init__(self, figures: DatabaseFigures):
        self.figures = figures

    def collect(self) -> Iterator[GaugeMetricFamily]:
        figures = self.figures
        yield GaugeMetricFamily("suara_outbox_backlog", "Outbox messages waiting to be sent.",
                                value=figures.outbox_pending)
        yield GaugeMetricFamily("suara_outbox_oldest_age_seconds",
                                "How long the oldest pending outbox message has been due.",
                                value=figures.outbox_oldest_due_seconds)
        yield GaugeMetricFamily("suara_sms_queue_backlog", "Inbound SMS stored but not yet processed.",
                                value=figures.sms_queued)
        yield GaugeMetricFamily("suara_sms_queue_oldest_age_seconds",
                                "How long the oldest queued inbound SMS has waited.",
                                value=figures.sms_oldest_queued_seconds)
        lag = GaugeMetricFamily("suara_job_lag_seconds",
                                "Seconds since each background job last finished a round in any process.",
                                labels=["job"])
        for job, seconds in sorted(figures.job_lag_seconds.items()):
            lag.add_metric([job], seconds)
        yield lag


def _registry(multiprocess_dir: str | None) -> CollectorRegistry:
    if not multiprocess_dir:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=multiprocess_dir)
    return registry


def last_job_runs(multiprocess_dir: str | None) -> dict[str, float]:
    """The latest finish time of each job over all processes."""
    latest: dict[str, float] = {}
    for family in _registry(multiprocess_dir).collect():
        if family.name == "suara_job_last_run_timestamp_seconds":
            for sample in family.samples:
                job = sample.labels.get("job")
                if job:
                    latest[job] = max(latest.get(job, 0.0), sample.value)
    return latest


def render(multiprocess_dir: str | None, figures: DatabaseFigures | None) -> bytes:
    """The exposition text: this process's metrics (or every worker's, in multi-process mode), then
    the database figures read for this scrape (other names, so the two parts join as they are)."""
    text = generate_latest(_registry(multiprocess_dir))
    if figures is not None:
        extra = CollectorRegistry()
        extra.register(_FiguresCollector(figures))
        text += generate_latest(extra)
    return text
