"""The provider side of the Dataspace Protocol 2025-1 over HTTPS: its routes.

Paths follow the catalog HTTPS binding under the version's root ``/dsp``::

    GET  /.well-known/dspace-version     the versions this node speaks
    POST /dsp/catalog/request            CatalogRequestMessage -> Catalog
    GET  /dsp/catalog/datasets/{id}      (DatasetRequestMessage) -> Dataset

Every message accepted is checked against the protocol's JSON schema; what fails gets a
``CatalogError`` naming what and where, with a 4xx status, never a 500. The catalog
reveals what ``/catalog`` already publishes to anyone (titles and Offers), so it takes no
usage decision; the caller's token, when one is sent, is verified all the same (the
route sits behind the node's ``AuthGate``), and a refused token gets a ``CatalogError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connector.config import NodeConfig
from connector.dsp.catalog import catalog_document, dataset_document, find
from connector.dsp.schemas import CONTEXT, problems
from connector.errors import AuthError
from connector.usage import DatasetPolicy

ROOT = "/dsp"
VERSION = "2025-1"
MEDIA = "application/json"


def error(
    kind: str,
    status: int,
    *reasons: str,
    headers: Mapping[str, str] | None = None,
    fields: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The protocol's error message (``CatalogError``, ``ContractNegotiationError``...)."""
    body = {"@context": [CONTEXT], "@type": kind, **(fields or {}), "code": str(status)}
    body["reason"] = list(reasons)
    return JSONResponse(body, status_code=status, media_type=MEDIA, headers=headers)


def challenge(exc: AuthError) -> dict[str, str]:
    """The RFC 6750 ``WWW-Authenticate`` header for a refused token."""
    reason = str(exc).replace("\\", "\\\\").replace('"', '\\"')
    return {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{reason}"'}


def catalog_unauthorized(exc: AuthError) -> Response:
    """401 as a ``CatalogError``, with the RFC 6750 challenge."""
    return error("CatalogError", 401, str(exc), headers=challenge(exc))


async def read_message(request: Request, schema: str) -> dict[str, Any] | list[str]:
    """The JSON body if it is the message ``schema`` describes, else what is wrong."""
    raw = await request.body()
    try:
        message = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return [f"the body is not JSON: {exc}"]
    found = problems(schema, message)
    if found:
        return found
    assert isinstance(message, dict)  # the schemas' "type": "object"
    return message


class DspViews:
    """The routes of the protocol's provider side."""

    def __init__(self, config: NodeConfig, policies: Mapping[str, DatasetPolicy]) -> None:
        self.config = config
        self.policies = policies

    async def version(self, request: Request) -> Response:
        body = {"protocolVersions": [{"version": VERSION, "path": ROOT, "binding": "HTTPS"}]}
        return JSONResponse(body, media_type=MEDIA)

    async def catalog_request(self, request: Request) -> Response:
        message = await read_message(request, "catalog/catalog-request-message-schema.json")
        if isinstance(message, list):
            return error("CatalogError", 400, *message)
        if message.get("filter"):
            return error(
                "CatalogError", 400, "filter: this catalog service supports no filter expression"
            )
        return JSONResponse(catalog_document(self.config, self.policies), media_type=MEDIA)

    async def dataset(self, request: Request) -> Response:
        name = request.path_params["id"]
        if await request.body():
            message = await read_message(request, "catalog/dataset-request-message-schema.json")
            if isinstance(message, list):
                return error("CatalogError", 400, *message)
            if message["dataset"] != name:
                return error(
                    "CatalogError",
                    400,
                    f"dataset: the message asks for {message['dataset']!r}, the path for {name!r}",
                )
        found = find(self.config, self.policies, name)
        if found is None:
            return error(
                "CatalogError",
                404,
                f"no dataset {name!r} is offered for negotiation here; "
                f"POST {ROOT}/catalog/request lists those that are",
            )
        return JSONResponse(dataset_document(self.config, *found), media_type=MEDIA)
