"""Exports of audit entries for the data-protection officer: CSV and JSON-LD (PROV-O).

CSV (RFC 4180, ``\\r\\n`` line ends, one header row): the columns of :data:`CSV_COLUMNS`;
lists (datasets, duties) are space-separated, ``details`` is canonical JSON, absent values
are empty cells, times are ``YYYY-MM-DDTHH:MM:SS.ffffffZ``.

JSON-LD: one ``prov:Activity`` per entry (``{base_iri}/audit/{seq}``), associated with the
party (``prov:wasAssociatedWith`` a ``prov:Agent``), using the datasets (``prov:used``:
the IRI the node's ``/catalog`` publishes for each dataset id the entry names; an id the
caller gives no IRI for, such as a dataset since removed from the configuration, is a
blank ``dcat:Dataset`` with that ``dcterms:identifier``, never a made-up IRI), started at
the entry's time (``prov:startedAtTime``, ``xsd:dateTime``). The rest is in
Guichet's vocabulary (:data:`GUI_TERMS`). Purposes and duties that are IRIs are written
as IRIs, anything else as a plain literal.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from connector.audit.canonical import canonical_json
from connector.audit.record import StoredEntry, format_time, is_iri

GUI = "https://w3id.org/guichet/ontology#"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"

DCAT = "http://www.w3.org/ns/dcat#"
DCTERMS = "http://purl.org/dc/terms/"

CONTEXT: dict[str, str] = {"prov": PROV, "gui": GUI, "xsd": XSD, "dcat": DCAT, "dcterms": DCTERMS}

#: the gui: terms the JSON-LD export uses (to be defined in ontology/guichet.ttl)
GUI_TERMS: tuple[str, ...] = (
    "decision",
    "rule",
    "reason",
    "purpose",
    "operationHash",
    "operationName",
    "rowsReturned",
    "duty",
    "entryHash",
    "previousHash",
    "sequenceNumber",
    "clientId",
    "node",
    "details",
)

CSV_COLUMNS: tuple[str, ...] = (
    "seq",
    "time",
    "node",
    "party",
    "client_id",
    "purpose",
    "operation_hash",
    "operation_name",
    "datasets",
    "decision",
    "rule",
    "reason",
    "duties",
    "rows_returned",
    "details",
    "prev_hash",
    "hash",
)


def export_csv(entries: Iterable[StoredEntry]) -> str:
    """The entries as CSV text, header first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        writer.writerow(
            [
                e.seq,
                format_time(e.time),
                e.node,
                e.party,
                e.client_id or "",
                e.purpose or "",
                e.operation_hash,
                e.operation_name or "",
                " ".join(e.datasets),
                e.decision,
                e.rule or "",
                e.reason,
                " ".join(e.duties),
                "" if e.rows_returned is None else e.rows_returned,
                canonical_json(e.details),
                e.prev_hash,
                e.hash,
            ]
        )
    return out.getvalue()


def export_jsonld(
    entries: Iterable[StoredEntry], base_iri: str, datasets: Mapping[str, str]
) -> dict[str, Any]:
    """The entries as a JSON-LD document (``@context`` + ``@graph``) in PROV-O terms.

    ``base_iri`` is the node's base IRI (``https://node.example``); ``datasets`` the IRI
    of each dataset by its id (:func:`connector.usage.resources.resource_iris`).
    """
    base = base_iri.rstrip("/")
    return {
        "@context": dict(CONTEXT),
        "@graph": [_activity(e, base, datasets) for e in entries],
    }


def _ref(value: str) -> dict[str, str] | str:
    return {"@id": value} if is_iri(value) else value


def _dataset(name: str, datasets: Mapping[str, str]) -> dict[str, str]:
    if is_iri(name):
        return {"@id": name}
    if name in datasets:
        return {"@id": datasets[name]}
    return {"@type": "dcat:Dataset", "dcterms:identifier": name}


def _activity(e: StoredEntry, base: str, datasets: Mapping[str, str]) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@id": f"{base}/audit/{e.seq}",
        "@type": "prov:Activity",
        "prov:startedAtTime": {"@value": format_time(e.time), "@type": "xsd:dateTime"},
        "prov:wasAssociatedWith": {"@id": e.party, "@type": "prov:Agent"},
        "prov:used": [_dataset(d, datasets) for d in e.datasets],
        "gui:sequenceNumber": e.seq,
        "gui:node": e.node,
        "gui:decision": e.decision,
        "gui:reason": e.reason,
        "gui:operationHash": e.operation_hash,
        "gui:duty": [_ref(d) for d in e.duties],
        "gui:entryHash": e.hash,
        "gui:previousHash": e.prev_hash,
    }
    if e.rule is not None:
        node["gui:rule"] = {"@id": e.rule}
    if e.purpose is not None:
        node["gui:purpose"] = _ref(e.purpose)
    if e.client_id is not None:
        node["gui:clientId"] = e.client_id
    if e.operation_name is not None:
        node["gui:operationName"] = e.operation_name
    if e.rows_returned is not None:
        node["gui:rowsReturned"] = e.rows_returned
    if e.details:
        node["gui:details"] = canonical_json(e.details)
    return node
