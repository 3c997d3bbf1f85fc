"""The node's record of processing (RGPD art. 30): one record for each dataset holding
personal data, worded in the language asked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from connector.config import DatasetConfig, LocalText, Processing
from connector.config.processing import local
from connector.dpd._context import AuditContext, authorise
from connector.dpd._filter import check_lang
from connector.dpd._node import Labelled, concept, labelled, node_labels
from policies.explain import Lang, duration_text


@dataclass(frozen=True)
class ProcessingRecord:
    """A dataset's record of processing; ``retention`` in words (e.g. "5 ans"),
    ``retention_iso`` as an ISO 8601 duration (e.g. "P5Y")."""

    dataset: str
    dataset_title: str
    controller: Labelled
    purposes: tuple[Labelled, ...]
    legal_basis: Labelled
    data_categories: tuple[str, ...]
    data_subjects: tuple[str, ...]
    recipients: tuple[Labelled, ...]
    retention: str
    retention_iso: str
    transfers: str
    security_measures: tuple[str, ...]


def _texts(texts: Iterable[LocalText], lang: str) -> tuple[str, ...]:
    return tuple(local(t, lang) for t in texts)


def processing_record(
    ds: DatasetConfig, p: Processing, lang: Lang, labels: Mapping[str, str]
) -> ProcessingRecord:
    """The record ``p`` of ``ds`` in ``lang``, parties named from ``labels``."""
    basis = p.legal_basis
    return ProcessingRecord(
        dataset=ds.id,
        dataset_title=ds.title,
        controller=labelled(labels, p.controller),
        purposes=tuple(concept(iri, lang, labels) for iri in p.purposes),
        legal_basis=Labelled(iri=basis.iri, label=basis.fr if lang == "fr" else basis.en),
        data_categories=_texts(p.data_categories, lang),
        data_subjects=_texts(p.data_subjects, lang),
        recipients=tuple(labelled(labels, iri) for iri in p.recipients),
        retention=duration_text(p.retention, lang=lang) or p.retention,
        retention_iso=p.retention,
        transfers=local(p.transfers, lang),
        security_measures=_texts(p.security_measures, lang),
    )


async def processing_register(ctx: AuditContext, lang: str | None = "fr") -> list[ProcessingRecord]:
    """The record of processing of each dataset holding personal data."""
    await authorise(ctx, "processingRegister", {"lang": lang})
    checked = check_lang(lang)
    labels = node_labels(ctx.config, checked)
    return [
        processing_record(ds, ds.processing, checked, labels)
        for ds in ctx.config.datasets.values()
        if ds.personal_data and ds.processing is not None
    ]
