"""Errors a caller did not cause are masked: the caller reads
:data:`~connector.edge.INTERNAL_MESSAGE` with ``extensions {code: INTERNAL, requestId}``,
the operator's log gets one line with the same request id and the real cause (with its
traceback when it is a bug rather than a failure we name: our own errors, a database that
is locked or down, a timeout).

Shown as they are: errors we raise on purpose for the caller (:class:`GuichetError`:
bad input, policy denials, a source that is down, said in words safe to show) and
GraphQL's own (syntax, validation). Masked: everything else, and :class:`AuditError`,
whose message may carry the database driver's.

:class:`MaskInternal` masks during execution (a schema extension); :func:`mask_errors`
masks what comes out of a whole request, extensions' failures included (the views)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import strawberry
from graphql import GraphQLError
from sqlalchemy.exc import OperationalError
from strawberry.extensions import MaskErrors
from strawberry.types import ExecutionContext

from connector.edge import INTERNAL, INTERNAL_MESSAGE, current_request_id
from connector.errors import AuditError, GuichetError

log = logging.getLogger("guichet.graphql")


def is_internal(error: GraphQLError) -> bool:
    """Whether ``error`` must be masked (see the module docstring)."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    return isinstance(original, AuditError) or not isinstance(original, GuichetError)


def _failure(original: BaseException) -> BaseException | None:
    """The failure ``original`` stands for, when it is one we can name (an audit log or
    a database that refused, is locked or down): logged in one line, no traceback."""
    if isinstance(original, GuichetError | OSError | TimeoutError):
        return original
    if isinstance(original, OperationalError):
        return original.orig if isinstance(original.orig, BaseException) else original
    return None


def masked(error: GraphQLError) -> GraphQLError:
    """The error the caller gets instead of ``error``; logs ``error`` once."""
    request_id = current_request_id()
    original = error.original_error
    failure = _failure(original) if original is not None else None
    shown = failure or original
    log.error(
        "request %s: internal error at %s: %s: %s",
        request_id or "-",
        ".".join(str(p) for p in error.path or ()) or "-",
        type(shown).__name__,
        shown,
        exc_info=None if failure is not None else original,
    )
    extensions: dict[str, object] = {"code": INTERNAL}
    if request_id is not None:
        extensions["requestId"] = request_id
    return GraphQLError(
        INTERNAL_MESSAGE,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


def mask_errors(errors: Sequence[GraphQLError]) -> list[GraphQLError]:
    """``errors``, the internal ones masked."""
    return [masked(e) if is_internal(e) else e for e in errors]


class MaskInternal(MaskErrors):
    """Strawberry's masking extension with our rule and our masked error."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_internal, error_message=INTERNAL_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return masked(error)


class QuietSchema(strawberry.Schema):
    """A schema that leaves logging errors to masking (strawberry logs every error with
    its traceback, a caller's mistakes included)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None
