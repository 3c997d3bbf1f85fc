"""Where the vocabulary files live inside the package (never outside it)."""

from __future__ import annotations

from pathlib import Path

ONTOLOGY_DIR = Path(__file__).resolve().parent
STANDARDS_DIR = ONTOLOGY_DIR / "standards"

OWN_FILES = ("guichet.ttl", "external-terms.ttl")
"""Our ontology and the minimal declarations of non-bundled vocabularies' terms."""

STANDARD_FILES = (
    "bot.ttl",
    "sosa-2017.ttl",
    "ssn-2017.ttl",
    "dcat3.ttl",
    "odrl22.ttl",
    "prov-o.ttl",
)
"""The bundled standard ontologies, as listed in ``standards/SOURCES.md``."""

SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
CONTEXT_FILE = ONTOLOGY_DIR / "context.jsonld"
ODRL_CONTEXT_FILE = STANDARDS_DIR / "odrl.context.jsonld"
