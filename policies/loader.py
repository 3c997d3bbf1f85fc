"""Read JSON-LD (through pyld, offline) and Turtle (rdflib) documents into RDF graphs.

The JSON-LD document loader serves the bundled ODRL context and refuses every other
URL, so parsing never touches the network. Problems are raised as ``PolicyError``
naming the document.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import rdflib
from pyld import jsonld
from rdflib import BNode, Graph, Literal, URIRef

from .errors import PolicyError
from .vocab import ODRL_CONTEXT_URL, data_text

# Terms a JSON-LD document uses without defining them resolve against this base, so a
# misspelt operator stays visible as ``<https://unresolved.invalid/term>``.
UNRESOLVED_BASE = "https://unresolved.invalid/"

_CONTEXT_URLS = frozenset(
    {
        ODRL_CONTEXT_URL,
        "https://www.w3.org/ns/odrl.jsonld",
        "http://www.w3.org/ns/odrl/2/",
        "https://www.w3.org/ns/odrl/2/",
    }
)


@cache
def _odrl_context() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(data_text("odrl.context.jsonld"))
    return document


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader: the bundled ODRL context, and nothing else."""
    if url in _CONTEXT_URLS:
        return {"contextUrl": None, "documentUrl": url, "document": _odrl_context()}
    raise jsonld.JsonLdError(
        f"remote context {url!r} refused: only the bundled ODRL context is available offline",
        "jsonld.LoadDocumentError",
        {"url": url},
        code="loading remote context failed",
    )


_NORMALIZE_LOCK = threading.Lock()


@contextmanager
def _lexical_literals() -> Iterator[None]:
    """Keep literals as written while rdflib parses: its normal form of an xsd:date drops
    the time zone. rdflib only offers this as a module flag, so it is set under a lock."""
    with _NORMALIZE_LOCK:
        saved = rdflib.NORMALIZE_LITERALS
        rdflib.NORMALIZE_LITERALS = False
        try:
            yield
        finally:
            rdflib.NORMALIZE_LITERALS = saved


def guess_format(name: str, text: str) -> str:
    """``json-ld`` or ``turtle``, from the file name, else from the first character."""
    lowered = name.lower()
    if lowered.endswith((".jsonld", ".json")):
        return "json-ld"
    if lowered.endswith((".ttl", ".turtle", ".n3", ".nt")):
        return "turtle"
    return "json-ld" if text.lstrip()[:1] in ("{", "[") else "turtle"


def jsonld_to_graph(document: Any, *, name: str = "<document>") -> Graph:
    """RDF graph of a parsed JSON-LD document (compact or expanded form); statements of
    named graphs are merged into the one graph."""
    options = {"documentLoader": document_loader, "base": UNRESOLVED_BASE}
    try:
        dataset: dict[str, list[dict[str, Any]]] = jsonld.to_rdf(document, options)
    except jsonld.JsonLdError as exc:
        raise PolicyError(f"{name}: JSON-LD cannot be processed: {_jsonld_message(exc)}") from exc
    graph = Graph()
    for triples in dataset.values():
        for triple in triples:
            subject, predicate, obj = (_node(triple[k]) for k in ("subject", "predicate", "object"))
            graph.add((subject, predicate, obj))
    return graph


def _node(term: dict[str, Any]) -> Any:
    if term["type"] == "IRI":
        return URIRef(term["value"])
    if term["type"] == "blank node":
        return BNode(term["value"].removeprefix("_:"))
    language = term.get("language")
    if language:
        return Literal(term["value"], lang=language, normalize=False)
    datatype = str(term.get("datatype") or "")
    plain = datatype in ("", "http://www.w3.org/2001/XMLSchema#string")
    return Literal(term["value"], datatype=None if plain else URIRef(datatype), normalize=False)


def _jsonld_message(exc: BaseException) -> str:
    """The innermost cause's first line (pyld wraps errors several times)."""
    while (exc.__cause__ or exc.__context__) is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    message = str(exc.args[0]) if exc.args else type(exc).__name__
    return message.strip().splitlines()[0]


def parse_text(text: str, *, name: str = "<document>", fmt: str | None = None) -> Graph:
    """RDF graph of a JSON-LD or Turtle text; ``name`` is used in error messages."""
    chosen = fmt or guess_format(name, text)
    if chosen == "json-ld":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PolicyError(
                f"{name}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
            ) from exc
        return jsonld_to_graph(document, name=name)
    graph = Graph()
    try:
        with _lexical_literals():
            graph.parse(data=text, format="turtle")
    except Exception as exc:  # rdflib raises several unrelated types for bad Turtle
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PolicyError(f"{name}: not valid Turtle: {first}") from exc
    return graph
