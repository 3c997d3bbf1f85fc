"""The messages a node sends: each with a token of its own, retried when the other side
is unreachable or failing.

The token comes from the data space's issuer by the client-credentials grant, with the
``[dsp]`` credentials (:class:`~connector.config.dsp.DspConfig`), for the receiving
node's audience (RFC 8707 ``resource``); it is kept until shortly before it expires.
A 5xx answer or a connection that fails is retried with a growing pause; a 4xx answer
is the other side's word and is not retried.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from connector.config.dsp import DspConfig
from connector.dsp.schemas import problems
from connector.errors import AuthError, GuichetError
from connector.identity.verifier import issuer_metadata

CALLBACK = "/dsp/callback"


class SendError(GuichetError):
    """A message that could not be delivered, or that the other side refused."""


def audience_of(url: str) -> str:
    """The audience a node's token is for, from one of its DSP addresses: the node's base
    URL (``.../dsp/callback`` or ``.../dsp`` and what follows taken off), else the origin."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    for marker in (CALLBACK, "/dsp"):
        at = (parts.path + "/").find(marker + "/")
        if at >= 0:
            return origin + parts.path[:at]
    return origin


class Outbound:
    """Sends the protocol's messages for one node (or one ``guichet dsp`` command);
    ``purpose``: the purpose its tokens carry (``guichet dsp negotiate --purpose``)."""

    def __init__(
        self,
        credentials: DspConfig | None,
        client: httpx.AsyncClient,
        *,
        attempts: int = 4,
        pause: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        purpose: str | None = None,
    ) -> None:
        self.credentials, self.client, self.purpose = credentials, client, purpose
        self.attempts, self.pause, self.sleep = attempts, pause, sleep
        self._tokens: dict[str, tuple[str, float]] = {}
        self._token_endpoint: str | None = None

    async def token(self, audience: str) -> str:
        """An access token of this node for ``audience``."""
        c = self.credentials
        if c is None:
            raise AuthError(
                "this node has no [dsp] credentials: add client_id and client_secret_file "
                "(or client_secret_env) to send Dataspace Protocol messages"
            )
        kept = self._tokens.get(audience)
        if kept is not None and kept[1] > time.time() + 30:
            return kept[0]
        if self._token_endpoint is None:
            found = await issuer_metadata(c.issuer, self.client, require=("token_endpoint",))
            self._token_endpoint = str(found[1]["token_endpoint"]) if found else f"{c.issuer}/token"
        form = {"grant_type": "client_credentials", "resource": audience}
        if self.purpose:  # a consumer's: the agreement is made for it (acceptOffer's rule)
            form["purpose"] = self.purpose
        try:
            r = await self.client.post(
                self._token_endpoint, data=form, auth=(c.client_id, c.secret())
            )
        except httpx.HTTPError as exc:
            raise AuthError(f"the issuer {c.issuer} cannot be reached: {exc}") from exc
        if r.status_code != 200:
            raise AuthError(f"the issuer {c.issuer} refused a token for {audience}: {r.text}")
        body = r.json()
        token = str(body["access_token"])
        self._tokens[audience] = (token, time.time() + float(body.get("expires_in", 300)))
        return token

    async def request(
        self,
        method: str,
        url: str,
        message: dict[str, Any] | None = None,
        *,
        schema: str | None = None,
        signed: bool = True,
    ) -> httpx.Response:
        """Send one message, after checking it against its ``schema`` (what we send must be
        what the protocol says); the answer, whatever its status, once one came.
        ``signed=False``: without a token (the catalog, for anyone)."""
        if schema is not None and message is not None:
            wrong = problems(schema, message)
            if wrong:  # our own bug: never sent
                raise SendError(f"the {message.get('@type')} to send is invalid: {wrong}")
        headers = {}
        if signed:
            headers["Authorization"] = f"Bearer {await self.token(audience_of(url))}"
        last = ""
        for attempt in range(self.attempts):
            if attempt:
                await self.sleep(self.pause * 2 ** (attempt - 1))
            try:
                r = await self.client.request(method, url, json=message, headers=headers)
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
                continue
            if r.status_code < 500:
                return r
            last = f"HTTP {r.status_code}: {r.text[:300]}"
        raise SendError(f"{method} {url} failed after {self.attempts} attempts: {last}")

    async def deliver(self, url: str, message: dict[str, Any], schema: str) -> None:
        """POST a message that must be accepted (2xx); else :class:`SendError`."""
        r = await self.request("POST", url, message, schema=schema)
        if not r.is_success:
            raise SendError(f"POST {url} was refused: HTTP {r.status_code}: {r.text[:500]}")
