"""The in-browser GraphQL IDE of every GraphQL endpoint (the nodes' and the gateway's):
GraphiQL from the builds vendored in ``static/graphiql`` (``tools/graphiql/vendor.sh``;
versions, licences and checksums in its ``SOURCES.md``), served by the node or gateway
itself under :data:`ASSETS`, so that the page works offline and loads nothing from
outside (its ``Content-Security-Policy`` says so to the browser too). A field above the
IDE takes the access token; the IDE's own Headers tab can set any header instead.
"""

from __future__ import annotations

import gzip
import html
from functools import cache
from importlib import resources

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

_FILES = resources.files("connector.graphql") / "static" / "graphiql"
VERSION = (_FILES / "VERSION").read_text(encoding="utf-8").strip()
ASSETS = f"/static/graphiql/{VERSION}"  # versioned: the files can be cached for good
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
_SERVED = (
    "graphiql.min.js",
    "graphiql.min.css",
    "react.production.min.js",
    "react-dom.production.min.js",
    "guichet-graphiql.js",
    "guichet-graphiql.css",
)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
DEFAULT_QUERY = """# {where}
# Ctrl-Enter runs the query. Docs: the book icon.
# A token goes in the field above (or in Headers).
{{
  __schema {{ queryType {{ fields {{ name description }} }} }}
}}
"""

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL · {title}</title>
<link rel="stylesheet" href="{assets}/graphiql.min.css">
<link rel="stylesheet" href="{assets}/guichet-graphiql.css">
</head>
<body>
<div class="guichet-bar">
  <label for="guichet-token">Access token · Jeton d'accès</label>
  <input id="guichet-token" type="password" autocomplete="off" spellcheck="false"
         placeholder="sent as Authorization: Bearer … (empty: public caller)">
</div>
<main id="graphiql" data-endpoint="{endpoint}" data-default-query="{query}">
  <noscript>GraphiQL needs JavaScript. POST your query as JSON to {endpoint}.</noscript>
</main>
<script src="{assets}/react.production.min.js"></script>
<script src="{assets}/react-dom.production.min.js"></script>
<script src="{assets}/graphiql.min.js"></script>
<script src="{assets}/guichet-graphiql.js"></script>
</body>
</html>
"""


def graphiql_html(endpoint: str, title: str = "Guichet") -> str:
    """The IDE's page for the GraphQL endpoint at path ``endpoint``."""
    where = f"{title}, {endpoint}"
    return PAGE.format(
        title=html.escape(title),
        assets=ASSETS,
        endpoint=html.escape(endpoint, quote=True),
        query=html.escape(DEFAULT_QUERY.format(where=where), quote=True),
    )


def graphiql_response(request: Request, title: str = "Guichet") -> HTMLResponse:
    """The IDE's page for the endpoint ``request`` asked, with its security headers."""
    return HTMLResponse(
        graphiql_html(request.url.path, title),
        headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"},
    )


@cache
def _asset(name: str) -> tuple[bytes, bool]:
    """A served file's bytes, and whether they are gzip-compressed."""
    plain = _FILES / name
    if plain.is_file():
        return plain.read_bytes(), False
    return (_FILES / f"{name}.gz").read_bytes(), True


async def _serve(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in _SERVED:
        return PlainTextResponse(f"no such GraphiQL file: {name}", status_code=404)
    body, gzipped = _asset(name)
    headers = {
        "Cache-Control": "public, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
    }
    if gzipped:
        headers["Vary"] = "Accept-Encoding"
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers["Content-Encoding"] = "gzip"
        else:
            body = gzip.decompress(body)
    media = _TYPES[name[name.rfind(".") :]]
    return Response(body, media_type=media, headers=headers)


ASSET_ROUTE = Route(ASSETS + "/{name}", _serve, methods=["GET", "HEAD"])
