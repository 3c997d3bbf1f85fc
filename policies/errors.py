"""The one error this package raises.

:class:`PolicyError` means a policy, request or state-of-the-world document cannot be
read or is not understood; its message names the document and the term. The package
imports nothing from the connector: a caller translates this error at its edge.
"""

from __future__ import annotations


class PolicyError(ValueError):
    """A policy, request or state-of-the-world document cannot be read or understood."""
