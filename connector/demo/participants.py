"""The demo data space's participants, registered with its issuer, and their tokens."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import httpx

from connector.errors import AuthError
from connector.identity import ParticipantRegistry

SPACE = "https://guichet.agglo-larochelle.fr/participants/"
DPV = "https://w3id.org/dpv#"
GUI = "https://w3id.org/guichet/ontology#"


@dataclass(frozen=True)
class DemoParticipant:
    key: str
    iri: str
    name: str
    roles: tuple[str, ...]
    purposes: tuple[str, ...]


PARTICIPANTS = (
    DemoParticipant(
        "cda",
        SPACE + "cda",
        "Communauté d'agglomération de La Rochelle",
        ("agglomeration",),
        (GUI + "CarbonAccounting",),
    ),
    DemoParticipant("atmo", SPACE + "atmo", "Atmo Nouvelle-Aquitaine", ("air-quality",), ()),
    DemoParticipant(
        "univ-lr",
        SPACE + "univ-lr",
        "La Rochelle Université",
        ("researcher",),
        (DPV + "AcademicResearch",),
    ),
    DemoParticipant(
        "ecole", SPACE + "ecole-saint-christophe", "École Saint-Christophe", ("school",), ()
    ),
    DemoParticipant(
        "bouygues", SPACE + "bouygues", "Bouygues Bâtiment Centre Sud-Ouest", ("construction",), ()
    ),
    DemoParticipant("dpd", SPACE + "cda/dpd", "DPD de l'agglomération", ("dpd",), ()),
)


async def register_all(database_url: str, credentials_file: Path) -> dict[str, dict[str, str]]:
    """Register the demo participants once; their credentials are kept in a file of the
    demo folder (a real deployment hands each its secret once, see ``guichet issuer``)."""
    if credentials_file.is_file():
        saved: dict[str, dict[str, str]] = json.loads(credentials_file.read_text("utf-8"))
        return saved
    registry = ParticipantRegistry(database_url)
    out: dict[str, dict[str, str]] = {}
    try:
        for p in PARTICIPANTS:
            creds = await registry.register(p.iri, p.name, p.roles, p.purposes)
            out[p.key] = {
                "client_id": creds.client_id,
                "client_secret": creds.client_secret or "",
                "participant": p.iri,
            }
    finally:
        await registry.aclose()
    credentials_file.write_text(json.dumps(out, indent=2), encoding="utf-8")
    credentials_file.chmod(0o600)
    return out


async def token(
    client: httpx.AsyncClient,
    issuer: str,
    creds: dict[str, str],
    *,
    audience: str | list[str],
    purpose: str | None = None,
) -> str:
    """An access token by the client-credentials grant (``client_secret_basic``); several
    audiences (RFC 8707 ``resource``) give one token valid at each of those nodes."""
    form: dict[str, str | list[str]] = {"grant_type": "client_credentials", "resource": audience}
    if purpose:
        form["purpose"] = purpose
    r = await client.post(
        f"{issuer}/token", data=form, auth=(creds["client_id"], creds["client_secret"])
    )
    if r.status_code != 200:
        raise AuthError(f"the issuer refused a token: {r.text}")
    value: str = r.json()["access_token"]
    return value
