"""The root schema, composed from one Query/Mutation class per domain."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, ValidationCache
from strawberry.schema.config import StrawberryConfig

from suara.api.graphql.agencies import AgencyQuery
from suara.api.graphql.dialogue import DialogueMutation, DialogueQuery
from suara.api.graphql.error_log import is_unexpected, log_errors
from suara.api.graphql.limits import RequestLimits
from suara.api.graphql.live import SocketOperations, Subscription
from suara.api.graphql.maps import MapQuery
from suara.api.graphql.photos import PhotoMutation
from suara.api.graphql.privacy import PrivacyMutation, PrivacyQuery
from suara.api.graphql.routing import RoutingQuery
from suara.api.graphql.services import ServiceQuery
from suara.api.graphql.sms_admin import SmsAdminQuery
from suara.api.graphql.staff_admin import StaffAdminMutation, StaffAdminQuery
from suara.api.graphql.submissions import SubmissionMutation, SubmissionQuery
from suara.api.graphql.transparency import TransparencyQuery
from suara.api.graphql.triage import TriageMutation, TriageQuery
from suara.api.metrics import RootFieldMetrics


@strawberry.type
class Query(
    SubmissionQuery, RoutingQuery, AgencyQuery, TriageQuery, TransparencyQuery, DialogueQuery, ServiceQuery,
    StaffAdminQuery, SmsAdminQuery, MapQuery, PrivacyQuery,
):
    pass


@strawberry.type
class Mutation(
    SubmissionMutation, TriageMutation, DialogueMutation, StaffAdminMutation, PhotoMutation, PrivacyMutation,
):
    pass


class SuaraSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context=None) -> None:
        """Client mistakes at INFO, crashes at ERROR, never a variable or a quoted value (see error_log)."""
        log_errors(errors)


schema = SuaraSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    config=StrawberryConfig(disable_field_suggestions=True),
    extensions=[
        RootFieldMetrics,  # first: its time covers parsing, validation and execution
        RequestLimits,  # parses (with a cache) and validates within the configured limits
        SocketOperations,  # only subscriptions over the WebSocket, with the same text checks
        lambda: ValidationCache(maxsize=256),
        lambda: MaskErrors(should_mask_error=is_unexpected, error_message="Internal server error"),
    ],
)
