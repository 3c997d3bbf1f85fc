"""The node's record of processing (RGPD art. 30), with the fields of the CNIL's model
register: one record for each dataset holding personal data, and one for the platform's own
processing on this node (its audit log of who read what), worded in the language asked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from connector.config import DatasetConfig, LocalText, NodeConfig, Processing
from connector.config._texts import DPV
from connector.config.processing import LEGAL_BASES, local
from connector.config.register import DPIA, CnilFields, RegisterConfig
from connector.dpd._context import AuditContext, authorise
from connector.dpd._filter import check_lang
from connector.dpd._node import Labelled, concept, labelled, node_labels
from connector.usage.resources import AUDIT_LOG
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
    kind: str = "dataset"  # or "platform": the node's own processing (its audit log)
    controller_contact: str | None = None
    dpd_contact: str | None = None
    rights: str | None = None
    joint_controllers: tuple[Labelled, ...] = ()
    processors: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    created: str | None = None
    updated: str | None = None
    dpia: str = ""
    dpia_date: str | None = None


def _texts(texts: Iterable[LocalText], lang: str) -> tuple[str, ...]:
    return tuple(local(t, lang) for t in texts)


def _contacts(register: RegisterConfig, lang: Lang) -> dict[str, str | None]:
    return {
        name: local(value, lang) if value else None
        for name, value in (
            ("controller_contact", register.controller_contact),
            ("dpd_contact", register.dpd_contact),
            ("rights", register.rights),
        )
    }


def processing_record(
    ds: DatasetConfig,
    p: Processing,
    lang: Lang,
    labels: Mapping[str, str],
    register: RegisterConfig | None = None,
) -> ProcessingRecord:
    """The record ``p`` of ``ds`` in ``lang``, parties named from ``labels``."""
    return _record(ds.id, ds.title, p, lang, labels, register or RegisterConfig())


def _record(
    ident: str,
    title: str,
    p: Processing,
    lang: Lang,
    labels: Mapping[str, str],
    register: RegisterConfig,
    kind: str = "dataset",
) -> ProcessingRecord:
    basis = p.legal_basis
    cnil = p.cnil
    return ProcessingRecord(
        dataset=ident,
        dataset_title=title,
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
        kind=kind,
        **_contacts(register, lang),
        joint_controllers=tuple(labelled(labels, iri) for iri in cnil.joint_controllers),
        processors=_texts(cnil.processors, lang),
        sources=_texts(cnil.sources, lang),
        created=cnil.created,
        updated=cnil.updated,
        dpia=DPIA[cnil.dpia][0 if lang == "fr" else 1],
        dpia_date=cnil.dpia_date,
    )


def platform_processing(config: NodeConfig) -> Processing:
    """The node's own processing: its audit log, which records who (participant, client
    application, declared purpose) read or tried to read which datasets, and when."""
    return Processing(
        controller=config.participant,
        purposes=(DPV + "EnforceAccessControl", DPV + "EnforceSecurity"),
        legal_basis=LEGAL_BASES["legal_obligation"],
        data_categories=(
            {
                "fr": "Identifiants des participants et de leurs applications, finalité "
                "déclarée, date et heure, jeux de données et champs demandés, décision",
                "en": "Identifiers of participants and their applications, declared purpose, "
                "date and time, datasets and fields asked, decision",
            },
        ),
        data_subjects=(
            {
                "fr": "Agents et applications des participants qui interrogent le nœud",
                "en": "Participants' staff and applications querying the node",
            },
        ),
        recipients=(),
        retention=config.register.audit_retention,
        transfers={"fr": "aucun transfert hors UE", "en": "no transfer outside the EU"},
        security_measures=(
            {
                "fr": "Entrées chaînées (SHA-256), table en ajout seul, vérifiée en continu",
                "en": "Hash-chained entries (SHA-256), append-only table, checked continuously",
            },
            {
                "fr": "Lecture réservée au rôle DPD, elle-même journalisée",
                "en": "Read by the DPD role only, each read itself logged",
            },
        ),
        cnil=CnilFields(
            sources=(
                {
                    "fr": "Les requêtes reçues par le nœud et ses décisions",
                    "en": "The requests the node receives and its decisions",
                },
            ),
        ),
    )


async def processing_register(ctx: AuditContext, lang: str | None = "fr") -> list[ProcessingRecord]:
    """The record of processing of each dataset holding personal data."""
    await authorise(ctx, "processingRegister", {"lang": lang})
    checked = check_lang(lang)
    labels = node_labels(ctx.config, checked)
    config = ctx.config
    records = [
        processing_record(ds, ds.processing, checked, labels, config.register)
        for ds in config.datasets.values()
        if ds.personal_data and ds.processing is not None
    ]
    title = "Journal d'audit des accès" if checked == "fr" else "Audit log of accesses"
    records.append(
        _record(
            AUDIT_LOG,
            title,
            platform_processing(config),
            checked,
            labels,
            config.register,
            "platform",
        )
    )
    return records
