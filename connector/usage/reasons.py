"""The reason codes of the node's own refusals, beside the policy codes of
:mod:`policies.codes`; the audit entry keeps the code in ``details.reasonCode`` and the
English reason beside it.

====================  ================================================================
``invalid-token``     the bearer token was refused (401)
``bad-request``       not a GraphQL request (400)
``body-too-large``    the body is over the node's limit (413)
``invalid-query``     the operation does not parse or validate
``over-limit``        the operation is over ``[limits]``: depth, aliases or tokens
``audit-read``        a read of the audit log by a holder of the DPD role
``audit-forbidden``   a read of the audit log refused: the caller lacks the DPD role
``offer-accepted``    an offer became an Agreement (``acceptOffer``)
====================  ================================================================
"""

from __future__ import annotations

import re

_KINDS = {"token": "invalid-token", "invalid-query": "invalid-query"}
_OVER_LIMIT = re.compile(
    r"exceeds maximum operation depth|aliases found\. Allowed|Document contains more than \d+ "
    r"tokens"
)
"""The messages of strawberry's QueryDepthLimiter and MaxAliasesLimiter and of
graphql-core's token limit (strawberry/extensions/query_depth_limiter.py, max_aliases.py;
graphql/language/parser.py)."""


def refusal_code(what: str, reason: str) -> str:
    """The code of a refusal of kind ``what`` (:attr:`connector.edge.Refusal.what`, or
    ``invalid-query``) whose English reason is ``reason``."""
    code = _KINDS.get(what, what)
    if code == "invalid-query" and _OVER_LIMIT.search(reason):
        return "over-limit"
    return code
