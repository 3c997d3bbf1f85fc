"""The verifier is tested against tokens of the real issuer: its fixtures, re-exported."""

from tests.issuer.conftest import (  # noqa: F401
    database_url,
    http,
    issuer_app,
    registry,
    school,
    settings,
    sqlite_url,
    verifier,
)
