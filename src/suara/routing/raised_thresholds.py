"""Auto-route thresholds the live precision monitor raised above a model's own, per model version.

A model file states its threshold; when the precision staff decisions show falls below the promise,
`suara.live_precision` appends a higher one here (the row is also the record of the raise). Every
process applies the highest row of a decision's model version, read at most every `CACHE_SECONDS`, so a
raise takes effect on every server within seconds without a restart. A threshold of 1.0 or more
means: route nothing automatically with this model version. Rows are only appended, so a threshold only
goes up; a new model version (retrained on the corrections) starts from its own threshold.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import BigInteger, Column, Float, Index, func
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.db.columns import created_at_column, utcnow
from suara.routing.router import RoutingDecision

CACHE_SECONDS = 10.0
"""How long a process may route with a threshold after the monitor raised it."""
STOPPED = 1.0
"""A raised threshold at or above this stops automatic routing (a confidence can equal 1.0 once rounded)."""


class ThresholdRaise(SQLModel, table=True):
    """One raise of one model version's threshold, and why: the live window it was computed from."""

    __tablename__ = "routing_threshold_raises"
    __table_args__ = (Index("ix_routing_threshold_raises_version", "model_version", "threshold"),)

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    model_version: str = Field(max_length=200)
    threshold_before: float = Field(sa_column=Column(Float, nullable=False))
    threshold: float = Field(sa_column=Column(Float, nullable=False))
    """The new threshold; at or above `STOPPED`, nothing of this version is routed automatically."""
    window_outcomes: int
    window_correct: int
    lower_bound: float = Field(sa_column=Column(Float, nullable=False))
    """The one-sided 95 % Clopper–Pearson lower bound of the window's precision that fell below the target."""
    target: float = Field(sa_column=Column(Float, nullable=False))
    actor: str = Field(default="system:live_precision", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_column=created_at_column())


@dataclass
class RaisedThresholds:
    """This process's copy of the raised thresholds, each re-read after `ttl` seconds."""

    ttl: float = CACHE_SECONDS
    _seen: dict[str, tuple[float, float | None]] = field(default_factory=dict)

    async def get(self, session: AsyncSession, model_version: str) -> float | None:
        now = time.monotonic()
        seen = self._seen.get(model_version)
        if seen is not None and now - seen[0] < self.ttl:
            return seen[1]
        value = (await session.exec(
            select(func.max(ThresholdRaise.threshold)).where(ThresholdRaise.model_version == model_version)
        )).one()
        self._seen[model_version] = (now, value)
        return value

    def forget(self, model_version: str | None = None) -> None:
        """Read again next time (the process that raised a threshold applies it at once)."""
        if model_version is None:
            self._seen.clear()
        else:
            self._seen.pop(model_version, None)


RAISED = RaisedThresholds()
"""The process's cache: one per process, like the classifier's threads (`suara.routing.offload`)."""


async def apply_raised_threshold(session: AsyncSession, decision: RoutingDecision) -> RoutingDecision:
    """The decision, no longer automatic when the monitor raised its model version's threshold above
    its confidence (or stopped automatic routing for that version)."""
    if not decision.automatic or not decision.model_version:
        return decision
    raised = await RAISED.get(session, decision.model_version)
    if raised is None:
        return decision
    if raised >= STOPPED or (decision.confidence or 0.0) < raised:
        return replace(decision, automatic=False)
    return decision
