"""What every NGSI-LD route shares: ProblemDetails, the JSON-LD context by content
negotiation, and one usage decision per request, recorded in the audit log."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connector.audit import operation_hash
from connector.errors import AuthError, QueryError, SourceError
from connector.identity.asgi import caller
from connector.usage import PolicyDenied, RequestDecision, UsageControl, Use

ERRORS = "https://uri.etsi.org/ngsi-ld/errors/"
POLICY_DENIED = "https://w3id.org/guichet/errors/PolicyDenied"
"""ETSI GS CIM 009 defines no error type for a refusal by usage policy: ours."""
UNAUTHENTICATED = "https://w3id.org/guichet/errors/Unauthenticated"
CORE_CONTEXT = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"
SDM_CONTEXT = "https://smartdatamodels.org/context.jsonld"
"""The Smart Data Models' context: the attribute names of Building,
IndoorEnvironmentObserved... as the models define them."""
LINK = f'<{SDM_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
JSONLD = "application/ld+json"


def ngsi_problem(status: int, kind: str, detail: str, **extra: Any) -> JSONResponse:
    """ProblemDetails (IETF RFC 7807) as ETSI GS CIM 009 §5.5.4 uses them."""
    type_ = kind if kind.startswith("https://") else ERRORS + kind
    return JSONResponse(
        {"type": type_, "title": kind.rsplit("/", 1)[-1], "detail": detail, **extra},
        status_code=status,
    )


def ngsi_unauthorized(error: AuthError) -> Response:
    """A refused token on an NGSI-LD route: 401 as ProblemDetails, with the RFC 6750
    challenge."""
    reason = str(error).replace('"', "'")
    response = ngsi_problem(401, UNAUTHENTICATED, f"the bearer token was refused: {reason}")
    response.headers["WWW-Authenticate"] = (
        f'Bearer error="invalid_token", error_description="{reason}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def respond(
    request: Request, body: list[dict[str, Any]], headers: dict[str, str] | None = None
) -> Response:
    """ETSI GS CIM 009 §6.3.5: ``Accept: application/ld+json`` gets each entity's
    ``@context`` in the body; otherwise ``application/json`` with the context in a
    ``Link`` header."""
    out = dict(headers or {})
    if JSONLD in request.headers.get("accept", ""):
        entities = [{**e, "@context": [SDM_CONTEXT, CORE_CONTEXT]} for e in body]
        return JSONResponse(entities, headers=out, media_type=JSONLD)
    out["Link"] = LINK
    return JSONResponse(body, headers=out)


Act = Callable[[RequestDecision | None], Awaitable[Response]]


async def guarded(
    request: Request,
    control: UsageControl | None,
    uses: Iterable[Use],
    name: str,
    act: Act,
    *,
    on_denied: Callable[[PolicyDenied], Awaitable[Response]] | None = None,
) -> Response:
    """Run ``act`` under the node's one decision for ``uses``, recorded in the audit log
    whatever happens; refusals and failures become ProblemDetails, never a 500."""

    async def safely(decision: RequestDecision | None) -> Response:
        try:
            return await act(decision)
        except PolicyDenied as exc:
            if on_denied is not None:
                return await on_denied(exc)
            return ngsi_problem(403, POLICY_DENIED, str(exc), **exc.extensions)
        except QueryError as exc:
            return ngsi_problem(400, "BadRequestData", str(exc))
        except SourceError as exc:
            return ngsi_problem(503, "InternalError", f"the partner's source: {exc}")

    if control is None:
        return await safely(None)
    decision = await control.decide(caller(request), list(uses))
    try:
        return await safely(decision)
    finally:
        await control.record(
            decision,
            operation_hash=operation_hash(f"GET {request.url.path}", dict(request.query_params)),
            operation_name=name,
        )
