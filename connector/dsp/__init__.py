"""The Dataspace Protocol 2025-1 (Eclipse), provider side: version discovery and the
catalog, over the node's own datasets and ODRL Offers (:mod:`connector.dsp.views`).

The protocol's schemas and contexts are bundled (``data/``, Apache-2.0) and every
message accepted is validated against them (:mod:`connector.dsp.schemas`).
"""

from connector.dsp.views import DspViews, catalog_unauthorized, error

__all__ = ["DspViews", "catalog_unauthorized", "error"]
