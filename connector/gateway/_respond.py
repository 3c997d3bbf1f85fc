"""One client request, end to end: parse (under the token limit), check the aliases,
validate against the supergraph, check the depth and cost, plan (cached per document and
operation), execute, and shape the merged data into exactly what the client asked for
(aliases, fragments, ``@include``/``@skip``, ``__typename``, introspection) with
graphql-core itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    OperationType,
    execute_sync,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values

from connector.errors import GatewayError
from connector.gateway._execute import Executor
from connector.gateway._http import SubgraphClient
from connector.gateway._limits import Limits, alias_count, measure
from connector.gateway._plan import QueryPlan
from connector.gateway._planner import operation_of, plan
from connector.gateway._shape import Shaper
from connector.gateway._supergraph import Supergraph
from connector.telemetry import labels


def _by_response_key(source: Any, info: GraphQLResolveInfo[Any], **_: Any) -> Any:
    if isinstance(source, Mapping):
        return source.get(info.path.key)
    return None


def _type_of(value: Any, *_: Any) -> str | None:
    return value.get("__typename") if isinstance(value, Mapping) else None


def _error(message: str, code: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}


@dataclass(frozen=True)
class Prepared:
    """What a document that passed validation and the limits keeps for its next requests:
    the operation, its plan, and the shaper of its answers."""

    document: DocumentNode
    operation: OperationDefinitionNode
    plan: QueryPlan
    shaper: Shaper


@dataclass
class Responder:
    """Answers GraphQL requests against one supergraph; plans are cached per
    ``(document, operation name)`` for the life of the supergraph."""

    supergraph: Supergraph
    client: SubgraphClient
    limits: Limits = field(default_factory=Limits)
    max_cached_plans: int = 500

    def __post_init__(self) -> None:
        self.plans: dict[tuple[str, str | None], Prepared] = {}

    def prepare(self, query: str, operation_name: str | None) -> Prepared:
        """The validated document, its operation, plan and shaper; ``GraphQLError`` or
        ``GatewayError`` says why there is none. A document met before is neither parsed
        nor validated again: the cache holds only documents that passed, for the life of
        this supergraph."""
        cached = self.plans.get((query, operation_name))
        if cached is not None:
            return cached
        document = self._parse(query)
        aliases = alias_count(document)
        if aliases > self.limits.max_aliases:
            raise GatewayError(
                f"the query has {aliases} aliases, more than this gateway's limit of "
                f"{self.limits.max_aliases} (--max-aliases)"
            )
        errors = validate(self.supergraph.api_schema, document)
        if errors:
            raise errors[0]
        operation = operation_of(document, operation_name)
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        depth, cost = measure(
            self.supergraph.schema, operation, fragments, list_size=self.limits.list_size
        )
        if depth > self.limits.max_depth:
            raise GatewayError(f"query depth {depth} exceeds the limit of {self.limits.max_depth}")
        if cost > self.limits.max_cost:
            raise GatewayError(f"query cost {cost} exceeds the limit of {self.limits.max_cost}")
        prepared = Prepared(
            document,
            operation,
            plan(self.supergraph, document, operation_name),
            Shaper(self.supergraph.api_schema, document, operation),
        )
        if len(self.plans) >= self.max_cached_plans:
            self.plans.pop(next(iter(self.plans)))
        self.plans[(query, operation_name)] = prepared
        return prepared

    def _parse(self, query: str) -> DocumentNode:
        limit = self.limits.max_tokens
        try:
            return parse(query, max_tokens=limit)
        except GraphQLSyntaxError as exc:
            if exc.description == f"Document contains more than {limit} tokens. Parsing aborted.":
                raise GatewayError(
                    f"the query has more than {limit} tokens, this gateway's limit (--max-tokens)"
                ) from None
            raise

    async def respond(
        self,
        query: str,
        *,
        variables: Mapping[str, Any] | None = None,
        operation_name: str | None = None,
        headers: Mapping[str, str] | None = None,
        show_plan: bool = False,
        read_only: bool = False,
    ) -> dict[str, Any]:
        """The GraphQL response body (``data``, ``errors``, ``extensions``)."""
        variables = dict(variables or {})
        try:
            prepared = self.prepare(query, operation_name)
        except GraphQLError as exc:
            return {
                "errors": [{**exc.formatted, "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]
            }
        except GatewayError as exc:
            return {"errors": [_error(str(exc), "QUERY_REJECTED")]}
        document, operation, query_plan = prepared.document, prepared.operation, prepared.plan
        if (found := labels()) is not None:
            found.operation = operation.operation.value
        if read_only and operation.operation != OperationType.QUERY:
            message = f"a {operation.operation.value} cannot be sent with GET: use POST"
            return {"errors": [_error(message, "METHOD_NOT_ALLOWED")]}
        coerced = get_variable_values(
            self.supergraph.api_schema, operation.variable_definitions or (), variables
        )
        if isinstance(coerced, list):  # bad variables: no subgraph is asked
            return {
                "errors": [
                    {**e.formatted, "extensions": {"code": "BAD_USER_INPUT"}} for e in coerced
                ]
            }
        executor = Executor(
            client=self.client,
            urls=self.supergraph.urls(),
            headers=dict(headers or {}),
            variables=variables,
            flags=coerced.coerced,
        )
        outcome = await executor.run(query_plan)
        errors = list(outcome.errors)
        data = prepared.shaper.shape(outcome.data, coerced)
        if data is None:  # the executor nulls and reports what the shaper cannot answer
            shaped = execute_sync(
                self.supergraph.api_schema,
                document,
                root_value=outcome.data,
                variable_values=variables,
                operation_name=operation_name,
                field_resolver=_by_response_key,
                type_resolver=_type_of,
            )
            data = shaped.data
            failed = [_names(e.get("path") or []) for e in errors]
            for e in shaped.errors or ():
                mine = _names(e.path or [])
                if not any(_prefix(f, mine) or _prefix(mine, f) for f in failed):
                    errors.append(dict(e.formatted))
        body: dict[str, Any] = {"data": data}
        if errors:
            body["errors"] = errors
        extensions: dict[str, Any] = dict(outcome.extensions)
        if show_plan:
            extensions["queryPlan"] = query_plan.describe()
            extensions["subgraphRequests"] = dict(outcome.requests)
        if extensions:
            body["extensions"] = extensions
        return body


def _names(path: Any) -> tuple[str, ...]:
    return tuple(p for p in path if isinstance(p, str))


def _prefix(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return b[: len(a)] == a
