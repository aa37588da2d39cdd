"""GraphQL for routing: live hints while typing, and the published model accuracy."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.scalars import JSON

from suara.api.graphql.context import Info
from suara.api.graphql.maps import NearbyReport, nearby_reports
from suara.api.graphql.submissions import (
    PossibleDuplicate,
    RoutingSuggestion,
    Submission,
    routing_suggestions,
)
from suara.live_precision import monitor
from suara.submissions import service
from suara.submissions.public import public_views

SUGGEST_MIN_CHARS, SUGGEST_MAX_CHARS = 3, 5000


@strawberry.type
class ClassMetrics:
    category: str
    precision: float
    recall: float
    f1: float
    support: int


@strawberry.enum(description="Where a published precision bound comes from.")
class PrecisionSource(Enum):
    LIVE = "live"
    """The window of staff decisions on this model's automatic routes (at least 100 of them)."""
    MODEL_CARD = "model_card"
    """The model card's bound, while fewer than 100 automatic routes have an outcome."""


@strawberry.type(description="How often this model's automatic routes reached the right agency, as staff "
                             "decisions show: moved to another agency (re-routed, forwarded as wrong agency, "
                             "rejected as not its authority) is wrong; acknowledged, answered or resolved is right.")
class LivePrecision:
    outcomes: int = strawberry.field(description="Automatic routes with an outcome in the window (the last 500).")
    correct: int
    precision: float | None = strawberry.field(description="correct / outcomes (null without outcomes).")
    lower_bound: float | None = strawberry.field(description=(
        "One-sided 95 % Clopper–Pearson lower bound of the window's precision; the model card's bound while "
        "fewer than 100 outcomes."))
    source: PrecisionSource
    target: float = strawberry.field(description="The promise: automatic routes at least this precise.")
    auto_routing_stopped: bool = strawberry.field(description="The monitor stopped automatic routing with this model.")


@strawberry.type(description="How well the current model routes: measured by cross-validation, and live.")
class RoutingAccuracy:
    model_version: str
    trained_at: str
    threshold: float = strawberry.field(description=(
        "Items at or above this confidence route automatically: the model's own threshold, or the higher one the "
        "live precision monitor set (1 or more: nothing routes automatically)."))
    model_threshold: float = strawberry.field(description="The threshold the model file states.")
    macro_f1: float
    accuracy: float
    top3_accuracy: float
    auto_route_coverage: float = strawberry.field(description="Share of items routed without a person.")
    auto_route_precision: float = strawberry.field(description="Share of automatic routes that were right.")
    per_class: list[ClassMetrics]
    training_summary: JSON
    live: LivePrecision


@strawberry.type(description="What the submit page shows while a citizen types, from one classifier run.")
class FilingHints:
    routing: list[RoutingSuggestion] = strawberry.field(
        description="Top-3 categories and agencies (none under 3 characters).")
    similar: list[PossibleDuplicate] = strawberry.field(
        description="Open submissions nearly the same, to support instead (none under 20 characters).")
    nearby: list[NearbyReport] = strawberry.field(
        default_factory=list, description="Open reports within 200 m of the place, by their public cells "
                                          "(when latitude and longitude are given).")


@strawberry.type
class RoutingQuery:
    @strawberry.field(description="The routing hint and the similar open submissions for a text not sent yet, "
                      "classified once (suggestRouting and similarSubmissions in one), and the open reports "
                      "near its place when one is given. Writes nothing.")
    async def filing_hints(self, info: Info, text: str, latitude: float | None = None,
                           longitude: float | None = None) -> FilingHints:
        text = text.strip()[:SUGGEST_MAX_CHARS]
        nearby = (await nearby_reports(info, latitude, longitude)
                  if latitude is not None or longitude is not None else [])
        if len(text) < SUGGEST_MIN_CHARS:
            return FilingHints(routing=[], similar=[], nearby=nearby)
        # The request's router classifies a text once: the similar-reports search reuses this decision.
        decision = await info.context.router.decide_async(text)
        routing = (await routing_suggestions(info, [decision.suggestions]))[0]
        async with info.context.state.reading() as session:
            found = await service.similar_open_submissions(session, text, router=info.context.router)
            views = await public_views(session, [d.submission for d in found])
        return FilingHints(routing=routing, nearby=nearby, similar=[
            PossibleDuplicate(similarity=d.similarity, submission=Submission(view=view))
            for d, view in zip(found, views, strict=True)
        ])

    @strawberry.field(description="Top-3 categories and agencies for a text. Writes nothing.")
    async def suggest_routing(self, info: Info, text: str) -> list[RoutingSuggestion]:
        text = text.strip()[:SUGGEST_MAX_CHARS]
        if len(text) < SUGGEST_MIN_CHARS:
            return []
        decision = await info.context.router.decide_async(text)
        return (await routing_suggestions(info, [decision.suggestions]))[0]

    @strawberry.field(description="The current routing model's version, date, evaluation and live precision.")
    async def routing_accuracy(self, info: Info) -> RoutingAccuracy | None:
        model = getattr(info.context.state.router, "model", None)
        if model is None:
            return None
        metrics = model.cv_metrics
        async with info.context.state.reading() as session:
            live = await monitor.live_precision(session, model.version, card_bound=monitor.card_lower_bound(model))
        return RoutingAccuracy(
            model_version=model.version,
            trained_at=model.trained_at,
            threshold=max(model.threshold, live.raised_threshold or 0.0),
            model_threshold=model.threshold,
            live=LivePrecision(
                outcomes=live.outcomes, correct=live.correct, precision=live.precision, lower_bound=live.lower_bound,
                source=PrecisionSource(live.source), target=monitor.TARGET, auto_routing_stopped=live.stopped,
            ),
            macro_f1=metrics["macro_f1"],
            accuracy=metrics["accuracy"],
            top3_accuracy=metrics["top3_accuracy"],
            auto_route_coverage=metrics["auto_route_coverage"],
            auto_route_precision=metrics["auto_route_precision"],
            per_class=[
                ClassMetrics(category=label, precision=m["precision"], recall=m["recall"],
                             f1=m["f1"], support=int(m["support"]))
                for label, m in sorted(metrics["per_class"].items())
            ],
            training_summary=model.training_summary,
        )
