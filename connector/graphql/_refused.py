"""An operation refused before execution — it does not parse, it is over the depth, alias
or token limits, or it does not validate — leaves one deny entry in the node's audit log
(:meth:`UsageControl.refusal`), like every other refused request. The limits themselves
are strawberry's extensions, :func:`limit_extensions`, with the document caches that
spare a repeated operation its parse and validation."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Protocol, runtime_checkable

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.schema import validate_document

from connector.audit import operation_hash
from connector.config.sections import Limits
from connector.edge import current_request_id
from connector.errors import GuichetError
from connector.identity import Identity
from connector.telemetry import labels
from connector.usage import UsageControl

log = logging.getLogger("guichet.graphql")


@runtime_checkable
class Caller(Protocol):
    """A request context naming its caller and the node's usage control (if any)."""

    @property
    def identity(self) -> Identity: ...

    @property
    def control(self) -> UsageControl | None: ...


class RecordRefusals(SchemaExtension):
    """Writes the entry of an operation that never executed (see the module docstring)."""

    def __init__(self, *, execution_context: Any = None) -> None:
        self.executed = False

    def on_execute(self) -> Iterator[None]:
        self.executed = True
        yield

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        ec = self.execution_context
        if (found := labels()) is not None:
            found.operation = _operation_type(ec)
        ctx = ec.context
        errors = ec.pre_execution_errors or []
        if self.executed or not errors or not isinstance(ctx, Caller) or ctx.control is None:
            return
        request_id = current_request_id()
        try:
            await ctx.control.refusal(
                identity_party=ctx.identity.party,
                client_id=ctx.identity.client_id,
                purpose=ctx.identity.purpose,
                reason="; ".join(e.message for e in errors[:3]),
                operation_name=ec.operation_name,
                operation_hash=operation_hash(ec.query or "", dict(ec.variables or {})),
                what="invalid-query",
                request_id=request_id,
            )
        except GuichetError as exc:  # the refusal stands; the operator learns what is missing
            log.error("request %s: refusal not recorded in the audit log: %s", request_id, exc)


def _operation_type(ec: Any) -> str:
    """``query``, ``mutation``... or ``none`` for a document naming no runnable one."""
    try:
        return str(ec.operation_type.value)
    except Exception:  # no document, or no such operation: strawberry raises its own errors
        return "none"


DOCUMENTS = 512  # distinct operation texts remembered per schema (least recently used out)


class KnownDocuments(SchemaExtension):
    """Parses and validates an operation text once per schema: a text already seen reuses
    its document and its verdict (its validation errors, or none). Both depend only on the
    schema, the text and the limits, which are fixed per schema, so they are the same at
    every request. (strawberry's ``ValidationCache`` keys on the rule classes, which the
    limiters make anew at every request, so it never hits; its ``ParserCache`` raises a
    syntax error outside strawberry's own handling, so the refusal would go unrecorded.)
    A text that does not parse is not remembered: strawberry parses it again and refuses
    it the usual way. Bounded: a flood of distinct texts keeps only the last
    :data:`DOCUMENTS`."""

    def __init__(
        self, known: OrderedDict[str, tuple[DocumentNode, list[GraphQLError]]], **_: Any
    ) -> None:
        self.known = known

    def on_parse(self) -> Iterator[None]:
        ec = self.execution_context
        hit = self.known.get(ec.query) if ec.query is not None else None
        if hit is not None:
            self.known.move_to_end(ec.query)  # type: ignore[arg-type]
            ec.graphql_document = hit[0]
        yield

    def on_validate(self) -> Iterator[None]:
        ec = self.execution_context
        if ec.query is None or ec.graphql_document is None or not ec.validation_rules:
            yield
            return
        hit = self.known.get(ec.query)
        if hit is None:
            errors = validate_document(ec.schema._schema, ec.graphql_document, ec.validation_rules)
            self.known[ec.query] = hit = (ec.graphql_document, errors)
            if len(self.known) > DOCUMENTS:
                self.known.popitem(last=False)
        ec.pre_execution_errors = list(hit[1])
        yield


def limit_extensions(limits: Limits) -> list[Callable[[], SchemaExtension]]:
    """The depth, alias and token limits of ``limits``, as strawberry extensions, and the
    caches of parsed and validated operations (one validation cache per call: per schema)."""
    known: OrderedDict[str, tuple[DocumentNode, list[GraphQLError]]] = OrderedDict()
    return [
        lambda: KnownDocuments(known),
        lambda: QueryDepthLimiter(max_depth=limits.max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=limits.max_aliases),
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
    ]
