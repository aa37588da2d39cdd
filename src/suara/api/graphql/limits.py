"""What a GraphQL request may cost, checked before any resolver runs.

One request must not be able to stall the server or leak the schema's shape by guessing:
documents are capped in tokens (while parsing), depth and aliases (while validating), each
expensive field may appear once, and text PostgreSQL cannot store is refused before execution.
Every refusal is a GraphQL error with a stable ``extensions.code``; "Did you mean …?" hints are
removed from all messages. Introspection stays on: Suara's GraphQL is a public API.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValidationContext,
    ValidationRule,
    Visitor,
    parse,
    visit,
)
from strawberry.extensions import SchemaExtension

from suara.api.graphql.errors import graphql_error_for
from suara.common.errors import DomainError
from suara.common.text import INVALID_TEXT_EN, INVALID_TEXT_ID, is_storable

EXPENSIVE_FIELDS = frozenset({"suggestRouting", "similarSubmissions", "filingHints"})
"""Fields that run the classifier: at most one of each per request."""

PARSE_CACHE_SIZE = 256
SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


@dataclass(frozen=True)
class Limits:
    max_depth: int = 15
    max_aliases: int = 30
    max_tokens: int = 2000

    @classmethod
    def from_settings(cls, settings) -> Limits:
        return cls(max_depth=settings.suara_graphql_max_depth, max_aliases=settings.suara_graphql_max_aliases,
                   max_tokens=settings.suara_graphql_max_tokens)


def client_error(code: str, message_id: str, message_en: str, **details) -> GraphQLError:
    """A refusal the client can act on: both languages in the message, the code in extensions."""
    return GraphQLError(f"{message_id} / {message_en}", extensions={"code": code, **details})


# --- the shape of a document ---------------------------------------------------------------------

@dataclass
class Shape:
    depth: int = 0
    aliases: int = 0
    expensive: Counter = field(default_factory=Counter)

    def add(self, other: Shape, *, deeper: bool) -> None:
        self.depth = max(self.depth, other.depth + (1 if deeper else 0))
        self.aliases += other.aliases
        self.expensive.update(other.expensive)


def measure(selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode],
            memo: dict[str, Shape], visiting: frozenset[str] = frozenset()) -> Shape:
    """Depth, aliases and expensive fields of a selection with its fragments expanded.

    Each fragment is measured once, so nested fragments that multiply cannot make this slow; a
    cycle counts as empty (graphql's own NoFragmentCycles rule refuses it)."""
    shape = Shape()
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            name = selection.name.value
            child = measure(selection.selection_set, fragments, memo, visiting)
            if name.startswith("__"):  # introspection is deep by nature and costs no database work
                child.depth = 0
            shape.add(child, deeper=True)
            shape.aliases += 1 if selection.alias else 0
            if name in EXPENSIVE_FIELDS:
                shape.expensive[name] += 1
        elif isinstance(selection, InlineFragmentNode):
            shape.add(measure(selection.selection_set, fragments, memo, visiting), deeper=False)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in visiting or name not in fragments:
                continue
            if name not in memo:
                memo[name] = measure(fragments[name].selection_set, fragments, memo, visiting | {name})
            shape.add(memo[name], deeper=False)
    return shape


@lru_cache(maxsize=16)
def shape_rule(limits: Limits) -> type[ValidationRule]:
    """A validation rule for these limits (one class per limits, so validation caching still hits)."""

    class RequestShape(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document = context.document
            fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
            memo: dict[str, Shape] = {}
            reported: set[str] = set()

            def report(error: GraphQLError) -> None:
                if error.extensions["code"] not in reported:
                    reported.add(error.extensions["code"])
                    context.report_error(error)

            for operation in document.definitions:
                if not isinstance(operation, OperationDefinitionNode):
                    continue
                shape = measure(operation.selection_set, fragments, memo)
                if shape.depth > limits.max_depth:
                    report(client_error(
                        "query_too_deep", f"Kueri terlalu dalam (paling banyak {limits.max_depth} tingkat).",
                        f"The query is nested too deeply (at most {limits.max_depth} levels).",
                        limit=limits.max_depth))
                if shape.aliases > limits.max_aliases:
                    report(client_error(
                        "too_many_aliases", f"Terlalu banyak alias (paling banyak {limits.max_aliases}).",
                        f"Too many aliases (at most {limits.max_aliases}).", limit=limits.max_aliases))
                for name, count in sorted(shape.expensive.items()):
                    if count > 1:
                        report(client_error(
                            "field_repeated", f"Kolom {name} hanya boleh diminta sekali per permintaan.",
                            f"The field {name} may be asked for only once per request.", field=name))

    return RequestShape


@lru_cache(maxsize=PARSE_CACHE_SIZE)
def parse_document(query: str, max_tokens: int) -> DocumentNode:
    return parse(query, max_tokens=max_tokens)


# --- text PostgreSQL cannot store ----------------------------------------------------------------

class _LiteralStrings(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.unstorable = False

    def enter_string_value(self, node: StringValueNode, *_args) -> None:
        if not is_storable(node.value):
            self.unstorable = True


def has_unstorable_text(document: DocumentNode, variables: object) -> bool:
    """True when a literal string argument or any variable value (or key) holds NUL or a lone surrogate."""
    literals = _LiteralStrings()
    visit(document, literals)
    if literals.unstorable:
        return True
    pending = [variables]
    while pending:  # no recursion: the depth of variables is the client's choice
        value = pending.pop()
        if isinstance(value, str):
            if not is_storable(value):
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


# --- the extension -------------------------------------------------------------------------------

def _without_suggestions(error: GraphQLError, code: str) -> None:
    error.message = SUGGESTION.sub("", error.message)
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": code}


class RequestLimits(SchemaExtension):
    """Applies `Limits` from the app's settings to every operation; parses with a cache."""

    def _limits(self) -> Limits:
        state = getattr(self.execution_context.context, "state", None)
        return Limits.from_settings(state.settings) if state is not None else Limits()

    def on_operation(self) -> Iterator[None]:
        self.limits = self._limits()
        context = self.execution_context
        context.validation_rules = (*context.validation_rules, shape_rule(self.limits))
        yield

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None or not context.query:
            yield  # already parsed, or nothing to parse (Strawberry refuses a missing query)
            return
        try:
            context.graphql_document = parse_document(context.query, self.limits.max_tokens)
        except GraphQLSyntaxError as error:
            if "tokens" in error.message:
                error.message = (f"Kueri terlalu panjang (paling banyak {self.limits.max_tokens} token). / "
                                 f"The query is too long (at most {self.limits.max_tokens} tokens).")
                error.extensions = {"code": "query_too_long", "limit": self.limits.max_tokens}
            else:
                error.extensions = {"code": "syntax_error"}
            raise
        yield

    def on_validate(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or ():
            _without_suggestions(error, "invalid_query")

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and has_unstorable_text(context.graphql_document, context.variables):
            context.result = ExecutionResult(data=None, errors=[
                client_error("invalid_text", INVALID_TEXT_ID, INVALID_TEXT_EN)])
        yield
        result = context.result
        if result is None or not getattr(result, "errors", None):
            return
        for index, error in enumerate(result.errors):
            original = error.original_error
            if isinstance(original, DomainError):
                result.errors[index] = graphql_error_for(original, nodes=error.nodes, path=error.path)
            elif original is None or isinstance(original, GraphQLError):
                _without_suggestions(error, "invalid_input")
