"""Choosing the router a running Suara uses: the trained model, loaded once at start-up."""

from __future__ import annotations

import logging

from suara.config import Settings
from suara.routing.router import RoutingDecision

log = logging.getLogger(__name__)

SUGGESTIONS = 3


class ModelRouter:
    """Routes with a trained model; auto-routes only at or above the model's threshold."""

    def __init__(self, model) -> None:
        self.model = model

    @property
    def version(self) -> str:
        return self.model.version

    def suggest(self, text: str, k: int = SUGGESTIONS) -> list[dict]:
        return self._suggestions_many([text], k)[0]

    def _suggestions_many(self, texts: list[str], k: int) -> list[list[dict]]:
        return [
            [{"category": s.category, "confidence": round(float(s.confidence), 4)} for s in suggestions]
            for suggestions in self.model.suggest_many(texts, k)
        ]

    def decide(self, text: str) -> RoutingDecision:
        return self.decide_many([text])[0]

    def decide_many(self, texts: list[str]) -> list[RoutingDecision]:
        """One vectorised pass for texts that arrived together (the classifier process batches them)."""
        return [self._decision(suggestions) for suggestions in self._suggestions_many(texts, SUGGESTIONS)]

    def _decision(self, suggestions: list[dict]) -> RoutingDecision:
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


def router_from_model_file(path) -> ModelRouter:
    """The router of one model file (raises ModelLoadError); the classifier process loads it the same way."""
    from suara.routing.model import load

    return ModelRouter(load(path))


def load_router(settings: Settings) -> ModelRouter | UnavailableRouter:
    from suara.routing.model import ModelLoadError

    try:
        router = router_from_model_file(settings.suara_model_path)
    except ModelLoadError as error:
        log.error("routing model %s not loaded (%s); submissions go to triage", settings.suara_model_path, error)
        return UnavailableRouter(str(error))
    log.info("routing model %s loaded (threshold %.3f)", router.model.version, router.model.threshold)
    return router
