"""The social landlord's existing JSON API, as the demo serves it: its residences, paged
as a real API pages them, read by the landlord's node through the ``http`` source.

``GET /api/residences?page=1&par_page=50[&commune=17300]`` answers
``{"residences": [...], "pagination": {"page", "par_page", "pages", "total", "suivante"}}``
where ``suivante`` is the next page's path (with the same query), or null on the last
page; ``commune`` narrows to one INSEE code. ``GET /api`` describes the API.

Run alone: ``python -m connector.demo.bailleur_api --data residences.json --port 8107``.

>>> app = create_api(Path(".guichet-demo/bailleur/residences.json"))  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from connector.demo.bailleur import residences

DEFAULT_PAGE = 50
MAX_PAGE = 200


def _positive(request: Request, name: str, default: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


def create_api(data: Path) -> Starlette:
    """The API over ``data`` (read once, at start: the landlord's system of record)."""
    stock = residences(data)

    async def describe(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "service": "Patrimoine du bailleur social (démonstration)",
                "residences": "/api/residences",
            }
        )

    async def list_residences(request: Request) -> JSONResponse:
        page = _positive(request, "page", 1)
        size = _positive(request, "par_page", DEFAULT_PAGE)
        if page is None or size is None or size > MAX_PAGE:
            return JSONResponse(
                {"erreur": f"page et par_page : entiers positifs, par_page au plus {MAX_PAGE}"},
                status_code=400,
            )
        commune = request.query_params.get("commune")
        rows = [r for r in stock if commune is None or r["adresse"]["commune_insee"] == commune]
        pages = max(1, -(-len(rows) // size))
        following = None
        if page < pages:
            query = {
                "page": page + 1,
                "par_page": size,
                **({"commune": commune} if commune else {}),
            }
            following = f"{request.url.path}?{urlencode(query)}"
        return JSONResponse(
            {
                "residences": rows[(page - 1) * size : page * size],
                "pagination": {
                    "page": page,
                    "par_page": size,
                    "pages": pages,
                    "total": len(rows),
                    "suivante": following,
                },
            }
        )

    return Starlette(routes=[Route("/api", describe), Route("/api/residences", list_residences)])


def main(argv: Sequence[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(
        prog="python -m connector.demo.bailleur_api",
        description="The demo landlord's JSON API (started by guichet demo).",
    )
    parser.add_argument("--data", type=Path, required=True, help="residences.json")
    parser.add_argument("--host", default="127.0.0.1", help="address (%(default)s)")
    parser.add_argument("--port", type=int, default=8107, help="port (%(default)s)")
    parser.add_argument("--log-level", default="warning", help="uvicorn's (%(default)s)")
    args = parser.parse_args(argv)
    uvicorn.run(create_api(args.data), host=args.host, port=args.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
