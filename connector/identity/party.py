"""Who is calling: the identity a verified token (or its absence) stands for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

PUBLIC_PARTY = "https://guichet.agglo-larochelle.fr/participants/public"
"""The party of a request without a token; policies can name it as an assignee."""


@dataclass(frozen=True)
class Identity:
    """The caller, as established by a :class:`~connector.identity.TokenVerifier`.

    ``party`` is the participant IRI (the token's subject), or :data:`PUBLIC_PARTY` when
    the request carried no token (``anonymous`` is then true and every other field empty).
    """

    party: str
    client_id: str | None = None
    roles: tuple[str, ...] = ()
    purpose: str | None = None
    scopes: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    token_id: str | None = None
    claims: Mapping[str, Any] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, hash=False
    )
    datasets: tuple[str, ...] | None = None
    """The datasets this identity may use at all, when its token is bound to an agreement
    (a Dataspace Protocol transfer's token); ``None``: no such bound."""

    @property
    def anonymous(self) -> bool:
        return self.token_id is None and self.client_id is None and not self.claims

    @classmethod
    def public(cls, party: str = PUBLIC_PARTY) -> Identity:
        """The anonymous caller."""
        return cls(party=party)
