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
        iso = rec.get("retentionIso")
        return f"{rec['retention']} ({iso})" if iso else str(rec["retention"])
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


def _both(fr: str, en: str, lang: str) -> str:
    return fr if lang == "fr" else en


def issuer_record(issuer: str, lang: str) -> dict[str, Any]:
    """The platform's other processing of personal data: the issuer's person accounts (the
    DPD's and the agents' logins), kept by the data space's authority at ``issuer``."""
    return {
        "kind": "platform",
        "node": _both("émetteur", "issuer", lang),
        "dataset": "issuer-accounts",
        "datasetTitle": _both(
            "Comptes des personnes du serveur d'identité", "The issuer's person accounts", lang
        ),
        "controller": {
            "iri": issuer,
            "label": _both(
                f"L'autorité de l'espace de données ({issuer})",
                f"The data space's authority ({issuer})",
                lang,
            ),
        },
        "jointControllers": [],
        "purposes": [
            {
                "iri": "https://w3id.org/dpv#IdentityAuthentication",
                "label": _both("L'authentification des personnes", "Identity authentication", lang),
            }
        ],
        "legalBasis": {
            "iri": "https://w3id.org/dpv#PublicTask",
            "label": _both(
                "Mission d'intérêt public (RGPD art. 6(1)(e))",
                "Public task (GDPR Art. 6(1)(e))",
                lang,
            ),
        },
        "dataCategories": [
            _both(
                "Identifiant de connexion, nom, IRI de la personne, rôles, empreinte scrypt du mot "
                "de passe (jamais le mot de passe)",
                "Login, name, the person's IRI, roles, scrypt hash of the password (never the "
                "password)",
                lang,
            )
        ],
        "dataSubjects": [
            _both(
                "Le DPD et les agents des participants qui se connectent à la console",
                "The DPD and the participants' staff who log in to the console",
                lang,
            )
        ],
        "recipients": [],
        "processors": [],
        "retention": _both("la durée du compte", "the account's lifetime", lang),
        "retentionIso": "",
        "transfers": _both("aucun transfert hors UE", "no transfer outside the EU", lang),
        "securityMeasures": [
            _both(
                "Mots de passe hachés (scrypt), jetons signés de courte durée",
                "Hashed passwords (scrypt), short-lived signed tokens",
                lang,
            )
        ],
        "sources": [
            _both(
                "Les personnes elles-mêmes, à la création du compte",
                "The people themselves, when the account is created",
                lang,
            )
        ],
        "created": None,
        "updated": None,
        "dpia": _both("Non requise", "Not required", lang),
        "dpiaDate": None,
    }


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
                "platform": [
                    *(r for r in records if r["kind"] == "platform"),
                    issuer_record(c.settings.issuer, lang),
                ],
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
            register_csv([*_records(replies), issuer_record(c.settings.issuer, lang)], lang),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="registre-{stamp}.csv"'},
        )
