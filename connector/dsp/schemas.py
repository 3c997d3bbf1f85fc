"""The Dataspace Protocol 2025-1 JSON schemas and JSON-LD contexts, from the package.

The schemas are the specification's own (``data/SOURCES.md``); their ``$ref``s are
absolute ``https://w3id.org/dspace/2025/1/...`` URLs, resolved here to the bundled copies
through a :mod:`referencing` registry: validation never reaches the network, and an
unknown reference is an error rather than a download.

>>> problems("common/protocol-version-schema.json", {"protocolVersions": []})
['$.protocolVersions: [] should be non-empty']
"""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from typing import Any

from jsonschema import Draft201909Validator
from referencing import Registry
from referencing.jsonschema import DRAFT201909

BASE = "https://w3id.org/dspace/2025/1/"
CONTEXT = f"{BASE}context.jsonld"
"""The ``@context`` every message names (``common/context-schema.json`` requires it)."""
ODRL_PROFILE = f"{BASE}odrl-profile.jsonld"
"""What the ``dspace`` context ``@import``s; served from ``data/context/odrl.jsonld``."""
FOLDERS = ("catalog", "common", "negotiation", "transfer")


def _data() -> Any:
    return resources.files("connector.dsp") / "data"


@functools.cache
def registry() -> Registry[Any]:
    """Every bundled schema under its ``$id`` (which is ``BASE`` + folder + file)."""
    pairs = []
    for folder in FOLDERS:
        for entry in (_data() / folder).iterdir():
            if entry.name.endswith(".json"):
                contents = json.loads(entry.read_text(encoding="utf-8"))
                if contents.get("$id") != f"{BASE}{folder}/{entry.name}":
                    raise ValueError(f"{folder}/{entry.name}: unexpected $id {contents.get('$id')}")
                pairs.append((contents["$id"], DRAFT201909.create_resource(contents)))
    return Registry().with_resources(pairs)  # no retrieve: unknown refs fail


@functools.cache
def validator(schema: str) -> Draft201909Validator:
    """A validator for one bundled schema, named by folder and file (``catalog/...json``)."""
    contents = registry().contents(BASE + schema)
    return Draft201909Validator(contents, registry=registry())


def problems(schema: str, message: object) -> list[str]:
    """What in ``message`` breaks ``schema``: one line per error, where as a JSONPath."""
    found = sorted(validator(schema).iter_errors(message), key=lambda e: list(e.absolute_path))
    return [f"{e.json_path}: {e.message}" for e in found]


@functools.cache
def contexts() -> dict[str, Any]:
    """The two JSON-LD contexts by the URL they are published under."""
    folder = _data() / "context"
    return {
        CONTEXT: json.loads((folder / "dspace.jsonld").read_text(encoding="utf-8")),
        ODRL_PROFILE: json.loads((folder / "odrl.jsonld").read_text(encoding="utf-8")),
    }


def document_loader(url: str, options: object = None) -> dict[str, Any]:
    """A pyld document loader for the DSP contexts only: anything else is refused.

    Each call gets its own copy: pyld writes into an ``@import``ed context as it merges it."""
    try:
        document = copy.deepcopy(contexts()[url])
    except KeyError:
        raise ValueError(f"no bundled JSON-LD document for {url}") from None
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": document,
    }
