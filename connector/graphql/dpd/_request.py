"""One request to the DPD's endpoint is one entry of the log: the schema extension that
tells :func:`connector.dpd.authorise` the request's document, variables and root fields."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import DocumentNode, FieldNode, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from connector.dpd import AuditContext


def root_fields(document: DocumentNode | None, operation: str | None) -> tuple[str, ...]:
    """The root fields the executed operation of ``document`` asks for."""
    names: list[str] = []
    for d in document.definitions if document else ():
        if isinstance(d, OperationDefinitionNode) and (
            operation is None or (d.name is not None and d.name.value == operation)
        ):
            names += [
                s.name.value
                for s in d.selection_set.selections
                if isinstance(s, FieldNode) and s.name.value != "__typename"
            ]
            break
    return tuple(dict.fromkeys(names))


class DpdRequest(SchemaExtension):
    """Hands the request's document, variables and root fields to
    :func:`connector.dpd.authorise`, so a request asking several fields is one entry of
    the log, and its hash is the query's."""

    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        ctx = ec.context
        if isinstance(ctx, AuditContext):
            ctx.document = ec.query or ""
            ctx.variables = dict(ec.variables or {})
            ctx.fields = root_fields(ec.graphql_document, ec.operation_name)
        yield
