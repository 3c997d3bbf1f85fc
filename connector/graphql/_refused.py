"""An operation refused before execution — it does not parse, it is over the depth, alias
or token limits, or it does not validate — leaves one deny entry in the node's audit log
(:meth:`UsageControl.refusal`), like every other refused request. The limits themselves
are strawberry's extensions, :func:`limit_extensions`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Protocol, runtime_checkable

from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from connector.audit import operation_hash
from connector.config.sections import Limits
from connector.edge import current_request_id
from connector.errors import GuichetError
from connector.identity import Identity
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


def limit_extensions(limits: Limits) -> list[Callable[[], SchemaExtension]]:
    """The depth, alias and token limits of ``limits``, as strawberry extensions."""
    return [
        lambda: QueryDepthLimiter(max_depth=limits.max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=limits.max_aliases),
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
    ]
