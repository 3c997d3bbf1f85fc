"""What a node does for the DPD outside GraphQL: the exports as files, its RFC 9728
protected-resource metadata, and the policy history recorded at start-up."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connector.audit import AuditLog, PolicyVersion, export_csv, export_jsonld
from connector.config import NodeConfig
from connector.dpd._context import AuditContext, Forbidden
from connector.dpd._datasets import record_policy_versions
from connector.dpd._filter import FILTER_KEYS, FilterValues, parse_moment
from connector.dpd._log import entries_for
from connector.errors import AuditError, QueryError
from connector.identity.asgi import caller
from connector.usage import UsageControl
from connector.usage.resources import resource_iris

log = logging.getLogger("guichet.node")

WELL_KNOWN = "/.well-known/oauth-protected-resource"


async def export_view(
    request: Request,
    config: NodeConfig,
    audit: AuditLog,
    fmt: str,
    control: UsageControl | None = None,
) -> Response:
    """``GET /audit/export.csv?party=...&dataset=...&since=...``: the same as
    ``auditExport``, for tools that want a file."""
    identity = caller(request)
    ctx = AuditContext(
        config,
        audit,
        identity,
        document=f"GET {request.url.path}",
        variables=dict(request.query_params),
        control=control,
    )
    try:
        args = dict(request.query_params)
        unknown = set(args) - set(FILTER_KEYS)
        if unknown:
            raise QueryError(
                f"unknown filter {sorted(unknown)[0]!r}; expected {', '.join(FILTER_KEYS)}"
            )
        f = FilterValues(
            party=args.get("party"),
            dataset=args.get("dataset"),
            decision=args.get("decision"),
            purpose=args.get("purpose"),
            client_id=args.get("client_id"),
            since=args.get("since"),
            until=args.get("until"),
            entity=args.get("entity"),
            address=args.get("address"),
        )
        for name in ("since", "until"):
            parse_moment(name, args.get(name))
        found = await entries_for(ctx, f, "auditExport", {"format": fmt, **args})
    except Forbidden as exc:
        return JSONResponse({"error": str(exc)}, status_code=403)
    except QueryError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    if fmt == "csv":
        return Response(export_csv(found), media_type="text/csv; charset=utf-8")
    document = export_jsonld(found, config.base_iri, resource_iris(config))
    return JSONResponse(document, media_type="application/ld+json")


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
