"""The routing step of the submit flow: which agency (and category) a text belongs to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class RoutingDecision:
    """What the router says about one text. ``automatic`` means: route without a person.

    ``agency`` is the slug of the agency the model chose; None for a model trained without agency
    labels, whose items go to the category's default agency. ``confidence`` is the number compared
    to the model's threshold. Each suggestion is ``{"category", "agency", "confidence"}`` (no
    ``agency`` from a category-only model).
    """

    category: str | None = None
    confidence: float | None = None
    suggestions: list[dict] = field(default_factory=list)
    agency: str | None = None
    model_version: str | None = None
    automatic: bool = False
    error: str | None = None

    @property
    def attempted(self) -> bool:
        return self.model_version is not None or self.error is not None


class Router(Protocol):
    def decide(self, text: str) -> RoutingDecision: ...

    def suggest(self, text: str, k: int = 3) -> list[dict]: ...


class NoRouter:
    """Routes nothing: submissions stay ``received`` until a person routes them."""

    model = None
    version = None

    def decide(self, text: str) -> RoutingDecision:
        return RoutingDecision()

    def suggest(self, text: str, k: int = 3) -> list[dict]:
        return []
