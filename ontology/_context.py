"""The JSON-LD ``@context`` of Guichet data and a document loader that never fetches."""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from pyld.jsonld import JsonLdError

from ontology._files import CONTEXT_FILE, ODRL_CONTEXT_FILE
from ontology.errors import OntologyError

CONTEXT_IRI = "https://w3id.org/guichet/context.jsonld"
ODRL_CONTEXT_IRI = "http://www.w3.org/ns/odrl.jsonld"

_ALIASES: dict[str, str] = {
    CONTEXT_IRI: CONTEXT_IRI,
    "http://w3id.org/guichet/context.jsonld": CONTEXT_IRI,
    "https://w3id.org/guichet/context": CONTEXT_IRI,
    "http://w3id.org/guichet/context": CONTEXT_IRI,
    ODRL_CONTEXT_IRI: ODRL_CONTEXT_IRI,
    "https://www.w3.org/ns/odrl.jsonld": ODRL_CONTEXT_IRI,
}
"""Every URL the loader answers, mapped to the canonical IRI of the document served."""


@cache
def _read(canonical: str) -> dict[str, Any]:
    path = CONTEXT_FILE if canonical == CONTEXT_IRI else ODRL_CONTEXT_FILE
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OntologyError(f"JSON-LD context {path.name}: cannot be read: {exc}") from exc
    if not isinstance(document, dict) or "@context" not in document:
        raise OntologyError(f"JSON-LD context {path.name}: not an object with an @context")
    return document


def context() -> dict[str, Any]:
    """The parsed ``context.jsonld`` (``{"@context": {...}}``), a fresh copy per call."""
    return copy.deepcopy(_read(CONTEXT_IRI))


def known_urls() -> frozenset[str]:
    """The URLs :func:`document_loader` serves."""
    return frozenset(_ALIASES)


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """A pyld document loader serving only the contexts bundled with Guichet.

    It answers our context (:data:`CONTEXT_IRI` and a few aliases) and the official
    ODRL context, from the package's files. Any other URL is refused with a
    ``pyld.jsonld.JsonLdError`` naming it: Guichet never fetches JSON-LD from the network.

    >>> from pyld import jsonld
    >>> doc = {"@context": CONTEXT_IRI, "@id": "https://example.org/b/1",
    ...        "@type": "Building", "rnbId": "ABCDEFGH1234"}
    >>> jsonld.expand(doc, {"documentLoader": document_loader})[0]["@type"]
    ['https://w3id.org/bot#Building']
    """
    canonical = _ALIASES.get(url)
    if canonical is None:
        raise JsonLdError(
            f"refused to load JSON-LD document {url!r}: Guichet never fetches documents "
            f"from the network; it serves only {', '.join(sorted(_ALIASES))}",
            "jsonld.LoadDocumentError",
            {"url": url},
            code="loading document failed",
        )
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": canonical,
        "document": copy.deepcopy(_read(canonical)),
    }
