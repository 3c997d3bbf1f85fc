"""The record of processing activities (RGPD art. 30) as the CNIL's model register lays it
out: the controllers' and DPDs' contacts and how people exercise their rights (one line per
node), then one record per processing — the datasets holding personal data, and the
platform's own processing on each node (its audit log) — with joint controllers,
processors, sources, dates and the impact assessment. ``/register`` shows it (its print
stylesheet makes the printable register), ``/register.csv`` exports the same lines."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from connector.console import render
from connector.console.core import Console
from connector.console.i18n import translator
from connector.console.nodes import NodeReply
from connector.console.queries import REGISTER
from connector.console.sessions import Session
from connector.console.views import problems

COLUMNS = (
    ("node", "col_node"),
    ("dataset", "col_dataset"),
    ("controller", "col_controller"),
    ("controllerContact", "col_controller_contact"),
    ("dpdContact", "col_dpd_contact"),
    ("jointControllers", "col_joint"),
    ("purposes", "col_purposes"),
    ("legalBasis", "col_legal_basis"),
    ("dataCategories", "col_categories"),
    ("dataSubjects", "col_subjects"),
    ("recipients", "col_recipients"),
    ("processors", "col_processors"),
    ("transfers", "col_transfers"),
    ("retention", "col_retention"),
    ("securityMeasures", "col_security"),
    ("sources", "col_sources"),
    ("dates", "col_dates"),
    ("dpia", "col_dpia"),
    ("rights", "col_rights"),
)


def _records(replies: Sequence[NodeReply]) -> list[dict[str, Any]]:
    return [
        {**rec, "node": r.node.name}
        for r in replies
        if r.ok
        for rec in r.data.get("processingRegister") or []
    ]


def _cell(rec: Mapping[str, Any], key: str, none: str) -> str:
    if key == "dataset":
        return f"{rec['datasetTitle']} ({rec['dataset']})"
    if key == "dates":
        return f"{rec.get('created') or none} / {rec.get('updated') or none}"
    if key == "dpia":
        return str(rec["dpia"]) + (f" ({rec['dpiaDate']})" if rec.get("dpiaDate") else "")
    if key == "retention":
        return f"{rec['retention']} ({rec['retentionIso']})"
    value = rec.get(key)
    if value is None or value == []:
        return none
    if isinstance(value, dict):
        return str(value.get("label") or value.get("iri"))
    if isinstance(value, list):
        return "; ".join(str(v.get("label") if isinstance(v, dict) else v) for v in value)
    return str(value)


def register_csv(records: Sequence[Mapping[str, Any]], lang: str) -> str:
    """The register as CSV: one line per processing, the columns of :data:`COLUMNS`."""
    t = translator(lang)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([t(label) for _, label in COLUMNS])
    for rec in records:
        writer.writerow([_cell(rec, key, t("not_stated")) for key, _ in COLUMNS])
    return out.getvalue()


class RegisterPages:
    def __init__(self, console: Console) -> None:
        self.console = console

    async def page(self, request: Request, session: Session) -> Response:
        c = self.console
        lang = render.language(request)
        replies = await c.ask_all(session, REGISTER, {"lang": lang})
        records = _records(replies)
        contacts: dict[str, Mapping[str, Any]] = {}
        for rec in records:
            contacts.setdefault(rec["node"], rec)
        return c.page(
            request,
            "register.html",
            {
                "records": [r for r in records if r["kind"] == "dataset"],
                "platform": [r for r in records if r["kind"] == "platform"],
                "contacts": list(contacts.values()),
                "retention": [
                    {**row, "node": reply.node.name}
                    for reply in replies
                    if reply.ok
                    for row in reply.data.get("retention") or []
                ],
                "problems": problems(replies),
            },
            session=session,
        )

    async def export(self, request: Request, session: Session) -> Response:
        c = self.console
        lang = render.language(request)
        replies = await c.ask_all(session, REGISTER, {"lang": lang})
        failed = problems(replies)
        if failed:
            t = translator(lang)
            detail = "; ".join(f"{r.node.name}: {t('node_' + r.kind)}" for r in failed)
            return c.error(request, "unavailable", detail=detail)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        return Response(
            register_csv(_records(replies), lang),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="registre-{stamp}.csv"'},
        )
