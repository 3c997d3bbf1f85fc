"""The La Rochelle demo data space: five partners' sources in their own schemas and formats
(SQLite, a CSV export, a JSON API), the node configurations mapping them to our model, and
their policies (``policies/demo``).

>>> from connector.demo import generate
>>> paths = generate(Path("/tmp/guichet-demo"))  # doctest: +SKIP
"""

from connector.demo.generate import DEFAULT_PORTS, DemoPaths, generate

__all__ = ["DEFAULT_PORTS", "DemoPaths", "generate"]
