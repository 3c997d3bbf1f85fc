"""The demo data space's participants, registered with its issuer, and their tokens; the
DPD console's web client and the demo's person accounts (a DPD, an agent without the role)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from connector.errors import AuthError
from connector.gateway import Participant, TransparenceSettings
from issuer import ParticipantRegistry

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
    # the builder's R&D works with the university on buildings' energy: it may ask for
    # academic research, as the Dataspace Protocol showcase does (cda's offer to researchers)
    DemoParticipant(
        "bouygues",
        SPACE + "bouygues",
        "Bouygues Bâtiment Centre Sud-Ouest",
        ("construction",),
        (DPV + "AcademicResearch",),
    ),
    DemoParticipant("dpd", SPACE + "cda/dpd", "DPD de l'agglomération", ("dpd",), ()),
    DemoParticipant(
        "transparence",
        SPACE + "cda/transparence",
        "Page des familles et des citoyens",
        ("transparence",),
        (),
    ),
    DemoParticipant("lagord", SPACE + "lagord", "Commune de Lagord", ("commune",), ()),
    DemoParticipant(
        "bailleur",
        SPACE + "bailleur",
        "Atlantique Habitat (bailleur social, fictif)",
        ("social-landlord",),
        (GUI + "CarbonAccounting",),
    ),
)


CONSOLE_CLIENT = "guichet-console"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    iri: str
    name: str
    roles: tuple[str, ...]


ACCOUNTS = (
    DemoAccount(
        "dpd",
        SPACE + "cda/dpd/claire-martin",
        "Claire Martin, déléguée à la protection des données",
        ("dpd",),
    ),
    DemoAccount(
        "agent",
        SPACE + "cda/agents/paul-durand",
        "Paul Durand, agent de l'agglomération",
        ("staff",),
    ),
)


async def register_console(
    database_url: str, credentials_file: Path, redirect_uris: Sequence[str]
) -> dict[str, dict[str, str]]:
    """Register the console's web client and the demo's person accounts once, with
    generated passwords kept in ``credentials_file`` under ``accounts``."""
    saved: dict[str, object] = json.loads(credentials_file.read_text("utf-8"))
    known = saved.get("accounts")
    if isinstance(known, dict):
        return known
    registry = ParticipantRegistry(database_url)
    accounts: dict[str, dict[str, str]] = {}
    try:
        await registry.add_web_client(
            CONSOLE_CLIENT, name="Guichet — console du DPD", redirect_uris=redirect_uris
        )
        for a in ACCOUNTS:
            password = secrets.token_urlsafe(12)
            await registry.add_account(
                a.username, iri=a.iri, name=a.name, roles=a.roles, password=password
            )
            accounts[a.username] = {"password": password, "iri": a.iri, "roles": " ".join(a.roles)}
    finally:
        await registry.aclose()
    credentials_file.write_text(
        json.dumps({**saved, "accounts": accounts}, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    credentials_file.chmod(0o600)
    return accounts


async def register_all(database_url: str, credentials_file: Path) -> dict[str, dict[str, str]]:
    """Register the demo participants once; their credentials are kept in a file of the
    demo folder (a real deployment hands each its secret once, see ``guichet issuer``)."""
    if credentials_file.is_file():
        saved: dict[str, dict[str, str]] = json.loads(credentials_file.read_text("utf-8"))
        saved.pop("accounts", None)
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


def wire_dsp(toml: Path, creds: Mapping[str, str]) -> None:
    """Give a generated node configuration its ``[dsp]`` credentials (once): its client id,
    and its secret in a file beside it (``<node>-dsp-secret``, readable by its owner only),
    as a real deployment would (never the secret in the TOML)."""
    text = toml.read_text(encoding="utf-8")
    if "\n[dsp]\n" in text or not creds.get("client_secret"):
        return
    secret = toml.parent / f"{toml.stem}-dsp-secret"
    secret.write_text(creds["client_secret"], encoding="utf-8")
    secret.chmod(0o600)
    text += (
        "\n# --- the node's own credentials, to send Dataspace Protocol messages (the demo's) --\n"
        f'[dsp]\nclient_id = "{creds["client_id"]}"\nclient_secret_file = "{secret.name}"\n'
    )
    toml.write_text(text, encoding="utf-8")


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


DPD_NAME = "Délégué à la protection des données de l'agglomération (démo)"
DPD_CONTACT = "dpd@agglo-larochelle.example"
"""The demo's DPD contact on the families' page: an ``.example`` address (RFC 2606), not a
real mailbox."""


def families_page(issuer: str, creds: Mapping[str, Mapping[str, str]]) -> TransparenceSettings:
    """The families' page of the demo's gateway: the demo's school year, its DPD contact and
    the page's own participant (``transparence`` in ``credentials.json``; a demo folder made
    before it existed gives a page without usage counts)."""
    own = creds.get("transparence")
    participant = (
        Participant(issuer, own["client_id"], own["client_secret"])
        if own and own.get("client_secret")
        else None
    )
    return TransparenceSettings(dpd_name=DPD_NAME, dpd_contact=DPD_CONTACT, participant=participant)
