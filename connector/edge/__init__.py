"""What an HTTP request meets first, on a node and on the gateway alike: its request id,
the body limit, and the shape a GraphQL POST must have. Every refusal made here is a
GraphQL-shaped error (``{"errors": [{"message", "extensions": {"code", "requestId"}}]}``)
with the HTTP status that says what kind (400, 413), never a 500.

>>> app = Starlette(routes, middleware=[Middleware(Edge, max_body_bytes=1 << 20,
...                                                graphql_paths=("/graphql",))])  # doctest: +SKIP

    _ids      request ids: accepted or made, the X-Request-Id header, the current one
    _body     reading a body under a limit while it streams; a GraphQL POST body's shape
    _errors   the GraphQL-shaped refusal, the Refusal value and the hook told of each
    _edge     Edge, the middleware putting them together
"""

from connector.edge._body import content_type_problem, graphql_problem, read_body
from connector.edge._edge import Edge
from connector.edge._errors import (
    BAD_REQUEST,
    INTERNAL,
    INTERNAL_MESSAGE,
    PAYLOAD_TOO_LARGE,
    Refusal,
    RefusalHook,
    error_body,
    error_response,
    request_fingerprint,
)
from connector.edge._ids import (
    HEADER,
    accept_request_id,
    current_request_id,
    new_request_id,
    request_id_of,
    serving,
)

__all__ = [
    "BAD_REQUEST",
    "HEADER",
    "INTERNAL",
    "INTERNAL_MESSAGE",
    "PAYLOAD_TOO_LARGE",
    "Edge",
    "Refusal",
    "RefusalHook",
    "accept_request_id",
    "content_type_problem",
    "current_request_id",
    "error_body",
    "error_response",
    "graphql_problem",
    "new_request_id",
    "read_body",
    "request_fingerprint",
    "request_id_of",
    "serving",
]
