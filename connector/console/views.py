"""The DPD's pages over the nodes' audit endpoints: home, datasets and policies, processing
register, integrity, what-if. Every page asks the chosen nodes at once and shows a
message for each node that did not answer."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from connector.console import queries, render
from connector.console.core import Console
from connector.console.filters import ACTIONS, LEVELS, parse_whatif
from connector.console.i18n import MESSAGES, translator
from connector.console.nodes import NodeReply
from connector.console.reasons import duties_text, reason_text
from connector.console.sessions import Session


def problems(replies: Sequence[NodeReply]) -> list[NodeReply]:
    return [r for r in replies if not r.ok]


def time_text(value: str, zone: tzinfo = UTC) -> str:
    """``2026-01-31T08:00:00.123+00:00`` as ``2026-01-31 09:00:00`` in ``zone`` (here
    Europe/Paris)."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def decision_text(t: Any, decision: str) -> str:
    key = f"decision_{decision}"
    return str(t(key)) if key in MESSAGES else decision


def rule_sentences(replies: Sequence[NodeReply]) -> dict[str, str]:
    """Each policy rule's IRI → its sentence, in the page's language, as the nodes wrote it."""
    return {
        str(s["rule"]): str(s["text"])
        for r in replies
        if r.ok
        for d in r.data.get("datasets") or []
        for s in d.get("sentences") or []
    }


def pretty_policy(policy: str | None) -> str:
    if not policy:
        return ""
    try:
        return json.dumps(json.loads(policy), indent=2, ensure_ascii=False)
    except ValueError:
        return policy


class Pages:
    def __init__(self, console: Console) -> None:
        self.console = console

    async def home(self, request: Request, session: Session) -> Response:
        c = self.console
        replies = await c.ask_all(session, queries.HOME)
        rows = []
        for r in replies:
            chain = r.data.get("auditChain") or {}
            node = r.data.get("node") or {}
            rows.append(
                {
                    "name": r.node.name,
                    "title": node.get("title") or r.node.name,
                    "entries": chain.get("entries"),
                    "ok": r.ok and bool(chain.get("ok")),
                    "reachable": r.ok,
                }
            )
        return c.page(
            request, "home.html", {"rows": rows, "problems": problems(replies)}, session=session
        )

    async def datasets(self, request: Request, session: Session) -> Response:
        c = self.console
        lang = render.language(request)
        replies = await c.ask_all(session, queries.DATASETS, {"lang": lang})
        nodes = []
        for r in replies:
            if not r.ok:
                continue
            found = []
            for ds in r.data.get("datasets") or []:
                versions = [
                    {
                        **v,
                        "since_text": time_text(str(v.get("since", "")), c.settings.zone),
                        "policy_pretty": pretty_policy(v.get("policy")),
                    }
                    for v in ds.get("versions") or []
                ]
                found.append(
                    {**ds, "policy_pretty": pretty_policy(ds.get("policy")), "versions": versions}
                )
            title = (r.data.get("node") or {}).get("title") or r.node.name
            nodes.append({"name": r.node.name, "title": title, "datasets": found})
        return c.page(
            request,
            "datasets.html",
            {"nodes": nodes, "problems": problems(replies)},
            session=session,
        )

    async def integrity(self, request: Request, session: Session) -> Response:
        c = self.console
        replies = await c.ask_all(session, queries.INTEGRITY)
        rows = []
        for r in replies:
            chain = r.data.get("auditChain") or {}
            ok = r.ok and bool(chain.get("ok"))
            state = "ok" if ok else ("broken" if r.ok else "unknown")
            t = translator(render.language(request))
            rows.append(
                {
                    "name": r.node.name,
                    "ok": ok,
                    "state": state,
                    "entries": chain.get("entries"),
                    "head_seq": chain.get("headSeq"),
                    "head_hash": chain.get("headHash") or "",
                    "bad_entry": chain.get("badEntry"),
                    "problem": chain.get("problem")
                    or ("" if r.ok else f"{t('node_' + r.kind)} {r.detail}".strip()),
                }
            )
        return c.page(request, "integrity.html", {"rows": rows}, session=session)

    async def whatif(self, request: Request, session: Session) -> Response:
        c = self.console
        lang = render.language(request)
        t = translator(lang)
        names = [n.name for n in c.settings.nodes]
        form = parse_whatif(request.query_params, nodes=names, t=t)
        choices = await c.ask_all(session, queries.CHOICES, {"lang": lang})
        shown = problems(choices)
        result = None
        if form.asked and not form.errors:
            node = c.settings.node(form.form["node"])
            if node is not None:
                reply = await c.nodes.ask(
                    node, queries.WHAT_IF, form.variables(), token=session.token
                )
                if reply.ok:
                    found = dict(reply.data.get("whatIf") or {})
                    found["decision_text"] = decision_text(t, str(found.get("decision")))
                    found["code_text"] = reason_text(lang, found.get("reasonCode"))
                    found["duties_text"] = duties_text(lang, found.get("duties") or [])
                    found["rule_text"] = rule_sentences(choices).get(found.get("rule") or "")
                    result = found
                else:
                    shown = [*shown, reply]
        options = choice_options(choices, names)
        return c.page(
            request,
            "whatif.html",
            {
                "form": form.form,
                "form_errors": form.errors,
                "options": options,
                "actions": ACTIONS,
                "levels": LEVELS,
                "result": result,
                "problems": shown,
            },
            session=session,
        )


def choice_options(
    replies: Sequence[NodeReply], node_names: Sequence[str], current: Mapping[str, str] = {}
) -> dict[str, list[tuple[str, str]]]:
    """Options of the filter and what-if forms from the nodes' labels, purposes and datasets
    (a value asked in the URL but unknown to the nodes is kept, so the form shows it)."""
    parties: dict[str, str] = {}
    purposes: dict[str, str] = {}
    datasets: dict[str, str] = {}
    for r in replies:
        for item in r.data.get("labels") or []:
            parties.setdefault(item["iri"], item["label"])
        for item in r.data.get("purposes") or []:
            purposes.setdefault(item["iri"], item["label"])
        for item in r.data.get("datasets") or []:
            datasets.setdefault(item["id"], f"{item['title']} ({item['id']})")
    for key, table in (("party", parties), ("purpose", purposes), ("dataset", datasets)):
        value = current.get(key)
        if value and value not in table:
            table[value] = value
    return {
        "node": [(n, n) for n in node_names],
        "party": sorted(parties.items(), key=lambda kv: kv[1].lower()),
        "purpose": sorted(purposes.items(), key=lambda kv: kv[1].lower()),
        "dataset": sorted(datasets.items(), key=lambda kv: kv[1].lower()),
    }
