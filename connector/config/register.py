"""The fields of the CNIL's model record of processing (« modèle de registre », RGPD art.
30) beyond those of :class:`~connector.config.processing.Processing`'s required core: the
node-level ``[register]`` (contacts of the controller and of the DPD, how people exercise
their rights, how long the audit log is kept) and, per dataset, the optional
``[datasets.X.processing]`` keys below. What is not stated is shown as such in the
register, never guessed.

Example::

    [register]
    controller_contact = "Communauté d'agglomération de La Rochelle, 6 rue Saint-Michel"
    dpd_contact = "dpd@agglo-larochelle.fr"
    rights = { fr = "Écrire au DPD ...", en = "Write to the DPD ..." }
    audit_retention = "P1Y"          # the audit log's entries (the platform's own processing)

    [datasets.consommations.processing]
    # ... the required core, then:
    joint_controllers = ["https://example.org/participants/atmo"]
    processors = ["Hébergeur : OVHcloud (France)"]
    sources = [{ fr = "Relevés des fournisseurs", en = "Suppliers' meter readings" }]
    created = "2025-09-01"
    updated = "2026-11-15"
    dpia = "done"                     # done, planned, not_required, not_stated
    dpia_date = "2025-08-20"
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connector.config._checker import Checker
from connector.config._texts import LocalText, duration, iris, text, texts

DPIA: Mapping[str, tuple[str, str]] = {
    "done": ("Réalisée", "Carried out"),
    "planned": ("Prévue", "Planned"),
    "not_required": ("Non requise", "Not required"),
    "not_stated": ("Non renseignée", "Not stated"),
}
OPTIONAL = {
    "joint_controllers",
    "processors",
    "sources",
    "created",
    "updated",
    "dpia",
    "dpia_date",
}
AUDIT_RETENTION = "P1Y"
"""Default: the CNIL's recommendation on logging (délibération n° 2021-122 du 14 octobre
2021): access traces kept six months to one year."""


@dataclass(frozen=True)
class RegisterConfig:
    """``[register]``: what the CNIL's model asks of the controller itself."""

    controller_contact: LocalText | None = None
    dpd_contact: LocalText | None = None
    rights: LocalText | None = None
    audit_retention: str = AUDIT_RETENTION


@dataclass(frozen=True)
class CnilFields:
    """A dataset record's optional fields of the CNIL model."""

    joint_controllers: tuple[str, ...] = ()
    processors: tuple[LocalText, ...] = ()
    sources: tuple[LocalText, ...] = ()
    created: str | None = None
    updated: str | None = None
    dpia: str = "not_stated"
    dpia_date: str | None = None


def _date(c: Checker, key: str, value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    c.fail(key, f"expected a date such as 2026-11-15, got {value!r}")
    return None


def parse_cnil_fields(c: Checker, key: str, table: Mapping[str, Any]) -> CnilFields:
    """The optional keys of ``[datasets.X.processing]`` (see the module docstring)."""
    dpia = table.get("dpia", "not_stated")
    if dpia not in DPIA:
        c.fail(f"{key}.dpia", f"expected one of {', '.join(DPIA)}, got {dpia!r}")
        dpia = "not_stated"
    dpia_date = _date(c, f"{key}.dpia_date", table.get("dpia_date"))
    if dpia_date is not None and dpia not in ("done", "planned"):
        c.fail(f"{key}.dpia_date", f"a date for a DPIA that is {dpia!r} says nothing")
    created = _date(c, f"{key}.created", table.get("created"))
    updated = _date(c, f"{key}.updated", table.get("updated"))
    if created and updated and updated < created:
        c.fail(f"{key}.updated", f"{updated} is before the record's creation ({created})")
    return CnilFields(
        joint_controllers=(
            iris(c, f"{key}.joint_controllers", table["joint_controllers"], empty=True)
            if "joint_controllers" in table
            else ()
        ),
        processors=texts(c, f"{key}.processors", table["processors"])
        if "processors" in table
        else (),
        sources=texts(c, f"{key}.sources", table["sources"]) if "sources" in table else (),
        created=created,
        updated=updated,
        dpia=str(dpia),
        dpia_date=dpia_date,
    )


def parse_register(c: Checker, table: Mapping[str, Any]) -> RegisterConfig:
    """``[register]`` (see the module docstring); every key optional."""
    c.unknown(table, "register", {"controller_contact", "dpd_contact", "rights", "audit_retention"})
    found = {
        name: text(c, f"register.{name}", table[name])
        for name in ("controller_contact", "dpd_contact", "rights")
        if name in table
    }
    retention = duration(
        c, "register.audit_retention", table.get("audit_retention", AUDIT_RETENTION)
    )
    return RegisterConfig(**found, audit_retention=retention or AUDIT_RETENTION)
