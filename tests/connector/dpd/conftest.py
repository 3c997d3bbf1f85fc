"""The DPD's tests run against the tiny node under usage control of
:mod:`tests.connector.usage.conftest`: its fixtures, shared here."""

from tests.connector.usage.conftest import clock as clock
from tests.connector.usage.conftest import node as node
