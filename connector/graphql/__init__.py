"""The node's GraphQL subgraph (strawberry, Apollo Federation v2). The only package that
imports strawberry (an import contract keeps it so): beside the subgraph it holds the
DPD's schema (:mod:`.dpd`, over :mod:`connector.dpd`), the agreements' schema
(:mod:`.agreements`), the ASGI views serving them (:mod:`.asgi`) and the GraphiQL page
(:mod:`.ide`).

>>> schema = build_schema(node)  # doctest: +SKIP
>>> print(schema.as_str())  # doctest: +SKIP
"""

from connector.graphql._build import SchemaBuilder, build_schema
from connector.graphql._common import TERM_SPEC_URL, PageInfo, ThresholdCount
from connector.graphql._context import RequestContext

__all__ = [
    "TERM_SPEC_URL",
    "PageInfo",
    "RequestContext",
    "SchemaBuilder",
    "ThresholdCount",
    "build_schema",
]
