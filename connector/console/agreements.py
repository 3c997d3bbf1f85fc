"""The agreements page: per node, who accepted which offer, when, for which purpose, and
the duties that came with it (the nodes' ``agreements``, asked at once)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from connector.console import queries, render
from connector.console.core import Console
from connector.console.reasons import duties_text
from connector.console.sessions import Session
from connector.console.views import problems, time_text


class AgreementsPage:
    def __init__(self, console: Console) -> None:
        self.console = console

    async def agreements(self, request: Request, session: Session) -> Response:
        c = self.console
        lang = render.language(request)
        replies = await c.ask_all(session, queries.AGREEMENTS, {"lang": lang})
        nodes = []
        for r in replies:
            if not r.ok:
                continue
            rows = [
                {
                    **a,
                    "issued_text": time_text(str(a.get("issued", "")), c.settings.zone),
                    "duties_text": duties_text(lang, a.get("duties") or []),
                }
                for a in r.data.get("agreements") or []
            ]
            nodes.append({"name": r.node.name, "agreements": rows})
        return c.page(
            request,
            "agreements.html",
            {"nodes": nodes, "problems": problems(replies), "timezone": c.settings.timezone},
            session=session,
        )
