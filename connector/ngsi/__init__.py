"""The NGSI-LD face of a node: ``GET /ngsi-ld/v1/entities`` and
``GET /ngsi-ld/v1/temporal/entities``, read-only, entities typed with the FIWARE Smart
Data Models, under the node's usage control and audit."""

from connector.ngsi._http import ngsi_problem, ngsi_unauthorized
from connector.ngsi._models import TYPES, NgsiType
from connector.ngsi._views import NgsiViews

__all__ = ["TYPES", "NgsiType", "NgsiViews", "ngsi_problem", "ngsi_unauthorized"]
