"""The one error this package raises: a bundled vocabulary file cannot be read."""

from __future__ import annotations


class OntologyError(Exception):
    """A bundled ontology or context file is missing or malformed (a packaging fault)."""
