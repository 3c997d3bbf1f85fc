"""The node's Dataspace Protocol, put together: its routes, its store, the messages it
sends, and the verifier that knows the transfers' tokens.

Every route but the version sits behind the node's auth gate (``gate``: a handler and the
401 its protocol answers, to an ASGI app), so a token is verified the one way; without
usage control (``[usage] enforce = false``) there are no agreements to make, and only
the version and the catalog are served.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from connector.config import NodeConfig
from connector.dsp.bound import BoundTokens
from connector.dsp.callbacks import ConsumerCallbacks
from connector.dsp.negotiation_steps import ProviderSteps
from connector.dsp.negotiation_views import NegotiationViews, negotiation_unauthorized
from connector.dsp.outbound import Outbound
from connector.dsp.store import DspStore
from connector.dsp.transfer_views import MESSAGES, TransferViews, transfer_unauthorized
from connector.dsp.views import DspViews, catalog_unauthorized
from connector.errors import AuthError
from connector.identity import TokenVerifier
from connector.usage import DatasetPolicy, UsageControl

log = logging.getLogger("guichet.dsp")
Handler = Callable[[Request], Awaitable[Response]]
Gate = Callable[[Handler, Callable[[AuthError], Response]], ASGIApp]


class DspNode:
    def __init__(
        self,
        config: NodeConfig,
        policies: Mapping[str, DatasetPolicy],
        control: UsageControl | None,
        *,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], datetime],
    ) -> None:
        self.catalog = DspViews(config, policies)
        self.control = control
        self.client = client or httpx.AsyncClient(timeout=10)
        self._own_client = client is None
        self.outbound = Outbound(config.dsp, self.client)
        self.store = (
            DspStore(control.audit.engine, control.audit.writer) if control is not None else None
        )
        if control is not None and self.store is not None:
            s = self.store
            self.steps = ProviderSteps(
                config, policies, s.negotiations, control, self.outbound, clock
            )
            self.negotiations = NegotiationViews(
                config, policies, s.negotiations, s.counters, self.steps, clock
            )
            self.transfers = TransferViews(
                config, s.transfers, control, self.outbound, clock, self.steps.tasks
            )
            self.callbacks = ConsumerCallbacks(config, s, self.outbound, self.steps.tasks)
        self.clock = clock
        if control is not None and config.dsp is None:
            log.info(
                "node %r has no [dsp] credentials: it answers Dataspace Protocol requests but "
                "cannot deliver an agreement or a transfer's start to a consumer",
                config.name,
            )

    def verifier(self, inner: TokenVerifier | None) -> TokenVerifier | None:
        """The node's verifier, knowing the transfers' tokens too."""
        if self.control is None or self.store is None:
            return inner
        return BoundTokens(inner, self.store.transfers, self.control.agreements, self.clock)

    def routes(self, gate: Gate) -> list[Route]:
        c = self.catalog
        routes = [
            Route("/.well-known/dspace-version", c.version),
            Route(
                "/dsp/catalog/request",
                gate(c.catalog_request, catalog_unauthorized),
                methods=["POST"],
            ),
            Route(
                "/dsp/catalog/datasets/{id:path}",
                gate(c.dataset, catalog_unauthorized),
                methods=["GET"],
            ),
        ]
        if self.store is None:
            return routes
        n, s, t, cb = self.negotiations, self.steps, self.transfers, self.callbacks

        def post(path: str, handler: Handler, refused: Callable[[AuthError], Response]) -> Route:
            return Route(path, gate(handler, refused), methods=["POST"])

        neg, tra = negotiation_unauthorized, transfer_unauthorized
        return [
            *routes,
            post("/dsp/negotiations/request", n.request, neg),
            post("/dsp/negotiations/{pid}/request", n.request_again, neg),
            post("/dsp/negotiations/{pid}/agreement/verification", s.verification, neg),
            post("/dsp/negotiations/{pid}/events", s.event, neg),
            post("/dsp/negotiations/{pid}/termination", s.termination, neg),
            Route("/dsp/negotiations/{pid}", gate(n.get, neg), methods=["GET"]),
            post("/dsp/transfers/request", t.request, tra),
            post("/dsp/transfers/{pid}/start", t.resume, tra),
            *(
                post(f"/dsp/transfers/{{pid}}/{what}", functools.partial(t.message, what=what), tra)
                for what in MESSAGES
            ),
            Route("/dsp/transfers/{pid}", gate(t.get, tra), methods=["GET"]),
            post("/dsp/callback/negotiations/{pid}/agreement", cb.agreement, neg),
            post("/dsp/callback/negotiations/{pid}/events", cb.event, neg),
            post("/dsp/callback/negotiations/{pid}/termination", cb.termination, neg),
            post("/dsp/callback/negotiations/{pid}/offers", cb.offer, neg),
            post("/dsp/callback/transfers/{pid}/start", cb.start, tra),
            *(
                post(
                    f"/dsp/callback/transfers/{{pid}}/{what}",
                    functools.partial(cb.transfer_message, what=what),
                    tra,
                )
                for what in MESSAGES
            ),
        ]

    async def aclose(self) -> None:
        if self.store is not None:
            await self.steps.tasks.aclose()
        if self._own_client:
            await self.client.aclose()
