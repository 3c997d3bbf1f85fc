"""The NGSI-LD face of a node: ``GET /ngsi-ld/v1/entities``, read-only, entities typed
with the FIWARE Smart Data Models, under the node's usage control and audit."""

from connector.ngsi._models import TYPES, NgsiType
from connector.ngsi._views import NgsiViews, ngsi_problem

__all__ = ["TYPES", "NgsiType", "NgsiViews", "ngsi_problem"]
