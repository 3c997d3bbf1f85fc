"""The GraphQL face applying the node's one usage decision around each execution.

Before execution: the analysis states what the operation uses (from the fields'
annotations only) and :meth:`UsageControl.decide` decides it once. During: resolvers
apply that decision (:mod:`connector.graphql._resolvers`). After: the denied uses that
no resolver reported become errors, ``extensions.usage`` carries the usage terms, and
every decision goes to the audit log.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any
from weakref import WeakKeyDictionary

from graphql import DocumentNode, GraphQLError, GraphQLSchema
from strawberry.extensions import SchemaExtension

from connector.audit import operation_hash
from connector.graphql._analysis import Analysis, analyse
from connector.graphql._context import RequestContext

ANALYSES = 512
"""Operations whose analysis is remembered per schema (least recently used out)."""
_analyses: WeakKeyDictionary[GraphQLSchema, OrderedDict[str, tuple[DocumentNode, Analysis]]] = (
    WeakKeyDictionary()
)


def _analysed(
    schema: GraphQLSchema, document: DocumentNode, op_hash: str, variables: dict[str, Any]
) -> Analysis:
    """The operation's analysis, worked out once per document and variables: it depends on
    nothing else (the schema's annotations are fixed). Documents are parsed once per text
    (:class:`~connector.graphql._refused.KnownDocuments`), and the analysis keys computed
    uses by the identity of the document's field nodes, so an analysis is reused only for
    that very document object (kept alive with it), under the operation's fingerprint
    (document and variables)."""
    known = _analyses.setdefault(schema, OrderedDict())
    hit = known.get(op_hash)
    if hit is not None and hit[0] is document:
        known.move_to_end(op_hash)
        return hit[1]
    found = analyse(schema, document, variables=variables)
    known[op_hash] = (document, found)
    if len(known) > ANALYSES:
        known.popitem(last=False)
    return found


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
        found = _analysed(ec.schema._schema, ec.graphql_document, op_hash, ec.variables or {})
        ctx.computed = found.computed
        ctx.decision = decision = await control.decide(ctx.identity, found.uses)
        yield
        result = ec.result
        if result is not None:
            errors = list(result.errors or [])
            reported = {(e.extensions or {}).get("dataset") for e in errors}
            for d in decision.denials():
                if d.dataset.iri not in reported:
                    errors.append(
                        GraphQLError(
                            f"access to dataset {d.dataset.id!r} denied: {d.reason}",
                            extensions=d.error_extensions(),
                        )
                    )
                    reported.add(d.dataset.iri)
            result.errors = errors or None
        if decision.decisions:
            await control.record(decision, operation_hash=op_hash, operation_name=ec.operation_name)

    def get_results(self) -> dict[str, Any]:
        ctx = self.execution_context.context
        decision = ctx.decision if isinstance(ctx, RequestContext) else None
        if decision is None or not decision.decisions:
            return {}
        return {"usage": decision.usage_terms()}
