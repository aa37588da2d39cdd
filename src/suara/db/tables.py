"""Imports every table module so SQLModel.metadata knows the whole schema (for Alembic and tests)."""

from suara.agencies.models import Agency, Category  # noqa: F401
from suara.routing.labels import RoutingLabel  # noqa: F401
from suara.submissions.models import (  # noqa: F401
    ReporterContact,
    Submission,
    SubmissionEvent,
    SubmissionSupport,
)
