"""What a node publishes or does for the DPD console outside GraphQL: its RFC 9728
protected-resource metadata, and the policy history recorded at start-up."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connector.audit import PolicyVersion
from connector.config import NodeConfig
from connector.errors import AuditError
from connector.usage.audit_api_datasets import record_policy_versions
from connector.usage.control import UsageControl

log = logging.getLogger("guichet.node")

WELL_KNOWN = "/.well-known/oauth-protected-resource"


def protected_resource(config: NodeConfig) -> Callable[[Request], Awaitable[Response]]:
    """``GET /.well-known/oauth-protected-resource`` (RFC 9728 §3): the audience the
    node's tokens must carry and the issuer that signs them, so that a client (the DPD
    console) asks for the right ``resource``. Unauthenticated."""

    async def view(request: Request) -> Response:
        if config.auth is None:
            return JSONResponse(
                {"error": "this node accepts no tokens: no [auth] issuer is configured"},
                status_code=404,
            )
        settings = config.auth.settings
        return JSONResponse(
            {
                "resource": settings["audience"],
                "authorization_servers": [settings["issuer"]],
                "bearer_methods_supported": ["header"],
                "resource_name": config.title,
            }
        )

    return view


async def on_startup(control: UsageControl | None) -> list[PolicyVersion]:
    """Record the policies the node starts enforcing; a database that is down is logged
    (the node still starts, like with a source that is down)."""
    if control is None:
        return []
    try:
        added = await record_policy_versions(control)
    except AuditError as exc:
        log.error("policy history not recorded: %s", exc)
        return []
    for v in added:
        log.info("dataset %s: policy version %d (sha256 %s)", v.dataset, v.version, v.sha256)
    return added
