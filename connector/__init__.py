"""Guichet connector node: partner data in place, exposed as ontology-mapped GraphQL.

The public API of the package lives here; internals are in their own modules.
"""

from connector.errors import (
    ConfigError,
    GuichetError,
    PolicyError,
    QueryError,
    SourceError,
)

__all__ = ["ConfigError", "GuichetError", "PolicyError", "QueryError", "SourceError"]
