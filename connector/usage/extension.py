"""The strawberry extension that puts usage control around each GraphQL execution.

Before execution: work out the datasets the operation touches and decide on each. After:
report denied datasets that no resolver reported yet, add ``extensions.usage``, and append
every decision to the audit log.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from connector.audit import operation_hash
from connector.graphql._context import RequestContext
from connector.usage.analysis import analyse


class UsageExtension(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        ec = self.execution_context
        ctx = ec.context
        control = ctx.control if isinstance(ctx, RequestContext) else None
        if control is None or ec.graphql_document is None:
            yield
            return
        # hashed before execution: resolvers may consume the variables (``_entities``)
        op_hash = operation_hash(ec.query or "", dict(ec.variables or {}))
        touched = analyse(
            ec.schema._schema,
            ec.graphql_document,
            control.config,
            variables=ec.variables or {},
            operation_name=ec.operation_name,
        )
        ctx.usage = await control.decide(ctx.identity, touched)
        yield
        usage = ctx.usage
        result = ec.result
        if result is not None:
            errors = list(result.errors or [])
            reported = {(e.extensions or {}).get("dataset") for e in errors}
            for d in usage.denied():
                if d.dataset.iri not in reported:
                    errors.append(
                        GraphQLError(
                            f"access to dataset {d.dataset.id!r} denied: {d.reason}",
                            extensions=d.error_extensions(),
                        )
                    )
                    reported.add(d.dataset.iri)
            result.errors = errors or None
        if usage.decisions:
            await control.record(
                usage,
                operation_hash=op_hash,
                operation_name=ec.operation_name,
            )

    def get_results(self) -> dict[str, Any]:
        ctx = self.execution_context.context
        usage = ctx.usage if isinstance(ctx, RequestContext) else None
        if usage is None or not usage.decisions:
            return {}
        return {"usage": usage.usage_terms()}
