"""The DPD's endpoint as GraphQL (``/audit/graphql``): a plain schema, not part of the
node's federated subgraph; each node answers for its own log, and a console asks each
node. The resolvers delegate to :mod:`connector.dpd`, which checks the caller's role and
logs every read; :class:`DpdRequest` makes a request asking several fields one entry.

    query { auditLog(filter: {decision: "deny"}, first: 20) {
              entries { seq time party datasets decision rule reason } endCursor } }

>>> print(AUDIT_SCHEMA.as_str())  # doctest: +SKIP
"""

import strawberry

from connector.config.sections import Limits
from connector.graphql._masking import QuietSchema
from connector.graphql._refused import RecordRefusals, limit_extensions
from connector.graphql.dpd._agreements import AgreementsQuery
from connector.graphql.dpd._counts import CountsQuery
from connector.graphql.dpd._datasets import DatasetsQuery
from connector.graphql.dpd._inputs import AuditFilterInput
from connector.graphql.dpd._log import LogQuery
from connector.graphql.dpd._request import DpdRequest, root_fields

__all__ = ["AUDIT_SCHEMA", "AuditFilterInput", "DpdRequest", "Query", "root_fields"]


@strawberry.type
class Query(LogQuery, DatasetsQuery, CountsQuery, AgreementsQuery):
    """The DPD's endpoint: the log, the node's datasets and register, counts, agreements."""


AUDIT_SCHEMA = QuietSchema(
    query=Query, extensions=[DpdRequest, RecordRefusals, *limit_extensions(Limits())]
)
"""Under the node defaults of ``[limits]`` (depth, aliases, tokens); an operation refused
before execution is logged like every refused request."""
