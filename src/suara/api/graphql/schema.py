"""The root schema, composed from one Query/Mutation class per domain."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, ValidationCache
from strawberry.schema.config import StrawberryConfig

from suara.api.graphql.agencies import AgencyQuery
from suara.api.graphql.dialogue import DialogueMutation, DialogueQuery
from suara.api.graphql.limits import RequestLimits
from suara.api.graphql.routing import RoutingQuery
from suara.api.graphql.services import ServiceQuery
from suara.api.graphql.submissions import SubmissionMutation, SubmissionQuery
from suara.api.graphql.transparency import TransparencyQuery
from suara.api.graphql.triage import TriageMutation, TriageQuery
from suara.api.request_id import REQUEST_ID

log = logging.getLogger("suara.graphql")


@strawberry.type
class Query(
    SubmissionQuery, RoutingQuery, AgencyQuery, TriageQuery, TransparencyQuery, DialogueQuery, ServiceQuery
):
    pass


@strawberry.type
class Mutation(SubmissionMutation, TriageMutation, DialogueMutation):
    pass


def _is_unexpected(error: GraphQLError) -> bool:
    """Mask crashes (logged with their trace) but keep GraphQL's own validation messages."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    log.error("unexpected error in %s (request %s)", error.path, REQUEST_ID.get(), exc_info=original)
    return True


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    config=StrawberryConfig(disable_field_suggestions=True),
    extensions=[
        RequestLimits,  # parses (with a cache) and validates within the configured limits
        lambda: ValidationCache(maxsize=256),
        lambda: MaskErrors(should_mask_error=_is_unexpected, error_message="Internal server error"),
    ],
)
