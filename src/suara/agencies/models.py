"""Agencies (who answers) and categories (what a submission is about, and who gets it by default)."""

from __future__ import annotations

from sqlalchemy import Column, String, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel


class Agency(SQLModel, table=True):
    __tablename__ = "agencies"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=80)
    name: str
    short_name: str
    aliases: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(String), nullable=False, server_default=text("'{}'"))
    )
    """Other names citizens, SMS and data sources use for it ("DPU BINMAR CIPKA", "DISPERAKIM")."""
    description_id: str = ""
    description_en: str = ""
    parent_id: int | None = Field(default=None, foreign_key="agencies.id")
    level: str = "provincial"
    timezone: str = "Asia/Jakarta"
    first_response_days: int = 3
    information_request_days: int = 5
    resolution_days: int = 14
    resolution_with_field_check_days: int = 60
    contact_address: str | None = None
    contact_website: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None


class Category(SQLModel, table=True):
    __tablename__ = "categories"

    slug: str = Field(primary_key=True, max_length=60)
    label_id: str
    label_en: str
    description_id: str = ""
    description_en: str = ""
    default_agency_id: int | None = Field(default=None, foreign_key="agencies.id")
    position: int = 0
