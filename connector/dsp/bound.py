"""Tokens bound to an agreement: the ``authorization`` of a transfer's data address.

An opaque random token (``gdsp_...``), of which the node keeps only the SHA-256, beside
its transfer. :class:`BoundTokens` is a :class:`~connector.identity.TokenVerifier` put in
front of the node's own: such a token stands for the agreement's party, with the
agreement's purpose, restricted to the agreement's dataset (``Identity.datasets``), while
the transfer is STARTED and the token not expired; every other token goes to the node's
verifier. Usage control then decides a query with it like any other, the agreement among
the party's policies, and the audit entry names the agreement and the transfer
(``details.boundTo``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from connector.dsp.store import Rows
from connector.dsp.transfer_views import TOKEN_PREFIX, token_hash
from connector.errors import AuthError
from connector.identity import Identity, TokenVerifier
from connector.usage.agreements import AgreementStore


class BoundTokens:
    def __init__(
        self,
        inner: TokenVerifier | None,
        transfers: Rows,
        agreements: AgreementStore,
        clock: Callable[[], datetime],
    ) -> None:
        self.inner, self.transfers, self.agreements, self.clock = (
            inner,
            transfers,
            agreements,
            clock,
        )

    async def verify(self, authorization_header: str | None) -> Identity:
        scheme, _, token = (authorization_header or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and token.startswith(TOKEN_PREFIX):
            return await self._bound(token)
        if self.inner is None:
            if authorization_header and authorization_header.strip():
                raise AuthError("this node accepts no tokens: no [auth] issuer is configured")
            return Identity.public()
        return await self.inner.verify(authorization_header)

    async def _bound(self, token: str) -> Identity:
        row = await self.transfers.find(token_hash=token_hash(token))
        if row is None or row["state"] != "STARTED":
            raise AuthError(
                "this transfer token is not valid: unknown, or its transfer is no longer "
                "STARTED (completed, suspended or terminated)"
            )
        if datetime.fromisoformat(row["token_expires"]) <= self.clock():
            raise AuthError(f"this transfer token expired at {row['token_expires']}")
        agreement = await self.agreements.get(row["agreement"])
        if agreement is None:  # never: a transfer is only started under a stored agreement
            raise AuthError(f"the agreement {row['agreement']} of this token is gone")
        return Identity(
            party=agreement.party,
            purpose=agreement.purpose,
            token_id=f"{row['provider_pid']}#token",
            claims={"agreement": agreement.iri, "transfer": row["provider_pid"]},
            datasets=(agreement.dataset,),
        )
