"""The fingerprint of a GraphQL operation, as written in the audit log's ``operation_hash``.

SHA-256 (hex) of the canonical JSON of ``{"document": D, "variables": V}`` where ``D`` is
the document re-printed by graphql-core (comments dropped, whitespace and punctuation
normalised, so that two spellings of one query have one fingerprint) and ``V`` the
variables (``{}`` when none). A document that does not parse is fingerprinted on its text
with runs of whitespace collapsed: a refused query must still be traceable.

>>> operation_hash("{ building(rnbId: $id) { rnbId } }", {"id": "X"}) == operation_hash(
...     "# a comment\\n{building(rnbId:$id){rnbId}}", {"id": "X"})
True
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from graphql import GraphQLSyntaxError, parse, print_ast

from connector.audit.canonical import canonical_bytes, sha256_hex


@lru_cache(maxsize=1024)
def normalise_document(document: str) -> str:
    """The document as graphql-core prints it, or its whitespace-collapsed text if it does not
    parse. Remembered for the last 1,024 documents: clients repeat theirs, and parsing and
    printing cost more than the rest of a decision."""
    try:
        return print_ast(parse(document, no_location=True))
    except GraphQLSyntaxError:
        return " ".join(document.split())


def operation_hash(document: str, variables: Mapping[str, Any] | None = None) -> str:
    """SHA-256 (hex) of the normalised document and its variables."""
    payload = {"document": normalise_document(document), "variables": dict(variables or {})}
    return sha256_hex(canonical_bytes(payload, strict=False))
