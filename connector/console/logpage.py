"""The access log page and its exports: the same checked filters, the chosen nodes asked at
once; counts per party and per dataset as bar charts and tables; entries newest first;
CSV and JSON-LD exports merged over the nodes. Each node is asked once per page, whatever
the size of its log: counts by SQL, the newest entries first."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from connector.console import queries, render
from connector.console.chart import Bar, bar_chart
from connector.console.core import Console
from connector.console.filters import DECISIONS, LogFilters, parse_log_filters
from connector.console.i18n import translator
from connector.console.nodes import NodeReply
from connector.console.reasons import no_rule_text, reason_text
from connector.console.sessions import Session
from connector.console.views import (
    choice_options,
    decision_text,
    problems,
    rule_sentences,
    time_text,
)

SHOWN = 200


def merge_party_counts(replies: Sequence[NodeReply]) -> list[dict[str, Any]]:
    """``byParty`` summed over the nodes (a party is the same IRI everywhere)."""
    merged: dict[str, dict[str, Any]] = {}
    for r in replies:
        for c in (r.data.get("auditCounts") or {}).get("byParty") or []:
            row = merged.setdefault(
                c["key"], {"key": c["key"], "label": c["label"], "permit": 0, "deny": 0, "total": 0}
            )
            for k in ("permit", "deny", "total"):
                row[k] += int(c[k])
    return sorted(merged.values(), key=lambda x: (-x["total"], x["label"]))


def dataset_counts(replies: Sequence[NodeReply]) -> list[dict[str, Any]]:
    rows = [
        {**c, "node": r.node.name}
        for r in replies
        for c in (r.data.get("auditCounts") or {}).get("byDataset") or []
    ]
    return sorted(rows, key=lambda x: (-int(x["total"]), x["label"]))


def parse_older(value: str, names: Sequence[str]) -> dict[str, int] | None:
    """``atmo:120,cda:0`` → ``{"atmo": 120, "cda": 0}``: per node, show entries older than
    that sequence number (0: the node has nothing older); ``None`` when malformed."""
    cursors: dict[str, int] = {}
    for part in filter(None, value.split(",")):
        name, _, seq = part.partition(":")
        if name not in names or not seq.isdigit() or len(seq) > 18:
            return None
        cursors[name] = int(seq)
    return cursors


def next_cursors(
    answered: Sequence[NodeReply], shown: Sequence[Mapping[str, Any]], cursors: Mapping[str, int]
) -> dict[str, int]:
    """Where each node's next older page starts, after ``shown`` (the merged page): below
    the oldest entry shown from it; at its newest fetched entry again when none was shown;
    0 when it has nothing more."""
    out = dict(cursors)
    for r in answered:
        page = r.data.get("auditLog") or {}
        fetched = [int(e["seq"]) for e in page.get("entries") or []]
        mine = [int(e["seq"]) for e in shown if e["node"] == r.node.name]
        if len(mine) == len(fetched) and not page.get("hasNextPage"):
            out[r.node.name] = 0
        elif mine:
            out[r.node.name] = min(mine)
        elif fetched:
            out[r.node.name] = fetched[0] + 1
    return out


def holders(filters: LogFilters, choices: Sequence[NodeReply], names: list[str]) -> list[str]:
    """The chosen nodes to ask: with a dataset filter, only those holding the dataset (and
    those whose datasets are unknown because they did not answer)."""
    chosen = filters.nodes(names)
    if filters.dataset is None:
        return chosen
    keep = {
        r.node.name
        for r in choices
        if not r.ok or any(d.get("id") == filters.dataset for d in r.data.get("datasets") or [])
    }
    return [n for n in chosen if n in keep]


class LogPages:
    def __init__(self, console: Console) -> None:
        self.console = console

    def _filters(self, request: Request) -> LogFilters:
        t = translator(render.language(request))
        names = [n.name for n in self.console.settings.nodes]
        zone = self.console.settings.zone
        return parse_log_filters(request.query_params, nodes=names, t=t, zone=zone)

    async def log(self, request: Request, session: Session) -> Response:
        c = self.console
        lang = render.language(request)
        t = translator(lang)
        filters = self._filters(request)
        names = [n.name for n in c.settings.nodes]
        choices = await c.ask_all(session, queries.CHOICES, {"lang": lang})
        options = choice_options(choices, names, filters.form)
        options["decision"] = [(d, decision_text(t, d)) for d in DECISIONS]
        context: dict[str, Any] = {
            "form": filters.form,
            "options": options,
            "filter_errors": filters.errors,
            "problems": problems(choices),
            "timezone": c.settings.timezone,
            "console_client": c.settings.client_id,
        }
        asked = holders(filters, choices, names)
        cursors = parse_older(request.query_params.get("older", ""), names)
        if cursors is None:
            context["filter_errors"] = [("older", t("bad_older"))]
        if filters.dataset is not None and not asked:
            context["filter_errors"] = [
                ("dataset", t("dataset_nowhere").format(value=filters.dataset))
            ]
        if context["filter_errors"]:
            return c.page(request, "log.html", context, session=session, status=400)
        console_client = c.settings.client_id
        variables = {"filter": filters.variables(console_client), "first": SHOWN}
        nodes = c.chosen(asked)
        replies = await c.ask_all(
            session,
            queries.LOG,
            variables,
            nodes=nodes,
            per_node={name: {"after": seq} for name, seq in (cursors or {}).items()},
        )
        answered = [r for r in replies if r.ok]
        labels = dict(options["party"]) | dict(options["purpose"])
        rules = rule_sentences(choices)
        entries = []
        truncated = False
        for r in answered:  # each node's newest SHOWN entries, in one request per node
            page = r.data.get("auditLog") or {}
            truncated = truncated or bool(page.get("hasNextPage"))
            for e in page.get("entries") or []:
                entries.append(
                    {
                        **e,
                        "time_text": time_text(e["time"], c.settings.zone),
                        "party_label": labels.get(e["party"], e["party"]),
                        "purpose_label": labels.get(e["purpose"] or "", e["purpose"] or ""),
                        "decision_text": decision_text(t, e["decision"]),
                        "code_text": reason_text(lang, e.get("reasonCode")),
                        "rule_text": rules.get(e["rule"] or ""),
                        "no_rule_text": "" if e["rule"] else no_rule_text(lang),
                        "console_read": e.get("clientId") == console_client,
                    }
                )
        entries.sort(key=lambda e: (e["time"], e["node"], e["seq"]), reverse=True)
        truncated = truncated or len(entries) > SHOWN
        entries = entries[:SHOWN]
        following = next_cursors(answered, entries, cursors or {})
        totals = {
            k: sum(int((r.data.get("auditCounts") or {}).get(k) or 0) for r in answered)
            for k in ("total", "permit", "deny")
        }
        by_party = merge_party_counts(answered)
        by_dataset = dataset_counts(answered)
        query = urlencode({k: v for k, v in filters.form.items() if v})
        more = truncated and any(following.values())
        cursor = ",".join(f"{name}:{seq}" for name, seq in sorted(following.items()))
        cursor_query = urlencode({"older": cursor}) if more else ""
        context |= {
            "problems": problems(choices) + problems(replies),
            "entries": entries,
            "totals": totals,
            "by_party": by_party,
            "by_dataset": by_dataset,
            "party_chart": self._chart(by_party, "chart-party", t("counts_party"), t),
            "dataset_chart": self._chart(by_dataset, "chart-dataset", t("counts_dataset"), t),
            "query": f"?{query}" if query else "",
            "older": ""
            if not more
            else f"?{query}&{cursor_query}"
            if query
            else f"?{cursor_query}",
            "truncated": truncated,
            "limit": SHOWN,
        }
        return c.page(request, "log.html", context, session=session)

    @staticmethod
    def _chart(rows: list[dict[str, Any]], chart_id: str, title: str, t: Any) -> Any:
        bars = [Bar(str(r["label"]), int(r["permit"]), int(r["deny"])) for r in rows]
        return bar_chart(
            bars,
            chart_id=chart_id,
            title=title,
            description=t("chart_desc"),
            bar_text=lambda b: t("chart_bar").format(label=b.label, permit=b.permit, deny=b.deny),
        )

    async def export(self, request: Request, session: Session) -> Response:
        c = self.console
        fmt = "csv" if request.url.path.endswith(".csv") else "jsonld"
        filters = self._filters(request)
        if filters.errors:
            detail = " ".join(message for _, message in filters.errors)
            return c.error(request, "bad-request", detail=detail)
        names = [n.name for n in c.settings.nodes]
        lang = render.language(request)
        choices = await c.ask_all(session, queries.CHOICES, {"lang": lang})
        asked = holders(filters, choices, names)
        if not asked:
            t = translator(lang)
            detail = t("dataset_nowhere").format(value=filters.dataset)
            return c.error(request, "bad-request", detail=detail)
        nodes = c.chosen(asked)
        variables = {
            "format": fmt.upper(),
            "filter": filters.variables(c.settings.client_id),
        }
        replies = await c.ask_all(session, queries.EXPORT, variables, nodes=nodes)
        failed = problems(replies)
        if failed:
            t = translator(render.language(request))
            detail = (
                t("export_failed")
                + " "
                + "; ".join(
                    f"{r.node.name}: {t('node_' + r.kind)} {r.detail}".strip() for r in failed
                )
            )
            return c.error(request, "unavailable", detail=detail)
        texts = [str(r.data.get("auditExport") or "") for r in replies]
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        if fmt == "csv":
            body, media = merge_csv(texts), "text/csv; charset=utf-8"
        else:
            body, media = merge_jsonld(texts), "application/ld+json"
        return Response(
            body,
            media_type=media,
            headers={
                "Content-Disposition": f'attachment; filename="guichet-audit-{stamp}.{fmt}"',
                "Cache-Control": "no-store",
            },
        )


def merge_csv(texts: Sequence[str]) -> str:
    """One CSV from the nodes' CSVs: the first header, then every node's rows."""
    header = ""
    rows: list[str] = []
    for text in texts:
        first, _, rest = text.partition("\r\n")
        header = header or first
        if rest:
            rows.append(rest)
    return header + "\r\n" + "".join(rows) if header else ""


def merge_jsonld(texts: Sequence[str]) -> str:
    """One JSON-LD document: the first ``@context``, every node's ``@graph``."""
    context: Any = {}
    graph: list[Any] = []
    for text in texts:
        doc = json.loads(text) if text else {}
        context = context or doc.get("@context", {})
        graph += doc.get("@graph", [])
    return json.dumps({"@context": context, "@graph": graph}, ensure_ascii=False, indent=1)
