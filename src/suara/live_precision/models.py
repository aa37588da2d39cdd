"""The outcome of each automatic route, as staff decisions showed it: one row per item, written once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Float, ForeignKey, Index
from sqlmodel import Field, SQLModel

from suara.db.columns import timestamp_column


class RoutingOutcome(SQLModel, table=True):
    """Whether an automatically routed item reached the right agency, decided by the first staff decision
    that says so. Keyed by the item, so recording it again (a retry, a race) changes nothing, and each
    outcome is its own row: no counter shared by every staff action."""

    __tablename__ = "routing_outcomes"
    __table_args__ = (
        # The window: a model version's latest outcomes, newest first, read from the index alone.
        Index("ix_routing_outcomes_window", "model_version", "decided_at", "submission_id",
              postgresql_include=["correct", "confidence"]),
        Index("ix_routing_outcomes_decided", "decided_at"),
    )

    submission_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("submissions.id"), primary_key=True, autoincrement=False)
    )
    model_version: str = Field(max_length=200)
    confidence: float = Field(sa_column=Column(Float, nullable=False))
    """The model's confidence when it routed the item: what a raised threshold is chosen from."""
    agency_id: int = Field(foreign_key="agencies.id")
    """The agency the model sent the item to."""
    correct: bool
    outcome: str = Field(max_length=40)
    """``acknowledged``, ``responded``, ``resolved`` (right); ``rerouted``, ``forwarded_wrong_agency``,
    ``rejected_not_our_authority`` (wrong)."""
    event_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    """The submission event that decided it."""
    decided_by: str = Field(max_length=100)
    decided_at: datetime = Field(sa_column=timestamp_column(nullable=False))
