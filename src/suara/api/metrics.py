"""/metrics for Prometheus, and the instrumentation of HTTP requests and GraphQL operations.

Labels come only from what the server defines: the template of the route that served a request
(``/open311/v2/requests/{id}.{fmt}``, never the path a client typed), the root fields of the GraphQL
schema an operation asks for (never its operation name or aliases), standard HTTP methods. So a
client sending 10,000 random paths or operation names adds no series.

/metrics answers only addresses in SUARA_METRICS_ALLOW (default loopback). A request that came
through a proxy Suara does not trust (it carries X-Forwarded-For, Forwarded or X-Real-IP that
nobody trusted vouched for) is refused too: behind an unconfigured local proxy every visitor would
otherwise look like 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Iterator
from functools import lru_cache

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from suara.db.columns import utcnow
from suara.observability import metrics
from suara.submissions.outbox import backlogs

log = logging.getLogger(__name__)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
FORWARDING_HEADERS = (b"x-forwarded-for", b"forwarded", b"x-real-ip")
FIGURES_TIMEOUT_SECONDS = 3.0


# --- HTTP ------------------------------------------------------------------------------------------

class HttpMetrics:
    """Observe every HTTP request's duration under its method, route template and status."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            metrics.HTTP_REQUEST_SECONDS.labels(method=method, route=route_template(scope), status=str(status)).observe(
                time.perf_counter() - started)


def route_template(scope: Scope) -> str:
    """The path template of the route that served (or would serve) the request."""
    route = scope.get("route")
    if route is None and scope.get("app") is not None:  # refused before routing (413): match it now
        route = next((candidate for candidate in scope["app"].routes
                      if candidate.matches(scope)[0] == Match.FULL), None)
    return getattr(route, "path", None) or metrics.UNMATCHED_ROUTE


# --- GraphQL ---------------------------------------------------------------------------------------

class RootFieldMetrics(SchemaExtension):
    """Observe each query or mutation once per root field of the schema that it selects."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        operation, fields = root_fields(context.graphql_document, context.operation_name,
                                        _schema_root_fields(context.schema))
        if operation == "subscription":
            return  # a subscription lasts as long as its socket: not a request latency
        elapsed = time.perf_counter() - started
        for field in fields:
            metrics.GRAPHQL_FIELD_SECONDS.labels(operation=operation, field=field).observe(elapsed)


@lru_cache(maxsize=4)
def _schema_root_fields(schema) -> dict[str, frozenset[str]]:
    graphql_schema = schema._schema
    roots = {"query": graphql_schema.query_type, "mutation": graphql_schema.mutation_type,
             "subscription": graphql_schema.subscription_type}
    return {name: frozenset(root.fields) if root is not None else frozenset() for name, root in roots.items()}


INTROSPECTION_FIELDS = frozenset({"__schema", "__type", "__typename"})


def root_fields(document: DocumentNode | None, operation_name: str | None,
                schema_fields: dict[str, frozenset[str]]) -> tuple[str, list[str]]:
    """(operation type, root field names) of the operation a request runs, each name one of the
    schema's fields or ``(invalid)``; the operation name only picks the operation, never a label."""
    invalid = metrics.GRAPHQL_INVALID_FIELD
    if document is None:
        return invalid, [invalid]
    operations = [node for node in document.definitions if isinstance(node, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [node for node in operations if node.name is not None and node.name.value == operation_name]
    if len(operations) != 1:
        return invalid, [invalid]
    operation = operations[0]
    kind = operation.operation.value  # "query", "mutation" or "subscription"
    known = schema_fields.get(kind, frozenset())
    fragments = {node.name.value: node for node in document.definitions if isinstance(node, FragmentDefinitionNode)}
    found: list[str] = []
    for name in _field_names(operation.selection_set, fragments, set()):
        label = name if name in known or name in INTROSPECTION_FIELDS else invalid
        if label not in found:
            found.append(label)
    return kind, found or [invalid]


def _field_names(selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode],
                 seen: set[str]) -> Iterator[str]:
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            yield selection.name.value  # the field's name, never its alias
        elif isinstance(selection, InlineFragmentNode):
            yield from _field_names(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            seen.add(selection.name.value)
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                yield from _field_names(fragment.selection_set, fragments, seen)


# --- /metrics --------------------------------------------------------------------------------------

def allowed_networks(value: str) -> list:
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in value.split(",") if entry.strip()]


def may_read_metrics(scope: Scope, allowed: list) -> bool:
    """The client is in ``allowed``, and did not reach us through a proxy nobody trusted."""
    if "suara.forwarded_by" not in scope and any(name in FORWARDING_HEADERS for name, _ in scope["headers"]):
        return False
    client = scope.get("client")
    try:
        address = ipaddress.ip_address(client[0]) if client else None
    except ValueError:
        return False
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in allowed)


async def database_figures(state) -> metrics.DatabaseFigures:
    """Outbox and SMS queue sizes and ages, read on the primary under a short statement timeout."""
    now = utcnow()
    async with state.transaction() as session:
        found = await backlogs(session, now)
    pending, oldest_due, queued, oldest_queued = (found.outbox_pending, found.outbox_oldest_due, found.sms_queued,
                                                  found.sms_oldest_queued)
    wall = time.time()
    multiprocess_dir = _multiprocess_dir(state)
    return metrics.DatabaseFigures(
        outbox_pending=pending,
        outbox_oldest_due_seconds=(now - oldest_due).total_seconds() if oldest_due else 0.0,
        sms_queued=queued,
        sms_oldest_queued_seconds=max(0.0, (now - oldest_queued).total_seconds()) if oldest_queued else 0.0,
        job_lag_seconds={job: max(0.0, wall - at) for job, at in metrics.last_job_runs(multiprocess_dir).items()},
    )


def _multiprocess_dir(state) -> str | None:
    folder = state.settings.prometheus_multiproc_dir
    return str(folder) if folder else None


async def metrics_endpoint(request: Request) -> Response:
    state = request.app.state.suara
    if not may_read_metrics(request.scope, allowed_networks(state.settings.suara_metrics_allow)):
        return PlainTextResponse("Metrics are not served to this address (SUARA_METRICS_ALLOW).\n", status_code=403)
    try:
        figures = await asyncio.wait_for(database_figures(state), FIGURES_TIMEOUT_SECONDS)
    except Exception as error:  # noqa: BLE001 — the process's own metrics are still worth serving
        log.warning("metrics: database figures unavailable: %s", type(error).__name__)
        figures = None
    body = metrics.render(_multiprocess_dir(state), figures)
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
