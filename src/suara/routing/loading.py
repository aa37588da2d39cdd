"""Choosing the router a running Suara uses: the trained model, loaded once at start-up."""

from __future__ import annotations

import logging

from suara.config import Settings
from suara.routing.agency import AgencyPrediction
from suara.routing.router import RoutingDecision

log = logging.getLogger(__name__)

SUGGESTIONS = 3


class ModelRouter:
    """Routes with a trained model; auto-routes only at or above the model's threshold.

    A model trained with agency labels chooses the agency; one without chooses the category,
    whose default agency then gets the item.
    """

    def __init__(self, model) -> None:
        self.model = model

    @property
    def version(self) -> str:
        return self.model.version

    @property
    def threshold(self) -> float:
        """The auto-route threshold, from the model file's metadata (``threshold_level`` says of what)."""
        return self.model.threshold

    def predict_agency(self, text: str, k: int = SUGGESTIONS) -> AgencyPrediction | None:
        """The agency for ``text``, its auto-route confidence and the top-k agencies; None when the
        model has no agency head (it routes by category)."""
        if self.model.agency_head is None:
            return None
        return self.model.route(text, k)

    def suggest(self, text: str, k: int = SUGGESTIONS) -> list[dict]:
        prediction = self.predict_agency(text, k)
        if prediction is not None:
            return [{"category": s.category, "agency": s.agency, "confidence": round(float(s.confidence), 4)}
                    for s in prediction.top]
        return [
            {"category": s.category, "confidence": round(float(s.confidence), 4)}
            for s in self.model.suggest(text, k)
        ]

    def decide(self, text: str) -> RoutingDecision:
        prediction = self.predict_agency(text)
        if prediction is not None:
            return RoutingDecision(
                category=prediction.category,
                agency=prediction.agency,
                confidence=float(prediction.confidence),
                suggestions=[{"category": s.category, "agency": s.agency, "confidence": round(float(s.confidence), 4)}
                             for s in prediction.top],
                model_version=self.model.version,
                automatic=prediction.confidence >= self.model.threshold,
            )
        suggestions = self.suggest(text)
        top = suggestions[0]
        return RoutingDecision(
            category=top["category"],
            confidence=top["confidence"],
            suggestions=suggestions,
            model_version=self.model.version,
            automatic=top["confidence"] >= self.model.threshold,
        )


class UnavailableRouter:
    """Stands in when the model file is missing or unreadable: every item goes to people."""

    model = None
    version = None

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def suggest(self, text: str, k: int = SUGGESTIONS) -> list[dict]:
        return []

    def decide(self, text: str) -> RoutingDecision:
        return RoutingDecision(error=f"routing model unavailable: {self.reason}")


def load_router(settings: Settings) -> ModelRouter | UnavailableRouter:
    from suara.routing.model import ModelLoadError, load

    try:
        model = load(settings.suara_model_path)
    except ModelLoadError as error:
        log.error("routing model %s not loaded (%s); submissions go to triage", settings.suara_model_path, error)
        return UnavailableRouter(str(error))
    log.info("routing model %s loaded (threshold %.3f, %s level)", model.version, model.threshold, model.threshold_level)
    return ModelRouter(model)
