"""The DPD's sections of a node configuration: ``[labels]`` and each personal dataset's
record of processing (RGPD art. 30), ``[datasets.X.processing]``.

Example::

    [labels]
    "https://example.org/participants/cda" = "Agglomération"
    "https://example.org/participants/univ/lab" = { fr = "Les chercheurs", en = "Researchers" }

    [datasets.consommations.processing]
    controller = "https://example.org/participants/cda"
    purposes = ["dpv:ImprovePublicServices", "gui:CarbonAccounting"]
    legal_basis = "public_task"              # RGPD art. 6(1): consent, contract, ...
    data_categories = ["Consommations annuelles d'énergie par logement"]
    data_subjects = [{ fr = "Occupants des logements", en = "Occupants" }]
    recipients = ["https://example.org/participants/univ"]
    retention = "P5Y"                        # ISO 8601 duration
    transfers = "aucun transfert hors UE"
    security_measures = ["Contrôle d'usage ODRL", "Journal d'audit chaîné"]

A text is a string (any language) or a table ``{ fr = "...", en = "..." }``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connector.config._checker import Checker
from connector.config._texts import (
    CURIES as CURIES,
)
from connector.config._texts import (
    DPV,
    IRI,
    duration,
    iris,
    text,
    texts,
)
from connector.config._texts import (
    GUI as GUI,
)
from connector.config._texts import (
    LANGS as LANGS,
)
from connector.config._texts import (
    LocalText as LocalText,
)
from connector.config._texts import (
    expand_curie as expand_curie,
)
from connector.config._texts import (
    local as local,
)
from connector.config.register import OPTIONAL, CnilFields, parse_cnil_fields


@dataclass(frozen=True)
class LegalBasis:
    key: str
    iri: str
    fr: str
    en: str


# RGPD / GDPR art. 6(1)(a)-(f) (Regulation (EU) 2016/679), with their DPV 2.0 concepts.
LEGAL_BASES: Mapping[str, LegalBasis] = {
    b.key: b
    for b in (
        LegalBasis(
            "consent",
            DPV + "Consent",
            "Consentement (RGPD art. 6(1)(a))",
            "Consent (GDPR Art. 6(1)(a))",
        ),
        LegalBasis(
            "contract",
            DPV + "Contract",
            "Exécution d'un contrat (RGPD art. 6(1)(b))",
            "Performance of a contract (GDPR Art. 6(1)(b))",
        ),
        LegalBasis(
            "legal_obligation",
            DPV + "LegalObligation",
            "Obligation légale (RGPD art. 6(1)(c))",
            "Legal obligation (GDPR Art. 6(1)(c))",
        ),
        LegalBasis(
            "vital_interests",
            DPV + "VitalInterest",
            "Sauvegarde des intérêts vitaux (RGPD art. 6(1)(d))",
            "Vital interests (GDPR Art. 6(1)(d))",
        ),
        LegalBasis(
            "public_task",
            DPV + "PublicTask",
            "Mission d'intérêt public (RGPD art. 6(1)(e))",
            "Public task (GDPR Art. 6(1)(e))",
        ),
        LegalBasis(
            "legitimate_interests",
            DPV + "LegitimateInterest",
            "Intérêts légitimes (RGPD art. 6(1)(f))",
            "Legitimate interests (GDPR Art. 6(1)(f))",
        ),
    )
}


@dataclass(frozen=True)
class Processing:
    """A dataset's record of processing: who controls it, why, on which legal basis, about
    whom, for whom, for how long, where it goes and how it is protected."""

    controller: str
    purposes: tuple[str, ...]
    legal_basis: LegalBasis
    data_categories: tuple[LocalText, ...]
    data_subjects: tuple[LocalText, ...]
    recipients: tuple[str, ...]
    retention: str
    transfers: LocalText
    security_measures: tuple[LocalText, ...]
    cnil: CnilFields = CnilFields()  # noqa: RUF009 (frozen: one shared default is safe)
    """The CNIL model's further fields (:mod:`.register`)."""


def parse_labels(c: Checker, table: Mapping[str, Any]) -> dict[str, LocalText]:
    """``[labels]``: IRI = name, or IRI = { fr = ..., en = ... }."""
    out: dict[str, LocalText] = {}
    for iri, value in table.items():
        key = f'labels."{iri}"'
        if not IRI.fullmatch(iri):
            c.fail(key, "expected an absolute IRI (http, https or urn) as the key")
            continue
        found = text(c, key, value)
        if found is not None:
            out[iri] = found
    return out


_KEYS = {
    "controller",
    "purposes",
    "legal_basis",
    "data_categories",
    "data_subjects",
    "recipients",
    "retention",
    "transfers",
    "security_measures",
}


def parse_processing(c: Checker, key: str, table: object) -> Processing | None:
    """``[datasets.X.processing]``, every key required (``recipients`` may be empty)."""
    if not isinstance(table, dict):
        c.fail(key, f"expected a table, got {table!r}")
        return None
    before = len(c.issues)
    c.unknown(table, key, _KEYS | OPTIONAL)
    for name in sorted(_KEYS - set(table)):
        c.fail(f"{key}.{name}", "missing; a record of processing needs " + ", ".join(sorted(_KEYS)))
    controller = table.get("controller")
    if "controller" in table and not (isinstance(controller, str) and IRI.fullmatch(controller)):
        c.fail(f"{key}.controller", f"expected the controller's IRI, got {controller!r}")
    basis = table.get("legal_basis")
    if "legal_basis" in table and basis not in LEGAL_BASES:
        c.fail(
            f"{key}.legal_basis",
            f"expected one of {', '.join(LEGAL_BASES)} (RGPD art. 6(1)), got {basis!r}",
        )
    retention = (
        duration(c, f"{key}.retention", table["retention"]) if "retention" in table else None
    )
    present = {k: v for k, v in table.items() if k in _KEYS}
    purposes, recipients = (
        iris(c, f"{key}.{name}", present[name], empty=name == "recipients")
        if name in present
        else ()
        for name in ("purposes", "recipients")
    )
    lists = {
        name: texts(c, f"{key}.{name}", present[name]) if name in present else ()
        for name in ("data_categories", "data_subjects", "security_measures")
    }
    transfers = (
        text(c, f"{key}.transfers", present["transfers"]) if "transfers" in present else None
    )
    cnil = parse_cnil_fields(c, key, table)
    if len(c.issues) > before:
        return None
    return Processing(
        controller=str(controller),
        purposes=purposes,
        legal_basis=LEGAL_BASES[str(basis)],
        data_categories=lists["data_categories"],
        data_subjects=lists["data_subjects"],
        recipients=recipients,
        retention=str(retention),
        transfers=transfers or {},
        security_measures=lists["security_measures"],
        cnil=cnil,
    )
