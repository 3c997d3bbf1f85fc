"""Refused requests in the node's audit log: every request the node refuses before any
usage decision — a token refused (401), a body too large (413) or not a GraphQL request
(400) — leaves one deny entry (:meth:`UsageControl.refusal`, ``details.refused`` naming
the kind), written here for the HTTP layer; queries refused by GraphQL validation are
written by :mod:`connector.graphql._refused`. Without usage control nothing is written.

>>> refusals = RefusalLog(control, verifier)                          # doctest: +SKIP
>>> Middleware(Edge, max_body_bytes=..., on_refusal=refusals)        # doctest: +SKIP
"""

from __future__ import annotations

import logging

from starlette.datastructures import Headers
from starlette.types import Scope

from connector.edge import Refusal, request_id_of
from connector.errors import GuichetError
from connector.identity import Identity, TokenVerifier
from connector.usage import UsageControl

log = logging.getLogger("guichet.node")


class RefusalLog:
    """The node's :class:`~connector.edge.RefusalHook`: one entry per refusal, naming the
    caller as far as it is known (the identity an auth gate established, else the one its
    token stands for, else the public party). An entry that cannot be written is logged;
    the refusal stands."""

    def __init__(self, control: UsageControl | None, verifier: TokenVerifier | None) -> None:
        self.control = control
        self.verifier = verifier

    async def __call__(self, scope: Scope, refusal: Refusal) -> None:
        await self.record(scope, refusal)

    async def record(
        self, scope: Scope, refusal: Refusal, *, identity: Identity | None = None
    ) -> None:
        if self.control is None:
            return
        who = identity or await self._caller(scope)
        request_id = request_id_of(scope)
        try:
            await self.control.refusal(
                identity_party=who.party,
                client_id=who.client_id,
                purpose=who.purpose,
                reason=refusal.message,
                operation_name=None,
                operation_hash=refusal.fingerprint,
                what=refusal.what,
                request_id=request_id,
            )
        except GuichetError as exc:
            log.error("request %s: refusal not recorded in the audit log: %s", request_id, exc)

    async def _caller(self, scope: Scope) -> Identity:
        known = (scope.get("state") or {}).get("identity")
        if isinstance(known, Identity):
            return known
        header = Headers(scope=scope).get("authorization")
        if self.verifier is None or not header:
            return Identity.public()
        try:
            return await self.verifier.verify(header)
        except GuichetError:
            return Identity.public()
