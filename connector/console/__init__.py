"""The DPD console: a server-rendered web app (French, English) over the nodes' audit
endpoints, for the data-protection officer.

    settings = ConsoleSettings(issuer="http://127.0.0.1:8100", client_id="guichet-console",
                               nodes=(ConsoleNode("cda", "http://127.0.0.1:8101"),))
    Mount("/console", app=create_console(settings))

Modules: :mod:`settings` (what to read), :mod:`sessions` (server-side, cookie id),
:mod:`oauth` (authorization code + PKCE, token checks), :mod:`nodes` (GraphQL to each
node, concurrently, per-node failures), :mod:`filters` (the log's checked filters),
:mod:`i18n` (the FR/EN catalogue), :mod:`chart` (SVG bars), :mod:`render` (jinja2
pages), :mod:`auth`, :mod:`views`, :mod:`logpage`, :mod:`catalog` (the routes; the
data space's catalog through a port the gateway fills), :mod:`app` (the factory).
"""

from connector.console.app import create_console
from connector.console.settings import ConsoleNode, ConsoleSettings

__all__ = ["ConsoleNode", "ConsoleSettings", "create_console"]
