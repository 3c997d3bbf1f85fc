"""The Dataspace Protocol 2025-1 (Eclipse): version discovery and the catalog
(:mod:`~connector.dsp.views`), contract negotiation (:mod:`~connector.dsp.negotiation_views`,
:mod:`~connector.dsp.negotiation_steps`, :mod:`~connector.dsp.machine`; offers compared
and counter-offers answered, :mod:`~connector.dsp.offers`) and pull transfers
(:mod:`~connector.dsp.transfer_views`, :mod:`~connector.dsp.bound`) on the provider side;
the consumer's callbacks (:mod:`~connector.dsp.callbacks`) and requests
(:mod:`~connector.dsp.consumer`, ``guichet dsp``); all put together in
:mod:`~connector.dsp.routes`.

The protocol's schemas and contexts are bundled (``data/``, Apache-2.0) and every
message accepted is validated against them (:mod:`connector.dsp.schemas`).
"""

from connector.dsp.views import DspViews, catalog_unauthorized, error

__all__ = ["DspViews", "catalog_unauthorized", "error"]
