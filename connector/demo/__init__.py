"""The La Rochelle demo data space: three partners' sources in their own schemas, the node
configurations mapping them to our model, and their policies (``policies/demo``).

>>> from connector.demo import generate
>>> paths = generate(Path("/tmp/guichet-demo"))  # doctest: +SKIP
"""

from connector.demo.generate import DEFAULT_PORTS, DemoPaths, generate

__all__ = ["DEFAULT_PORTS", "DemoPaths", "generate"]
