"""Column helpers shared by the tables of every domain package."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, func
from sqlalchemy.dialects.postgresql import JSONB


def utcnow() -> datetime:
    return datetime.now(UTC)


def created_at_column() -> Any:
    return Column(DateTime(timezone=True), nullable=False, server_default=func.now())


def timestamp_column(nullable: bool = True) -> Any:
    return Column(DateTime(timezone=True), nullable=nullable)


def jsonb_column(nullable: bool = True) -> Any:
    return Column(JSONB, nullable=nullable)
